//! Completing a Checkout Session in `mode=subscription` (the hosted page's "Pay" and its
//! `/_sim` twin): on a good card, create the customer (if none), payment method,
//! subscription, invoice, payment intent and charge and emit the canonical event sequence
//! (see the README), each event carrying the object as it was at that moment. On a
//! declined card nothing is created and the session stays open.

use serde_json::{Value, json};

use crate::account::{Account, EventRequest};
use crate::api::{customers, payment_methods};
use crate::cards;
use crate::error::StripeError;
use crate::ids::new_id;
use crate::objects::{self, NewSubscription};
use crate::payments;

/// What the payer typed on the page.
#[derive(Debug, Clone, Default)]
pub struct PaymentInput {
    /// A card number, `pm_card_*` or `tok_*`.
    pub card_number: String,
    /// E-mail typed on the page, used when the session has neither customer nor e-mail.
    pub email: Option<String>,
}

/// The result of a successful payment.
#[derive(Debug, Clone, PartialEq)]
pub struct Completed {
    /// `success_url` with `{CHECKOUT_SESSION_ID}` replaced.
    pub redirect_url: String,
    /// The completed session.
    pub session: Value,
}

/// Pays an open session with a test card.
pub fn complete(
    account: &Account,
    session_id: &str,
    input: &PaymentInput,
) -> Result<Completed, StripeError> {
    // Events caused by the payer on Stripe's page carry no API request.
    let req = EventRequest::default();
    let mut st = account.lock();
    crate::api::checkout::expire_if_due(&mut st, session_id);
    let session = st
        .store
        .get_kind("checkout.session", session_id)
        .cloned()
        .ok_or_else(|| StripeError::missing("checkout.session", session_id))?;
    if session["status"] != "open" {
        return Err(StripeError::InvalidRequest {
            code: Some("checkout_session_not_open"),
            param: None,
            message: format!(
                "This Checkout Session is no longer open (status: {}).",
                session["status"].as_str().unwrap_or("unknown")
            ),
        });
    }
    if input.card_number.trim().is_empty() {
        return Err(StripeError::ParameterMissing {
            param: "card_number".into(),
        });
    }
    let card = cards::resolve(&input.card_number)
        .ok_or_else(|| cards::Decline::IncorrectNumber.error(Some("card_number")))?;
    // The control plane may force an existing customer's payments to fail or succeed.
    let forced = session["customer"]
        .as_str()
        .and_then(|cus| st.payments.customer_override.get(cus).copied());
    let decline = match forced {
        Some(true) => Some(cards::Decline::Generic),
        Some(false) => None,
        None => card.behaviour.checkout_decline(),
    };
    if let Some(decline) = decline {
        return Err(decline.error(None));
    }
    let items: Vec<(Value, i64)> = st
        .session_items
        .get(session_id)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|it| {
            st.store
                .get_kind("price", &it.price)
                .cloned()
                .map(|p| (p, it.quantity))
                .ok_or_else(|| StripeError::Api {
                    message: format!("price {} vanished", it.price),
                })
        })
        .collect::<Result<_, _>>()?;
    let sub_data = st
        .session_subscription_data
        .get(session_id)
        .cloned()
        .unwrap_or_default();
    // A customer on a test clock lives at the clock's time; a new customer joins no clock.
    let now = match session["customer"].as_str() {
        Some(id) => st.now_for_customer(id),
        None => st.now(),
    };

    // Customer.
    let customer = match session["customer"].as_str() {
        Some(id) => st
            .store
            .get_kind("customer", id)
            .cloned()
            .ok_or_else(|| StripeError::missing_param("customer", id, "customer"))?,
        None => {
            let email = session["customer_email"]
                .as_str()
                .map(str::to_string)
                .or_else(|| input.email.clone().filter(|e| !e.is_empty()));
            customers::insert(&mut st, &req, email.as_deref(), None, None, None, json!({}))
        }
    };
    let customer_id = customer["id"].as_str().unwrap_or_default().to_string();
    let email = customer["email"].as_str().map(str::to_string);

    // Payment method.
    let mut pm = payment_methods::insert(&mut st, &card, email.as_deref(), json!({}));
    let pm_id = pm["id"].as_str().unwrap_or_default().to_string();
    pm["customer"] = json!(customer_id);
    st.store.put(pm.clone());
    st.emit(&req, "payment_method.attached", pm.clone(), None);

    // Subscription (incomplete until the first invoice is paid).
    let sub_id = new_id("sub_");
    let invoice_id = new_id("in_");
    let mut sub = objects::subscription(&NewSubscription {
        id: &sub_id,
        customer: &customer_id,
        items: &items,
        default_payment_method: Some(&pm_id),
        latest_invoice: Some(&invoice_id),
        metadata: sub_data.metadata.clone(),
        description: sub_data.description.as_deref(),
        status: "incomplete",
        now,
    });
    // A customer's subscriptions and invoices follow the customer's test clock.
    sub["test_clock"] = customer["test_clock"].clone();
    st.store.put(sub.clone());
    st.emit(&req, "customer.subscription.created", sub.clone(), None);

    // Invoice: draft, then finalized.
    let mut invoice = objects::subscription_invoice(
        &invoice_id,
        &sub,
        &customer,
        "subscription_create",
        now,
        |p| {
            st.store
                .get_kind("product", p)
                .and_then(|o| o["name"].as_str())
                .map(str::to_string)
        },
    );
    invoice["test_clock"] = customer["test_clock"].clone();
    st.store.put(invoice.clone());
    st.emit(&req, "invoice.created", invoice.clone(), None);
    let seq = customer["next_invoice_sequence"].as_i64().unwrap_or(1);
    invoice["status"] = json!("open");
    invoice["number"] = json!(format!(
        "{}-{seq:04}",
        customer["invoice_prefix"].as_str().unwrap_or("SIM")
    ));
    invoice["effective_at"] = json!(now);
    invoice["status_transitions"]["finalized_at"] = json!(now);
    st.store.put(invoice.clone());
    if let Some(c) = st.store.get_kind_mut("customer", &customer_id) {
        c["next_invoice_sequence"] = json!(seq + 1);
    }
    st.emit(&req, "invoice.finalized", invoice.clone(), None);

    // Payment intent and charge (test-card behaviour lives in payments.rs).
    let amount = invoice["amount_due"].as_i64().unwrap_or(0);
    let payment = payments::charge(
        &mut st,
        &req,
        &payments::PaymentRequest {
            amount,
            currency: invoice["currency"].as_str().unwrap_or("usd"),
            customer: Some(&customer_id),
            payment_method: &pm_id,
            description: Some("Subscription creation"),
            metadata: json!({}),
            now,
        },
    )?;
    if let Some(err) = payment.error.clone() {
        // Unreachable in practice: `decline_for` refused the card before anything was made.
        return Err(err);
    }

    // Invoice paid.
    invoice["status"] = json!("paid");
    invoice["amount_paid"] = json!(amount);
    invoice["amount_remaining"] = json!(0);
    invoice["attempted"] = json!(true);
    invoice["attempt_count"] = json!(1);
    invoice["auto_advance"] = json!(false);
    invoice["status_transitions"]["paid_at"] = json!(now);
    invoice["webhooks_delivered_at"] = json!(now);
    st.store.put(invoice.clone());
    st.emit(&req, "invoice.paid", invoice.clone(), None);
    st.emit(&req, "invoice.payment_succeeded", invoice.clone(), None);

    // Subscription active.
    let mut active = sub.clone();
    active["status"] = json!("active");
    st.store.put(active.clone());
    st.emit(
        &req,
        "customer.subscription.updated",
        active,
        Some(json!({"status": "incomplete"})),
    );

    // Session complete.
    let mut done = session;
    done["status"] = json!("complete");
    done["payment_status"] = json!("paid");
    done["customer"] = json!(customer_id);
    done["subscription"] = json!(sub_id);
    done["invoice"] = json!(invoice_id);
    done["url"] = Value::Null;
    done["customer_details"] = json!({
        "address": null,
        "business_name": null,
        "email": email,
        "individual_name": null,
        "name": customer["name"],
        "phone": null,
        "tax_exempt": "none",
        "tax_ids": [],
    });
    st.store.put(done.clone());
    st.emit(&req, "checkout.session.completed", done.clone(), None);
    // Dispute and early-fraud-warning cards act after the flow's own events.
    payments::follow_up(&mut st, &payment);

    let redirect_url = done["success_url"]
        .as_str()
        .unwrap_or_default()
        .replace("{CHECKOUT_SESSION_ID}", session_id);
    Ok(Completed {
        redirect_url,
        session: done,
    })
}
