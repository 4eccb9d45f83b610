//! Admin routes (disputes, early fraud warnings) and the portal session, against a real
//! PostgreSQL and a Stripe stand-in: auth order, status guards, idempotency keys, the action
//! history, and local records kept in sync from webhooks.

mod common;

use std::sync::atomic::Ordering;

use common::*;
use serde_json::{Value, json};

const ADMIN_VARS: &[(&str, &str)] = &[
    ("ADMIN_EMAILS", " Ops@Example.com , boss@corp.test"),
    ("ADMIN_EMAIL_DOMAIN", "admins.example.com"),
];

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn admin_routes_authenticate_then_authorize_then_validate() {
    let app = TestApp::start_with(ADMIN_VARS).await;
    // Stripe is broken: a non-admin must still get 403, never a 500/502.
    app.stub
        .state
        .fail_subscriptions
        .store(true, Ordering::SeqCst);
    app.stub.state.fail_posts.store(true, Ordering::SeqCst);
    let routes: &[(&str, &str, Option<Value>)] = &[
        ("GET", "/disputes", None),
        ("GET", "/disputes/dp_1", None),
        (
            "POST",
            "/disputes/dp_1/evidence",
            Some(json!({"nonsense": 1})),
        ),
        ("POST", "/disputes/dp_1/close", Some(json!({}))),
        ("GET", "/fraud-warnings?status=bogus", None),
        ("GET", "/fraud-warnings/issfr_1", None),
        (
            "POST",
            "/fraud-warnings/issfr_1/refund",
            Some(json!({"notes": 5})),
        ),
        ("POST", "/fraud-warnings/issfr_1/ignore", Some(json!({}))),
    ];
    let user = app.token("user_plain", "someone@example.com");
    let sub_domain = app.token("user_sub", "a@ops.admins.example.com");
    let lookalike = app.token("user_look", "x@admins.example.com.evil.net");
    for (m, p, body) in routes {
        let (s, b, _) = app.call(m, p, None, body.clone()).await;
        assert_eq!(s, 401, "{m} {p} without token: {b}");
        assert_eq!(b["error"]["code"], "unauthorized");
        let (s, b, _) = app.call(m, p, Some("not-a-jwt"), body.clone()).await;
        assert_eq!(s, 401, "{m} {p} bad token: {b}");
        for t in [&user, &sub_domain, &lookalike] {
            let (s, b, _) = app.call(m, p, Some(t), body.clone()).await;
            assert_eq!(s, 403, "{m} {p} as non-admin: {b}");
            assert_eq!(b["error"]["code"], "forbidden");
        }
    }
    // Admins (list, trimmed and case-insensitive; exact domain) reach validation.
    for t in [
        app.token("a1", "ops@example.com"),
        app.token("a2", "BOSS@corp.test"),
        app.token("a3", "anyone@Admins.Example.com"),
    ] {
        let (s, b, _) = app
            .call("GET", "/fraud-warnings?status=bogus", Some(&t), None)
            .await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(b["error"]["code"], "invalid_status");
        let (s, _, _) = app
            .call(
                "POST",
                "/disputes/dp_1/evidence",
                Some(&t),
                Some(json!({"nonsense": 1})),
            )
            .await;
        assert_eq!(s, 422);
        let (s, b, _) = app
            .call("GET", "/disputes/not_a_dispute", Some(&t), None)
            .await;
        assert_eq!((s, b["error"]["code"].as_str()), (400, Some("invalid_id")));
        let (s, b, _) = app
            .call(
                "POST",
                "/fraud-warnings/issfr_1/refund",
                Some(&t),
                Some(json!({"notes": 5})),
            )
            .await;
        assert_eq!(s, 422, "{b}");
        let (s, b, _) = app
            .call("GET", "/fraud-warnings/issfr_404", Some(&t), None)
            .await;
        assert_eq!(
            (s, b["error"]["code"].as_str()),
            (404, Some("fraud_warning_not_found"))
        );
    }
    app.stop().await;
}

async fn efw_created(app: &TestApp, id: &str, charge: &str, user: &str) {
    app.stub.put(charge_obj(charge, user));
    app.stub.put(efw(id, charge, true, now() - 60));
    let r = app
        .deliver(&event(
            &format!("evt_{id}_c"),
            "radar.early_fraud_warning.created",
            now() - 60,
            efw(id, charge, true, now() - 60),
        ))
        .await;
    assert_eq!(r.status(), 200);
}

fn charge_obj(charge: &str, user: &str) -> Value {
    common::charge(charge, &format!("cus_{user}"), 2900)
}

#[tokio::test]
async fn fraud_warnings_refund_once_never_reopen_and_keep_a_history() {
    let app = TestApp::start_with(ADMIN_VARS).await;
    let admin = app.token("admin_1", "ops@example.com");
    app.link_customer("u1", "cus_u1").await;
    efw_created(&app, "issfr_1", "ch_1", "u1").await;

    let (s, w, _) = app
        .call("GET", "/fraud-warnings/issfr_1", Some(&admin), None)
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["status"], "open");
    assert_eq!(w["user_id"], "u1", "linked via charge → customer");
    assert_eq!(w["amount"], 2900);
    assert_eq!(w["fraud_type"], "made_with_stolen_card");
    assert_eq!(w["actionable"], true);

    let (s, list, _) = app
        .call("GET", "/fraud-warnings?status=open", Some(&admin), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(list["data"][0]["id"], "issfr_1");

    // Refund: idempotency key from the warning, refund id kept, status refunded.
    let (s, w, _) = app
        .call(
            "POST",
            "/fraud-warnings/issfr_1/refund",
            Some(&admin),
            Some(json!({"notes": "card reported stolen"})),
        )
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["status"], "refunded");
    assert_eq!(w["refund_id"], "re_stub0");
    let posts = app.stub.posts("/v1/refunds");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].idempotency_key.as_deref(),
        Some("efw-refund:issfr_1")
    );
    assert_eq!(posts[0].param("charge"), Some("ch_1"));
    let stored: Option<String> =
        sqlx::query_scalar("SELECT refund_id FROM fraud_warnings WHERE id = 'issfr_1'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored.as_deref(), Some("re_stub0"));

    // Refunded stays refunded: a second refund and an ignore are refused.
    let (s, b, _) = app
        .call("POST", "/fraud-warnings/issfr_1/refund", Some(&admin), None)
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("already_refunded"))
    );
    let (s, b, _) = app
        .call(
            "POST",
            "/fraud-warnings/issfr_1/ignore",
            Some(&admin),
            Some(json!({"notes": "meh"})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("already_refunded"))
    );
    assert_eq!(app.stub.state.refunds_performed.load(Ordering::SeqCst), 1);

    // Stripe then reports the warning no longer actionable: our status is not reopened.
    app.stub.put(efw("issfr_1", "ch_1", false, now() - 60));
    let r = app
        .deliver(&event(
            "evt_issfr_1_u",
            "radar.early_fraud_warning.updated",
            now(),
            efw("issfr_1", "ch_1", false, now() - 60),
        ))
        .await;
    assert_eq!(r.status(), 200);
    // A late duplicate of `created` (new delivery of the same event) changes nothing either.
    let r = app
        .deliver(&event(
            "evt_issfr_1_c",
            "radar.early_fraud_warning.created",
            now() - 60,
            efw("issfr_1", "ch_1", true, now() - 60),
        ))
        .await;
    assert_eq!(r.status(), 200);
    let (_, w, _) = app
        .call("GET", "/fraud-warnings/issfr_1", Some(&admin), None)
        .await;
    assert_eq!(w["status"], "refunded");
    assert_eq!(w["actionable"], false);
    let actions = w["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["actor_email"], "ops@example.com");
    assert_eq!(actions[0]["action"], "refund");
    assert_eq!(actions[0]["notes"], "card reported stolen");
    assert_eq!(actions[0]["details"]["refund_id"], "re_stub0");
    assert!(actions[0]["at"].as_str().unwrap().contains('T'));

    // Ignore, then an update: stays ignored. A later refund is still possible.
    efw_created(&app, "issfr_2", "ch_2", "u1").await;
    let (s, w, _) = app
        .call("POST", "/fraud-warnings/issfr_2/ignore", Some(&admin), None)
        .await;
    assert_eq!((s, w["status"].as_str()), (200, Some("ignored")));
    app.stub.put(efw("issfr_2", "ch_2", false, now() - 60));
    app.deliver(&event(
        "evt_issfr_2_u",
        "radar.early_fraud_warning.updated",
        now(),
        efw("issfr_2", "ch_2", false, now() - 60),
    ))
    .await;
    let (_, w, _) = app
        .call("GET", "/fraud-warnings/issfr_2", Some(&admin), None)
        .await;
    assert_eq!(w["status"], "ignored");
    let (_, list, _) = app
        .call("GET", "/fraud-warnings?status=ignored", Some(&admin), None)
        .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (_, list, _) = app.call("GET", "/fraud-warnings", Some(&admin), None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn concurrent_refunds_of_one_warning_refund_once() {
    let app = TestApp::start_with(ADMIN_VARS).await;
    let admin = app.token("admin_1", "ops@example.com");
    app.link_customer("u3", "cus_u3").await;
    efw_created(&app, "issfr_3", "ch_3", "u3").await;
    let calls =
        (0..6).map(|_| app.call("POST", "/fraud-warnings/issfr_3/refund", Some(&admin), None));
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|(s, _, _)| *s == 200).count();
    let conflict = results.iter().filter(|(s, _, _)| *s == 409).count();
    assert_eq!((ok, conflict), (1, 5), "{results:?}");
    assert_eq!(app.stub.state.refunds_performed.load(Ordering::SeqCst), 1);
    app.stop().await;
}

#[tokio::test]
async fn disputes_sync_from_events_and_admins_stage_submit_and_close() {
    let app = TestApp::start_with(ADMIN_VARS).await;
    let admin = app.token("admin_1", "anyone@admins.example.com");
    app.link_customer("u1", "cus_u1").await;
    app.stub.put(charge_obj("ch_d1", "u1"));
    let created = now() - 300;
    app.stub
        .put(dispute("dp_1", "ch_d1", "needs_response", created));
    // `updated` delivered before `created`: both converge on Stripe's current state.
    for (id, kind) in [
        ("evt_d1_u", "charge.dispute.updated"),
        ("evt_d1_c", "charge.dispute.created"),
    ] {
        let r = app
            .deliver(&event(
                id,
                kind,
                created,
                dispute("dp_1", "ch_d1", "warning_needs_response", created),
            ))
            .await;
        assert_eq!(r.status(), 200);
    }
    let (s, d, _) = app.call("GET", "/disputes/dp_1", Some(&admin), None).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "needs_response");
    assert_eq!(d["user_id"], "u1");
    assert_eq!(d["reason"], "fraudulent");
    assert_eq!(d["amount"], 900);

    // Stage: submit=false is sent explicitly (Stripe's default would submit).
    let (s, d, _) = app
        .call("POST", "/disputes/dp_1/evidence", Some(&admin),
            Some(json!({"evidence": {"customer_name": "Ana", "uncategorized_text": "logs attached"}, "submit": false, "notes": "draft"})))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "needs_response");
    assert_eq!(d["evidence"]["customer_name"], "Ana");
    let post = app.stub.posts("/v1/disputes/dp_1").pop().unwrap();
    assert_eq!(post.param("submit"), Some("false"));
    assert_eq!(post.param("evidence[customer_name]"), Some("Ana"));
    assert!(
        post.idempotency_key
            .as_deref()
            .unwrap()
            .starts_with("dispute-evidence:dp_1:stage:")
    );

    let (s, b, _) = app
        .call(
            "POST",
            "/disputes/dp_1/evidence",
            Some(&admin),
            Some(json!({"evidence": {"favourite_colour": "red"}, "submit": false})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (422, Some("unknown_evidence_field"))
    );

    // Submit.
    let (s, d, _) = app
        .call(
            "POST",
            "/disputes/dp_1/evidence",
            Some(&admin),
            Some(json!({"evidence": {}, "submit": true})),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "under_review");
    assert_eq!(d["evidence_submitted"], true);
    assert_eq!(d["submission_count"], 1);

    // Close needs confirmation; nothing is sent to Stripe without it.
    let (s, b, _) = app
        .call(
            "POST",
            "/disputes/dp_1/close",
            Some(&admin),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("confirmation_required"))
    );
    assert!(app.stub.posts("/v1/disputes/dp_1/close").is_empty());
    let (s, d, _) = app
        .call(
            "POST",
            "/disputes/dp_1/close",
            Some(&admin),
            Some(json!({"confirm": true, "notes": "not worth it"})),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "lost");
    assert_eq!(
        app.stub.posts("/v1/disputes/dp_1/close")[0]
            .idempotency_key
            .as_deref(),
        Some("dispute-close:dp_1")
    );

    // Stripe refuses changes to a closed dispute: 409 without Stripe's text.
    let (s, b, _) = app
        .call(
            "POST",
            "/disputes/dp_1/evidence",
            Some(&admin),
            Some(json!({"evidence": {"customer_name": "x"}, "submit": true})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("dispute_not_updatable"))
    );
    assert!(!b.to_string().contains("SECRET_STRIPE_TEXT"));

    let (_, d, _) = app.call("GET", "/disputes/dp_1", Some(&admin), None).await;
    let actions: Vec<&str> = d["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["stage_evidence", "submit_evidence", "close"]);
    assert!(
        d["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["actor_email"] == "anyone@admins.example.com")
    );

    // Cursor pagination, newest first.
    for (i, id) in ["dp_2", "dp_3", "dp_4"].iter().enumerate() {
        let c = created + 10 * (i as i64 + 1);
        app.stub.put(dispute(id, "ch_d1", "needs_response", c));
        app.deliver(&event(
            &format!("evt_{id}"),
            "charge.dispute.created",
            c,
            dispute(id, "ch_d1", "needs_response", c),
        ))
        .await;
    }
    let (_, p1, _) = app
        .call("GET", "/disputes?limit=3", Some(&admin), None)
        .await;
    let ids: Vec<&str> = p1["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["dp_4", "dp_3", "dp_2"]);
    assert_eq!(p1["has_more"], true);
    let (_, p2, _) = app
        .call(
            "GET",
            &format!(
                "/disputes?limit=3&starting_after={}",
                p1["next_cursor"].as_str().unwrap()
            ),
            Some(&admin),
            None,
        )
        .await;
    let ids: Vec<&str> = p2["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["dp_1"]);
    assert_eq!(p2["has_more"], false);
    app.stop().await;
}

#[tokio::test]
async fn portal_session_needs_a_billing_profile_and_hides_stripe_errors() {
    let app = TestApp::start().await;
    let token = app.token("u_portal", "p@example.com");
    let body = json!({"return_url": "http://localhost:3000/account"});
    let (s, b, _) = app
        .call("POST", "/create-portal-session", None, Some(body.clone()))
        .await;
    assert_eq!(s, 401, "{b}");
    let (s, b, _) = app
        .call(
            "POST",
            "/create-portal-session",
            Some(&token),
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (404, Some("no_billing_profile"))
    );
    app.link_customer("u_portal", "cus_portal").await;
    let (s, b, _) = app
        .call(
            "POST",
            "/create-portal-session",
            Some(&token),
            Some(json!({"return_url": "https://evil.example/x"})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("invalid_redirect_url"))
    );
    let (s, b, _) = app
        .call(
            "POST",
            "/create-portal-session",
            Some(&token),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, b, _) = app
        .call(
            "POST",
            "/create-portal-session",
            Some(&token),
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(
        b["url"]
            .as_str()
            .unwrap()
            .starts_with("http://stripe.invalid/p/session/")
    );
    let post = app.stub.posts("/v1/billing_portal/sessions").pop().unwrap();
    assert_eq!(post.param("customer"), Some("cus_portal"));
    assert!(
        post.idempotency_key
            .as_deref()
            .unwrap()
            .starts_with("portal:cus_portal:")
    );
    app.stub.state.fail_posts.store(true, Ordering::SeqCst);
    let (s, b, _) = app
        .call("POST", "/create-portal-session", Some(&token), Some(body))
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (502, Some("stripe_unavailable"))
    );
    assert!(!b.to_string().contains("SECRET_STRIPE_TEXT"));
    app.stop().await;
}
