//! The application: the JSON API ([`crate::api`]) under its prefix, the pages
//! ([`crate::pages`]), `/healthz` and `/metrics`, JSON answers for unknown routes (404) and
//! methods (405), the request-body limit, and the request span on every route
//! ([`crate::edge::request_span`]). The only module that knows every face of the backend.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn;

use crate::api;
use crate::edge::request_span;
use crate::error::ApiError;
use crate::pages;
use crate::state::AppState;

/// Builds the application router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(pages::router(state.clone()))
        .merge(api::operations())
        .route_layer(from_fn(request_span::matched_path))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // JSON request bodies of the user routes are small; the webhook reads its own body.
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(from_fn(request_span::layer))
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
