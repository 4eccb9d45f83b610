//! The pages people click, served by the backend as server-rendered HTML (maud templates, no
//! script): `/pricing`, `/billing/success`, `/billing/cancelled`, `/account`, and the admins'
//! `/stripe-disputes` dashboard with its Ops Guide. Every page knows the caller the way the
//! API does ([`session`]), runs the same code as the API for every action
//! ([`crate::flows`]), and shares one layout, one error style and one set of security
//! headers ([`render`]).

pub mod account;
pub mod billing;
pub mod dashboard;
pub mod pricing;
pub mod render;
pub mod session;

use axum::Router;
use axum::http::header;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::state::AppState;

/// The pages' routes, with the form-token cookie and the security headers on each.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/pricing", get(pricing::show))
        .route("/pricing/checkout", post(pricing::checkout))
        .route("/billing/success", get(billing::success))
        .route("/billing/cancelled", get(billing::cancelled))
        .route("/account", get(account::show))
        .route("/account/billing-portal", post(account::billing_portal))
        .route("/stripe-disputes", get(dashboard::show))
        .route("/stripe-disputes/guide", get(dashboard::guide::show))
        .route(
            "/stripe-disputes/disputes/{id}/evidence",
            post(dashboard::disputes::evidence),
        )
        .route(
            "/stripe-disputes/disputes/{id}/close",
            post(dashboard::disputes::close),
        )
        .route(
            "/stripe-disputes/fraud-warnings/{id}/refund",
            post(dashboard::fraud::refund),
        )
        .route(
            "/stripe-disputes/fraud-warnings/{id}/ignore",
            post(dashboard::fraud::ignore),
        )
        .route(render::STYLESHEET_PATH, get(stylesheet))
        .layer(from_fn_with_state(state.clone(), session::csrf_cookie))
        .layer(from_fn_with_state(state, render::security_headers))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        render::STYLESHEET,
    )
}
