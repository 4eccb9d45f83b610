//! Backend integration tests against a real PostgreSQL (DATABASE_URL, default
//! postgres://postgres@127.0.0.1:5432/postgres): the schema and its seed, health, plans and
//! JSON errors, and webhook signatures and body limits. Checkout, order independence and a
//! subscription's life are in checkout.rs, webhook_order.rs and lifecycle.rs.

use crate::common;

use common::*;
use serde_json::{Value, json};

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
