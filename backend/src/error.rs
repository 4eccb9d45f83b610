//! The one HTTP error type. Every handler returns [`ApiError`]; it is mapped to a status and a
//! JSON body `{"error":{"code","message"}}` here, once. Internal and Stripe details are logged,
//! never sent: Stripe failures become 502 `stripe_unavailable` / `stripe_error`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::stripe::StripeError;

/// An error answered to an HTTP caller.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no or invalid credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// 400 with a stable code and a caller-safe message.
    #[error("{code}: {message}")]
    BadRequest {
        /// Stable machine code.
        code: &'static str,
        /// Caller-safe text.
        message: String,
    },
    /// 422: well-formed JSON with invalid content.
    #[error("{code}: {message}")]
    Unprocessable {
        /// Stable machine code.
        code: &'static str,
        /// Caller-safe text.
        message: String,
    },
    /// 404.
    #[error("{code}: {message}")]
    NotFound {
        /// Stable machine code.
        code: &'static str,
        /// Caller-safe text.
        message: String,
    },
    /// 405 for a known path with the wrong method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the request conflicts with current state.
    #[error("{code}: {message}")]
    Conflict {
        /// Stable machine code.
        code: &'static str,
        /// Caller-safe text.
        message: String,
    },
    /// 429: over the per-user rate limit; answered with `Retry-After`.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until an attempt will be accepted.
        retry_after_secs: u64,
    },
    /// 413: body over the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 408: the body did not arrive within the body read timeout.
    #[error("request body timeout")]
    RequestTimeout,
    /// 502: Stripe failed; details logged only.
    #[error("stripe: {0}")]
    Stripe(#[from] StripeError),
    /// 503: the database is unavailable (health checks).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// 500: a database error; logged only.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// 500: any other internal failure; logged only.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    /// The error for a request body that could not be read: 408 when it came too slowly,
    /// else 413 (over the size limit, or the connection failed while reading).
    pub fn body_unreadable(err: &(dyn std::error::Error + 'static)) -> ApiError {
        if crate::server::is_body_timeout(err) {
            ApiError::RequestTimeout
        } else {
            ApiError::PayloadTooLarge
        }
    }

    /// A 400 with `code` and `message`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// The status and stable code this error maps to.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            ApiError::NotFound { code, .. } => (StatusCode::NOT_FOUND, code),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Stripe(e) if e.is_unavailable() => {
                (StatusCode::BAD_GATEWAY, "stripe_unavailable")
            }
            ApiError::Stripe(_) => (StatusCode::BAD_GATEWAY, "stripe_error"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
            ApiError::Database(_) | ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
            }
        }
    }

    /// The caller-facing message (never Stripe's or the database's own text).
    fn public_message(&self) -> String {
        match self {
            ApiError::Unauthorized(m) => m.clone(),
            ApiError::Forbidden => "You are not allowed to do this.".into(),
            ApiError::BadRequest { message, .. }
            | ApiError::Unprocessable { message, .. }
            | ApiError::NotFound { message, .. }
            | ApiError::Conflict { message, .. } => message.clone(),
            ApiError::MethodNotAllowed => "Method not allowed for this path.".into(),
            ApiError::PayloadTooLarge => "The request body is too large.".into(),
            ApiError::RequestTimeout => "The request body did not arrive in time.".into(),
            ApiError::RateLimited { retry_after_secs } => {
                format!("Too many requests; try again in {retry_after_secs} s.")
            }
            ApiError::Stripe(e) if e.is_unavailable() => {
                "The payment provider is unavailable; please try again shortly.".into()
            }
            ApiError::Stripe(_) => "The payment provider rejected the request.".into(),
            ApiError::Unavailable(_) => "The service is temporarily unavailable.".into(),
            ApiError::Database(_) | ApiError::Internal(_) => "An internal error occurred.".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            ApiError::Stripe(e) => tracing::error!(error = %e, code, "Stripe call failed"),
            ApiError::Database(_) | ApiError::Internal(_) | ApiError::Unavailable(_) => {
                tracing::error!(error = %self, "internal error")
            }
            _ => {}
        }
        let body = json!({"error": {"code": code, "message": self.public_message()}});
        let mut response = (status, Json(body)).into_response();
        if let ApiError::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stripe::StripeApiErrorBody;

    #[test]
    fn stripe_errors_map_to_502_without_stripe_text() {
        let e = ApiError::Stripe(StripeError::Api {
            status: 400,
            body: Box::new(StripeApiErrorBody {
                kind: "invalid_request_error".into(),
                message: Some("No such price: 'price_secret'".into()),
                ..Default::default()
            }),
            request_id: None,
        });
        assert_eq!(
            e.status_and_code(),
            (StatusCode::BAD_GATEWAY, "stripe_error")
        );
        assert!(!e.public_message().contains("price_secret"));
        let e = ApiError::Stripe(StripeError::Transport("connection failed".into()));
        assert_eq!(
            e.status_and_code(),
            (StatusCode::BAD_GATEWAY, "stripe_unavailable")
        );
        let e = ApiError::Internal("db password wrong".into());
        assert!(!e.public_message().contains("password"));
    }
}
