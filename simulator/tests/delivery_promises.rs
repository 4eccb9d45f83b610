//! Webhook delivery as Stripe promises it: retries wait on simulated time (an account clock
//! or test clock advance brings them forward), the test-mode and live-mode schedules,
//! `delivery_success` on the events list, 30 days of retention in simulated time, and the
//! resend of one event to one endpoint (`POST /v1/events/{id}/retry`).

use crate::time_common;

use std::sync::atomic::Ordering;

use axum::http::StatusCode;
use serde_json::{Value, json};
use time_common::{Api, Receiver, receiver, sim};

/// Deliveries of event `id` the receiver got.
fn of(rcv: &Receiver, id: &str) -> usize {
    rcv.all().iter().filter(|r| r.event["id"] == id).count()
}

/// The `customer.created` event of a new customer (on test clock `clock`, if given).
async fn customer_event(api: &Api, clock: Option<&str>) -> String {
    let mut form = vec![("email", "ana@example.com")];
    if let Some(c) = clock {
        form.push(("test_clock", c));
    }
    let (s, cus) = api.post("/v1/customers", &form).await;
    assert_eq!(s, StatusCode::OK, "{cus}");
    let evs = api.events("customer.created").await;
    let ev = evs
        .iter()
        .find(|e| e["data"]["object"]["id"] == cus["id"])
        .expect("customer.created");
    ev["id"].as_str().expect("id").to_string()
}

/// Waits (up to 300 ms) for quiescence and returns how many deliveries are still owed.
async fn owed_after_short_wait(api: &Api) -> i64 {
    let v = api.ok("/_sim/quiesce", json!({"timeout_ms": 300})).await;
    v["outstanding"].as_i64().expect("outstanding")
}

#[tokio::test]
async fn a_clock_advance_brings_pending_retries_forward() {
    let sim = sim().await;
    let rcv = receiver().await;
    let api = Api::new(&sim);
    api.endpoint(&rcv.url).await;
    api.ok(
        "/_sim/delivery_mode",
        json!({"retry_schedule": [3_600_000]}),
    )
    .await;
    rcv.fail_first.store(1, Ordering::SeqCst);
    let id = customer_event(&api, None).await;
    rcv.wait_for("the first attempt", |_| of(&rcv, &id) == 1)
        .await;
    assert_eq!(
        owed_after_short_wait(&api).await,
        1,
        "the retry waits an hour"
    );
    api.ok("/_sim/clock/advance", json!({"seconds": 3_700}))
        .await;
    rcv.wait_for("the retry after the advance", |_| of(&rcv, &id) == 2)
        .await;
    api.quiesce().await;
    let (_, ev) = api.get(&format!("/v1/events/{id}")).await;
    assert_eq!(ev["pending_webhooks"], 0, "{ev}");
}

#[tokio::test]
async fn a_test_clock_advance_moves_the_retries_of_its_customers_only() {
    let sim = sim().await;
    let rcv = receiver().await;
    let api = Api::new(&sim);
    let (s, clock) = api
        .post(
            "/v1/test_helpers/test_clocks",
            &[("frozen_time", &time_common_now(&api).await.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{clock}");
    let clock_id = clock["id"].as_str().expect("id").to_string();
    api.endpoint(&rcv.url).await;
    api.ok(
        "/_sim/delivery_mode",
        json!({"retry_schedule": [3_600_000]}),
    )
    .await;
    rcv.fail_first.store(1, Ordering::SeqCst);
    let id = customer_event(&api, Some(&clock_id)).await;
    rcv.wait_for("the first attempt", |_| of(&rcv, &id) == 1)
        .await;
    // The account clock is not the customer's clock: its retry stays put.
    api.ok("/_sim/clock/advance", json!({"seconds": 7_200}))
        .await;
    assert_eq!(owed_after_short_wait(&api).await, 1, "still waiting");
    assert_eq!(of(&rcv, &id), 1);
    let target = clock["frozen_time"].as_i64().expect("frozen") + 3_700;
    let (s, v) = api
        .post(
            &format!("/v1/test_helpers/test_clocks/{clock_id}/advance"),
            &[("frozen_time", &target.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    rcv.wait_for("the retry after the test clock advance", |_| {
        of(&rcv, &id) == 2
    })
    .await;
}

async fn time_common_now(api: &Api) -> i64 {
    let (_, c) = api.get("/_sim/clock").await;
    c["now"].as_i64().expect("now")
}

#[tokio::test]
async fn the_test_mode_schedule_retries_three_times_over_a_few_hours_then_gives_up() {
    let sim = sim().await;
    let rcv = receiver().await;
    let api = Api::new(&sim);
    let we = api.endpoint(&rcv.url).await.0;
    let set = api
        .ok(
            "/_sim/delivery_mode",
            json!({"retry_schedule": "test_mode"}),
        )
        .await;
    assert_eq!(
        set["retry_schedule_ms"],
        json!([600_000, 3_600_000, 10_800_000])
    );
    let live = api
        .ok(
            "/_sim/delivery_mode",
            json!({"retry_schedule": "live_mode"}),
        )
        .await;
    assert_eq!(live["retry_schedule_ms"].as_array().map(Vec::len), Some(10));
    let (s, e) = api
        .json(
            "/_sim/delivery_mode",
            json!({"retry_schedule": "sometimes"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    api.ok(
        "/_sim/delivery_mode",
        json!({"retry_schedule": "test_mode"}),
    )
    .await;
    rcv.status.store(500, Ordering::SeqCst);
    let id = customer_event(&api, None).await;
    rcv.wait_for("attempt 1", |_| of(&rcv, &id) == 1).await;
    for (n, seconds) in [(2, 601), (3, 3_601), (4, 10_801)] {
        assert_eq!(of(&rcv, &id), n - 1, "no attempt before its time");
        api.ok("/_sim/clock/advance", json!({"seconds": seconds}))
            .await;
        rcv.wait_for(&format!("attempt {n}"), |_| of(&rcv, &id) == n)
            .await;
    }
    api.quiesce().await;
    let (_, summary) = api
        .get(&format!(
            "/_sim/deliveries/summary?event_id={id}&endpoint_id={we}"
        ))
        .await;
    assert_eq!(summary["data"][0]["state"], "given_up", "{summary}");
    assert_eq!(summary["data"][0]["attempts"], 4);
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn failed_events_are_listed_and_can_be_resent_to_one_endpoint() {
    let sim = sim().await;
    let rcv = receiver().await;
    let api = Api::new(&sim);
    let (we, _) = api.endpoint(&rcv.url).await;
    api.ok("/_sim/delivery_mode", json!({"retry_schedule": []}))
        .await;
    rcv.status.store(500, Ordering::SeqCst);
    let failed = customer_event(&api, None).await;
    api.quiesce().await;
    rcv.status.store(200, Ordering::SeqCst);
    let ok = customer_event(&api, None).await;
    api.quiesce().await;
    let (_, f) = api.get("/v1/events?delivery_success=false").await;
    let (_, t) = api.get("/v1/events?delivery_success=true").await;
    assert_eq!(ids(&f), std::slice::from_ref(&failed), "{f}");
    assert_eq!(ids(&t), std::slice::from_ref(&ok), "{t}");

    // Resend the failed one to the endpoint: delivered, pending_webhooks 0.
    let (s, ev) = api
        .post(
            &format!("/v1/events/{failed}/retry"),
            &[("webhook_endpoint", &we)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{ev}");
    assert_eq!(ev["id"], failed.as_str());
    rcv.wait_for("the resend", |_| of(&rcv, &failed) == 2).await;
    api.quiesce().await;
    let (_, ev) = api.get(&format!("/v1/events/{failed}")).await;
    assert_eq!(ev["pending_webhooks"], 0);
    let (_, f) = api.get("/v1/events?delivery_success=false").await;
    assert!(ids(&f).is_empty(), "{f}");
    // Resending one already delivered sends it again and leaves it delivered.
    api.post(
        &format!("/v1/events/{ok}/retry"),
        &[("webhook_endpoint", &we)],
    )
    .await;
    rcv.wait_for("the second resend", |_| of(&rcv, &ok) == 2)
        .await;
    api.quiesce().await;
    let (_, ev) = api.get(&format!("/v1/events/{ok}")).await;
    assert_eq!(ev["pending_webhooks"], 0);

    // Bad input.
    let (s, e) = api.post(&format!("/v1/events/{ok}/retry"), &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["code"], "parameter_missing");
    let (s, e) = api
        .post(
            &format!("/v1/events/{ok}/retry"),
            &[("webhook_endpoint", "we_nope")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, e) = api
        .post("/v1/events/evt_nope/retry", &[("webhook_endpoint", &we)])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, e) = api.get("/v1/events?delivery_success=maybe").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
}

#[tokio::test]
async fn events_are_kept_thirty_days_of_their_clock() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let now = time_common_now(&api).await;
    let (_, clock) = api
        .post(
            "/v1/test_helpers/test_clocks",
            &[("frozen_time", &now.to_string())],
        )
        .await;
    let clock_id = clock["id"].as_str().expect("id").to_string();
    let old = customer_event(&api, None).await;
    let on_clock = customer_event(&api, Some(&clock_id)).await;
    api.ok("/_sim/clock/advance", json!({"days": 29})).await;
    let (s, _) = api.get(&format!("/v1/events/{old}")).await;
    assert_eq!(s, StatusCode::OK, "29 days: still kept");
    api.ok("/_sim/clock/advance", json!({"days": 2})).await;
    let (s, e) = api.get(&format!("/v1/events/{old}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "31 days: gone: {e}");
    let (_, list) = api.get("/v1/events?limit=100").await;
    let listed = ids(&list);
    assert!(!listed.contains(&old), "{listed:?}");
    assert!(
        listed.contains(&on_clock),
        "the test clock's event follows its own clock, which has not moved"
    );
    let (s, _) = api.get(&format!("/v1/events/{on_clock}")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn an_endpoint_failing_for_three_days_is_disabled_under_the_live_mode_schedule() {
    let sim = sim().await;
    let rcv = receiver().await;
    rcv.status.store(500, Ordering::SeqCst);
    // Live mode: failing for three days of simulated time disables the endpoint.
    let api = Api::new(&sim);
    let (we, _) = api.endpoint(&rcv.url).await;
    api.ok(
        "/_sim/delivery_mode",
        json!({"retry_schedule": "live_mode"}),
    )
    .await;
    let first = customer_event(&api, None).await;
    rcv.wait_for("attempt 1", |_| of(&rcv, &first) == 1).await;
    api.ok("/_sim/clock/advance", json!({"days": 2})).await;
    rcv.wait_for("attempt 2", |_| of(&rcv, &first) == 2).await;
    let (_, w) = api.get(&format!("/v1/webhook_endpoints/{we}")).await;
    assert_eq!(w["status"], "enabled", "two days of failures: {w}");
    api.ok("/_sim/clock/advance", json!({"days": 1})).await;
    rcv.wait_for("attempt 3", |_| of(&rcv, &first) == 3).await;
    api.quiesce().await;
    let (_, w) = api.get(&format!("/v1/webhook_endpoints/{we}")).await;
    assert_eq!(w["status"], "disabled", "three days of failures: {w}");
    let later = customer_event(&api, None).await;
    let (_, ev) = api.get(&format!("/v1/events/{later}")).await;
    assert_eq!(
        ev["pending_webhooks"], 0,
        "nothing goes to a disabled endpoint"
    );

    // The fast test schedule never disables: a receiver restarting in a test keeps its
    // endpoint however far the clock moves.
    let api = Api::new(&sim);
    let (we, _) = api.endpoint(&rcv.url).await;
    let a = customer_event(&api, None).await;
    rcv.wait_for("its retries", |_| of(&rcv, &a) == 3).await;
    api.ok("/_sim/clock/advance", json!({"days": 10})).await;
    let b = customer_event(&api, None).await;
    rcv.wait_for("the later event", |_| of(&rcv, &b) == 3).await;
    api.quiesce().await;
    let (_, w) = api.get(&format!("/v1/webhook_endpoints/{we}")).await;
    assert_eq!(w["status"], "enabled", "{w}");
}
