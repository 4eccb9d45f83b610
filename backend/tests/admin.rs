//! Admin routes (disputes, early fraud warnings) and the portal session, against a real
//! PostgreSQL and the Stripe simulator: auth order, status guards, idempotency keys, the action
//! history, and local records kept in sync from webhooks.

use crate::common;

use common::*;
use serde_json::{Value, json};

const ADMIN_VARS: &[(&str, &str)] = &[
    ("ADMIN_EMAILS", " Ops@Example.com , boss@corp.test"),
    ("ADMIN_EMAIL_DOMAIN", "admins.example.com"),
];

#[tokio::test]
async fn admin_routes_authenticate_then_authorize_then_validate() {
    // Stripe is broken (every call answers 500: a fault the simulator cannot make, so
    // wiremock plays Stripe): a non-admin must still get 403, never a 500/502.
    let failing = failing::stripe_answering(500).await;
    let uri = failing.uri();
    let mut vars: Vec<(&str, &str)> = ADMIN_VARS.to_vec();
    vars.push(("STRIPE_API_BASE", &uri));
    let app = TestApp::start_with(&vars).await;
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

/// A real warning on a 29.00 charge of `user`, known to the backend: (warning id, charge id).
async fn efw_created(app: &TestApp, user: &str) -> (String, String) {
    let w = app.fraud_warning(user, 2900).await;
    (
        w["id"].as_str().unwrap().to_string(),
        w["charge"].as_str().unwrap().to_string(),
    )
}

/// The refunds Stripe made of `charge`.
async fn refunds_of(app: &TestApp, charge: &str) -> Vec<Value> {
    let list = app.sim().get(&format!("/v1/refunds?charge={charge}")).await;
    list["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn fraud_warnings_refund_once_never_reopen_and_keep_a_history() {
    let app = TestApp::start_with(ADMIN_VARS).await;
    let admin = app.token("admin_1", "ops@example.com");
    let (id1, ch1) = efw_created(&app, "u1").await;
    let w1 = format!("/fraud-warnings/{id1}");

    let (s, w, _) = app.call("GET", &w1, Some(&admin), None).await;
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
    assert_eq!(list["data"][0]["id"], id1.as_str());

    // Refund: idempotency key from the warning, refund id kept, status refunded.
    let (s, w, _) = app
        .call(
            "POST",
            &format!("{w1}/refund"),
            Some(&admin),
            Some(json!({"notes": "card reported stolen"})),
        )
        .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["status"], "refunded");
    let refund_id = w["refund_id"].as_str().unwrap().to_string();
    // Stripe made exactly that one full refund of the warning's charge.
    let refunds = refunds_of(&app, &ch1).await;
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["id"], refund_id.as_str());
    assert_eq!(refunds[0]["amount"], 2900);
    assert_eq!(refunds[0]["reason"], "fraudulent");
    assert_eq!(refunds[0]["metadata"]["early_fraud_warning"], id1.as_str());
    // It was made under the key `efw-refund:{id}`: Stripe replays that key's refund (a new
    // key would be refused, the charge being refunded already).
    let (s, replay) = app
        .sim()
        .post_keyed(
            "/v1/refunds",
            &[
                ("charge", &ch1),
                ("reason", "fraudulent"),
                ("metadata[early_fraud_warning]", &id1),
            ],
            &format!("efw-refund:{id1}"),
        )
        .await;
    assert_eq!(
        (s, replay["id"].as_str()),
        (200, Some(refund_id.as_str())),
        "{replay}"
    );
    let stored: Option<String> =
        sqlx::query_scalar("SELECT refund_id FROM fraud_warnings WHERE id = $1")
            .bind(&id1)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored.as_deref(), Some(refund_id.as_str()));

    // Refunded stays refunded: a second refund and an ignore are refused.
    let (s, b, _) = app
        .call("POST", &format!("{w1}/refund"), Some(&admin), None)
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("already_refunded"))
    );
    let (s, b, _) = app
        .call(
            "POST",
            &format!("{w1}/ignore"),
            Some(&admin),
            Some(json!({"notes": "meh"})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("already_refunded"))
    );
    assert_eq!(refunds_of(&app, &ch1).await.len(), 1);

    // Stripe then reports the warning no longer actionable (the refund made it so): our
    // status is not reopened.
    let r = app
        .deliver(
            &app.sim()
                .event_of("radar.early_fraud_warning.updated", &id1)
                .await,
        )
        .await;
    assert_eq!(r.status(), 200);
    // A late duplicate of `created` (new delivery of the same event) changes nothing either.
    let r = app
        .deliver(
            &app.sim()
                .event_of("radar.early_fraud_warning.created", &id1)
                .await,
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, w, _) = app.call("GET", &w1, Some(&admin), None).await;
    assert_eq!(w["status"], "refunded");
    assert_eq!(w["actionable"], false);
    let actions = w["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["actor_email"], "ops@example.com");
    assert_eq!(actions[0]["action"], "refund");
    assert_eq!(actions[0]["notes"], "card reported stolen");
    assert_eq!(actions[0]["details"]["refund_id"], refund_id.as_str());
    assert!(actions[0]["at"].as_str().unwrap().contains('T'));

    // Ignore, then an update: stays ignored. A later refund is still possible.
    let (id2, ch2) = efw_created(&app, "u1").await;
    let w2 = format!("/fraud-warnings/{id2}");
    let (s, w, _) = app
        .call("POST", &format!("{w2}/ignore"), Some(&admin), None)
        .await;
    assert_eq!((s, w["status"].as_str()), (200, Some("ignored")));
    // A dispute of its charge makes Stripe mark the warning not actionable (an update).
    app.sim()
        .control
        .dispute(&ch2, "fraudulent", false)
        .await
        .unwrap();
    let r = app
        .deliver(
            &app.sim()
                .event_of("radar.early_fraud_warning.updated", &id2)
                .await,
        )
        .await;
    assert_eq!(r.status(), 200);
    let (_, w, _) = app.call("GET", &w2, Some(&admin), None).await;
    assert_eq!(w["status"], "ignored");
    assert_eq!(w["actionable"], false);
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
    let (id3, ch3) = efw_created(&app, "u3").await;
    let path = format!("/fraud-warnings/{id3}/refund");
    let calls = (0..6).map(|_| app.call("POST", &path, Some(&admin), None));
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|(s, _, _)| *s == 200).count();
    let conflict = results.iter().filter(|(s, _, _)| *s == 409).count();
    assert_eq!((ok, conflict), (1, 5), "{results:?}");
    let refunds = refunds_of(&app, &ch3).await;
    assert_eq!(refunds.len(), 1, "Stripe made one refund: {refunds:?}");
    app.stop().await;
}

#[tokio::test]
async fn disputes_sync_from_events_and_admins_stage_submit_and_close() {
    let app = TestApp::start_with(ADMIN_VARS).await;
    let admin = app.token("admin_1", "anyone@admins.example.com");
    let real = app.dispute_at_stripe("u1", 900).await;
    let dp = real["id"].as_str().unwrap().to_string();
    let d1 = format!("/disputes/{dp}");
    let created = real["created"].as_i64().unwrap();
    // `updated` delivered before `created`, its payload out of date: both converge on Stripe's
    // current state.
    let mut stale = real.clone();
    stale["status"] = json!("warning_needs_response");
    let r = app
        .deliver(&event("evt_d1_u", "charge.dispute.updated", created, stale))
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .deliver(&app.sim().event_of("charge.dispute.created", &dp).await)
        .await;
    assert_eq!(r.status(), 200);
    let (s, d, _) = app.call("GET", &d1, Some(&admin), None).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "needs_response");
    assert_eq!(d["user_id"], "u1");
    assert_eq!(d["reason"], "fraudulent");
    assert_eq!(d["amount"], 900);

    // Stage: submit=false is sent explicitly (Stripe's default would submit).
    let (s, d, _) = app
        .call("POST", &format!("{d1}/evidence"), Some(&admin),
            Some(json!({"evidence": {"customer_name": "Ana", "uncategorized_text": "logs attached"}, "submit": false, "notes": "draft"})))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "needs_response");
    assert_eq!(d["evidence"]["customer_name"], "Ana");
    // At Stripe: the evidence is there and nothing was submitted.
    let at_stripe = app.sim().get(&format!("/v1/disputes/{dp}")).await;
    assert_eq!(at_stripe["evidence"]["customer_name"], "Ana");
    assert_eq!(at_stripe["evidence"]["uncategorized_text"], "logs attached");
    assert_eq!(at_stripe["status"], "needs_response");
    assert_eq!(at_stripe["evidence_details"]["submission_count"], 0);

    let (s, b, _) = app
        .call(
            "POST",
            &format!("{d1}/evidence"),
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
            &format!("{d1}/evidence"),
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
            &format!("{d1}/close"),
            Some(&admin),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("confirmation_required"))
    );
    let at_stripe = app.sim().get(&format!("/v1/disputes/{dp}")).await;
    assert_eq!(at_stripe["status"], "under_review", "not closed at Stripe");
    let (s, d, _) = app
        .call(
            "POST",
            &format!("{d1}/close"),
            Some(&admin),
            Some(json!({"confirm": true, "notes": "not worth it"})),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "lost");
    let at_stripe = app.sim().get(&format!("/v1/disputes/{dp}")).await;
    assert_eq!(at_stripe["status"], "lost");
    // Closed under the key `dispute-close:{id}`: Stripe replays it (a new close of a closed
    // dispute would be refused).
    let (s, replay) = app
        .sim()
        .post_keyed(
            &format!("/v1/disputes/{dp}/close"),
            &[],
            &format!("dispute-close:{dp}"),
        )
        .await;
    assert_eq!(
        (s, replay["status"].as_str()),
        (200, Some("lost")),
        "{replay}"
    );

    // Stripe refuses changes to a closed dispute: 409 without Stripe's text.
    let (s, b, _) = app
        .call(
            "POST",
            &format!("{d1}/evidence"),
            Some(&admin),
            Some(json!({"evidence": {"customer_name": "x"}, "submit": true})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (409, Some("dispute_not_updatable"))
    );
    assert!(!b.to_string().contains("already closed"), "{b}");

    let (_, d, _) = app.call("GET", &d1, Some(&admin), None).await;
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

    // Cursor pagination, newest first: three more disputes, ten seconds apart on Stripe's clock.
    let mut newer = Vec::new();
    for _ in 0..3 {
        app.sim().control.advance_seconds(10).await.unwrap();
        let d = app.dispute("u1", 900).await;
        newer.push(d["id"].as_str().unwrap().to_string());
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
    assert_eq!(ids, [&newer[2], &newer[1], &newer[0]]);
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
    assert_eq!(ids, [dp.as_str()]);
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
    let cus = app.customer("u_portal").await;
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
    let url = b["url"].as_str().unwrap();
    let bps = url
        .strip_prefix(&format!("{}/p/session/", app.sim().base_url))
        .unwrap_or_else(|| panic!("not the simulator's portal: {url}"));
    // The session at Stripe is the user's customer's, returning where they asked.
    let portal = app.sim().control.portal(bps).await.unwrap();
    assert_eq!(portal["customer"]["id"], cus.as_str(), "{portal}");
    assert_eq!(
        portal["return_url"], "http://localhost:3000/account",
        "{portal}"
    );
    // Stripe failing (wiremock: the simulator cannot fail): a twin on the same database.
    let twin = app.twin_on_failing_stripe(503).await;
    let (s, b, _) = twin
        .call("POST", "/create-portal-session", Some(&token), Some(body))
        .await;
    twin.stop().await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (502, Some("stripe_unavailable"))
    );
    assert!(!b.to_string().contains(failing::SECRET_STRIPE_TEXT));
    app.stop().await;
}
