//! `/v1/subscriptions`: retrieve, list, update (`cancel_at_period_end`, `metadata`,
//! `default_payment_method`, `description`) and cancel now (`DELETE`). Creating
//! subscriptions directly (with `payment_behavior`) arrives with issue 3; Checkout creates
//! them today.

use serde_json::{Value, json};

use crate::api::{previous_attributes, retrieve_kind};
use crate::error::StripeError;
use crate::pipeline::Call;
use crate::store::{LIST_PARAMS, ListParams};

/// `GET /v1/subscriptions/{id}`
pub fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "subscription")
}

/// `GET /v1/subscriptions` (filters: `customer`, `price`, `status`; by default canceled
/// subscriptions are left out, `status=all` includes them, as on Stripe).
pub fn list(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    let mut allowed = LIST_PARAMS.to_vec();
    allowed.extend(["customer", "price", "status", "collection_method"]);
    p.allow_only(&allowed)?;
    let lp = ListParams::from_params(p)?;
    let customer = p.nonempty("customer")?;
    let price = p.nonempty("price")?;
    let status = p.nonempty("status")?;
    const STATUSES: &[&str] = &[
        "active",
        "all",
        "canceled",
        "ended",
        "incomplete",
        "incomplete_expired",
        "past_due",
        "paused",
        "trialing",
        "unpaid",
    ];
    if let Some(s) = status
        && !STATUSES.contains(&s)
    {
        return Err(StripeError::invalid(
            "status",
            format!("Invalid status: must be one of {}", STATUSES.join(", ")),
        ));
    }
    let st = c.account.lock();
    st.store
        .list("subscription", "/v1/subscriptions", &lp, |o| {
            customer.is_none_or(|cu| o["customer"] == cu)
                && price.is_none_or(|pr| {
                    o["items"]["data"]
                        .as_array()
                        .is_some_and(|items| items.iter().any(|i| i["price"]["id"] == pr))
                })
                && match status {
                    None => o["status"] != "canceled" && o["status"] != "incomplete_expired",
                    Some("all") => true,
                    Some("ended") => {
                        o["status"] == "canceled" || o["status"] == "incomplete_expired"
                    }
                    Some(s) => o["status"] == s,
                }
        })
}

fn period_end(sub: &Value) -> Value {
    sub["items"]["data"][0]["current_period_end"].clone()
}

/// `POST /v1/subscriptions/{id}`
pub fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "cancel_at_period_end",
        "metadata",
        "default_payment_method",
        "description",
        "cancellation_details",
    ])?;
    p.allow_only_under("cancellation_details", &["comment", "feedback"])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("subscription", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("subscription", c.id()))?;
    if old["status"] == "canceled" {
        return Err(StripeError::bad_request(format!(
            "A canceled subscription can only update its cancellation_details and metadata. ({})",
            c.id()
        )));
    }
    let now = st.now();
    let mut new = old.clone();
    if let Some(flag) = p.bool("cancel_at_period_end")? {
        new["cancel_at_period_end"] = json!(flag);
        if flag {
            new["cancel_at"] = period_end(&old);
            new["canceled_at"] = json!(now);
            new["cancellation_details"]["reason"] = json!("cancellation_requested");
        } else {
            new["cancel_at"] = Value::Null;
            new["canceled_at"] = Value::Null;
            new["cancellation_details"]["reason"] = Value::Null;
        }
    }
    for f in ["comment", "feedback"] {
        if let Some(v) = p.str(&format!("cancellation_details[{f}]"))? {
            new["cancellation_details"][f] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    if let Some(pm) = p.str("default_payment_method")? {
        if pm.is_empty() {
            new["default_payment_method"] = Value::Null;
        } else {
            let attached = st
                .store
                .get_kind("payment_method", pm)
                .is_some_and(|o| o["customer"] == old["customer"]);
            if !attached {
                return Err(StripeError::invalid(
                    "default_payment_method",
                    format!(
                        "The customer does not have a payment method with the ID {pm}. The payment method must be attached to the customer."
                    ),
                ));
            }
            new["default_payment_method"] = json!(pm);
        }
    }
    if let Some(d) = p.str("description")? {
        new["description"] = if d.is_empty() { Value::Null } else { json!(d) };
    }
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    if new != old {
        let prev = previous_attributes(&old, &new);
        st.store.put(new.clone());
        st.emit(
            &c.request,
            "customer.subscription.updated",
            new.clone(),
            Some(prev),
        );
    }
    Ok(new)
}

/// `DELETE /v1/subscriptions/{id}`: cancel now → `customer.subscription.deleted`.
pub fn cancel(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["invoice_now", "prorate", "cancellation_details"])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("subscription", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("subscription", c.id()))?;
    if old["status"] == "canceled" {
        return Err(StripeError::InvalidRequest {
            code: Some("resource_missing"),
            param: Some("id".into()),
            message: format!("No such subscription: '{}'", c.id()),
        });
    }
    let now = st.now();
    let mut new = old;
    new["status"] = json!("canceled");
    new["canceled_at"] = json!(now);
    new["ended_at"] = json!(now);
    new["cancellation_details"]["reason"] = json!("cancellation_requested");
    if let Some(v) = p.nonempty("cancellation_details[comment]")? {
        new["cancellation_details"]["comment"] = json!(v);
    }
    st.store.put(new.clone());
    st.emit(
        &c.request,
        "customer.subscription.deleted",
        new.clone(),
        None,
    );
    Ok(new)
}
