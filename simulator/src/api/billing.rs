//! Read access to invoices, payment intents and charges (their write operations — pay, void,
//! confirm, refund — arrive with issue 3).

use serde_json::Value;

use crate::api::{list_kind, retrieve_kind};
use crate::error::StripeError;
use crate::pipeline::Call;

/// `GET /v1/invoices/{id}`
pub fn retrieve_invoice(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "invoice")
}

/// `GET /v1/invoices` (filters: `customer`, `subscription`, `status`)
pub fn list_invoices(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "invoice",
        "/v1/invoices",
        &[
            ("customer", "customer"),
            ("subscription", "subscription"),
            ("status", "status"),
        ],
    )
}

/// `GET /v1/payment_intents/{id}`
pub fn retrieve_payment_intent(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "payment_intent")
}

/// `GET /v1/payment_intents` (filter: `customer`)
pub fn list_payment_intents(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "payment_intent",
        "/v1/payment_intents",
        &[("customer", "customer")],
    )
}

/// `GET /v1/charges/{id}`
pub fn retrieve_charge(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "charge")
}

/// `GET /v1/charges` (filters: `customer`, `payment_intent`)
pub fn list_charges(c: &Call) -> Result<Value, StripeError> {
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
