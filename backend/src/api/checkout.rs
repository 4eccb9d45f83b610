//! `POST /api/subscription/create-checkout-session`: the JSON face of
//! [`crate::flows::checkout::start_checkout`] (plan and redirect URLs validated, 409 for a second
//! paid subscription, the user's one Stripe customer reused).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::edge::extract::ApiJson;
use crate::edge::keys::caller_key;
use crate::edge::limit::{CheckoutLimit, Limited};
use crate::error::ApiError;
use crate::flows::checkout::{CheckoutRequest, start_checkout};
use crate::state::AppState;

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
    Limited(user): Limited<CheckoutLimit>,
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
