//! `/v1/setup_intents`: retrieve and list. Setup intents are made by Checkout's setup mode
//! (`engine::checkout_modes`); creating, confirming and cancelling them through the API is
//! not simulated.

use serde_json::Value;

use crate::api::{list_kind, retrieve_kind};
use crate::error::StripeError;
use crate::pipeline::Call;

/// `GET /v1/setup_intents/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "setup_intent")
}

/// `GET /v1/setup_intents` (filters: `customer`, `payment_method`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "setup_intent",
        "/v1/setup_intents",
        &[
            ("customer", "customer"),
            ("payment_method", "payment_method"),
        ],
    )
}
