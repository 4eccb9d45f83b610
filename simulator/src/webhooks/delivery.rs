//! Webhook delivery: one worker task per endpoint drains an ordered queue, so first attempts
//! reach each endpoint in canonical order; a failed attempt (non-2xx, timeout, connection
//! error) is retried on the backoff schedule by a separate task, re-signed with a fresh `t`,
//! without holding up later events. Every attempt is logged on the account.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::account::Account;
use crate::app::App;
use crate::clock::wall_now;
use crate::webhooks::signing;

/// Default retry delays after a failed first attempt (fast, for tests).
pub const DEFAULT_RETRY_SCHEDULE: &[Duration] = &[
    Duration::from_millis(200),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(5),
];
/// Default time an endpoint has to answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Characters of the response body kept in the log.
pub const SNIPPET_LEN: usize = 200;

/// One event owed to one endpoint.
#[derive(Debug, Clone)]
pub struct DeliveryJob {
    /// `evt_…`
    pub event_id: String,
    /// `invoice.paid`, …
    pub event_type: String,
    /// `we_…`
    pub endpoint_id: String,
    /// The event JSON exactly as sent (same bytes on every attempt).
    pub body: String,
}

/// One delivery attempt, as shown by `GET /_sim/deliveries`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// `evt_…`
    pub event_id: String,
    /// Event type.
    pub event_type: String,
    /// `we_…`
    pub endpoint_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// HTTP status, `None` when no response arrived.
    pub status: Option<u16>,
    /// Connection error or timeout, if any.
    pub error: Option<String>,
    /// Time to the response.
    pub latency_ms: u64,
    /// Start of the response body.
    pub response_snippet: String,
    /// Unix seconds (wall clock) of the attempt.
    pub delivered_at: i64,
}

impl DeliveryRecord {
    /// Whether the attempt succeeded (any 2xx).
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

enum Outcome {
    Delivered,
    Failed,
    /// The endpoint or account is gone or disabled: stop trying.
    Gone,
}

/// Starts the worker of one endpoint and returns its queue.
pub fn spawn_worker(
    app: Arc<App>,
    account: Weak<Account>,
    endpoint_id: String,
) -> mpsc::UnboundedSender<DeliveryJob> {
    let (tx, mut rx) = mpsc::unbounded_channel::<DeliveryJob>();
    let mut shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        loop {
            let job = tokio::select! {
                job = rx.recv() => job,
                _ = shutdown.changed() => None,
            };
            let Some(job) = job else { break };
            if let Outcome::Failed = attempt(&app, &account, &job, 1).await {
                spawn_retries(app.clone(), account.clone(), job);
            }
        }
        tracing::debug!(endpoint = %endpoint_id, "webhook worker stopped");
    });
    tx
}

fn spawn_retries(app: Arc<App>, account: Weak<Account>, job: DeliveryJob) {
    let schedule: Vec<Duration> = app
        .options
        .retry_schedule
        .clone()
        .unwrap_or_else(|| DEFAULT_RETRY_SCHEDULE.to_vec());
    let mut shutdown = app.shutdown.clone();
    tokio::spawn(async move {
        for (i, delay) in schedule.into_iter().enumerate() {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.changed() => return,
            }
            match attempt(&app, &account, &job, i as u32 + 2).await {
                Outcome::Failed => continue,
                Outcome::Delivered | Outcome::Gone => return,
            }
        }
        tracing::info!(event = %job.event_id, endpoint = %job.endpoint_id, "webhook delivery given up");
    });
}

async fn attempt(app: &App, account: &Weak<Account>, job: &DeliveryJob, n: u32) -> Outcome {
    let Some(acct) = account.upgrade() else {
        return Outcome::Gone;
    };
    let target = {
        let st = acct.lock();
        let endpoint = st.store.get_kind("webhook_endpoint", &job.endpoint_id);
        match (endpoint, st.webhook_secrets.get(&job.endpoint_id)) {
            (Some(we), Some(secret)) if we["status"] == "enabled" => Some((
                we["url"].as_str().unwrap_or_default().to_string(),
                secret.clone(),
            )),
            _ => None,
        }
    };
    let Some((url, secret)) = target else {
        return Outcome::Gone;
    };
    let t = wall_now();
    let sig = signing::header(&[&secret], t, &job.body);
    let timeout = app.options.delivery_timeout.unwrap_or(DEFAULT_TIMEOUT);
    let started = Instant::now();
    let result = app
        .http
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .header("stripe-signature", sig)
        .header(
            "user-agent",
            "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        )
        .timeout(timeout)
        .body(job.body.clone())
        .send()
        .await;
    let (status, error, snippet) = match result {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let text = tokio::time::timeout(timeout, resp.text())
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            (Some(status), None, text.chars().take(SNIPPET_LEN).collect())
        }
        Err(e) => {
            let msg = if e.is_timeout() {
                format!("timed out after {} ms", timeout.as_millis())
            } else {
                format!("connection failed: {e}")
            };
            (None, Some(msg), String::new())
        }
    };
    let record = DeliveryRecord {
        event_id: job.event_id.clone(),
        event_type: job.event_type.clone(),
        endpoint_id: job.endpoint_id.clone(),
        attempt: n,
        status,
        error,
        latency_ms: started.elapsed().as_millis() as u64,
        response_snippet: snippet,
        delivered_at: t,
    };
    let ok = record.succeeded();
    acct.deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(record);
    if ok {
        acct.lock().delivered(&job.event_id);
        Outcome::Delivered
    } else {
        Outcome::Failed
    }
}
