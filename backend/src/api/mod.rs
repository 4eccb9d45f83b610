//! The HTTP API: shared [`AppState`], the router, and one module per
//! resource. Every route follows authenticate (401) → authorize (403) → validate (400/422) →
//! act, and every error is JSON via [`crate::error::ApiError`].

pub mod admin;
pub mod checkout;
pub mod disputes;
pub mod extract;
pub mod fraud;
pub mod health;
pub mod plans;
pub mod portal;
pub mod status;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post};
use sqlx::PgPool;

use crate::alerts::Alerter;
use crate::auth::Authenticator;
use crate::config::{AdminConfig, Config};
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::ratelimit::Limiters;
use crate::stripe::StripeClient;
use crate::webhook::apply::WebhookContext;
use crate::webhook::{self, MAX_BODY_BYTES};

/// State shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Database pool.
    pub pool: PgPool,
    /// Validated configuration.
    pub config: Arc<Config>,
    /// Verifies bearer tokens.
    pub auth: Arc<Authenticator>,
    /// Stripe client.
    pub stripe: StripeClient,
    /// What webhook processing needs.
    pub webhook: Arc<WebhookContext>,
    /// Who is an admin.
    pub admin: Arc<AdminConfig>,
    /// Per-user, per-endpoint rate limiters.
    pub limiters: Arc<Limiters>,
    /// Prometheus counters.
    pub metrics: Arc<Metrics>,
    /// Alert sender.
    pub alerts: Arc<Alerter>,
}

impl FromRef<AppState> for Arc<Authenticator> {
    fn from_ref(state: &AppState) -> Arc<Authenticator> {
        state.auth.clone()
    }
}

impl FromRef<AppState> for Arc<AdminConfig> {
    fn from_ref(state: &AppState) -> Arc<AdminConfig> {
        state.admin.clone()
    }
}

/// Builds the application router.
pub fn router(state: AppState) -> Router {
    let subscription = Router::new()
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
        );
    Router::new()
        .nest("/api/subscription", subscription)
        .merge(crate::pages::router(state.clone()))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // JSON request bodies of the user routes are small; the webhook reads its own body.
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound {
        code: "not_found",
        message: "No such route.".into(),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
