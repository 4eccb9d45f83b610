//! The billing backend against the real Stripe simulator (not a stand-in): a paid Checkout
//! activates the plan with Stripe's period; every delivery order of a real checkout sequence
//! and of a real cancellation sequence converges on the same state; disputes and early fraud
//! warnings raised by test cards reach the admin routes, and admin actions reach Stripe.
//!
//! Needs PostgreSQL: DATABASE_URL (as for the features), e.g.
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p golive --test integration backend_sim::`.

use crate::backend_support;

use backend_support::{Stack, permutations};
use serde_json::{Value, json};

const VISA: &str = "4242424242424242";
const DISPUTE_CARD: &str = "4000000000000259";
const FRAUD_WARNING_CARD: &str = "4000000000005423";

/// The fields of `/status` that state the entitlement.
fn entitlement(s: &Value) -> Value {
    json!({
        "tier": s["tier"], "plan": s["plan"], "status": s["status"], "is_active": s["is_active"],
        "billing_cycle": s["billing_cycle"], "current_period_start": s["current_period_start"],
        "current_period_end": s["current_period_end"],
        "cancel_at_period_end": s["cancel_at_period_end"],
        "stripe_subscription_id": s["stripe_subscription_id"],
    })
}

async fn reset(db: &sqlx::PgPool) {
    sqlx::query("TRUNCATE user_subscriptions, stripe_events, subscription_renewal_history")
        .execute(db)
        .await
        .unwrap();
}

/// Replays `events` to backend 1 in every order, from an empty state each time; returns the
/// final entitlement of `user` after each order.
async fn replay_all_orders(
    stack: &Stack,
    events: &[Value],
    user: &golive::steps::actors::Actor,
) -> Vec<Value> {
    let mut finals = Vec::new();
    for order in permutations(events.len()) {
        reset(stack.b(1).db()).await;
        for &i in &order {
            let r = stack.deliver(1, &events[i]).await;
            assert_eq!(
                r.status, 200,
                "order {order:?}, event {}: {r}",
                events[i]["type"]
            );
        }
        let r = stack
            .b(1)
            .client
            .get("/api/subscription/status", Some(&user.token))
            .await;
        finals.push(entitlement(&r.body));
    }
    finals
}

#[tokio::test]
async fn a_paid_checkout_activates_with_stripes_period_in_every_delivery_order() {
    let mut stack = Stack::start().await;
    stack.backend(true, &[]).await; // 0: the simulator delivers to it
    stack.backend(false, &[]).await; // 1: the test replays events to it
    let ana = stack.user("Ana");
    stack.checkout_and_pay(0, &ana, "basic", VISA).await;
    let live = stack
        .wait_status(0, &ana, |s| s["status"] == "ACTIVE")
        .await;
    assert_eq!(live["tier"], "basic");
    assert_eq!(live["is_active"], true);

    // The period is Stripe's, not now + 30 days.
    let sub_id = live["stripe_subscription_id"].as_str().unwrap();
    let sub = stack
        .stripe
        .get(&format!("/v1/subscriptions/{sub_id}"))
        .await
        .unwrap();
    let end = sub["items"]["data"][0]["current_period_end"]
        .as_i64()
        .or(sub["current_period_end"].as_i64())
        .unwrap();
    let shown = time::OffsetDateTime::parse(
        live["current_period_end"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(shown.unix_timestamp(), end);

    let events = stack.events().await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    for k in [
        "customer.subscription.created",
        "invoice.paid",
        "customer.subscription.updated",
        "checkout.session.completed",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    assert!(events.len() <= 6, "{kinds:?}");
    let finals = replay_all_orders(&stack, &events, &ana).await;
    assert!(finals.len() >= 24);
    for f in &finals {
        assert_eq!(
            f,
            &entitlement(&live),
            "every order ends as the live delivery did"
        );
    }
    stack.finish().await;
}

#[tokio::test]
async fn a_cancellation_sequence_ends_cancelled_in_every_delivery_order() {
    let mut stack = Stack::start().await;
    stack.backend(true, &[]).await;
    stack.backend(false, &[]).await;
    let bo = stack.user("Bo");
    stack.checkout_and_pay(0, &bo, "pro", VISA).await;
    let live = stack.wait_status(0, &bo, |s| s["status"] == "ACTIVE").await;
    let sub_id = live["stripe_subscription_id"].as_str().unwrap().to_string();
    let checkout_events = stack.events().await;

    // Cancel at period end (still active, flag set), then end it.
    stack
        .stripe
        .post(
            &format!("/v1/subscriptions/{sub_id}"),
            &[("cancel_at_period_end", "true".to_string())],
        )
        .await
        .unwrap();
    let flagged = stack
        .wait_status(0, &bo, |s| s["cancel_at_period_end"] == true)
        .await;
    assert_eq!(
        flagged["is_active"], true,
        "still active until the period ends"
    );
    stack
        .stripe
        .delete(&format!("/v1/subscriptions/{sub_id}"))
        .await
        .unwrap();
    let ended = stack
        .wait_status(0, &bo, |s| s["status"] == "CANCELLED")
        .await;
    assert_eq!(ended["is_active"], false);
    assert_eq!(ended["tier"], "free");

    // The cancellation events plus the checkout's late stragglers, in every order.
    let all = stack.events().await;
    let mut sequence: Vec<Value> = all
        .iter()
        .filter(|e| !checkout_events.iter().any(|c| c["id"] == e["id"]))
        .cloned()
        .collect();
    assert!(sequence.len() >= 2, "{sequence:?}");
    for late in ["checkout.session.completed", "invoice.paid"] {
        if let Some(e) = checkout_events.iter().find(|e| e["type"] == late) {
            sequence.push(e.clone());
        }
    }
    let finals = replay_all_orders(&stack, &sequence, &bo).await;
    for f in &finals {
        assert_eq!(f, &entitlement(&ended));
    }
    stack.finish().await;
}

#[tokio::test]
async fn disputes_and_fraud_warnings_from_test_cards_reach_the_admin_routes() {
    let mut stack = Stack::start().await;
    stack.backend(true, &[]).await;
    let admin = stack.admin();
    let cleo = stack.user("Cleo");
    let dan = stack.user("Dan");
    stack
        .checkout_and_pay(0, &cleo, "basic", DISPUTE_CARD)
        .await;
    stack
        .checkout_and_pay(0, &dan, "basic", FRAUD_WARNING_CARD)
        .await;
    let client = stack.b(0).client.clone();
    let wait = |path: String, pred: fn(&Value) -> bool| {
        let client = client.clone();
        let token = admin.token.clone();
        async move {
            golive::steps::eventually::eventually(std::time::Duration::from_secs(15), || async {
                let r = client.get(&path, Some(&token)).await;
                if pred(&r.body) {
                    Ok(r.body)
                } else {
                    Err(r.to_string())
                }
            })
            .await
            .unwrap()
        }
    };

    // The dispute arrives by webhook, linked to Cleo via charge → customer.
    let list = wait("/api/subscription/disputes".to_string(), |b| {
        b["data"].as_array().is_some_and(|d| !d.is_empty())
    })
    .await;
    let d = &list["data"][0];
    assert_eq!(d["user_id"], cleo.user_id.as_str());
    assert_eq!(d["reason"], "fraudulent");
    let dp = d["id"].as_str().unwrap().to_string();
    let r = client
        .post_json(
            &format!("/api/subscription/disputes/{dp}/evidence"),
            Some(&admin.token),
            &json!({"evidence": {"customer_name": "Cleo", "uncategorized_text": "draft"}, "submit": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{r}");
    let stripe_dp = stack
        .stripe
        .get(&format!("/v1/disputes/{dp}"))
        .await
        .unwrap();
    assert_eq!(stripe_dp["evidence"]["customer_name"], "Cleo");
    assert_eq!(
        stripe_dp["evidence_details"]["submission_count"], 0,
        "staged, not submitted"
    );
    let r = client
        .post_json(
            &format!("/api/subscription/disputes/{dp}/close"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, Some("confirmation_required"))
    );
    let r = client
        .post_json(
            &format!("/api/subscription/disputes/{dp}/close"),
            Some(&admin.token),
            &json!({"confirm": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{r}");
    assert_eq!(r.body["status"], "lost");
    let detail = client
        .get(
            &format!("/api/subscription/disputes/{dp}"),
            Some(&admin.token),
        )
        .await;
    let actions: Vec<&str> = detail.body["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["stage_evidence", "close"]);

    // The early fraud warning: refund through the backend, once.
    let list = wait(
        "/api/subscription/fraud-warnings?status=open".to_string(),
        |b| b["data"].as_array().is_some_and(|d| !d.is_empty()),
    )
    .await;
    let w = &list["data"][0];
    assert_eq!(w["user_id"], dan.user_id.as_str());
    let id = w["id"].as_str().unwrap().to_string();
    let charge = w["charge"].as_str().unwrap().to_string();
    let r = client
        .post_json(
            &format!("/api/subscription/fraud-warnings/{id}/refund"),
            Some(&admin.token),
            &json!({"notes": "issuer says stolen"}),
        )
        .await;
    assert_eq!(r.status, 200, "{r}");
    let refund_id = r.body["refund_id"].as_str().unwrap().to_string();
    assert!(refund_id.starts_with("re_"));
    let ch = stack
        .stripe
        .get(&format!("/v1/charges/{charge}"))
        .await
        .unwrap();
    assert_eq!(ch["refunded"], true);
    let r = client
        .post_json(
            &format!("/api/subscription/fraud-warnings/{id}/refund"),
            Some(&admin.token),
            &json!({}),
        )
        .await;
    assert_eq!((r.status, r.error_code()), (409, Some("already_refunded")));
    // Stripe's `radar.early_fraud_warning.updated` (actionable=false) never reopens it.
    let w = wait(format!("/api/subscription/fraud-warnings/{id}"), |b| {
        b["actionable"] == false
    })
    .await;
    assert_eq!(w["status"], "refunded");
    assert_eq!(w["refund_id"], refund_id.as_str());
    assert_eq!(w["actions"][0]["actor_email"], "ops@golive.test");

    // The portal: a billing profile exists for Dan now.
    let r = client
        .post_json(
            "/api/subscription/create-portal-session",
            Some(&dan.token),
            &json!({"return_url": format!("{}/account", golive::steps::world::APP_ORIGIN)}),
        )
        .await;
    assert_eq!(r.status, 200, "{r}");
    assert!(r.body["url"].as_str().unwrap().starts_with("http"));
    let nobody = stack.user("Nobody");
    let r = client
        .post_json(
            "/api/subscription/create-portal-session",
            Some(&nobody.token),
            &json!({"return_url": format!("{}/account", golive::steps::world::APP_ORIGIN)}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (404, Some("no_billing_profile"))
    );
    stack.finish().await;
}

#[tokio::test]
async fn the_disputes_tab_lists_a_dispute_whose_webhook_has_not_arrived() {
    let mut stack = Stack::start().await;
    // No endpoint registered: Stripe's events never reach this backend.
    stack.backend(false, &[]).await;
    let admin = stack.admin();
    let cleo = stack.user("Cleo");
    stack
        .checkout_and_pay(0, &cleo, "basic", DISPUTE_CARD)
        .await;
    let client = stack.b(0).client.clone();
    let list = client
        .get("/api/subscription/disputes", Some(&admin.token))
        .await;
    assert_eq!(list.status, 200, "{list}");
    assert_eq!(list.body["stale"], false, "{list}");
    let rows = list.body["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1, "Stripe's dispute should be listed: {list}");
    assert_eq!(rows[0]["reason"], "fraudulent");
    // Cleo's Stripe customer was stored at Checkout, so the dispute is linked to her.
    assert_eq!(rows[0]["user_id"], cleo.user_id.as_str(), "{list}");

    // With Stripe unreachable the tab still loads, from our records, marked stale.
    stack
        .backend(false, &[("STRIPE_API_BASE", "http://127.0.0.1:9")])
        .await;
    let stale = stack
        .b(1)
        .client
        .get("/api/subscription/disputes", Some(&admin.token))
        .await;
    assert_eq!(stale.status, 200, "{stale}");
    assert_eq!(stale.body["stale"], true, "{stale}");
    stack.finish().await;
}
