//! A subscription's life at Stripe reaching the backend: a failing handler answers 500 and a
//! retry applies; unpaid is not active and cancellation ends it; a failed renewal is past due
//! until the retry pays, and an ended old subscription does not clobber the new one.

use crate::common;

use common::*;
use serde_json::json;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn handler_failure_is_500_and_recorded_then_a_retry_succeeds() {
    let app = TestApp::start().await;
    // A real PRO subscription; its first invoice's `invoice.paid` needs the subscription from
    // Stripe, which fails: wiremock plays that Stripe (the simulator cannot fail), behind a
    // twin of the backend on the same database.
    let (_, sub) = app.sim().subscribed("user_f", &app.pro_monthly()).await;
    let ev = app
        .sim()
        .event_of("invoice.paid", sub["latest_invoice"].as_str().unwrap())
        .await;
    let id = ev["id"].as_str().unwrap();
    let twin = app.twin_on_failing_stripe(500).await;
    let r = twin.deliver(&ev).await;
    assert_eq!(r.status(), 500);
    let text = r.text().await.unwrap();
    assert!(!text.contains(failing::SECRET_STRIPE_TEXT), "{text}");
    twin.stop().await;
    let (status, attempts, err): (String, i32, Option<String>) = sqlx::query_as(
        "SELECT status, attempts, last_error FROM stripe_events WHERE event_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert!(err.unwrap().contains("500"));
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM user_subscriptions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0, "the state change was rolled back");

    let r = app.deliver(&ev).await;
    assert_eq!(r.status(), 200);
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM stripe_events WHERE event_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("processed", 2));
    let s = app.status("user_f").await;
    assert_eq!(s["tier"], "pro");
    assert_eq!(s["is_active"], true);
    app.stop().await;
}

#[tokio::test]
async fn unpaid_subscription_is_not_active_and_cancellation_ends_it() {
    let app = TestApp::start().await;
    // A real subscription nobody paid for (`default_incomplete`: nothing is charged).
    let cus = app.sim().customer("user_i").await;
    let basic = app.basic_monthly();
    let sub = app
        .sim()
        .post(
            "/v1/subscriptions",
            &[
                ("customer", &cus),
                ("items[0][price]", &basic),
                ("metadata[user_id]", "user_i"),
                ("payment_behavior", "default_incomplete"),
            ],
        )
        .await;
    let sub_id = sub["id"].as_str().unwrap();
    let ev = app
        .sim()
        .event_of("customer.subscription.created", sub_id)
        .await;
    assert_eq!(app.deliver(&ev).await.status(), 200);
    let s = app.status("user_i").await;
    assert_eq!(
        (
            s["status"].as_str(),
            s["is_active"].as_bool(),
            s["tier"].as_str()
        ),
        (Some("INCOMPLETE"), Some(false), Some("free"))
    );

    // Cancelled at Stripe.
    app.sim()
        .delete(&format!("/v1/subscriptions/{sub_id}"))
        .await;
    let deleted = app
        .sim()
        .event_of("customer.subscription.deleted", sub_id)
        .await;
    assert_eq!(app.deliver(&deleted).await.status(), 200);
    let s = app.status("user_i").await;
    assert_eq!(
        (s["status"].as_str(), s["is_active"].as_bool()),
        (Some("CANCELLED"), Some(false))
    );

    // Unknown users / unhandled types are recorded as processed without a change.
    assert_eq!(
        app.deliver(&event(
            "evt_i3",
            "customer.created",
            now(),
            json!({"id": "cus_x"})
        ))
        .await
        .status(),
        200
    );
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM stripe_events WHERE event_id = 'evt_i3'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(outcome.as_deref(), Some("ignored:unhandled_type"));
    app.stop().await;
}

#[tokio::test]
async fn payment_failure_marks_past_due_and_old_subscriptions_do_not_clobber_new_ones() {
    let app = TestApp::start().await;
    let sim = app.sim();
    let (cus, sub) = sim.subscribed("user_p", &app.basic_monthly()).await;
    let sub_id = sub["id"].as_str().unwrap();
    let first = sim
        .event_of("invoice.paid", sub["latest_invoice"].as_str().unwrap())
        .await;
    assert_eq!(app.deliver(&first).await.status(), 200);
    assert_eq!(app.status("user_p").await["status"], "ACTIVE");

    // The renewal fails: the customer's next payments decline, and Stripe's clock passes the
    // period end and the hour a renewal invoice waits before it is charged.
    sim.control.customer_payments(&cus, "fail").await.unwrap();
    let period_end = sub["items"]["data"][0]["current_period_end"]
        .as_i64()
        .unwrap();
    sim.control
        .advance_to(period_end + 3_600 + 60)
        .await
        .unwrap();
    let failed = sim.latest("invoice.payment_failed").await;
    assert_eq!(failed["data"]["object"]["status"], "open", "{failed}");
    assert_eq!(app.deliver(&failed).await.status(), 200);
    let s = app.status("user_p").await;
    assert_eq!(
        (
            s["status"].as_str(),
            s["is_active"].as_bool(),
            s["tier"].as_str()
        ),
        (Some("PAST_DUE"), Some(false), Some("free"))
    );

    // The retry succeeded: the invoice is paid, the subscription active again.
    sim.control
        .customer_payments(&cus, "succeed")
        .await
        .unwrap();
    let invoice = failed["data"]["object"]["id"].as_str().unwrap();
    sim.post(&format!("/v1/invoices/{invoice}/pay"), &[]).await;
    let paid = sim.latest("invoice.paid").await;
    assert_eq!(paid["data"]["object"]["id"], invoice);
    assert_eq!(app.deliver(&paid).await.status(), 200);
    assert_eq!(app.status("user_p").await["status"], "ACTIVE");
    // A late, re-delivered failure for that invoice no longer downgrades the user.
    let mut late = failed.clone();
    late["id"] = json!("evt_p3_late");
    assert_eq!(app.deliver(&late).await.status(), 200);
    assert_eq!(app.status("user_p").await["status"], "ACTIVE");

    // The user moved to a new (PRO) subscription; a late event about the ended old one is
    // ignored.
    let sub2 = sim.subscribe(&cus, "user_p", &app.pro_monthly()).await;
    let up = sim
        .event_of("invoice.paid", sub2["latest_invoice"].as_str().unwrap())
        .await;
    assert_eq!(app.deliver(&up).await.status(), 200);
    sim.delete(&format!("/v1/subscriptions/{sub_id}")).await;
    let old = sim.event_of("customer.subscription.deleted", sub_id).await;
    assert_eq!(app.deliver(&old).await.status(), 200);
    let s = app.status("user_p").await;
    assert_eq!(
        (s["tier"].as_str(), s["status"].as_str()),
        (Some("pro"), Some("ACTIVE"))
    );
    app.stop().await;
}
