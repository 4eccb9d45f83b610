//! RS256 verification against the identity provider's JWKS, cached per `kid`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::auth::claims::{Claims, DEFAULT_MAX_LIFETIME_SECS, decode_with, validation};
use crate::auth::user::AuthError;

/// How long an unknown `kid` is remembered as unknown after a refetch did not find it, so a
/// flood of forged tokens cannot make us hammer the identity provider.
const UNKNOWN_KID_MEMORY: Duration = Duration::from_secs(60);

/// RS256 verification against an identity provider's JWKS, cached per `kid`.
pub struct JwksVerifier {
    url: String,
    http: reqwest::Client,
    validation: Validation,
    pub(super) max_lifetime: u64,
    keys: tokio::sync::RwLock<HashMap<String, DecodingKey>>,
    /// Serialises refetches (single flight) and remembers kids a refetch did not find.
    refresh: tokio::sync::Mutex<HashMap<String, Instant>>,
}

impl JwksVerifier {
    /// A verifier for `jwks_url`, accepting only tokens issued by `issuer`.
    pub fn new(jwks_url: &str, issuer: &str) -> JwksVerifier {
        let mut validation = validation(Algorithm::RS256, &["exp", "sub", "iss"]);
        validation.set_issuer(&[issuer]);
        // Clerk session tokens carry `azp`, not `aud`.
        validation.validate_aud = false;
        JwksVerifier {
            max_lifetime: DEFAULT_MAX_LIFETIME_SECS,
            url: jwks_url.to_string(),
            http: crate::http_client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            validation,
            keys: tokio::sync::RwLock::new(HashMap::new()),
            refresh: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    pub(super) async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
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
