//! Setup intents: saving a card for later without charging it (Checkout's setup mode).
//! Created `requires_payment_method` (`setup_intent.created`), then confirmed with a payment
//! method: attached to the intent's customer, if any (`payment_method.attached`), and the
//! intent `succeeded` (`setup_intent.succeeded`).

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::payment_methods;
use crate::error::StripeError;
use crate::objects;

/// Stores a new setup intent → `setup_intent.created`.
pub(crate) fn create(
    st: &mut AccountState,
    req: &EventRequest,
    customer: Option<&str>,
    description: Option<&str>,
    metadata: Value,
    now: i64,
) -> Value {
    let si = objects::setup_intent::setup_intent(customer, description, metadata, now);
    st.store.put(si.clone());
    st.emit(req, "setup_intent.created", si.clone(), None);
    si
}

/// Confirms setup intent `si` with the stored, unattached payment method `pm_id`: attaches
/// it to the intent's customer, if any, the way `POST /v1/payment_methods/{id}/attach` does
/// (→ `payment_method.attached`; a declining card is refused with 402), then the intent
/// succeeds (→ `setup_intent.succeeded`). The order is a guess (see `docs/guesses.md`).
pub(crate) fn succeed(
    st: &mut AccountState,
    req: &EventRequest,
    si: Value,
    pm_id: &str,
) -> Result<Value, StripeError> {
    let mut si = si;
    if let Some(customer) = si["customer"].as_str() {
        payment_methods::attach_to(st, req, pm_id, customer)?;
    }
    si["payment_method"] = json!(pm_id);
    si["status"] = json!("succeeded");
    st.store.put(si.clone());
    st.emit(req, "setup_intent.succeeded", si.clone(), None);
    Ok(si)
}
