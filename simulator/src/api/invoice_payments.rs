//! `/v1/invoice_payments`: list (filters `invoice`, `status`) and retrieve an invoice's
//! payments (`inpay_…`, kept up to date by `engine/invoice_payments.rs`).

use serde_json::Value;

use crate::api::list_kind;
use crate::error::StripeError;
use crate::pipeline::Call;

/// `GET /v1/invoice_payments` (filters: `invoice`, `status`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    if let Some(s) = c.params.nonempty("status")?
        && !["open", "paid", "canceled"].contains(&s)
    {
        return Err(StripeError::invalid(
            "status",
            format!("Invalid status: must be one of open, paid or canceled (got '{s}')."),
        ));
    }
    list_kind(
        c,
        "invoice_payment",
        "/v1/invoice_payments",
        &[("invoice", "invoice"), ("status", "status")],
    )
}

/// `GET /v1/invoice_payments/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let st = c.account.lock();
    st.store
        .get_kind("invoice_payment", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("invoice_payment", c.id()))
}
