//! RS256 authentication against an identity provider's JWKS served by wiremock: valid tokens,
//! issuer and expiry checks, the key set cached, refetched when a token names an unknown `kid`
//! (key rotation), and no refetch storm for forged kids.

use billing::auth::{AuthError, Authenticator};
use billing::config::AuthConfig;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ISSUER: &str = "https://clerk.golive.test";

fn jwk(name: &str, kid: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/tests/keys/{name}.jwk.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["kid"] = json!(kid);
    v
}

fn sign(name: &str, kid: &str, claims: Value) -> String {
    let der = std::fs::read(format!(
        "{}/tests/keys/{name}.der",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_der(&der)).unwrap()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims(sub: &str, iss: &str, exp_in: i64) -> Value {
    json!({"sub": sub, "email": format!("{sub}@example.com"), "iss": iss,
           "exp": now() + exp_in, "iat": now(), "azp": "https://app.golive.test"})
}

fn headers(token: &str) -> axum::http::HeaderMap {
    let mut h = axum::http::HeaderMap::new();
    h.insert("authorization", format!("Bearer {token}").parse().unwrap());
    h
}

async fn jwks_server(keys: Vec<Value>, expected_fetches: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"keys": keys})))
        .expect(expected_fetches)
        .mount(&server)
        .await;
    server
}

fn authenticator(server: &MockServer) -> Authenticator {
    Authenticator::from_config(&AuthConfig::Rs256 {
        jwks_url: format!("{}/.well-known/jwks.json", server.uri()),
        issuer: ISSUER.to_string(),
    })
}

#[tokio::test]
async fn valid_rs256_tokens_pass_and_the_key_set_is_cached() {
    let server = jwks_server(vec![jwk("a", "kid-a")], 1).await;
    let auth = authenticator(&server);
    for i in 0..5 {
        let t = sign("a", "kid-a", claims(&format!("user_{i}"), ISSUER, 600));
        let u = auth.authenticate(&headers(&t)).await.unwrap();
        assert_eq!(u.user_id, format!("user_{i}"));
        assert_eq!(
            u.email.as_deref(),
            Some(format!("user_{i}@example.com").as_str())
        );
    }
    server.verify().await;
}

#[tokio::test]
async fn issuer_expiry_signature_and_algorithm_are_checked() {
    let server = jwks_server(vec![jwk("a", "kid-a")], 1).await;
    let auth = authenticator(&server);
    let wrong_iss = sign("a", "kid-a", claims("u", "https://evil.example", 600));
    assert_eq!(
        auth.authenticate(&headers(&wrong_iss)).await,
        Err(AuthError::Invalid)
    );
    let expired = sign("a", "kid-a", claims("u", ISSUER, -3600));
    assert_eq!(
        auth.authenticate(&headers(&expired)).await,
        Err(AuthError::Invalid)
    );
    // Signed by key b but claiming key a's kid.
    let forged = sign("b", "kid-a", claims("u", ISSUER, 600));
    assert_eq!(
        auth.authenticate(&headers(&forged)).await,
        Err(AuthError::Invalid)
    );
    // An HS256 token (algorithm confusion) is refused outright.
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims("u", ISSUER, 600),
        &EncodingKey::from_secret(b"whatever"),
    )
    .unwrap();
    assert_eq!(
        auth.authenticate(&headers(&hs)).await,
        Err(AuthError::Invalid)
    );
    assert_eq!(
        auth.authenticate(&axum::http::HeaderMap::new()).await,
        Err(AuthError::Missing)
    );
    server.verify().await;
}

#[tokio::test]
async fn rs256_time_claims_nbf_iat_and_lifetime_are_checked() {
    let server = jwks_server(vec![jwk("a", "kid-a")], 1).await;
    let auth = authenticator(&server).with_max_lifetime(3600);
    let with = |changes: Value| {
        let mut c = claims("u", ISSUER, 60);
        for (k, v) in changes.as_object().unwrap() {
            c[k] = v.clone();
        }
        sign("a", "kid-a", c)
    };
    let n = now();
    // A Clerk-style session token: 60 s, iat now, nbf a little in the past.
    let ok = with(json!({"nbf": n - 10}));
    assert!(auth.authenticate(&headers(&ok)).await.is_ok());
    for bad in [
        json!({"nbf": n + 300}),
        json!({"iat": n + 300}),
        json!({"iat": n, "exp": n + 7200}),
        json!({"iat": null, "exp": n + 7200}),
    ] {
        let t = with(bad.clone());
        assert_eq!(
            auth.authenticate(&headers(&t)).await,
            Err(AuthError::Invalid),
            "{bad}"
        );
    }
    server.verify().await;
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_key_set_once() {
    let server = MockServer::start().await;
    // First the provider serves key a only; after rotation it serves a and b.
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"keys": [jwk("a", "kid-a")]})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let auth = authenticator(&server);
    let ta = sign("a", "kid-a", claims("ana", ISSUER, 600));
    assert!(auth.authenticate(&headers(&ta)).await.is_ok());

    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"keys": [jwk("a", "kid-a"), jwk("b", "kid-b")]})),
        )
        // One refetch for kid-b, one for the forged kid-x below.
        .expect(2)
        .mount(&server)
        .await;
    let tb = sign("b", "kid-b", claims("bo", ISSUER, 600));
    let u = auth.authenticate(&headers(&tb)).await.unwrap();
    assert_eq!(u.user_id, "bo");
    // Both keys now cached: no further fetch.
    assert!(auth.authenticate(&headers(&ta)).await.is_ok());
    assert!(auth.authenticate(&headers(&tb)).await.is_ok());
    // A forged kid costs one refetch, then is remembered as unknown.
    let tx = sign("b", "kid-x", claims("eve", ISSUER, 600));
    assert_eq!(
        auth.authenticate(&headers(&tx)).await,
        Err(AuthError::Invalid)
    );
    server.verify().await;
    let fetches_before = server.received_requests().await.unwrap().len();
    for _ in 0..10 {
        assert_eq!(
            auth.authenticate(&headers(&tx)).await,
            Err(AuthError::Invalid)
        );
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        fetches_before
    );
}

#[tokio::test]
async fn an_unreachable_provider_is_503_not_500_nor_a_pass() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let auth = authenticator(&server);
    let t = sign("a", "kid-a", claims("u", ISSUER, 600));
    let err = auth.authenticate(&headers(&t)).await.unwrap_err();
    assert_eq!(err, AuthError::KeysUnavailable);
    let api: billing::error::ApiError = err.into();
    assert_eq!(api.status_and_code().0, 503);
}
