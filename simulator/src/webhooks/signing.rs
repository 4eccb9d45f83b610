//! `Stripe-Signature` headers: HMAC-SHA256 over `"{t}.{body}"` keyed with the whole
//! `whsec_…` secret, lowercase hex, as `t=…,v1=…,v0=…` with no spaces. The `v0` value is a
//! deliberately meaningless signature, as in Stripe test mode, that receivers must ignore.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The lowercase hex HMAC-SHA256 of `"{t}.{body}"` keyed with `secret`.
pub fn sign(secret: &str, t: i64, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The full header value: `t=…,v1=…,v0=…`. `secrets` are all currently valid secrets
/// (several during a roll), the current one last.
pub fn header(secrets: &[&str], t: i64, body: &str) -> String {
    let mut out = format!("t={t}");
    for s in secrets {
        out.push_str(",v1=");
        out.push_str(&sign(s, t, body));
    }
    out.push_str(",v0=");
    out.push_str(&sign("v0_legacy_test_mode_signature", t, body));
    out
}

/// Verifies a header as the official SDKs do: any `v1` matching, `t` within `tolerance`
/// seconds of `now`. Used by tests and by anyone embedding the simulator.
pub fn verify(header: &str, body: &str, secret: &str, tolerance: i64, now: i64) -> bool {
    let mut t = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1.push(v),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > tolerance {
        return false;
    }
    let expected = sign(secret, t, body);
    v1.iter()
        .any(|v| constant_time_eq(v.as_bytes(), expected.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"id":"evt_1"}"#;

    #[test]
    fn known_hmac() {
        // python3: hmac.new(b'whsec_test_secret', b'1700000000.{"id":"evt_1"}', sha256).hexdigest()
        assert_eq!(
            sign("whsec_test_secret", 1_700_000_000, BODY),
            "248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a"
        );
    }

    #[test]
    fn header_format_and_verify() {
        let h = header(&["whsec_test_secret"], 1_700_000_000, BODY);
        assert!(h.starts_with("t=1700000000,v1="));
        assert!(h.contains(",v0="));
        assert!(!h.contains(' '));
        assert!(verify(&h, BODY, "whsec_test_secret", 300, 1_700_000_100));
        assert!(!verify(&h, BODY, "whsec_other", 300, 1_700_000_100));
        assert!(!verify(&h, BODY, "whsec_test_secret", 300, 1_700_000_400));
        assert!(!verify(&h, "{}", "whsec_test_secret", 300, 1_700_000_000));
        assert!(!verify("v1=abc", BODY, "whsec_test_secret", 300, 0));
    }
}
