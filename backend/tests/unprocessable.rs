//! Events that can never apply — a subscription Stripe does not know (404 on re-reading it), a
//! price outside the mapping — are recorded `unprocessable`, alerted, counted and answered 2xx
//! so Stripe stops retrying; transient failures (Stripe 5xx, the database) still answer 500.

use crate::common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn ledger(app: &TestApp, id: &str) -> (String, i32, Option<String>) {
    sqlx::query_as("SELECT status, attempts, last_error FROM stripe_events WHERE event_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn alerts(sink: &MockServer, kind: &str) -> Vec<Value> {
    sink.received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter(|b| b["alert"] == kind)
        .collect()
}

#[tokio::test]
async fn events_that_can_never_apply_are_recorded_alerted_and_answered_2xx() {
    // wiremock is the alert channel here, not Stripe.
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/alerts"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&sink)
        .await;
    let url = format!("{}/alerts", sink.uri());
    // Against the real simulator: Stripe's own 404 for a subscription it does not know.
    let app = TestApp::start_with(&[("ALERT_WEBHOOK_URL", &url)]).await;

    // The subscription is unknown to Stripe: re-reading it is a 404, on every retry.
    let ghost = subscription("sub_ghost", "u_ghost", "active", PRICE_BASIC_MONTHLY, 1, 2);
    let e = event("evt_ghost", "invoice.paid", now(), invoice_of(&ghost));
    for attempt in 1..=2 {
        let r = app.deliver(&e).await;
        assert_eq!(r.status(), 200, "attempt {attempt}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["unprocessable"], json!(true));
    }
    let (status, attempts, error) = ledger(&app, "evt_ghost").await;
    assert_eq!((status.as_str(), attempts), ("unprocessable", 2));
    assert!(error.unwrap().contains("404"));

    // A price outside the mapping.
    let odd = subscription(
        "sub_odd",
        "u_odd",
        "active",
        "price_not_mapped",
        now(),
        now() + 1,
    );
    let r = app
        .deliver(&event(
            "evt_odd",
            "customer.subscription.updated",
            now(),
            odd,
        ))
        .await;
    assert_eq!(r.status(), 200);
    let (status, _, error) = ledger(&app, "evt_odd").await;
    assert_eq!(status, "unprocessable");
    assert!(error.unwrap().contains("price_not_mapped"));
    assert_eq!(app.status("u_odd").await["status"], Value::Null);

    let text = app.metrics().await;
    assert!(
        text.contains(
            r#"billing_webhook_events_total{type="invoice.paid",outcome="unprocessable"} 2"#
        ),
        "{text}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while alerts(&sink, "webhook_unprocessable").await.len() < 3 {
        assert!(Instant::now() < deadline, "no unprocessable alerts");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all = alerts(&sink, "webhook_unprocessable").await;
    assert!(
        all.iter()
            .any(|a| a["text"].as_str().unwrap().contains("evt_odd"))
    );
    app.stop().await;
}

#[tokio::test]
async fn transient_failures_still_answer_500_so_stripe_retries() {
    let app = TestApp::start().await;
    // A real subscription and the simulator's own `invoice.paid` of its first invoice.
    let cus = app.customer("u_t").await;
    let sub = app.sim().subscribe(&cus, "u_t", &app.basic_monthly()).await;
    let invoice = sub["latest_invoice"].as_str().unwrap();
    let e = app.sim().event_of("invoice.paid", invoice).await;
    let id = e["id"].as_str().unwrap();
    // Stripe answers 5xx: the simulator cannot, so a twin on the same database reads from a
    // Stripe that always fails.
    let twin = app.twin_on_failing_stripe(500).await;
    assert_eq!(twin.deliver(&e).await.status(), 500);
    assert_eq!(ledger(&app, id).await.0, "failed");
    twin.stop().await;

    // Stripe unreachable.
    let unreachable = TestApp::start_with(&[("STRIPE_API_BASE", "http://127.0.0.1:9")]).await;
    assert_eq!(unreachable.deliver(&e).await.status(), 500);
    assert_eq!(ledger(&unreachable, id).await.0, "failed");
    unreachable.stop().await;

    // The ledger table is unusable (as when the database fails): 500, Stripe keeps the event.
    sqlx::query("ALTER TABLE stripe_events RENAME TO stripe_events_gone")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(app.deliver(&e).await.status(), 500);
    sqlx::query("ALTER TABLE stripe_events_gone RENAME TO stripe_events")
        .execute(&app.pool)
        .await
        .unwrap();
    // And once all is well, the retry applies.
    assert_eq!(app.deliver(&e).await.status(), 200);
    assert_eq!(ledger(&app, id).await.0, "processed");
    assert_eq!(app.status("u_t").await["is_active"], json!(true));
    app.stop().await;
}
