//! Views of the delivery log: every attempt (oldest first), a summary per event and
//! endpoint (attempts, last status, state), and a plain HTML page of both.

use serde::Serialize;

use crate::account::Account;
use crate::hosted::html::{escape, page};
use crate::outbox::DeliveryRecord;

/// The delivery of one event to one endpoint, over all its attempts.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct DeliverySummary {
    /// `evt_…`
    pub(crate) event_id: String,
    /// Event type.
    pub(crate) event_type: String,
    /// `we_…`
    pub(crate) endpoint_id: String,
    /// Attempts so far (including injected duplicates).
    pub(crate) attempts: u32,
    /// Status codes of the attempts, in order (`null` = no response).
    pub(crate) statuses: Vec<Option<u16>>,
    /// `delivered` (some attempt got a 2xx), `given_up` (retries exhausted) or `retrying`.
    pub(crate) state: &'static str,
    /// Total latency of the attempts.
    pub(crate) total_latency_ms: u64,
    /// Response snippet of the last attempt.
    pub(crate) last_response: String,
}

/// Attempts filtered by event and endpoint, oldest first.
pub(crate) fn records(
    account: &Account,
    event_id: Option<&str>,
    endpoint_id: Option<&str>,
) -> Vec<DeliveryRecord> {
    account
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|r| event_id.is_none_or(|e| r.event_id == e))
        .filter(|r| endpoint_id.is_none_or(|e| r.endpoint_id == e))
        .cloned()
        .collect()
}

/// One summary per (event, endpoint), in order of first attempt.
pub(crate) fn summaries(account: &Account, records: &[DeliveryRecord]) -> Vec<DeliverySummary> {
    let given_up = account.lock().delivery.given_up.clone();
    let mut out: Vec<DeliverySummary> = Vec::new();
    let mut index = std::collections::HashMap::<(String, String), usize>::new();
    for r in records {
        let key = (r.event_id.clone(), r.endpoint_id.clone());
        let i = *index.entry(key).or_insert_with(|| {
            out.push(DeliverySummary {
                event_id: r.event_id.clone(),
                event_type: r.event_type.clone(),
                endpoint_id: r.endpoint_id.clone(),
                attempts: 0,
                statuses: Vec::new(),
                state: "retrying",
                total_latency_ms: 0,
                last_response: String::new(),
            });
            out.len() - 1
        });
        let s = &mut out[i];
        s.attempts += 1;
        s.statuses.push(r.status);
        s.total_latency_ms += r.latency_ms;
        s.last_response = r.response_snippet.clone();
        if r.succeeded() {
            s.state = "delivered";
        }
    }
    for s in &mut out {
        if s.state != "delivered" && given_up.contains(&(s.event_id.clone(), s.endpoint_id.clone()))
        {
            s.state = "given_up";
        }
    }
    out
}

/// The HTML page of the log.
pub(crate) fn html(summaries: &[DeliverySummary], records: &[DeliveryRecord]) -> String {
    let mut body = String::from(
        "<h1>Webhook deliveries</h1>\n<h2>Per event and endpoint</h2>\n<table>\n<thead><tr><th>Event</th><th>Type</th><th>Endpoint</th><th>Attempts</th><th>Statuses</th><th>State</th></tr></thead>\n<tbody>\n",
    );
    for s in summaries {
        let statuses: Vec<String> = s
            .statuses
            .iter()
            .map(|c| c.map_or("—".to_string(), |c| c.to_string()))
            .collect();
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&s.event_id),
            escape(&s.event_type),
            escape(&s.endpoint_id),
            s.attempts,
            escape(&statuses.join(", ")),
            escape(s.state),
        ));
    }
    body.push_str("</tbody>\n</table>\n<h2>Attempts (oldest first)</h2>\n<table>\n<thead><tr><th>Event</th><th>Endpoint</th><th>#</th><th>Status</th><th>Latency</th><th>Fault / error</th><th>Response</th></tr></thead>\n<tbody>\n");
    for r in records {
        let problem = r
            .fault
            .clone()
            .into_iter()
            .chain(r.error.clone())
            .chain(r.duplicate.then(|| "duplicate".to_string()))
            .collect::<Vec<_>>()
            .join("; ");
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ms</td><td>{}</td><td><code>{}</code></td></tr>\n",
            escape(&r.event_id),
            escape(&r.endpoint_id),
            r.attempt,
            r.status.map_or("—".to_string(), |c| c.to_string()),
            r.latency_ms,
            escape(&problem),
            escape(&r.response_snippet),
        ));
    }
    body.push_str("</tbody>\n</table>\n");
    page("Webhook deliveries", &body)
}
