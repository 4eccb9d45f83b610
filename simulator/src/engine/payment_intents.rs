//! Changes to a payment intent outside a charge: an update of its fields, cancelling it.
//! Creating and confirming one is in `payments.rs`.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::error::StripeError;
use crate::objects::status::{PaymentIntentStatus, Status};

/// Stores an updated payment intent. Stripe documents no event for a plain update, so
/// none is emitted (a guess, see `simulator/docs/guesses.md`).
pub(crate) fn update(st: &mut AccountState, old: &Value, new: Value) -> Value {
    if new != *old {
        st.store.put(new.clone());
    }
    new
}

/// Cancels payment intent `old` (with an optional `cancellation_reason`) →
/// `payment_intent.canceled`. A succeeded or canceled intent cannot be canceled (400
/// `payment_intent_unexpected_state`).
pub(crate) fn cancel(
    st: &mut AccountState,
    req: &EventRequest,
    old: Value,
    reason: Option<&str>,
) -> Result<Value, StripeError> {
    if PaymentIntentStatus::of(&old).is_some_and(PaymentIntentStatus::is_final) {
        return Err(StripeError::InvalidRequest {
            code: Some("payment_intent_unexpected_state"),
            param: None,
            message: format!(
                "You cannot cancel this PaymentIntent because it has a status of {}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.",
                old["status"].as_str().unwrap_or_default()
            ),
        });
    }
    let mut new = old;
    PaymentIntentStatus::Canceled.set(&mut new);
    new["canceled_at"] = json!(st.now());
    new["cancellation_reason"] = json!(reason);
    st.store.put(new.clone());
    st.emit(req, "payment_intent.canceled", new.clone(), None);
    Ok(new)
}
