//! `/v1/radar/early_fraud_warnings`: list (by `charge` / `payment_intent`) and retrieve.
//! Warnings are raised by the 5423 test card or the control plane (`payments.rs`).

use serde_json::Value;

use crate::api::{list_kind, retrieve_kind};
use crate::error::StripeError;
use crate::pipeline::Call;

/// `GET /v1/radar/early_fraud_warnings/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "radar.early_fraud_warning")
}

/// `GET /v1/radar/early_fraud_warnings` (filters: `charge`, `payment_intent`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "radar.early_fraud_warning",
        "/v1/radar/early_fraud_warnings",
        &[("charge", "charge"), ("payment_intent", "payment_intent")],
    )
}
