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

use crate::routes;
use crate::state::AppState;

/// The pages' routes, with the form-token cookie and the security headers on each.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route(routes::PRICING_PAGE, get(pricing::show))
        .route(routes::PRICING_CHECKOUT, post(pricing::checkout))
        .route(routes::BILLING_SUCCESS, get(billing::success))
        .route(routes::BILLING_CANCELLED, get(billing::cancelled))
        .route(routes::ACCOUNT_PAGE, get(account::show))
        .route(
            routes::ACCOUNT_BILLING_PORTAL,
            post(account::billing_portal),
        )
        .route(routes::OPS_DASHBOARD, get(dashboard::show))
        .route(routes::OPS_GUIDE, get(dashboard::guide::show))
        .route(
            routes::OPS_DISPUTE_EVIDENCE,
            post(dashboard::disputes::evidence),
        )
        .route(routes::OPS_DISPUTE_CLOSE, post(dashboard::disputes::close))
        .route(
            routes::OPS_FRAUD_WARNING_REFUND,
            post(dashboard::fraud::refund),
        )
        .route(
            routes::OPS_FRAUD_WARNING_IGNORE,
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
