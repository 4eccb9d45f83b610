//! Alerts posted as Slack-compatible JSON (`{"text": …}`) to
//! `ALERT_WEBHOOK_URL`: on every webhook processing failure, and when disputes or early fraud
//! warnings recorded within the configured window exceed their threshold (at most one such
//! alert per kind per window, across every replica: the window is claimed in PostgreSQL). Posting happens in the background and never delays or fails the
//! request that triggered it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;

use crate::config::AlertConfig;
use crate::metrics::{ALERTS, Metrics};

/// Sends alerts.
#[derive(Debug)]
pub struct Alerter {
    config: AlertConfig,
    http: reqwest::Client,
    metrics: Arc<Metrics>,
}

/// What a threshold alert counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Rows in `disputes` created in the window.
    Disputes,
    /// Rows in `fraud_warnings` created in the window.
    FraudWarnings,
}

impl Alerter {
    /// An alerter for `config` (disabled when no URL is configured).
    pub fn new(config: AlertConfig, metrics: Arc<Metrics>) -> Alerter {
        Alerter {
            config,
            http: crate::http_client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            metrics,
        }
    }

    /// A webhook event failed to process (Stripe will retry it).
    pub fn webhook_failed(&self, event_id: &str, event_type: &str, error: &str) {
        let text = format!(
            ":rotating_light: Stripe webhook processing failed: event {event_id} ({event_type}): {}. Stripe will retry; see stripe_events.last_error.",
            error.chars().take(300).collect::<String>()
        );
        self.post("webhook_failure", text);
    }

    /// A webhook event can never apply (answered 2xx, so Stripe will not retry it).
    pub fn webhook_unprocessable(&self, event_id: &str, event_type: &str, error: &str) {
        let text = format!(
            ":warning: Stripe webhook event {event_id} ({event_type}) can never apply: {}. It was answered 2xx so Stripe stops retrying; fix the cause (e.g. the price mapping) and resend it from the Dashboard. See stripe_events (status unprocessable).",
            error.chars().take(300).collect::<String>()
        );
        self.post("webhook_unprocessable", text);
    }

    /// Counts recent rows of `what` and alerts when the count exceeds its threshold.
    pub async fn check_threshold(&self, pool: &PgPool, what: Counted) {
        if self.config.webhook_url.is_none() {
            return;
        }
        let (kind, table, threshold, label) = match what {
            Counted::Disputes => (
                "dispute_threshold",
                "disputes",
                self.config.dispute_threshold,
                "disputes",
            ),
            Counted::FraudWarnings => (
                "efw_threshold",
                "fraud_warnings",
                self.config.efw_threshold,
                "early fraud warnings",
            ),
        };
        let sql = format!(
            "SELECT count(*) FROM {table} WHERE created_at > now() - make_interval(secs => $1)"
        );
        let count = match sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .bind(self.config.window_secs as f64)
            .fetch_one(pool)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "counting for alert thresholds failed");
                return;
            }
        };
        if count <= i64::from(threshold) {
            return;
        }
        match claim_window(pool, kind, self.config.window_secs).await {
            Ok(true) => {}
            // Another replica (or an earlier check) alerted within this window.
            Ok(false) => return,
            Err(e) => {
                tracing::error!(error = %e, alert = kind, "claiming the alert window failed");
                return;
            }
        }
        let text = format!(
            ":warning: {count} {label} in the last {} s (threshold {threshold}).",
            self.config.window_secs
        );
        self.post(kind, text);
    }

    fn post(&self, kind: &'static str, text: String) {
        tracing::warn!(alert = kind, text = %text, "alert");
        let Some(url) = self.config.webhook_url.clone() else {
            return;
        };
        let http = self.http.clone();
        let metrics = self.metrics.clone();
        tokio::spawn(async move {
            let body = json!({"text": text, "alert": kind});
            let result = match http.post(&url).json(&body).send().await {
                Ok(r) if r.status().is_success() => "sent",
                Ok(r) => {
                    tracing::error!(
                        alert = kind,
                        status = r.status().as_u16(),
                        "alert sink refused"
                    );
                    "failed"
                }
                Err(e) => {
                    tracing::error!(alert = kind, error = %e, "alert sink unreachable");
                    "failed"
                }
            };
            metrics.inc(ALERTS, &[kind, result]);
        });
    }
}

/// Claims the current window for `kind`: true for exactly one caller per window, whichever
/// replica it runs in (one conditional upsert, atomic in PostgreSQL).
async fn claim_window(pool: &PgPool, kind: &str, window_secs: u64) -> Result<bool, sqlx::Error> {
    let claimed: Option<String> = sqlx::query_scalar(
        "INSERT INTO alert_windows (kind, last_sent_at) VALUES ($1, now())
         ON CONFLICT (kind) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at
             WHERE alert_windows.last_sent_at <= now() - make_interval(secs => $2)
         RETURNING kind",
    )
    .bind(kind)
    .bind(window_secs as f64)
    .fetch_optional(pool)
    .await?;
    Ok(claimed.is_some())
}
