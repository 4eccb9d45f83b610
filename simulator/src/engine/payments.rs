//! Charging a payment method, with Stripe's test-card behaviour — the one place that creates
//! payment intents and charges, refunds, disputes and early fraud warnings.
//!
//! Callers (Checkout, `POST /v1/payment_intents/:id/confirm`, invoices pay, subscription
//! creation, renewals and retries, the control plane) all go through:
//!
//! - [`charge`]: create a payment intent for an amount and confirm it at once
//!   (`payment_intent.created` → `charge.succeeded` → `payment_intent.succeeded`, or
//!   `charge.failed` → `payment_intent.payment_failed`);
//! - [`confirm`]: confirm an existing payment intent (same events, without `.created`);
//! - [`follow_up`]: the after-effects of a successful charge on a dispute card
//!   (`charge.dispute.created` + `charge.dispute.funds_withdrawn`, or an inquiry) or on the
//!   early-fraud-warning card (`radar.early_fraud_warning.created`). Call it once the caller's
//!   own events are emitted (e.g. after `checkout.session.completed` or `invoice.paid`) so the
//!   canonical sequence of a flow is not interrupted — on Stripe these arrive later too;
//! - [`decline_for`]: whether charging a payment method now would fail, without creating
//!   anything (Checkout and `error_if_incomplete` refuse before creating objects);
//! - [`refund`], [`create_dispute`], [`create_early_fraud_warning`], [`set_customer_override`]:
//!   the refunds API and the control plane.
//!
//! All functions take the locked [`AccountState`] and emit events through it; none awaits.
//! Events are recorded with the [`EventRequest`] given (automatic events pass
//! `EventRequest::default()`, i.e. `request.id: null`).

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::cards::{Behaviour, Decline};
use crate::engine::outcomes;
use crate::error::StripeError;
use crate::objects;
use crate::objects::status::{PaymentIntentStatus, Status};

/// What to charge.
#[derive(Debug, Clone)]
pub(crate) struct PaymentRequest<'a> {
    /// Amount in minor units (> 0).
    pub(crate) amount: i64,
    /// Three-letter lowercase currency.
    pub(crate) currency: &'a str,
    /// `cus_…`, if any.
    pub(crate) customer: Option<&'a str>,
    /// `pm_…` (a stored payment method).
    pub(crate) payment_method: &'a str,
    /// Payment intent description ("Subscription creation", "Subscription update").
    pub(crate) description: Option<&'a str>,
    /// Payment intent metadata.
    pub(crate) metadata: Value,
    /// The time to stamp on objects and events (the account's or the customer's clock).
    pub(crate) now: i64,
}

/// What a test card does after a successful charge.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FollowUp {
    /// Nothing.
    None,
    /// Open a dispute on the charge.
    Dispute {
        /// Dispute reason.
        reason: &'static str,
        /// Inquiry (`warning_needs_response`) rather than a chargeback.
        inquiry: bool,
    },
    /// Raise an early fraud warning on the charge.
    EarlyFraudWarning,
}

/// The outcome of a charge attempt.
#[derive(Debug, Clone)]
pub(crate) struct Payment {
    /// The payment intent as it ends (`succeeded` or `requires_payment_method`).
    pub(crate) payment_intent: Value,
    /// The charge (`succeeded` or `failed`).
    pub(crate) charge: Value,
    /// The card error when the charge failed (402, with `charge` and `payment_intent`).
    pub(crate) error: Option<StripeError>,
    /// What [`follow_up`] will do.
    pub(crate) follow_up: FollowUp,
}

impl Payment {
    /// Whether the charge succeeded.
    pub(crate) fn succeeded(&self) -> bool {
        self.error.is_none()
    }

    /// `ch_…`
    pub(crate) fn charge_id(&self) -> &str {
        self.charge["id"].as_str().unwrap_or_default()
    }

    /// `pi_…`
    pub(crate) fn payment_intent_id(&self) -> &str {
        self.payment_intent["id"].as_str().unwrap_or_default()
    }
}

/// The test behaviour of a stored payment method (unknown ids behave like 4242).
pub(crate) fn behaviour_of(st: &AccountState, payment_method: &str) -> Behaviour {
    st.pm_behaviour
        .get(payment_method)
        .copied()
        .unwrap_or(Behaviour::Succeeds)
}

/// The decline that charging `payment_method` for `customer` would meet now, if any —
/// honouring the control plane's per-customer override. Creates nothing.
pub(crate) fn decline_for(
    st: &AccountState,
    customer: Option<&str>,
    payment_method: &str,
) -> Option<Decline> {
    if let Some(fail) = customer.and_then(|c| st.payments.customer_override.get(c)) {
        return fail.then_some(Decline::Generic);
    }
    behaviour_of(st, payment_method).charge_decline()
}

/// Sets whether `customer`'s next payments fail (`Some(true)`), succeed (`Some(false)`),
/// or follow their card again (`None`). Used by the control plane.
pub(crate) fn set_customer_override(st: &mut AccountState, customer: &str, fail: Option<bool>) {
    match fail {
        Some(f) => {
            st.payments
                .customer_override
                .insert(customer.to_string(), f);
        }
        None => {
            st.payments.customer_override.remove(customer);
        }
    }
}

fn load_pm<'a>(st: &'a AccountState, id: &str) -> Result<&'a Value, StripeError> {
    st.store
        .get_kind("payment_method", id)
        .ok_or_else(|| StripeError::missing_param("PaymentMethod", id, "payment_method"))
}

/// Creates a payment intent for `r` (`payment_intent.created`) and confirms it at once.
/// `Err` only for an unknown payment method or a bad amount; a declined card is `Ok` with
/// [`Payment::error`] set.
pub(crate) fn charge(
    st: &mut AccountState,
    req: &EventRequest,
    r: &PaymentRequest<'_>,
) -> Result<Payment, StripeError> {
    charge_with(st, req, r, &json!({}))
}

/// [`charge`], with `fields` (such as `receipt_email`, `setup_future_usage`) set on the
/// payment intent as given before it is announced (Checkout's `payment_intent_data`).
pub(crate) fn charge_with(
    st: &mut AccountState,
    req: &EventRequest,
    r: &PaymentRequest<'_>,
    fields: &Value,
) -> Result<Payment, StripeError> {
    let id = create_intent(st, req, r, fields)?;
    confirm(st, req, &id, r.payment_method, r.now)
}

/// Creates and stores a payment intent in `requires_confirmation` (or
/// `requires_payment_method` without a payment method) and emits `payment_intent.created`.
pub(crate) fn new_payment_intent(
    st: &mut AccountState,
    req: &EventRequest,
    r: &PaymentRequest<'_>,
) -> Result<Value, StripeError> {
    new_payment_intent_with(st, req, r, &json!({}))
}

/// [`new_payment_intent`] with `fields` (a JSON object: `receipt_email`, statement
/// descriptors, Checkout's `payment_intent_data`) set before it is stored and
/// `payment_intent.created` is emitted.
pub(crate) fn new_payment_intent_with(
    st: &mut AccountState,
    req: &EventRequest,
    r: &PaymentRequest<'_>,
    fields: &Value,
) -> Result<Value, StripeError> {
    let id = create_intent(st, req, r, fields)?;
    Ok(st
        .store
        .get_kind("payment_intent", &id)
        .cloned()
        .unwrap_or(Value::Null))
}

/// [`new_payment_intent_with`], returning the new payment intent's id only (the intent is
/// stored and announced without a copy).
fn create_intent(
    st: &mut AccountState,
    req: &EventRequest,
    r: &PaymentRequest<'_>,
    fields: &Value,
) -> Result<String, StripeError> {
    if r.amount < 1 {
        return Err(StripeError::invalid(
            "amount",
            "This value must be greater than or equal to 1.",
        ));
    }
    if !r.payment_method.is_empty() {
        load_pm(st, r.payment_method)?;
    }
    let mut pi = objects::payment_intent(
        r.amount,
        &json!(r.currency),
        r.customer.unwrap_or_default(),
        r.payment_method,
        r.description.unwrap_or_default(),
        r.now,
    );
    pi["customer"] = json!(r.customer);
    pi["description"] = json!(r.description);
    pi["metadata"] = r.metadata.clone();
    if let Value::Object(fields) = fields {
        for (k, v) in fields {
            pi[k] = v.clone();
        }
    }
    if r.payment_method.is_empty() {
        pi["payment_method"] = Value::Null;
        PaymentIntentStatus::RequiresPaymentMethod.set(&mut pi);
    }
    let id = pi["id"].as_str().unwrap_or_default().to_string();
    st.store.put(pi);
    st.emit_stored(req, "payment_intent.created", &id, None);
    Ok(id)
}

/// Confirms payment intent `pi_id` with `payment_method`: creates the charge and emits
/// `charge.succeeded` + `payment_intent.succeeded`, or `charge.failed` +
/// `payment_intent.payment_failed` (the intent returns to `requires_payment_method` with
/// `last_payment_error`). Honours the per-customer override of the control plane.
pub(crate) fn confirm(
    st: &mut AccountState,
    req: &EventRequest,
    pi_id: &str,
    payment_method: &str,
    now: i64,
) -> Result<Payment, StripeError> {
    let pi = st
        .store
        .get_kind("payment_intent", pi_id)
        .ok_or_else(|| StripeError::missing("payment_intent", pi_id))?;
    if !PaymentIntentStatus::of(pi).is_some_and(PaymentIntentStatus::can_confirm) {
        let status = pi["status"].as_str().unwrap_or_default();
        return Err(StripeError::InvalidRequest {
            code: Some("payment_intent_unexpected_state"),
            param: None,
            message: format!(
                "You cannot confirm this PaymentIntent because it has a status of {status}."
            ),
        });
    }
    let pm = load_pm(st, payment_method)?;
    let customer = pi["customer"].as_str().map(str::to_string);
    let behaviour = behaviour_of(st, payment_method);
    let decline = decline_for(st, customer.as_deref(), payment_method);
    // The charge reads the intent's amount, currency, customer, description and id, none of
    // which confirming changes.
    let mut charge = objects::charge(pi, pm, now);
    let charge_id = charge["id"].as_str().unwrap_or_default().to_string();
    if let Some(d) = decline {
        let pm = pm.clone();
        let mut pi = pi.clone();
        pi["payment_method"] = json!(payment_method);
        pi["latest_charge"] = json!(charge_id);
        let err = outcomes::fail(&mut charge, d);
        let body = err.body()["error"].clone();
        st.store.put(charge.clone());
        st.emit(req, "charge.failed", charge.clone(), None);
        let mut lpe = body.clone();
        lpe["charge"] = json!(charge_id);
        lpe["payment_method"] = pm.clone();
        pi["last_payment_error"] = lpe;
        pi["payment_method"] = Value::Null;
        PaymentIntentStatus::RequiresPaymentMethod.set(&mut pi);
        st.store.put(pi.clone());
        st.emit(req, "payment_intent.payment_failed", pi.clone(), None);
        let error = StripeError::Decorated {
            base: Box::new(err),
            extra: json!({
                "charge": charge_id,
                "payment_intent": pi,
                "payment_method": pm,
            }),
        };
        return Ok(Payment {
            payment_intent: pi,
            charge,
            error: Some(error),
            follow_up: FollowUp::None,
        });
    }
    outcomes::approve(&mut charge, behaviour);
    st.store.put(charge.clone());
    st.emit_stored(req, "charge.succeeded", &charge_id, None);
    st.store.update("payment_intent", pi_id, |pi| {
        pi["payment_method"] = json!(payment_method);
        pi["latest_charge"] = json!(charge_id);
        PaymentIntentStatus::Succeeded.set(pi);
        pi["amount_received"] = pi["amount"].clone();
        pi["last_payment_error"] = Value::Null;
    });
    st.emit_stored(req, "payment_intent.succeeded", pi_id, None);
    let follow_up = match behaviour {
        // An override that forces success does not also make the card dispute.
        _ if customer
            .as_deref()
            .is_some_and(|c| st.payments.customer_override.contains_key(c)) =>
        {
            FollowUp::None
        }
        Behaviour::Dispute { reason, inquiry } => FollowUp::Dispute { reason, inquiry },
        Behaviour::EarlyFraudWarning => FollowUp::EarlyFraudWarning,
        _ => FollowUp::None,
    };
    Ok(Payment {
        payment_intent: st
            .store
            .get_kind("payment_intent", pi_id)
            .cloned()
            .unwrap_or(Value::Null),
        charge,
        error: None,
        follow_up,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cards;
    use crate::engine::disputes::create as create_dispute;
    use crate::engine::follow_up::run as follow_up;
    use crate::engine::radar::{DEFAULT_FRAUD_TYPE, set_fraud_type};
    use crate::engine::refunds::refund;

    fn account_with_pm(card: &str) -> (AccountState, String) {
        let mut st = AccountState::default();
        let c = cards::resolve(card).expect("card");
        let pm = crate::engine::payment_methods::insert(&mut st, &c, None, json!({}));
        let id = pm["id"].as_str().expect("id").to_string();
        (st, id)
    }

    fn types(st: &AccountState) -> Vec<String> {
        st.store
            .ids_of("event")
            .filter_map(|id| st.store.get(id))
            .map(|e| e["type"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    fn pay(st: &mut AccountState, pm: &str, customer: Option<&str>) -> Payment {
        let now = st.now();
        charge(
            st,
            &EventRequest::default(),
            &PaymentRequest {
                amount: 2000,
                currency: "usd",
                customer,
                payment_method: pm,
                description: None,
                metadata: json!({}),
                now,
            },
        )
        .expect("charge")
    }

    #[test]
    fn good_card_succeeds_with_events() {
        let (mut st, pm) = account_with_pm("4242424242424242");
        let p = pay(&mut st, &pm, None);
        assert!(p.succeeded());
        assert_eq!(p.payment_intent["status"], "succeeded");
        assert_eq!(p.payment_intent["amount_received"], 2000);
        assert_eq!(p.charge["status"], "succeeded");
        assert_eq!(
            types(&st),
            [
                "payment_intent.created",
                "charge.succeeded",
                "payment_intent.succeeded"
            ]
        );
    }

    #[test]
    fn declines_carry_their_codes() {
        for (card, decline) in [
            ("4000000000000002", "generic_decline"),
            ("4000000000009995", "insufficient_funds"),
            ("4000000000009987", "lost_card"),
            ("4000000000000341", "generic_decline"),
        ] {
            let (mut st, pm) = account_with_pm(card);
            let p = pay(&mut st, &pm, None);
            let err = p.error.clone().expect("declined");
            let body = err.body();
            assert_eq!(body["error"]["decline_code"], decline, "{card}");
            assert_eq!(body["error"]["charge"], p.charge_id(), "{card}");
            assert_eq!(err.status(), axum::http::StatusCode::PAYMENT_REQUIRED);
            assert_eq!(p.charge["status"], "failed");
            assert_eq!(p.charge["outcome"]["reason"], decline);
            assert_eq!(p.payment_intent["status"], "requires_payment_method");
            assert_eq!(
                p.payment_intent["last_payment_error"]["decline_code"],
                decline
            );
            assert_eq!(
                types(&st),
                [
                    "payment_intent.created",
                    "charge.failed",
                    "payment_intent.payment_failed"
                ]
            );
        }
    }

    #[test]
    fn dispute_cards_dispute_after_follow_up() {
        let (mut st, pm) = account_with_pm("4000000000000259");
        let p = pay(&mut st, &pm, None);
        assert!(p.succeeded());
        assert_eq!(types(&st).len(), 3, "nothing before follow_up");
        follow_up(&mut st, &p);
        let t = types(&st);
        assert_eq!(
            &t[3..],
            ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
        );
        let dp = st.store.ids_of("dispute").next().cloned().expect("dispute");
        let dp = st.store.get(&dp).expect("dp");
        assert_eq!(dp["reason"], "fraudulent");
        assert_eq!(dp["status"], "needs_response");
        assert_eq!(dp["charge"], p.charge_id());
        assert_eq!(dp["payment_intent"], p.payment_intent_id());
        assert_eq!(st.store.get(p.charge_id()).expect("ch")["disputed"], true);

        let (mut st, pm) = account_with_pm("4000000000002685");
        let p = pay(&mut st, &pm, None);
        follow_up(&mut st, &p);
        let dp = st.store.ids_of("dispute").next().cloned().expect("dispute");
        assert_eq!(
            st.store.get(&dp).expect("dp")["reason"],
            "product_not_received"
        );

        let (mut st, pm) = account_with_pm("4000000000001976");
        let p = pay(&mut st, &pm, None);
        follow_up(&mut st, &p);
        let dp = st.store.ids_of("dispute").next().cloned().expect("dispute");
        assert_eq!(
            st.store.get(&dp).expect("dp")["status"],
            "warning_needs_response"
        );
        assert_eq!(
            types(&st).last().map(String::as_str),
            Some("charge.dispute.created")
        );
    }

    #[test]
    fn efw_card_fraud_type_and_refund_deactivation() {
        let (mut st, pm) = account_with_pm("4000000000005423");
        let p = pay(&mut st, &pm, None);
        follow_up(&mut st, &p);
        let id = st
            .store
            .ids_of("radar.early_fraud_warning")
            .next()
            .cloned()
            .expect("efw");
        let w = st.store.get(&id).expect("efw").clone();
        assert_eq!(w["fraud_type"], DEFAULT_FRAUD_TYPE);
        assert_eq!(w["actionable"], true);
        assert_eq!(
            types(&st).last().map(String::as_str),
            Some("radar.early_fraud_warning.created")
        );
        // Partial refund keeps it actionable; the rest makes it non-actionable.
        let req = EventRequest::default();
        refund(&mut st, &req, p.charge_id(), Some(500), None, json!({})).expect("partial");
        assert_eq!(st.store.get(&id).expect("efw")["actionable"], true);
        let over = refund(&mut st, &req, p.charge_id(), Some(1501), None, json!({}))
            .expect_err("over-refund");
        assert_eq!(over.status(), axum::http::StatusCode::BAD_REQUEST);
        refund(&mut st, &req, p.charge_id(), None, None, json!({})).expect("rest");
        assert_eq!(st.store.get(&id).expect("efw")["actionable"], false);
        let ch = st.store.get(p.charge_id()).expect("ch");
        assert_eq!(ch["amount_refunded"], 2000);
        assert_eq!(ch["refunded"], true);
        assert_eq!(ch["refunds"]["total_count"], 2);
        let t = types(&st);
        assert_eq!(
            &t[t.len() - 3..],
            [
                "charge.refunded",
                "refund.created",
                "radar.early_fraud_warning.updated"
            ]
        );
        assert!(refund(&mut st, &req, p.charge_id(), None, None, json!({})).is_err());

        let (mut st, pm) = account_with_pm("4000000000005423");
        set_fraud_type(&mut st, Some("misc")).expect("ok");
        assert!(set_fraud_type(&mut st, Some("nope")).is_err());
        let p = pay(&mut st, &pm, None);
        follow_up(&mut st, &p);
        let id = st
            .store
            .ids_of("radar.early_fraud_warning")
            .next()
            .cloned()
            .expect("efw");
        assert_eq!(st.store.get(&id).expect("efw")["fraud_type"], "misc");
        // A dispute makes it non-actionable, and a charged-back charge cannot be refunded.
        create_dispute(&mut st, p.charge_id(), "general", false).expect("dispute");
        assert_eq!(st.store.get(&id).expect("efw")["actionable"], false);
        let e = refund(&mut st, &req, p.charge_id(), None, None, json!({})).expect_err("disputed");
        assert_eq!(e.body()["error"]["code"], "charge_disputed");
    }

    #[test]
    fn customer_override_beats_the_card() {
        let (mut st, pm) = account_with_pm("4242424242424242");
        set_customer_override(&mut st, "cus_1", Some(true));
        assert_eq!(decline_for(&st, Some("cus_1"), &pm), Some(Decline::Generic));
        assert!(!pay(&mut st, &pm, Some("cus_1")).succeeded());
        assert!(pay(&mut st, &pm, Some("cus_2")).succeeded());
        set_customer_override(&mut st, "cus_1", Some(false));
        let (_, bad) = {
            let c = cards::resolve("4000000000000341").expect("card");
            let pm = crate::engine::payment_methods::insert(&mut st, &c, None, json!({}));
            ((), pm["id"].as_str().expect("id").to_string())
        };
        assert!(pay(&mut st, &bad, Some("cus_1")).succeeded());
        set_customer_override(&mut st, "cus_1", None);
        assert!(!pay(&mut st, &bad, Some("cus_1")).succeeded());
    }
}
