//! One simulator for many CI jobs: throughput with 1 account and with 50 accounts at once,
//! each account with its own key, in one run.
//!
//! ```sh
//! cargo run -p stripe-sim --release --example accounts_bench            # full run
//! cargo run -p stripe-sim --release --example accounts_bench -- --quick # smaller counts
//! ```
//! Starts the simulator in this process on 127.0.0.1:0 and drives it over loopback with 50
//! concurrent HTTP/1.1 clients (keep-alive) doing a create-customer and list-customers mix: first
//! all on one account, then each client on its own account. Accounts share no lock on the
//! request path, so the two figures should be close; a global lock would show as the
//! 50-account figure falling behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use stripe_sim::{SimOptions, start};

const CLIENTS: usize = 50;

async fn request(http: &reqwest::Client, base: &str, key: &str, i: usize) {
    let r = match i % 2 {
        0 => {
            http.post(format!("{base}/v1/customers"))
                .bearer_auth(key)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("email=c{i}%40example.com"))
                .send()
                .await
        }
        _ => {
            http.get(format!("{base}/v1/customers?limit=10"))
                .bearer_auth(key)
                .send()
                .await
        }
    }
    .expect("request");
    let status = r.status();
    let _ = r.bytes().await;
    assert!(status.is_success(), "request {i}: {status}");
}

/// `n` requests spread over [`CLIENTS`] workers; worker `w` uses `keys[w % keys.len()]`.
async fn run(http: &reqwest::Client, base: &str, keys: &[String], n: usize) -> (f64, Duration) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..CLIENTS {
        let (http, base, key, next) = (
            http.clone(),
            base.to_string(),
            keys[w % keys.len()].clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                request(&http, &base, &key, i).await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await.expect("worker"));
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    all.sort();
    (rate, all[(all.len() * 99 / 100).min(all.len() - 1)])
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 3_000 } else { 30_000 };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sim = start(listener, SimOptions::default()).await.expect("start");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let one = vec!["sk_test_accounts_bench_one".to_string()];
    let many: Vec<String> = (0..CLIENTS)
        .map(|i| format!("sk_test_accounts_bench_{i:02}"))
        .collect();
    // Warm up both shapes so neither pays for first-use set-up.
    run(&http, &sim.base_url, &one, 500).await;
    run(&http, &sim.base_url, &many, 500).await;
    println!(
        "stripe-sim accounts bench: {CLIENTS} clients, {n} requests each run, loopback, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let (r1, p1) = run(&http, &sim.base_url, &one, n).await;
    println!(
        "1 account                {r1:>9.0} req/s  p99 {:>6.2} ms",
        p1.as_secs_f64() * 1e3
    );
    let (r50, p50) = run(&http, &sim.base_url, &many, n).await;
    println!(
        "{CLIENTS} accounts at once      {r50:>9.0} req/s  p99 {:>6.2} ms",
        p50.as_secs_f64() * 1e3
    );
    println!("ratio 50 accounts / 1 account: {:.2}", r50 / r1);
    sim.shutdown().await;
}
