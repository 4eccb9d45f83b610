//! The billing backend's speed, measured: signed webhooks posted over
//! loopback to a backend with PostgreSQL (each event fetching its subscription from the Stripe
//! simulator, as in production), and create-checkout-session latency against the simulator.
//!
//! Ignored by default; run in release mode:
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test --release -p golive --test integration -- --ignored --nocapture backend_bench::`
//! Knobs: BENCH_EVENTS (default 5000), BENCH_CONCURRENCY (16), BENCH_CHECKOUTS (200),
//! BENCH_SUBSCRIPTIONS (100), BENCH_TYPES (comma-separated event types to replay; default
//! customer.subscription.updated, invoice.paid, checkout.session.completed).

use crate::backend_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use backend_support::Stack;
use backend_support::cpu::CpuMark;
use futures::StreamExt;
use serde_json::{Value, json};

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn report(
    what: &str,
    n: usize,
    elapsed: Duration,
    mut lat: Vec<Duration>,
) -> (f64, Duration, Duration) {
    lat.sort();
    let rate = n as f64 / elapsed.as_secs_f64();
    let (p50, p99) = (percentile(&lat, 0.50), percentile(&lat, 0.99));
    println!(
        "bench {what}: {n} in {:.2} s = {rate:.0}/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        elapsed.as_secs_f64(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        lat.last().unwrap().as_secs_f64() * 1e3,
    );
    (rate, p50, p99)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run with --release -- --ignored --nocapture"]
async fn bench_webhooks_and_checkout() {
    let n_events = knob("BENCH_EVENTS", 5000);
    let concurrency = knob("BENCH_CONCURRENCY", 16);
    let n_checkouts = knob("BENCH_CHECKOUTS", 200);
    let n_subscriptions = knob("BENCH_SUBSCRIPTIONS", 100).min(n_checkouts);
    let mut stack = Stack::start().await;
    stack
        .backend(false, &[("CHECKOUT_RATE_LIMIT_PER_MINUTE", "100000")])
        .await;

    // Checkout latency: each call creates a customer and a session in the simulator.
    let mut lat = Vec::new();
    let users: Vec<_> = (0..n_checkouts)
        .map(|i| stack.user(&format!("bench{i}")))
        .collect();
    let start = Instant::now();
    for u in &users {
        let t = Instant::now();
        let r = stack
            .b(0)
            .client
            .post_json(
                "/api/subscription/create-checkout-session",
                Some(&u.token),
                &json!({"tier": "basic", "billing_cycle": "monthly",
                    "success_url": format!("{}/done", golive::steps::world::APP_ORIGIN),
                    "cancel_url": format!("{}/cancel", golive::steps::world::APP_ORIGIN)}),
            )
            .await;
        lat.push(t.elapsed());
        assert_eq!(r.status, 200, "{r}");
    }
    report("create-checkout-session", n_checkouts, start.elapsed(), lat);

    // Real subscriptions to sync: pay some sessions, then reuse their real events with fresh
    // ids (events of one subscription serialise on its lock, so more subscriptions = more
    // parallelism, as in production).
    for u in users.iter().take(n_subscriptions) {
        stack
            .checkout_and_pay(0, u, "basic", "4242424242424242")
            .await;
    }
    let types = std::env::var("BENCH_TYPES").unwrap_or_else(|_| {
        "customer.subscription.updated,invoice.paid,checkout.session.completed".to_string()
    });
    let types: Vec<&str> = types.split(',').map(str::trim).collect();
    let templates: Vec<Value> = stack
        .events()
        .await
        .into_iter()
        .filter(|e| types.contains(&e["type"].as_str().unwrap_or("")))
        .collect();
    // Grouped by type, so events in flight together belong to different users (many users
    // at once); events of one subscription serialise on its lock by design.
    let mut templates = templates;
    templates.sort_by_key(|e| types.iter().position(|t| e["type"] == *t));
    assert!(
        templates.len() >= n_subscriptions,
        "{} templates",
        templates.len()
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let bodies: Vec<Vec<u8>> = (0..n_events)
        .map(|i| {
            let mut e = templates[i % templates.len()].clone();
            e["id"] = json!(format!("evt_bench_{i:07}"));
            // One event per second of history, oldest first, as a steady stream would be.
            e["created"] = json!(now - n_events as i64 + i as i64);
            serde_json::to_vec(&e).unwrap()
        })
        .collect();
    let b = stack.b(0);
    let url = format!("{}/api/subscription/webhook", b.client.base_url());
    let secret = Arc::new(b.webhook_secret.clone());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let cpu = CpuMark::now(b.db()).await;
    let start = Instant::now();
    let lat: Vec<Duration> = futures::stream::iter(bodies)
        .map(|body| {
            let http = http.clone();
            let url = url.clone();
            let secret = secret.clone();
            async move {
                let t = time::OffsetDateTime::now_utc().unix_timestamp();
                let sig = billing::webhook::signature::sign(&body, &secret, t);
                let began = Instant::now();
                let r = http
                    .post(&url)
                    .header("content-type", "application/json; charset=utf-8")
                    .header("stripe-signature", format!("t={t},v1={sig}"))
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                began.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let (rate, _, p99) = report("webhooks", n_events, start.elapsed(), lat);
    let spent = cpu.spent(b.db()).await;
    println!(
        "bench webhooks cpu: this process {:.2} s ({:.0} us/event: client, backend and simulator), \
         postgres {:.2} s ({:.0} us/event, {} backends)",
        spent.process,
        spent.process * 1e6 / n_events as f64,
        spent.server,
        spent.server * 1e6 / n_events as f64,
        spent.server_backends,
    );
    let processed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM stripe_events WHERE status = 'processed' AND event_id LIKE 'evt_bench_%'",
    )
    .fetch_one(b.db())
    .await
    .unwrap();
    assert_eq!(processed as usize, n_events);
    println!(
        "bench target: >= 2000 events/s and p99 <= 25 ms at concurrency 16: {}",
        if rate >= 2000.0 && p99 <= Duration::from_millis(25) {
            "met"
        } else {
            "NOT met"
        }
    );
    stack.finish().await;
}
