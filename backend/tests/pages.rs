//! The pages, over real HTTP against a real PostgreSQL and the Stripe simulator: who may see
//! what (401 sign-in page, 403 page without the data), forms refused without their token or
//! from another origin (and nothing sent to Stripe), refusals shown as sentences with their
//! status, escaping, and the security headers.

use crate::common;

use common::*;

const PUBLIC: &str = "http://billing.example.test";
const CSRF: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const VARS: &[(&str, &str)] = &[
    ("ADMIN_EMAILS", "ops@example.com"),
    ("BILLING_PUBLIC_URL", PUBLIC),
];

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Page {
    let mut req = app.http.get(format!("{}{path}", app.base_url));
    if let Some(t) = token {
        req = req.header("cookie", format!("__session={t}; golive_csrf={CSRF}"));
    }
    let r = req.send().await.unwrap();
    Page {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

async fn post(app: &TestApp, path: &str, token: &str, form: &str, origin: Option<&str>) -> Page {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = client
        .post(format!("{}{path}", app.base_url))
        .header("cookie", format!("__session={token}; golive_csrf={CSRF}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string());
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let r = req.send().await.unwrap();
    Page {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.unwrap(),
    }
}

#[tokio::test]
async fn without_a_session_every_page_is_the_sign_in_page() {
    let app = TestApp::start_with(VARS).await;
    for path in [
        "/pricing",
        "/account",
        "/billing/success?session_id=cs_1",
        "/stripe-disputes",
        "/stripe-disputes/guide",
    ] {
        let page = get(&app, path, None).await;
        assert_eq!(page.status, 401, "{path}: {}", page.body);
        assert!(
            page.body.contains("Sign in to continue"),
            "{path}: {}",
            page.body
        );
        assert!(
            page.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
    }
    // A forged or expired token is no session either.
    let page = get(&app, "/account", Some("not-a-token")).await;
    assert_eq!(page.status, 401);
    app.stop().await;
}

#[tokio::test]
async fn a_user_who_is_not_an_admin_gets_the_403_page_and_never_the_data() {
    let app = TestApp::start_with(VARS).await;
    let w = app.fraud_warning("u1", 2900).await;
    let warning = w["id"].as_str().unwrap();
    let charge = w["charge"].as_str().unwrap();
    let customer = app.customer_of("u1").await;

    let user = app.token("u1", "ana@example.com");
    for path in [
        "/stripe-disputes?tab=fraud-warnings&status=all".to_string(),
        format!("/stripe-disputes?tab=fraud-warnings&warning={warning}"),
        "/stripe-disputes?tab=subscriptions".to_string(),
        "/stripe-disputes/guide".to_string(),
    ] {
        let page = get(&app, &path, Some(&user)).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.body.contains("You do not have access to this page"));
        assert!(!page.body.contains(warning), "{path} leaked the warning");
        assert!(!page.body.contains(&customer), "{path} leaked a customer");
    }
    // Nor can a non-admin act: the refund form is refused before anything is read.
    let page = post(
        &app,
        &format!("/stripe-disputes/fraud-warnings/{warning}/refund"),
        &user,
        &format!("csrf={CSRF}&confirm=yes&notes=x"),
        Some(PUBLIC),
    )
    .await;
    assert_eq!(page.status, 403);
    let at_stripe = app.sim().get(&format!("/v1/charges/{charge}")).await;
    assert_eq!(at_stripe["refunded"], false, "{at_stripe}");
    assert_eq!(at_stripe["amount_refunded"], 0, "{at_stripe}");

    let admin = app.token("admin_1", "ops@example.com");
    let page = get(
        &app,
        "/stripe-disputes?tab=fraud-warnings&status=all",
        Some(&admin),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(warning));
    assert!(page.body.contains("made_with_stolen_card"));
    app.stop().await;
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_origin_change_nothing() {
    let app = TestApp::start_with(VARS).await;
    let user = app.token("u2", "bo@example.com");
    for (form, origin) in [
        ("tier=basic&cycle=monthly".to_string(), Some(PUBLIC)),
        (
            format!("csrf={}&tier=basic&cycle=monthly", "f".repeat(64)),
            Some(PUBLIC),
        ),
        (
            format!("csrf={CSRF}&tier=basic&cycle=monthly"),
            Some("https://evil.example"),
        ),
    ] {
        let page = post(&app, "/pricing/checkout", &user, &form, origin).await;
        assert_eq!(page.status, 403, "{form} from {origin:?}");
        assert!(page.body.contains("This form has expired"));
    }
    // Nothing was made at Stripe.
    let customers = app.sim().get("/v1/customers").await;
    assert_eq!(customers["data"], serde_json::json!([]), "{customers}");
    let sessions = app.sim().get("/v1/checkout/sessions").await;
    assert_eq!(sessions["data"], serde_json::json!([]), "{sessions}");

    // The same form with its token, from our origin, goes to Checkout.
    let page = post(
        &app,
        "/pricing/checkout",
        &user,
        &format!("csrf={CSRF}&tier=basic&cycle=monthly"),
        Some(PUBLIC),
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.headers["location"].to_str().unwrap();
    let cs = location
        .split("/c/pay/")
        .nth(1)
        .expect("a redirect to the hosted Checkout page");
    assert!(cs.starts_with("cs_test_"), "{location}");
    let sessions = app.sim().get("/v1/checkout/sessions").await;
    assert_eq!(sessions["data"].as_array().unwrap().len(), 1, "{sessions}");
    let session = app.sim().get(&format!("/v1/checkout/sessions/{cs}")).await;
    assert_eq!(
        session["success_url"],
        format!("{PUBLIC}/billing/success?session_id={{CHECKOUT_SESSION_ID}}")
    );
    assert_eq!(session["cancel_url"], format!("{PUBLIC}/billing/cancelled"));
    app.stop().await;
}

#[tokio::test]
async fn refusals_are_sentences_with_their_status_never_json() {
    let mut vars = VARS.to_vec();
    vars.push(("CHECKOUT_RATE_LIMIT_PER_MINUTE", "1"));
    let app = TestApp::start_with(&vars).await;
    let user = app.token("u3", "cy@example.com");
    let form = format!("csrf={CSRF}&tier=basic&cycle=monthly");
    let first = post(&app, "/pricing/checkout", &user, &form, Some(PUBLIC)).await;
    assert_eq!(first.status, 303);
    let second = post(&app, "/pricing/checkout", &user, &form, Some(PUBLIC)).await;
    assert_eq!(second.status, 429);
    assert!(second.headers.contains_key("retry-after"));
    assert!(second.body.contains("Please wait"), "{}", second.body);
    assert!(!second.body.trim_start().starts_with('{'));

    // A plan that is not sold: 400, in words, on the Pricing page.
    let app2 = TestApp::start_with(VARS).await;
    let user2 = app2.token("u4", "di@example.com");
    let page = post(
        &app2,
        "/pricing/checkout",
        &user2,
        &format!("csrf={CSRF}&tier=pro&cycle=yearly"),
        Some(PUBLIC),
    )
    .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("pro.yearly is not for sale."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Choose your plan"));
    app.stop().await;
    app2.stop().await;
}

#[tokio::test]
async fn pages_escape_what_they_show_and_send_security_headers() {
    let app = TestApp::start_with(VARS).await;
    let user = app.token("u5", "<script>alert(1)</script>@example.com");
    let page = get(&app, "/account", Some(&user)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("<script>alert(1)</script>"));
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains(&app.sim().base_url), "{csp}");
    assert_eq!(page.headers["x-frame-options"], "DENY");
    assert_eq!(page.headers["cache-control"], "no-store");

    // Without a form-token cookie, the page mints one (SameSite=Strict, HttpOnly) and puts
    // the same value into its forms.
    let r = app
        .http
        .get(format!("{}/pricing", app.base_url))
        .header("cookie", format!("__session={user}"))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let token = cookie
        .strip_prefix("golive_csrf=")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let body = r.text().await.unwrap();
    assert!(body.contains(&format!("name=\"csrf\" value=\"{token}\"")));
    app.stop().await;
}
