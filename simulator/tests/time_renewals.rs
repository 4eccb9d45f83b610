//! Advancing the account clock: renewals, failed renewals and retries, cancellation at
//! period end, checkout session expiry, event times.

use crate::time_common;

use std::time::Instant;

use axum::http::StatusCode;
use serde_json::{Value, json};
use time_common::{Api, receiver, sim};

async fn sub_of(api: &Api, session: &Value) -> Value {
    let id = session["subscription"].as_str().expect("sub");
    let (s, sub) = api.get(&format!("/v1/subscriptions/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    sub
}

async fn invoices(api: &Api, customer: &str) -> Vec<Value> {
    let (s, list) = api
        .get(&format!("/v1/invoices?customer={customer}&limit=100"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let mut v = list["data"].as_array().cloned().unwrap_or_default();
    v.reverse();
    v
}

#[tokio::test]
async fn twelve_monthly_renewals_in_well_under_a_second_with_simulated_times() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price) = api.price("Basic", "2000").await;
    let session = api.subscribe(&price, "4242424242424242", None).await;
    let customer = session["customer"].as_str().expect("cus").to_string();
    let before = sub_of(&api, &session).await;
    let start = before["items"]["data"][0]["current_period_start"]
        .as_i64()
        .expect("start");
    let clock = api.get("/_sim/clock").await.1;
    let t0 = clock["now"].as_i64().expect("now");

    let started = Instant::now();
    let adv = api.ok("/_sim/clock/advance", json!({"days": 366})).await;
    let took = started.elapsed();
    assert!(took.as_millis() < 1000, "advance took {took:?}");
    assert!(adv["jobs_run"].as_i64().expect("jobs") >= 24, "{adv}");
    assert_eq!(adv["now"].as_i64(), Some(t0 + 366 * 86_400));

    let sub = sub_of(&api, &session).await;
    assert_eq!(sub["status"], "active");
    let item = &sub["items"]["data"][0];
    // 12 rolls of one month each.
    let mut expected = start;
    for _ in 0..12 {
        expected = stripe_sim::time::clock::add_interval(
            expected,
            stripe_sim::time::clock::Interval::Month,
            1,
        );
    }
    assert_eq!(item["current_period_start"].as_i64(), Some(expected));

    let invs = invoices(&api, &customer).await;
    assert_eq!(invs.len(), 13, "first invoice + 12 renewals");
    assert_eq!(invs[0]["billing_reason"], "subscription_create");
    for inv in &invs[1..] {
        assert_eq!(inv["billing_reason"], "subscription_cycle");
        assert_eq!(inv["status"], "paid", "{}", inv["id"]);
        assert_eq!(inv["attempt_count"], 1);
        let created = inv["created"].as_i64().expect("created");
        let finalized = inv["status_transitions"]["finalized_at"]
            .as_i64()
            .expect("finalized");
        assert_eq!(finalized - created, 3600, "draft for an hour");
    }
    assert_eq!(sub["latest_invoice"], invs[12]["id"]);

    // Events are stamped with simulated time, and only the last 30 days of them are kept
    // (the older renewals' events are gone after a year; their invoices stay).
    let now = t0 + 366 * 86_400;
    for ty in [
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
    ] {
        let evs = api.events(ty).await;
        assert!(!evs.is_empty() && evs.len() < 13, "{ty}: {}", evs.len());
        for e in &evs {
            let created = e["created"].as_i64().expect("created");
            assert!(
                created >= now - 30 * 86_400,
                "{ty} {created} is within 30 days"
            );
        }
    }
    let paid = api.events("invoice.paid").await;
    assert_eq!(
        paid.last().expect("last")["request"]["id"],
        Value::Null,
        "renewal events are automatic"
    );
    let updated = api.events("customer.subscription.updated").await;
    assert!(updated.last().expect("last")["data"]["previous_attributes"]["items"].is_object());
}

#[tokio::test]
async fn failed_renewal_retries_then_cancels_end_to_end() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let rcv = receiver().await;
    api.endpoint(&rcv.url).await;
    let (_, price) = api.price("Basic", "2000").await;
    let session = api.subscribe(&price, "4242424242424242", None).await;
    let customer = session["customer"].as_str().expect("cus").to_string();
    let sub_id = session["subscription"].as_str().expect("sub").to_string();
    let period_end = sub_of(&api, &session).await["items"]["data"][0]["current_period_end"]
        .as_i64()
        .expect("end");
    api.ok(
        &format!("/_sim/customers/{customer}/payments"),
        json!({"next_payments": "fail"}),
    )
    .await;
    api.quiesce().await;
    let checkout_events = rcv.all().len();

    // Past the period end and the hour of draft: the first attempt fails.
    let now = api.get("/_sim/clock").await.1["now"].as_i64().expect("now");
    api.ok("/_sim/clock/advance", json!({"to": period_end + 3600 + 10}))
        .await;
    assert!(period_end + 3600 + 10 > now);
    let sub = sub_of(&api, &session).await;
    assert_eq!(sub["status"], "past_due");
    let inv_id = sub["latest_invoice"].as_str().expect("inv").to_string();
    let (_, inv) = api.get(&format!("/v1/invoices/{inv_id}")).await;
    assert_eq!(inv["status"], "open");
    assert_eq!(inv["billing_reason"], "subscription_cycle");
    assert_eq!(inv["attempt_count"], 1);
    let first_attempt = period_end + 3600;
    assert_eq!(
        inv["next_payment_attempt"].as_i64(),
        Some(first_attempt + 86_400)
    );

    api.quiesce().await;
    let types: Vec<String> = rcv.types()[checkout_events..].to_vec();
    assert_eq!(
        types,
        [
            "invoice.upcoming",
            "customer.subscription.updated",
            "invoice.created",
            "invoice.finalized",
            "payment_intent.created",
            "charge.failed",
            "payment_intent.payment_failed",
            "invoice.payment_failed",
            "customer.subscription.updated",
        ],
        "canonical failed-renewal sequence"
    );
    let got = rcv.all();
    let upcoming = &got[checkout_events].event;
    assert_eq!(upcoming["created"].as_i64(), Some(period_end - 3 * 86_400));
    let failed = &got[checkout_events + 7].event;
    assert_eq!(failed["data"]["object"]["attempt_count"], 1);
    assert_eq!(failed["created"].as_i64(), Some(first_attempt));
    let past_due = &got[checkout_events + 8].event;
    assert_eq!(past_due["data"]["object"]["status"], "past_due");
    assert_eq!(past_due["data"]["previous_attributes"]["status"], "active");

    // Retries: day 1, day 3, day 7 after the first attempt; the last one cancels.
    api.ok("/_sim/clock/advance", json!({"days": 3})).await;
    let (_, inv) = api.get(&format!("/v1/invoices/{inv_id}")).await;
    assert_eq!(inv["attempt_count"], 3, "two retries within three days");
    assert_eq!(
        inv["next_payment_attempt"].as_i64(),
        Some(first_attempt + 7 * 86_400)
    );
    assert_eq!(sub_of(&api, &session).await["status"], "past_due");
    api.ok("/_sim/clock/advance", json!({"days": 5})).await;
    let (_, inv) = api.get(&format!("/v1/invoices/{inv_id}")).await;
    assert_eq!(inv["attempt_count"], 4);
    assert_eq!(inv["next_payment_attempt"], Value::Null);
    let sub = sub_of(&api, &session).await;
    assert_eq!(sub["status"], "canceled");
    assert_eq!(sub["cancellation_details"]["reason"], "payment_failed");
    assert_eq!(sub["ended_at"].as_i64(), Some(first_attempt + 7 * 86_400));

    api.quiesce().await;
    let all = rcv.all();
    let failures: Vec<&Value> = all
        .iter()
        .map(|r| &r.event)
        .filter(|e| e["type"] == "invoice.payment_failed")
        .collect();
    assert_eq!(failures.len(), 4);
    assert_eq!(
        failures
            .iter()
            .map(|e| e["data"]["object"]["attempt_count"].as_i64().unwrap_or(0))
            .collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    let last = all.last().expect("last").event.clone();
    assert_eq!(last["type"], "customer.subscription.deleted");
    assert_eq!(last["data"]["object"]["id"], sub_id.as_str());
    assert_eq!(
        last["data"]["object"]["cancellation_details"]["reason"],
        "payment_failed"
    );
    // Nothing renews a canceled subscription.
    api.ok("/_sim/clock/advance", json!({"days": 40})).await;
    assert_eq!(invoices(&api, &customer).await.len(), 2);
}

#[tokio::test]
async fn final_failure_can_leave_the_subscription_unpaid_and_a_retry_can_recover() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let set = api
        .ok(
            "/_sim/settings/renewals",
            json!({"retry_days": [2], "after_final_failure": "unpaid"}),
        )
        .await;
    assert_eq!(set["retry_days"], json!([2]));
    let (_, price) = api.price("Basic", "2000").await;

    // Unpaid after the only retry fails.
    let session = api.subscribe(&price, "4242424242424242", None).await;
    let customer = session["customer"].as_str().expect("cus").to_string();
    api.ok(
        &format!("/_sim/customers/{customer}/payments"),
        json!({"next_payments": "fail"}),
    )
    .await;
    api.ok("/_sim/clock/advance", json!({"days": 34})).await;
    let sub = sub_of(&api, &session).await;
    assert_eq!(sub["status"], "unpaid");

    // Another customer recovers: the retry succeeds once payments work again.
    let session = api.subscribe(&price, "4242424242424242", None).await;
    let customer = session["customer"].as_str().expect("cus").to_string();
    let end = sub_of(&api, &session).await["items"]["data"][0]["current_period_end"]
        .as_i64()
        .expect("end");
    api.ok(
        &format!("/_sim/customers/{customer}/payments"),
        json!({"next_payments": "fail"}),
    )
    .await;
    api.ok("/_sim/clock/advance", json!({"to": end + 7200}))
        .await;
    assert_eq!(sub_of(&api, &session).await["status"], "past_due");
    api.ok(
        &format!("/_sim/customers/{customer}/payments"),
        json!({"next_payments": "card"}),
    )
    .await;
    api.ok("/_sim/clock/advance", json!({"days": 2})).await;
    let sub = sub_of(&api, &session).await;
    assert_eq!(sub["status"], "active");
    let (_, inv) = api
        .get(&format!(
            "/v1/invoices/{}",
            sub["latest_invoice"].as_str().expect("inv")
        ))
        .await;
    assert_eq!(inv["status"], "paid");
    assert_eq!(inv["attempt_count"], 2);
}

#[tokio::test]
async fn cancel_at_period_end_ends_the_subscription_without_a_new_invoice() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price) = api.price("Basic", "2000").await;
    let session = api.subscribe(&price, "4242424242424242", None).await;
    let sub_id = session["subscription"].as_str().expect("sub").to_string();
    let customer = session["customer"].as_str().expect("cus").to_string();
    let (s, sub) = api
        .post(
            &format!("/v1/subscriptions/{sub_id}"),
            &[("cancel_at_period_end", "true")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    let cancel_at = sub["cancel_at"].as_i64().expect("cancel_at");
    api.ok("/_sim/clock/advance", json!({"days": 10})).await;
    assert_eq!(sub_of(&api, &session).await["status"], "active");
    api.ok("/_sim/clock/advance", json!({"days": 25})).await;
    let sub = sub_of(&api, &session).await;
    assert_eq!(sub["status"], "canceled");
    assert_eq!(sub["ended_at"].as_i64(), Some(cancel_at));
    let deleted = api.events("customer.subscription.deleted").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["created"].as_i64(), Some(cancel_at));
    assert_eq!(
        invoices(&api, &customer).await.len(),
        1,
        "no renewal invoice"
    );
}

#[tokio::test]
async fn open_checkout_sessions_expire_when_the_clock_passes_expires_at() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price) = api.price("Basic", "2000").await;
    let (_, session) = api
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("line_items[0][price]", &price),
                ("success_url", "https://app.example/ok"),
            ],
        )
        .await;
    let id = session["id"].as_str().expect("id");
    let expires_at = session["expires_at"].as_i64().expect("expires_at");
    api.ok("/_sim/clock/advance", json!({"seconds": 23 * 3600}))
        .await;
    assert!(api.events("checkout.session.expired").await.is_empty());
    api.ok("/_sim/clock/advance", json!({"seconds": 2 * 3600}))
        .await;
    let expired = api.events("checkout.session.expired").await;
    assert_eq!(expired.len(), 1, "expired by the advance itself");
    assert_eq!(expired[0]["created"].as_i64(), Some(expires_at));
    let (_, s) = api.get(&format!("/v1/checkout/sessions/{id}")).await;
    assert_eq!(s["status"], "expired");
}

#[tokio::test]
async fn the_account_clock_only_moves_forward_and_validates_input() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let now = api.get("/_sim/clock").await.1["now"].as_i64().expect("now");
    let (s, e) = api
        .json("/_sim/clock/advance", json!({"to": now - 100}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["type"], "invalid_request_error");
    let (s, _) = api.json("/_sim/clock/advance", json!({})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = api
        .json("/_sim/clock/advance", json!({"days": 1, "seconds": 1}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = api.json("/_sim/clock/advance", json!({"days": "x"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, e) = api
        .json(
            "/_sim/settings/renewals",
            json!({"after_final_failure": "explode"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let v = api.ok("/_sim/clock/advance", json!({"days": 2})).await;
    assert!(v["now"].as_i64().expect("now") >= now + 2 * 86_400);
    // Objects created afterwards carry the simulated time.
    let (_, cus) = api.post("/v1/customers", &[("email", "a@b.c")]).await;
    assert!(cus["created"].as_i64().expect("created") >= now + 2 * 86_400);
}

/// Two endpoints (one for every event, one for invoices only) each receive a year of
/// renewals of three subscriptions in the order the events were emitted: per endpoint,
/// `created` never goes back, each invoice's events come in their flow order, and the
/// invoice endpoint's sequence is exactly the all-events endpoint's invoice events.
#[tokio::test]
async fn advancing_with_endpoints_keeps_each_endpoints_event_order() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price) = api.price("Basic", "2000").await;
    for _ in 0..3 {
        api.subscribe(&price, "4242424242424242", None).await;
    }
    let all = receiver().await;
    let invoices_only = receiver().await;
    api.endpoint(&all.url).await;
    let (s, we) = api
        .post(
            "/v1/webhook_endpoints",
            &[
                ("url", invoices_only.url.as_str()),
                ("enabled_events[]", "invoice.created"),
                ("enabled_events[]", "invoice.finalized"),
                ("enabled_events[]", "invoice.paid"),
                ("enabled_events[]", "invoice.payment_succeeded"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{we}");
    let adv = api.ok("/_sim/clock/advance", json!({"days": 366})).await;
    assert!(adv["jobs_run"].as_i64().expect("jobs") >= 3 * 36, "{adv}");
    api.quiesce().await;
    let got: Vec<Value> = all.all().into_iter().map(|r| r.event).collect();
    let inv: Vec<Value> = invoices_only.all().into_iter().map(|r| r.event).collect();
    // 3 subscriptions × 12 renewals × (updated, invoice.created, .finalized,
    // payment_intent.created, charge.succeeded, payment_intent.succeeded, .paid,
    // .payment_succeeded, invoice.upcoming).
    assert_eq!(
        got.len(),
        3 * 12 * 9,
        "all-events endpoint got {}",
        got.len()
    );
    assert_eq!(inv.len(), 3 * 12 * 4, "invoice endpoint got {}", inv.len());
    for events in [&got, &inv] {
        let created: Vec<i64> = events
            .iter()
            .map(|e| e["created"].as_i64().expect("created"))
            .collect();
        assert!(
            created.windows(2).all(|w| w[0] <= w[1]),
            "delivered out of time order: {created:?}"
        );
        // Each invoice's own events in flow order.
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        let rank = |t: &str| match t {
            "invoice.created" => 0,
            "invoice.finalized" => 1,
            "invoice.paid" => 2,
            "invoice.payment_succeeded" => 3,
            _ => usize::MAX,
        };
        for e in events.iter() {
            let t = e["type"].as_str().expect("type");
            let r = rank(t);
            if r == usize::MAX {
                continue;
            }
            let id = e["data"]["object"]["id"].as_str().expect("id").to_string();
            let prev = seen.insert(id.clone(), r);
            assert_eq!(prev.map_or(0, |p| p + 1), r, "{id}: {t} out of order");
        }
    }
    let ids = |v: &[Value], keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        v.iter()
            .filter(|e| keep(e))
            .map(|e| e["id"].as_str().expect("id").to_string())
            .collect()
    };
    let invoice_types = |e: &Value| {
        matches!(
            e["type"].as_str(),
            Some(
                "invoice.created"
                    | "invoice.finalized"
                    | "invoice.paid"
                    | "invoice.payment_succeeded"
            )
        )
    };
    assert_eq!(ids(&inv, &|_| true), ids(&got, &invoice_types));
}
