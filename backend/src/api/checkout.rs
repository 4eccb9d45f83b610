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
    let caller_key = caller_key(&headers);
    let started = start_checkout(
        &state,
        &user,
        &CheckoutRequest {
            tier: &req.tier,
            billing_cycle: &req.billing_cycle,
            success_url: &req.success_url,
            cancel_url: &req.cancel_url,
            caller_key: caller_key.as_deref(),
        },
    )
    .await?;
    Ok(Json(
        json!({"url": started.url, "session_id": started.session_id}),
    ))
}

/// The caller's `Idempotency-Key` header (a client retry of one click), sanitised, as `k-…`;
/// `None` without one — then the user's attempt sequence decides (see
/// [`crate::flows::checkout`]).
pub fn caller_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| {
            k.chars()
                .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                .take(64)
                .collect::<String>()
        })
        .filter(|k| !k.is_empty())
        .map(|k| format!("k-{k}"))
}

/// A key for one portal request: the caller's, or a fresh random one.
pub fn portal_key(headers: &HeaderMap) -> String {
    caller_key(headers).unwrap_or_else(|| {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        format!("r-{}", hex::encode(bytes))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_prefer_the_callers_and_never_the_clock() {
        let mut h = HeaderMap::new();
        assert_eq!(caller_key(&h), None);
        assert_ne!(portal_key(&h), portal_key(&h));
        h.insert("idempotency-key", "abc-123/../x".parse().unwrap());
        assert_eq!(caller_key(&h).as_deref(), Some("k-abc-123x"));
        assert_eq!(portal_key(&h), "k-abc-123x");
    }
}
