//! A token's claims and the time rules: the leeway, `iat` never in the future, the longest
//! lifetime; decoding a token with a key into the caller.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::auth::user::{AuthError, AuthUser};

#[derive(Debug, Deserialize)]
pub(super) struct Claims {
    pub(super) sub: String,
    #[serde(default)]
    pub(super) email: Option<String>,
    /// Checked by `jsonwebtoken` (required); read again for the lifetime rule.
    pub(super) exp: f64,
    /// Issued-at; optional, but never in the future and never long before `exp`.
    #[serde(default)]
    pub(super) iat: Option<f64>,
}

/// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// The default longest lifetime (`exp - iat`) of a token: 24 hours. Clerk's session tokens
/// live 60 s; development tokens an hour or so.
pub const DEFAULT_MAX_LIFETIME_SECS: u64 = 86_400;

/// The checks `jsonwebtoken` does not make: `iat` not in the future (beyond the leeway), and a
/// lifetime of at most `max_lifetime` — `exp - iat`, or for a token without `iat`, the time it
/// has left (`exp - now`), so a token without `iat` cannot outlive the rule either.
pub(super) fn check_times(c: &Claims, now: i64, max_lifetime: u64) -> Result<(), AuthError> {
    let leeway = LEEWAY_SECS as f64;
    let now = now as f64;
    if !c.exp.is_finite() {
        return Err(AuthError::Invalid);
    }
    let lifetime = match c.iat {
        Some(iat) if !iat.is_finite() || iat > now + leeway => return Err(AuthError::Invalid),
        Some(iat) => c.exp - iat,
        None => c.exp - now,
    };
    if lifetime > max_lifetime as f64 + leeway {
        return Err(AuthError::Invalid);
    }
    Ok(())
}

pub(super) fn validation(alg: Algorithm, required: &[&str]) -> Validation {
    let mut validation = Validation::new(alg);
    validation.set_required_spec_claims(required);
    validation.leeway = LEEWAY_SECS;
    validation.validate_nbf = true;
    validation
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub(super) fn decode_with(
    token: &str,
    key: &DecodingKey,
    v: &Validation,
    max_lifetime: u64,
) -> Result<Claims, AuthError> {
    let claims = jsonwebtoken::decode::<Claims>(token, key, v)
        .map(|d| d.claims)
        .map_err(|_| AuthError::Invalid)?;
    check_times(&claims, unix_now(), max_lifetime)?;
    Ok(claims)
}

pub(super) fn claims_to_user(c: Claims) -> Result<AuthUser, AuthError> {
    let user_id = c.sub.trim().to_string();
    if user_id.is_empty() || user_id.len() > 255 {
        return Err(AuthError::Invalid);
    }
    Ok(AuthUser {
        user_id,
        email: c.email.filter(|e| !e.trim().is_empty()),
    })
}
