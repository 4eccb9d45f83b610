//! Caller authentication: bearer tokens (and, for pages, the `__session` cookie) verified into
//! an [`AuthUser`] (`sub` = user id, `email` claim = e-mail; `exp` and `nbf` checked with a
//! 30 s leeway, `iat` never in the future, and a lifetime of at most `JWT_MAX_LIFETIME_SECS`). RS256 tokens of a Clerk-style identity provider are verified
//! against its JWKS (`JWKS_URL`, cached, refetched when a token names an unknown `kid`) with the
//! issuer `JWT_ISSUER`; HS256 with `JWT_SECRET` serves development. [`AdminUser`] adds the
//! admin rule (`ADMIN_EMAILS`, `ADMIN_EMAIL_DOMAIN`; 403 for everyone else).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::{AdminConfig, AuthConfig};
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

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    /// Checked by `jsonwebtoken` (required); read again for the lifetime rule.
    exp: f64,
    /// Issued-at; optional, but never in the future and never long before `exp`.
    #[serde(default)]
    iat: Option<f64>,
}

/// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// The default longest lifetime (`exp - iat`) of a token: 24 hours. Clerk's session tokens
/// live 60 s; development tokens an hour or so.
pub const DEFAULT_MAX_LIFETIME_SECS: u64 = 86_400;

/// The checks `jsonwebtoken` does not make: `iat` not in the future (beyond the leeway), and a
/// lifetime of at most `max_lifetime` — `exp - iat`, or for a token without `iat`, the time it
/// has left (`exp - now`), so a token without `iat` cannot outlive the rule either.
fn check_times(c: &Claims, now: i64, max_lifetime: u64) -> Result<(), AuthError> {
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

fn validation(alg: Algorithm, required: &[&str]) -> Validation {
    let mut validation = Validation::new(alg);
    validation.set_required_spec_claims(required);
    validation.leeway = LEEWAY_SECS;
    validation.validate_nbf = true;
    validation
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
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
        /// Algorithm pinned to HS256; `exp` required, `nbf` checked.
        validation: Box<Validation>,
        /// The longest `exp - iat` accepted.
        max_lifetime: u64,
    },
    /// RS256 tokens verified against a JWKS.
    Rs256(Box<JwksVerifier>),
}

/// How long an unknown `kid` is remembered as unknown after a refetch did not find it, so a
/// flood of forged tokens cannot make us hammer the identity provider.
const UNKNOWN_KID_MEMORY: Duration = Duration::from_secs(60);

/// RS256 verification against an identity provider's JWKS, cached per `kid`.
pub struct JwksVerifier {
    url: String,
    http: reqwest::Client,
    validation: Validation,
    max_lifetime: u64,
    keys: tokio::sync::RwLock<HashMap<String, DecodingKey>>,
    /// Serialises refetches (single flight) and remembers kids a refetch did not find.
    refresh: tokio::sync::Mutex<HashMap<String, Instant>>,
}

impl JwksVerifier {
    /// A verifier for `jwks_url`, accepting only tokens issued by `issuer`.
    pub fn new(jwks_url: &str, issuer: &str) -> JwksVerifier {
        crate::stripe::client::install_crypto_provider();
        let mut validation = validation(Algorithm::RS256, &["exp", "sub", "iss"]);
        validation.set_issuer(&[issuer]);
        // Clerk session tokens carry `azp`, not `aud`.
        validation.validate_aud = false;
        JwksVerifier {
            max_lifetime: DEFAULT_MAX_LIFETIME_SECS,
            url: jwks_url.to_string(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            validation,
            keys: tokio::sync::RwLock::new(HashMap::new()),
            refresh: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Invalid)?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Invalid);
        }
        let kid = header.kid.ok_or(AuthError::Invalid)?;
        if let Some(key) = self.keys.read().await.get(&kid) {
            return decode_with(token, key, &self.validation, self.max_lifetime);
        }
        self.refetch_for(&kid).await?;
        match self.keys.read().await.get(&kid) {
            Some(key) => decode_with(token, key, &self.validation, self.max_lifetime),
            None => Err(AuthError::Invalid),
        }
    }

    /// Refetches the JWKS because `kid` is unknown — unless another task just did, or this kid
    /// was looked for recently and not found.
    async fn refetch_for(&self, kid: &str) -> Result<(), AuthError> {
        let mut unknown = self.refresh.lock().await;
        if self.keys.read().await.contains_key(kid) {
            return Ok(()); // Another request refetched while we waited.
        }
        unknown.retain(|_, at| at.elapsed() < UNKNOWN_KID_MEMORY);
        if unknown.contains_key(kid) {
            return Err(AuthError::Invalid);
        }
        let fetched = self.fetch().await;
        let keys = match fetched {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(error = %e, jwks_url = %self.url, "fetching the JWKS failed");
                return Err(AuthError::KeysUnavailable);
            }
        };
        if !keys.contains_key(kid) {
            unknown.insert(kid.to_string(), Instant::now());
        }
        tracing::info!(keys = keys.len(), "JWKS refreshed");
        *self.keys.write().await = keys;
        Ok(())
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, String> {
        let resp = self
            .http
            .get(&self.url)
            .send()
            .await
            .map_err(|e| format!("request: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status()));
        }
        let set: jsonwebtoken::jwk::JwkSet =
            resp.json().await.map_err(|e| format!("decoding: {e}"))?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            if let Ok(key) = DecodingKey::from_jwk(jwk) {
                keys.insert(kid, key);
            }
        }
        Ok(keys)
    }
}

fn decode_with(
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
    async fn pages_take_the_session_cookie_and_the_api_does_not() {
        let t = token(
            "s3cret",
            serde_json::json!({"sub": "user_1", "email": "a@b.c", "exp": now() + 60}),
        );
        let mut h = HeaderMap::new();
        h.insert(
            "cookie",
            format!("theme=dark; __session={t}; other=1")
                .parse()
                .unwrap(),
        );
        let u = auth().authenticate_page(&h).await.unwrap();
        assert_eq!(u.user_id, "user_1");
        assert_eq!(auth().authenticate(&h).await, Err(AuthError::Missing));
        let mut bad = HeaderMap::new();
        bad.insert("cookie", "__session=garbage".parse().unwrap());
        assert_eq!(
            auth().authenticate_page(&bad).await,
            Err(AuthError::Invalid)
        );
        assert_eq!(
            auth().authenticate_page(&HeaderMap::new()).await,
            Err(AuthError::Missing)
        );
    }

    #[tokio::test]
    async fn not_before_is_enforced_with_the_leeway() {
        let a = auth();
        let t = |nbf: i64| {
            token(
                "s3cret",
                serde_json::json!({"sub": "u", "exp": now() + 600, "nbf": nbf}),
            )
        };
        assert_eq!(
            a.authenticate(&headers(&t(now() + 120))).await,
            Err(AuthError::Invalid)
        );
        assert!(a.authenticate(&headers(&t(now() + 20))).await.is_ok());
        assert!(a.authenticate(&headers(&t(now() - 60))).await.is_ok());
    }

    #[tokio::test]
    async fn issued_at_in_the_future_is_refused() {
        let a = auth();
        let t = |iat: i64| {
            token(
                "s3cret",
                serde_json::json!({"sub": "u", "exp": now() + 600, "iat": iat}),
            )
        };
        assert_eq!(
            a.authenticate(&headers(&t(now() + 120))).await,
            Err(AuthError::Invalid)
        );
        assert!(a.authenticate(&headers(&t(now() + 20))).await.is_ok());
        assert!(a.authenticate(&headers(&t(now()))).await.is_ok());
    }

    #[tokio::test]
    async fn lifetime_is_capped_with_and_without_iat() {
        let a = auth().with_max_lifetime(3600);
        let n = now();
        // The harness's tokens: iat now, one hour.
        let hour = token(
            "s3cret",
            serde_json::json!({"sub": "u", "iat": n, "exp": n + 3600}),
        );
        assert!(a.authenticate(&headers(&hour)).await.is_ok());
        let long = token(
            "s3cret",
            serde_json::json!({"sub": "u", "iat": n, "exp": n + 7200}),
        );
        assert_eq!(
            a.authenticate(&headers(&long)).await,
            Err(AuthError::Invalid)
        );
        // Issued long ago with a far expiry: the lifetime counts, not the time left.
        let old = token(
            "s3cret",
            serde_json::json!({"sub": "u", "iat": n - 7000, "exp": n + 600}),
        );
        assert_eq!(
            a.authenticate(&headers(&old)).await,
            Err(AuthError::Invalid)
        );
        // Without iat, the time left must be within the cap.
        let no_iat_far = token("s3cret", serde_json::json!({"sub": "u", "exp": n + 7200}));
        assert_eq!(
            a.authenticate(&headers(&no_iat_far)).await,
            Err(AuthError::Invalid)
        );
        let no_iat_near = token("s3cret", serde_json::json!({"sub": "u", "exp": n + 600}));
        assert!(a.authenticate(&headers(&no_iat_near)).await.is_ok());
        // The default cap is 24 h.
        let day = token(
            "s3cret",
            serde_json::json!({"sub": "u", "iat": n, "exp": n + 2 * 86_400}),
        );
        assert_eq!(
            auth().authenticate(&headers(&day)).await,
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn time_rules_refuse_non_finite_claims() {
        let c = |exp: f64, iat: Option<f64>| Claims {
            sub: "u".into(),
            email: None,
            exp,
            iat,
        };
        assert!(check_times(&c(f64::INFINITY, None), 0, 60).is_err());
        assert!(check_times(&c(30.0, Some(f64::NAN)), 0, 60).is_err());
        assert!(check_times(&c(30.0, Some(0.0)), 0, 60).is_ok());
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
