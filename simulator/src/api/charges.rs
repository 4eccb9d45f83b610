//! `/v1/charges`: retrieve and list. Charges are made by payments (`payments.rs`), never
//! through this resource.

use serde_json::Value;

use crate::api::{list_kind, retrieve_kind};
use crate::error::StripeError;
use crate::pipeline::Call;

/// `GET /v1/charges/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "charge")
}

/// `GET /v1/charges` (filters: `customer`, `payment_intent`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "charge",
        "/v1/charges",
        &[
            ("customer", "customer"),
            ("payment_intent", "payment_intent"),
        ],
    )
}
