//! Authentication's unit tests: HS256 tokens, the time rules, cookies and headers.

use super::*;
use crate::auth::claims::{Claims, check_times};
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
