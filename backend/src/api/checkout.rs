//! `POST /api/subscription/create-checkout-session`: the JSON face of
//! [`crate::flows::checkout::start_checkout`] (plan and redirect URLs validated, 409 for a second
//! paid subscription, the user's one Stripe customer reused).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::extract::ApiJson;
use crate::error::ApiError;
use crate::flows::checkout::{CheckoutRequest, start_checkout};
use crate::ratelimit::{CheckoutLimit, Limited};

/// The request body.
#[derive(Debug, Deserialize)]
pub struct CreateCheckoutSession {
    /// `basic`, `pro`, …
    pub tier: String,
    /// `monthly` or `yearly`.
    pub billing_cycle: String,
    /// Where to return after paying.
    pub success_url: String,
    /// Where to return on cancel.
    pub cancel_url: String,
}

/// Creates the session; returns `{url, session_id}`.
pub async fn create_checkout_session(
    Limited(user, _): Limited<CheckoutLimit>,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateCheckoutSession>,
) -> Result<Json<Value>, ApiError> {
    let attempt = attempt_bucket(&headers);
    let started = start_checkout(
        &state,
        &user,
        &CheckoutRequest {
            tier: &req.tier,
            billing_cycle: &req.billing_cycle,
            success_url: &req.success_url,
            cancel_url: &req.cancel_url,
            attempt: &attempt,
        },
    )
    .await?;
    Ok(Json(
        json!({"url": started.url, "session_id": started.session_id}),
    ))
}

/// The caller's `Idempotency-Key` header (a client retry of one click), or else the current
/// minute: repeats within a minute reuse one Checkout Session.
pub fn attempt_bucket(headers: &HeaderMap) -> String {
    if let Some(k) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| {
            k.chars()
                .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                .take(64)
                .collect::<String>()
        })
        .filter(|k| !k.is_empty())
    {
        return format!("k-{k}");
    }
    let minute = time::OffsetDateTime::now_utc().unix_timestamp() / 60;
    format!("m-{minute}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_prefers_the_callers_key() {
        let mut h = HeaderMap::new();
        assert!(attempt_bucket(&h).starts_with("m-"));
        h.insert("idempotency-key", "abc-123/../x".parse().unwrap());
        assert_eq!(attempt_bucket(&h), "k-abc-123x");
    }
}
