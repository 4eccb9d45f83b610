//! The simulator against the floor of its own web stack, in one run:
//!
//! ```sh
//! cargo run --release -p stripe-sim --example floor_bench                 # 5 s per figure
//! cargo run --release -p stripe-sim --example floor_bench -- --seconds 3
//! cargo run --release -p stripe-sim --example floor_bench -- --count 2000 --only sim --stored 1000
//! ```
//! Starts the simulator and a minimal axum server (`floor.rs`: auth header check, form
//! parse, a map under one lock, JSON answer) in this process, loads both with the same client
//! (`client.rs`: 16 keep-alive connections, prepared request bytes, answers not parsed) for
//! a fixed time per operation, and prints for each operation req/s, p50 and p99 of both and
//! the ratio simulator / floor. Operations: create customer, retrieve customer, list
//! customers (`limit=10` with `--stored`, default 100,000, customers stored), create
//! Checkout Session, pay a session (the sessions the previous figure created).
//!
//! `--count N` runs each figure for N requests instead of a time (the same work every run,
//! for `valgrind --tool=callgrind`); `--only sim|floor` loads one server; `--ops a,b` runs
//! only those figures (`create`, `retrieve`, `list`, `session`, `pay`; pay needs `session`).

mod client;
mod floor;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use client::{Conn, MakeRequest, Stats, Until, load, request};
use serde_json::Value;

const CONCURRENCY: usize = 16;
const KEY: &str = "sk_test_floorbench";

struct Args {
    until: Until,
    stored: usize,
    only: Option<String>,
    ops: Option<Vec<String>>,
}

impl Args {
    /// Whether figure `op` runs (all of them without `--ops`).
    fn runs(&self, op: &str) -> bool {
        self.ops
            .as_ref()
            .is_none_or(|ops| ops.iter().any(|o| o == op))
    }
}

fn args() -> Args {
    let mut a = Args {
        until: Until::Elapsed(Duration::from_secs(5)),
        stored: 100_000,
        only: None,
        ops: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--seconds" => {
                a.until = Until::Elapsed(Duration::from_secs_f64(value.parse().expect("seconds")))
            }
            "--count" => a.until = Until::Count(value.parse().expect("count")),
            "--stored" => a.stored = value.parse().expect("stored"),
            "--only" => a.only = Some(value),
            "--ops" => a.ops = Some(value.split(',').map(str::to_string).collect()),
            other => panic!("unknown argument {other}; see the doc comment of floor_bench"),
        }
        i += 2;
    }
    a
}

struct Target {
    name: &'static str,
    addr: SocketAddr,
    price: String,
    created: usize,
    ids: Arc<Vec<String>>,
}

async fn once(addr: SocketAddr, method: &str, path: &str, form: Option<&str>) -> Value {
    let mut c = Conn::open(addr).await.expect("connect");
    let a = c
        .send(&request(method, path, KEY, form))
        .await
        .expect("send");
    assert!(
        (200..300).contains(&a.status),
        "{method} {path}: {}",
        String::from_utf8_lossy(&a.body)
    );
    serde_json::from_slice(&a.body).expect("json")
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|o| o["id"].as_str().expect("id").to_string())
        .collect()
}

fn create_customer() -> MakeRequest {
    Arc::new(|i| {
        let body = format!("email=bench{i}%40example.com&metadata[n]={i}");
        Some(request("POST", "/v1/customers", KEY, Some(&body)))
    })
}

fn line(name: &str, s: &Stats) -> String {
    format!(
        "{name:<10} {:>8.0} req/s  p50 {:>5.2} ms  p99 {:>5.2} ms  ({} requests)",
        s.per_sec(),
        s.pct_ms(0.50),
        s.pct_ms(0.99),
        s.requests
    )
}

/// Runs one figure on every target and prints it with the ratio.
async fn figure(
    title: &str,
    targets: &mut [Target],
    until: Until,
    make: impl Fn(&Target) -> MakeRequest,
    keep: bool,
) -> Vec<Stats> {
    println!("{title}");
    let mut all = Vec::new();
    for t in targets.iter() {
        let s = load(t.addr, CONCURRENCY, until, make(t), keep).await;
        println!("  {}", line(t.name, &s));
        all.push(s);
    }
    if let [sim, floor] = &all[..] {
        println!(
            "  ratio      {:.2}× the floor's req/s; p99 {:.2} ms vs {:.2} ms",
            sim.per_sec() / floor.per_sec(),
            sim.pct_ms(0.99),
            floor.pct_ms(0.99)
        );
    }
    all
}

#[tokio::main]
async fn main() {
    let args = args();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sim = stripe_sim::start(listener, stripe_sim::SimOptions::default())
        .await
        .expect("start");
    let sim_addr = sim.addr;
    // The floor's object templates, from an account of their own.
    let template = |path: &'static str, form: String| async move {
        let mut c = Conn::open(sim_addr).await.expect("connect");
        let a = c
            .send(&request(
                "POST",
                path,
                "sk_test_floortemplates",
                Some(&form),
            ))
            .await
            .expect("send");
        serde_json::from_slice::<Value>(&a.body).expect("json")
    };
    let product = template("/v1/products", "name=T".into()).await;
    let price = template(
        "/v1/prices",
        format!(
            "product={}&unit_amount=2000&currency=usd&recurring[interval]=month",
            product["id"].as_str().expect("id")
        ),
    )
    .await;
    let templates = floor::Templates {
        customer: template("/v1/customers", "email=t%40example.com".into()).await,
        session: template("/v1/checkout/sessions", format!("mode=subscription&line_items[0][price]={}&line_items[0][quantity]=1&success_url=https%3A%2F%2Fapp.example%2Fok", price["id"].as_str().expect("id"))).await,
    };
    let floor_addr = floor::start(templates).await;
    let mut targets = Vec::new();
    if args.only.as_deref() != Some("floor") {
        let product = once(sim.addr, "POST", "/v1/products", Some("name=Bench")).await;
        let form = format!(
            "product={}&unit_amount=2000&currency=usd&recurring[interval]=month",
            product["id"].as_str().expect("id")
        );
        let price = once(sim.addr, "POST", "/v1/prices", Some(&form)).await;
        targets.push(Target {
            name: "stripe-sim",
            addr: sim.addr,
            price: price["id"].as_str().expect("id").to_string(),
            created: 0,
            ids: Arc::default(),
        });
    }
    if args.only.as_deref() != Some("sim") {
        targets.push(Target {
            name: "floor",
            addr: floor_addr,
            price: "price_floor".into(),
            created: 0,
            ids: Arc::default(),
        });
    }
    println!(
        "floor bench: concurrency {CONCURRENCY}, loopback, {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        match args.until {
            Until::Elapsed(d) => format!("{:.1} s per figure", d.as_secs_f64()),
            Until::Count(n) => format!("{n} requests per figure"),
        }
    );
    let until = args.until;
    if args.runs("create") {
        let made = figure(
            "create customer",
            &mut targets,
            until,
            |_| create_customer(),
            false,
        )
        .await;
        for (t, s) in targets.iter_mut().zip(&made) {
            t.created = s.requests;
        }
    }
    let reads = args.runs("retrieve") || args.runs("list");
    for t in targets.iter_mut().filter(|_| reads) {
        let more = args.stored.saturating_sub(t.created);
        load(
            t.addr,
            CONCURRENCY,
            Until::Count(more),
            create_customer(),
            false,
        )
        .await;
        t.created += more;
        let listed = once(t.addr, "GET", "/v1/customers?limit=100", None).await;
        t.ids = Arc::new(ids(&listed));
    }
    let stored = targets.first().map_or(0, |t| t.created);
    if args.runs("retrieve") {
        figure(
            &format!("retrieve customer ({stored} stored)"),
            &mut targets,
            until,
            |t| {
                let ids = t.ids.clone();
                Arc::new(move |i| {
                    Some(request(
                        "GET",
                        &format!("/v1/customers/{}", ids[i * 7919 % ids.len()]),
                        KEY,
                        None,
                    ))
                })
            },
            false,
        )
        .await;
    }
    if args.runs("list") {
        figure(
            &format!("list customers, limit=10 of {stored}"),
            &mut targets,
            until,
            |_| Arc::new(|_| Some(request("GET", "/v1/customers?limit=10", KEY, None))),
            false,
        )
        .await;
    }
    if !args.runs("session") {
        sim.shutdown().await;
        return;
    }
    let made = figure("create Checkout Session", &mut targets, until, |t| {
        let price = t.price.clone();
        Arc::new(move |i| {
            let body = format!(
                "mode=subscription&line_items[0][price]={price}&line_items[0][quantity]=1&success_url=https%3A%2F%2Fapp.example%2Fok&customer_email=b{i}%40example.com"
            );
            Some(request("POST", "/v1/checkout/sessions", KEY, Some(&body)))
        })
    }, true)
    .await;
    for (t, s) in targets.iter_mut().zip(made) {
        let ids: Vec<String> = s
            .bodies
            .iter()
            .map(|b| {
                let v: Value = serde_json::from_slice(b).expect("json");
                v["id"].as_str().expect("id").to_string()
            })
            .collect();
        t.ids = Arc::new(ids);
    }
    if !args.runs("pay") {
        sim.shutdown().await;
        return;
    }
    println!(
        "  (pay: the floor looks the session up, marks it complete, inserts a customer and a subscription and answers {{redirect_url}}; the simulator runs the whole Checkout completion)"
    );
    figure(
        "pay a session (card 4242…, the sessions just created)",
        &mut targets,
        until,
        |t| {
            let ids = t.ids.clone();
            Arc::new(move |i| {
                let id = ids.get(i)?;
                Some(request(
                    "POST",
                    &format!("/_sim/checkout/sessions/{id}/pay"),
                    KEY,
                    Some("card_number=4242424242424242"),
                ))
            })
        },
        false,
    )
    .await;
    sim.shutdown().await;
}
