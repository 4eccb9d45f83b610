//! `/v1/webhook_endpoints`: create (the `whsec_…` secret is returned only here), retrieve,
//! update (`url`, `enabled_events`, `disabled`, …), delete, list. Each endpoint gets its own
//! ordered delivery queue.

use serde_json::{Value, json};

use crate::api::{list_kind, retrieve_kind};
use crate::engine::webhook_endpoints;
use crate::error::StripeError;
use crate::ids::new_id;
use crate::params::Params;
use crate::pipeline::Call;
use crate::secrets::DEFAULT_ROLL_WINDOW_SECS;

const CREATE_PARAMS: &[&str] = &[
    "url",
    "enabled_events",
    "description",
    "metadata",
    "api_version",
    "connect",
];
const UPDATE_PARAMS: &[&str] = &[
    "url",
    "enabled_events",
    "description",
    "metadata",
    "disabled",
    "secret",
    "secret_expires_in",
];

/// Event types an endpoint may subscribe to (the ones this simulator emits, plus common
/// neighbours a receiver may already list). Unknown types are refused, as on Stripe.
pub(crate) const KNOWN_EVENT_TYPES: &[&str] = &[
    "charge.captured",
    "charge.dispute.closed",
    "charge.dispute.created",
    "charge.dispute.funds_reinstated",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.updated",
    "charge.expired",
    "charge.failed",
    "charge.pending",
    "charge.refund.updated",
    "charge.refunded",
    "charge.succeeded",
    "charge.updated",
    "checkout.session.async_payment_failed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.completed",
    "checkout.session.expired",
    "customer.created",
    "customer.deleted",
    "customer.updated",
    "customer.subscription.created",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.pending_update_applied",
    "customer.subscription.pending_update_expired",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "customer.subscription.updated",
    "invoice.created",
    "invoice.deleted",
    "invoice.finalization_failed",
    "invoice.finalized",
    "invoice.marked_uncollectible",
    "invoice.overdue",
    "invoice.paid",
    "invoice.payment_action_required",
    "invoice.payment_failed",
    "invoice.payment_succeeded",
    "invoice.sent",
    "invoice.upcoming",
    "invoice.updated",
    "invoice.voided",
    "invoice.will_be_due",
    "invoiceitem.created",
    "invoiceitem.deleted",
    "payment_intent.amount_capturable_updated",
    "payment_intent.canceled",
    "payment_intent.created",
    "payment_intent.partially_funded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "payment_intent.succeeded",
    "payment_method.attached",
    "payment_method.automatically_updated",
    "payment_method.detached",
    "payment_method.updated",
    "price.created",
    "price.deleted",
    "price.updated",
    "product.created",
    "product.deleted",
    "product.updated",
    "radar.early_fraud_warning.created",
    "radar.early_fraud_warning.updated",
    "refund.created",
    "refund.failed",
    "refund.updated",
    "setup_intent.canceled",
    "setup_intent.created",
    "setup_intent.requires_action",
    "setup_intent.setup_failed",
    "setup_intent.succeeded",
    "billing_portal.configuration.created",
    "billing_portal.configuration.updated",
    "billing_portal.session.created",
    "test_helpers.test_clock.advancing",
    "test_helpers.test_clock.created",
    "test_helpers.test_clock.deleted",
    "test_helpers.test_clock.internal_failure",
    "test_helpers.test_clock.ready",
];

fn enabled_events(p: &Params, required: bool) -> Result<Option<Vec<String>>, StripeError> {
    let list = match p.str_list("enabled_events")? {
        Some(l) if !l.is_empty() => l,
        Some(_) | None if required => {
            return Err(StripeError::ParameterMissing {
                param: "enabled_events".into(),
            });
        }
        Some(_) => {
            return Err(StripeError::invalid(
                "enabled_events",
                "enabled_events cannot be empty.",
            ));
        }
        None => return Ok(None),
    };
    for (i, e) in list.iter().enumerate() {
        if e != "*" && !KNOWN_EVENT_TYPES.contains(&e.as_str()) {
            return Err(StripeError::invalid(
                format!("enabled_events[{i}]"),
                format!(
                    "Invalid enabled_events[{i}]: '{e}' is not a known event type (use '*' for all events)."
                ),
            ));
        }
    }
    Ok(Some(list))
}

fn check_url(url: &str) -> Result<(), StripeError> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "https://".len()
        && !url.contains(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(StripeError::InvalidRequest {
            code: Some("url_invalid"),
            param: Some("url".into()),
            message: format!("Invalid URL: {url}"),
        })
    }
}

/// `POST /v1/webhook_endpoints`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(CREATE_PARAMS)?;
    let url = p.required("url")?;
    check_url(url)?;
    let events = enabled_events(p, true)?.unwrap_or_default();
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let id = new_id("we_");
    let secret = webhook_endpoints::new_secret();
    let obj = json!({
        "id": id,
        "object": "webhook_endpoint",
        "api_version": p.nonempty("api_version")?,
        "application": null,
        "created": c.account.lock().now(),
        "description": p.nonempty("description")?,
        "enabled_events": events,
        "livemode": false,
        "metadata": metadata,
        "status": "enabled",
        "url": url,
    });
    let mut st = c.account.lock();
    webhook_endpoints::create(&mut st, &obj, &secret);
    let mut shown = obj;
    shown["secret"] = json!(secret);
    Ok(shown)
}

/// `GET /v1/webhook_endpoints/{id}` (no secret)
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "webhook_endpoint")
}

/// `POST /v1/webhook_endpoints/{id}`
pub(crate) fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(UPDATE_PARAMS)?;
    if let Some(u) = p.nonempty("url")? {
        check_url(u)?;
    }
    let events = enabled_events(p, false)?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("webhook_endpoint", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("webhook_endpoint", c.id()))?;
    let mut new = old.clone();
    if let Some(u) = p.nonempty("url")? {
        new["url"] = json!(u);
    }
    if let Some(e) = events {
        new["enabled_events"] = json!(e);
    }
    if let Some(d) = p.str("description")? {
        new["description"] = if d.is_empty() { Value::Null } else { json!(d) };
    }
    if let Some(d) = p.bool("disabled")? {
        new["status"] = json!(if d { "disabled" } else { "enabled" });
    }
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    // Simulator extension (Stripe rolls secrets in the Dashboard only): `secret=whsec_…` makes
    // that the current secret, and the previous one keeps signing for `secret_expires_in`
    // seconds (default one hour), so deliveries carry two `v1=` signatures meanwhile.
    let rolled = match p.nonempty("secret")? {
        Some(secret) => {
            let window = p
                .int("secret_expires_in")?
                .unwrap_or(DEFAULT_ROLL_WINDOW_SECS);
            Some(webhook_endpoints::roll_secret(
                &mut st,
                c.id(),
                Some(secret),
                window,
            )?)
        }
        None => None,
    };
    webhook_endpoints::update(&mut st, &new);
    if let Some(rolled) = rolled {
        // Like the creation response, the update that sets a secret shows it once.
        new["secret"] = json!(rolled.secret);
    }
    Ok(new)
}

/// `DELETE /v1/webhook_endpoints/{id}`
pub(crate) fn delete(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    if st.store.get_kind("webhook_endpoint", c.id()).is_none() {
        return Err(StripeError::missing("webhook_endpoint", c.id()));
    }
    webhook_endpoints::delete(&mut st, c.id());
    Ok(json!({"id": c.id(), "object": "webhook_endpoint", "deleted": true}))
}

/// `GET /v1/webhook_endpoints`
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(c, "webhook_endpoint", "/v1/webhook_endpoints", &[])
}
