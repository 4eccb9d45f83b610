//! End-to-end tests over HTTP: a simulator on 127.0.0.1:0, a tiny webhook receiver on port 0.

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
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

const DEADLINE: Duration = Duration::from_secs(15);

struct Receiver {
    url: String,
    rx: mpsc::UnboundedReceiver<(String, String)>,
}

#[derive(Clone)]
struct ReceiverState {
    tx: mpsc::UnboundedSender<(String, String)>,
    fail_first: Arc<AtomicUsize>,
}

async fn receive(State(s): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
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

async fn receiver(fail_first: usize) -> Receiver {
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

async fn sim() -> RunningSimulator {
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

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn key() -> String {
    format!("sk_test_{}", stripe_sim::ids::random_base62(20))
}

struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
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

    async fn get(&self, path: &str) -> (StatusCode, Value) {
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

fn hmac_hex(secret: &str, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Checks a Stripe-Signature header independently of the simulator's own code.
fn signature_ok(header: &str, body: &str, secret: &str) -> bool {
    let t = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .expect("t=");
    let expected = hmac_hex(secret, &format!("{t}.{body}"));
    header.split(',').any(|p| p == format!("v1={expected}")) && !header.contains(' ')
}

async fn setup_session(api: &Api) -> String {
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

const CANONICAL: &[&str] = &[
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

#[tokio::test]
async fn paying_a_session_delivers_signed_events_in_canonical_order() {
    let sim = sim().await;
    let mut rcv = receiver(0).await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (s, we) = api
        .post(
            "/v1/webhook_endpoints",
            &[("url", &rcv.url), ("enabled_events[]", "*")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{we}");
    let secret = we["secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("whsec_"));
    let (_, fetched) = api
        .get(&format!(
            "/v1/webhook_endpoints/{}",
            we["id"].as_str().expect("id")
        ))
        .await;
    assert!(fetched.get("secret").is_none(), "secret only at creation");

    let session_id = setup_session(&api).await;

    // A declined card: 402 card_error, nothing created, session still open.
    let (s, err) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4000000000000002")],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["type"], "card_error");
    assert_eq!(err["error"]["decline_code"], "generic_decline");
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    assert_eq!(session["status"], "open");
    let (_, subs) = api.get("/v1/subscriptions").await;
    assert_eq!(subs["data"].as_array().map(Vec::len), Some(0));

    // A good card.
    let (s, paid) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{paid}");
    assert_eq!(
        paid["redirect_url"],
        format!("https://app.example/ok?session_id={session_id}")
    );

    // Collect deliveries until checkout.session.completed arrives.
    let deadline = Instant::now() + DEADLINE;
    let mut events: Vec<Value> = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (sig, body) = timeout(left, rcv.rx.recv())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "timed out; got {:?}",
                    events.iter().map(|e| e["type"].clone()).collect::<Vec<_>>()
                )
            })
            .expect("receiver open");
        assert!(signature_ok(&sig, &body, &secret), "bad signature {sig}");
        assert!(stripe_sim::webhooks::signing::verify(
            &sig,
            &body,
            &secret,
            300,
            stripe_sim::time::clock::wall_now()
        ));
        let ev: Value = serde_json::from_str(&body).expect("event json");
        let done = ev["type"] == "checkout.session.completed";
        events.push(ev);
        if done {
            break;
        }
    }
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(&types[..2], ["product.created", "price.created"]);
    assert_eq!(&types[2..], CANONICAL);

    for ev in &events {
        assert_eq!(ev["object"], "event");
        assert_eq!(ev["api_version"], stripe_sim::API_VERSION);
        assert_eq!(ev["livemode"], false);
    }
    let by_type = |t: &str| events.iter().find(|e| e["type"] == t).expect(t).clone();
    assert_eq!(
        by_type("customer.subscription.created")["data"]["object"]["status"],
        "incomplete"
    );
    let updated = by_type("customer.subscription.updated");
    assert_eq!(updated["data"]["object"]["status"], "active");
    assert_eq!(
        updated["data"]["previous_attributes"]["status"],
        "incomplete"
    );
    assert_eq!(
        by_type("invoice.created")["data"]["object"]["status"],
        "draft"
    );
    assert_eq!(by_type("invoice.paid")["data"]["object"]["status"], "paid");
    assert_eq!(
        by_type("customer.created")["data"]["object"]["email"],
        "ada@example.com"
    );
    let completed = by_type("checkout.session.completed")["data"]["object"].clone();
    assert_eq!(completed["status"], "complete");
    assert_eq!(completed["payment_status"], "paid");
    assert_eq!(completed["client_reference_id"], "user-42");
    assert_eq!(completed["metadata"]["user_id"], "42");
    assert!(
        by_type("product.created")["request"]["id"]
            .as_str()
            .is_some_and(|r| r.starts_with("req_"))
    );

    // The subscription the backend will fetch.
    let sub_id = completed["subscription"].as_str().expect("subscription");
    let (s, sub) = api
        .get(&format!(
            "/v1/subscriptions/{sub_id}?expand[]=latest_invoice"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["metadata"]["user_id"], "42");
    assert_eq!(sub["latest_invoice"]["status"], "paid");
    assert_eq!(
        sub["latest_invoice"]["billing_reason"],
        "subscription_create"
    );
    assert_eq!(
        sub["latest_invoice"]["parent"]["subscription_details"]["subscription"],
        sub_id
    );
    let item = &sub["items"]["data"][0];
    let start = item["current_period_start"].as_i64().expect("start");
    let end = item["current_period_end"].as_i64().expect("end");
    assert!(end - start >= 28 * 86_400 && end - start <= 31 * 86_400);
    assert_eq!(item["price"]["unit_amount"], 2000);
    let (_, listed) = api
        .get(&format!(
            "/v1/subscriptions?customer={}&status=active",
            completed["customer"].as_str().expect("cus")
        ))
        .await;
    assert_eq!(listed["data"][0]["id"], sub_id);

    // Events are retrievable and pending_webhooks drops to 0 once delivered.
    let last_id = events.last().expect("events")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let deadline = Instant::now() + DEADLINE;
    loop {
        let (s, ev) = api.get(&format!("/v1/events/{last_id}")).await;
        assert_eq!(s, StatusCode::OK);
        if ev["pending_webhooks"] == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "pending_webhooks stuck: {ev}");
        tokio::task::yield_now().await;
    }
    let (_, list) = api.get("/v1/events?type=invoice.paid").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let (_, log) = api.get("/_sim/deliveries").await;
    let log = log["data"].as_array().expect("data").clone();
    assert_eq!(log.len(), events.len());
    assert!(log.iter().all(|r| r["status"] == 200 && r["attempt"] == 1));
    sim.shutdown().await;
}

#[tokio::test]
async fn failed_delivery_is_retried_and_resigned() {
    let sim = sim().await;
    let mut rcv = receiver(1).await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (_, we) = api
        .post(
            "/v1/webhook_endpoints",
            &[("url", &rcv.url), ("enabled_events[0]", "customer.created")],
        )
        .await;
    let secret = we["secret"].as_str().expect("secret").to_string();
    let (s, cus) = api
        .post("/v1/customers", &[("email", "x@example.com")])
        .await;
    assert_eq!(s, StatusCode::OK, "{cus}");
    let (first_sig, first_body) = timeout(DEADLINE, rcv.rx.recv())
        .await
        .expect("first")
        .expect("open");
    assert!(first_sig.starts_with("FAILED "));
    let (sig, body) = timeout(DEADLINE, rcv.rx.recv())
        .await
        .expect("retry")
        .expect("open");
    assert_eq!(body, first_body, "same body on retry");
    assert!(signature_ok(&sig, &body, &secret));
    let deadline = Instant::now() + DEADLINE;
    loop {
        let (_, log) = api.get("/_sim/deliveries").await;
        let data = log["data"].as_array().expect("data").clone();
        if data.len() == 2 {
            assert_eq!(data[0]["status"], 500);
            assert_eq!(data[0]["attempt"], 1);
            assert_eq!(data[1]["status"], 200);
            assert_eq!(data[1]["attempt"], 2);
            break;
        }
        assert!(Instant::now() < deadline, "log: {data:?}");
        tokio::task::yield_now().await;
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn hosted_checkout_page_pays_and_declines() {
    let sim = sim().await;
    let http = client();
    let api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let session_id = setup_session(&api).await;
    let page_url = format!("{}/c/pay/{session_id}", sim.base_url);
    let r = http.get(&page_url).send().await.expect("page");
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("Basic &lt;plan&gt;"), "escaped product name");
    assert!(html.contains("$20.00"));
    assert!(html.contains("name=\"card_number\""));
    assert!(html.contains("href=\"https://app.example/cancel\""));

    let r = http
        .post(&page_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("card_number=4000+0000+0000+0002")
        .send()
        .await
        .expect("decline");
    assert_eq!(r.status().as_u16(), 402);
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("Your card was declined.")
    );
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    assert_eq!(session["status"], "open");

    let r = http
        .post(&page_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("card_number=4242424242424242&exp=12%2F34&cvc=123")
        .send()
        .await
        .expect("pay");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("https://app.example/ok?session_id={session_id}").as_str())
    );
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    assert_eq!(session["status"], "complete");
    let r = http
        .get(format!("{}/c/pay/cs_test_nope", sim.base_url))
        .send()
        .await
        .expect("404");
    assert_eq!(r.status().as_u16(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn errors_are_stripe_shaped() {
    let sim = sim().await;
    let http = client();
    let api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };

    // Live and garbage keys.
    for auth in ["Bearer sk_live_123", "Bearer garbage", "Basic !!"] {
        let r = http
            .get(format!("{}/v1/customers", sim.base_url))
            .header("authorization", auth)
            .send()
            .await
            .expect("401");
        assert_eq!(r.status().as_u16(), 401, "{auth}");
        assert!(r.headers().get("request-id").is_some());
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["error"]["type"], "invalid_request_error");
    }
    let r = http
        .get(format!("{}/v1/customers", sim.base_url))
        .send()
        .await
        .expect("no key");
    assert_eq!(r.status().as_u16(), 401);

    // Unknown routes and wrong methods.
    let (s, v) = api.get("/v1/nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        v["error"]["message"],
        "Unrecognized request URL (GET: /v1/nope)."
    );
    let r = http
        .delete(format!("{}/v1/products", sim.base_url))
        .bearer_auth(&api.key)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status().as_u16(), 404);
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        v["error"]["message"],
        "Unrecognized request URL (DELETE: /v1/products)."
    );

    // Missing, unknown and malformed parameters.
    let (s, v) = api.post("/v1/products", &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "parameter_missing");
    assert_eq!(v["error"]["param"], "name");
    let (s, v) = api
        .post("/v1/products", &[("name", "x"), ("colour", "red")])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "parameter_unknown");
    let (s, v) = api
        .post("/v1/customers", &[("metadata", "x"), ("metadata[a]", "b")])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = api.get("/v1/customers/cus_missing").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["message"], "No such customer: 'cus_missing'");
    assert_eq!(v["error"]["param"], "id");
    let (s, v) = api.get("/v1/customers?limit=101").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // Idempotency: replay, then a different body with the same key.
    let post_idem = |body: &'static str| {
        http.post(format!("{}/v1/customers", sim.base_url))
            .bearer_auth(&api.key)
            .header("idempotency-key", "key-1")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let first = post_idem("email=a%40example.com").await.expect("first");
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.expect("json");
    let again = post_idem("email=a%40example.com").await.expect("again");
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = again.json().await.expect("json");
    assert_eq!(first["id"], again["id"]);
    let other = post_idem("email=b%40example.com").await.expect("other");
    assert_eq!(other.status().as_u16(), 400);
    let other: Value = other.json().await.expect("json");
    assert_eq!(other["error"]["type"], "idempotency_error");
    let (_, list) = api.get("/v1/customers").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));

    // Accounts are isolated.
    let other_api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (_, list) = other_api.get("/v1/customers").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0));
    let (s, _) = other_api
        .get(&format!(
            "/v1/customers/{}",
            first["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Deleted customers.
    let cus = first["id"].as_str().expect("id");
    let r = http
        .delete(format!("{}/v1/customers/{cus}", sim.base_url))
        .bearer_auth(&api.key)
        .send()
        .await
        .expect("delete");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["deleted"], true);
    let (s, v) = api.get(&format!("/v1/customers/{cus}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["deleted"], true);
    sim.shutdown().await;
}

#[tokio::test]
async fn lists_paginate_newest_first_and_expand() {
    let sim = sim().await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let mut ids = Vec::new();
    for i in 0..5 {
        let (_, p) = api
            .post("/v1/products", &[("name", &format!("p{i}"))])
            .await;
        ids.push(p["id"].as_str().expect("id").to_string());
    }
    let (_, page1) = api.get("/v1/products?limit=2").await;
    assert_eq!(page1["data"][0]["id"], ids[4]);
    assert_eq!(page1["data"][1]["id"], ids[3]);
    assert_eq!(page1["has_more"], true);
    let (_, page2) = api
        .get(&format!("/v1/products?limit=2&starting_after={}", ids[3]))
        .await;
    assert_eq!(page2["data"][0]["id"], ids[2]);
    let (_, back) = api
        .get(&format!("/v1/products?limit=2&ending_before={}", ids[2]))
        .await;
    assert_eq!(back["data"][0]["id"], ids[4]);

    let (_, price) = api
        .post(
            "/v1/prices",
            &[
                ("product", &ids[0]),
                ("unit_amount", "500"),
                ("currency", "eur"),
                ("expand[]", "product"),
            ],
        )
        .await;
    assert_eq!(price["product"]["id"], ids[0]);
    let (_, prices) = api.get("/v1/prices?expand[0]=data.product").await;
    assert_eq!(prices["data"][0]["product"]["name"], "p0");
    let (s, v) = api.get("/v1/prices?expand[]=data.currency").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    sim.shutdown().await;
}

#[tokio::test]
async fn json_twin_and_request_ids() {
    let sim = sim().await;
    let http = client();
    let api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let session_id = setup_session(&api).await;
    let r = http
        .post(format!(
            "{}/_sim/checkout/sessions/{session_id}/pay",
            sim.base_url
        ))
        .bearer_auth(&api.key)
        .header("content-type", "application/json")
        .body(r#"{"card_number": "4000000000009995"}"#)
        .send()
        .await
        .expect("pay");
    assert_eq!(r.status().as_u16(), 402);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["error"]["decline_code"], "insufficient_funds");
    let r = http
        .post(format!(
            "{}/_sim/checkout/sessions/{session_id}/pay",
            sim.base_url
        ))
        .bearer_auth(&api.key)
        .header("content-type", "application/json")
        .body(r#"{"card_number": "pm_card_visa"}"#)
        .send()
        .await
        .expect("pay");
    assert_eq!(r.status().as_u16(), 200);
    // Paying twice is refused; another account cannot see the session.
    let (s, _) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let stranger = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (s, _) = stranger
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    for path in ["/v1/nope", "/v1/customers", "/_sim/nope"] {
        let r = http
            .get(format!("{}{path}", sim.base_url))
            .bearer_auth(&api.key)
            .send()
            .await
            .expect("get");
        let id = r
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(id.starts_with("req_"), "{path}: {id:?}");
    }
    let r = http
        .get(format!("{}/v1/customers/%FF", sim.base_url))
        .bearer_auth(&api.key)
        .send()
        .await
        .expect("bad path");
    assert!(r.status().is_client_error());
    let _: Value = r.json().await.expect("json error");
    sim.shutdown().await;
}

#[tokio::test]
async fn random_bodies_never_cause_5xx() {
    let sim = sim().await;
    let http = client();
    let key = key();
    let routes = [
        "/v1/products",
        "/v1/prices",
        "/v1/customers",
        "/v1/checkout/sessions",
        "/v1/webhook_endpoints",
        "/_sim/checkout/sessions/cs_test_x/pay",
    ];
    let alphabet = b"ab[]0=&%5Bexpandmetadata_line_items";
    let mut seed: u64 = 7;
    for i in 0..600 {
        let mut body = Vec::new();
        for _ in 0..(seed % 40) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            body.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        let route = routes[i % routes.len()];
        let r = http
            .post(format!("{}{route}", sim.base_url))
            .bearer_auth(&key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .expect("post");
        let status = r.status().as_u16();
        let v: Value = r.json().await.expect("always JSON");
        assert!(
            status < 500,
            "{route} {:?} → {status} {v}",
            String::from_utf8_lossy(&body)
        );
        if status != 200 {
            assert!(v["error"]["type"].is_string(), "{v}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn binary_prints_its_url_and_serves() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_stripe-sim"))
        .args(["--listen", "127.0.0.1:0", "--header-read-timeout", "0.3"])
        .args(["--idle-timeout", "30", "--max-connections", "8"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn stripe-sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = timeout(DEADLINE, lines.next_line())
        .await
        .expect("printed in time")
        .expect("read")
        .expect("a line");
    let url = line
        .strip_prefix("stripe-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"));
    let r = client()
        .get(format!("{url}/v1/x"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 404);
    // The timeout flags reach the server: a half-sent head is cut off after 0.3 s.
    let addr = url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    tokio::io::AsyncWriteExt::write_all(&mut s, b"GET / HTTP/1.1\r\n")
        .await
        .expect("write");
    let closed = read_until_closed(&mut s, Instant::now() + Duration::from_secs(5)).await;
    assert!(closed.is_some(), "--header-read-timeout was not applied");
    child.kill().await.expect("kill");
    let bad = tokio::process::Command::new(env!("CARGO_BIN_EXE_stripe-sim"))
        .args(["--listen", "127.0.0.1:0", "--idle-timeout", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .expect("run stripe-sim");
    assert!(!bad.success(), "a zero timeout is refused");
}

#[tokio::test]
async fn payment_methods_and_subscription_changes() {
    let sim = sim().await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (_, cus) = api
        .post("/v1/customers", &[("email", "pm@example.com")])
        .await;
    let cus_id = cus["id"].as_str().expect("id").to_string();

    // Declining cards are refused at attach; 0341 attaches.
    let (s, pm) = api
        .post(
            "/v1/payment_methods",
            &[("type", "card"), ("card[number]", "4000000000000002")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
    let (s, err) = api
        .post(
            &format!(
                "/v1/payment_methods/{}/attach",
                pm["id"].as_str().expect("id")
            ),
            &[("customer", &cus_id)],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["code"], "card_declined");
    let (s, err) = api
        .post(
            "/v1/payment_methods",
            &[("type", "card"), ("card[number]", "4242424242424241")],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["code"], "incorrect_number");
    let (s, pm) = api
        .post(
            "/v1/payment_methods/pm_card_chargeCustomerFail/attach",
            &[("customer", &cus_id)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
    assert_eq!(pm["card"]["last4"], "0341");
    assert_eq!(pm["customer"], cus_id.as_str());
    let pm_id = pm["id"].as_str().expect("id");
    let (s, cus) = api
        .post(
            &format!("/v1/customers/{cus_id}"),
            &[("invoice_settings[default_payment_method]", pm_id)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cus}");
    assert_eq!(cus["invoice_settings"]["default_payment_method"], pm_id);
    let (_, list) = api
        .get(&format!("/v1/payment_methods?customer={cus_id}"))
        .await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));

    // Subscription updates and cancellation.
    let session_id = setup_session(&api).await;
    let (_, _) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    let sub_id = session["subscription"].as_str().expect("sub").to_string();
    let (s, sub) = api
        .post(
            &format!("/v1/subscriptions/{sub_id}"),
            &[("cancel_at_period_end", "true")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["cancel_at_period_end"], true);
    assert_eq!(
        sub["cancel_at"],
        sub["items"]["data"][0]["current_period_end"]
    );
    assert_eq!(
        sub["cancellation_details"]["reason"],
        "cancellation_requested"
    );
    let (_, evs) = api
        .get("/v1/events?type=customer.subscription.updated&limit=1")
        .await;
    assert_eq!(
        evs["data"][0]["data"]["previous_attributes"]["cancel_at_period_end"],
        false
    );
    let r = api
        .http
        .delete(format!("{}/v1/subscriptions/{sub_id}", sim.base_url))
        .bearer_auth(&api.key)
        .send()
        .await
        .expect("cancel");
    assert_eq!(r.status().as_u16(), 200);
    let sub: Value = r.json().await.expect("json");
    assert_eq!(sub["status"], "canceled");
    let (_, evs) = api
        .get("/v1/events?type=customer.subscription.deleted")
        .await;
    assert_eq!(evs["data"][0]["data"]["object"]["id"], sub_id.as_str());
    let (_, active) = api.get("/v1/subscriptions").await;
    assert_eq!(active["data"].as_array().map(Vec::len), Some(0));
    let (_, all) = api.get("/v1/subscriptions?status=all").await;
    assert_eq!(all["data"].as_array().map(Vec::len), Some(1));
    sim.shutdown().await;
}

#[tokio::test]
async fn expiring_a_session() {
    let sim = sim().await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let session_id = setup_session(&api).await;
    let (s, v) = api
        .post(&format!("/v1/checkout/sessions/{session_id}/expire"), &[])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "expired");
    let (s, v) = api
        .post(&format!("/v1/checkout/sessions/{session_id}/expire"), &[])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (_, evs) = api.get("/v1/events?type=checkout.session.expired").await;
    assert_eq!(evs["data"][0]["data"]["object"]["id"], session_id.as_str());
    let (s, v) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (_, items) = api
        .get(&format!("/v1/checkout/sessions/{session_id}/line_items"))
        .await;
    assert_eq!(items["data"][0]["quantity"], 1);
    assert_eq!(items["data"][0]["amount_total"], 2000);
    sim.shutdown().await;
}

/// Sends `body` (raw bytes) to `url` as a form post and returns status, content type and text.
async fn raw_post(
    http: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    body: &[u8],
) -> (u16, String, String) {
    let mut req = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_vec());
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let r = req.send().await.expect("post");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ct, r.text().await.expect("text"))
}

#[tokio::test]
async fn malformed_form_encodings_are_stripe_shaped_400s() {
    let sim = sim().await;
    let http = client();
    let api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let bad: [&[u8]; 13] = [
        b"description=%zz",
        b"description=%",
        b"description=%4",
        b"description=%ff",
        b"description=\xff",
        b"description=%00",
        b"description=a\x00b",
        b"=x",
        b"description=a&=x",
        b"[a]=1",
        b"a[b=1",
        b"a]b=1",
        b"metadata%5Bk=1",
    ];
    for body in bad {
        let shown = String::from_utf8_lossy(body);
        // API body, the control plane's form bodies.
        for path in ["/v1/customers", "/_sim/clock/advance"] {
            let url = format!("{}{path}", sim.base_url);
            let (status, ct, text) = raw_post(&http, &url, Some(&api.key), body).await;
            assert_eq!(status, 400, "{path} {shown:?}: {text}");
            assert!(ct.starts_with("application/json"), "{path} {shown:?}: {ct}");
            let v: Value = serde_json::from_str(&text).expect("JSON error");
            assert_eq!(v["error"]["type"], "invalid_request_error", "{shown:?}");
            assert!(
                v["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }
    // Query strings of GET requests go through the same decoder.
    for q in [
        "email=%zz",
        "email=%",
        "email=%ff",
        "email=%00",
        "=x",
        "a[b=1",
    ] {
        let (s, v) = api.get(&format!("/v1/customers?{q}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {v}");
        assert_eq!(v["error"]["type"], "invalid_request_error", "{q}: {v}");
    }
    // What the SDKs send keeps working.
    let (s, c) = api
        .post(
            "/v1/customers",
            &[
                ("email", "a+b@example.com"),
                ("metadata[k x]", "50%"),
                ("name", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["email"], "a+b@example.com");
    assert_eq!(c["metadata"]["k x"], "50%");
    let url = format!("{}/v1/customers", sim.base_url);
    let (status, _, text) = raw_post(
        &http,
        &url,
        Some(&api.key),
        b"description=x+y&metadata%5Ba%5D=1&expand%5B%5D=default_source&expand[1]=test_clock",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let c: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(c["description"], "x y");
    assert_eq!(c["metadata"]["a"], "1");
    let (s, v) = api
        .get("/v1/customers?limit=1&expand%5B%5D=data.test_clock")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The hosted pages answer their HTML error page with a 400.
    let session_id = setup_session(&api).await;
    let page_url = format!("{}/c/pay/{session_id}", sim.base_url);
    let (s, customer) = api
        .post("/v1/customers", &[("email", "p@example.com")])
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, portal) = api
        .post(
            "/v1/billing_portal/sessions",
            &[
                ("customer", customer["id"].as_str().expect("id")),
                ("return_url", "https://app.example/account"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{portal}");
    let portal_url = format!("{}/cancel", portal["url"].as_str().expect("url"));
    for body in [
        &b"card_number=%zz"[..],
        b"card_number=%ff",
        b"=4242",
        b"a[b=1",
    ] {
        for url in [&page_url, &portal_url] {
            let (status, ct, text) = raw_post(&http, url, None, body).await;
            let shown = String::from_utf8_lossy(body);
            assert_eq!(status, 400, "{url} {shown:?}: {text}");
            assert!(ct.starts_with("text/html"), "{url} {shown:?}: {ct}");
            assert!(
                text.contains("<html") || text.contains("<!DOCTYPE"),
                "{text}"
            );
        }
    }
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    assert_eq!(session["status"], "open");
    sim.shutdown().await;
}

// --- Slow clients and the connection limit -------------------------------------------------

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn sim_with(options: SimOptions) -> RunningSimulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    start(listener, options).await.expect("start sim")
}

/// Reads until the peer closes (or resets) the connection; `None` if it is still open at
/// `deadline`. Returns what was read before the close.
async fn read_until_closed(stream: &mut TcpStream, deadline: Instant) -> Option<Vec<u8>> {
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

/// Sends one keep-alive `GET` on `stream` and reads the whole response (by Content-Length);
/// returns the status code, or `None` if no complete response arrives before `deadline`.
async fn keep_alive_get(
    stream: &mut TcpStream,
    path: &str,
    key: &str,
    deadline: Instant,
) -> Option<u16> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n");
    stream.write_all(req.as_bytes()).await.ok()?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if seen.len() >= end + 4 + len {
                return head.get(9..12).and_then(|s| s.parse().ok());
            }
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    }
}

#[tokio::test]
async fn half_sent_request_head_is_cut_off_after_the_header_timeout() {
    let header = Duration::from_millis(300);
    let sim = sim_with(SimOptions {
        header_read_timeout: Some(header),
        idle_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    })
    .await;
    let mut s = TcpStream::connect(sim.addr).await.expect("connect");
    let sent = Instant::now();
    s.write_all(b"POST /v1/customers HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let closed = read_until_closed(&mut s, sent + Duration::from_secs(5)).await;
    let waited = sent.elapsed();
    assert!(
        closed.is_some(),
        "a half-sent head is still open after {waited:?}"
    );
    assert_eq!(
        closed.as_deref(),
        Some(&b""[..]),
        "closed without an answer"
    );
    assert!(
        waited >= header - Duration::from_millis(50),
        "closed too early: {waited:?}"
    );
    // A well-behaved client on a new connection is served as usual.
    let mut s = TcpStream::connect(sim.addr).await.expect("connect");
    let status = keep_alive_get(&mut s, "/v1/customers", &key(), Instant::now() + DEADLINE).await;
    assert_eq!(status, Some(200));
    sim.shutdown().await;
}

#[tokio::test]
async fn body_slower_than_the_body_timeout_is_cut_off() {
    let body = Duration::from_millis(300);
    let sim = sim_with(SimOptions {
        body_read_timeout: Some(body),
        idle_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    })
    .await;
    let key = key();
    // Headers at once, then the body a byte every 50 ms: 60 bytes would take 3 s.
    let mut s = TcpStream::connect(sim.addr).await.expect("connect");
    let head = format!(
        "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60\r\n\r\nname="
    );
    s.write_all(head.as_bytes()).await.expect("write head");
    let sent = Instant::now();
    let (mut rd, mut wr) = s.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..55 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if wr.write_all(b"x").await.is_err() {
                return;
            }
        }
    });
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = sent + Duration::from_secs(5);
    let closed = loop {
        match tokio::time::timeout_at(deadline, rd.read(&mut buf)).await {
            Err(_) => break false,
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    };
    let waited = sent.elapsed();
    trickle.abort();
    let text = String::from_utf8_lossy(&seen).to_string();
    assert!(closed, "still open after {waited:?}; got {text:?}");
    assert!(
        waited >= body - Duration::from_millis(50),
        "cut off too early: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(2),
        "cut off too late: {waited:?}"
    );
    // A 408 when the server could still answer (a reset may swallow it: then nothing).
    if !text.is_empty() {
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("\"invalid_request_error\""), "{text}");
    }
    // A whole body sent at once is served on a new connection.
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key,
    };
    let (st, c) = api.post("/v1/customers", &[("name", "Ada")]).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let (st, list) = api.get("/v1/customers").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(1),
        "the slow one created nothing"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn at_the_connection_limit_new_connections_wait_and_existing_ones_keep_working() {
    let sim = sim_with(SimOptions {
        max_connections: Some(2),
        header_read_timeout: Some(Duration::from_secs(20)),
        idle_timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    })
    .await;
    let key = key();
    // A: a kept-alive client that has made a request; B: an idle socket. The limit is full.
    let mut a = TcpStream::connect(sim.addr).await.expect("connect a");
    let status = keep_alive_get(&mut a, "/v1/customers", &key, Instant::now() + DEADLINE).await;
    assert_eq!(status, Some(200));
    let b = TcpStream::connect(sim.addr).await.expect("connect b");
    // C: a well-formed request on a third connection waits, unanswered.
    let mut c = TcpStream::connect(sim.addr)
        .await
        .expect("connect c (backlog)");
    let early = keep_alive_get(
        &mut c,
        "/v1/customers",
        &key,
        Instant::now() + Duration::from_millis(300),
    )
    .await;
    assert_eq!(early, None, "a connection over the limit was served");
    // A keeps working while C waits.
    let status = keep_alive_get(&mut a, "/v1/customers", &key, Instant::now() + DEADLINE).await;
    assert_eq!(
        status,
        Some(200),
        "an existing client is blocked by the limit"
    );
    // Dropping the idle socket frees its slot: C's request (already sent) is answered.
    drop(b);
    let mut buf = Vec::new();
    let got = read_until_closed_or_response(&mut c, &mut buf, Instant::now() + DEADLINE).await;
    assert!(
        got,
        "the waiting connection was not served after a slot freed: {buf:?}"
    );
    assert!(
        buf.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf)
    );
    sim.shutdown().await;
}

/// Reads until a response head has arrived (true) or the deadline passes (false).
async fn read_until_closed_or_response(
    s: &mut TcpStream,
    seen: &mut Vec<u8>,
    deadline: Instant,
) -> bool {
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => return false,
        }
    }
    true
}

#[tokio::test]
async fn idle_sockets_over_the_limit_time_out_and_a_new_request_is_served() {
    let limit = 3;
    let sim = sim_with(SimOptions {
        max_connections: Some(limit),
        header_read_timeout: Some(Duration::from_millis(400)),
        idle_timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    })
    .await;
    // limit + 1 sockets that never send a byte (the last one waits in the backlog).
    let mut idle = Vec::new();
    for _ in 0..=limit {
        idle.push(TcpStream::connect(sim.addr).await.expect("connect idle"));
    }
    let started = Instant::now();
    let mut s = TcpStream::connect(sim.addr).await.expect("connect");
    let status = keep_alive_get(&mut s, "/v1/customers", &key(), started + DEADLINE).await;
    assert_eq!(status, Some(200), "idle sockets starved a real client");
    // The idle ones were closed by the server, not left open.
    for (i, sock) in idle.iter_mut().enumerate() {
        let closed = read_until_closed(sock, Instant::now() + DEADLINE).await;
        assert!(closed.is_some(), "idle socket {i} still open");
    }
    // A kept-alive connection is closed after the idle timeout too, once its response is read.
    let closed = read_until_closed(&mut s, Instant::now() + DEADLINE).await;
    assert!(
        closed.is_some(),
        "an idle kept-alive connection stayed open"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_graceful_with_idle_and_half_open_connections() {
    let sim = sim_with(SimOptions {
        header_read_timeout: Some(Duration::from_secs(20)),
        idle_timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    })
    .await;
    let mut kept = TcpStream::connect(sim.addr).await.expect("connect");
    let status = keep_alive_get(
        &mut kept,
        "/v1/customers",
        &key(),
        Instant::now() + DEADLINE,
    )
    .await;
    assert_eq!(status, Some(200));
    let mut half = TcpStream::connect(sim.addr).await.expect("connect");
    half.write_all(b"GET /v1/customers HTTP/1.1\r\nHo")
        .await
        .expect("write");
    let addr = sim.addr;
    timeout(Duration::from_secs(5), sim.shutdown())
        .await
        .expect("shutdown waits for neither idle nor half-sent connections");
    assert!(
        read_until_closed(&mut kept, Instant::now() + DEADLINE)
            .await
            .is_some()
    );
    assert!(
        read_until_closed(&mut half, Instant::now() + DEADLINE)
            .await
            .is_some()
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

#[tokio::test]
async fn healthz_answers_without_a_key_and_shutdown_delivers_what_is_owed_first() {
    // The endpoint fails the first attempt, so the event is still owed (waiting for its retry)
    // when shutdown begins.
    let mut rcv = receiver(1).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    let sim = start(
        listener,
        SimOptions {
            retry_schedule: Some(vec![Duration::from_millis(300)]),
            ..Default::default()
        },
    )
    .await
    .expect("start");
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    api.post(
        "/v1/webhook_endpoints",
        &[("url", &rcv.url), ("enabled_events[0]", "customer.created")],
    )
    .await;
    let (s, _) = api
        .post("/v1/customers", &[("email", "d@example.com")])
        .await;
    assert_eq!(s, StatusCode::OK);
    let (first, _) = timeout(DEADLINE, rcv.rx.recv())
        .await
        .expect("first attempt")
        .expect("open");
    assert!(first.starts_with("FAILED "), "{first}");
    let health: Value = api
        .http
        .get(format!("{}/healthz", sim.base_url))
        .send()
        .await
        .expect("healthz")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["outstanding_deliveries"], 1, "{health}");
    sim.shutdown().await;
    // The retry went out before the simulator stopped.
    let (second, body) = timeout(Duration::from_millis(100), rcv.rx.recv())
        .await
        .expect("the owed delivery was made before shutdown returned")
        .expect("open");
    assert!(!second.starts_with("FAILED "), "{second}");
    assert!(body.contains("customer.created"), "{body}");
}
