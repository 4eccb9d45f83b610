//! Typed Stripe failures. The raw Stripe message is kept for logs only; the HTTP edge maps a
//! [`StripeError`] to a stable code and never shows Stripe's text to callers.

use serde::Deserialize;

/// Stripe's error body: `{"error": {"type", "code", "message", "param", "decline_code"}}`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct StripeApiErrorBody {
    /// `invalid_request_error`, `card_error`, `idempotency_error`, `api_error`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Machine code such as `resource_missing` or `card_declined`.
    #[serde(default)]
    pub code: Option<String>,
    /// Human text from Stripe (logged, never returned to our callers).
    #[serde(default)]
    pub message: Option<String>,
    /// The parameter at fault, if any.
    #[serde(default)]
    pub param: Option<String>,
    /// The issuer's decline code for card errors.
    #[serde(default)]
    pub decline_code: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ErrorEnvelope {
    pub(crate) error: StripeApiErrorBody,
}

/// A failed Stripe call.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe could not be reached or did not answer in time (after retries).
    #[error("Stripe unreachable: {0}")]
    Transport(String),
    /// Stripe answered with an error status (after retries where allowed).
    #[error("Stripe returned HTTP {status} ({}: {})", .body.kind, .body.code.as_deref().unwrap_or("-"))]
    Api {
        /// HTTP status.
        status: u16,
        /// The parsed error body (empty when Stripe's body was not JSON).
        body: Box<StripeApiErrorBody>,
        /// Stripe's `Request-Id`, for support tickets.
        request_id: Option<String>,
    },
    /// Stripe answered 2xx with a body we could not decode.
    #[error("unexpected Stripe response: {0}")]
    Decode(String),
}

impl StripeError {
    /// True when Stripe was unavailable (transport failure, 429 or 5xx) rather than refusing
    /// the request: maps to `stripe_unavailable` instead of `stripe_error`.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StripeError::Transport(_) => true,
            StripeError::Api { status, .. } => *status == 429 || *status >= 500,
            StripeError::Decode(_) => false,
        }
    }

    /// True for a 404 `resource_missing`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, StripeError::Api { status: 404, .. })
    }
}
