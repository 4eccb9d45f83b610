//! `/v1/invoices`: retrieve, list, pay (`payment_method`, or the subscription's / customer's
//! default; `paid_out_of_band`), void. Charging goes through `payments.rs`.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::api::{list_kind, payment_methods, retrieve_kind};
use crate::error::StripeError;
use crate::payments::{self, Payment, PaymentRequest};
use crate::pipeline::Call;

/// `GET /v1/invoices/{id}`
pub fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "invoice")
}

/// `GET /v1/invoices` (filters: `customer`, `subscription`, `status`, `collection_method`)
pub fn list(c: &Call) -> Result<Value, StripeError> {
    if let Some(s) = c.params.nonempty("status")?
        && !["draft", "open", "paid", "uncollectible", "void"].contains(&s)
    {
        return Err(StripeError::invalid(
            "status",
            "Invalid status: must be one of draft, open, paid, uncollectible, or void",
        ));
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

/// Finalizes a draft invoice (number, `open`) → `invoice.finalized`.
pub fn finalize(st: &mut AccountState, req: &EventRequest, invoice_id: &str) -> Value {
    let Some(mut invoice) = st.store.get_kind("invoice", invoice_id).cloned() else {
        return Value::Null;
    };
    if invoice["status"] != "draft" {
        return invoice;
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
    invoice["status"] = json!("open");
    invoice["number"] = json!(format!("{prefix}-{seq:04}"));
    invoice["effective_at"] = json!(now);
    invoice["status_transitions"]["finalized_at"] = json!(now);
    st.store.put(invoice.clone());
    if let Some(c) = st.store.get_kind_mut("customer", &customer_id) {
        c["next_invoice_sequence"] = json!(seq + 1);
    }
    st.emit(req, "invoice.finalized", invoice.clone(), None);
    invoice
}

/// The payment method an invoice is charged with: the given one, else the subscription's
/// default, else the customer's `invoice_settings.default_payment_method`.
pub fn invoice_payment_method(st: &AccountState, invoice: &Value) -> Option<String> {
    if let Some(pm) = invoice["default_payment_method"].as_str() {
        return Some(pm.to_string());
    }
    if let Some(sub) = invoice["subscription"]
        .as_str()
        .and_then(|s| st.store.get_kind("subscription", s))
        && let Some(pm) = sub["default_payment_method"].as_str()
    {
        return Some(pm.to_string());
    }
    st.store
        .get_kind("customer", invoice["customer"].as_str().unwrap_or_default())
        .and_then(|c| c["invoice_settings"]["default_payment_method"].as_str())
        .map(str::to_string)
}

/// Marks an open invoice paid (`invoice.paid` + `invoice.payment_succeeded`) and activates
/// its subscription if it was `incomplete`, `past_due` or `unpaid`
/// (`customer.subscription.updated`).
pub fn mark_paid(st: &mut AccountState, req: &EventRequest, invoice_id: &str, now: i64) -> Value {
    let Some(mut invoice) = st.store.get_kind("invoice", invoice_id).cloned() else {
        return Value::Null;
    };
    let due = invoice["amount_due"].as_i64().unwrap_or(0);
    invoice["status"] = json!("paid");
    invoice["amount_paid"] = json!(due);
    invoice["amount_remaining"] = json!(0);
    invoice["attempted"] = json!(true);
    invoice["attempt_count"] = json!(invoice["attempt_count"].as_i64().unwrap_or(0) + 1);
    invoice["auto_advance"] = json!(false);
    invoice["next_payment_attempt"] = Value::Null;
    invoice["status_transitions"]["paid_at"] = json!(now);
    invoice["webhooks_delivered_at"] = json!(now);
    st.store.put(invoice.clone());
    st.emit(req, "invoice.paid", invoice.clone(), None);
    st.emit(req, "invoice.payment_succeeded", invoice.clone(), None);
    if let Some(sub_id) = invoice["subscription"].as_str()
        && let Some(old) = st.store.get_kind("subscription", sub_id).cloned()
        && matches!(
            old["status"].as_str(),
            Some("incomplete" | "past_due" | "unpaid")
        )
    {
        let mut new = old.clone();
        new["status"] = json!("active");
        st.store.put(new.clone());
        st.emit(
            req,
            "customer.subscription.updated",
            new,
            Some(json!({"status": old["status"]})),
        );
    }
    invoice
}

/// Charges an open (or draft: finalized first) invoice with `pm`: on success the invoice is
/// paid (see [`mark_paid`]); on failure `attempt_count` grows and `invoice.payment_failed`
/// is emitted. The caller runs [`payments::follow_up`] after its own events.
pub fn charge_invoice(
    st: &mut AccountState,
    req: &EventRequest,
    invoice_id: &str,
    pm: &str,
) -> Result<(Value, Option<Payment>), StripeError> {
    let invoice = finalize(st, req, invoice_id);
    let customer = invoice["customer"].as_str().unwrap_or_default().to_string();
    let now = st.now_for_customer(&customer);
    let amount = invoice["amount_due"].as_i64().unwrap_or(0);
    if amount == 0 {
        return Ok((mark_paid(st, req, invoice_id, now), None));
    }
    let description = match invoice["billing_reason"].as_str() {
        Some("subscription_create") => "Subscription creation",
        Some("subscription_cycle") => "Subscription update",
        _ => "Invoice payment",
    };
    let payment = payments::charge(
        st,
        req,
        &PaymentRequest {
            amount,
            currency: invoice["currency"].as_str().unwrap_or("usd"),
            customer: Some(&customer),
            payment_method: pm,
            description: Some(description),
            metadata: json!({}),
            now,
        },
    )?;
    if payment.succeeded() {
        return Ok((mark_paid(st, req, invoice_id, now), Some(payment)));
    }
    let mut inv = st
        .store
        .get_kind("invoice", invoice_id)
        .cloned()
        .unwrap_or(invoice);
    inv["attempted"] = json!(true);
    inv["attempt_count"] = json!(inv["attempt_count"].as_i64().unwrap_or(0) + 1);
    st.store.put(inv.clone());
    st.emit(req, "invoice.payment_failed", inv.clone(), None);
    Ok((inv, Some(payment)))
}

/// `POST /v1/invoices/{id}/pay` `{payment_method?, paid_out_of_band?}`
pub fn pay(c: &Call) -> Result<Value, StripeError> {
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
    match invoice["status"].as_str() {
        Some("paid") => {
            return Err(StripeError::InvalidRequest {
                code: Some("invoice_already_paid"),
                param: None,
                message: "Invoice is already paid".into(),
            });
        }
        Some("void") | Some("uncollectible") => {
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
        finalize(&mut st, &c.request, c.id());
        let customer = invoice["customer"].as_str().unwrap_or_default().to_string();
        let now = st.now_for_customer(&customer);
        let mut inv = mark_paid(&mut st, &c.request, c.id(), now);
        inv["paid_out_of_band"] = json!(true);
        return Ok(inv);
    }
    let pm = match p.nonempty("payment_method")? {
        Some(pm) => {
            let obj = payment_methods::resolve_id(&mut st, pm)
                .map_err(|_| StripeError::missing_param("PaymentMethod", pm, "payment_method"))?;
            obj["id"].as_str().unwrap_or_default().to_string()
        }
        None => invoice_payment_method(&st, &invoice).ok_or_else(|| {
            StripeError::InvalidRequest {
                code: Some("invoice_no_customer_line_items"),
                param: Some("payment_method".into()),
                message: "This invoice cannot be paid: the customer has no default payment method and none was given.".into(),
            }
        })?,
    };
    let (inv, payment) = charge_invoice(&mut st, &c.request, c.id(), &pm)?;
    if let Some(payment) = payment {
        if let Some(err) = payment.error.clone() {
            return Err(err);
        }
        payments::follow_up(&mut st, &payment);
    }
    Ok(inv)
}

/// `POST /v1/invoices/{id}/void` → `invoice.voided`
pub fn void(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("invoice", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("invoice", c.id()))?;
    if old["status"] != "open" && old["status"] != "uncollectible" {
        return Err(StripeError::InvalidRequest {
            code: Some("invoice_not_editable"),
            param: None,
            message: format!(
                "You can only void invoices with status open or uncollectible; this invoice is {}.",
                old["status"].as_str().unwrap_or_default()
            ),
        });
    }
    let now = st.now_for_customer(old["customer"].as_str().unwrap_or_default());
    let mut new = old.clone();
    new["status"] = json!("void");
    new["auto_advance"] = json!(false);
    new["next_payment_attempt"] = Value::Null;
    new["status_transitions"]["voided_at"] = json!(now);
    st.store.put(new.clone());
    st.emit(&c.request, "invoice.voided", new.clone(), None);
    Ok(new)
}
