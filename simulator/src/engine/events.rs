//! Events as the API shows them: Stripe keeps them 30 days (of the simulated time of the
//! clock that stamped them), and resends one event to one endpoint on request (what
//! `stripe events resend` does, through `POST /v1/events/{id}/retry`).

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::error::StripeError;
use crate::outbox::OutboxEvent;

/// How long events are kept (listed and retrievable): 30 days.
pub(crate) const RETENTION_SECS: i64 = 30 * 86_400;

/// The current time of the clock that stamped `event`: the test clock of the customer its
/// object belongs to (or the clock itself, for test clock events), else the account's.
pub(crate) fn clock_now(st: &AccountState, event: &Value) -> i64 {
    let obj = &event["data"]["object"];
    let clock = match obj["object"].as_str() {
        Some("test_helpers.test_clock") => obj["id"].as_str().map(str::to_string),
        Some("customer") => obj["test_clock"].as_str().map(str::to_string),
        _ => obj["customer"]
            .as_str()
            .and_then(|c| st.customer_clock(c))
            .map(str::to_string),
    };
    clock
        .and_then(|c| st.store.get_kind("test_helpers.test_clock", &c))
        .and_then(|c| c["frozen_time"].as_i64())
        .unwrap_or_else(|| st.now())
}

/// Whether `event` is still kept: created within 30 days of its clock's time. `account_now`
/// is the account's time (most events follow it; only older ones look up their clock).
pub(crate) fn kept(st: &AccountState, event: &Value, account_now: i64) -> bool {
    let created = event["created"].as_i64().unwrap_or(0);
    created >= account_now - RETENTION_SECS || created >= clock_now(st, event) - RETENTION_SECS
}

/// The event `id` if it is still kept, else 404.
pub(crate) fn get(st: &AccountState, id: &str) -> Result<Value, StripeError> {
    st.store
        .get_kind("event", id)
        .filter(|e| kept(st, e, st.now()))
        .cloned()
        .ok_or_else(|| StripeError::missing("event", id))
}

/// Queues event `id` once more for endpoint `endpoint` (signed afresh when sent). When the
/// endpoint already had it (`already_delivered`), `pending_webhooks` goes up by one until
/// this delivery succeeds, so it drops back rather than below what is still owed.
pub(crate) fn resend(
    st: &mut AccountState,
    req: &EventRequest,
    id: &str,
    endpoint: &str,
    already_delivered: bool,
) -> Result<Value, StripeError> {
    let mut event = get(st, id)?;
    let we = st
        .store
        .get_kind("webhook_endpoint", endpoint)
        .ok_or_else(|| {
            StripeError::missing_param("webhook_endpoint", endpoint, "webhook_endpoint")
        })?;
    if we["status"] != "enabled" {
        return Err(StripeError::invalid(
            "webhook_endpoint",
            format!("Webhook endpoint {endpoint} is disabled."),
        ));
    }
    if already_delivered {
        let n = event["pending_webhooks"].as_i64().unwrap_or(0);
        event["pending_webhooks"] = json!(n + 1);
        st.store.put(event.clone());
    }
    let flow = req
        .id
        .clone()
        .unwrap_or_else(|| format!("auto_{}", st.delivery.flow_seq));
    st.delivery.outstanding += 1;
    st.delivery.outbox.push(OutboxEvent {
        event_id: id.to_string(),
        event_type: event["type"].as_str().unwrap_or_default().to_string(),
        targets: vec![endpoint.to_string()],
        body: Arc::from(event.to_string()),
        flow,
        epoch: st.delivery.epoch,
        emitted_at: Instant::now(),
    });
    Ok(event)
}
