//! The one error type of the simulator, rendered once as Stripe's JSON error envelope.
//!
//! `{"error": {"type", "code"?, "decline_code"?, "message", "param"?, "doc_url"?, "charge"?,
//! "payment_intent"?}}` with the HTTP status Stripe uses for that kind of error.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// A Stripe-shaped API error. Each variant knows its HTTP status, `type` and `code`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StripeError {
    /// 400 `parameter_missing`: "Missing required param: x."
    #[error("Missing required param: {param}.")]
    ParameterMissing {
        /// The missing parameter, in bracket notation (`line_items[0][price]`).
        param: String,
    },
    /// 400 `parameter_unknown`: "Received unknown parameter: x"
    #[error("Received unknown parameter: {param}")]
    ParameterUnknown {
        /// The unexpected parameter.
        param: String,
    },
    /// 400 `invalid_request_error` with an optional code and param (bad value, bad shape…).
    #[error("{message}")]
    InvalidRequest {
        /// Stripe error code such as `parameter_invalid_integer`, if any.
        code: Option<&'static str>,
        /// The offending parameter, if any.
        param: Option<String>,
        /// Human readable explanation.
        message: String,
    },
    /// 401: missing, malformed, unknown or live-mode API key.
    #[error("{message}")]
    Unauthorized {
        /// Why the key was refused.
        message: String,
    },
    /// 402 `card_error`: a test card was declined.
    #[error("{message}")]
    Card {
        /// `card_declined`, `expired_card`, `incorrect_cvc`, `processing_error`, `incorrect_number`.
        code: &'static str,
        /// Stripe's `decline_code` (`generic_decline`, `insufficient_funds`, …), if any.
        decline_code: Option<&'static str>,
        /// The card message Stripe shows ("Your card was declined.").
        message: String,
        /// The parameter that carried the card, if any.
        param: Option<String>,
    },
    /// 404 `resource_missing`: "No such customer: 'cus_x'".
    #[error("No such {kind}: '{id}'")]
    ResourceMissing {
        /// Human name of the resource type (`customer`, `price`, `checkout.session`).
        kind: &'static str,
        /// The id that was not found.
        id: String,
        /// The parameter that named it (`id` for path ids).
        param: String,
    },
    /// 404 for unknown routes and wrong methods.
    #[error("Unrecognized request URL ({method}: {path}).")]
    UnrecognizedUrl {
        /// HTTP method of the request.
        method: String,
        /// Path of the request.
        path: String,
    },
    /// 400 `idempotency_error`: key reused with other parameters or on another endpoint.
    #[error("{message}")]
    Idempotency {
        /// Stripe's message naming the key.
        message: String,
    },
    /// 409: a request with the same idempotency key is still in flight.
    #[error("{message}")]
    Conflict {
        /// Explanation.
        message: String,
    },
    /// 408: the request body did not arrive in time (a slow or stalled client).
    #[error("{message}")]
    RequestTimeout {
        /// Explanation.
        message: String,
    },
    /// 413: request body too large.
    #[error("{message}")]
    PayloadTooLarge {
        /// Explanation.
        message: String,
    },
    /// 500 `api_error`: a bug in the simulator (never for caller mistakes).
    #[error("{message}")]
    Api {
        /// Explanation.
        message: String,
    },
    /// Another error with extra fields in its body (a card error's `charge`,
    /// `payment_intent`, `payment_method`).
    #[error("{base}")]
    Decorated {
        /// The error itself (status, type, code, message).
        base: Box<StripeError>,
        /// A JSON object merged into the `error` body.
        extra: Value,
    },
}

impl StripeError {
    /// A 400 `invalid_request_error` about `param` with `message`.
    pub(crate) fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        StripeError::InvalidRequest {
            code: Some("parameter_invalid"),
            param: Some(param.into()),
            message: message.into(),
        }
    }

    /// A 400 `invalid_request_error` not tied to one parameter.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        StripeError::InvalidRequest {
            code: None,
            param: None,
            message: message.into(),
        }
    }

    /// A 404 for an unknown id given in the URL path.
    pub(crate) fn missing(kind: &'static str, id: impl Into<String>) -> Self {
        StripeError::ResourceMissing {
            kind,
            id: id.into(),
            param: "id".into(),
        }
    }

    /// A 404 for an unknown id given in parameter `param`.
    pub(crate) fn missing_param(
        kind: &'static str,
        id: impl Into<String>,
        param: impl Into<String>,
    ) -> Self {
        StripeError::ResourceMissing {
            kind,
            id: id.into(),
            param: param.into(),
        }
    }

    /// The HTTP status Stripe answers this error with.
    pub fn status(&self) -> StatusCode {
        match self {
            StripeError::Decorated { base, .. } => base.status(),
            StripeError::ParameterMissing { .. }
            | StripeError::ParameterUnknown { .. }
            | StripeError::InvalidRequest { .. }
            | StripeError::Idempotency { .. } => StatusCode::BAD_REQUEST,
            StripeError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            StripeError::Card { .. } => StatusCode::PAYMENT_REQUIRED,
            StripeError::ResourceMissing { .. } | StripeError::UnrecognizedUrl { .. } => {
                StatusCode::NOT_FOUND
            }
            StripeError::Conflict { .. } => StatusCode::CONFLICT,
            StripeError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            StripeError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            StripeError::Api { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether Stripe would store this outcome under an idempotency key. Validation failures
    /// (400s) and conflicts are not stored; card declines and server errors are.
    pub(crate) fn is_stored_for_idempotency(&self) -> bool {
        if let StripeError::Decorated { base, .. } = self {
            return base.is_stored_for_idempotency();
        }
        matches!(self, StripeError::Card { .. } | StripeError::Api { .. })
    }

    /// The `{"error": {…}}` body.
    pub fn body(&self) -> Value {
        if let StripeError::Decorated { base, extra } = self {
            let mut body = base.body();
            if let (Some(e), Some(x)) = (body["error"].as_object_mut(), extra.as_object()) {
                for (k, v) in x {
                    e.insert(k.clone(), v.clone());
                }
            }
            return body;
        }
        let mut e = Map::new();
        let (typ, code, param): (&str, Option<&str>, Option<&str>) = match self {
            StripeError::ParameterMissing { param } => (
                "invalid_request_error",
                Some("parameter_missing"),
                Some(param),
            ),
            StripeError::ParameterUnknown { param } => (
                "invalid_request_error",
                Some("parameter_unknown"),
                Some(param),
            ),
            StripeError::InvalidRequest { code, param, .. } => {
                ("invalid_request_error", *code, param.as_deref())
            }
            StripeError::Unauthorized { .. } => ("invalid_request_error", None, None),
            StripeError::Card {
                code,
                decline_code,
                param,
                ..
            } => {
                if let Some(d) = decline_code {
                    e.insert("decline_code".into(), json!(d));
                }
                ("card_error", Some(*code), param.as_deref())
            }
            StripeError::ResourceMissing { param, .. } => (
                "invalid_request_error",
                Some("resource_missing"),
                Some(param),
            ),
            StripeError::UnrecognizedUrl { .. } => ("invalid_request_error", None, None),
            StripeError::Idempotency { .. } => ("idempotency_error", None, None),
            StripeError::Conflict { .. } => ("invalid_request_error", Some("lock_timeout"), None),
            StripeError::RequestTimeout { .. } | StripeError::PayloadTooLarge { .. } => {
                ("invalid_request_error", None, None)
            }
            StripeError::Api { .. } => ("api_error", None, None),
            StripeError::Decorated { .. } => ("api_error", None, None),
        };
        e.insert("type".into(), json!(typ));
        if let Some(code) = code {
            e.insert("code".into(), json!(code));
            e.insert(
                "doc_url".into(),
                json!(format!(
                    "https://stripe.com/docs/error-codes/{}",
                    code.replace('_', "-")
                )),
            );
        }
        e.insert("message".into(), json!(self.to_string()));
        if let Some(p) = param {
            e.insert("param".into(), json!(p));
        }
        json!({ "error": Value::Object(e) })
    }
}

impl IntoResponse for StripeError {
    fn into_response(self) -> Response {
        (self.status(), axum::Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_param_shape() {
        let e = StripeError::ParameterMissing {
            param: "name".into(),
        };
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let b = e.body();
        assert_eq!(b["error"]["code"], "parameter_missing");
        assert_eq!(b["error"]["param"], "name");
        assert_eq!(b["error"]["message"], "Missing required param: name.");
        assert_eq!(b["error"]["type"], "invalid_request_error");
    }

    #[test]
    fn card_error_shape() {
        let e = StripeError::Card {
            code: "card_declined",
            decline_code: Some("generic_decline"),
            message: "Your card was declined.".into(),
            param: None,
        };
        assert_eq!(e.status(), StatusCode::PAYMENT_REQUIRED);
        let b = e.body();
        assert_eq!(b["error"]["type"], "card_error");
        assert_eq!(b["error"]["decline_code"], "generic_decline");
    }

    #[test]
    fn resource_missing_and_unknown_url_messages() {
        let e = StripeError::missing("customer", "cus_x");
        assert_eq!(e.body()["error"]["message"], "No such customer: 'cus_x'");
        assert_eq!(e.body()["error"]["param"], "id");
        let e = StripeError::UnrecognizedUrl {
            method: "GET".into(),
            path: "/v1/x".into(),
        };
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            e.body()["error"]["message"],
            "Unrecognized request URL (GET: /v1/x)."
        );
    }
}
