//! Idempotency keys from the caller's `Idempotency-Key` header, shared by the JSON routes and
//! the pages: a client's retry of one click reuses its key, and a key never names the clock.

use axum::http::HeaderMap;

/// The caller's `Idempotency-Key` header (a client retry of one click), sanitised, as `k-…`;
/// `None` without one — then the user's attempt sequence decides (see
/// [`crate::flows::checkout`]).
pub fn caller_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| {
            k.chars()
                .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                .take(64)
                .collect::<String>()
        })
        .filter(|k| !k.is_empty())
        .map(|k| format!("k-{k}"))
}

/// A key for one portal request: the caller's, or a fresh random one.
pub fn portal_key(headers: &HeaderMap) -> String {
    caller_key(headers).unwrap_or_else(|| {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        format!("r-{}", hex::encode(bytes))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_prefer_the_callers_and_never_the_clock() {
        let mut h = HeaderMap::new();
        assert_eq!(caller_key(&h), None);
        assert_ne!(portal_key(&h), portal_key(&h));
        h.insert("idempotency-key", "abc-123/../x".parse().unwrap());
        assert_eq!(caller_key(&h).as_deref(), Some("k-abc-123x"));
        assert_eq!(portal_key(&h), "k-abc-123x");
    }
}
