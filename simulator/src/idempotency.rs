//! Idempotency keys: the first response to a POST with an
//! `Idempotency-Key` is stored and replayed for the same key and parameters; a different
//! endpoint or different parameters is a 400 `idempotency_error`; a request still running
//! with the same key is a 409; keys expire after 24 h.

use std::collections::HashMap;

use axum::body::Bytes;
use serde_json::Value;

use crate::error::StripeError;

/// Longest key accepted.
pub(crate) const MAX_KEY_LEN: usize = 255;
/// Seconds a stored response is kept.
pub(crate) const TTL_SECS: i64 = 24 * 3600;

/// What a request is, for comparing a reused key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fingerprint {
    /// `POST`
    pub(crate) method: String,
    /// `/v1/customers`
    pub(crate) path: String,
    /// The parsed parameters.
    pub(crate) params: Value,
}

#[derive(Debug, Clone)]
enum Entry {
    /// Running; what it is is only needed once it is done (a second use now is a 409).
    InFlight,
    Done {
        fingerprint: Fingerprint,
        status: u16,
        /// The JSON answered, replayed as it is.
        body: Bytes,
        at: i64,
    },
}

/// What to do with a request carrying a key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Begin {
    /// First use: run it, then call [`IdempotencyStore::finish`] or [`IdempotencyStore::abandon`].
    Proceed,
    /// Seen before: answer with this stored status and body.
    Replay {
        /// Stored HTTP status.
        status: u16,
        /// Stored body (JSON text, shared with the record).
        body: Bytes,
    },
}

/// An account's idempotency records.
#[derive(Debug, Default)]
pub(crate) struct IdempotencyStore {
    entries: HashMap<String, Entry>,
}

impl IdempotencyStore {
    /// Checks `key` for a request with fingerprint `fp` at time `now` (borrowed: a first
    /// use keeps nothing of it until [`IdempotencyStore::finish`]).
    pub(crate) fn begin(
        &mut self,
        key: &str,
        fp: &Fingerprint,
        now: i64,
    ) -> Result<Begin, StripeError> {
        if key.len() > MAX_KEY_LEN {
            return Err(StripeError::bad_request(format!(
                "Invalid Idempotency-Key: it must be at most {MAX_KEY_LEN} characters long."
            )));
        }
        if let Some(Entry::Done { at, .. }) = self.entries.get(key)
            && now - at > TTL_SECS
        {
            self.entries.remove(key);
        }
        match self.entries.get(key) {
            None => {
                self.entries.insert(key.to_string(), Entry::InFlight);
                Ok(Begin::Proceed)
            }
            Some(Entry::InFlight) => Err(StripeError::Conflict {
                message: format!(
                    "There is currently another in-progress request using this Stripe token (probably the same idempotency key: '{key}'). Try again later."
                ),
            }),
            Some(Entry::Done {
                fingerprint,
                status,
                body,
                ..
            }) => {
                if fingerprint.method != fp.method || fingerprint.path != fp.path {
                    return Err(StripeError::Idempotency {
                        message: format!(
                            "Keys for idempotent requests can only be used for the same endpoint they were first used for ('{} {}' vs '{} {}'). Try using a key other than '{key}' if you meant to execute a different request.",
                            fingerprint.method, fingerprint.path, fp.method, fp.path
                        ),
                    });
                }
                if fingerprint.params != fp.params {
                    return Err(StripeError::Idempotency {
                        message: format!(
                            "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                        ),
                    });
                }
                Ok(Begin::Replay {
                    status: *status,
                    body: body.clone(),
                })
            }
        }
    }

    /// Stores the response of a request started with [`Begin::Proceed`], and what the
    /// request was (`fp`, the one [`IdempotencyStore::begin`] saw).
    pub(crate) fn finish(
        &mut self,
        key: &str,
        fp: Fingerprint,
        status: u16,
        body: Bytes,
        now: i64,
    ) {
        if let Some(entry @ Entry::InFlight) = self.entries.get_mut(key) {
            *entry = Entry::Done {
                fingerprint: fp,
                status,
                body,
                at: now,
            };
        }
    }

    /// Forgets a request that failed validation (not stored, the key may be reused).
    pub(crate) fn abandon(&mut self, key: &str) {
        if let Some(Entry::InFlight) = self.entries.get(key) {
            self.entries.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fp(path: &str, params: Value) -> Fingerprint {
        Fingerprint {
            method: "POST".into(),
            path: path.into(),
            params,
        }
    }

    #[test]
    fn replay_conflict_and_mismatch() {
        let mut s = IdempotencyStore::default();
        let p = json!({"email": "a@b.c"});
        assert_eq!(
            s.begin("k", &fp("/v1/customers", p.clone()), 0)
                .expect("ok"),
            Begin::Proceed
        );
        assert_eq!(
            s.begin("k", &fp("/v1/customers", p.clone()), 0)
                .expect_err("in flight")
                .status(),
            axum::http::StatusCode::CONFLICT
        );
        let body = Bytes::from_static(br#"{"id":"cus_1"}"#);
        s.finish("k", fp("/v1/customers", p.clone()), 200, body.clone(), 0);
        assert_eq!(
            s.begin("k", &fp("/v1/customers", p.clone()), 10)
                .expect("replay"),
            Begin::Replay { status: 200, body }
        );
        let e = s
            .begin("k", &fp("/v1/customers", json!({})), 10)
            .expect_err("params");
        assert_eq!(e.body()["error"]["type"], "idempotency_error");
        let e = s
            .begin("k", &fp("/v1/products", p.clone()), 10)
            .expect_err("endpoint");
        assert_eq!(e.body()["error"]["type"], "idempotency_error");
        // Expired after 24 h.
        assert_eq!(
            s.begin("k", &fp("/v1/products", p), TTL_SECS + 1)
                .expect("ok"),
            Begin::Proceed
        );
    }

    #[test]
    fn abandoned_keys_are_reusable() {
        let mut s = IdempotencyStore::default();
        assert_eq!(
            s.begin("k", &fp("/a", json!({})), 0).expect("ok"),
            Begin::Proceed
        );
        s.abandon("k");
        assert_eq!(
            s.begin("k", &fp("/b", json!({"x": "1"})), 0).expect("ok"),
            Begin::Proceed
        );
        assert!(s.begin(&"x".repeat(256), &fp("/a", json!({})), 0).is_err());
    }
}
