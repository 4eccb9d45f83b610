//! Payment intents (create, retrieve, update, list, confirm, cancel), charges (retrieve,
//! list) and invoices (retrieve, list, pay, void). Charging goes through `payments.rs`.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::api::{list_kind, payment_methods, retrieve_kind};
use crate::error::StripeError;
use crate::params::Params;
use crate::payments::{self, Payment, PaymentRequest};
use crate::pipeline::Call;

/// `GET /v1/invoices/{id}`
pub fn retrieve_invoice(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "invoice")
}

/// `GET /v1/invoices` (filters: `customer`, `subscription`, `status`, `collection_method`)
pub fn list_invoices(c: &Call) -> Result<Value, StripeError> {
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
pub fn pay_invoice(c: &Call) -> Result<Value, StripeError> {
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
pub fn void_invoice(c: &Call) -> Result<Value, StripeError> {
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

const PI_CREATE: &[&str] = &[
    "amount",
    "currency",
    "customer",
    "payment_method",
    "payment_method_types",
    "confirm",
    "description",
    "metadata",
    "off_session",
    "setup_future_usage",
    "receipt_email",
    "automatic_payment_methods",
    "capture_method",
    "confirmation_method",
    "return_url",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "error_on_requires_action",
    "use_stripe_sdk",
];

fn currency(p: &Params) -> Result<String, StripeError> {
    let c = p.required("currency")?.to_ascii_lowercase();
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(StripeError::invalid(
            "currency",
            format!(
                "Invalid currency: {c}. Stripe currently supports these currencies: usd, eur, gbp, …"
            ),
        ));
    }
    Ok(c)
}

/// Resolves a `payment_method` parameter (stored or magic `pm_card_*`) for `customer`.
fn payment_method_param(
    st: &mut AccountState,
    pm: &str,
    customer: Option<&str>,
) -> Result<String, StripeError> {
    let obj = payment_methods::resolve_id(st, pm)
        .map_err(|_| StripeError::missing_param("PaymentMethod", pm, "payment_method"))?;
    if let (Some(owner), Some(cus)) = (obj["customer"].as_str(), customer)
        && owner != cus
    {
        return Err(StripeError::invalid(
            "payment_method",
            format!("The provided PaymentMethod {pm} belongs to another customer."),
        ));
    }
    if obj["customer"].is_string() && customer.is_none() {
        return Err(StripeError::invalid(
            "payment_method",
            format!(
                "The provided PaymentMethod was previously attached to a Customer; pass that customer to use {pm}."
            ),
        ));
    }
    Ok(obj["id"].as_str().unwrap_or_default().to_string())
}

/// `POST /v1/payment_intents` (`confirm=true` charges at once; a decline is a 402 whose
/// body names the `charge` and `payment_intent`)
pub fn create_payment_intent(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(PI_CREATE)?;
    let amount = p
        .int("amount")?
        .ok_or_else(|| StripeError::ParameterMissing {
            param: "amount".into(),
        })?;
    if !(1..=99_999_999).contains(&amount) {
        return Err(StripeError::InvalidRequest {
            code: Some("amount_too_small"),
            param: Some("amount".into()),
            message: "Amount must be at least 1 and at most 99999999.".into(),
        });
    }
    let currency = currency(p)?;
    if let Some(m) = p.nonempty("capture_method")?
        && m != "automatic"
        && m != "automatic_async"
    {
        return Err(StripeError::invalid(
            "capture_method",
            "The simulator supports capture_method=automatic only.",
        ));
    }
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let confirm = p.bool("confirm")?.unwrap_or(false);
    let description = p.nonempty("description")?;
    let mut st = c.account.lock();
    let customer = p.nonempty("customer")?;
    if let Some(cus) = customer
        && st
            .store
            .get_kind("customer", cus)
            .is_none_or(|o| o["deleted"] == true)
    {
        return Err(StripeError::missing_param("customer", cus, "customer"));
    }
    let pm = match p.nonempty("payment_method")? {
        Some(pm) => Some(payment_method_param(&mut st, pm, customer)?),
        None => None,
    };
    if confirm && pm.is_none() {
        return Err(StripeError::InvalidRequest {
            code: Some("payment_intent_unexpected_state"),
            param: Some("payment_method".into()),
            message: "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with cus, pass a payment_method.".into(),
        });
    }
    let now = customer.map_or_else(|| st.now(), |c| st.now_for_customer(c));
    let pi = payments::new_payment_intent(
        &mut st,
        &c.request,
        &PaymentRequest {
            amount,
            currency: &currency,
            customer,
            payment_method: pm.as_deref().unwrap_or_default(),
            description,
            metadata,
            now,
        },
    )?;
    if !confirm {
        return Ok(pi);
    }
    let id = pi["id"].as_str().unwrap_or_default().to_string();
    let payment = payments::confirm(
        &mut st,
        &c.request,
        &id,
        pm.as_deref().unwrap_or_default(),
        now,
    )?;
    if let Some(err) = payment.error.clone() {
        return Err(err);
    }
    payments::follow_up(&mut st, &payment);
    Ok(payment.payment_intent)
}

/// `POST /v1/payment_intents/{id}` (amount, currency, customer, description, metadata,
/// payment_method while not yet succeeded or canceled). Guess [M]: Stripe sends no event for
/// a plain update, so none is emitted.
pub fn update_payment_intent(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "amount",
        "currency",
        "customer",
        "description",
        "metadata",
        "payment_method",
        "receipt_email",
        "setup_future_usage",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "payment_method_types",
    ])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("payment_intent", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("payment_intent", c.id()))?;
    let locked = matches!(old["status"].as_str(), Some("succeeded" | "canceled"));
    let mut new = old.clone();
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    if let Some(d) = p.str("description")? {
        new["description"] = if d.is_empty() { Value::Null } else { json!(d) };
    }
    let money_change = ["amount", "currency", "customer", "payment_method"]
        .iter()
        .any(|f| p.get(f).is_some());
    if money_change && locked {
        return Err(StripeError::InvalidRequest {
            code: Some("payment_intent_unexpected_state"),
            param: None,
            message: format!(
                "This PaymentIntent's amount, currency, customer or payment_method could not be updated because it has a status of {}.",
                old["status"].as_str().unwrap_or_default()
            ),
        });
    }
    if let Some(a) = p.int("amount")? {
        if a < 1 {
            return Err(StripeError::invalid("amount", "Amount must be at least 1."));
        }
        new["amount"] = json!(a);
    }
    if p.get("currency").is_some() {
        new["currency"] = json!(currency(p)?);
    }
    if let Some(cus) = p.nonempty("customer")? {
        if st.store.get_kind("customer", cus).is_none() {
            return Err(StripeError::missing_param("customer", cus, "customer"));
        }
        new["customer"] = json!(cus);
    }
    if let Some(pm) = p.nonempty("payment_method")? {
        let cus = new["customer"].as_str().map(str::to_string);
        let id = payment_method_param(&mut st, pm, cus.as_deref())?;
        new["payment_method"] = json!(id);
        if new["status"] == "requires_payment_method" {
            new["status"] = json!("requires_confirmation");
        }
    }
    if new != old {
        st.store.put(new.clone());
    }
    Ok(new)
}

/// `POST /v1/payment_intents/{id}/confirm` `{payment_method?}`
pub fn confirm_payment_intent(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "payment_method",
        "return_url",
        "off_session",
        "setup_future_usage",
        "receipt_email",
        "error_on_requires_action",
        "mandate_data",
        "use_stripe_sdk",
        "payment_method_types",
    ])?;
    let mut st = c.account.lock();
    let pi = st
        .store
        .get_kind("payment_intent", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("payment_intent", c.id()))?;
    let customer = pi["customer"].as_str().map(str::to_string);
    let pm = match p.nonempty("payment_method")? {
        Some(pm) => payment_method_param(&mut st, pm, customer.as_deref())?,
        None => pi["payment_method"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| StripeError::InvalidRequest {
                code: Some("payment_intent_unexpected_state"),
                param: Some("payment_method".into()),
                message: "You cannot confirm this PaymentIntent because it's missing a payment method. Update the PaymentIntent with a payment_method and then confirm it again.".into(),
            })?,
    };
    let now = customer
        .as_deref()
        .map_or_else(|| st.now(), |c| st.now_for_customer(c));
    let payment = payments::confirm(&mut st, &c.request, c.id(), &pm, now)?;
    if let Some(err) = payment.error.clone() {
        return Err(err);
    }
    payments::follow_up(&mut st, &payment);
    Ok(payment.payment_intent)
}

/// `POST /v1/payment_intents/{id}/cancel` `{cancellation_reason?}` → `payment_intent.canceled`
pub fn cancel_payment_intent(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["cancellation_reason"])?;
    let reason = p.nonempty("cancellation_reason")?;
    if let Some(r) = reason
        && ![
            "abandoned",
            "duplicate",
            "fraudulent",
            "requested_by_customer",
        ]
        .contains(&r)
    {
        return Err(StripeError::invalid(
            "cancellation_reason",
            "Invalid cancellation_reason: must be one of abandoned, duplicate, fraudulent, requested_by_customer",
        ));
    }
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("payment_intent", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("payment_intent", c.id()))?;
    if matches!(old["status"].as_str(), Some("succeeded" | "canceled")) {
        return Err(StripeError::InvalidRequest {
            code: Some("payment_intent_unexpected_state"),
            param: None,
            message: format!(
                "You cannot cancel this PaymentIntent because it has a status of {}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.",
                old["status"].as_str().unwrap_or_default()
            ),
        });
    }
    let mut new = old.clone();
    new["status"] = json!("canceled");
    new["canceled_at"] = json!(st.now());
    new["cancellation_reason"] = json!(reason);
    st.store.put(new.clone());
    st.emit(&c.request, "payment_intent.canceled", new.clone(), None);
    Ok(new)
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
