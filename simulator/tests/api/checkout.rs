//! Paying a Checkout Session end to end: the canonical events signed and delivered to a
//! receiver, retries of a failed delivery, the hosted page, expiring a session.

use axum::http::StatusCode;
use serde_json::Value;
use tokio::time::{Instant, timeout};

use super::common::*;

#[tokio::test]
async fn paying_a_session_delivers_signed_events_in_canonical_order() {
    let sim = sim().await;
    let mut rcv = receiver(0).await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (s, we) = api
        .post(
            "/v1/webhook_endpoints",
            &[("url", &rcv.url), ("enabled_events[]", "*")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{we}");
    let secret = we["secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("whsec_"));
    let (_, fetched) = api
        .get(&format!(
            "/v1/webhook_endpoints/{}",
            we["id"].as_str().expect("id")
        ))
        .await;
    assert!(fetched.get("secret").is_none(), "secret only at creation");

    let session_id = setup_session(&api).await;

    // A declined card: 402 card_error, nothing created, session still open.
    let (s, err) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4000000000000002")],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["type"], "card_error");
    assert_eq!(err["error"]["decline_code"], "generic_decline");
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    assert_eq!(session["status"], "open");
    let (_, subs) = api.get("/v1/subscriptions").await;
    assert_eq!(subs["data"].as_array().map(Vec::len), Some(0));

    // A good card.
    let (s, paid) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{paid}");
    assert_eq!(
        paid["redirect_url"],
        format!("https://app.example/ok?session_id={session_id}")
    );

    // Collect deliveries until checkout.session.completed arrives.
    let deadline = Instant::now() + DEADLINE;
    let mut events: Vec<Value> = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (sig, body) = timeout(left, rcv.rx.recv())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "timed out; got {:?}",
                    events.iter().map(|e| e["type"].clone()).collect::<Vec<_>>()
                )
            })
            .expect("receiver open");
        assert!(signature_ok(&sig, &body, &secret), "bad signature {sig}");
        assert!(stripe_sim::webhooks::signing::verify(
            &sig,
            &body,
            &secret,
            300,
            stripe_sim::time::clock::wall_now()
        ));
        let ev: Value = serde_json::from_str(&body).expect("event json");
        let done = ev["type"] == "checkout.session.completed";
        events.push(ev);
        if done {
            break;
        }
    }
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect();
    assert_eq!(&types[..2], ["product.created", "price.created"]);
    assert_eq!(&types[2..], CANONICAL);

    for ev in &events {
        assert_eq!(ev["object"], "event");
        assert_eq!(ev["api_version"], stripe_sim::API_VERSION);
        assert_eq!(ev["livemode"], false);
    }
    let by_type = |t: &str| events.iter().find(|e| e["type"] == t).expect(t).clone();
    assert_eq!(
        by_type("customer.subscription.created")["data"]["object"]["status"],
        "incomplete"
    );
    let updated = by_type("customer.subscription.updated");
    assert_eq!(updated["data"]["object"]["status"], "active");
    assert_eq!(
        updated["data"]["previous_attributes"]["status"],
        "incomplete"
    );
    assert_eq!(
        by_type("invoice.created")["data"]["object"]["status"],
        "draft"
    );
    assert_eq!(by_type("invoice.paid")["data"]["object"]["status"], "paid");
    assert_eq!(
        by_type("customer.created")["data"]["object"]["email"],
        "ada@example.com"
    );
    let completed = by_type("checkout.session.completed")["data"]["object"].clone();
    assert_eq!(completed["status"], "complete");
    assert_eq!(completed["payment_status"], "paid");
    assert_eq!(completed["client_reference_id"], "user-42");
    assert_eq!(completed["metadata"]["user_id"], "42");
    assert!(
        by_type("product.created")["request"]["id"]
            .as_str()
            .is_some_and(|r| r.starts_with("req_"))
    );

    // The subscription the backend will fetch.
    let sub_id = completed["subscription"].as_str().expect("subscription");
    let (s, sub) = api
        .get(&format!(
            "/v1/subscriptions/{sub_id}?expand[]=latest_invoice"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["metadata"]["user_id"], "42");
    assert_eq!(sub["latest_invoice"]["status"], "paid");
    assert_eq!(
        sub["latest_invoice"]["billing_reason"],
        "subscription_create"
    );
    assert_eq!(
        sub["latest_invoice"]["parent"]["subscription_details"]["subscription"],
        sub_id
    );
    let item = &sub["items"]["data"][0];
    let start = item["current_period_start"].as_i64().expect("start");
    let end = item["current_period_end"].as_i64().expect("end");
    assert!(end - start >= 28 * 86_400 && end - start <= 31 * 86_400);
    assert_eq!(item["price"]["unit_amount"], 2000);
    let (_, listed) = api
        .get(&format!(
            "/v1/subscriptions?customer={}&status=active",
            completed["customer"].as_str().expect("cus")
        ))
        .await;
    assert_eq!(listed["data"][0]["id"], sub_id);

    // Events are retrievable and pending_webhooks drops to 0 once delivered.
    let last_id = events.last().expect("events")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let deadline = Instant::now() + DEADLINE;
    loop {
        let (s, ev) = api.get(&format!("/v1/events/{last_id}")).await;
        assert_eq!(s, StatusCode::OK);
        if ev["pending_webhooks"] == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "pending_webhooks stuck: {ev}");
        tokio::task::yield_now().await;
    }
    let (_, list) = api.get("/v1/events?type=invoice.paid").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let (_, log) = api.get("/_sim/deliveries").await;
    let log = log["data"].as_array().expect("data").clone();
    assert_eq!(log.len(), events.len());
    assert!(log.iter().all(|r| r["status"] == 200 && r["attempt"] == 1));
    sim.shutdown().await;
}

#[tokio::test]
async fn failed_delivery_is_retried_and_resigned() {
    let sim = sim().await;
    let mut rcv = receiver(1).await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (_, we) = api
        .post(
            "/v1/webhook_endpoints",
            &[("url", &rcv.url), ("enabled_events[0]", "customer.created")],
        )
        .await;
    let secret = we["secret"].as_str().expect("secret").to_string();
    let (s, cus) = api
        .post("/v1/customers", &[("email", "x@example.com")])
        .await;
    assert_eq!(s, StatusCode::OK, "{cus}");
    let (first_sig, first_body) = timeout(DEADLINE, rcv.rx.recv())
        .await
        .expect("first")
        .expect("open");
    assert!(first_sig.starts_with("FAILED "));
    let (sig, body) = timeout(DEADLINE, rcv.rx.recv())
        .await
        .expect("retry")
        .expect("open");
    assert_eq!(body, first_body, "same body on retry");
    assert!(signature_ok(&sig, &body, &secret));
    let deadline = Instant::now() + DEADLINE;
    loop {
        let (_, log) = api.get("/_sim/deliveries").await;
        let data = log["data"].as_array().expect("data").clone();
        if data.len() == 2 {
            assert_eq!(data[0]["status"], 500);
            assert_eq!(data[0]["attempt"], 1);
            assert_eq!(data[1]["status"], 200);
            assert_eq!(data[1]["attempt"], 2);
            break;
        }
        assert!(Instant::now() < deadline, "log: {data:?}");
        tokio::task::yield_now().await;
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn hosted_checkout_page_pays_and_declines() {
    let sim = sim().await;
    let http = client();
    let api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let session_id = setup_session(&api).await;
    let page_url = format!("{}/c/pay/{session_id}", sim.base_url);
    let r = http.get(&page_url).send().await.expect("page");
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("Basic &lt;plan&gt;"), "escaped product name");
    assert!(html.contains("$20.00"));
    assert!(html.contains("name=\"card_number\""));
    assert!(html.contains("href=\"https://app.example/cancel\""));

    let r = http
        .post(&page_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("card_number=4000+0000+0000+0002")
        .send()
        .await
        .expect("decline");
    assert_eq!(r.status().as_u16(), 402);
    assert!(
        r.text()
            .await
            .expect("html")
            .contains("Your card was declined.")
    );
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    assert_eq!(session["status"], "open");

    let r = http
        .post(&page_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("card_number=4242424242424242&exp=12%2F34&cvc=123")
        .send()
        .await
        .expect("pay");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("https://app.example/ok?session_id={session_id}").as_str())
    );
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    assert_eq!(session["status"], "complete");
    let r = http
        .get(format!("{}/c/pay/cs_test_nope", sim.base_url))
        .send()
        .await
        .expect("404");
    assert_eq!(r.status().as_u16(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn expiring_a_session() {
    let sim = sim().await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let session_id = setup_session(&api).await;
    let (s, v) = api
        .post(&format!("/v1/checkout/sessions/{session_id}/expire"), &[])
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "expired");
    let (s, v) = api
        .post(&format!("/v1/checkout/sessions/{session_id}/expire"), &[])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (_, evs) = api.get("/v1/events?type=checkout.session.expired").await;
    assert_eq!(evs["data"][0]["data"]["object"]["id"], session_id.as_str());
    let (s, v) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (_, items) = api
        .get(&format!("/v1/checkout/sessions/{session_id}/line_items"))
        .await;
    assert_eq!(items["data"][0]["quantity"], 1);
    assert_eq!(items["data"][0]["amount_total"], 2000);
    sim.shutdown().await;
}
