//! `/v1/checkout/sessions`: create (`mode=subscription`, `payment` or `setup`), retrieve,
//! list, expire, line items.
//! Completion (paying) is `engine::checkout::complete`, shared by the hosted page and `/_sim`.

use serde_json::{Value, json};

use crate::account::SessionSubscriptionData;
use crate::api::{checkout_items, checkout_options, list_kind, payment_intents, retrieve_kind};
use crate::engine::checkout;
use crate::error::StripeError;
use crate::params::Params;
use crate::pipeline::Call;

/// The modes a session can be created in.
const MODES: &[&str] = &["payment", "setup", "subscription"];

/// Smallest total of a `mode=payment` session (Stripe's minimum charge is 50 cents in
/// USD; a guess, see `docs/guesses.md`: 50 minor units in every currency).
const MIN_PAYMENT: i64 = 50;

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
    "payment_intent_data",
    "setup_intent_data",
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

/// Refuses `param` (a hash of intent data) outside `mode`, as Stripe does.
fn only_in_mode(p: &Params, param: &str, wanted: &str, mode: &str) -> Result<(), StripeError> {
    if p.get(param).is_some() && mode != wanted {
        return Err(StripeError::invalid(
            param,
            format!("You can not pass `{param}` in `{mode}` mode."),
        ));
    }
    Ok(())
}

/// `subscription_data`, `payment_intent_data` or `setup_intent_data`, by mode: what the
/// session passes to the object it creates at completion.
fn intent_data(p: &Params, mode: &str) -> Result<SessionSubscriptionData, StripeError> {
    only_in_mode(p, "subscription_data", "subscription", mode)?;
    only_in_mode(p, "payment_intent_data", "payment", mode)?;
    only_in_mode(p, "setup_intent_data", "setup", mode)?;
    let (base, keys): (&str, &[&str]) = match mode {
        "payment" => (
            "payment_intent_data",
            &[
                "metadata",
                "description",
                "receipt_email",
                "setup_future_usage",
                "capture_method",
                "statement_descriptor",
                "statement_descriptor_suffix",
            ],
        ),
        "setup" => ("setup_intent_data", &["metadata", "description"]),
        _ => (
            "subscription_data",
            &["metadata", "description", "trial_period_days"],
        ),
    };
    p.allow_only_under(base, keys)?;
    let mut fields = json!({});
    if mode == "payment" {
        fields["setup_future_usage"] = Value::Null;
        payment_intents::automatic_capture_only(p, "payment_intent_data[capture_method]")?;
        if let Some(u) = p.nonempty("payment_intent_data[setup_future_usage]")? {
            if u != "on_session" && u != "off_session" {
                return Err(StripeError::invalid(
                    "payment_intent_data[setup_future_usage]",
                    "Invalid setup_future_usage: must be one of on_session, off_session.",
                ));
            }
            fields["setup_future_usage"] = json!(u);
        }
        if let Some(e) = p.nonempty("payment_intent_data[receipt_email]")? {
            if !e.contains('@') {
                return Err(StripeError::invalid(
                    "payment_intent_data[receipt_email]",
                    format!("Invalid email address: {e}"),
                ));
            }
            fields["receipt_email"] = json!(e);
        }
        for f in ["statement_descriptor", "statement_descriptor_suffix"] {
            let param = format!("payment_intent_data[{f}]");
            if let Some(v) = p.nonempty(&param)? {
                if v.chars().count() > 22 {
                    return Err(StripeError::invalid(
                        param,
                        format!("{f} must be at most 22 characters."),
                    ));
                }
                fields[f] = json!(v);
            }
        }
    }
    Ok(SessionSubscriptionData {
        metadata: p
            .metadata(&format!("{base}[metadata]"), &json!({}))?
            .unwrap_or(json!({})),
        description: p
            .nonempty(&format!("{base}[description]"))?
            .map(str::to_string),
        fields: if mode == "payment" {
            fields
        } else {
            Value::Null
        },
    })
}

/// `POST /v1/checkout/sessions` (`mode` = `subscription`, `payment` or `setup`)
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only_with(CREATE_PARAMS, checkout_options::PARAMS)?;
    let mode = p.required("mode")?;
    if !MODES.contains(&mode) {
        return Err(StripeError::invalid(
            "mode",
            format!("Invalid mode: must be one of {}.", MODES.join(", ")),
        ));
    }
    let data = intent_data(p, mode)?;
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
    let mut st = c.account.lock();
    if let Some(cus) = customer
        && st
            .store
            .get_kind("customer", cus)
            .is_none_or(|o| o["deleted"] == true)
    {
        return Err(StripeError::missing_param("customer", cus, "customer"));
    }
    let items = if mode == "setup" {
        if p.get("line_items").is_some() {
            return Err(StripeError::invalid(
                "line_items",
                "You can not pass `line_items` in `setup` mode.",
            ));
        }
        // Guess (docs/guesses.md): dynamic payment methods need a currency in setup mode.
        if p.get("currency").is_none() && p.get("payment_method_types").is_none() {
            return Err(StripeError::ParameterMissing {
                param: "currency".into(),
            });
        }
        None
    } else {
        let items = checkout_items::parse(&st, p, mode)?;
        if mode == "payment" && items.total < MIN_PAYMENT {
            return Err(StripeError::InvalidRequest {
                code: Some("amount_too_small"),
                param: Some("line_items".into()),
                message: format!(
                    "The Checkout Session's total amount due must add up to at least {MIN_PAYMENT} (in the currency's smallest unit)."
                ),
            });
        }
        Some(items)
    };
    // Options shown as given, checked before the session exists; in setup mode there are
    // no prices and the currency is the one given.
    let currency = match &items {
        Some(i) => i.currency.clone(),
        None => p.nonempty("currency")?.map(str::to_ascii_lowercase),
    };
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
    let allow_promotion_codes = p.bool("allow_promotion_codes")?;
    let billing_address_collection = p.nonempty("billing_address_collection")?;
    let locale = p.nonempty("locale")?;
    let total = items.as_ref().map(|i| i.total);
    let session_items = match items {
        Some(i) => checkout_items::materialize(&mut st, &c.request, i)?,
        None => Vec::new(),
    };
    let (obj, text) = checkout::open_session(
        &mut st,
        &c.app.base_url,
        checkout::NewSession {
            mode,
            items: session_items,
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
            allow_promotion_codes,
            billing_address_collection,
            locale,
            subscription_data: data,
            options,
        },
    );
    drop(st);
    c.app
        .index_session(obj["id"].as_str().unwrap_or_default(), c.account.clone());
    if c.plain {
        // The text just stored is the answer: the session is not serialized again.
        c.answer_text(text.to_string());
        return Ok(Value::Null);
    }
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
