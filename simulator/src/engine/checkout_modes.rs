//! Completing a Checkout Session in `mode=payment` (charge the line items once through a
//! payment intent) and `mode=setup` (save the card through a setup intent). The card was
//! checked by the caller (`engine::checkout::complete`) before anything is created. The
//! events of each are in `simulator/docs/flows.md`.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::checkout_finish::{self, Completion};
use crate::engine::payments::{self, Payment, PaymentRequest};
use crate::engine::{payment_methods, setup_intents};
use crate::error::StripeError;

/// Pays a `mode=payment` session: the customer (given, or new with
/// `customer_creation=always`), a payment method (attached to that customer when
/// `payment_intent_data[setup_future_usage]` is set), a payment intent for `amount_total`
/// confirmed at once, then the session completes with `payment_intent` (the events' order
/// is a guess, see `docs/guesses.md`).
pub(crate) fn pay(
    st: &mut AccountState,
    req: &EventRequest,
    c: Completion<'_>,
) -> Result<(Value, Payment), StripeError> {
    let customer =
        checkout_finish::customer(st, req, &c.session, c.typed_email, c.creates_customer())?;
    let customer_id = customer
        .as_ref()
        .and_then(|c| c["id"].as_str())
        .map(str::to_string);
    let email = c.email();
    let pm = payment_methods::insert(st, c.card, email.as_deref(), json!({}));
    let pm_id = pm["id"].as_str().unwrap_or_default().to_string();
    if let Some(cus) = &customer_id
        && !c.data.fields["setup_future_usage"].is_null()
    {
        payment_methods::attach_to(st, req, &pm_id, cus)?;
    }
    let currency = c.session["currency"].as_str().unwrap_or("usd").to_string();
    let payment = payments::charge_with(
        st,
        req,
        &PaymentRequest {
            amount: c.session["amount_total"].as_i64().unwrap_or(0),
            currency: &currency,
            customer: customer_id.as_deref(),
            payment_method: &pm_id,
            description: c.data.description.as_deref(),
            metadata: c.metadata(),
            now: c.now,
        },
        &c.data.fields,
    )?;
    if let Some(err) = payment.error.clone() {
        // Reached only when the card fails in a way the page's check did not foresee.
        return Err(err);
    }
    let done = checkout_finish::finish(
        st,
        req,
        c.session,
        customer.as_ref(),
        email,
        &[
            ("payment_intent", json!(payment.payment_intent_id())),
            ("payment_status", json!("paid")),
        ],
    );
    Ok((done, payment))
}

/// Saves the card of a `mode=setup` session: the customer (given, or new with
/// `customer_creation=always`), a setup intent, a payment method attached to that customer
/// (if any), the intent succeeded, then the session completes with `setup_intent`.
pub(crate) fn save(
    st: &mut AccountState,
    req: &EventRequest,
    c: Completion<'_>,
) -> Result<Value, StripeError> {
    let customer =
        checkout_finish::customer(st, req, &c.session, c.typed_email, c.creates_customer())?;
    let customer_id = customer.as_ref().and_then(|c| c["id"].as_str());
    let si = setup_intents::create(
        st,
        req,
        customer_id,
        c.data.description.as_deref(),
        c.metadata(),
        c.now,
    );
    let email = c.email();
    let pm = payment_methods::insert(st, c.card, email.as_deref(), json!({}));
    let si = setup_intents::succeed(st, req, si, pm["id"].as_str().unwrap_or_default())?;
    Ok(checkout_finish::finish(
        st,
        req,
        c.session,
        customer.as_ref(),
        email,
        &[("setup_intent", si["id"].clone())],
    ))
}
