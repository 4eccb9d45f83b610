//! `Stripe-Signature` verification as a pure function over the raw body: HMAC-SHA256 of
//! `"{t}.{body}"` keyed with the whole `whsec_…` secret, any `v1` may match (secret rotation),
//! `v0` ignored, timestamp within the tolerance, constant-time comparison.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Stripe's SDK default tolerance for the signature timestamp, in seconds.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Why a signature was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `Stripe-Signature` header.
    #[error("missing Stripe-Signature header")]
    Missing,
    /// The header has no timestamp or no `v1` signature.
    #[error("malformed Stripe-Signature header")]
    Malformed,
    /// The timestamp is outside the tolerance.
    #[error("signature timestamp outside the tolerance")]
    Stale,
    /// No `v1` signature matches.
    #[error("no signature matches")]
    Mismatch,
}

/// Verifies `header` (the `Stripe-Signature` value, if any) for `body` with `secret` at time
/// `now` (Unix seconds). Returns the signed timestamp on success.
pub fn verify(
    body: &[u8],
    header: Option<&str>,
    secret: &str,
    now: i64,
    tolerance_secs: i64,
) -> Result<i64, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp: Option<i64> = None;
    let mut v1: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" => timestamp = v.parse().ok(),
            // A v1 that isn't hex can't match; keep the others.
            "v1" => {
                if let Ok(sig) = hex::decode(v) {
                    v1.push(sig);
                }
            }
            _ => {} // v0 (test-mode fake) and future schemes are ignored.
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if v1.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    // Check every candidate (no early exit on the first match) with constant-time compares.
    let matched = v1.iter().fold(false, |acc, sig| {
        mac.clone().verify_slice(sig).is_ok() | acc
    });
    if matched {
        Ok(timestamp)
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Computes the `v1` signature (lowercase hex) — for tests and tools that sign deliveries.
pub fn sign(body: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","object":"event"}"#;
    const T: i64 = 1_800_000_000;

    fn header(parts: &[String]) -> String {
        parts.join(",")
    }

    #[test]
    fn valid_signature_passes() {
        let h = format!("t={T},v1={}", sign(BODY, SECRET, T));
        assert_eq!(verify(BODY, Some(&h), SECRET, T + 10, 300), Ok(T));
    }

    #[test]
    fn any_v1_matches_during_secret_rotation() {
        let h = header(&[
            format!("t={T}"),
            format!("v1={}", sign(BODY, "whsec_old", T)),
            format!("v1={}", sign(BODY, SECRET, T)),
        ]);
        assert_eq!(verify(BODY, Some(&h), SECRET, T, 300), Ok(T));
        assert_eq!(verify(BODY, Some(&h), "whsec_old", T, 300), Ok(T));
        assert_eq!(
            verify(BODY, Some(&h), "whsec_other", T, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn stale_or_future_timestamp_is_rejected() {
        let h = format!("t={T},v1={}", sign(BODY, SECRET, T));
        assert_eq!(
            verify(BODY, Some(&h), SECRET, T + 301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(BODY, Some(&h), SECRET, T - 301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(verify(BODY, Some(&h), SECRET, T + 300, 300), Ok(T));
    }

    #[test]
    fn tampered_body_is_rejected() {
        let h = format!("t={T},v1={}", sign(BODY, SECRET, T));
        let tampered = br#"{"id":"evt_2","object":"event"}"#;
        assert_eq!(
            verify(tampered, Some(&h), SECRET, T, 300),
            Err(SignatureError::Mismatch)
        );
        // The timestamp is signed too.
        let h = format!("t={},v1={}", T + 1, sign(BODY, SECRET, T));
        assert_eq!(
            verify(BODY, Some(&h), SECRET, T, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_or_malformed_header_is_rejected() {
        assert_eq!(
            verify(BODY, None, SECRET, T, 300),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(BODY, Some("garbage"), SECRET, T, 300),
            Err(SignatureError::Malformed)
        );
        let h = format!("v1={}", sign(BODY, SECRET, T));
        assert_eq!(
            verify(BODY, Some(&h), SECRET, T, 300),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(BODY, Some(&format!("t={T},v1=zz")), SECRET, T, 300),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn v0_alone_is_not_enough_and_is_ignored_beside_v1() {
        let good = sign(BODY, SECRET, T);
        let h = format!("t={T},v0={good}");
        assert_eq!(
            verify(BODY, Some(&h), SECRET, T, 300),
            Err(SignatureError::Malformed)
        );
        let h = format!("t={T},v1={good},v0=deadbeef");
        assert_eq!(verify(BODY, Some(&h), SECRET, T, 300), Ok(T));
    }

    #[test]
    fn key_includes_the_whsec_prefix() {
        let h = format!("t={T},v1={}", sign(BODY, "test_secret", T));
        assert_eq!(
            verify(BODY, Some(&h), SECRET, T, 300),
            Err(SignatureError::Mismatch)
        );
    }
}
