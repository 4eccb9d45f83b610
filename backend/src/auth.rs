//! Caller authentication: bearer tokens verified into an [`AuthUser`] (`sub` = user id, `email`
//! claim = e-mail, `exp` checked). HS256 with `JWT_SECRET` now; RS256 against a JWKS (issue 5)
//! is another [`Authenticator`] variant behind the same async `authenticate`.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::AuthConfig;
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
    /// The token failed verification (signature, expiry, shape).
    #[error("invalid token")]
    Invalid,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> ApiError {
        ApiError::Unauthorized(match e {
            AuthError::Missing => "A bearer token is required.".into(),
            AuthError::Invalid => "The bearer token is invalid or expired.".into(),
        })
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
}

/// Verifies callers according to the configuration.
pub enum Authenticator {
    /// `DISABLE_AUTH=true` (development only; refused in live mode by config validation):
    /// the caller is `X-Dev-User-Id` / `X-Dev-User-Email`, defaulting to `dev-user`.
    Disabled,
    /// HS256 tokens with a shared secret.
    Hs256 {
        /// The key.
        key: DecodingKey,
        /// Algorithm pinned to HS256; `exp` required.
        validation: Box<Validation>,
    },
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Authenticator::Disabled => "Authenticator::Disabled",
            Authenticator::Hs256 { .. } => "Authenticator::Hs256",
        })
    }
}

impl Authenticator {
    /// Builds the authenticator for `config`.
    pub fn from_config(config: &AuthConfig) -> Authenticator {
        match config {
            AuthConfig::Disabled => Authenticator::Disabled,
            AuthConfig::Hs256 { secret } => {
                let mut validation = Validation::new(Algorithm::HS256);
                validation.set_required_spec_claims(&["exp", "sub"]);
                validation.leeway = 30;
                Authenticator::Hs256 {
                    key: DecodingKey::from_secret(secret.expose().as_bytes()),
                    validation: Box::new(validation),
                }
            }
        }
    }

    /// Authenticates a request from its headers. Async so key sets fetched over the network
    /// (JWKS) fit behind the same call.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<AuthUser, AuthError> {
        match self {
            Authenticator::Disabled => Ok(AuthUser {
                user_id: header(headers, "x-dev-user-id").unwrap_or_else(|| "dev-user".into()),
                email: header(headers, "x-dev-user-email"),
            }),
            Authenticator::Hs256 { key, validation } => {
                let token = bearer(headers)?;
                let data = jsonwebtoken::decode::<Claims>(token, key, validation)
                    .map_err(|_| AuthError::Invalid)?;
                claims_to_user(data.claims)
            }
        }
    }
}

fn claims_to_user(c: Claims) -> Result<AuthUser, AuthError> {
    let user_id = c.sub.trim().to_string();
    if user_id.is_empty() || user_id.len() > 255 {
        return Err(AuthError::Invalid);
    }
    Ok(AuthUser {
        user_id,
        email: c.email.filter(|e| !e.trim().is_empty()),
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;
    use jsonwebtoken::{EncodingKey, Header, encode};

    fn token(secret: &str, claims: serde_json::Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn headers(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("authorization", format!("Bearer {token}").parse().unwrap());
        h
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    fn auth() -> Authenticator {
        Authenticator::from_config(&AuthConfig::Hs256 {
            secret: Secret::new("s3cret"),
        })
    }

    #[tokio::test]
    async fn valid_token_yields_user() {
        let t = token(
            "s3cret",
            serde_json::json!({"sub": "user_1", "email": "a@b.c", "exp": now() + 60}),
        );
        let u = auth().authenticate(&headers(&t)).await.unwrap();
        assert_eq!(u.user_id, "user_1");
        assert_eq!(u.email.as_deref(), Some("a@b.c"));
    }

    #[tokio::test]
    async fn bad_tokens_are_rejected() {
        let a = auth();
        assert_eq!(
            a.authenticate(&HeaderMap::new()).await,
            Err(AuthError::Missing)
        );
        let wrong = token("other", serde_json::json!({"sub": "u", "exp": now() + 60}));
        assert_eq!(
            a.authenticate(&headers(&wrong)).await,
            Err(AuthError::Invalid)
        );
        let expired = token(
            "s3cret",
            serde_json::json!({"sub": "u", "exp": now() - 3600}),
        );
        assert_eq!(
            a.authenticate(&headers(&expired)).await,
            Err(AuthError::Invalid)
        );
        let no_exp = token("s3cret", serde_json::json!({"sub": "u"}));
        assert_eq!(
            a.authenticate(&headers(&no_exp)).await,
            Err(AuthError::Invalid)
        );
        let empty_sub = token("s3cret", serde_json::json!({"sub": " ", "exp": now() + 60}));
        assert_eq!(
            a.authenticate(&headers(&empty_sub)).await,
            Err(AuthError::Invalid)
        );
        assert_eq!(
            a.authenticate(&headers("garbage")).await,
            Err(AuthError::Invalid)
        );
    }
}
