//! The control plane's delivery routes: the delivery mode, rolling a webhook secret, the
//! delivery log (JSON, summary, HTML page) and waiting for quiescence.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use serde_json::{Value, json};

use crate::app::App;
use crate::engine::webhook_endpoints;
use crate::error::StripeError;
use crate::outbox::DeliveryMode;
use crate::params::Params;
use crate::pipeline::Call;
use crate::request::ApiRequest;
use crate::secrets::DEFAULT_ROLL_WINDOW_SECS;
use crate::webhooks::delivery;
use crate::webhooks::log;

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
/// fast|test_mode|live_mode|stripe|default|[ms…]}` → `{"object":"sim.delivery_mode","mode","seed","rate",
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
        Some(Value::String(s)) if s == "default" || s.is_empty() => Some(None),
        Some(Value::String(s)) if delivery::named_retry_schedule(s).is_some() => {
            Some(delivery::named_retry_schedule(s).map(<[Duration]>::to_vec))
        }
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
                "retry_schedule must be fast, test_mode, live_mode (or stripe), default or a list of delays in ms.",
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
