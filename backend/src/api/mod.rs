//! The JSON API: its routes under `/api/subscription` ([`routes`]) and one module per
//! resource. Every route follows authenticate (401) → authorize (403) → rate limit (429, where
//! limited) → validate (400/422) → act, and every error is JSON via
//! [`crate::error::ApiError`]. [`crate::router`] joins it with the pages.

pub mod admin;
pub mod checkout;
pub mod disputes;
pub mod fraud;
pub mod health;
pub mod plans;
pub mod portal;
pub mod status;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::AppState;
use crate::webhook::{self, MAX_BODY_BYTES};

/// The path prefix of every JSON route.
pub const PREFIX: &str = "/api/subscription";

/// The JSON routes, relative to [`PREFIX`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/create-checkout-session",
            post(checkout::create_checkout_session),
        )
        .route(
            "/create-portal-session",
            post(portal::create_portal_session),
        )
        .route("/status", get(status::status))
        .route("/plans", get(plans::plans))
        .route("/disputes", get(disputes::list))
        .route("/disputes/{id}", get(disputes::detail))
        .route("/disputes/{id}/evidence", post(disputes::evidence))
        .route("/disputes/{id}/close", post(disputes::close))
        .route("/fraud-warnings", get(fraud::list))
        .route("/fraud-warnings/{id}", get(fraud::detail))
        .route("/fraud-warnings/{id}/refund", post(fraud::refund))
        .route("/fraud-warnings/{id}/ignore", post(fraud::ignore))
        .route(
            "/webhook",
            post(webhook::handler::receive).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
}

/// `GET /healthz` and `GET /metrics`, outside the prefix.
pub fn operations() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
}
