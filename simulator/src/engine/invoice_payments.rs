//! An invoice's payments: Stripe's InvoicePayment objects (`inpay_…`), one per payment
//! intent that pays an invoice. An invoice here has at most one payment intent
//! (`TimeState::invoice_payment_intents`), so it has at most one InvoicePayment, whose id is
//! derived from the invoice's (`in_X` → `inpay_X`). [`sync`] brings it up to date whenever
//! the payment intent or the invoice changes (`engine/invoices.rs` calls it); no event is
//! emitted for it. Invoices paid without a charge (nothing due, `paid_out_of_band`) have
//! none.
//!
//! The invoice's includable `payments` and `confirmation_secret` are rendered from here.

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::objects::status::{InvoiceStatus, PaymentIntentStatus, Status};

/// The InvoicePayment id of invoice `invoice_id`.
pub(crate) fn id_for(invoice_id: &str) -> String {
    format!(
        "inpay_{}",
        invoice_id.strip_prefix("in_").unwrap_or(invoice_id)
    )
}

/// Records (or brings up to date) the InvoicePayment of `invoice_id`'s payment intent:
/// `open` while the intent waits or failed, `paid` once it succeeded (`amount_paid`,
/// `status_transitions.paid_at`), `canceled` when the intent is canceled or the invoice
/// voided before it was paid.
pub(crate) fn sync(st: &mut AccountState, invoice_id: &str) {
    let Some(pi_id) = st.time.invoice_payment_intents.get(invoice_id) else {
        return;
    };
    let id = id_for(invoice_id);
    // Read in place: the payment intent, the invoice and the old InvoicePayment are only
    // looked at, never copied whole.
    let (Some(pi), Some(invoice)) = (
        st.store.get_kind("payment_intent", pi_id),
        st.store.get_kind("invoice", invoice_id),
    ) else {
        return;
    };
    let old = st.store.get_kind("invoice_payment", &id);
    let now = st.now_for_customer(invoice["customer"].as_str().unwrap_or_default());
    let pi_status = PaymentIntentStatus::of(pi);
    let status = if pi_status == Some(PaymentIntentStatus::Succeeded) {
        "paid"
    } else if pi_status == Some(PaymentIntentStatus::Canceled)
        || InvoiceStatus::of(invoice) == Some(InvoiceStatus::Void)
    {
        "canceled"
    } else {
        "open"
    };
    let kept = |field: &str, set: bool| match old.map(|o| &o["status_transitions"][field]) {
        Some(Value::Number(n)) => json!(n),
        _ if set => json!(now),
        _ => Value::Null,
    };
    let obj = json!({
        "id": id,
        "object": "invoice_payment",
        "amount_paid": if status == "paid" { pi["amount_received"].clone() } else { Value::Null },
        "amount_requested": pi["amount"],
        "created": old.map_or(json!(now), |o| o["created"].clone()),
        "currency": pi["currency"],
        "invoice": invoice_id,
        "is_default": true,
        "livemode": false,
        "payment": {"type": "payment_intent", "payment_intent": pi_id},
        "status": status,
        "status_transitions": {
            "canceled_at": kept("canceled_at", status == "canceled"),
            "paid_at": kept("paid_at", status == "paid"),
        },
    });
    if old != Some(&obj) {
        st.store.put(obj);
    }
}

/// The includable `payments` of invoice `invoice_id`: a list of its InvoicePayments.
pub(crate) fn list_of(st: &AccountState, invoice_id: &str) -> Value {
    let data: Vec<Value> = st
        .store
        .get_kind("invoice_payment", &id_for(invoice_id))
        .cloned()
        .into_iter()
        .collect();
    json!({
        "object": "list",
        "data": data,
        "has_more": false,
        "url": format!("/v1/invoice_payments?invoice={invoice_id}"),
    })
}

/// The includable `confirmation_secret` of invoice `invoice_id`: the client secret of its
/// payment intent (`type: payment_intent`), or `null` when it has none.
pub(crate) fn confirmation_secret(st: &AccountState, invoice_id: &str) -> Value {
    st.time
        .invoice_payment_intents
        .get(invoice_id)
        .and_then(|pi| st.store.get_kind("payment_intent", pi))
        .map_or(
            Value::Null,
            |pi| json!({"client_secret": pi["client_secret"], "type": "payment_intent"}),
        )
}
