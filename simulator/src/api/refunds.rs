//! `/v1/refunds`: create (full or partial, by `charge` or `payment_intent`), retrieve,
//! update (`metadata`), list (`charge`, `payment_intent` filters). The bookkeeping and the
//! events (`charge.refunded`, `refund.created`, EFW `actionable` false) are in payments.rs.

use serde_json::{Value, json};

use crate::api::{list_kind, retrieve_kind};
use crate::engine::refunds;
use crate::error::StripeError;
use crate::pipeline::Call;

const REASONS: &[&str] = &["duplicate", "fraudulent", "requested_by_customer"];

/// Refuses a refund `reason` Stripe does not know.
pub(crate) fn check_reason(reason: Option<&str>) -> Result<(), StripeError> {
    match reason {
        Some(r) if !REASONS.contains(&r) => Err(StripeError::invalid(
            "reason",
            format!("Invalid reason: must be one of {}", REASONS.join(", ")),
        )),
        _ => Ok(()),
    }
}

/// `POST /v1/refunds`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "charge",
        "payment_intent",
        "amount",
        "reason",
        "metadata",
        "instructions_email",
        "refund_application_fee",
        "reverse_transfer",
    ])?;
    let charge = p.nonempty("charge")?;
    let pi = p.nonempty("payment_intent")?;
    let amount = p.int("amount")?;
    let reason = p.nonempty("reason")?;
    check_reason(reason)?;
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let mut st = c.account.lock();
    let charge_id = match (charge, pi) {
        (Some(_), Some(_)) => {
            return Err(StripeError::bad_request(
                "You may only specify one of these parameters: charge, payment_intent.",
            ));
        }
        (None, None) => {
            return Err(StripeError::bad_request(
                "One of the following params should be provided for this request: payment_intent or charge.",
            ));
        }
        (Some(ch), None) => ch.to_string(),
        (None, Some(pi)) => {
            let obj = st.store.get_kind("payment_intent", pi).ok_or_else(|| {
                StripeError::missing_param("payment_intent", pi, "payment_intent")
            })?;
            if obj["status"] != "succeeded" {
                return Err(StripeError::InvalidRequest {
                    code: Some("payment_intent_unexpected_state"),
                    param: Some("payment_intent".into()),
                    message: format!(
                        "This PaymentIntent ({pi}) does not have a successful charge to refund."
                    ),
                });
            }
            obj["latest_charge"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    };
    if let Some(a) = amount
        && a < 1
    {
        return Err(StripeError::invalid(
            "amount",
            "Invalid amount: must be a positive integer.",
        ));
    }
    let param = if charge.is_some() {
        "charge"
    } else {
        "payment_intent"
    };
    if st.store.get_kind("charge", &charge_id).is_none() {
        return Err(StripeError::missing_param("charge", charge_id, param));
    }
    refunds::refund(&mut st, &c.request, &charge_id, amount, reason, metadata)
}

/// `GET /v1/refunds/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "refund")
}

/// `POST /v1/refunds/{id}` (`metadata` only, as on Stripe) → `refund.updated`
pub(crate) fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["metadata"])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("refund", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("refund", c.id()))?;
    let mut new = old.clone();
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    Ok(refunds::update(&mut st, &c.request, &old, new))
}

/// `GET /v1/refunds` (filters: `charge`, `payment_intent`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "refund",
        "/v1/refunds",
        &[("charge", "charge"), ("payment_intent", "payment_intent")],
    )
}
