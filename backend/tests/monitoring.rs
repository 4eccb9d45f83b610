//! Rate limiting (§5), metrics, alerts to a wiremock sink, and the logs (§6): JSON lines with
//! the webhook fields, and no secret anywhere. All tests of this binary write their logs into
//! one captured buffer; the secrets scan reads all of it.

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Every log line of this test binary.
fn logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer_buf = buf.clone();
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_current_span(false)
            .with_writer(move || Capture(writer_buf.clone()))
            .init();
        buf
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_lines() -> Vec<Value> {
    let text = String::from_utf8_lossy(&logs().lock().unwrap()).to_string();
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("log line is not JSON ({e}): {l}"))
        })
        .collect()
}

/// Polls `f` until it holds or 10 s pass.
async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

fn checkout_body() -> Value {
    json!({"tier": "basic", "billing_cycle": "monthly",
        "success_url": "http://localhost:3000/done", "cancel_url": "http://localhost:3000/cancel"})
}

#[tokio::test]
async fn checkout_is_rate_limited_per_user_and_endpoint_with_retry_after() {
    logs();
    let app = TestApp::start_with(&[
        ("CHECKOUT_RATE_LIMIT_PER_MINUTE", "2"),
        ("PORTAL_RATE_LIMIT_PER_MINUTE", "3"),
    ])
    .await;
    let ana = app.token("user_rl_ana", "ana@example.com");
    let bo = app.token("user_rl_bo", "bo@example.com");
    // Two allowed attempts for different pages (so Stripe makes two sessions, not one
    // answered twice); every refused attempt asks for a third.
    for page in ["one", "two"] {
        let mut body = checkout_body();
        body["success_url"] = json!(format!("http://localhost:3000/{page}"));
        let (s, b, _) = app
            .call("POST", "/create-checkout-session", Some(&ana), Some(body))
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let (s, b, h) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&ana),
            Some(checkout_body()),
        )
        .await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(b["error"]["code"], "rate_limited");
    let first: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&first), "Retry-After {first}");
    // Refused attempts do not consume budget: hammering does not push Retry-After out.
    for _ in 0..20 {
        let (s, _, _) = app
            .call(
                "POST",
                "/create-checkout-session",
                Some(&ana),
                Some(checkout_body()),
            )
            .await;
        assert_eq!(s, 429);
    }
    let (_, _, h) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&ana),
            Some(checkout_body()),
        )
        .await;
    let later: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(later <= first, "Retry-After grew from {first} to {later}");
    // Another user, and another endpoint of the same user, have their own budgets.
    let (s, b, _) = app
        .call(
            "POST",
            "/create-checkout-session",
            Some(&bo),
            Some(checkout_body()),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b, _) = app
        .call(
            "POST",
            "/create-portal-session",
            Some(&ana),
            Some(json!({"return_url": "http://localhost:3000/a"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // Only Ana's 2 sessions exist at Stripe: refusals never reached Stripe (the first that did
    // would have made a third).
    let sessions = app.sim().get("/v1/checkout/sessions?limit=100").await;
    let ana_sessions = sessions["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["client_reference_id"] == "user_rl_ana")
        .count();
    assert_eq!(ana_sessions, 2, "{sessions}");

    let metrics = app
        .http
        .get(format!("{}/metrics", app.base_url))
        .send()
        .await
        .unwrap();
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(
            "billing_rate_limited_requests_total{endpoint=\"create-checkout-session\"} 22"
        ),
        "{text}"
    );
    let line = log_lines()
        .into_iter()
        .find(|l| {
            l["fields"]["message"] == "rate_limited" && l["fields"]["user_id"] == "user_rl_ana"
        })
        .expect("a rate_limited log line");
    assert_eq!(line["fields"]["endpoint"], "create-checkout-session");
    assert!(
        line["fields"]["client_addr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    assert_eq!(line["level"], "WARN");
    app.stop().await;
}

async fn alert_sink() -> MockServer {
    // wiremock is the alert channel here (Slack), not Stripe.
    let sink = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/alerts"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&sink)
        .await;
    sink
}

async fn alerts_of(sink: &MockServer, kind: &str) -> Vec<Value> {
    sink.received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
        .filter(|b| b["alert"] == kind)
        .collect()
}

#[tokio::test]
async fn webhook_failures_and_dispute_and_efw_bursts_raise_alerts_and_metrics() {
    logs();
    let sink = alert_sink().await;
    let url = format!("{}/alerts", sink.uri());
    let app = TestApp::start_with(&[
        ("ALERT_WEBHOOK_URL", &url),
        ("ALERT_DISPUTE_THRESHOLD", "2"),
        ("ALERT_EFW_THRESHOLD", "1"),
        ("ALERT_WINDOW_SECONDS", "600"),
    ])
    .await;

    // A failing event → 500 and a Slack-compatible alert naming it. Stripe failing is the
    // one fault the simulator cannot make: a twin of the app (same database, same alert
    // channel) reads from a Stripe that answers 500.
    let twin = app.twin_on_failing_stripe(500).await;
    let sub = subscription("sub_alert", "u_alert", "active", PRICE_BASIC_MONTHLY, 1, 2);
    let r = twin
        .deliver(&event(
            "evt_alert_fail",
            "invoice.paid",
            now(),
            invoice_of(&sub),
        ))
        .await;
    assert_eq!(r.status(), 500);
    eventually("the failure alert", || async {
        !alerts_of(&sink, "webhook_failure").await.is_empty()
    })
    .await;
    let a = &alerts_of(&sink, "webhook_failure").await[0];
    assert!(
        a["text"].as_str().unwrap().contains("evt_alert_fail"),
        "{a}"
    );
    // The failure is counted where it happened, in the twin.
    eventually("the failure alert counted", || async {
        twin.metrics()
            .await
            .contains("billing_alerts_total{kind=\"webhook_failure\",result=\"sent\"} 1")
    })
    .await;
    let twin_metrics = twin.metrics().await;
    twin.stop().await;
    for needle in [
        "billing_webhook_events_total{type=\"invoice.paid\",outcome=\"failed\"} 1",
        "billing_stripe_api_errors_total{kind=\"unavailable\"} 1",
    ] {
        assert!(
            twin_metrics.contains(needle),
            "missing {needle} in\n{twin_metrics}"
        );
    }

    // Two disputes (real ones, each on its own charge): at the threshold, no alert. The third
    // crosses it: one alert.
    let mut disputes = Vec::new();
    for i in 0..3 {
        disputes.push(app.dispute("u_alert", 900).await);
        if i == 1 {
            // Give a (wrong) alert the chance to arrive before asserting there is none.
            eventually("dispute metric", || async {
                app.metrics()
                    .await
                    .contains("billing_dispute_events_total{type=\"charge.dispute.created\"} 2")
            })
            .await;
            assert!(alerts_of(&sink, "dispute_threshold").await.is_empty());
        }
    }
    eventually("the dispute alert", || async {
        alerts_of(&sink, "dispute_threshold").await.len() == 1
    })
    .await;
    assert!(
        alerts_of(&sink, "dispute_threshold").await[0]["text"]
            .as_str()
            .unwrap()
            .contains("3 disputes")
    );

    for _ in 0..2 {
        app.fraud_warning("u_alert", 900).await;
    }
    eventually("the EFW alert", || async {
        alerts_of(&sink, "efw_threshold").await.len() == 1
    })
    .await;

    let text = app.metrics().await;
    for needle in [
        "billing_webhook_events_total{type=\"charge.dispute.created\",outcome=\"applied\"} 3",
        "billing_early_fraud_warning_events_total{type=\"radar.early_fraud_warning.created\"} 2",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    // The webhook log lines carry event id, type, outcome, user id and Stripe ids.
    let first = &disputes[0];
    let dp = first["id"].as_str().unwrap();
    let evt = app.sim().event_of("charge.dispute.created", dp).await;
    let line = log_lines()
        .into_iter()
        .find(|l| {
            l["fields"]["event_id"] == evt["id"] && l["fields"]["message"] == "stripe webhook"
        })
        .expect("a webhook log line");
    assert_eq!(line["fields"]["event_type"], "charge.dispute.created");
    assert_eq!(line["fields"]["outcome"], "applied");
    assert_eq!(line["fields"]["user_id"], "u_alert");
    assert_eq!(line["fields"]["object_id"], dp);
    assert_eq!(line["fields"]["charge_id"], first["charge"]);
    assert_eq!(
        line["fields"]["customer_id"],
        app.customer_of("u_alert").await.as_str()
    );
    app.stop().await;
}

#[tokio::test]
async fn no_secret_ever_appears_in_a_log_line() {
    logs();
    let app = TestApp::start_with(&[("ADMIN_EMAILS", "ops@example.com")]).await;
    let token = app.token("user_secrets", "s@example.com");
    let admin = app.token("admin_secrets", "ops@example.com");
    // A mix of successes and failures of every kind.
    app.call(
        "POST",
        "/create-checkout-session",
        Some(&token),
        Some(checkout_body()),
    )
    .await;
    // Stripe failing (the one fault the simulator cannot make): a twin reads from wiremock.
    let twin = app.twin_on_failing_stripe(503).await;
    twin.call(
        "POST",
        "/create-checkout-session",
        Some(&app.token("user_secrets2", "t@example.com")),
        Some(checkout_body()),
    )
    .await;
    app.call("GET", "/status", Some("Bearer.garbage.token"), None)
        .await;
    app.call("GET", "/disputes", Some(&token), None).await;
    app.call("GET", "/disputes/dp_missing", Some(&admin), None)
        .await;
    // A real subscription's events: one applied, one failing at the twin.
    let cus = app.customer("user_secrets").await;
    let sub = app
        .sim()
        .subscribe(&cus, "user_secrets", &app.basic_monthly())
        .await;
    let sub_id = sub["id"].as_str().unwrap();
    let ok = app
        .sim()
        .event_of("customer.subscription.created", sub_id)
        .await;
    app.deliver(&ok).await;
    let paid = app
        .sim()
        .event_of("invoice.paid", sub["latest_invoice"].as_str().unwrap())
        .await;
    twin.deliver(&paid).await;
    twin.stop().await;
    // A forged delivery.
    app.http
        .post(format!("{}/api/subscription/webhook", app.base_url))
        .header("stripe-signature", "t=1,v1=deadbeef")
        .body("{}")
        .send()
        .await
        .unwrap();
    let key = app.sim().key.clone();
    app.stop().await;

    let text = String::from_utf8_lossy(&logs().lock().unwrap()).to_string();
    assert!(
        text.contains(paid["id"].as_str().unwrap()),
        "the scan must see this test's logs"
    );
    for secret in [
        key.as_str(),
        "sk_test_backendtests",
        WEBHOOK_SECRET,
        JWT_SECRET,
        token.as_str(),
        admin.as_str(),
        "backendtests",
    ] {
        assert!(
            !text.contains(secret),
            "a log line contains a secret ({})",
            &secret[..6.min(secret.len())]
        );
    }
    // Every line is JSON.
    assert!(!log_lines().is_empty());
}

/// Every route runs in a request span: one `request` line per request with the method, the
/// matched route, the status, the latency and the request id — the caller's `X-Request-Id`
/// when it sent one, else a generated one — and the id is returned in `X-Request-Id`. Lines
/// logged while the request is served (a refused webhook here) carry the same span.
#[tokio::test]
async fn every_request_is_logged_once_with_its_route_status_latency_and_id() {
    logs();
    let app = TestApp::start_with(&[("ADMIN_EMAILS", "ops@example.com")]).await;
    let admin = app.token("ops_span", "ops@example.com");
    let request_line = |id: &str| {
        let found: Vec<Value> = log_lines()
            .into_iter()
            .filter(|l| l["fields"]["event"] == "request" && l["fields"]["request_id"] == id)
            .collect();
        assert_eq!(found.len(), 1, "one request line for {id}: {found:?}");
        found[0]["fields"].clone()
    };

    // The caller's id is kept, the route is the matched pattern, not the raw path.
    let given = format!("lb-{}", rand::random::<u32>());
    let r = app
        .http
        .get(format!(
            "{}/api/subscription/disputes/dp_nope",
            app.base_url
        ))
        .bearer_auth(&admin)
        .header("x-request-id", &given)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_eq!(r.headers()["x-request-id"], given.as_str());
    let line = request_line(&given);
    assert_eq!(line["method"], "GET");
    assert_eq!(line["path"], "/api/subscription/disputes/{id}");
    assert_eq!(line["status"], status);
    assert!(
        line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{line}"
    );

    // Without one, an id is made, returned and logged; an unknown route is `unmatched`.
    let r = app
        .http
        .get(format!("{}/no/such/route", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let made = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(made.starts_with("req_"), "{made}");
    let line = request_line(&made);
    assert_eq!(
        (&line["path"], &line["status"]),
        (&json!("unmatched"), &json!(404))
    );

    // A line logged inside the request (an unsigned webhook refused) carries the span.
    let id = format!("wh-{}", rand::random::<u32>());
    let r = app
        .http
        .post(format!("{}/api/subscription/webhook", app.base_url))
        .header("x-request-id", &id)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let refused = log_lines()
        .into_iter()
        .find(|l| {
            l["spans"].as_array().is_some_and(|spans| {
                spans
                    .iter()
                    .any(|s| s["name"] == "request" && s["request_id"] == id.as_str())
            }) && l["fields"]["event"] != "request"
        })
        .unwrap_or_else(|| panic!("a line inside request {id}: {:?}", log_lines()));
    assert!(
        refused["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("signature")),
        "{refused}"
    );
    let span = refused["spans"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "request"))
        .unwrap();
    assert_eq!(span["method"], "POST");
    assert_eq!(span["path"], "/api/subscription/webhook");
    assert_eq!(request_line(&id)["status"], 400);
    app.stop().await;
}
