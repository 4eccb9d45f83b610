//! The control plane: every simulator-only route, under `/_sim/…` (the one place for them).
//! Authenticated with the account's API key like the Stripe API; bodies may be JSON objects
//! or forms; errors are Stripe-shaped JSON (unknown objects → 404 `resource_missing`).
//! The routes are listed, with bodies and answers, in the simulator README
//! ("Control plane"); [`client::Control`] calls each of them from Rust.

pub mod client;
pub(crate) mod trigger;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::app::App;
use crate::engine::checkout::{PaymentInput, complete};
use crate::engine::portal;
use crate::engine::scheduler;
use crate::engine::webhook_endpoints;
use crate::engine::{disputes, payments, radar};
use crate::error::StripeError;
use crate::outbox::DeliveryMode;
use crate::params::Params;
use crate::pipeline::Call;
use crate::request::ApiRequest;
use crate::secrets::DEFAULT_ROLL_WINDOW_SECS;
use crate::time::FinalFailure;
use crate::webhooks::delivery::{self, DEFAULT_RETRY_SCHEDULE, STRIPE_RETRY_SCHEDULE};
use crate::webhooks::log;

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
/// cancel|unpaid|past_due, finalize_after_secs?}` → the settings.
pub(crate) fn renewal_settings(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["retry_days", "after_final_failure", "finalize_after_secs"])?;
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
    let mut ids = Vec::with_capacity(count as usize);
    for _ in 0..count {
        ids.push(st.emit(&c.request, &event_type, object.clone(), None));
    }
    Ok(json!({"object": "sim.emit", "events": ids}))
}

fn parse_rate(p: &Params) -> Result<Option<f64>, StripeError> {
    let bad = || StripeError::invalid("rate", "rate must be a number between 0 and 1.");
    let v = match p.get("rate") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64().ok_or_else(bad)?,
        Some(Value::String(s)) => s.trim().parse::<f64>().map_err(|_| bad())?,
        Some(_) => return Err(bad()),
    };
    if (0.0..=1.0).contains(&v) {
        Ok(Some(v))
    } else {
        Err(bad())
    }
}

/// `GET|POST /_sim/delivery_mode {mode?, seed?, rate?, delay_ms?, retry_schedule?:
/// fast|stripe|default|[ms…]}` → `{"object":"sim.delivery_mode","mode","seed","rate",
/// "delay_ms","retry_schedule_ms"}`.
pub(crate) fn delivery_mode(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["mode", "seed", "rate", "delay_ms", "retry_schedule"])?;
    let mode = match p.nonempty("mode")? {
        Some(m) => Some(DeliveryMode::parse(m).ok_or_else(|| {
            StripeError::invalid(
                "mode",
                format!("mode must be one of {}.", DeliveryMode::NAMES.join(", ")),
            )
        })?),
        None => None,
    };
    let rate = parse_rate(p)?;
    let seed = p.int("seed")?;
    let delay = p.int("delay_ms")?;
    if delay.is_some_and(|d| !(0..=600_000).contains(&d)) {
        return Err(StripeError::invalid(
            "delay_ms",
            "delay_ms must be between 0 and 600000.",
        ));
    }
    let schedule = match p.get("retry_schedule") {
        None => None,
        Some(Value::String(s)) if s == "fast" => Some(Some(DEFAULT_RETRY_SCHEDULE.to_vec())),
        Some(Value::String(s)) if s == "stripe" => Some(Some(STRIPE_RETRY_SCHEDULE.to_vec())),
        Some(Value::String(s)) if s == "default" || s.is_empty() => Some(None),
        Some(Value::Array(a)) => Some(Some(
            a.iter()
                .map(|v| match v {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                })
                .map(|ms| {
                    ms.filter(|ms| *ms <= 7 * 86_400_000)
                        .map(Duration::from_millis)
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    StripeError::invalid("retry_schedule", "retry_schedule must list delays in ms.")
                })?,
        )),
        Some(_) => {
            return Err(StripeError::invalid(
                "retry_schedule",
                "retry_schedule must be fast, stripe, default or a list of delays in ms.",
            ));
        }
    };
    let mut st = c.account.lock();
    let s = &mut st.delivery.settings;
    let changed =
        mode.is_some() || rate.is_some() || seed.is_some() || delay.is_some() || schedule.is_some();
    if let Some(m) = mode {
        s.mode = m;
    }
    if let Some(r) = rate {
        s.rate = r;
    }
    if let Some(seed) = seed {
        s.seed = seed as u64;
    }
    if let Some(d) = delay {
        s.delay_ms = d as u64;
    }
    if let Some(sch) = schedule {
        s.retry_schedule = sch;
    }
    if changed {
        s.generation += 1;
    }
    let shown: Option<Vec<u128>> = s
        .retry_schedule
        .as_ref()
        .map(|v| v.iter().map(Duration::as_millis).collect());
    let mut v = serde_json::to_value(&*s).unwrap_or_default();
    v["object"] = json!("sim.delivery_mode");
    v["retry_schedule_ms"] = json!(shown);
    Ok(v)
}

/// `POST /_sim/webhook_endpoints/{id}/roll_secret {secret?, expires_in?=3600}` →
/// `{"object":"sim.secret_roll","id","secret","previous_secret_expires_at"}`.
pub(crate) fn roll_secret(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["secret", "expires_in"])?;
    let window = p.int("expires_in")?.unwrap_or(DEFAULT_ROLL_WINDOW_SECS);
    let mut st = c.account.lock();
    let r = webhook_endpoints::roll_secret(&mut st, c.id(), p.nonempty("secret")?, window)?;
    Ok(json!({
        "object": "sim.secret_roll",
        "id": c.id(),
        "secret": r.secret,
        "previous_secret_expires_at": r.previous_expires_at,
    }))
}

/// `GET /_sim/deliveries?event_id=&endpoint_id=` → `{"object":"list","data":[attempt…]}`,
/// oldest first.
pub(crate) fn deliveries(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["event_id", "endpoint_id"])?;
    let data = log::records(
        &c.account,
        p.nonempty("event_id")?,
        p.nonempty("endpoint_id")?,
    );
    Ok(json!({ "object": "list", "data": data }))
}

/// `GET /_sim/deliveries/summary?event_id=&endpoint_id=` → one entry per event and
/// endpoint: attempts, statuses, state (`delivered`, `retrying`, `given_up`), latency.
pub(crate) fn deliveries_summary(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["event_id", "endpoint_id"])?;
    let records = log::records(
        &c.account,
        p.nonempty("event_id")?,
        p.nonempty("endpoint_id")?,
    );
    let data = log::summaries(&c.account, &records);
    let outstanding = c.account.lock().delivery.outstanding;
    Ok(json!({ "object": "list", "data": data, "outstanding": outstanding }))
}

/// `GET /_sim/deliveries.html` (key in `Authorization` or `?key=`): the log as a page.
/// Without a key it answers 401 with a Basic challenge, so a browser asks for it (the key
/// as user name).
pub(crate) async fn deliveries_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let key = match q.get("key") {
        Some(k) => crate::request::check_key(k).map(|_| k.clone()),
        None => crate::request::api_key(&headers),
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => {
            let mut r = (
                StatusCode::UNAUTHORIZED,
                Html(crate::hosted::html::page(
                    "Key needed",
                    &format!(
                        "<h1>API key needed</h1><p>{}</p><p>Open this page with <code>?key=sk_test_…</code> or sign in with the key as user name.</p>",
                        crate::hosted::html::escape(&e.to_string())
                    ),
                )),
            )
                .into_response();
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"stripe-sim\""),
            );
            return r;
        }
    };
    let account = app.account(&key);
    let records = log::records(&account, q.get("event_id").map(String::as_str), None);
    let summaries = log::summaries(&account, &records);
    Html(log::html(&summaries, &records)).into_response()
}

/// `POST /_sim/quiesce {timeout_ms?=10000}` → `{"object":"sim.quiescence","quiescent",
/// "outstanding","waited_ms"}`: waits until every due event is delivered or given up
/// (`quiescent: true`) or the deadline passes (`quiescent: false`, still 200).
pub(crate) async fn quiesce(req: ApiRequest) -> Response {
    let timeout = match req.params.int("timeout_ms") {
        Ok(t) => t.unwrap_or(10_000),
        Err(e) => return e.into_response(),
    };
    if let Err(e) = req.params.allow_only(&["timeout_ms"]) {
        return e.into_response();
    }
    if !(0..=600_000).contains(&timeout) {
        return StripeError::invalid("timeout_ms", "timeout_ms must be between 0 and 600000.")
            .into_response();
    }
    let started = Instant::now();
    let left = delivery::quiesce(
        &req.account,
        started + Duration::from_millis(timeout as u64),
    )
    .await;
    axum::Json(json!({
        "object": "sim.quiescence",
        "quiescent": left == 0,
        "outstanding": left,
        "waited_ms": started.elapsed().as_millis() as u64,
    }))
    .into_response()
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
