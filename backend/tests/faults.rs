//! The original service's faults, one test each, against a real PostgreSQL and the Stripe
//! simulator (real subscriptions, charges and warnings; wiremock only where Stripe must fail).
//! Each test fails if its fault came back.

use crate::common;

use common::*;
use serde_json::{Value, json};

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
    let (_, sub) = app.sim().subscribed("u_f1", &app.basic_monthly()).await;
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
    let (_, sub) = app.sim().subscribed("u_f3", &app.basic_monthly()).await;
    let e = app
        .sim()
        .event_of("invoice.paid", sub["latest_invoice"].as_str().unwrap())
        .await;
    let id = e["id"].as_str().unwrap();
    // Stripe fails (wiremock: the simulator cannot): a twin on the same database reads from it.
    let twin = app.twin_on_failing_stripe(500).await;
    assert_eq!(twin.deliver(&e).await.status(), 500);
    twin.stop().await;
    let (status, attempts, error) = ledger(&app, id).await.unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert!(error.unwrap().contains("stripe"));
    assert_eq!(app.status("u_f3").await["status"], Value::Null);
    // Stripe retries later and it succeeds.
    assert_eq!(app.deliver(&e).await.status(), 200);
    assert_eq!(ledger(&app, id).await.unwrap().0, "processed");
    assert_eq!(app.status("u_f3").await["status"], "ACTIVE");
    app.stop().await;
}

#[tokio::test]
async fn fault_duplicates_in_flight_were_applied_twice() {
    let app = TestApp::start().await;
    let (_, sub) = app.sim().subscribed("u_f4", &app.basic_monthly()).await;
    let e = app
        .sim()
        .event_of("invoice.paid", sub["latest_invoice"].as_str().unwrap())
        .await;
    let id = e["id"].as_str().unwrap();
    let results = app.deliver_all_at_once(std::slice::from_ref(&e), 8).await;
    assert!(results.iter().all(|s| *s == 200), "{results:?}");
    let (_, attempts, _) = ledger(&app, id).await.unwrap();
    assert_eq!(attempts, 1);
    // Applied exactly once: one renewal-history row for the one paid invoice.
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM subscription_renewal_history")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(history, 1, "applied exactly once");
    app.stop().await;
}

#[tokio::test]
async fn fault_no_ordering_protection_let_old_events_overwrite_newer_state() {
    let app = TestApp::start().await;
    let (_, active) = app.sim().subscribed("u_f5", &app.pro_monthly()).await;
    let r = app
        .deliver(&event(
            "evt_f5_new",
            "customer.subscription.updated",
            now(),
            active.clone(),
        ))
        .await;
    assert_eq!(r.status(), 200);
    // An older event whose payload says incomplete/basic arrives late.
    let mut old = active.clone();
    old["status"] = json!("incomplete");
    old["items"]["data"][0]["price"] = json!({"id": app.basic_monthly(), "object": "price"});
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
    // A real subscription: its period is Stripe's (a calendar month), not now + 30 days.
    let (_, sub) = app.sim().subscribed("u_f6", &app.basic_monthly()).await;
    let sub_id = sub["id"].as_str().unwrap();
    let ended = sub["items"]["data"][0]["current_period_end"]
        .as_i64()
        .unwrap();
    let r = app
        .deliver(&event(
            "evt_f6",
            "customer.subscription.updated",
            now(),
            sub.clone(),
        ))
        .await;
    assert_eq!(r.status(), 200);
    let s = app.status("u_f6").await;
    let end = time::OffsetDateTime::parse(
        s["current_period_end"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(end.unix_timestamp(), ended, "the period is Stripe's");
    // Stripe ends it before its period is over: the user is no longer entitled, whatever the
    // local clock says.
    app.sim()
        .delete(&format!("/v1/subscriptions/{sub_id}"))
        .await;
    let r = app
        .deliver(
            &app.sim()
                .event_of("customer.subscription.deleted", sub_id)
                .await,
        )
        .await;
    assert_eq!(r.status(), 200);
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
    let (_, sub) = app.sim().subscribed("u_f7", &app.basic_monthly()).await;
    let sub_id = sub["id"].as_str().unwrap();
    let r = app
        .deliver(&event(
            "evt_f7_a",
            "customer.subscription.created",
            now() - 1,
            sub.clone(),
        ))
        .await;
    assert_eq!(r.status(), 200);
    // As the portal does: upgrade to PRO, then cancel at period end — at Stripe.
    let item = sub["items"]["data"][0]["id"].as_str().unwrap();
    let pro = app.pro_monthly();
    app.sim()
        .post(
            &format!("/v1/subscriptions/{sub_id}"),
            &[("items[0][id]", item), ("items[0][price]", &pro)],
        )
        .await;
    let updated = app
        .sim()
        .post(
            &format!("/v1/subscriptions/{sub_id}"),
            &[("cancel_at_period_end", "true")],
        )
        .await;
    let r = app
        .deliver(&event(
            "evt_f7_b",
            "customer.subscription.updated",
            now(),
            updated,
        ))
        .await;
    assert_eq!(r.status(), 200);
    let s = app.status("u_f7").await;
    assert_eq!(s["tier"], "pro");
    assert_eq!(s["cancel_at_period_end"], true);
    assert_eq!(s["is_active"], true);
    app.stop().await;
}

#[tokio::test]
async fn fault_a_paid_plan_could_be_activated_without_payment() {
    let app = TestApp::start().await;
    // A real subscription nobody paid for (Stripe's `default_incomplete`: nothing charged).
    let cus = app.sim().customer("u_f8").await;
    let pro = app.pro_monthly();
    let sub = app
        .sim()
        .post(
            "/v1/subscriptions",
            &[
                ("customer", &cus),
                ("items[0][price]", &pro),
                ("metadata[user_id]", "u_f8"),
                ("payment_behavior", "default_incomplete"),
            ],
        )
        .await;
    assert_eq!(sub["status"], "incomplete", "{sub}");
    // A completed-but-unpaid session naming it (Stripe is re-read for the subscription).
    let session = json!({"id": "cs_test_f8", "object": "checkout.session", "mode": "subscription",
        "status": "complete", "payment_status": "unpaid", "client_reference_id": "u_f8",
        "customer": cus, "subscription": sub["id"], "metadata": {"user_id": "u_f8"}});
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
    let stranger = app
        .sim()
        .post(
            "/v1/customers",
            &[
                ("email", "shared@example.com"),
                ("payment_method", "pm_card_visa"),
                ("invoice_settings[default_payment_method]", "pm_card_visa"),
            ],
        )
        .await;
    let pro = app.pro_monthly();
    let sub = app
        .sim()
        .post(
            "/v1/subscriptions",
            &[
                ("customer", stranger["id"].as_str().unwrap()),
                ("items[0][price]", &pro),
            ],
        )
        .await;
    let r = app
        .deliver(&event(
            "evt_f9",
            "customer.subscription.updated",
            now(),
            sub,
        ))
        .await;
    assert_eq!(r.status(), 200);
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

#[tokio::test]
async fn fault_efw_refunds_lacked_keys_lost_ids_and_were_reopened_or_overwritten() {
    let app = TestApp::start_with(&[("ADMIN_EMAILS", "ops@example.com")]).await;
    let admin = app.token("admin", "ops@example.com");
    let warning = app.fraud_warning("u_efw", 2900).await;
    let id = warning["id"].as_str().unwrap();
    let charge = warning["charge"].as_str().unwrap();
    let (s, w, _) = app
        .call(
            "POST",
            &format!("/fraud-warnings/{id}/refund"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, 200, "{w}");
    // Refund id kept: it is the refund Stripe made of the charge.
    let refund_id = w["refund_id"].as_str().unwrap().to_string();
    let refunds = app.sim().get(&format!("/v1/refunds?charge={charge}")).await;
    assert_eq!(refunds["data"].as_array().unwrap().len(), 1, "{refunds}");
    assert_eq!(refunds["data"][0]["id"], refund_id.as_str());
    // Idempotency key on the refund: Stripe replays `efw-refund:{id}` (a refund under a new
    // key would be refused, the charge being refunded already).
    let (s, replay) = app
        .sim()
        .post_keyed(
            "/v1/refunds",
            &[
                ("charge", charge),
                ("reason", "fraudulent"),
                ("metadata[early_fraud_warning]", id),
            ],
            &format!("efw-refund:{id}"),
        )
        .await;
    assert_eq!(
        (s, replay["id"].as_str()),
        (200, Some(refund_id.as_str())),
        "{replay}"
    );
    // "ignore" cannot overwrite "refunded".
    let (s, _, _) = app
        .call(
            "POST",
            &format!("/fraud-warnings/{id}/ignore"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, 409);
    // `updated` does not reopen it (even one whose payload still says actionable).
    let r = app
        .deliver(&event(
            "evt_f10_u",
            "radar.early_fraud_warning.updated",
            now() + 1,
            warning.clone(),
        ))
        .await;
    assert_eq!(r.status(), 200);
    let (_, w, _) = app
        .call("GET", &format!("/fraud-warnings/{id}"), Some(&admin), None)
        .await;
    assert_eq!(
        (w["status"].as_str(), w["refund_id"].as_str()),
        (Some("refunded"), Some(refund_id.as_str()))
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
    // Stripe failing (wiremock: the simulator cannot): a twin on the same database.
    let twin = app.twin_on_failing_stripe(503).await;
    let (s, b, _) = twin
        .call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(checkout_body()),
        )
        .await;
    twin.stop().await;
    assert_eq!(s, 502);
    assert!(!b.to_string().contains(failing::SECRET_STRIPE_TEXT), "{b}");
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
