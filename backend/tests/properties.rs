//! Property tests of what an attacker controls before anything is trusted: the
//! `Stripe-Signature` header parser, the webhook event decoder (bytes → event or 400) and the
//! bearer-token path (any header → 401, never a panic or a 500). Plus a bounded fuzz loop over
//! the same three, mutating valid inputs with a seeded generator:
//!
//! ```text
//! FUZZ_SECS=180 FUZZ_SEED=1 cargo test -p billing --release --test integration -- --ignored --nocapture properties::
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use billing::auth::{AuthError, Authenticator};
use billing::config::{AuthConfig, Secret};
use billing::error::ApiError;
use billing::webhook::handler::decode_event;
use billing::webhook::signature::{SignatureError, sign, verify};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SECRET: &str = "whsec_property_tests";
const JWT_SECRET: &str = "jwt-property-secret";
const T: i64 = 1_800_000_000;

fn event_json() -> Vec<u8> {
    br#"{"id":"evt_1","object":"event","type":"invoice.paid","created":1800000000,"livemode":false,"api_version":"2026-10-28.endive","data":{"object":{"id":"in_1","object":"invoice"}}}"#.to_vec()
}

fn authenticator() -> Authenticator {
    Authenticator::from_config(&AuthConfig::Hs256 {
        secret: Secret::new(JWT_SECRET),
    })
}

fn valid_token() -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &serde_json::json!({"sub": "user_1", "iat": now, "exp": now + 600}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

/// What the token path answers for an `Authorization` header made of `raw` bytes (`None` when
/// the bytes cannot even be a header value, which hyper refuses before us).
fn auth_status(auth: &Authenticator, raw: &[u8]) -> Option<Result<(), StatusCode>> {
    let value = HeaderValue::from_bytes(raw).ok()?;
    let mut headers = HeaderMap::new();
    headers.insert(axum::http::header::AUTHORIZATION, value);
    let r = futures::executor::block_on(auth.authenticate(&headers));
    Some(r.map(|_| ()).map_err(|e: AuthError| {
        let (status, _) = ApiError::from(e).status_and_code();
        status
    }))
}

fn decoder_status(bytes: &[u8]) -> Result<(), StatusCode> {
    decode_event(bytes)
        .map(|_| ())
        .map_err(|e| e.status_and_code().0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_signature_header_is_judged_without_panicking(header in ".{0,200}", body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let r = verify(&body, Some(&header), SECRET, T, 300);
        // A random header cannot carry a valid HMAC.
        prop_assert!(r.is_err());
    }

    #[test]
    fn a_valid_signature_survives_extra_parts_and_a_changed_body_never_does(
        junk in proptest::collection::vec("[a-z0-9]{0,4}=[ -~&&[^,]]{0,20}", 0..5),
        flip in 0usize..200,
    ) {
        let body = event_json();
        let sig = sign(&body, SECRET, T);
        let mut parts: Vec<String> = junk.into_iter().filter(|p| !p.starts_with("t=")).collect();
        parts.push(format!("t={T}"));
        parts.push(format!("v1={sig}"));
        let n = parts.len();
        parts.rotate_left(flip % n);
        let header = parts.join(",");
        prop_assert_eq!(verify(&body, Some(&header), SECRET, T, 300), Ok(T));
        let mut changed = body.clone();
        let i = flip % changed.len();
        changed[i] ^= 0x20;
        prop_assert_eq!(
            verify(&changed, Some(&header), SECRET, T, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_event_decoder_answers_an_event_or_400(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        match decoder_status(&bytes) {
            Ok(()) => {}
            Err(s) => prop_assert_eq!(s, StatusCode::BAD_REQUEST),
        }
    }

    #[test]
    fn mutated_events_decode_or_are_400(i in 0usize..400, b in any::<u8>(), cut in 0usize..400) {
        let mut bytes = event_json();
        let n = bytes.len();
        bytes[i % n] = b;
        bytes.truncate(cut.max(1) % (n + 1));
        if let Err(s) = decoder_status(&bytes) {
            prop_assert_eq!(s, StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn any_authorization_header_is_401_never_a_panic_or_500(raw in proptest::collection::vec(any::<u8>(), 0..300)) {
        let auth = authenticator();
        if let Some(r) = auth_status(&auth, &raw) {
            prop_assert_eq!(r, Err(StatusCode::UNAUTHORIZED));
        }
    }

    #[test]
    fn bearer_tokens_of_any_text_are_401(token in "[ -~]{0,300}", scheme in "(Bearer|bearer|BEARER|Basic|) ?") {
        let auth = authenticator();
        let raw = format!("{scheme}{token}");
        if let Some(r) = auth_status(&auth, raw.as_bytes()) {
            prop_assert_eq!(r, Err(StatusCode::UNAUTHORIZED));
        }
    }
}

/// One random change to `input`: flip, replace, insert, delete, duplicate a slice, or splice in
/// a token that parsers care about.
fn mutate(rng: &mut StdRng, input: &mut Vec<u8>) {
    const TOKENS: &[&[u8]] = &[
        b",",
        b"=",
        b"t=",
        b"v1=",
        b".",
        b"\"",
        b"{",
        b"}",
        b"[",
        b"]",
        b":",
        b"null",
        b"-1",
        b"99999999999999999999",
        b"\\u0000",
        b"\xff",
        b"eyJ",
        b"Bearer ",
        b"  ",
        b"\n",
    ];
    let len = input.len();
    match rng.random_range(0..6) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            input[i] ^= 1 << rng.random_range(0..8);
        }
        1 if len > 0 => {
            let i = rng.random_range(0..len);
            input[i] = rng.random();
        }
        2 => {
            let i = rng.random_range(0..=len);
            input.insert(i, rng.random());
        }
        3 if len > 0 => {
            let i = rng.random_range(0..len);
            let j = rng.random_range(i..=len.min(i + 16));
            input.drain(i..j);
        }
        4 if len > 0 => {
            let i = rng.random_range(0..len);
            let j = rng.random_range(i..=len.min(i + 32));
            let chunk = input[i..j].to_vec();
            let at = rng.random_range(0..=input.len());
            input.splice(at..at, chunk);
        }
        _ => {
            let t = TOKENS[rng.random_range(0..TOKENS.len())];
            let at = rng.random_range(0..=len);
            input.splice(at..at, t.iter().copied());
        }
    }
}

#[test]
#[ignore = "a bounded fuzz run; see the module documentation"]
fn fuzz_signature_decoder_and_tokens() {
    let secs: u64 = std::env::var("FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    let mut rng = StdRng::seed_from_u64(seed);
    let body = event_json();
    let header = format!("t={T},v1={},v0=00ff", sign(&body, SECRET, T));
    let token = format!("Bearer {}", valid_token());
    let auth = authenticator();
    let started = Instant::now();
    let (mut count, mut findings) = (0u64, Vec::<String>::new());
    while started.elapsed() < Duration::from_secs(secs) {
        let mut h = header.clone().into_bytes();
        let mut b = body.clone();
        let mut t = token.clone().into_bytes();
        for _ in 0..rng.random_range(1..8) {
            mutate(&mut rng, &mut h);
            mutate(&mut rng, &mut b);
            mutate(&mut rng, &mut t);
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut found = Vec::new();
            let h_text = String::from_utf8_lossy(&h);
            let r = verify(&b, Some(&h_text), SECRET, T, 300);
            // A changed body or header may only verify if it still carries the original
            // signature over the original body.
            if r.is_ok() && b != body {
                found.push(format!("signature accepted for a changed body: {h_text:?}"));
            }
            if let Err(s) = decoder_status(&b)
                && s != StatusCode::BAD_REQUEST
            {
                found.push(format!("decoder answered {s}"));
            }
            match auth_status(&auth, &t) {
                Some(Err(s)) if s != StatusCode::UNAUTHORIZED => {
                    found.push(format!("token path answered {s}"))
                }
                Some(Ok(())) if t != token.as_bytes() => {
                    // Some mutations (whitespace, scheme case) leave the token itself intact.
                    let text = String::from_utf8_lossy(&t);
                    if !text.contains(&token["Bearer ".len()..]) {
                        found.push(format!("a changed token was accepted: {text:?}"));
                    }
                }
                _ => {}
            }
            found
        }));
        match outcome {
            Ok(found) => findings.extend(found),
            Err(_) => findings.push(format!(
                "panic on header {:?}, body {:?}, token {:?}",
                String::from_utf8_lossy(&h),
                String::from_utf8_lossy(&b),
                String::from_utf8_lossy(&t)
            )),
        }
        count += 1;
    }
    println!(
        "fuzz: seed {seed}, {count} inputs (x3 targets), {:.1} s, {} findings",
        started.elapsed().as_secs_f64(),
        findings.len()
    );
    for f in findings.iter().take(20) {
        println!("  finding: {f}");
    }
    assert!(findings.is_empty(), "{} findings", findings.len());
}
