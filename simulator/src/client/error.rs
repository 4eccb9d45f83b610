//! [`ApiError`]: a call to Stripe's API or to the control plane that failed, with what was
//! answered so a caller can report it or decide on it.

use serde_json::Value;

/// A failed call: a non-2xx answer (its status and Stripe's error body), or no answer at all.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with a non-2xx status and (usually) a Stripe error body.
    #[error("{method} {path} answered HTTP {status}: {body}")]
    Status {
        /// HTTP method.
        method: reqwest::Method,
        /// Request path (with its query string, if any).
        path: String,
        /// HTTP status.
        status: u16,
        /// The answer: Stripe's `{"error": {…}}`, or the body as a JSON string when it was
        /// not JSON.
        body: Value,
    },
    /// The call did not complete (connection, timeout, reading the body).
    #[error("{method} {path} failed: {source}")]
    Transport {
        /// HTTP method.
        method: reqwest::Method,
        /// Request path.
        path: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
}

impl ApiError {
    /// The HTTP status, when the server answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            ApiError::Transport { .. } => None,
        }
    }

    /// The body of a non-2xx answer.
    pub fn body(&self) -> Option<&Value> {
        match self {
            ApiError::Status { body, .. } => Some(body),
            ApiError::Transport { .. } => None,
        }
    }

    /// Stripe's `error.code` (`resource_missing`, `card_declined`, …), when the answer has one.
    pub fn code(&self) -> Option<&str> {
        self.error_field("code")
    }

    /// Stripe's `error.param`: the parameter the error is about, when the answer names one.
    pub fn param(&self) -> Option<&str> {
        self.error_field("param")
    }

    /// Stripe's `error.message`, written for people, when the answer has one.
    pub fn message(&self) -> Option<&str> {
        self.error_field("message")
    }

    /// Stripe's `error.type` (`invalid_request_error`, `card_error`, …), when the answer has
    /// one.
    pub fn error_type(&self) -> Option<&str> {
        self.error_field("type")
    }

    fn error_field(&self, name: &str) -> Option<&str> {
        self.body()?.get("error")?.get(name)?.as_str()
    }
}
