//! Buying a plan through the backend's Checkout Session against the Stripe simulator: the
//! order of checks, what Stripe ends up holding, and the paid checkout's webhook applied once
//! however often (and however concurrently) Stripe delivers it.

use crate::common;

use common::*;
use serde_json::{Value, json};

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
    let customers = app.sim().get("/v1/customers").await;
    assert_eq!(
        customers["data"],
        json!([]),
        "validation must precede Stripe calls"
    );

    let r = post(body.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let ok: Value = r.json().await.unwrap();
    assert!(ok["session_id"].as_str().unwrap().starts_with("cs_test_"));
    assert!(ok["url"].as_str().unwrap().contains("/c/pay/"));
    let r = post(body.clone()).await.unwrap();
    assert_eq!(r.status(), 200);

    // What Stripe (this account: the backend's key) now holds: one customer of user_c, reused
    // by its stored id, and the session the repeat answered again.
    let customers = app.sim().get("/v1/customers").await;
    let customers = customers["data"].as_array().unwrap();
    assert_eq!(customers.len(), 1, "customer reused by stored id");
    assert_eq!(customers[0]["metadata"]["user_id"], "user_c");
    let customer = customers[0]["id"].as_str().unwrap();
    let cs = ok["session_id"].as_str().unwrap();
    let s = app.sim().get(&format!("/v1/checkout/sessions/{cs}")).await;
    assert_eq!(s["mode"], "subscription");
    assert_eq!(s["client_reference_id"], "user_c");
    assert_eq!(s["metadata"]["user_id"], "user_c");
    assert_eq!(s["customer"], customer);
    assert_eq!(
        s["success_url"],
        "http://localhost:3000/done?session_id={CHECKOUT_SESSION_ID}"
    );
    let items = app
        .sim()
        .get(&format!("/v1/checkout/sessions/{cs}/line_items"))
        .await;
    assert_eq!(
        items["data"][0]["price"]["id"],
        app.basic_monthly().as_str()
    );
    // Paid, the subscription carries the user (from `subscription_data[metadata]`).
    app.sim().pay(cs, "4242424242424242").await;
    let paid = app.sim().get(&format!("/v1/checkout/sessions/{cs}")).await;
    let sub = app
        .sim()
        .get(&format!(
            "/v1/subscriptions/{}",
            paid["subscription"].as_str().unwrap()
        ))
        .await;
    assert_eq!(sub["metadata"]["user_id"], "user_c");
    assert_eq!(sub["customer"], customer);
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT stripe_customer_id FROM user_subscriptions WHERE user_id = 'user_c'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored.as_deref(), Some(customer));

    // Stripe down → 502 with a stable code and no Stripe text (wiremock plays the failing
    // Stripe, which the simulator cannot; a twin on the same database).
    let twin = app.twin_on_failing_stripe(503).await;
    let token = app.token("user_c2", "c2@example.com");
    let (s, b, _) = twin
        .call("POST", "/create-checkout-session", Some(&token), Some(body))
        .await;
    twin.stop().await;
    assert_eq!(s, 502, "{b}");
    let text = b.to_string();
    assert!(text.contains("stripe_unavailable"), "{text}");
    assert!(!text.contains(failing::SECRET_STRIPE_TEXT));
    app.stop().await;
}

#[tokio::test]
async fn webhook_applies_once_even_when_repeated_and_concurrent() {
    let app = TestApp::start().await;
    // A real purchase; its `checkout.session.completed` as the simulator made it.
    let cs = app.buy("user_1", "basic").await;
    let completed = app.sim().event_of("checkout.session.completed", &cs).await;
    let session = &completed["data"]["object"];
    let sub_id = session["subscription"].as_str().unwrap().to_string();
    let cus_id = session["customer"].as_str().unwrap().to_string();
    let stripe_sub = app.sim().get(&format!("/v1/subscriptions/{sub_id}")).await;
    let r = app.deliver(&completed).await;
    assert_eq!(r.status(), 200);

    let s = app.status("user_1").await;
    assert_eq!(s["tier"], "basic");
    assert_eq!(s["plan"], "BASIC");
    assert_eq!(s["status"], "ACTIVE");
    assert_eq!(s["is_active"], true);
    assert_eq!(s["billing_cycle"], "monthly");
    let start = stripe_sub["items"]["data"][0]["current_period_start"]
        .as_i64()
        .unwrap();
    let start = time::OffsetDateTime::from_unix_timestamp(start)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert_eq!(s["current_period_start"], start.as_str(), "Stripe's period");
    assert_eq!(s["cancel_at_period_end"], false);
    let (cus, sub): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT stripe_customer_id, stripe_subscription_id FROM user_subscriptions WHERE user_id = 'user_1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (cus.as_deref(), sub.as_deref()),
        (Some(cus_id.as_str()), Some(sub_id.as_str()))
    );

    // A repeated delivery changes nothing and does not re-apply.
    let r = app.deliver(&completed).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["duplicate"], true);

    // Eight simultaneous deliveries of a new event (the purchase's `invoice.paid`) apply it
    // exactly once: one ledger attempt, one renewal-history row for the one paid invoice.
    let paid = app
        .sim()
        .event_of(
            "invoice.paid",
            stripe_sub["latest_invoice"].as_str().unwrap(),
        )
        .await;
    let results = app
        .deliver_all_at_once(std::slice::from_ref(&paid), 8)
        .await;
    assert!(results.iter().all(|s| *s == 200), "{results:?}");
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM stripe_events WHERE event_id = $1")
            .bind(paid["id"].as_str().unwrap())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("processed", 1));
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM subscription_renewal_history")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(history, 1, "applied once");

    // An active paid user cannot open a second checkout.
    let (s, b, _) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&app.token("user_1", "u@example.com")),
            Some(json!({"tier": "pro", "billing_cycle": "monthly",
                "success_url": "http://localhost:3000/a", "cancel_url": "http://localhost:3000/b"})),
        )
        .await;
    assert_eq!(s, 409, "{b}");
    app.stop().await;
}
