//! Caller authentication: bearer tokens (and, for pages, the `__session` cookie) verified into
//! an [`AuthUser`] (`sub` = user id, `email` claim = e-mail; `exp` and `nbf` checked with a
//! 30 s leeway, `iat` never in the future, and a lifetime of at most `JWT_MAX_LIFETIME_SECS`). RS256 tokens of a Clerk-style identity provider are verified
//! against its JWKS (`JWKS_URL`, cached, refetched when a token names an unknown `kid`) with the
//! issuer `JWT_ISSUER`; HS256 with `JWT_SECRET` serves development. [`AdminUser`] adds the
//! admin rule (`ADMIN_EMAILS`, `ADMIN_EMAIL_DOMAIN`; 403 for everyone else).

mod claims;
mod jwks;
#[cfg(test)]
mod tests;
mod user;

pub use claims::{DEFAULT_MAX_LIFETIME_SECS, LEEWAY_SECS};
pub use jwks::JwksVerifier;
pub use user::{AuthError, AuthUser};

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::auth::claims::{claims_to_user, decode_with, validation};
use crate::config::{AdminConfig, AuthConfig};
use crate::error::ApiError;

/// Verifies callers according to the configuration.
pub enum Authenticator {
    /// `DISABLE_AUTH=true` (development only; refused in live mode by config validation):
    /// the caller is `X-Dev-User-Id` / `X-Dev-User-Email`, defaulting to `dev-user`.
    Disabled,
    /// HS256 tokens with a shared secret.
    Hs256 {
        /// The key.
        key: DecodingKey,
        /// Algorithm pinned to HS256; `exp` required, `nbf` checked.
        validation: Box<Validation>,
        /// The longest `exp - iat` accepted.
        max_lifetime: u64,
    },
    /// RS256 tokens verified against a JWKS.
    Rs256(Box<JwksVerifier>),
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Authenticator::Disabled => "Authenticator::Disabled",
            Authenticator::Hs256 { .. } => "Authenticator::Hs256",
            Authenticator::Rs256(_) => "Authenticator::Rs256",
        })
    }
}

impl Authenticator {
    /// Builds the authenticator for `config`.
    pub fn from_config(config: &AuthConfig) -> Authenticator {
        match config {
            AuthConfig::Disabled => Authenticator::Disabled,
            AuthConfig::Hs256 { secret } => Authenticator::Hs256 {
                key: DecodingKey::from_secret(secret.expose().as_bytes()),
                validation: Box::new(validation(Algorithm::HS256, &["exp", "sub"])),
                max_lifetime: DEFAULT_MAX_LIFETIME_SECS,
            },
            AuthConfig::Rs256 { jwks_url, issuer } => {
                Authenticator::Rs256(Box::new(JwksVerifier::new(jwks_url, issuer)))
            }
        }
    }

    /// Sets the longest token lifetime accepted (`JWT_MAX_LIFETIME_SECS`).
    pub fn with_max_lifetime(mut self, secs: u64) -> Authenticator {
        match &mut self {
            Authenticator::Disabled => {}
            Authenticator::Hs256 { max_lifetime, .. } => *max_lifetime = secs,
            Authenticator::Rs256(v) => v.max_lifetime = secs,
        }
        self
    }

    /// Authenticates an API request from its `Authorization: Bearer` header. Async so key
    /// sets fetched over the network (JWKS) fit behind the same call.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<AuthUser, AuthError> {
        match self {
            Authenticator::Disabled => Ok(dev_user(headers)),
            _ => self.verify_token(bearer(headers)?).await,
        }
    }

    /// Authenticates a page request: the bearer header when there is one, else the identity
    /// provider's session token in the [`SESSION_COOKIE`] cookie, as a browser sends it.
    pub async fn authenticate_page(&self, headers: &HeaderMap) -> Result<AuthUser, AuthError> {
        match self {
            Authenticator::Disabled => Ok(dev_user(headers)),
            _ if headers.contains_key(axum::http::header::AUTHORIZATION) => {
                self.verify_token(bearer(headers)?).await
            }
            _ => {
                let token = cookie(headers, SESSION_COOKIE).ok_or(AuthError::Missing)?;
                self.verify_token(token).await
            }
        }
    }

    async fn verify_token(&self, token: &str) -> Result<AuthUser, AuthError> {
        match self {
            Authenticator::Disabled => Err(AuthError::Invalid),
            Authenticator::Hs256 {
                key,
                validation,
                max_lifetime,
            } => claims_to_user(decode_with(token, key, validation, *max_lifetime)?),
            Authenticator::Rs256(v) => claims_to_user(v.verify(token).await?),
        }
    }
}

/// The cookie holding the identity provider's session token (Clerk's convention), which the
/// pages accept in place of a bearer header.
pub const SESSION_COOKIE: &str = "__session";

/// The value of cookie `name` in the request's `Cookie` headers, if present and non-empty.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().trim_matches('"'))
        .filter(|v| !v.is_empty())
}

fn dev_user(headers: &HeaderMap) -> AuthUser {
    AuthUser {
        user_id: header(headers, "x-dev-user-id").unwrap_or_else(|| "dev-user".into()),
        email: header(headers, "x-dev-user-email"),
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn bearer(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?
        .to_str()
        .map_err(|_| AuthError::Invalid)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Invalid);
    }
    Ok(token.trim())
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    Arc<Authenticator>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Arc::<Authenticator>::from_ref(state);
        Ok(auth.authenticate(&parts.headers).await?)
    }
}

/// An authenticated caller who is an admin (`ADMIN_EMAILS` or `ADMIN_EMAIL_DOMAIN`). Rejects
/// with 401 when unauthenticated and 403 when not an admin — before anything else runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUser {
    /// The caller's user id.
    pub user_id: String,
    /// The caller's e-mail (always present for admins), recorded in the action history.
    pub email: String,
}

impl<S> FromRequestParts<S> for AdminUser
where
    S: Send + Sync,
    Arc<Authenticator>: FromRef<S>,
    Arc<AdminConfig>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        let admins = Arc::<AdminConfig>::from_ref(state);
        match user.email {
            Some(email) if admins.is_admin(&email) => Ok(AdminUser {
                user_id: user.user_id,
                email: email.trim().to_ascii_lowercase(),
            }),
            _ => Err(ApiError::Forbidden),
        }
    }
}
