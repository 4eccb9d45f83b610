//! `/v1/checkout/sessions`: create (`mode=subscription`), retrieve, list, expire, line items.
//! Completion (paying) is `engine::checkout::complete`, shared by the hosted page and `/_sim`.

use serde_json::{Value, json};

use crate::account::{SessionItem, SessionSubscriptionData};
use crate::api::{checkout_options, list_kind, retrieve_kind};
use crate::engine::checkout;
use crate::error::StripeError;
use crate::pipeline::Call;

const CREATE_PARAMS: &[&str] = &[
    "mode",
    "line_items",
    "customer",
    "customer_email",
    "client_reference_id",
    "success_url",
    "cancel_url",
    "metadata",
    "subscription_data",
    "payment_method_types",
    "allow_promotion_codes",
    "billing_address_collection",
    "locale",
    "ui_mode",
    "expires_at",
];

fn check_redirect_url(param: &str, url: &str) -> Result<(), StripeError> {
    if (url.starts_with("http://") || url.starts_with("https://"))
        && !url.contains(char::is_whitespace)
    {
        Ok(())
    } else {
        Err(StripeError::InvalidRequest {
            code: Some("url_invalid"),
            param: Some(param.into()),
            message: format!("Not a valid URL: {param} must be an http(s) URL."),
        })
    }
}

/// `POST /v1/checkout/sessions`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only_with(CREATE_PARAMS, checkout_options::PARAMS)?;
    p.allow_only_under(
        "subscription_data",
        &["metadata", "description", "trial_period_days"],
    )?;
    let mode = p.required("mode")?;
    if mode != "subscription" {
        // Guess: payment and setup modes are valid on Stripe but not simulated yet.
        return Err(StripeError::invalid(
            "mode",
            format!("Invalid mode: '{mode}'. The simulator supports mode=subscription."),
        ));
    }
    if let Some(ui) = p.nonempty("ui_mode")?
        && ui != "hosted"
    {
        return Err(StripeError::invalid(
            "ui_mode",
            "The simulator supports ui_mode=hosted only.",
        ));
    }
    // Guess: Stripe requires success_url for hosted sessions in older API versions; kept
    // required here because the hosted page must redirect somewhere.
    let success_url = p.required("success_url")?;
    check_redirect_url("success_url", success_url)?;
    let cancel_url = p.nonempty("cancel_url")?;
    if let Some(u) = cancel_url {
        check_redirect_url("cancel_url", u)?;
    }
    let raw_items = p
        .obj_list("line_items")?
        .filter(|l| !l.is_empty())
        .ok_or_else(|| StripeError::ParameterMissing {
            param: "line_items".into(),
        })?;
    let mut items = Vec::new();
    for (i, li) in raw_items.iter().enumerate() {
        if let Value::Object(m) = &li.0 {
            for k in m.keys() {
                if !["price", "quantity", "adjustable_quantity"].contains(&k.as_str()) {
                    return Err(StripeError::ParameterUnknown {
                        param: format!("line_items[{i}][{k}]"),
                    });
                }
            }
        }
        let price = li
            .nonempty("price")?
            .ok_or_else(|| StripeError::ParameterMissing {
                param: format!("line_items[{i}][price]"),
            })?
            .to_string();
        let quantity = li.int("quantity").map_err(|_| {
            StripeError::invalid(
                format!("line_items[{i}][quantity]"),
                "Invalid integer for quantity.",
            )
        })?;
        let quantity = match quantity {
            None => 1,
            Some(q) if (1..=999_999).contains(&q) => q,
            Some(_) => {
                return Err(StripeError::invalid(
                    format!("line_items[{i}][quantity]"),
                    "Quantity must be a positive integer.",
                ));
            }
        };
        items.push((i, SessionItem { price, quantity }));
    }
    let customer = p.nonempty("customer")?;
    let customer_email = p.nonempty("customer_email")?;
    if customer.is_some() && customer_email.is_some() {
        return Err(StripeError::invalid(
            "customer_email",
            "You may only specify one of these parameters: customer, customer_email.",
        ));
    }
    let client_reference_id = p.nonempty("client_reference_id")?;
    if client_reference_id.is_some_and(|r| r.chars().count() > 200) {
        return Err(StripeError::invalid(
            "client_reference_id",
            "client_reference_id must be at most 200 characters.",
        ));
    }
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let sub_metadata = p.metadata("subscription_data[metadata]", &json!({}))?;
    let sub_description = p.nonempty("subscription_data[description]")?;
    let mut st = c.account.lock();
    if let Some(cus) = customer
        && st
            .store
            .get_kind("customer", cus)
            .is_none_or(|o| o["deleted"] == true)
    {
        return Err(StripeError::missing_param("customer", cus, "customer"));
    }
    let mut currency: Option<String> = None;
    let mut total = 0i64;
    for (i, item) in &items {
        let param = format!("line_items[{i}][price]");
        let price = st.store.get_kind("price", &item.price).ok_or_else(|| {
            StripeError::missing_param("price", item.price.clone(), param.clone())
        })?;
        if price["active"] != true {
            return Err(StripeError::invalid(
                param,
                format!("The price `{}` is not active.", item.price),
            ));
        }
        if price["type"] != "recurring" {
            return Err(StripeError::invalid(
                param,
                "You must provide at least one recurring price in `subscription` mode when using prices.",
            ));
        }
        let cur = price["currency"].as_str().unwrap_or("usd").to_string();
        if currency.as_ref().is_some_and(|c0| *c0 != cur) {
            return Err(StripeError::invalid(
                param,
                "All prices must have the same currency.",
            ));
        }
        currency = Some(cur);
        total += price["unit_amount"].as_i64().unwrap_or(0) * item.quantity;
    }
    // Options shown as given, checked before the session exists.
    let mut options = json!({"currency": currency});
    checkout_options::apply(p, &mut options)?;
    let now = st.now();
    let expires_at = match p.int("expires_at")? {
        None => now + checkout::SESSION_TTL,
        Some(t) if t >= now + checkout::MIN_TTL && t <= now + checkout::SESSION_TTL => t,
        Some(_) => {
            return Err(StripeError::invalid(
                "expires_at",
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
            ));
        }
    };
    let obj = checkout::create_session(
        &mut st,
        &c.app.base_url,
        checkout::NewSession {
            items: items.into_iter().map(|(_, it)| it).collect(),
            total,
            currency,
            customer,
            customer_email,
            client_reference_id,
            success_url,
            cancel_url,
            metadata,
            now,
            expires_at,
            allow_promotion_codes: p.bool("allow_promotion_codes")?,
            billing_address_collection: p.nonempty("billing_address_collection")?,
            locale: p.nonempty("locale")?,
            subscription_data: SessionSubscriptionData {
                metadata: sub_metadata.unwrap_or(json!({})),
                description: sub_description.map(str::to_string),
            },
            options,
        },
    );
    drop(st);
    c.app
        .index_session(obj["id"].as_str().unwrap_or_default(), c.account.clone());
    Ok(obj)
}

/// `GET /v1/checkout/sessions/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    checkout::expire_if_due(&mut c.account.lock(), c.id());
    retrieve_kind(c, "checkout.session")
}

/// `GET /v1/checkout/sessions` (filters: `customer`, `status`, `subscription`,
/// `payment_intent`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "checkout.session",
        "/v1/checkout/sessions",
        &[
            ("customer", "customer"),
            ("status", "status"),
            ("subscription", "subscription"),
            ("payment_intent", "payment_intent"),
        ],
    )
}

/// `POST /v1/checkout/sessions/{id}/expire` → `checkout.session.expired`
pub(crate) fn expire(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    checkout::expire_if_due(&mut st, c.id());
    let old = st
        .store
        .get_kind("checkout.session", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("checkout.session", c.id()))?;
    if old["status"] != "open" {
        return Err(StripeError::bad_request(format!(
            "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{}\".",
            old["status"].as_str().unwrap_or("unknown")
        )));
    }
    Ok(checkout::expire(&mut st, &c.request, old))
}

/// `GET /v1/checkout/sessions/{id}/line_items`
pub(crate) fn line_items(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(crate::store::LIST_PARAMS)?;
    let st = c.account.lock();
    if st.store.get_kind("checkout.session", c.id()).is_none() {
        return Err(StripeError::missing("checkout.session", c.id()));
    }
    Ok(checkout::line_items(&st, c.id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_lazily_when_due() {
        let mut st = crate::account::AccountState::default();
        let now = st.now();
        st.store
            .put(json!({"id": "cs_test_1", "object": "checkout.session",
            "status": "open", "expires_at": now + 10, "url": "http://x"}));
        checkout::expire_if_due(&mut st, "cs_test_1");
        assert_eq!(st.store.get("cs_test_1").expect("s")["status"], "open");
        st.clock_offset = 11;
        checkout::expire_if_due(&mut st, "cs_test_1");
        let s = st.store.get("cs_test_1").expect("s");
        assert_eq!(s["status"], "expired");
        assert_eq!(s["url"], Value::Null);
        let events: Vec<&String> = st.store.ids_of("event").collect();
        assert_eq!(events.len(), 1);
        assert_eq!(
            st.store.get(events[0]).expect("e")["type"],
            "checkout.session.expired"
        );
        checkout::expire_if_due(&mut st, "cs_test_1");
        assert_eq!(st.store.ids_of("event").count(), 1, "expires once");
    }
}
