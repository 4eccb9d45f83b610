//! Invoices: finalising, collecting payment, voiding. One function, [`collect`], pays an
//! invoice for every caller — Checkout, `POST /v1/invoices/{id}/pay`, subscription creation,
//! a renewal's first attempt and each retry — and [`settle_confirmed`] settles it with the
//! same `mark_paid` / `mark_failed` when a client confirms the invoice's payment intent
//! itself, so the fields a payment sets
//! (`attempt_count`, `attempted`, `next_payment_attempt`, `amount_paid`, `status_transitions`,
//! …) and the events it emits are the same whichever way an invoice is paid. Each change of
//! an invoice's payment intent or status brings its InvoicePayment up to date
//! (`invoice_payments::sync`).

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::invoice_payments;
use crate::engine::payments::{self, Payment, PaymentRequest};
use crate::error::StripeError;
use crate::objects::status::{InvoiceStatus, PaymentIntentStatus, Status, SubscriptionStatus};

/// Who asked for the payment, which decides what a failure does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Collection {
    /// A caller waiting for the answer (the API, Checkout): an unusable payment method is an
    /// error, a failure schedules no retry.
    OnRequest,
    /// Stripe's automatic collection (renewals and their retries): an unusable payment
    /// method is a failed attempt, and a failure sets `next_payment_attempt` from the
    /// account's retry schedule.
    Automatic,
}

/// The outcome of [`collect`].
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// The invoice as it ends.
    pub(crate) invoice: Value,
    /// The charge made, if any (`None`: nothing was due, or no usable payment method).
    /// The caller runs [`crate::engine::follow_up::run`] with it after its own events.
    pub(crate) payment: Option<Payment>,
    /// Whether the invoice is now paid.
    pub(crate) paid: bool,
}

/// Finalizes a draft invoice (number from the customer's sequence, `open`) →
/// `invoice.finalized`. Any other invoice is left unchanged. Returns whether the invoice
/// exists.
pub(crate) fn finalize(st: &mut AccountState, req: &EventRequest, invoice_id: &str) -> bool {
    let Some(invoice) = st.store.get_kind("invoice", invoice_id) else {
        return false;
    };
    if InvoiceStatus::of(invoice) != Some(InvoiceStatus::Draft) {
        return true;
    }
    let customer_id = invoice["customer"].as_str().unwrap_or_default().to_string();
    let now = st.now_for_customer(&customer_id);
    let (seq, prefix) = st
        .store
        .get_kind("customer", &customer_id)
        .map(|c| {
            (
                c["next_invoice_sequence"].as_i64().unwrap_or(1),
                c["invoice_prefix"].as_str().unwrap_or("SIM").to_string(),
            )
        })
        .unwrap_or((1, "SIM".into()));
    st.store.update("invoice", invoice_id, |invoice| {
        InvoiceStatus::Open.set(invoice);
        invoice["number"] = json!(format!("{prefix}-{seq:04}"));
        invoice["effective_at"] = json!(now);
        invoice["automatically_finalizes_at"] = Value::Null;
        invoice["status_transitions"]["finalized_at"] = json!(now);
    });
    if let Some(c) = st.store.get_kind_mut("customer", &customer_id) {
        c["next_invoice_sequence"] = json!(seq + 1);
    }
    st.emit_stored(req, "invoice.finalized", invoice_id, None);
    true
}

/// The stored invoice `invoice_id` (finalised first if draft), as a copy; `null` when there
/// is none.
fn finalized(st: &mut AccountState, req: &EventRequest, invoice_id: &str) -> Value {
    finalize(st, req, invoice_id);
    st.store
        .get_kind("invoice", invoice_id)
        .cloned()
        .unwrap_or(Value::Null)
}

/// The payment method an invoice is charged with: its own default, else the subscription's
/// default, else the customer's `invoice_settings.default_payment_method`.
pub(crate) fn payment_method_of(st: &AccountState, invoice: &Value) -> Option<String> {
    if let Some(pm) = invoice["default_payment_method"].as_str() {
        return Some(pm.to_string());
    }
    if let Some(sub) = subscription_of(invoice).and_then(|s| st.store.get_kind("subscription", &s))
        && let Some(pm) = sub["default_payment_method"].as_str()
    {
        return Some(pm.to_string());
    }
    st.store
        .get_kind("customer", invoice["customer"].as_str().unwrap_or_default())
        .and_then(|c| c["invoice_settings"]["default_payment_method"].as_str())
        .map(str::to_string)
}

/// The subscription an invoice bills, if any.
pub(crate) fn subscription_of(invoice: &Value) -> Option<String> {
    invoice["subscription"]
        .as_str()
        .or_else(|| invoice["parent"]["subscription_details"]["subscription"].as_str())
        .map(str::to_string)
}

/// Marks an invoice paid (one more attempt; `invoice.paid` + `invoice.payment_succeeded`)
/// and activates its subscription if it was `incomplete`, `past_due` or `unpaid`
/// (`customer.subscription.updated`).
fn mark_paid(st: &mut AccountState, req: &EventRequest, invoice_id: &str, now: i64) -> Value {
    let paid = st.store.update("invoice", invoice_id, |invoice| {
        let due = invoice["amount_due"].as_i64().unwrap_or(0);
        InvoiceStatus::Paid.set(invoice);
        invoice["amount_paid"] = json!(due);
        invoice["amount_remaining"] = json!(0);
        invoice["attempted"] = json!(true);
        invoice["attempt_count"] = json!(invoice["attempt_count"].as_i64().unwrap_or(0) + 1);
        invoice["auto_advance"] = json!(false);
        invoice["next_payment_attempt"] = Value::Null;
        invoice["status_transitions"]["paid_at"] = json!(now);
        invoice["webhooks_delivered_at"] = json!(now);
        subscription_of(invoice)
    });
    let Some(sub_id) = paid else {
        return Value::Null;
    };
    invoice_payments::sync(st, invoice_id);
    st.emit_stored(req, "invoice.paid", invoice_id, None);
    st.emit_stored(req, "invoice.payment_succeeded", invoice_id, None);
    if let Some(sub_id) = sub_id
        && let Some(was) = st
            .store
            .get_kind("subscription", &sub_id)
            .and_then(SubscriptionStatus::of)
        && matches!(
            was,
            SubscriptionStatus::Incomplete
                | SubscriptionStatus::PastDue
                | SubscriptionStatus::Unpaid
        )
    {
        st.store.update("subscription", &sub_id, |new| {
            SubscriptionStatus::Active.set(new);
        });
        st.emit_stored(
            req,
            "customer.subscription.updated",
            &sub_id,
            Some(json!({"status": was})),
        );
    }
    st.store
        .get_kind("invoice", invoice_id)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Records a failed attempt (one more attempt; `invoice.payment_failed`). `next_attempt`
/// is `Some(t)` (or `Some(None)` after the last retry) under automatic collection, `None`
/// to leave `next_payment_attempt` as it is.
fn mark_failed(
    st: &mut AccountState,
    req: &EventRequest,
    invoice_id: &str,
    next_attempt: Option<Option<i64>>,
) -> Value {
    let found = st.store.update("invoice", invoice_id, |invoice| {
        invoice["attempted"] = json!(true);
        invoice["attempt_count"] = json!(invoice["attempt_count"].as_i64().unwrap_or(0) + 1);
        if let Some(next) = next_attempt {
            invoice["next_payment_attempt"] = json!(next);
        }
    });
    if found.is_none() {
        return Value::Null;
    }
    st.emit_stored(req, "invoice.payment_failed", invoice_id, None);
    st.store
        .get_kind("invoice", invoice_id)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Pays an invoice out of band (finalised first if draft): paid, no charge.
pub(crate) fn pay_out_of_band(
    st: &mut AccountState,
    req: &EventRequest,
    invoice_id: &str,
) -> Value {
    finalize(st, req, invoice_id);
    let customer = st
        .store
        .get_kind("invoice", invoice_id)
        .and_then(|i| i["customer"].as_str())
        .unwrap_or_default()
        .to_string();
    let now = st.now_for_customer(&customer);
    mark_paid(st, req, invoice_id, now)
}

/// Collects an invoice (finalised first if draft) with `pm`: nothing due → paid at once;
/// otherwise a charge through [`payments`], then paid or a failed attempt (see
/// [`Collection`]). `Err` only under [`Collection::OnRequest`], for a payment method that
/// cannot be charged at all.
pub(crate) fn collect(
    st: &mut AccountState,
    req: &EventRequest,
    invoice_id: &str,
    pm: Option<&str>,
    how: Collection,
) -> Result<Attempt, StripeError> {
    finalize(st, req, invoice_id);
    let invoice = st
        .store
        .get_kind("invoice", invoice_id)
        .unwrap_or(&Value::Null);
    let customer = invoice["customer"].as_str().unwrap_or_default().to_string();
    let amount = invoice["amount_remaining"]
        .as_i64()
        .unwrap_or_else(|| invoice["amount_due"].as_i64().unwrap_or(0));
    let description = match invoice["billing_reason"].as_str() {
        Some("subscription_create") => "Subscription creation",
        Some("subscription_cycle" | "subscription_update") => "Subscription update",
        _ => "Invoice payment",
    };
    let currency = invoice["currency"].as_str().unwrap_or("usd").to_string();
    let retries_done = invoice["attempt_count"].as_i64().unwrap_or(0).max(0) as usize;
    let now = st.now_for_customer(&customer);
    if amount <= 0 {
        return Ok(Attempt {
            invoice: mark_paid(st, req, invoice_id, now),
            payment: None,
            paid: true,
        });
    }
    let payment = match pm {
        None => None,
        Some(pm) => {
            // An invoice has one payment intent: a later attempt (a retry, or paying through
            // the API after a failed attempt or after `default_incomplete`) confirms it again.
            let existing = intent_of(st, invoice_id);
            let result = match existing {
                Some(pi) => payments::confirm(st, req, &pi, pm, now),
                None => payments::charge(
                    st,
                    req,
                    &PaymentRequest {
                        amount,
                        currency: &currency,
                        customer: Some(&customer),
                        payment_method: pm,
                        description: Some(description),
                        metadata: json!({}),
                        now,
                    },
                ),
            };
            match (result, how) {
                (Ok(p), _) => {
                    st.time
                        .invoice_payment_intents
                        .insert(invoice_id.to_string(), p.payment_intent_id().to_string());
                    invoice_payments::sync(st, invoice_id);
                    Some(p)
                }
                // A payment method that cannot be charged: a failed attempt without a charge.
                (Err(_), Collection::Automatic) => None,
                (Err(e), Collection::OnRequest) => return Err(e),
            }
        }
    };
    if payment.as_ref().is_some_and(Payment::succeeded) {
        return Ok(Attempt {
            invoice: mark_paid(st, req, invoice_id, now),
            payment,
            paid: true,
        });
    }
    let next_attempt = match how {
        Collection::OnRequest => None,
        Collection::Automatic => Some(
            st.time
                .settings
                .retry_days
                .get(retries_done)
                .map(|d| now + d * 86_400),
        ),
    };
    Ok(Attempt {
        invoice: mark_failed(st, req, invoice_id, next_attempt),
        payment,
        paid: false,
    })
}

/// Settles the invoice whose payment intent `payment` confirmed, when the client confirmed
/// it directly (`POST /v1/payment_intents/{id}/confirm` with the invoice's
/// `confirmation_secret`): paid as [`collect`] pays it (after `payment_intent.succeeded`), or
/// a failed attempt (`invoice.payment_failed`, no retry scheduled). `None` when the payment
/// intent pays no invoice.
pub(crate) fn settle_confirmed(
    st: &mut AccountState,
    req: &EventRequest,
    payment: &Payment,
    now: i64,
) -> Option<Value> {
    let pi = payment.payment_intent_id();
    let invoice_id = st
        .time
        .invoice_payment_intents
        .iter()
        .find(|(_, p)| p.as_str() == pi)
        .map(|(i, _)| i.clone())?;
    let open = st
        .store
        .get_kind("invoice", &invoice_id)
        .and_then(InvoiceStatus::of)
        == Some(InvoiceStatus::Open);
    invoice_payments::sync(st, &invoice_id);
    if !open {
        return None;
    }
    Some(if payment.succeeded() {
        mark_paid(st, req, &invoice_id, now)
    } else {
        mark_failed(st, req, &invoice_id, None)
    })
}

/// The invoice's payment intent, if it has one that can still be confirmed.
fn intent_of(st: &AccountState, invoice_id: &str) -> Option<String> {
    st.time
        .invoice_payment_intents
        .get(invoice_id)
        .filter(|pi| {
            st.store
                .get_kind("payment_intent", pi)
                .and_then(PaymentIntentStatus::of)
                .is_some_and(PaymentIntentStatus::can_confirm)
        })
        .cloned()
}

/// Finalises a draft invoice and gives it a payment intent for the client to confirm
/// (`payment_behavior=default_incomplete`): `invoice.finalized`, `payment_intent.created`.
/// Paying the invoice later confirms that payment intent.
pub(crate) fn open_for_confirmation(
    st: &mut AccountState,
    req: &EventRequest,
    invoice_id: &str,
    pm: Option<&str>,
) -> Result<Value, StripeError> {
    let invoice = finalized(st, req, invoice_id);
    let customer = invoice["customer"].as_str().unwrap_or_default().to_string();
    let now = st.now_for_customer(&customer);
    let pi = payments::new_payment_intent(
        st,
        req,
        &PaymentRequest {
            amount: invoice["amount_due"].as_i64().unwrap_or(0),
            currency: invoice["currency"].as_str().unwrap_or("usd"),
            customer: Some(&customer),
            payment_method: pm.unwrap_or_default(),
            description: Some("Subscription creation"),
            metadata: json!({}),
            now,
        },
    )?;
    st.time.invoice_payment_intents.insert(
        invoice_id.to_string(),
        pi["id"].as_str().unwrap_or_default().to_string(),
    );
    invoice_payments::sync(st, invoice_id);
    Ok(invoice)
}

/// Voids an open or uncollectible invoice `old` → `invoice.voided`.
pub(crate) fn void(st: &mut AccountState, req: &EventRequest, old: Value) -> Value {
    let now = st.now_for_customer(old["customer"].as_str().unwrap_or_default());
    let mut new = old;
    InvoiceStatus::Void.set(&mut new);
    new["auto_advance"] = json!(false);
    new["next_payment_attempt"] = Value::Null;
    new["status_transitions"]["voided_at"] = json!(now);
    st.store.put(new.clone());
    if let Some(id) = new["id"].as_str() {
        invoice_payments::sync(st, id);
    }
    st.emit(req, "invoice.voided", new.clone(), None);
    new
}
