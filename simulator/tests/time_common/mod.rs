//! Shared helpers of the clock, delivery and control-plane integration tests: a
//! simulator on 127.0.0.1:0, a webhook receiver on port 0 with a switchable answer, an API
//! client, and polling with deadlines (no sleeps to wait).

#![allow(dead_code)]

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use stripe_sim::{RunningSimulator, SimOptions, start};

/// How long any wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// `Stripe-Signature`
    pub signature: String,
    /// Raw body.
    pub body: String,
    /// Parsed body.
    pub event: Value,
    /// When it arrived.
    pub at: Instant,
}

/// A webhook receiver.
#[derive(Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`
    pub url: String,
    /// Everything received, in arrival order.
    pub got: Arc<Mutex<Vec<Received>>>,
    /// Status to answer.
    pub status: Arc<AtomicU16>,
    /// Answer 500 to this many requests first.
    pub fail_first: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct RState {
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    fail_first: Arc<AtomicUsize>,
}

async fn receive(State(s): State<RState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let body = String::from_utf8_lossy(&body).to_string();
    let r = Received {
        signature: headers
            .get("stripe-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        event: serde_json::from_str(&body).unwrap_or(Value::Null),
        body,
        at: Instant::now(),
    };
    s.got.lock().expect("lock").push(r);
    if s.fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    StatusCode::from_u16(s.status.load(Ordering::SeqCst)).unwrap_or(StatusCode::OK)
}

/// Starts a receiver answering 200.
pub async fn receiver() -> Receiver {
    let st = RState {
        got: Arc::new(Mutex::new(Vec::new())),
        status: Arc::new(AtomicU16::new(200)),
        fail_first: Arc::new(AtomicUsize::new(0)),
    };
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(st.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind receiver");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver {
        url: format!("http://{addr}/hook"),
        got: st.got,
        status: st.status,
        fail_first: st.fail_first,
    }
}

impl Receiver {
    /// Everything received so far.
    pub fn all(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// Event types received, in arrival order.
    pub fn types(&self) -> Vec<String> {
        self.all()
            .iter()
            .map(|r| r.event["type"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Waits until `pred` holds over what was received.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let all = self.all();
            if pred(&all) {
                return all;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; got {:?}",
                self.types()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A simulator with fast retries (50 ms, 100 ms).
pub async fn sim() -> RunningSimulator {
    sim_with(SimOptions {
        retry_schedule: Some(vec![Duration::from_millis(50), Duration::from_millis(100)]),
        ..Default::default()
    })
    .await
}

/// A simulator with the given options.
pub async fn sim_with(options: SimOptions) -> RunningSimulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    start(listener, options).await.expect("start")
}

/// An HTTP client that does not follow redirects.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A fresh API key (= a fresh account).
pub fn key() -> String {
    format!("sk_test_{}", stripe_sim::ids::random_base62(20))
}

/// An API client for one account.
#[derive(Clone)]
pub struct Api {
    /// HTTP client.
    pub http: reqwest::Client,
    /// Simulator base URL.
    pub base: String,
    /// API key.
    pub key: String,
}

impl Api {
    /// A client on a fresh account of `sim`.
    pub fn new(sim: &RunningSimulator) -> Api {
        Api {
            http: client(),
            base: sim.base_url.clone(),
            key: key(),
        }
    }

    /// POST a form.
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
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// POST a JSON body (simulator-only routes).
    pub async fn json(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .expect("post");
        let status = StatusCode::from_u16(r.status().as_u16()).expect("status");
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// GET.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("get");
        let status = StatusCode::from_u16(r.status().as_u16()).expect("status");
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("delete");
        let status = StatusCode::from_u16(r.status().as_u16()).expect("status");
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// POST that must answer 200.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
        let (s, v) = self.json(path, body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }

    /// Registers `url` for every event; returns (endpoint id, secret).
    pub async fn endpoint(&self, url: &str) -> (String, String) {
        let (s, we) = self
            .post(
                "/v1/webhook_endpoints",
                &[("url", url), ("enabled_events[]", "*")],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{we}");
        (
            we["id"].as_str().expect("id").to_string(),
            we["secret"].as_str().expect("secret").to_string(),
        )
    }

    /// A monthly price of `amount` cents; returns (product id, price id).
    pub async fn price(&self, name: &str, amount: &str) -> (String, String) {
        let (s, product) = self.post("/v1/products", &[("name", name)]).await;
        assert_eq!(s, StatusCode::OK, "{product}");
        let product_id = product["id"].as_str().expect("id").to_string();
        let (s, price) = self
            .post(
                "/v1/prices",
                &[
                    ("product", &product_id),
                    ("unit_amount", amount),
                    ("currency", "usd"),
                    ("recurring[interval]", "month"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{price}");
        (product_id, price["id"].as_str().expect("id").to_string())
    }

    /// Subscribes through Checkout with `card` (optionally for an existing customer);
    /// returns the completed session.
    pub async fn subscribe(&self, price: &str, card: &str, customer: Option<&str>) -> Value {
        let mut form = vec![
            ("mode", "subscription"),
            ("line_items[0][price]", price),
            ("line_items[0][quantity]", "1"),
            ("success_url", "https://app.example/ok"),
        ];
        match customer {
            Some(c) => form.push(("customer", c)),
            None => form.push(("customer_email", "ada@example.com")),
        }
        let (s, session) = self.post("/v1/checkout/sessions", &form).await;
        assert_eq!(s, StatusCode::OK, "{session}");
        let id = session["id"].as_str().expect("id").to_string();
        self.ok(
            &format!("/_sim/checkout/sessions/{id}/pay"),
            json!({"card_number": card}),
        )
        .await;
        let (_, done) = self.get(&format!("/v1/checkout/sessions/{id}")).await;
        assert_eq!(done["status"], "complete", "{done}");
        done
    }

    /// Events of the account of `type`, oldest first.
    pub async fn events(&self, event_type: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                Some(a) => format!("/v1/events?type={event_type}&limit=100&starting_after={a}"),
                None => format!("/v1/events?type={event_type}&limit=100"),
            };
            let (s, list) = self.get(&path).await;
            assert_eq!(s, StatusCode::OK, "{list}");
            let data = list["data"].as_array().cloned().unwrap_or_default();
            after = data
                .last()
                .and_then(|e| e["id"].as_str())
                .map(str::to_string);
            out.extend(data);
            if list["has_more"] != true {
                break;
            }
        }
        out.reverse();
        out
    }

    /// Waits until every due delivery is done.
    pub async fn quiesce(&self) {
        let v = self.ok("/_sim/quiesce", json!({"timeout_ms": 15000})).await;
        assert_eq!(v["quiescent"], true, "{v}");
    }
}

/// HMAC-SHA256 hex, independent of the simulator's code.
pub fn hmac_hex(secret: &str, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `v1` values of a signature header, in order.
pub fn v1s(header: &str) -> Vec<String> {
    header
        .split(',')
        .filter_map(|p| p.strip_prefix("v1="))
        .map(str::to_string)
        .collect()
}

/// The `t` of a signature header.
pub fn sig_t(header: &str) -> String {
    header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .expect("t=")
        .to_string()
}
