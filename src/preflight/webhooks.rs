//! §4 Webhook setup: the account has a webhook endpoint for the backend's public URL
//! (`{public}/api/subscription/webhook`), the URL uses HTTPS, the endpoint is enabled, and it
//! subscribes to at least the checklist's events (or `*`).

use serde_json::Value;

use super::Check;
use super::env::Deployment;
use super::stripe::{Account, NOT_OPENED};

/// The events the checklist requires an endpoint to subscribe to.
pub const REQUIRED_EVENTS: &[&str] = &[
    "checkout.session.completed",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "radar.early_fraud_warning.created",
];

/// The events the checklist lists as optional (a WARN when missing).
pub const OPTIONAL_EVENTS: &[&str] = &["radar.early_fraud_warning.updated"];

/// Where the backend receives webhooks, under its public URL: the backend's own constant.
pub use billing::routes::WEBHOOK_PATH;

const URL: &str = "The webhook URL points at the production backend";
const HTTPS: &str = "The webhook URL uses HTTPS";
const EXISTS: &str = "A webhook endpoint for the backend's URL exists in Stripe";
const ENABLED: &str = "The webhook endpoint is enabled";
const EVENTS: &str = "The webhook endpoint subscribes to the checklist's events";

/// Which of `required` and `optional` an endpoint's `enabled_events` lack (`*` lacks none).
pub fn missing_events<'a>(
    enabled: &[String],
    required: &[&'a str],
    optional: &[&'a str],
) -> (Vec<&'a str>, Vec<&'a str>) {
    if enabled.iter().any(|e| e == "*") {
        return (Vec::new(), Vec::new());
    }
    let lacks = |list: &[&'a str]| {
        list.iter()
            .copied()
            .filter(|e| !enabled.iter().any(|x| x == e))
            .collect::<Vec<_>>()
    };
    (lacks(required), lacks(optional))
}

/// The §4 checks.
pub fn checks(d: &Deployment, account: Option<&Account>) -> Vec<Check> {
    let Some(public) = &d.public_url else {
        return vec![
            Check::fail(
                "4",
                "webhook-url",
                URL,
                "the backend's public URL is not known",
                "pass --public-url https://your-domain.com (or set BILLING_PUBLIC_URL)",
            ),
            Check::skip("4", "webhook-endpoint", EXISTS, "no public URL"),
        ];
    };
    let url = format!("{public}{WEBHOOK_PATH}");
    let mut out = Vec::new();
    if url.starts_with("https://") {
        out.push(Check::pass("4", "webhook-https", HTTPS, url.clone()));
    } else {
        out.push(Check::fail(
            "4",
            "webhook-https",
            HTTPS,
            format!("{url} is not HTTPS"),
            "serve the backend over HTTPS and register its https:// URL as the webhook endpoint",
        ));
    }
    let Some(account) = account else {
        out.push(Check::skip("4", "webhook-endpoint", EXISTS, NOT_OPENED));
        return out;
    };
    let same = |e: &&Value| {
        e["url"]
            .as_str()
            .is_some_and(|u| u.trim_end_matches('/').eq_ignore_ascii_case(&url))
    };
    let matching: Vec<&Value> = account.webhook_endpoints.iter().filter(same).collect();
    // Prefer an enabled one when several point at the URL.
    let Some(endpoint) = matching
        .iter()
        .find(|e| e["status"] == "enabled")
        .or(matching.first())
        .copied()
    else {
        let others: Vec<&str> = account
            .webhook_endpoints
            .iter()
            .filter_map(|e| e["url"].as_str())
            .take(3)
            .collect();
        out.push(Check::fail(
            "4",
            "webhook-endpoint",
            EXISTS,
            if others.is_empty() {
                format!("the {} account has no webhook endpoint at all", d.mode_name())
            } else {
                format!(
                    "no endpoint points at {url} (the account's endpoints: {})",
                    others.join(", ")
                )
            },
            format!(
                "in the Stripe Dashboard ({} mode), Developers → Webhooks → Add endpoint: URL {url}, events {}; then put its signing secret in STRIPE_WEBHOOK_SECRET",
                d.mode_name(),
                REQUIRED_EVENTS
                    .iter()
                    .chain(OPTIONAL_EVENTS)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
        return out;
    };
    let id = endpoint["id"].as_str().unwrap_or("?");
    out.push(Check::pass(
        "4",
        "webhook-endpoint",
        EXISTS,
        format!("{id} → {url}"),
    ));
    let status = endpoint["status"].as_str().unwrap_or("unknown");
    if status == "enabled" {
        out.push(Check::pass("4", "webhook-enabled", ENABLED, id));
    } else {
        out.push(Check::fail(
            "4",
            "webhook-enabled",
            ENABLED,
            format!("{id} is {status}: Stripe sends it nothing"),
            format!("enable {id} in the Stripe Dashboard (Developers → Webhooks)"),
        ));
    }
    let enabled: Vec<String> = endpoint["enabled_events"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let (missing, optional) = missing_events(&enabled, REQUIRED_EVENTS, OPTIONAL_EVENTS);
    if !missing.is_empty() {
        out.push(Check::fail(
            "4",
            "webhook-events",
            EVENTS,
            format!("{id} does not subscribe to {}", missing.join(", ")),
            format!(
                "add {} to {id}'s events in the Stripe Dashboard",
                missing.join(", ")
            ),
        ));
    } else if !optional.is_empty() {
        out.push(Check::warn(
            "4",
            "webhook-events",
            EVENTS,
            format!(
                "{id} has every required event but not the optional {}",
                optional.join(", ")
            ),
            format!(
                "add {} so fraud-warning updates reach the backend",
                optional.join(", ")
            ),
        ));
    } else if enabled.iter().any(|e| e == "*") {
        out.push(Check::pass(
            "4",
            "webhook-events",
            EVENTS,
            format!("{id} subscribes to every event (*)"),
        ));
    } else {
        out.push(Check::pass(
            "4",
            "webhook-events",
            EVENTS,
            format!(
                "{id} subscribes to all {} required and optional events",
                REQUIRED_EVENTS.len() + OPTIONAL_EVENTS.len()
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(events: &[&str]) -> Vec<String> {
        events.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn the_event_set_check() {
        let all: Vec<&str> = REQUIRED_EVENTS
            .iter()
            .chain(OPTIONAL_EVENTS)
            .copied()
            .collect();
        assert_eq!(
            missing_events(&list(&all), REQUIRED_EVENTS, OPTIONAL_EVENTS),
            (vec![], vec![])
        );
        assert_eq!(
            missing_events(&list(&["*"]), REQUIRED_EVENTS, OPTIONAL_EVENTS),
            (vec![], vec![])
        );
        assert_eq!(
            missing_events(&list(REQUIRED_EVENTS), REQUIRED_EVENTS, OPTIONAL_EVENTS),
            (vec![], vec!["radar.early_fraud_warning.updated"])
        );
        let (missing, _) = missing_events(
            &list(&["checkout.session.completed", "invoice.paid"]),
            REQUIRED_EVENTS,
            OPTIONAL_EVENTS,
        );
        assert_eq!(missing.len(), 5);
        assert!(!missing.contains(&"checkout.session.completed"));
    }

    #[test]
    fn the_checklist_s_events_are_the_backend_s_subscription() {
        for event in REQUIRED_EVENTS.iter().chain(OPTIONAL_EVENTS) {
            assert!(
                billing::routes::HANDLED_EVENTS.contains(event),
                "the harness's backends do not subscribe to {event}"
            );
        }
    }
}
