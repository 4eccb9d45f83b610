//! `/v1/invoices`: retrieve, list, pay (`payment_method`, or the subscription's / customer's
//! default; `paid_out_of_band`), void. Paying runs `engine::invoices::collect`, the code that
//! Checkout, subscription creation, renewals and retries run too.

use serde_json::{Value, json};

use crate::api::{list_kind, retrieve_kind};
use crate::engine::invoices::{self, Collection};
use crate::engine::{follow_up, payment_methods};
use crate::error::StripeError;
use crate::objects::status::{InvoiceStatus, Status};
use crate::pipeline::Call;

/// `GET /v1/invoices/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "invoice")
}

/// `GET /v1/invoices` (filters: `customer`, `subscription`, `status`, `collection_method`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    if let Some(s) = c.params.nonempty("status")?
        && InvoiceStatus::parse(s).is_none()
    {
        return Err(InvoiceStatus::invalid("status"));
    }
    list_kind(
        c,
        "invoice",
        "/v1/invoices",
        &[
            ("customer", "customer"),
            ("subscription", "subscription"),
            ("status", "status"),
            ("collection_method", "collection_method"),
        ],
    )
}

/// `POST /v1/invoices/{id}/pay` `{payment_method?, paid_out_of_band?}`
pub(crate) fn pay(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "payment_method",
        "paid_out_of_band",
        "off_session",
        "forgive",
        "source",
        "mandate",
    ])?;
    let mut st = c.account.lock();
    let invoice = st
        .store
        .get_kind("invoice", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("invoice", c.id()))?;
    match InvoiceStatus::of(&invoice) {
        Some(InvoiceStatus::Paid) => {
            return Err(StripeError::InvalidRequest {
                code: Some("invoice_already_paid"),
                param: None,
                message: "Invoice is already paid".into(),
            });
        }
        Some(InvoiceStatus::Void | InvoiceStatus::Uncollectible) => {
            return Err(StripeError::InvalidRequest {
                code: Some("invoice_not_editable"),
                param: None,
                message: format!(
                    "You cannot pay an invoice with status {}.",
                    invoice["status"].as_str().unwrap_or_default()
                ),
            });
        }
        _ => {}
    }
    if p.bool("paid_out_of_band")? == Some(true) {
        let mut inv = invoices::pay_out_of_band(&mut st, &c.request, c.id());
        inv["paid_out_of_band"] = json!(true);
        return Ok(inv);
    }
    let pm = match p.nonempty("payment_method")? {
        Some(pm) => {
            let obj = payment_methods::resolve_id(&mut st, pm)
                .map_err(|_| StripeError::missing_param("PaymentMethod", pm, "payment_method"))?;
            obj["id"].as_str().unwrap_or_default().to_string()
        }
        None => invoices::payment_method_of(&st, &invoice).ok_or_else(|| {
            StripeError::InvalidRequest {
                code: Some("invoice_no_customer_line_items"),
                param: Some("payment_method".into()),
                message: "This invoice cannot be paid: the customer has no default payment method and none was given.".into(),
            }
        })?,
    };
    let attempt = invoices::collect(
        &mut st,
        &c.request,
        c.id(),
        Some(&pm),
        Collection::OnRequest,
    )?;
    if let Some(payment) = attempt.payment {
        if let Some(err) = payment.error.clone() {
            return Err(err);
        }
        follow_up::run(&mut st, &payment);
    }
    Ok(attempt.invoice)
}

/// `POST /v1/invoices/{id}/void` → `invoice.voided`
pub(crate) fn void(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("invoice", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("invoice", c.id()))?;
    if !InvoiceStatus::is_any(&old, &[InvoiceStatus::Open, InvoiceStatus::Uncollectible]) {
        return Err(StripeError::InvalidRequest {
            code: Some("invoice_not_editable"),
            param: None,
            message: format!(
                "You can only void invoices with status open or uncollectible; this invoice is {}.",
                old["status"].as_str().unwrap_or_default()
            ),
        });
    }
    Ok(invoices::void(&mut st, &c.request, old))
}
