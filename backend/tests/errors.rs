//! Every error is in the documented shape: each API route given a bad query or an undecodable
//! path answers `{"error":{"code","message"}}` with a 4xx, and the pages answer the same
//! mistakes with their HTML error page, never axum's plain text.

use crate::common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn every_api_route_answers_bad_queries_and_paths_in_json() {
    let app = TestApp::start_with(&[
        ("ADMIN_EMAILS", "ops@example.com"),
        ("BILLING_PUBLIC_URL", "http://billing.example.test"),
    ])
    .await;
    let admin = app.token("user_ops", "ops@example.com");
    let body = Some(json!({"confirm": true, "evidence": {}, "submit": false}));
    let routes: &[(&str, &str)] = &[
        ("GET", "/disputes?limit=abc"),
        ("GET", "/disputes?limit=1&limit=2"),
        ("GET", "/disputes/%ff"),
        ("GET", "/disputes/%ff%fe?x"),
        ("POST", "/disputes/%ff/evidence"),
        ("POST", "/disputes/%ff/close"),
        ("GET", "/fraud-warnings?limit=abc"),
        ("GET", "/fraud-warnings?status=open&status=ignored"),
        ("GET", "/fraud-warnings/%ff"),
        ("POST", "/fraud-warnings/%ff/refund"),
        ("POST", "/fraud-warnings/%ff/ignore"),
        ("GET", "/status/%ff"),
        ("GET", "/nowhere?limit=abc"),
        ("DELETE", "/plans"),
    ];
    for (method, path) in routes {
        let url = format!("{}/api/subscription{path}", app.base_url);
        let mut req = app
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth(&admin);
        if *method == "POST" {
            req = req.json(body.as_ref().unwrap());
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let ctype = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = r.text().await.unwrap();
        assert!(
            (400..500).contains(&status),
            "{method} {path}: {status} {text}"
        );
        assert!(
            ctype.starts_with("application/json"),
            "{method} {path}: {ctype} {text}"
        );
        let v: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"));
        assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "{method} {path}: {v}"
        );
    }
    let (s, b, _) = app
        .call("GET", "/disputes?limit=abc", Some(&admin), None)
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("invalid_query"))
    );
    let (s, b, _) = app.call("GET", "/disputes/%ff", Some(&admin), None).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("invalid_path"))
    );

    // The pages: the same mistakes give the HTML error page.
    let cookie = format!(
        "__session={admin}; golive_csrf=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    );
    for (method, path) in [
        ("GET", "/pricing?cycle=monthly&cycle=yearly"),
        ("GET", "/billing/success?session_id=cs_1&look=abc"),
        ("GET", "/stripe-disputes?tab=a&tab=b"),
        ("POST", "/stripe-disputes/disputes/%ff/close"),
        ("POST", "/stripe-disputes/fraud-warnings/%ff/ignore"),
    ] {
        let r = app
            .http
            .request(method.parse().unwrap(), format!("{}{path}", app.base_url))
            .header("cookie", &cookie)
            .header("origin", "http://billing.example.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                "csrf=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef&confirm=yes",
            )
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let ctype = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = r.text().await.unwrap();
        assert_eq!(status, 400, "{method} {path}: {text}");
        assert!(ctype.starts_with("text/html"), "{method} {path}: {ctype}");
        assert!(text.contains("<html"), "{method} {path}: {text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn redirect_urls_stripe_would_refuse_are_400_before_anything_is_created() {
    // What Stripe holds afterwards is what the backend created.
    let app = TestApp::start().await;
    let sim = app.sim();
    let token = app.token("user_urls", "urls@example.com");
    let long = format!("http://localhost:3000/{}", "a".repeat(5000));
    for (success, cancel) in [
        (
            "http://localhost:3000/ok?x=\"1\"",
            "http://localhost:3000/c",
        ),
        ("http://localhost:3000/o k", "http://localhost:3000/c"),
        ("http://localhost:3000/ok", "http://localhost:3000/<c>"),
        (
            "http://localhost:3000/ok?q=caf\u{e9}",
            "http://localhost:3000/c",
        ),
        (long.as_str(), "http://localhost:3000/c"),
    ] {
        let (s, b, _) = app
            .call(
                "POST",
                "/create-checkout-session",
                Some(&token),
                Some(json!({"tier": "basic", "billing_cycle": "monthly",
                    "success_url": success, "cancel_url": cancel})),
            )
            .await;
        assert_eq!(s, 400, "{success} / {cancel}: {b}");
        assert_eq!(b["error"]["code"], "invalid_redirect_url");
    }
    let (s, b, _) = app
        .call(
            "POST",
            "/create-portal-session",
            Some(&token),
            Some(json!({"return_url": "http://localhost:3000/back?a=<b>"})),
        )
        .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (400, Some("invalid_redirect_url"))
    );
    for list in ["/v1/customers", "/v1/checkout/sessions"] {
        let held = sim.get(list).await;
        assert_eq!(held["data"], json!([]), "Stripe holds {list}: {held}");
    }
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM user_subscriptions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);

    // An upper-case scheme and host are normalised, not refused.
    let (s, b, _) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&token),
            Some(json!({"tier": "basic", "billing_cycle": "monthly",
                "success_url": "HTTP://LOCALHOST:3000/Done", "cancel_url": "Http://Localhost:3000/c"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let session = sim
        .get(&format!(
            "/v1/checkout/sessions/{}",
            b["session_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        session["success_url"],
        "http://localhost:3000/Done?session_id={CHECKOUT_SESSION_ID}"
    );
    assert_eq!(session["cancel_url"], "http://localhost:3000/c");
    app.stop().await;
}
