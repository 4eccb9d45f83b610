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

use crate::routes;
use crate::state::AppState;
use crate::webhook::{self, MAX_BODY_BYTES};

/// The JSON routes, at their full paths (`billing::routes`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            routes::CHECKOUT_SESSION,
            post(checkout::create_checkout_session),
        )
        .route(routes::PORTAL_SESSION, post(portal::create_portal_session))
        .route(routes::STATUS, get(status::status))
        .route(routes::PLANS, get(plans::plans))
        .route(routes::DISPUTES, get(disputes::list))
        .route(routes::DISPUTE, get(disputes::detail))
        .route(routes::DISPUTE_EVIDENCE, post(disputes::evidence))
        .route(routes::DISPUTE_CLOSE, post(disputes::close))
        .route(routes::FRAUD_WARNINGS, get(fraud::list))
        .route(routes::FRAUD_WARNING, get(fraud::detail))
        .route(routes::FRAUD_WARNING_REFUND, post(fraud::refund))
        .route(routes::FRAUD_WARNING_IGNORE, post(fraud::ignore))
        .route(
            routes::WEBHOOK_PATH,
            post(webhook::handler::receive).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
}

/// `GET /healthz` and `GET /metrics`, outside the JSON routes' prefix.
pub fn operations() -> Router<AppState> {
    Router::new()
        .route(routes::HEALTHZ, get(health::healthz))
        .route(routes::METRICS, get(health::metrics))
}
