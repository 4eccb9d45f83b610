//! Prometheus counters, rendered at `GET /metrics` in the text
//! exposition format. A tiny registry without a dependency: counters keyed by name and label
//! values, all declared in [`COUNTERS`] with their help text.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Webhook events by `type` and `outcome` (`applied`, `ignored:…`, `duplicate`, `failed`,
/// `rejected`).
pub const WEBHOOK_EVENTS: &str = "billing_webhook_events_total";
/// Requests refused by the rate limiter, by `endpoint`.
pub const RATE_LIMITED: &str = "billing_rate_limited_requests_total";
/// Dispute events applied, by `type`.
pub const DISPUTES: &str = "billing_dispute_events_total";
/// Early fraud warning events applied, by `type`.
pub const FRAUD_WARNINGS: &str = "billing_early_fraud_warning_events_total";
/// Failed Stripe API calls, by `kind` (`unavailable`, `rejected`, `decode`).
pub const STRIPE_ERRORS: &str = "billing_stripe_api_errors_total";
/// Alerts posted, by `kind` and `result` (`sent`, `failed`).
pub const ALERTS: &str = "billing_alerts_total";
/// Admin actions on disputes and fraud warnings, by `action`.
pub const ADMIN_ACTIONS: &str = "billing_admin_actions_total";
/// Rate-limit checks the shared store (Redis) could not answer, so this process's own budget
/// decided, by `endpoint`.
pub const RATE_LIMIT_STORE_ERRORS: &str = "billing_rate_limit_store_errors_total";

/// Every counter with its help text and label names.
pub const COUNTERS: &[(&str, &str, &[&str])] = &[
    (
        WEBHOOK_EVENTS,
        "Stripe webhook deliveries by event type and outcome.",
        &["type", "outcome"],
    ),
    (
        RATE_LIMITED,
        "Requests refused with 429 by the per-user rate limiter.",
        &["endpoint"],
    ),
    (DISPUTES, "Dispute events applied, by type.", &["type"]),
    (
        FRAUD_WARNINGS,
        "Early fraud warning events applied, by type.",
        &["type"],
    ),
    (STRIPE_ERRORS, "Failed Stripe API calls.", &["kind"]),
    (
        ALERTS,
        "Alerts posted to ALERT_WEBHOOK_URL.",
        &["kind", "result"],
    ),
    (
        ADMIN_ACTIONS,
        "Admin actions on disputes and early fraud warnings.",
        &["action"],
    ),
    (
        RATE_LIMIT_STORE_ERRORS,
        "Rate-limit checks decided by the process's own budget because Redis did not answer.",
        &["endpoint"],
    ),
];

/// The process's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    counters: Mutex<BTreeMap<(&'static str, Vec<String>), u64>>,
}

impl Metrics {
    /// Adds one to counter `name` with `labels` (values in the declared label order).
    pub fn inc(&self, name: &'static str, labels: &[&str]) {
        let key = (name, labels.iter().map(|l| l.to_string()).collect());
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        *c.entry(key).or_insert(0) += 1;
    }

    /// The current value of one counter series (0 if never incremented).
    pub fn get(&self, name: &str, labels: &[&str]) -> u64 {
        let c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        c.iter()
            .find(|((n, l), _)| {
                *n == name && l.iter().map(String::as_str).eq(labels.iter().copied())
            })
            .map(|(_, v)| *v)
            .unwrap_or(0)
    }

    /// Renders every counter in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        for (name, help, label_names) in COUNTERS {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for ((n, values), v) in c.iter() {
                if n != name {
                    continue;
                }
                let labels: Vec<String> = label_names
                    .iter()
                    .zip(values)
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                let _ = writeln!(out, "{name}{{{}}} {v}", labels.join(","));
            }
        }
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.inc(WEBHOOK_EVENTS, &["invoice.paid", "applied"]);
        m.inc(WEBHOOK_EVENTS, &["invoice.paid", "applied"]);
        m.inc(RATE_LIMITED, &["create-checkout-session"]);
        let text = m.render();
        assert!(text.contains("# TYPE billing_webhook_events_total counter"));
        assert!(
            text.contains(
                "billing_webhook_events_total{type=\"invoice.paid\",outcome=\"applied\"} 2"
            )
        );
        assert!(text.contains(
            "billing_rate_limited_requests_total{endpoint=\"create-checkout-session\"} 1"
        ));
        assert_eq!(m.get(WEBHOOK_EVENTS, &["invoice.paid", "applied"]), 2);
        assert_eq!(escape("a\"b"), "a\\\"b");
    }
}
