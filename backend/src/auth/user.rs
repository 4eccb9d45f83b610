//! Who the caller is ([`AuthUser`]) and why a caller was refused ([`AuthError`]).

use crate::error::ApiError;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    /// The token's `sub`: our user id.
    pub user_id: String,
    /// The token's `email` claim, if any.
    pub email: Option<String>,
}

/// Why a request was not authenticated (all map to 401).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization: Bearer …` header.
    #[error("missing bearer token")]
    Missing,
    /// The token failed verification (signature, expiry, issuer, shape).
    #[error("invalid token")]
    Invalid,
    /// The identity provider's keys could not be fetched (→ 503, never 500).
    #[error("identity provider keys unavailable")]
    KeysUnavailable,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        match e {
            AuthError::Missing => ApiError::Unauthorized("A bearer token is required.".into()),
            AuthError::Invalid => {
                ApiError::Unauthorized("The bearer token is invalid or expired.".into())
            }
            AuthError::KeysUnavailable => {
                ApiError::Unavailable("identity provider JWKS unavailable".into())
            }
        }
    }
}
