//! Helpers of the HTTP tests: a simulator on 127.0.0.1:0 with fast webhook retries, a
//! webhook receiver on port 0 that can fail its first answers, an API client, an
//! independent check of `Stripe-Signature`, a Checkout Session to pay.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use stripe_sim::{RunningSimulator, SimOptions, start};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tokio::time::Instant;

pub const DEADLINE: Duration = Duration::from_secs(15);

pub struct Receiver {
    pub url: String,
    pub rx: mpsc::UnboundedReceiver<(String, String)>,
}

#[derive(Clone)]
pub struct ReceiverState {
    pub tx: mpsc::UnboundedSender<(String, String)>,
    pub fail_first: Arc<AtomicUsize>,
}

pub async fn receive(
    State(s): State<ReceiverState>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let sig = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = String::from_utf8_lossy(&body).to_string();
    if s.fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        let _ = s.tx.send((format!("FAILED {sig}"), body));
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let _ = s.tx.send((sig, body));
    StatusCode::OK
}

pub async fn receiver(fail_first: usize) -> Receiver {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = ReceiverState {
        tx,
        fail_first: Arc::new(AtomicUsize::new(fail_first)),
    };
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver {
        url: format!("http://{addr}/hook"),
        rx,
    }
}

pub async fn sim() -> RunningSimulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    start(
        listener,
        SimOptions {
            retry_schedule: Some(vec![Duration::from_millis(50), Duration::from_millis(100)]),
            ..Default::default()
        },
    )
    .await
    .expect("start")
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn key() -> String {
    format!("sk_test_{}", stripe_sim::ids::random_base62(20))
}

pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub key: String,
}

impl Api {
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post");
        let status = StatusCode::from_u16(r.status().as_u16()).expect("status");
        (status, r.json().await.expect("json"))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("get");
        let status = StatusCode::from_u16(r.status().as_u16()).expect("status");
        (status, r.json().await.expect("json"))
    }
}

pub fn hmac_hex(secret: &str, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a Stripe-Signature header independently of the simulator's own code.
pub fn signature_ok(header: &str, body: &str, secret: &str) -> bool {
    let t = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .expect("t=");
    let expected = hmac_hex(secret, &format!("{t}.{body}"));
    header.split(',').any(|p| p == format!("v1={expected}")) && !header.contains(' ')
}

pub async fn setup_session(api: &Api) -> String {
    let (s, product) = api.post("/v1/products", &[("name", "Basic <plan>")]).await;
    assert_eq!(s, StatusCode::OK, "{product}");
    let product_id = product["id"].as_str().expect("id").to_string();
    let (s, price) = api
        .post(
            "/v1/prices",
            &[
                ("product", &product_id),
                ("unit_amount", "2000"),
                ("currency", "usd"),
                ("recurring[interval]", "month"),
                ("lookup_key", "basic_monthly"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{price}");
    let price_id = price["id"].as_str().expect("id").to_string();
    let (s, session) = api
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("line_items[0][price]", &price_id),
                ("line_items[0][quantity]", "1"),
                (
                    "success_url",
                    "https://app.example/ok?session_id={CHECKOUT_SESSION_ID}",
                ),
                ("cancel_url", "https://app.example/cancel"),
                ("customer_email", "ada@example.com"),
                ("client_reference_id", "user-42"),
                ("metadata[user_id]", "42"),
                ("subscription_data[metadata][user_id]", "42"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{session}");
    assert_eq!(session["status"], "open");
    let url = session["url"].as_str().expect("url");
    assert!(
        url.starts_with(&api.base) && url.contains("/c/pay/cs_test_"),
        "{url}"
    );
    session["id"].as_str().expect("id").to_string()
}

pub const CANONICAL: &[&str] = &[
    "customer.created",
    "payment_method.attached",
    "customer.subscription.created",
    "invoice.created",
    "invoice.finalized",
    "payment_intent.created",
    "charge.succeeded",
    "payment_intent.succeeded",
    "invoice.paid",
    "invoice.payment_succeeded",
    "customer.subscription.updated",
    "checkout.session.completed",
];

/// Reads until the peer closes (or resets) the connection; `None` if it is still open at
/// `deadline`. Returns what was read before the close.
pub async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    deadline: Instant,
) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(seen),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// A client for a fresh account on `sim`.
pub fn new_api(sim: &stripe_sim::RunningSimulator) -> Api {
    Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    }
}

/// The `id` of an object.
pub fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

/// A one-time price (new product "Poster") of `amount` cents.
pub async fn one_time_price(api: &Api, amount: &str) -> String {
    let (s, price) = api
        .post(
            "/v1/prices",
            &[
                ("currency", "usd"),
                ("unit_amount", amount),
                ("product_data[name]", "Poster"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{price}");
    id(&price)
}
