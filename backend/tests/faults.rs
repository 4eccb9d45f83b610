//! The original service's faults, one test each, against a real
//! PostgreSQL and a Stripe stand-in. Each test fails if its fault came back.

mod common;

use std::sync::atomic::Ordering;

use common::*;
use serde_json::{Value, json};

const START: i64 = 1_800_000_000;
const END: i64 = 1_802_592_000;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

async fn ledger(app: &TestApp, id: &str) -> Option<(String, i32, Option<String>)> {
    sqlx::query_as("SELECT status, attempts, last_error FROM stripe_events WHERE event_id = $1")
        .bind(id)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

fn checkout_body() -> Value {
    json!({"tier": "basic", "billing_cycle": "monthly",
        "success_url": "http://localhost:3000/done", "cancel_url": "http://localhost:3000/cancel"})
}

#[tokio::test]
async fn fault_webhook_route_required_a_bearer_token() {
    let app = TestApp::start().await;
    let sub = subscription("sub_f1", "u_f1", "active", PRICE_BASIC_MONTHLY, START, END);
    app.stub.put_subscription(sub.clone());
    // Stripe sends no Authorization header; the signature is the only credential.
    let r = app
        .deliver(&event(
            "evt_f1",
            "customer.subscription.updated",
            now(),
            sub,
        ))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(ledger(&app, "evt_f1").await.unwrap().0, "processed");
    assert_eq!(app.status("u_f1").await["status"], "ACTIVE");
    app.stop().await;
}

#[tokio::test]
async fn fault_missing_webhook_secret_returned_200_and_dropped_events() {
    // Without a secret the service does not start at all…
    let mut vars = config_vars("postgres://postgres@127.0.0.1:5432/x", "http://127.0.0.1:1");
    vars.retain(|(k, _)| k != "STRIPE_WEBHOOK_SECRET");
    let err = billing::Config::from_vars(vars).unwrap_err();
    assert!(
        err.problems
            .iter()
            .any(|p| p.variable == "STRIPE_WEBHOOK_SECRET")
    );
    // …and a running one never answers 200 to an unverifiable delivery, nor stores it.
    let app = TestApp::start().await;
    let body = serde_json::to_vec(&event(
        "evt_f2",
        "invoice.paid",
        now(),
        json!({"id": "in_1"}),
    ))
    .unwrap();
    let r = app
        .http
        .post(format!("{}/api/subscription/webhook", app.base_url))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(ledger(&app, "evt_f2").await.is_none());
    app.stop().await;
}

#[tokio::test]
async fn fault_handler_errors_were_swallowed_and_marked_processed() {
    let app = TestApp::start().await;
    let sub = subscription("sub_f3", "u_f3", "active", PRICE_BASIC_MONTHLY, START, END);
    app.stub.put_subscription(sub.clone());
    app.stub
        .state
        .fail_subscriptions
        .store(true, Ordering::SeqCst);
    let e = event("evt_f3", "invoice.paid", now(), invoice_of(&sub));
    assert_eq!(app.deliver(&e).await.status(), 500);
    let (status, attempts, error) = ledger(&app, "evt_f3").await.unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert!(error.unwrap().contains("stripe"));
    assert_eq!(app.status("u_f3").await["status"], Value::Null);
    // Stripe retries later and it succeeds.
    app.stub
        .state
        .fail_subscriptions
        .store(false, Ordering::SeqCst);
    assert_eq!(app.deliver(&e).await.status(), 200);
    assert_eq!(ledger(&app, "evt_f3").await.unwrap().0, "processed");
    app.stop().await;
}

#[tokio::test]
async fn fault_duplicates_in_flight_were_applied_twice() {
    let app = TestApp::start().await;
    let sub = subscription("sub_f4", "u_f4", "active", PRICE_BASIC_MONTHLY, START, END);
    app.stub.put_subscription(sub);
    let invoice = json!({"id": "in_f4", "object": "invoice", "status": "paid", "amount_paid": 900,
        "currency": "usd", "billing_reason": "subscription_create",
        "parent": {"subscription_details": {"subscription": "sub_f4", "metadata": {"user_id": "u_f4"}}}});
    let e = event("evt_f4", "invoice.paid", now(), invoice);
    let mut handles = Vec::new();
    for _ in 0..8 {
        let http = app.http.clone();
        let body = serde_json::to_vec(&e).unwrap();
        let url = format!("{}/api/subscription/webhook", app.base_url);
        handles.push(tokio::spawn(async move {
            let t = time::OffsetDateTime::now_utc().unix_timestamp();
            let sig = billing::webhook::signature::sign(&body, WEBHOOK_SECRET, t);
            http.post(url)
                .header("stripe-signature", format!("t={t},v1={sig}"))
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    assert_eq!(app.stub.fetches(), 1, "applied exactly once");
    let (_, attempts, _) = ledger(&app, "evt_f4").await.unwrap();
    assert_eq!(attempts, 1);
    app.stop().await;
}

#[tokio::test]
async fn fault_no_ordering_protection_let_old_events_overwrite_newer_state() {
    let app = TestApp::start().await;
    let active = subscription("sub_f5", "u_f5", "active", PRICE_PRO_MONTHLY, START, END);
    app.stub.put_subscription(active.clone());
    let r = app
        .deliver(&event(
            "evt_f5_new",
            "customer.subscription.updated",
            now(),
            active,
        ))
        .await;
    assert_eq!(r.status(), 200);
    // An older event whose payload says incomplete/basic arrives late.
    let old = subscription(
        "sub_f5",
        "u_f5",
        "incomplete",
        PRICE_BASIC_MONTHLY,
        START - 100,
        END - 100,
    );
    let r = app
        .deliver(&event(
            "evt_f5_old",
            "customer.subscription.created",
            now() - 60,
            old,
        ))
        .await;
    assert_eq!(r.status(), 200);
    let s = app.status("u_f5").await;
    assert_eq!(
        (s["status"].as_str(), s["tier"].as_str()),
        (Some("ACTIVE"), Some("pro"))
    );
    app.stop().await;
}

#[tokio::test]
async fn fault_periods_were_now_plus_30_days_and_renewed_locally() {
    let app = TestApp::start().await;
    // A period that ended yesterday: no local renewal may move it.
    let ended = now() - 86_400;
    let sub = subscription(
        "sub_f6",
        "u_f6",
        "active",
        PRICE_BASIC_MONTHLY,
        ended - 2_592_000,
        ended,
    );
    app.stub.put_subscription(sub.clone());
    app.deliver(&event(
        "evt_f6",
        "customer.subscription.updated",
        now(),
        sub,
    ))
    .await;
    let s = app.status("u_f6").await;
    let end = time::OffsetDateTime::parse(
        s["current_period_end"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(end.unix_timestamp(), ended, "the period is Stripe's");
    // Stripe ends it: the user is no longer entitled, whatever the local clock says.
    let mut gone = subscription(
        "sub_f6",
        "u_f6",
        "canceled",
        PRICE_BASIC_MONTHLY,
        ended - 2_592_000,
        ended,
    );
    gone["ended_at"] = json!(ended);
    app.stub.put_subscription(gone.clone());
    app.deliver(&event(
        "evt_f6_del",
        "customer.subscription.deleted",
        now(),
        gone,
    ))
    .await;
    let s = app.status("u_f6").await;
    assert_eq!(
        (
            s["status"].as_str(),
            s["is_active"].as_bool(),
            s["tier"].as_str()
        ),
        (Some("CANCELLED"), Some(false), Some("free"))
    );
    app.stop().await;
}

#[tokio::test]
async fn fault_cancel_at_period_end_and_portal_plan_changes_were_ignored() {
    let app = TestApp::start().await;
    let mut sub = subscription("sub_f7", "u_f7", "active", PRICE_BASIC_MONTHLY, START, END);
    app.stub.put_subscription(sub.clone());
    app.deliver(&event(
        "evt_f7_a",
        "customer.subscription.created",
        now(),
        sub.clone(),
    ))
    .await;
    // Portal: upgrade to PRO, then cancel at period end.
    sub["items"]["data"][0]["price"]["id"] = json!(PRICE_PRO_MONTHLY);
    sub["cancel_at_period_end"] = json!(true);
    app.stub.put_subscription(sub.clone());
    app.deliver(&event(
        "evt_f7_b",
        "customer.subscription.updated",
        now(),
        sub,
    ))
    .await;
    let s = app.status("u_f7").await;
    assert_eq!(s["tier"], "pro");
    assert_eq!(s["cancel_at_period_end"], true);
    assert_eq!(s["is_active"], true);
    app.stop().await;
}

#[tokio::test]
async fn fault_a_paid_plan_could_be_activated_without_payment() {
    let app = TestApp::start().await;
    let sub = subscription(
        "sub_f8",
        "u_f8",
        "incomplete",
        PRICE_PRO_MONTHLY,
        START,
        END,
    );
    app.stub.put_subscription(sub);
    let session = json!({"id": "cs_test_f8", "object": "checkout.session", "mode": "subscription",
        "status": "complete", "payment_status": "unpaid", "client_reference_id": "u_f8",
        "customer": "cus_u_f8", "subscription": "sub_f8", "metadata": {"user_id": "u_f8"}});
    assert_eq!(
        app.deliver(&event(
            "evt_f8",
            "checkout.session.completed",
            now(),
            session
        ))
        .await
        .status(),
        200
    );
    let s = app.status("u_f8").await;
    assert_eq!(
        (
            s["is_active"].as_bool(),
            s["tier"].as_str(),
            s["status"].as_str()
        ),
        (Some(false), Some("free"), Some("INCOMPLETE"))
    );
    app.stop().await;
}

#[tokio::test]
async fn fault_customers_were_matched_by_email() {
    let app = TestApp::start().await;
    // Two users sharing an e-mail get two customers.
    for user in ["u_f9a", "u_f9b"] {
        let (s, b, _) = app
            .call(
                "POST",
                "/create-checkout-session",
                Some(&app.token(user, "shared@example.com")),
                Some(checkout_body()),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let customers: Vec<String> =
        sqlx::query_scalar("SELECT stripe_customer_id FROM user_subscriptions ORDER BY user_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(customers.len(), 2);
    assert_ne!(customers[0], customers[1]);
    // A subscription of an unknown customer with a matching e-mail is not linked to anyone.
    let mut stranger = subscription("sub_f9", "x", "active", PRICE_PRO_MONTHLY, START, END);
    stranger["metadata"] = json!({});
    stranger["customer"] = json!({"id": "cus_stranger", "email": "shared@example.com"});
    app.stub.put_subscription(stranger.clone());
    app.deliver(&event(
        "evt_f9",
        "customer.subscription.updated",
        now(),
        stranger,
    ))
    .await;
    for user in ["u_f9a", "u_f9b"] {
        assert_eq!(app.status(user).await["is_active"], false);
    }
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM stripe_events WHERE event_id = 'evt_f9'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(outcome.as_deref(), Some("ignored:no_linked_user"));
    app.stop().await;
}

async fn efw_setup(app: &TestApp, id: &str, charge_id: &str) {
    app.link_customer("u_efw", "cus_u_efw").await;
    app.stub.put(charge(charge_id, "cus_u_efw", 2900));
    app.stub.put(efw(id, charge_id, true, now()));
    let r = app
        .deliver(&event(
            &format!("evt_{id}"),
            "radar.early_fraud_warning.created",
            now(),
            efw(id, charge_id, true, now()),
        ))
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn fault_efw_refunds_lacked_keys_lost_ids_and_were_reopened_or_overwritten() {
    let app = TestApp::start_with(&[("ADMIN_EMAILS", "ops@example.com")]).await;
    let admin = app.token("admin", "ops@example.com");
    efw_setup(&app, "issfr_f10", "ch_f10").await;
    let (s, w, _) = app
        .call(
            "POST",
            "/fraud-warnings/issfr_f10/refund",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, 200, "{w}");
    // Idempotency key on the refund; refund id kept.
    let post = app.stub.posts("/v1/refunds").pop().unwrap();
    assert_eq!(
        post.idempotency_key.as_deref(),
        Some("efw-refund:issfr_f10")
    );
    assert_eq!(w["refund_id"], "re_stub0");
    // "ignore" cannot overwrite "refunded".
    let (s, _, _) = app
        .call(
            "POST",
            "/fraud-warnings/issfr_f10/ignore",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, 409);
    // `updated` does not reopen it.
    app.deliver(&event(
        "evt_f10_u",
        "radar.early_fraud_warning.updated",
        now() + 1,
        efw("issfr_f10", "ch_f10", true, now()),
    ))
    .await;
    let (_, w, _) = app
        .call("GET", "/fraud-warnings/issfr_f10", Some(&admin), None)
        .await;
    assert_eq!(
        (w["status"].as_str(), w["refund_id"].as_str()),
        (Some("refunded"), Some("re_stub0"))
    );
    app.stop().await;
}

#[tokio::test]
async fn fault_non_admins_got_500_when_stripe_was_misconfigured() {
    // Stripe unreachable (a closed port).
    let app = TestApp::start_with(&[
        ("STRIPE_API_BASE", "http://127.0.0.1:9"),
        ("ADMIN_EMAILS", "ops@example.com"),
    ])
    .await;
    let user = app.token("u_f11", "u@example.com");
    for (m, p) in [
        ("GET", "/disputes/dp_1"),
        ("POST", "/fraud-warnings/issfr_1/refund"),
        ("GET", "/fraud-warnings"),
    ] {
        let (s, _, _) = app.call(m, p, Some(&user), Some(json!({}))).await;
        assert_eq!(s, 403, "{m} {p}");
    }
    let (s, b, _) = app
        .call(
            "GET",
            "/disputes/dp_1",
            Some(&app.token("a", "ops@example.com")),
            None,
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (502, Some("stripe_unavailable"))
    );
    app.stop().await;
}

#[tokio::test]
async fn fault_portal_without_billing_profile_and_raw_stripe_text_came_back_as_500() {
    let app = TestApp::start().await;
    let token = app.token("u_f12", "u@example.com");
    let (s, b, _) = app
        .call(
            "POST",
            "/create-portal-session",
            Some(&token),
            Some(json!({"return_url": "http://localhost:3000/a"})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (404, Some("no_billing_profile"))
    );
    app.stub.state.fail_posts.store(true, Ordering::SeqCst);
    let (s, b, _) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
        .await;
    assert_eq!(s, 502);
    assert!(!b.to_string().contains("SECRET_STRIPE_TEXT"), "{b}");
    app.stop().await;
}

#[tokio::test]
async fn fault_checkout_shared_a_bucket_counted_rejections_and_lacked_retry_after() {
    let app = TestApp::start_with(&[("CHECKOUT_RATE_LIMIT_PER_MINUTE", "1")]).await;
    let token = app.token("u_f13", "u@example.com");
    let (s, _, _) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
        .await;
    assert_eq!(s, 200);
    let (s, b, h) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (429, Some("rate_limited"))
    );
    let first: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&first));
    for _ in 0..10 {
        app.call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
        .await;
    }
    let (_, _, h) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
        .await;
    let later: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        later <= first,
        "rejections consumed budget: {first} → {later}"
    );
    // Another endpoint of the same user is not in the checkout bucket.
    let (s, b, _) = app
        .call(
            "POST",
            "/create-portal-session",
            Some(&token),
            Some(json!({"return_url": "http://localhost:3000/a"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    app.stop().await;
}
