//! Webhook order independence against the Stripe simulator: every delivery order of a real
//! checkout's events ends in the same state, concurrent events of one subscription serialise,
//! and a subscription event applies its own payload only when it is strictly newer.

use crate::common;

use common::*;
use serde_json::{Value, json};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Every delivery order of the checkout sequence ends in the same state.
#[tokio::test]
async fn checkout_sequence_is_order_independent() {
    let app = TestApp::start().await;
    let kinds = [
        "customer.subscription.created",
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
        "checkout.session.completed",
    ];
    let mut orders = Vec::new();
    permutations(&mut (0..kinds.len()).collect::<Vec<_>>(), 0, &mut orders);
    assert_eq!(orders.len(), 120);
    let t0 = now();
    let mut finals = Vec::new();
    for (n, order) in orders.iter().enumerate() {
        // A real purchase per order; its five events as the simulator made them, each
        // re-stamped one second after the one before (in Stripe's order), so the newer-payload
        // rule is exercised and not only the same-second re-read.
        let user = format!("user_o{n}");
        let cs = app.buy(&user, "basic").await;
        let session = app.sim().get(&format!("/v1/checkout/sessions/{cs}")).await;
        let sub_id = session["subscription"].as_str().unwrap();
        let sub = app.sim().get(&format!("/v1/subscriptions/{sub_id}")).await;
        let invoice = sub["latest_invoice"].as_str().unwrap();
        let mut events = Vec::new();
        for (i, k) in kinds.iter().enumerate() {
            let about = match *k {
                "checkout.session.completed" => cs.as_str(),
                k if k.starts_with("invoice") => invoice,
                _ => sub_id,
            };
            let mut e = app.sim().event_of(k, about).await;
            e["created"] = json!(t0 + i as i64);
            events.push(e);
        }
        for &i in order {
            assert_eq!(app.deliver(&events[i]).await.status(), 200);
        }
        let mut s = app.status(&user).await;
        // Each purchase has its own ids and (by a second or so) its own period.
        for key in [
            "stripe_subscription_id",
            "current_period_start",
            "current_period_end",
        ] {
            s[key] = Value::Null;
        }
        finals.push(s);
    }
    assert!(finals.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(finals[0]["status"], "ACTIVE");
    assert_eq!(finals[0]["is_active"], true);
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM subscription_renewal_history")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(history, 120, "one history row per paid invoice");
    app.stop().await;
}

fn permutations(items: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
    if k == items.len() {
        out.push(items.clone());
        return;
    }
    for i in k..items.len() {
        items.swap(k, i);
        permutations(items, k + 1, out);
        items.swap(k, i);
    }
}

#[tokio::test]
async fn concurrent_events_of_one_subscription_serialise() {
    let app = TestApp::start().await;
    let cs = app.buy("user_cc", "basic").await;
    let session = app.sim().get(&format!("/v1/checkout/sessions/{cs}")).await;
    let sub_id = session["subscription"].as_str().unwrap();
    let sub = app.sim().get(&format!("/v1/subscriptions/{sub_id}")).await;
    let invoice = sub["latest_invoice"].as_str().unwrap();
    let kinds = [
        "customer.subscription.created",
        "customer.subscription.updated",
        "invoice.paid",
        "invoice.payment_succeeded",
        "checkout.session.completed",
    ];
    let mut events = Vec::new();
    for kind in kinds {
        // The simulator's own event (all from the same second of Stripe's clock).
        let about = match kind {
            "checkout.session.completed" => cs.as_str(),
            k if k.starts_with("invoice") => invoice,
            _ => sub_id,
        };
        events.push(app.sim().event_of(kind, about).await);
    }
    // Two copies of each event, all at once.
    let results = app.deliver_all_at_once(&events, 2).await;
    assert!(results.iter().all(|s| *s == 200), "{results:?}");
    let s = app.status("user_cc").await;
    assert_eq!(
        (s["status"].as_str(), s["is_active"].as_bool()),
        (Some("ACTIVE"), Some(true))
    );
    let processed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM stripe_events WHERE status = 'processed' AND attempts = 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(processed, kinds.len() as i64);
    app.stop().await;
}

/// A subscription event newer than the row applies its own payload (no Stripe call); an older
/// one is skipped as stale; one from the same second re-reads Stripe.
#[tokio::test]
async fn subscription_events_apply_newer_payloads_and_fetch_only_on_ties() {
    let app = TestApp::start().await;
    // A real PRO subscription. Stripe's state then moves on (cancel at period end) so that
    // what the backend shows tells whether it used an event's payload or re-read Stripe.
    let (_, active) = app.sim().subscribed("user_p", &app.pro_monthly()).await;
    let sub_id = active["id"].as_str().unwrap();
    app.sim()
        .post(
            &format!("/v1/subscriptions/{sub_id}"),
            &[("cancel_at_period_end", "true")],
        )
        .await;
    let t = now();
    let r = app
        .deliver(&event(
            "evt_p1",
            "customer.subscription.updated",
            t,
            active.clone(),
        ))
        .await;
    assert_eq!(r.status(), 200);
    let s = app.status("user_p").await;
    assert_eq!(s["tier"], "pro");
    assert_eq!(
        s["cancel_at_period_end"], false,
        "the payload was applied as is (Stripe already says true)"
    );

    let mut old = active.clone();
    old["status"] = json!("incomplete");
    old["items"]["data"][0]["price"] = json!({"id": app.basic_monthly(), "object": "price"});
    app.deliver(&event(
        "evt_p0",
        "customer.subscription.created",
        t - 10,
        old,
    ))
    .await;
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM stripe_events WHERE event_id = 'evt_p0'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(outcome.as_deref(), Some("ignored:stale"));
    let s = app.status("user_p").await;
    assert_eq!(
        (s["status"].as_str(), s["cancel_at_period_end"].as_bool()),
        (Some("ACTIVE"), Some(false)),
        "a stale event neither applies nor re-reads"
    );

    // Same second, different payload: ambiguous, so Stripe's current state decides.
    let mut tie = active.clone();
    tie["status"] = json!("past_due");
    app.deliver(&event("evt_p2", "customer.subscription.updated", t, tie))
        .await;
    let s = app.status("user_p").await;
    assert_eq!(
        (s["status"].as_str(), s["cancel_at_period_end"].as_bool()),
        (Some("ACTIVE"), Some(true))
    );
    app.stop().await;
}
