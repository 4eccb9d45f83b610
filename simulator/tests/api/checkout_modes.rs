//! Checkout in `mode=payment` and `mode=setup`, paid through the hosted page's HTML form:
//! the objects made, the events in order, declines that make nothing.

use axum::http::StatusCode;
use serde_json::Value;

use super::common::*;

/// Every event type of the account, oldest first.
async fn event_types(api: &Api) -> Vec<String> {
    let (s, list) = api.get("/v1/events?limit=100").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let mut types: Vec<String> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["type"].as_str().expect("type").to_string())
        .collect();
    types.reverse();
    types
}

/// Posts the hosted page's form; returns the status, the `Location` header and the HTML.
async fn submit(api: &Api, session: &str, form: &str) -> (u16, Option<String>, String) {
    let r = api
        .http
        .post(format!("{}/c/pay/{session}", api.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .expect("post page");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, location, r.text().await.expect("html"))
}

async fn page(api: &Api, session: &str) -> String {
    let r = api
        .http
        .get(format!("{}/c/pay/{session}", api.base))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.expect("html")
}

async fn create_session(api: &Api, form: &[(&str, &str)]) -> Value {
    let (s, session) = api.post("/v1/checkout/sessions", form).await;
    assert_eq!(s, StatusCode::OK, "{session}");
    session
}

#[tokio::test]
async fn payment_mode_charges_once_through_the_hosted_page() {
    let sim = sim().await;
    let api = new_api(&sim);
    let price = one_time_price(&api, "1500").await;
    let session = create_session(
        &api,
        &[
            ("mode", "payment"),
            ("line_items[0][price]", &price),
            ("line_items[0][quantity]", "2"),
            ("line_items[1][price_data][currency]", "usd"),
            ("line_items[1][price_data][unit_amount]", "500"),
            ("line_items[1][price_data][product_data][name]", "Gift wrap"),
            (
                "success_url",
                "https://shop.example/ok?cs={CHECKOUT_SESSION_ID}",
            ),
            ("customer_email", "bo@example.com"),
            ("payment_intent_data[metadata][order]", "7"),
            ("payment_intent_data[description]", "Order 7"),
            ("payment_intent_data[receipt_email]", "receipts@example.com"),
            (
                "payment_intent_data[statement_descriptor_suffix]",
                "ORDER 7",
            ),
        ],
    )
    .await;
    let sid = id(&session);
    // The inline price (and its product) exist from the session's creation on.
    let made = event_types(&api).await;
    assert_eq!(
        made.iter().filter(|t| *t == "price.created").count(),
        2,
        "{made:?}"
    );
    assert_eq!(
        made.iter().filter(|t| *t == "product.created").count(),
        2,
        "{made:?}"
    );
    assert_eq!(session["mode"], "payment");
    assert_eq!(session["payment_status"], "unpaid");
    assert_eq!(session["amount_total"], 3500);
    assert_eq!(session["currency"], "usd");
    assert_eq!(session["customer_creation"], "if_required");
    assert_eq!(session["payment_intent"], Value::Null);
    let (_, items) = api
        .get(&format!("/v1/checkout/sessions/{sid}/line_items"))
        .await;
    assert_eq!(items["data"][1]["description"], "Gift wrap");
    assert_eq!(items["data"][1]["price"]["type"], "one_time");
    assert_eq!(items["data"][1]["price"]["active"], false);
    assert_eq!(items["data"][1]["amount_total"], 500);

    let html = page(&api, &sid).await;
    assert!(html.contains("Pay <strong>$35.00</strong>"), "{html}");
    assert!(html.contains("Gift wrap"), "{html}");
    assert!(html.contains("name=\"card_number\""));
    let before = event_types(&api).await.len();

    // A declined card: the error on the page, nothing completed, nothing charged.
    let (status, _, html) = submit(&api, &sid, "card_number=4000+0000+0000+0002").await;
    assert_eq!(status, 402);
    assert!(html.contains("Your card was declined."), "{html}");
    let (_, s) = api.get(&format!("/v1/checkout/sessions/{sid}")).await;
    assert_eq!(s["status"], "open");
    let (_, pis) = api.get("/v1/payment_intents").await;
    assert_eq!(pis["data"].as_array().map(Vec::len), Some(0), "{pis}");
    assert_eq!(
        event_types(&api).await.len(),
        before,
        "no events on decline"
    );

    let (status, location, html) = submit(
        &api,
        &sid,
        "card_number=4242424242424242&exp=12%2F34&cvc=123",
    )
    .await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(
        location.as_deref(),
        Some(format!("https://shop.example/ok?cs={sid}").as_str())
    );
    let types = event_types(&api).await;
    assert_eq!(
        &types[before..],
        [
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.succeeded",
            "checkout.session.completed",
        ]
    );
    let (_, done) = api.get(&format!("/v1/checkout/sessions/{sid}")).await;
    assert_eq!(done["status"], "complete");
    assert_eq!(done["payment_status"], "paid");
    assert_eq!(done["amount_total"], 3500);
    assert_eq!(done["url"], Value::Null);
    assert_eq!(
        done["customer"],
        Value::Null,
        "customer_creation=if_required"
    );
    assert_eq!(done["customer_details"]["email"], "bo@example.com");
    assert_eq!(done["subscription"], Value::Null);
    let pi_id = done["payment_intent"].as_str().expect("payment_intent");
    let (_, pi) = api
        .get(&format!(
            "/v1/payment_intents/{pi_id}?expand[]=latest_charge"
        ))
        .await;
    assert_eq!(pi["status"], "succeeded");
    assert_eq!(pi["amount"], 3500);
    assert_eq!(pi["amount_received"], 3500);
    assert_eq!(pi["currency"], "usd");
    assert_eq!(pi["metadata"]["order"], "7");
    assert_eq!(pi["description"], "Order 7");
    assert_eq!(pi["receipt_email"], "receipts@example.com");
    assert_eq!(pi["statement_descriptor_suffix"], "ORDER 7");
    assert_eq!(pi["setup_future_usage"], Value::Null);
    assert_eq!(pi["latest_charge"]["status"], "succeeded");
    assert_eq!(pi["latest_charge"]["amount"], 3500);
    let (_, listed) = api
        .get(&format!("/v1/checkout/sessions?payment_intent={pi_id}"))
        .await;
    assert_eq!(listed["data"][0]["id"], sid.as_str());
    // A completed session cannot be paid again.
    let (status, _, _) = submit(&api, &sid, "card_number=4242424242424242").await;
    assert_eq!(status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn payment_mode_saves_the_card_for_a_customer_with_setup_future_usage() {
    let sim = sim().await;
    let api = new_api(&sim);
    let price = one_time_price(&api, "900").await;
    let (_, cus) = api
        .post("/v1/customers", &[("email", "cy@example.com")])
        .await;
    let cus = id(&cus);
    let session = create_session(
        &api,
        &[
            ("mode", "payment"),
            ("line_items[0][price]", &price),
            ("customer", &cus),
            ("success_url", "https://shop.example/ok"),
            ("payment_intent_data[setup_future_usage]", "off_session"),
        ],
    )
    .await;
    let sid = id(&session);
    assert_eq!(session["customer_creation"], Value::Null);
    let before = event_types(&api).await.len();
    let (status, _, html) = submit(&api, &sid, "card_number=4242424242424242").await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(
        &event_types(&api).await[before..],
        [
            "payment_method.attached",
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.succeeded",
            "checkout.session.completed",
        ]
    );
    let (_, done) = api.get(&format!("/v1/checkout/sessions/{sid}")).await;
    assert_eq!(done["customer"], cus.as_str());
    let (_, pi) = api
        .get(&format!(
            "/v1/payment_intents/{}?expand[]=payment_method",
            done["payment_intent"].as_str().expect("pi")
        ))
        .await;
    assert_eq!(pi["customer"], cus.as_str());
    assert_eq!(pi["setup_future_usage"], "off_session");
    assert_eq!(pi["payment_method"]["customer"], cus.as_str());

    // customer_creation=always makes a customer from the typed e-mail first.
    let session = create_session(
        &api,
        &[
            ("mode", "payment"),
            ("line_items[0][price]", &price),
            ("customer_creation", "always"),
            ("success_url", "https://shop.example/ok"),
        ],
    )
    .await;
    let sid = id(&session);
    let before = event_types(&api).await.len();
    let (status, _, html) = submit(
        &api,
        &sid,
        "email=dee%40example.com&card_number=4242424242424242",
    )
    .await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(
        &event_types(&api).await[before..],
        [
            "customer.created",
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.succeeded",
            "checkout.session.completed",
        ]
    );
    let (_, done) = api.get(&format!("/v1/checkout/sessions/{sid}")).await;
    let (_, customer) = api
        .get(&format!(
            "/v1/customers/{}",
            done["customer"].as_str().expect("customer")
        ))
        .await;
    assert_eq!(customer["email"], "dee@example.com");
    sim.shutdown().await;
}

#[tokio::test]
async fn setup_mode_saves_a_card_through_a_setup_intent() {
    let sim = sim().await;
    let api = new_api(&sim);
    let (_, cus) = api
        .post("/v1/customers", &[("email", "ed@example.com")])
        .await;
    let cus = id(&cus);
    let session = create_session(
        &api,
        &[
            ("mode", "setup"),
            ("customer", &cus),
            ("currency", "usd"),
            (
                "success_url",
                "https://shop.example/saved?cs={CHECKOUT_SESSION_ID}",
            ),
            ("setup_intent_data[metadata][purpose]", "renewals"),
            ("setup_intent_data[description]", "Card on file"),
        ],
    )
    .await;
    let sid = id(&session);
    assert_eq!(session["mode"], "setup");
    assert_eq!(session["payment_status"], "no_payment_required");
    assert_eq!(session["amount_total"], Value::Null);
    assert_eq!(session["currency"], "usd");
    assert_eq!(session["setup_intent"], Value::Null);
    let html = page(&api, &sid).await;
    assert!(html.contains("name=\"card_number\""), "{html}");
    assert!(html.contains(">Save card</button>"), "{html}");
    assert!(!html.contains("$"), "no amount on a setup page: {html}");
    let before = event_types(&api).await.len();

    let (status, _, html) = submit(&api, &sid, "card_number=4000000000000002").await;
    assert_eq!(status, 402);
    assert!(html.contains("Your card was declined."), "{html}");
    let (_, sis) = api.get(&format!("/v1/setup_intents?customer={cus}")).await;
    assert_eq!(sis["data"].as_array().map(Vec::len), Some(0), "{sis}");
    let (_, pms) = api
        .get(&format!("/v1/customers/{cus}/payment_methods"))
        .await;
    assert_eq!(pms["data"].as_array().map(Vec::len), Some(0), "{pms}");
    assert_eq!(
        event_types(&api).await.len(),
        before,
        "no events on decline"
    );

    let (status, location, html) = submit(&api, &sid, "card_number=4242424242424242").await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(
        location.as_deref(),
        Some(format!("https://shop.example/saved?cs={sid}").as_str())
    );
    assert_eq!(
        &event_types(&api).await[before..],
        [
            "setup_intent.created",
            "payment_method.attached",
            "setup_intent.succeeded",
            "checkout.session.completed",
        ]
    );
    let (_, done) = api.get(&format!("/v1/checkout/sessions/{sid}")).await;
    assert_eq!(done["status"], "complete");
    assert_eq!(done["payment_status"], "no_payment_required");
    assert_eq!(done["payment_intent"], Value::Null);
    assert_eq!(done["customer"], cus.as_str());
    let si_id = done["setup_intent"].as_str().expect("setup_intent");
    assert!(si_id.starts_with("seti_"), "{si_id}");
    let (s, si) = api
        .get(&format!(
            "/v1/setup_intents/{si_id}?expand[]=payment_method"
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{si}");
    assert_eq!(si["object"], "setup_intent");
    assert_eq!(si["status"], "succeeded");
    assert_eq!(si["usage"], "off_session");
    assert_eq!(si["customer"], cus.as_str());
    assert_eq!(si["metadata"]["purpose"], "renewals");
    assert_eq!(si["description"], "Card on file");
    assert_eq!(si["payment_method"]["customer"], cus.as_str());
    assert_eq!(si["payment_method"]["card"]["last4"], "4242");
    let (_, pis) = api.get("/v1/payment_intents").await;
    assert_eq!(
        pis["data"].as_array().map(Vec::len),
        Some(0),
        "nothing charged"
    );

    let (_, sis) = api.get(&format!("/v1/setup_intents?customer={cus}")).await;
    assert_eq!(sis["object"], "list");
    assert_eq!(sis["url"], "/v1/setup_intents");
    assert_eq!(sis["data"][0]["id"], si_id);
    assert_eq!(sis["data"].as_array().map(Vec::len), Some(1));
    let (_, sis) = api.get("/v1/setup_intents?customer=cus_other").await;
    assert_eq!(sis["data"].as_array().map(Vec::len), Some(0));

    // Without a customer the card is saved unattached; 0341 (attach succeeds, charges fail)
    // is saved, a 3-D Secure card is refused (authentication is not simulated).
    let session = create_session(
        &api,
        &[
            ("mode", "setup"),
            ("payment_method_types[0]", "card"),
            ("success_url", "https://shop.example/saved"),
        ],
    )
    .await;
    let sid = id(&session);
    assert_eq!(session["customer_creation"], "if_required");
    let (status, _, html) = submit(&api, &sid, "card_number=4000002760003184").await;
    assert_eq!(status, 402, "{html}");
    let before = event_types(&api).await.len();
    let (status, _, html) = submit(&api, &sid, "card_number=4000000000000341").await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(
        &event_types(&api).await[before..],
        [
            "setup_intent.created",
            "setup_intent.succeeded",
            "checkout.session.completed",
        ]
    );
    let (_, done) = api.get(&format!("/v1/checkout/sessions/{sid}")).await;
    assert_eq!(done["customer"], Value::Null);
    let (_, si) = api
        .get(&format!(
            "/v1/setup_intents/{}?expand[]=payment_method",
            done["setup_intent"].as_str().expect("setup_intent")
        ))
        .await;
    assert_eq!(si["status"], "succeeded");
    assert_eq!(si["customer"], Value::Null);
    assert_eq!(si["payment_method"]["customer"], Value::Null);
    assert_eq!(si["payment_method"]["card"]["last4"], "0341");
    let (_, all) = api.get("/v1/setup_intents").await;
    assert_eq!(all["data"].as_array().map(Vec::len), Some(2));

    let (s, e) = api.get("/v1/setup_intents/seti_nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["error"]["code"], "resource_missing");
    let (s, e) = api.get("/v1/setup_intents?status=succeeded").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["code"], "parameter_unknown");
    sim.shutdown().await;
}
