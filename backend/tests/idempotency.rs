//! Idempotency from the operation's identity and sequence: evidence staged X, Y, then X again
//! ends with X at Stripe; concurrent or repeated closes and ignores write one audit row; a
//! double click makes one Checkout Session, a new attempt after it completed makes another.

use crate::common;

use common::*;
use serde_json::{Value, json};

const ADMIN_VARS: &[(&str, &str)] = &[("ADMIN_EMAILS", "ops@example.com")];

async fn actions(app: &TestApp, subject: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM admin_actions WHERE subject_id = $1 ORDER BY id")
        .bind(subject)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// A real dispute of user u1 at the simulator, known to the backend; its id.
async fn open_dispute(app: &TestApp) -> String {
    let d = app.dispute("u1", 900).await;
    d["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn staging_x_then_y_then_x_leaves_x_at_stripe() {
    let app = TestApp::start_with(ADMIN_VARS).await;
    let admin = app.token("admin", "ops@example.com");
    let dp = open_dispute(&app).await;
    for text in ["X", "Y", "X"] {
        let (s, d, _) = app
            .call(
                "POST",
                &format!("/disputes/{dp}/evidence"),
                Some(&admin),
                Some(json!({"evidence": {"uncategorized_text": text}, "submit": false})),
            )
            .await;
        assert_eq!(s, 200, "{d}");
        assert_eq!(d["evidence"]["uncategorized_text"], text);
    }
    // Stripe replays a reused idempotency key's first answer without applying the call, so
    // X at Stripe now means the third stage was a call of its own.
    let at_stripe = app.sim().get(&format!("/v1/disputes/{dp}")).await;
    assert_eq!(
        at_stripe["evidence"]["uncategorized_text"], "X",
        "{at_stripe}"
    );
    assert_eq!(
        at_stripe["status"], "needs_response",
        "staged, not submitted"
    );
    assert_eq!(
        actions(&app, &dp).await,
        ["stage_evidence", "stage_evidence", "stage_evidence"]
    );
    app.stop().await;
}

#[tokio::test]
async fn twenty_concurrent_closes_record_one_close() {
    let app = TestApp::start_with(ADMIN_VARS).await;
    let admin = app.token("admin", "ops@example.com");
    let dp = open_dispute(&app).await;
    let path = format!("/disputes/{dp}/close");
    let calls =
        (0..20).map(|_| app.call("POST", &path, Some(&admin), Some(json!({"confirm": true}))));
    for (s, d, _) in futures::future::join_all(calls).await {
        assert_eq!(s, 200, "{d}");
        assert_eq!(d["status"], "lost");
    }
    assert_eq!(actions(&app, &dp).await, ["close"]);
    let at_stripe = app.sim().get(&format!("/v1/disputes/{dp}")).await;
    assert_eq!(at_stripe["status"], "lost", "{at_stripe}");
    // And once more, later: the current state, nothing recorded.
    let (s, d, _) = app
        .call("POST", &path, Some(&admin), Some(json!({"confirm": true})))
        .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("lost")));
    assert_eq!(actions(&app, &dp).await, ["close"]);
    app.stop().await;
}

#[tokio::test]
async fn ignoring_twice_or_concurrently_records_one_ignore() {
    let app = TestApp::start_with(ADMIN_VARS).await;
    let admin = app.token("admin", "ops@example.com");
    let w = app.fraud_warning("u1", 900).await;
    let id = w["id"].as_str().unwrap();
    let path = format!("/fraud-warnings/{id}/ignore");
    let calls =
        (0..20).map(|_| app.call("POST", &path, Some(&admin), Some(json!({"notes": "fine"}))));
    for (s, w, _) in futures::future::join_all(calls).await {
        assert_eq!((s, w["status"].as_str()), (200, Some("ignored")), "{w}");
    }
    let (s, w, _) = app.call("POST", &path, Some(&admin), None).await;
    assert_eq!((s, w["status"].as_str()), (200, Some("ignored")));
    assert_eq!(actions(&app, id).await, ["ignore"]);
    app.stop().await;
}

fn checkout_body() -> Value {
    json!({"tier": "basic", "billing_cycle": "monthly",
        "success_url": "http://localhost:3000/ok", "cancel_url": "http://localhost:3000/c"})
}

#[tokio::test]
async fn a_double_click_makes_one_session_and_a_later_attempt_a_new_one() {
    // Stripe's own idea of an open, completed or expired session.
    let app = TestApp::start().await;
    let sim = app.sim();
    let token = app.token("user_cs", "cs@example.com");
    let calls = (0..2).map(|_| {
        app.call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
    });
    let answers = futures::future::join_all(calls).await;
    let ids: Vec<String> = answers
        .iter()
        .map(|(s, b, _)| {
            assert_eq!(*s, 200, "{b}");
            b["session_id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids[0], ids[1], "a double click made two sessions");
    // Again while the session is open: still the same.
    let (_, b, _) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
        .await;
    assert_eq!(b["session_id"], ids[0].as_str());

    // The payer finished (or the session expired): the next attempt is a new session.
    sim.pay(&ids[0], "4242424242424242").await;
    assert_eq!(
        sim.get(&format!("/v1/checkout/sessions/{}", ids[0])).await["status"],
        "complete"
    );
    let (s, b, _) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let second = b["session_id"].as_str().unwrap().to_string();
    assert_ne!(second, ids[0], "a completed session was handed out again");
    sim.post(&format!("/v1/checkout/sessions/{second}/expire"), &[])
        .await;
    let (_, b, _) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
        .await;
    assert_ne!(b["session_id"], second.as_str());
    assert_ne!(b["session_id"], ids[0].as_str());
    app.stop().await;
}
