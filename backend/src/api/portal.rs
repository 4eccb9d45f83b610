//! `POST /api/subscription/create-portal-session`: a Customer Portal session for the caller's
//! Stripe customer; 404 `no_billing_profile` when the caller has none (never a 500).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::checkout::attempt_bucket;
use super::extract::ApiJson;
use crate::config::url_within_origins;
use crate::db::subscriptions;
use crate::error::ApiError;
use crate::ratelimit::{Limited, PortalLimit};
use crate::stripe::api;

/// The request body.
#[derive(Debug, Deserialize)]
pub struct CreatePortalSession {
    /// Where the portal's "return" link goes; must be within the allowed origins.
    pub return_url: String,
}

/// Creates the session; returns `{url}`.
pub async fn create_portal_session(
    Limited(user, _): Limited<PortalLimit>,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreatePortalSession>,
) -> Result<Json<Value>, ApiError> {
    let origins = &state.config.allowed_redirect_origins;
    if !url_within_origins(&req.return_url, origins) {
        return Err(ApiError::bad_request(
            "invalid_redirect_url",
            format!(
                "return_url must start with one of the allowed origins: {}.",
                origins.join(", ")
            ),
        ));
    }
    let customer = subscriptions::get_by_user(&state.pool, &user.user_id)
        .await?
        .and_then(|r| r.stripe_customer_id);
    let Some(customer) = customer else {
        return Err(ApiError::NotFound {
            code: "no_billing_profile",
            message: "You have no billing profile yet; subscribe to a plan first.".into(),
        });
    };
    let session = api::create_portal_session(
        &state.stripe,
        &customer,
        &req.return_url,
        &attempt_bucket(&headers),
    )
    .await?;
    tracing::info!(user_id = %user.user_id, customer_id = %customer, portal_session_id = %session.id, "portal session created");
    Ok(Json(json!({"url": session.url})))
}
