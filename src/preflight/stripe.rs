//! Opens the deployment's Stripe account with its `STRIPE_SECRET_KEY` at its `STRIPE_API_BASE`
//! (real Stripe, or the simulator in tests), by listing its webhook endpoints — which §4 needs
//! anyway. An unreachable API or a refused key is one FAIL line with the cause; the checks that
//! need the account are then reported as not run.

use std::time::Duration;

use billing::config::redact;
use serde_json::Value;
use stripe_sim::client::{ApiError, Stripe};

use super::env::Deployment;
use super::{Check, error_chain};

/// The account, opened.
#[derive(Debug, Clone)]
pub struct Account {
    /// A client with the deployment's key.
    pub client: Stripe,
    /// Every webhook endpoint of the account.
    pub webhook_endpoints: Vec<Value>,
}

const TITLE: &str = "STRIPE_SECRET_KEY opens the Stripe account";

/// Why a key cannot be used, as the account check's reason for not running the others.
pub const NOT_OPENED: &str = "the Stripe account could not be opened (see item 1)";

/// Opens the account: the item-1 check saying whether it worked, and the account if it did.
pub async fn open(d: &Deployment, timeout: Duration) -> (Check, Option<Account>) {
    let Some(key) = d.get("STRIPE_SECRET_KEY") else {
        return (
            Check::skip("1", "stripe-account", TITLE, "STRIPE_SECRET_KEY is not set"),
            None,
        );
    };
    let http = match reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            return (
                Check::fail(
                    "1",
                    "stripe-account",
                    TITLE,
                    format!("cannot build an HTTP client: {}", error_chain(&e)),
                    "check the machine's TLS set-up",
                ),
                None,
            );
        }
    };
    let client = Stripe::new(http, &d.api_base, key);
    let mut endpoints = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => "/v1/webhook_endpoints?limit=100".to_string(),
            Some(id) => format!("/v1/webhook_endpoints?limit=100&starting_after={id}"),
        };
        let page = match client.get(&path).await {
            Ok(page) => page,
            Err(e) => return (account_failure(d, key, &e), None),
        };
        let data = page["data"].as_array().cloned().unwrap_or_default();
        after = data
            .last()
            .and_then(|e| e["id"].as_str())
            .map(str::to_string);
        endpoints.extend(data);
        if page["has_more"] != Value::Bool(true) || after.is_none() {
            break;
        }
    }
    (
        Check::pass(
            "1",
            "stripe-account",
            TITLE,
            format!("{} answers to {}", d.api_base, redact(key)),
        ),
        Some(Account {
            client,
            webhook_endpoints: endpoints,
        }),
    )
}

fn account_failure(d: &Deployment, key: &str, e: &ApiError) -> Check {
    let shown = redact(key);
    let (detail, fix) = match e {
        ApiError::Transport { source, .. } => (
            format!(
                "the Stripe API at {} cannot be reached: {}",
                d.api_base,
                error_chain(source)
            ),
            "check STRIPE_API_BASE (unset it for https://api.stripe.com) and this machine's network or proxy".to_string(),
        ),
        ApiError::Status { status: 401, .. } => (
            format!("Stripe refused the key {shown} (HTTP 401): {}", describe(e)),
            "copy a current secret key from the Stripe Dashboard (Developers → API keys) into STRIPE_SECRET_KEY; a rolled or deleted key stops working".to_string(),
        ),
        ApiError::Status { status: 403, .. } => (
            format!("the key {shown} may not read webhook endpoints (HTTP 403): {}", describe(e)),
            "give the restricted key read access to Webhook Endpoints and Prices, or use the secret key".to_string(),
        ),
        ApiError::Status { status, .. } => (
            format!("the Stripe API at {} answered HTTP {status}: {}", d.api_base, describe(e)),
            "check STRIPE_API_BASE and Stripe's status page, then run the preflight again".to_string(),
        ),
    };
    Check::fail("1", "stripe-account", TITLE, detail, fix)
}

/// Stripe's own error message, or the transport error's cause.
pub fn describe(e: &ApiError) -> String {
    match e {
        ApiError::Status { status, .. } => e.message().map(str::to_string).unwrap_or_else(|| {
            format!("HTTP {status} with no Stripe error in the answer (is STRIPE_API_BASE Stripe's API?)")
        }),
        ApiError::Transport { source, .. } => error_chain(source),
    }
}
