//! Backend integration tests against a real PostgreSQL (DATABASE_URL, default
//! postgres://postgres@127.0.0.1:5432/postgres) and a tiny Stripe stub.

mod common;

use std::sync::atomic::Ordering;

use common::*;
use serde_json::{Value, json};

const PERIOD_START: i64 = 1_800_000_000;
const PERIOD_END: i64 = 1_802_592_000;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn migrations_create_every_table_and_the_seed_is_idempotent() {
    let db = TestDb::create().await;
    billing::migrate(&db.url).await.unwrap();
    billing::migrate(&db.url).await.unwrap();
    let pool = db.pool().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for t in [
        "subscription_plans",
        "user_subscriptions",
        "stripe_events",
        "fraud_warnings",
        "disputes",
        "api_usage_logs",
        "usage_summaries",
        "subscription_renewal_history",
        "admin_actions",
    ] {
        assert!(
            tables.iter().any(|x| x == t),
            "table {t} missing: {tables:?}"
        );
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM subscription_plans ORDER BY sort_order")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(names, ["FREE", "BASIC", "PRO", "ENTERPRISE"]);

    // Re-running the seed never overwrites later edits nor duplicates rows.
    sqlx::query("UPDATE subscription_plans SET description = 'edited' WHERE name = 'BASIC'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(include_str!("../migrations/20261127000002_seed_plans.sql"))
        .execute(&pool)
        .await
        .unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM subscription_plans")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 4);
    let desc: String =
        sqlx::query_scalar("SELECT description FROM subscription_plans WHERE name = 'BASIC'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(desc, "edited");

    // Unique constraints named by the data model.
    let plan: i64 = sqlx::query_scalar("SELECT id FROM subscription_plans WHERE name = 'FREE'")
        .fetch_one(&pool)
        .await
        .unwrap();
    for (user, cus) in [("u1", "cus_1"), ("u1", "cus_2"), ("u2", "cus_1")] {
        let r = sqlx::query(
            "INSERT INTO user_subscriptions (user_id, plan_id, stripe_customer_id) VALUES ($1, $2, $3)",
        )
        .bind(user)
        .bind(plan)
        .bind(cus)
        .execute(&pool)
        .await;
        assert_eq!(r.is_ok(), user == "u1" && cus == "cus_1", "{user} {cus}");
    }
    // Entitlement guard: an active row must be ACTIVE or TRIALING.
    let r = sqlx::query(
        "UPDATE user_subscriptions SET status = 'INCOMPLETE', is_active = true WHERE user_id = 'u1'",
    )
    .execute(&pool)
    .await;
    assert!(r.is_err());
    pool.close().await;
}

#[tokio::test]
async fn checkout_session_validates_then_creates_customer_once() {
    let app = TestApp::start().await;
    let url = format!("{}/api/subscription/create-checkout-session", app.base_url);
    let body = json!({"tier": "basic", "billing_cycle": "monthly",
        "success_url": "http://localhost:3000/done", "cancel_url": "http://localhost:3000/cancel"});

    // 401 before anything else, even with a bad body.
    let r = app.http.post(&url).body("{").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "unauthorized");

    let token = app.token("user_c", "c@example.com");
    let post = |b: Value| app.http.post(&url).bearer_auth(&token).json(&b).send();

    let r = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_json"
    );

    let mut b = body.clone();
    b["tier"] = json!("enterprise");
    let r = post(b).await.unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "unknown_plan");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("enterprise.monthly")
    );

    let mut b = body.clone();
    b["success_url"] = json!("https://evil.example/done");
    let r = post(b).await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "invalid_redirect_url"
    );
    assert!(
        app.stub.posts("/v1/customers").is_empty(),
        "validation must precede Stripe calls"
    );

    let r = post(body.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let ok: Value = r.json().await.unwrap();
    assert!(ok["session_id"].as_str().unwrap().starts_with("cs_test_"));
    assert!(ok["url"].as_str().unwrap().contains("/c/pay/"));
    let r = post(body.clone()).await.unwrap();
    assert_eq!(r.status(), 200);

    let customers = app.stub.posts("/v1/customers");
    assert_eq!(customers.len(), 1, "customer reused by stored id");
    assert_eq!(customers[0].param("metadata[user_id]"), Some("user_c"));
    assert!(customers[0].idempotency_key.is_some());
    let sessions = app.stub.posts("/v1/checkout/sessions");
    assert_eq!(sessions.len(), 2);
    let s = &sessions[0];
    assert_eq!(s.param("mode"), Some("subscription"));
    assert_eq!(s.param("client_reference_id"), Some("user_c"));
    assert_eq!(s.param("metadata[user_id]"), Some("user_c"));
    assert_eq!(
        s.param("subscription_data[metadata][user_id]"),
        Some("user_c")
    );
    assert_eq!(s.param("line_items[0][price]"), Some(PRICE_BASIC_MONTHLY));
    assert_eq!(s.param("customer"), Some("cus_stub0"));
    assert_eq!(
        s.param("success_url"),
        Some("http://localhost:3000/done?session_id={CHECKOUT_SESSION_ID}")
    );
    assert_eq!(s.stripe_version.as_deref(), Some("2026-10-28.endive"));
    assert_eq!(
        s.authorization.as_deref(),
        Some("Bearer sk_test_backendtests")
    );
    let key = s.idempotency_key.as_deref().unwrap();
    assert!(key.starts_with("checkout:user_c:basic.monthly:"), "{key}");
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT stripe_customer_id FROM user_subscriptions WHERE user_id = 'user_c'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored.as_deref(), Some("cus_stub0"));

    // Stripe down → 502 with a stable code and no Stripe text.
    app.stub.state.fail_posts.store(true, Ordering::SeqCst);
    let r = post(body.clone()).await.unwrap();
    assert_eq!(r.status(), 502);
    let text = r.text().await.unwrap();
    assert!(text.contains("stripe_unavailable"), "{text}");
    assert!(!text.contains("SECRET_STRIPE_TEXT"));
    app.stop().await;
}

#[tokio::test]
async fn webhook_rejects_bad_signatures_and_large_bodies_storing_nothing() {
    let app = TestApp::start().await;
    let url = format!("{}/api/subscription/webhook", app.base_url);
    let body = serde_json::to_vec(&event(
        "evt_bad",
        "invoice.paid",
        now(),
        json!({"id": "in_1"}),
    ))
    .unwrap();
    let t = now();
    let cases = [
        None,
        Some(format!(
            "t={t},v1={}",
            billing::webhook::signature::sign(&body, "whsec_wrong", t)
        )),
        Some(format!(
            "t={},v1={}",
            t - 400,
            billing::webhook::signature::sign(&body, WEBHOOK_SECRET, t - 400)
        )),
        Some(format!(
            "t={t},v0={}",
            billing::webhook::signature::sign(&body, WEBHOOK_SECRET, t)
        )),
    ];
    for header in cases {
        let mut req = app.http.post(&url).body(body.clone());
        if let Some(h) = &header {
            req = req.header("stripe-signature", h);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 400, "{header:?}");
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["error"]["code"], "invalid_signature");
    }
    let big = vec![b' '; 1024 * 1024 + 1];
    let r = app
        .http
        .post(&url)
        .header("stripe-signature", "t=1,v1=00")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "payload_too_large"
    );
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM stripe_events")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    app.stop().await;
}

#[tokio::test]
async fn webhook_applies_once_even_when_repeated_and_concurrent() {
    let app = TestApp::start().await;
    app.stub.put_subscription(subscription(
        "sub_1",
        "user_1",
        "active",
        PRICE_BASIC_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    ));
    let completed = event(
        "evt_completed",
        "checkout.session.completed",
        now(),
        json!({"id": "cs_test_1", "object": "checkout.session", "mode": "subscription",
               "status": "complete", "payment_status": "paid", "client_reference_id": "user_1",
               "customer": "cus_user_1", "subscription": "sub_1", "metadata": {"user_id": "user_1"}}),
    );
    let r = app.deliver(&completed).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.stub.fetches(), 1);

    let s = app.status("user_1").await;
    assert_eq!(s["tier"], "basic");
    assert_eq!(s["plan"], "BASIC");
    assert_eq!(s["status"], "ACTIVE");
    assert_eq!(s["is_active"], true);
    assert_eq!(s["billing_cycle"], "monthly");
    assert_eq!(s["current_period_start"], "2027-01-15T08:00:00Z");
    assert_eq!(s["cancel_at_period_end"], false);
    let (cus, sub): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT stripe_customer_id, stripe_subscription_id FROM user_subscriptions WHERE user_id = 'user_1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (cus.as_deref(), sub.as_deref()),
        (Some("cus_user_1"), Some("sub_1"))
    );

    // A repeated delivery changes nothing and does not re-apply.
    let r = app.deliver(&completed).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["duplicate"], true);
    assert_eq!(app.stub.fetches(), 1);

    // Eight simultaneous deliveries of a new event apply it exactly once.
    // (An invoice event always re-reads the subscription, so fetches count applications.)
    let updated = event(
        "evt_updated",
        "invoice.paid",
        now(),
        json!({"id": "in_sub_1", "object": "invoice", "status": "paid", "subscription": "sub_1"}),
    );
    let results = futures_join(&app, &updated, 8).await;
    assert!(results.iter().all(|s| *s == 200), "{results:?}");
    assert_eq!(app.stub.fetches(), 2);
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM stripe_events WHERE event_id = 'evt_updated'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("processed", 1));

    // An active paid user cannot open a second checkout.
    let r = app
        .http
        .post(format!(
            "{}/api/subscription/create-checkout-session",
            app.base_url
        ))
        .bearer_auth(app.token("user_1", "u@example.com"))
        .json(&json!({"tier": "pro", "billing_cycle": "monthly",
            "success_url": "http://localhost:3000/a", "cancel_url": "http://localhost:3000/b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    app.stop().await;
}

async fn futures_join(app: &TestApp, event: &Value, n: usize) -> Vec<u16> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let body = serde_json::to_vec(event).unwrap();
        let http = app.http.clone();
        let url = format!("{}/api/subscription/webhook", app.base_url);
        handles.push(tokio::spawn(async move {
            let t = now();
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
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn handler_failure_is_500_and_recorded_then_a_retry_succeeds() {
    let app = TestApp::start().await;
    app.stub.put_subscription(subscription(
        "sub_f",
        "user_f",
        "active",
        PRICE_PRO_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    ));
    app.stub
        .state
        .fail_subscriptions
        .store(true, Ordering::SeqCst);
    // An invoice event needs the subscription from Stripe, which fails.
    let ev = event(
        "evt_fail",
        "invoice.paid",
        now(),
        json!({"id": "in_sub_f", "object": "invoice", "status": "paid", "subscription": "sub_f",
               "parent": {"subscription_details": {"subscription": "sub_f",
                          "metadata": {"user_id": "user_f"}}}}),
    );
    let r = app.deliver(&ev).await;
    assert_eq!(r.status(), 500);
    let text = r.text().await.unwrap();
    assert!(!text.contains("SECRET_STRIPE_TEXT"), "{text}");
    let (status, attempts, err): (String, i32, Option<String>) = sqlx::query_as(
        "SELECT status, attempts, last_error FROM stripe_events WHERE event_id = 'evt_fail'",
    )
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

    app.stub
        .state
        .fail_subscriptions
        .store(false, Ordering::SeqCst);
    let r = app.deliver(&ev).await;
    assert_eq!(r.status(), 200);
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM stripe_events WHERE event_id = 'evt_fail'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("processed", 2));
    let s = app.status("user_f").await;
    assert_eq!(s["tier"], "pro");
    assert_eq!(s["is_active"], true);
    app.stop().await;
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
        let user = format!("user_o{n}");
        let sub_id = format!("sub_o{n}");
        app.stub.put_subscription(subscription(
            &sub_id,
            &user,
            "active",
            PRICE_BASIC_MONTHLY,
            PERIOD_START,
            PERIOD_END,
        ));
        let invoice = json!({"id": format!("in_{sub_id}"), "object": "invoice", "status": "paid",
            "customer": format!("cus_{user}"), "amount_paid": 900, "currency": "usd",
            "billing_reason": "subscription_create",
            "parent": {"type": "subscription_details",
                       "subscription_details": {"subscription": sub_id, "metadata": {"user_id": user}}}});
        let events: Vec<Value> = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let obj = match *k {
                    "customer.subscription.created" => subscription(&sub_id, &user, "incomplete", PRICE_BASIC_MONTHLY, PERIOD_START, PERIOD_END),
                    "customer.subscription.updated" => subscription(&sub_id, &user, "active", PRICE_BASIC_MONTHLY, PERIOD_START, PERIOD_END),
                    "checkout.session.completed" => json!({"id": format!("cs_test_{n}"), "mode": "subscription",
                        "client_reference_id": user, "customer": format!("cus_{user}"), "subscription": sub_id}),
                    _ => invoice.clone(),
                };
                event(&format!("evt_{n}_{i}"), k, t0 + i as i64, obj)
            })
            .collect();
        for &i in order {
            assert_eq!(app.deliver(&events[i]).await.status(), 200);
        }
        let mut s = app.status(&user).await;
        s["stripe_subscription_id"] = Value::Null;
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
async fn unpaid_subscription_is_not_active_and_cancellation_ends_it() {
    let app = TestApp::start().await;
    app.stub.put_subscription(subscription(
        "sub_i",
        "user_i",
        "incomplete",
        PRICE_BASIC_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    ));
    let ev = event(
        "evt_i1",
        "customer.subscription.created",
        now(),
        subscription(
            "sub_i",
            "user_i",
            "incomplete",
            PRICE_BASIC_MONTHLY,
            PERIOD_START,
            PERIOD_END,
        ),
    );
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

    let mut canceled = subscription(
        "sub_i",
        "user_i",
        "canceled",
        PRICE_BASIC_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    );
    app.stub.put_subscription(canceled.clone());
    canceled["status"] = json!("canceled");
    assert_eq!(
        app.deliver(&event(
            "evt_i2",
            "customer.subscription.deleted",
            now(),
            canceled
        ))
        .await
        .status(),
        200
    );
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
async fn health_plans_and_json_errors() {
    let app = TestApp::start().await;
    let r = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let plans: Value = app
        .http
        .get(format!("{}/api/subscription/plans", app.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(plans["plans"].as_array().unwrap().len(), 4);
    assert_eq!(
        plans["plans"][1]["billing_cycles_for_sale"],
        json!(["monthly", "yearly"])
    );
    assert_eq!(plans["plans"][3]["billing_cycles_for_sale"], json!([]));
    let r = app
        .http
        .get(format!("{}/nope", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let r = app
        .http
        .get(format!("{}/api/subscription/status", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let free = app.status("nobody").await;
    assert_eq!(free["tier"], "free");
    assert_eq!(free["status"], Value::Null);
    assert_eq!(free["is_active"], false);
    app.stop().await;
}

#[tokio::test]
async fn payment_failure_marks_past_due_and_old_subscriptions_do_not_clobber_new_ones() {
    let app = TestApp::start().await;
    // Renewal failed: Stripe still says `active`, but the latest invoice is unpaid.
    app.stub.put_subscription(subscription(
        "sub_p",
        "user_p",
        "active",
        PRICE_BASIC_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    ));
    app.stub.state.invoices.lock().unwrap().insert(
        "in_sub_p".into(),
        json!({"id": "in_sub_p", "object": "invoice", "status": "open"}),
    );
    let failed = event(
        "evt_p1",
        "invoice.payment_failed",
        now(),
        json!({"id": "in_sub_p",
        "object": "invoice", "status": "open", "subscription": "sub_p"}),
    );
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
    app.stub.state.invoices.lock().unwrap().insert(
        "in_sub_p".into(),
        json!({"id": "in_sub_p", "object": "invoice", "status": "paid"}),
    );
    let paid = event(
        "evt_p2",
        "invoice.paid",
        now(),
        json!({"id": "in_sub_p",
        "object": "invoice", "status": "paid", "subscription": "sub_p"}),
    );
    assert_eq!(app.deliver(&paid).await.status(), 200);
    assert_eq!(app.status("user_p").await["status"], "ACTIVE");
    // A late, re-delivered failure for that invoice no longer downgrades the user.
    let late = event(
        "evt_p3",
        "invoice.payment_failed",
        now() - 60,
        json!({"id": "in_sub_p",
        "object": "invoice", "status": "open", "subscription": "sub_p"}),
    );
    assert_eq!(app.deliver(&late).await.status(), 200);
    assert_eq!(app.status("user_p").await["status"], "ACTIVE");

    // The user moved to a new subscription; a late event about the ended old one is ignored.
    app.stub.put_subscription(subscription(
        "sub_p2",
        "user_p",
        "active",
        PRICE_PRO_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    ));
    let up = event(
        "evt_p4",
        "customer.subscription.created",
        now(),
        subscription(
            "sub_p2",
            "user_p",
            "active",
            PRICE_PRO_MONTHLY,
            PERIOD_START,
            PERIOD_END,
        ),
    );
    assert_eq!(app.deliver(&up).await.status(), 200);
    app.stub.put_subscription(subscription(
        "sub_p",
        "user_p",
        "canceled",
        PRICE_BASIC_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    ));
    let old = event(
        "evt_p5",
        "customer.subscription.deleted",
        now(),
        subscription(
            "sub_p",
            "user_p",
            "canceled",
            PRICE_BASIC_MONTHLY,
            PERIOD_START,
            PERIOD_END,
        ),
    );
    assert_eq!(app.deliver(&old).await.status(), 200);
    let s = app.status("user_p").await;
    assert_eq!(
        (s["tier"].as_str(), s["status"].as_str()),
        (Some("pro"), Some("ACTIVE"))
    );
    app.stop().await;
}

#[tokio::test]
async fn concurrent_events_of_one_subscription_serialise() {
    let app = TestApp::start().await;
    app.stub.put_subscription(subscription(
        "sub_cc",
        "user_cc",
        "active",
        PRICE_BASIC_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    ));
    let t = now();
    let kinds = [
        "customer.subscription.created",
        "customer.subscription.updated",
        "invoice.paid",
        "invoice.payment_succeeded",
        "checkout.session.completed",
    ];
    let mut handles = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let obj = match *kind {
            "checkout.session.completed" => json!({"id": "cs_test_cc", "mode": "subscription",
                "client_reference_id": "user_cc", "subscription": "sub_cc"}),
            k if k.starts_with("invoice") => {
                json!({"id": "in_sub_cc", "status": "paid", "subscription": "sub_cc"})
            }
            _ => subscription(
                "sub_cc",
                "user_cc",
                "incomplete",
                PRICE_BASIC_MONTHLY,
                PERIOD_START,
                PERIOD_END,
            ),
        };
        let ev = event(&format!("evt_cc{i}"), kind, t, obj);
        // Two copies of each event, all at once.
        for _ in 0..2 {
            let body = serde_json::to_vec(&ev).unwrap();
            let http = app.http.clone();
            let url = format!("{}/api/subscription/webhook", app.base_url);
            handles.push(tokio::spawn(async move {
                let ts = now();
                let sig = billing::webhook::signature::sign(&body, WEBHOOK_SECRET, ts);
                http.post(url)
                    .header("stripe-signature", format!("t={ts},v1={sig}"))
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    // Subscription events newer than the row apply their own payload; the others fetch.
    assert!(
        (1..=kinds.len()).contains(&app.stub.fetches()),
        "{} fetches",
        app.stub.fetches()
    );
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
    let t = now();
    let active = subscription(
        "sub_p",
        "user_p",
        "active",
        PRICE_PRO_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    );
    let r = app
        .deliver(&event("evt_p1", "customer.subscription.updated", t, active))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.stub.fetches(), 0, "the payload was applied as is");
    assert_eq!(app.status("user_p").await["tier"], "pro");

    let old = subscription(
        "sub_p",
        "user_p",
        "incomplete",
        PRICE_BASIC_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    );
    app.deliver(&event(
        "evt_p0",
        "customer.subscription.created",
        t - 10,
        old,
    ))
    .await;
    assert_eq!(app.stub.fetches(), 0);
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM stripe_events WHERE event_id = 'evt_p0'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(outcome.as_deref(), Some("ignored:stale"));
    assert_eq!(app.status("user_p").await["status"], "ACTIVE");

    // Same second, different payload: ambiguous, so Stripe's current state decides.
    let mut current = subscription(
        "sub_p",
        "user_p",
        "active",
        PRICE_PRO_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    );
    current["cancel_at_period_end"] = json!(true);
    app.stub.put_subscription(current);
    let tie = subscription(
        "sub_p",
        "user_p",
        "past_due",
        PRICE_PRO_MONTHLY,
        PERIOD_START,
        PERIOD_END,
    );
    app.deliver(&event("evt_p2", "customer.subscription.updated", t, tie))
        .await;
    assert_eq!(app.stub.fetches(), 1);
    let s = app.status("user_p").await;
    assert_eq!(
        (s["status"].as_str(), s["cancel_at_period_end"].as_bool()),
        (Some("ACTIVE"), Some(true))
    );
    app.stop().await;
}
