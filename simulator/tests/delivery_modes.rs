//! The delivery engine: one test per delivery mode, quiescence, retries giving up, timeouts,
//! secret rolling and the delivery log.

use crate::time_common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};
use stripe_sim::SimOptions;
use time_common::{Api, Receiver, hmac_hex, receiver, sig_t, sim, sim_with, v1s};

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

/// A fresh account with a price, an endpoint to `rcv` and the given delivery mode; then a
/// Checkout completion (the 12-event flow). Returns the API and the instant before paying.
async fn flow(sim: &stripe_sim::RunningSimulator, rcv: &Receiver, mode: Value) -> (Api, Instant) {
    let api = Api::new(sim);
    let (_, price) = api.price("Basic", "2000").await;
    api.endpoint(&rcv.url).await;
    let set = api.ok("/_sim/delivery_mode", mode.clone()).await;
    assert_eq!(set["mode"], mode["mode"], "{set}");
    let before = Instant::now();
    api.subscribe(&price, "4242424242424242", None).await;
    (api, before)
}

fn counts(rcv: &Receiver) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in rcv.all() {
        *m.entry(r.event["id"].as_str().unwrap_or_default().to_string())
            .or_insert(0) += 1;
    }
    m
}

async fn attempts(api: &Api) -> Vec<Value> {
    let (s, log) = api.get("/_sim/deliveries").await;
    assert_eq!(s, StatusCode::OK);
    log["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn canonical_mode_delivers_the_flow_in_emission_order() {
    let sim = sim().await;
    let rcv = receiver().await;
    let (api, _) = flow(&sim, &rcv, json!({"mode": "canonical"})).await;
    api.quiesce().await;
    assert_eq!(rcv.types(), CANONICAL);
    for r in rcv.all() {
        assert_eq!(v1s(&r.signature).len(), 1);
    }
}

#[tokio::test]
async fn shuffled_mode_reorders_within_the_flow_reproducibly() {
    let sim = sim().await;
    let a = receiver().await;
    let b = receiver().await;
    let (api_a, _) = flow(&sim, &a, json!({"mode": "shuffled", "seed": 7})).await;
    let (api_b, _) = flow(&sim, &b, json!({"mode": "shuffled", "seed": 7})).await;
    api_a.quiesce().await;
    api_b.quiesce().await;
    let ta = a.types();
    assert_ne!(ta, CANONICAL, "shuffled");
    let mut sorted = ta.clone();
    sorted.sort();
    let mut expected: Vec<String> = CANONICAL.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(sorted, expected, "same events, each once");
    assert_eq!(ta, b.types(), "same seed, same order");
    let c = receiver().await;
    let (api_c, _) = flow(&sim, &c, json!({"mode": "shuffled", "seed": 8})).await;
    api_c.quiesce().await;
    assert_ne!(c.types(), ta, "another seed, another order");
}

#[tokio::test]
async fn reversed_mode_sends_the_checkout_flow_last_first() {
    let sim = sim().await;
    let rcv = receiver().await;
    let (api, _) = flow(&sim, &rcv, json!({"mode": "reversed"})).await;
    api.quiesce().await;
    let mut expected: Vec<String> = CANONICAL.iter().map(|s| s.to_string()).collect();
    expected.reverse();
    assert_eq!(rcv.types(), expected);
}

#[tokio::test]
async fn duplicated_mode_sends_each_event_twice_and_pending_webhooks_drops_once() {
    let sim = sim().await;
    let rcv = receiver().await;
    let (api, _) = flow(&sim, &rcv, json!({"mode": "duplicated", "seed": 1})).await;
    api.quiesce().await;
    let c = counts(&rcv);
    assert_eq!(c.len(), 12);
    assert!(c.values().all(|n| *n == 2), "{c:?}");
    // Each copy after the originals of its flow.
    assert_eq!(rcv.types()[..12], *CANONICAL);
    let id = c.keys().next().expect("id");
    let (_, ev) = api.get(&format!("/v1/events/{id}")).await;
    assert_eq!(ev["pending_webhooks"], 0);
    let log = attempts(&api).await;
    assert_eq!(log.iter().filter(|r| r["duplicate"] == true).count(), 12);
}

#[tokio::test]
async fn delayed_mode_holds_first_attempts_back() {
    let sim = sim().await;
    let rcv = receiver().await;
    let (api, before) = flow(&sim, &rcv, json!({"mode": "delayed", "delay_ms": 400})).await;
    let paid_at = Instant::now();
    assert!(rcv.all().is_empty(), "nothing before the delay");
    api.quiesce().await;
    let got = rcv.all();
    assert_eq!(rcv.types(), CANONICAL, "order kept");
    let first = got[0].at;
    assert!(
        first.duration_since(before) >= Duration::from_millis(400),
        "first delivery {:?} after the flow started",
        first.duration_since(before)
    );
    assert!(first > paid_at, "arrives after the API response");
}

#[tokio::test]
async fn drop_first_mode_loses_the_answer_so_the_event_arrives_twice() {
    let sim = sim().await;
    let rcv = receiver().await;
    let (api, _) = flow(&sim, &rcv, json!({"mode": "drop_first", "seed": 3})).await;
    api.quiesce().await;
    let c = counts(&rcv);
    assert_eq!(c.len(), 12);
    assert!(c.values().all(|n| *n == 2), "{c:?}");
    let log = attempts(&api).await;
    let firsts: Vec<&Value> = log.iter().filter(|r| r["attempt"] == 1).collect();
    assert_eq!(firsts.len(), 12);
    for r in firsts {
        assert_eq!(r["fault"], "drop_first");
        assert_eq!(r["status"], Value::Null);
        assert!(
            r["error"]
                .as_str()
                .expect("error")
                .contains("connection closed")
        );
    }
    assert_eq!(
        log.iter()
            .filter(|r| r["attempt"] == 2 && r["status"] == 200)
            .count(),
        12
    );
    let (_, summary) = api.get("/_sim/deliveries/summary").await;
    let data = summary["data"].as_array().expect("data");
    assert_eq!(data.len(), 12);
    assert!(
        data.iter()
            .all(|s| s["state"] == "delivered" && s["attempts"] == 2)
    );
}

#[tokio::test]
async fn fail_first_mode_answers_500_itself_then_a_retry_delivers() {
    let sim = sim().await;
    let rcv = receiver().await;
    let (api, _) = flow(&sim, &rcv, json!({"mode": "fail_first"})).await;
    api.quiesce().await;
    let c = counts(&rcv);
    assert_eq!(c.len(), 12);
    assert!(
        c.values().all(|n| *n == 1),
        "the endpoint never saw the first attempts"
    );
    let log = attempts(&api).await;
    for r in log.iter().filter(|r| r["attempt"] == 1) {
        assert_eq!(r["status"], 500);
        assert_eq!(r["fault"], "fail_first");
    }
    assert_eq!(log.iter().filter(|r| r["attempt"] == 2).count(), 12);
    // rate 0 turns the injector off.
    api.ok("/_sim/delivery_mode", json!({"rate": 0})).await;
    let n = rcv.all().len();
    let (_, price) = api.price("Other", "1000").await;
    api.quiesce().await;
    let _ = price;
    let log = attempts(&api).await;
    assert!(
        log.iter()
            .rev()
            .take(rcv.all().len() - n)
            .all(|r| r["fault"].is_null())
    );
}

#[tokio::test]
async fn quiescence_waits_for_retries_to_give_up_and_reports_a_deadline() {
    let sim = sim().await;
    let rcv = receiver().await;
    rcv.status.store(500, std::sync::atomic::Ordering::SeqCst);
    let api = Api::new(&sim);
    api.endpoint(&rcv.url).await;
    api.post("/v1/customers", &[("email", "a@b.c")]).await;
    api.quiesce().await;
    assert_eq!(rcv.all().len(), 3, "first attempt + 2 retries");
    let (_, summary) = api.get("/_sim/deliveries/summary").await;
    assert_eq!(summary["data"][0]["state"], "given_up");
    assert_eq!(summary["data"][0]["statuses"], json!([500, 500, 500]));
    assert_eq!(summary["outstanding"], 0);
    let id = summary["data"][0]["event_id"].as_str().expect("id");
    let (_, ev) = api.get(&format!("/v1/events/{id}")).await;
    assert_eq!(ev["pending_webhooks"], 1, "still owed");

    // A deadline shorter than the delay: not quiescent.
    rcv.status.store(200, std::sync::atomic::Ordering::SeqCst);
    api.ok(
        "/_sim/delivery_mode",
        json!({"mode": "delayed", "delay_ms": 2000}),
    )
    .await;
    api.post("/v1/customers", &[("email", "b@b.c")]).await;
    let v = api.ok("/_sim/quiesce", json!({"timeout_ms": 50})).await;
    assert_eq!(v["quiescent"], false, "{v}");
    assert_eq!(v["outstanding"], 1);
    api.quiesce().await;
    let (s, e) = api.json("/_sim/quiesce", json!({"timeout_ms": -1})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");

    // Stripe's own (slow) schedule is one setting away; back to the simulator's default.
    let v = api
        .ok("/_sim/delivery_mode", json!({"retry_schedule": "stripe"}))
        .await;
    assert_eq!(v["retry_schedule_ms"][0], 60_000);
    assert!(v["retry_schedule_ms"].as_array().expect("ms").len() >= 8);
    let v = api
        .ok("/_sim/delivery_mode", json!({"retry_schedule": [10, 20]}))
        .await;
    assert_eq!(v["retry_schedule_ms"], json!([10, 20]));
    let v = api
        .ok("/_sim/delivery_mode", json!({"retry_schedule": "default"}))
        .await;
    assert_eq!(v["retry_schedule_ms"], Value::Null);
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_a_failed_attempt() {
    let sim = sim_with(SimOptions {
        retry_schedule: Some(vec![Duration::from_millis(20)]),
        delivery_timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    })
    .await;
    // A server that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = silent.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let api = Api::new(&sim);
    api.endpoint(&format!("http://{addr}/hook")).await;
    api.post("/v1/customers", &[("email", "a@b.c")]).await;
    api.quiesce().await;
    let log = attempts(&api).await;
    assert_eq!(log.len(), 2);
    for r in &log {
        assert!(
            r["error"].as_str().expect("err").contains("timed out"),
            "{r}"
        );
        assert!(r["latency_ms"].as_u64().expect("ms") >= 190);
    }
}

#[tokio::test]
async fn rolling_a_secret_signs_with_both_until_the_window_ends_current_last() {
    let sim = sim().await;
    let rcv = receiver().await;
    let api = Api::new(&sim);
    let (we, old) = api.endpoint(&rcv.url).await;
    let rolled = api
        .ok(
            &format!("/_sim/webhook_endpoints/{we}/roll_secret"),
            json!({"expires_in": 3600}),
        )
        .await;
    let new = rolled["secret"].as_str().expect("secret").to_string();
    assert_ne!(new, old);
    assert!(rolled["previous_secret_expires_at"].is_i64());
    api.post("/v1/customers", &[("email", "a@b.c")]).await;
    api.quiesce().await;
    let r = rcv.all().pop().expect("delivery");
    let t = sig_t(&r.signature);
    let sigs = v1s(&r.signature);
    assert_eq!(sigs.len(), 2, "{}", r.signature);
    assert_eq!(sigs[0], hmac_hex(&old, &format!("{t}.{}", r.body)));
    assert_eq!(
        sigs[1],
        hmac_hex(&new, &format!("{t}.{}", r.body)),
        "current last"
    );

    // A roll without a window drops the old secret at once.
    let rcv2 = receiver().await;
    let (we2, _) = api.endpoint(&rcv2.url).await;
    let newer = api
        .ok(
            &format!("/_sim/webhook_endpoints/{we2}/roll_secret"),
            json!({"expires_in": 0, "secret": "whsec_chosen_by_test"}),
        )
        .await;
    assert_eq!(newer["secret"], "whsec_chosen_by_test");
    api.post("/v1/customers", &[("email", "b@b.c")]).await;
    api.quiesce().await;
    let r = rcv2.all().pop().expect("delivery");
    let sigs = v1s(&r.signature);
    assert_eq!(sigs.len(), 1);
    assert_eq!(
        sigs[0],
        hmac_hex(
            "whsec_chosen_by_test",
            &format!("{}.{}", sig_t(&r.signature), r.body)
        )
    );
    let (s, e) = api
        .json("/_sim/webhook_endpoints/we_nope/roll_secret", json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
}

#[tokio::test]
async fn the_delivery_log_is_readable_as_json_and_html() {
    let sim = sim().await;
    let rcv = receiver().await;
    rcv.fail_first.store(1, std::sync::atomic::Ordering::SeqCst);
    let api = Api::new(&sim);
    let (we, _) = api.endpoint(&rcv.url).await;
    api.post("/v1/customers", &[("email", "<b>@x.y")]).await;
    api.quiesce().await;
    let log = attempts(&api).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["status"], 500);
    assert_eq!(log[1]["status"], 200);
    assert_eq!(log[0]["endpoint_id"], we.as_str());
    assert!(log[0]["latency_ms"].is_u64());
    let event_id = log[0]["event_id"].as_str().expect("id").to_string();
    let (_, filtered) = api
        .get(&format!(
            "/_sim/deliveries?event_id={event_id}&endpoint_id={we}"
        ))
        .await;
    assert_eq!(filtered["data"].as_array().map(Vec::len), Some(2));
    let (_, none) = api.get("/_sim/deliveries?event_id=evt_other").await;
    assert_eq!(none["data"].as_array().map(Vec::len), Some(0));

    let http = time_common::client();
    let page = http
        .get(format!("{}/_sim/deliveries.html?key={}", api.base, api.key))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains(&event_id) && html.contains("customer.created"));
    assert!(html.contains("500, 200"), "statuses per delivery");
    let anon = http
        .get(format!("{}/_sim/deliveries.html", api.base))
        .send()
        .await
        .expect("page");
    assert_eq!(anon.status().as_u16(), 401);
    assert!(anon.headers().contains_key("www-authenticate"));
}

#[tokio::test]
async fn updating_an_endpoint_with_a_secret_rolls_it_through_the_stripe_api() {
    let sim = sim().await;
    let rcv = receiver().await;
    let api = Api::new(&sim);
    let (we, old) = api.endpoint(&rcv.url).await;
    let (status, updated) = api
        .post(
            &format!("/v1/webhook_endpoints/{we}"),
            &[
                ("secret", "whsec_rolled_by_update"),
                ("secret_expires_in", "600"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["secret"], "whsec_rolled_by_update", "{updated}");
    api.post("/v1/customers", &[("email", "c@b.c")]).await;
    api.quiesce().await;
    let r = rcv.all().pop().expect("delivery");
    let t = sig_t(&r.signature);
    let sigs = v1s(&r.signature);
    assert_eq!(
        sigs.len(),
        2,
        "both secrets sign during the window: {}",
        r.signature
    );
    assert_eq!(sigs[0], hmac_hex(&old, &format!("{t}.{}", r.body)));
    assert_eq!(
        sigs[1],
        hmac_hex("whsec_rolled_by_update", &format!("{t}.{}", r.body)),
        "current last"
    );
    // The secret is shown once: retrieving the endpoint does not reveal it.
    let (_, fetched) = api.get(&format!("/v1/webhook_endpoints/{we}")).await;
    assert!(
        fetched.get("secret").is_none_or(|s| s.is_null()),
        "{fetched}"
    );
}
