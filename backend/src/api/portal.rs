//! `POST /api/subscription/create-portal-session`: the JSON face of
//! [`crate::flows::portal::open_portal`] (404 `no_billing_profile` for a caller without one).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::edge::extract::ApiJson;
use crate::edge::keys::portal_key;
use crate::edge::limit::{Limited, PortalLimit};
use crate::error::ApiError;
use crate::flows::portal::open_portal;
use crate::state::AppState;

/// The request body.
#[derive(Debug, Deserialize)]
pub struct CreatePortalSession {
    /// Where the portal's "return" link goes; must be within the allowed origins.
    pub return_url: String,
}

/// Creates the session; returns `{url}`.
pub async fn create_portal_session(
    Limited(user): Limited<PortalLimit>,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreatePortalSession>,
) -> Result<Json<Value>, ApiError> {
    let url = open_portal(&state, &user, &req.return_url, &portal_key(&headers)).await?;
    Ok(Json(json!({ "url": url })))
}
