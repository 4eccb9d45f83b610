//! Bench of webhook delivery and clock advances (run in release mode):
//! `cargo run --release -p stripe-sim --example time_bench [-- EVENTS SUBSCRIPTIONS]`
//!
//! 1. webhook deliveries per second to a trivial local receiver (one endpoint, and four);
//! 2. the time to advance the account clock 12 months over N monthly subscriptions
//!    (N renewals × 12, every invoice charged), with and without a webhook endpoint, with
//!    the resident memory before and after (`VmRSS`), its growth, and the peak (`VmHWM`).
//!
//! `time_bench 20000 10000` rehearses a year of 10,000 subscriptions.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    async fn form(&self, path: &str, form: &[(&str, &str)]) -> Value {
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
        let status = r.status();
        let v: Value = r.json().await.expect("json");
        assert!(status.is_success(), "{path}: {v}");
        v
    }

    async fn json(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .expect("post");
        let status = r.status();
        let v: Value = r.json().await.expect("json");
        assert!(status.is_success(), "{path}: {v}");
        v
    }
}

async fn hook(State(n): State<Arc<AtomicUsize>>) -> StatusCode {
    n.fetch_add(1, Ordering::Relaxed);
    StatusCode::OK
}

async fn receiver() -> (String, Arc<AtomicUsize>) {
    let n = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(n.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), n)
}

/// A `/proc/self/status` figure in MB (`VmRSS`: resident now, `VmHWM`: the peak so far).
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn rss_mb() -> f64 {
    status_mb("VmRSS:")
}

fn api(sim: &stripe_sim::RunningSimulator) -> Api {
    Api {
        http: reqwest::Client::new(),
        base: sim.base_url.clone(),
        key: format!("sk_test_{}", stripe_sim::ids::random_base62(20)),
    }
}

async fn deliveries(sim: &stripe_sim::RunningSimulator, events: usize, endpoints: usize) {
    let a = api(sim);
    let mut counters = Vec::new();
    for _ in 0..endpoints {
        let (url, n) = receiver().await;
        a.form(
            "/v1/webhook_endpoints",
            &[("url", &url), ("enabled_events[]", "*")],
        )
        .await;
        counters.push(n);
    }
    let started = Instant::now();
    let mut left = events;
    while left > 0 {
        let batch = left.min(10_000);
        a.json(
            "/_sim/emit",
            json!({"type": "customer.updated", "count": batch}),
        )
        .await;
        left -= batch;
    }
    let q = a
        .json("/_sim/quiesce", json!({"timeout_ms": 600_000}))
        .await;
    let took = started.elapsed();
    let received: usize = counters.iter().map(|n| n.load(Ordering::Relaxed)).sum();
    assert_eq!(q["quiescent"], true, "{q}");
    assert_eq!(received, events * endpoints);
    println!(
        "webhook deliveries: {} to {endpoints} endpoint(s) in {:.2} s = {:.0} deliveries/s",
        events * endpoints,
        took.as_secs_f64(),
        (events * endpoints) as f64 / took.as_secs_f64()
    );
}

async fn renewals(sim: &stripe_sim::RunningSimulator, subs: usize, with_endpoint: bool) {
    let a = api(sim);
    let product = a.form("/v1/products", &[("name", "Bench")]).await;
    let price = a
        .form(
            "/v1/prices",
            &[
                ("product", product["id"].as_str().expect("id")),
                ("unit_amount", "2000"),
                ("currency", "usd"),
                ("recurring[interval]", "month"),
            ],
        )
        .await;
    let price = price["id"].as_str().expect("id").to_string();
    let counter = if with_endpoint {
        let (url, n) = receiver().await;
        a.form(
            "/v1/webhook_endpoints",
            &[("url", &url), ("enabled_events[]", "*")],
        )
        .await;
        Some(n)
    } else {
        None
    };
    let setup = Instant::now();
    for _ in 0..subs {
        let cs = a
            .form(
                "/v1/checkout/sessions",
                &[
                    ("mode", "subscription"),
                    ("line_items[0][price]", &price),
                    ("success_url", "https://example.com/ok"),
                    ("customer_email", "bench@example.com"),
                ],
            )
            .await;
        let id = cs["id"].as_str().expect("id");
        a.json(
            &format!("/_sim/checkout/sessions/{id}/pay"),
            json!({"card_number": "4242424242424242"}),
        )
        .await;
    }
    let setup = setup.elapsed();
    if counter.is_some() {
        a.json("/_sim/quiesce", json!({"timeout_ms": 600_000}))
            .await;
    }
    let rss_before = rss_mb();
    let started = Instant::now();
    let v = a.json("/_sim/clock/advance", json!({"days": 366})).await;
    let took = started.elapsed();
    let rss_after = rss_mb();
    println!(
        "advance 12 months over {subs} monthly subscriptions{}: {:.3} s ({} due jobs; setup {:.1} s; RSS {:.0} → {:.0} MB = {:+.0} MB; peak VmHWM {:.0} MB)",
        if with_endpoint {
            " with a webhook endpoint"
        } else {
            ""
        },
        took.as_secs_f64(),
        v["jobs_run"],
        setup.as_secs_f64(),
        rss_before,
        rss_after,
        rss_after - rss_before,
        status_mb("VmHWM:")
    );
    if let Some(n) = counter {
        let before = n.load(Ordering::Relaxed);
        let started = Instant::now();
        a.json("/_sim/quiesce", json!({"timeout_ms": 600_000}))
            .await;
        let sent = n.load(Ordering::Relaxed) - before;
        println!(
            "  then delivered its remaining webhooks in {:.2} s ({sent} during the wait)",
            started.elapsed().as_secs_f64()
        );
    }
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let events = args.first().copied().unwrap_or(20_000);
    let subs = args.get(1).copied().unwrap_or(1_000);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sim = stripe_sim::start(
        listener,
        stripe_sim::SimOptions {
            delivery_timeout: Some(Duration::from_secs(5)),
            ..Default::default()
        },
    )
    .await
    .expect("start");
    println!(
        "stripe-sim time bench, {} CPU(s)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    deliveries(&sim, events, 1).await;
    deliveries(&sim, events / 4, 4).await;
    renewals(&sim, 1, false).await;
    renewals(&sim, subs / 10, false).await;
    renewals(&sim, subs, false).await;
    renewals(&sim, subs / 10, true).await;
    sim.shutdown().await;
}
