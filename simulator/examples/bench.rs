//! Speed and size of the simulator, measured over loopback.
//!
//! ```sh
//! cargo run -p stripe-sim --release --example bench            # full run
//! cargo run -p stripe-sim --release --example bench -- --quick # smaller counts
//! ```
//! Starts the simulator in this process on 127.0.0.1:0 and drives it with 16 concurrent
//! HTTP/1.1 clients (keep-alive), printing req/s and p50/p99 latency for: create customer,
//! retrieve customer, list customers (limit 10) with ≥ 10,000 customers stored, create
//! checkout session; then fills one account to 100,000 customers and prints the resident
//! memory of the process (simulator + client; Linux `VmRSS`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use stripe_sim::{SimOptions, start};

const CONCURRENCY: usize = 16;

struct Ctx {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Ctx {
    /// A POST whose JSON answer is parsed (set-up calls).
    async fn post(&self, path: &str, body: String) -> Value {
        serde_json::from_slice(&self.post_raw(path, body).await).expect("json")
    }

    /// A GET whose JSON answer is parsed (set-up calls).
    async fn get(&self, path: &str) -> Value {
        serde_json::from_slice(&self.get_raw(path).await).expect("json")
    }

    /// A POST; the body is read but not parsed, so the client spends little CPU.
    async fn post_raw(&self, path: &str, body: String) -> axum::body::Bytes {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post");
        assert!(r.status().is_success(), "POST {path}: {}", r.status());
        r.bytes().await.expect("body")
    }

    /// A GET; the body is read but not parsed.
    async fn get_raw(&self, path: &str) -> axum::body::Bytes {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("get");
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.bytes().await.expect("body")
    }
}

enum Op {
    CreateCustomer,
    RetrieveCustomer(Arc<Vec<String>>),
    ListCustomers,
    CreateSession(String),
}

async fn one(ctx: &Ctx, op: &Op, i: usize) {
    match op {
        Op::CreateCustomer => {
            ctx.post_raw(
                "/v1/customers",
                format!("email=bench{i}%40example.com&metadata[n]={i}"),
            )
            .await;
        }
        Op::RetrieveCustomer(ids) => {
            ctx.get_raw(&format!("/v1/customers/{}", ids[i * 7919 % ids.len()]))
                .await;
        }
        Op::ListCustomers => {
            ctx.get_raw("/v1/customers?limit=10").await;
        }
        Op::CreateSession(price) => {
            ctx.post_raw(
                "/v1/checkout/sessions",
                format!(
                    "mode=subscription&line_items[0][price]={price}&line_items[0][quantity]=1&success_url=https%3A%2F%2Fapp.example%2Fok&customer_email=b{i}%40example.com"
                ),
            )
            .await;
        }
    }
}

/// Runs `n` requests of `op` with [`CONCURRENCY`] workers; returns sorted latencies.
async fn run(ctx: &Arc<Ctx>, op: Arc<Op>, n: usize) -> (Duration, Vec<Duration>) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (ctx, op, next) = (ctx.clone(), op.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(n / CONCURRENCY + 1);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                one(&ctx, &op, i).await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await.expect("worker"));
    }
    let elapsed = started.elapsed();
    all.sort();
    (elapsed, all)
}

fn report(name: &str, n: usize, elapsed: Duration, lat: &[Duration]) {
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    println!(
        "{name:<42} {n:>7} req  {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
        n as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
    );
}

fn rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let scale = if quick { 10 } else { 1 };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sim = start(listener, SimOptions::default()).await.expect("start");
    let ctx = Arc::new(Ctx {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(CONCURRENCY)
            .build()
            .expect("client"),
        base: sim.base_url.clone(),
        key: "sk_test_bench".into(),
    });
    println!(
        "stripe-sim bench: concurrency {CONCURRENCY}, loopback, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("rss at start: {:.1} MB", rss_mb().unwrap_or(0.0));

    let n = 20_000 / scale;
    let (t, lat) = run(&ctx, Arc::new(Op::CreateCustomer), n).await;
    report("create customer", n, t, &lat);

    let list = ctx.get("/v1/customers?limit=100").await;
    let ids: Vec<String> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_string())
        .collect();
    let stored = n;
    let (t, lat) = run(&ctx, Arc::new(Op::RetrieveCustomer(Arc::new(ids))), n).await;
    report(&format!("retrieve customer ({stored} stored)"), n, t, &lat);
    let (t, lat) = run(&ctx, Arc::new(Op::ListCustomers), n).await;
    report(
        &format!("list customers limit=10 ({stored} stored)"),
        n,
        t,
        &lat,
    );

    let product = ctx.post("/v1/products", "name=Bench".into()).await;
    let price = ctx
        .post(
            "/v1/prices",
            format!(
                "product={}&unit_amount=2000&currency=usd&recurring[interval]=month",
                product["id"].as_str().expect("id")
            ),
        )
        .await;
    let price_id = price["id"].as_str().expect("id").to_string();
    let m = 10_000 / scale;
    let (t, lat) = run(&ctx, Arc::new(Op::CreateSession(price_id)), m).await;
    report("create checkout session", m, t, &lat);

    let target = 100_000 / scale;
    let more = target - stored;
    let (t, _) = run(&ctx, Arc::new(Op::CreateCustomer), more).await;
    println!(
        "filled to {target} customers in one account ({:.1} s); resident memory: {:.1} MB",
        t.as_secs_f64(),
        rss_mb().unwrap_or(0.0)
    );
    let (t, lat) = run(&ctx, Arc::new(Op::ListCustomers), n).await;
    report(
        &format!("list customers limit=10 ({target} stored)"),
        n,
        t,
        &lat,
    );
    sim.shutdown().await;
}
