//! The Stripe client's retry policy against a tiny scripted HTTP stub: retries 5xx/429 with the
//! same idempotency key, honours `Stripe-Should-Retry: false`, parses Stripe error bodies.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use billing::config::Secret;
use billing::stripe::{StripeClient, StripeClientOptions, StripeError};

/// Each scripted reply: status, optional `Stripe-Should-Retry`, body.
type Script = Vec<(u16, Option<&'static str>, &'static str)>;

#[derive(Default)]
struct Stub {
    script: Mutex<Script>,
    keys: Mutex<Vec<Option<String>>>,
}

async fn reply(State(s): State<Arc<Stub>>, headers: HeaderMap) -> impl IntoResponse {
    s.keys.lock().unwrap().push(
        headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    );
    let (status, retry, body) = {
        let mut script = s.script.lock().unwrap();
        if script.len() > 1 {
            script.remove(0)
        } else {
            script[0]
        }
    };
    let mut h = HeaderMap::new();
    if let Some(r) = retry {
        h.insert("stripe-should-retry", r.parse().unwrap());
    }
    (StatusCode::from_u16(status).unwrap(), h, body)
}

async fn client_with(script: Script) -> (StripeClient, Arc<Stub>) {
    let stub = Arc::new(Stub {
        script: Mutex::new(script),
        ..Default::default()
    });
    let app = Router::new()
        .route("/v1/customers", post(reply))
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    let options = StripeClientOptions {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retries: 2,
        ..Default::default()
    };
    let client =
        StripeClient::new(&format!("http://{addr}"), Secret::new("sk_test_x"), options).unwrap();
    (client, stub)
}

const OK: &str = r#"{"id":"cus_1","object":"customer","metadata":{}}"#;
const ERR: &str = r#"{"error":{"type":"api_error","message":"boom"}}"#;

#[tokio::test]
async fn retries_server_errors_with_the_same_idempotency_key() {
    let (client, stub) =
        client_with(vec![(503, None, ERR), (429, None, ERR), (200, None, OK)]).await;
    let c: billing::stripe::types::Customer = client
        .post("/v1/customers", &vec![], "customer:u1:abc")
        .await
        .unwrap();
    assert_eq!(c.id, "cus_1");
    let keys = stub.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k.as_deref() == Some("customer:u1:abc")));
}

#[tokio::test]
async fn gives_up_after_max_retries_and_honours_should_retry_false() {
    let (client, stub) = client_with(vec![(500, None, ERR)]).await;
    let e = client
        .post::<serde_json::Value>("/v1/customers", &vec![], "k")
        .await
        .unwrap_err();
    assert!(e.is_unavailable());
    assert_eq!(stub.keys.lock().unwrap().len(), 3);

    let (client, stub) = client_with(vec![(500, Some("false"), ERR)]).await;
    client
        .post::<serde_json::Value>("/v1/customers", &vec![], "k")
        .await
        .unwrap_err();
    assert_eq!(stub.keys.lock().unwrap().len(), 1);

    // A 400 is not retried (unless Stripe says so) and its body is parsed.
    let (client, stub) = client_with(vec![(
        400,
        None,
        r#"{"error":{"type":"invalid_request_error","code":"parameter_missing","param":"email","message":"Missing required param: email."}}"#,
    )])
    .await;
    match client
        .post::<serde_json::Value>("/v1/customers", &vec![], "k")
        .await
        .unwrap_err()
    {
        StripeError::Api { status, body, .. } => {
            assert_eq!(status, 400);
            assert_eq!(body.code.as_deref(), Some("parameter_missing"));
            assert_eq!(body.param.as_deref(), Some("email"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(stub.keys.lock().unwrap().len(), 1);

    // A 409 that Stripe marks retryable is retried.
    let (client, stub) = client_with(vec![(409, Some("true"), ERR), (200, None, OK)]).await;
    client
        .post::<serde_json::Value>("/v1/customers", &vec![], "k")
        .await
        .unwrap();
    assert_eq!(stub.keys.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn connection_failure_is_unavailable() {
    // Bind then drop a listener so the port is closed.
    let addr = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let options = StripeClientOptions {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        ..Default::default()
    };
    let client =
        StripeClient::new(&format!("http://{addr}"), Secret::new("sk_test_x"), options).unwrap();
    let e = client
        .get::<serde_json::Value>("/v1/subscriptions/sub_1", &[])
        .await
        .unwrap_err();
    assert!(matches!(e, StripeError::Transport(_)), "{e:?}");
    assert!(e.is_unavailable());
}
