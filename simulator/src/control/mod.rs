//! The control plane: every simulator-only route, under `/_sim/…` (the one place for them).
//! Authenticated with the account's API key like the Stripe API; bodies may be JSON objects
//! or forms; errors are Stripe-shaped JSON (unknown objects → 404 `resource_missing`).
//! The routes are listed, with bodies and answers, in the simulator README
//! ("Control plane"); `crate::client::Control` calls each of them from Rust.

pub(crate) mod deliveries;
pub(crate) mod trigger;

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::engine::checkout::{PaymentInput, complete};
use crate::engine::portal;
use crate::engine::scheduler;
use crate::engine::{disputes, payments, radar, raw_events};
use crate::error::StripeError;
use crate::pipeline::Call;
use crate::time::FinalFailure;

/// `POST /_sim/reset` → `{"object":"sim.reset","reset":true}`: forgets every object,
/// event, endpoint, idempotency key, delivery record and setting of the account and puts
/// its clock back to the wall clock.
pub(crate) fn reset(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    {
        let mut st = c.account.lock();
        let epoch = st.delivery.epoch + 1;
        *st = AccountState::default();
        st.delivery.epoch = epoch;
    }
    *c.account
        .idempotency
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Default::default();
    c.account
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    Ok(json!({"object": "sim.reset", "reset": true}))
}

fn clock_view(st: &AccountState) -> Value {
    json!({"object": "sim.clock", "now": st.now(), "offset": st.clock_offset})
}

/// `GET /_sim/clock` → `{"object":"sim.clock","now","offset"}`.
pub(crate) fn clock(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    Ok(clock_view(&c.account.lock()))
}

/// `POST /_sim/clock/advance {seconds? | days? | to?}` → `{"object":"sim.clock","now",
/// "offset","previous","jobs_run"}`: moves the account clock forward, running everything
/// due for customers without a test clock, in time order.
pub(crate) fn advance(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["seconds", "days", "to"])?;
    let mut st = c.account.lock();
    let now = st.now();
    let to = match (p.int("seconds")?, p.int("days")?, p.int("to")?) {
        (Some(s), None, None) => now.saturating_add(s),
        (None, Some(d), None) => now.saturating_add(d.saturating_mul(86_400)),
        (None, None, Some(t)) => t,
        (None, None, None) => {
            return Err(StripeError::ParameterMissing {
                param: "seconds".into(),
            });
        }
        _ => {
            return Err(StripeError::bad_request(
                "You may only specify one of these parameters: seconds, days, to.",
            ));
        }
    };
    if to < now {
        return Err(StripeError::invalid(
            "to",
            format!(
                "The account clock can only move forward: {to} is before its current time {now}."
            ),
        ));
    }
    if to > crate::engine::test_clocks::MAX_FROZEN_TIME {
        return Err(StripeError::invalid("to", "Too far in the future."));
    }
    let ran = scheduler::advance_account(&mut st, to);
    let mut v = clock_view(&st);
    v["previous"] = json!(now);
    v["jobs_run"] = json!(ran.jobs);
    Ok(v)
}

/// `GET|POST /_sim/settings/fraud_type {fraud_type?}` → `{"object":"sim.fraud_type_setting",
/// "fraud_type"}`: the `fraud_type` of the early fraud warnings the 5423 card raises in this
/// account (an empty value restores the default, `made_with_stolen_card`). Stripe documents no
/// value for test warnings, hence a setting.
pub(crate) fn fraud_type_setting(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["fraud_type"])?;
    let mut st = c.account.lock();
    if let Some(value) = p.str("fraud_type")? {
        let chosen = Some(value).filter(|v| !v.is_empty());
        radar::set_fraud_type(&mut st, chosen)?;
    }
    let current = st
        .payments
        .fraud_type
        .clone()
        .unwrap_or_else(|| radar::DEFAULT_FRAUD_TYPE.to_string());
    Ok(json!({"object": "sim.fraud_type_setting", "fraud_type": current}))
}

/// `GET|POST /_sim/settings/renewals {retry_days?: [int], after_final_failure?:
/// cancel|unpaid|past_due, finalize_after_secs?, upcoming_days?}` → the settings.
pub(crate) fn renewal_settings(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "retry_days",
        "after_final_failure",
        "finalize_after_secs",
        "upcoming_days",
    ])?;
    let mut st = c.account.lock();
    if let Some(days) = p.get("retry_days") {
        let list: Vec<i64> = match days {
            Value::Array(a) => a
                .iter()
                .map(|d| match d {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                })
                .collect::<Option<Vec<i64>>>()
                .filter(|l| l.iter().all(|d| (0..=60).contains(d)))
                .ok_or_else(|| {
                    StripeError::invalid(
                        "retry_days",
                        "retry_days must be whole days from 0 to 60.",
                    )
                })?,
            Value::String(s) if s.is_empty() => Vec::new(),
            _ => {
                return Err(StripeError::invalid(
                    "retry_days",
                    "retry_days must be a list of days.",
                ));
            }
        };
        st.time.settings.retry_days = list;
    }
    if let Some(a) = p.nonempty("after_final_failure")? {
        st.time.settings.after_final_failure = FinalFailure::parse(a).ok_or_else(|| {
            StripeError::invalid(
                "after_final_failure",
                "after_final_failure must be one of cancel, unpaid, past_due.",
            )
        })?;
    }
    if let Some(s) = p.int("finalize_after_secs")? {
        if !(0..=86_400 * 3).contains(&s) {
            return Err(StripeError::invalid(
                "finalize_after_secs",
                "finalize_after_secs must be between 0 and 259200.",
            ));
        }
        st.time.settings.finalize_after_secs = s;
    }
    if let Some(d) = p.int("upcoming_days")? {
        if !(1..=45).contains(&d) {
            return Err(StripeError::invalid(
                "upcoming_days",
                "upcoming_days must be between 1 and 45.",
            ));
        }
        st.time.settings.upcoming_days = d;
    }
    let mut v = serde_json::to_value(&st.time.settings).unwrap_or_default();
    v["object"] = json!("sim.renewal_settings");
    Ok(v)
}

/// `POST /_sim/checkout/sessions/{id}/pay {card_number, email?}` → `{"redirect_url"}`
/// (a declined card → 402 `card_error`, the session stays open).
pub(crate) fn pay_session(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "card_number",
        "email",
        "exp",
        "exp_month",
        "exp_year",
        "cvc",
    ])?;
    let card_number = p.required("card_number")?.to_string();
    {
        let mut st = c.account.lock();
        if st.store.get_kind("checkout.session", c.id()).is_none() {
            return Err(StripeError::missing("checkout.session", c.id()));
        }
        st.delivery.new_flow();
    }
    let done = complete(
        &c.account,
        c.id(),
        &PaymentInput {
            card_number,
            email: p.nonempty("email")?.map(str::to_string),
        },
    )?;
    Ok(json!({ "redirect_url": done.redirect_url }))
}

/// `POST /_sim/checkout/sessions/{id}/decline {card_number?}` → `{"object":
/// "sim.checkout_decline","session","error"}`: pays with a declining card (default
/// 4000000000000002); nothing is created, the session stays open.
pub(crate) fn decline_session(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["card_number"])?;
    let card = p.nonempty("card_number")?.unwrap_or("4000000000000002");
    if c.account
        .lock()
        .store
        .get_kind("checkout.session", c.id())
        .is_none()
    {
        return Err(StripeError::missing("checkout.session", c.id()));
    }
    match complete(
        &c.account,
        c.id(),
        &PaymentInput {
            card_number: card.to_string(),
            email: None,
        },
    ) {
        Ok(_) => Err(StripeError::invalid(
            "card_number",
            format!("The card {card} does not decline: the session was paid."),
        )),
        Err(e @ StripeError::Card { .. }) => Ok(json!({
            "object": "sim.checkout_decline",
            "session": c.id(),
            "error": e.body()["error"],
        })),
        Err(e) => Err(e),
    }
}

/// `GET /_sim/portal/sessions/{id}` → what the portal page shows, as JSON.
pub(crate) fn portal_view(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    portal::view(&c.account.lock(), c.id())
}

/// `POST /_sim/portal/sessions/{id}/cancel {subscription?, mode?: at_period_end|immediately}`
/// → the subscription (mode defaults to the portal configuration's).
pub(crate) fn portal_cancel(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["subscription", "mode"])?;
    let mut st = c.account.lock();
    st.delivery.new_flow();
    portal::cancel(
        &mut st,
        c.id(),
        p.nonempty("subscription")?,
        p.nonempty("mode")?,
    )
}

/// `POST /_sim/portal/sessions/{id}/update_card {card_number}` → the new payment method
/// (declining cards → 402 `card_error`, nothing changes).
pub(crate) fn portal_update_card(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["card_number"])?;
    let card = p.required("card_number")?;
    let mut st = c.account.lock();
    st.delivery.new_flow();
    portal::update_card(&mut st, c.id(), card)
}

/// `POST /_sim/portal/sessions/{id}/switch_plan {price, subscription?}` → the subscription.
pub(crate) fn portal_switch_plan(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["price", "subscription"])?;
    let price = p.required("price")?;
    let mut st = c.account.lock();
    st.delivery.new_flow();
    portal::switch_plan(&mut st, c.id(), p.nonempty("subscription")?, price)
}

/// `POST /_sim/charges/{id}/dispute {reason?=fraudulent, inquiry?=false}` → the dispute
/// (`charge.dispute.created`, + `charge.dispute.funds_withdrawn` unless an inquiry).
pub(crate) fn dispute(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["reason", "inquiry"])?;
    let reason = p.nonempty("reason")?.unwrap_or("fraudulent");
    let inquiry = p.bool("inquiry")?.unwrap_or(false);
    let mut st = c.account.lock();
    if st.store.get_kind("charge", c.id()).is_none() {
        return Err(StripeError::missing("charge", c.id()));
    }
    st.delivery.new_flow();
    disputes::create(&mut st, c.id(), reason, inquiry)
}

/// `POST /_sim/charges/{id}/early_fraud_warning {fraud_type?}` → the warning
/// (`radar.early_fraud_warning.created`); default `fraud_type` is the account's.
pub(crate) fn early_fraud_warning(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["fraud_type"])?;
    let mut st = c.account.lock();
    if st.store.get_kind("charge", c.id()).is_none() {
        return Err(StripeError::missing("charge", c.id()));
    }
    let fraud_type = p
        .nonempty("fraud_type")?
        .map(str::to_string)
        .or_else(|| st.payments.fraud_type.clone())
        .unwrap_or_else(|| radar::DEFAULT_FRAUD_TYPE.to_string());
    st.delivery.new_flow();
    radar::create(&mut st, c.id(), &fraud_type)
}

/// `POST /_sim/customers/{id}/payments {next_payments: fail|succeed|card}` →
/// `{"object":"sim.customer_payments","customer","next_payments"}`: the customer's next
/// payments fail (generic decline) or succeed whatever the card, or follow the card again.
pub(crate) fn customer_payments(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["next_payments"])?;
    let mode = p.required("next_payments")?;
    let fail = match mode {
        "fail" => Some(true),
        "succeed" => Some(false),
        "card" => None,
        _ => {
            return Err(StripeError::invalid(
                "next_payments",
                "next_payments must be one of fail, succeed, card.",
            ));
        }
    };
    let mut st = c.account.lock();
    if st
        .store
        .get_kind("customer", c.id())
        .is_none_or(|cu| cu["deleted"] == true)
    {
        return Err(StripeError::missing("customer", c.id()));
    }
    payments::set_customer_override(&mut st, c.id(), fail);
    Ok(json!({"object": "sim.customer_payments", "customer": c.id(), "next_payments": mode}))
}

/// `POST /_sim/emit {type, object?, count?=1}` → `{"object":"sim.emit","events":[ids]}`:
/// emits raw events (an arbitrary `data.object`), e.g. to load-test a receiver.
pub(crate) fn emit(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    let event_type = p.required("type")?.to_string();
    let object = match p.get("object") {
        Some(o @ Value::Object(_)) => o.clone(),
        None => json!({"id": crate::ids::new_id("obj_"), "object": "sim.object"}),
        Some(_) => {
            return Err(StripeError::invalid(
                "object",
                "object must be a JSON object.",
            ));
        }
    };
    let count = p.int("count")?.unwrap_or(1);
    if !(1..=100_000).contains(&count) {
        return Err(StripeError::invalid(
            "count",
            "count must be between 1 and 100000.",
        ));
    }
    let mut st = c.account.lock();
    let ids = raw_events::emit(&mut st, &c.request, &event_type, &object, count as usize);
    Ok(json!({"object": "sim.emit", "events": ids}))
}

/// `POST /_sim/snapshot` → `{"object":"sim.snapshot","path","accounts"}`: writes the
/// `--state` file now (400 when the simulator runs without one).
pub(crate) fn snapshot(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let path = c.app.options.state_file.clone().ok_or_else(|| {
        StripeError::bad_request("The simulator runs without --state FILE: nothing to write.")
    })?;
    let n = crate::snapshot::save(&c.app, &path).map_err(|e| StripeError::Api {
        message: format!("cannot write the state file {}: {e}", path.display()),
    })?;
    Ok(json!({"object": "sim.snapshot", "path": path.display().to_string(), "accounts": n}))
}
