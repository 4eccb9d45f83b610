//! The `/_sim` control plane: reset, 404s on unknown objects, disputes and early fraud
//! warnings on a charge, per-customer payment outcomes, `stripe trigger`-like events, the
//! hosted Customer Portal page and its JSON twin, and `--state` persistence.

use crate::time_common;

use axum::http::StatusCode;
use serde_json::{Value, json};
use stripe_sim::SimOptions;
use time_common::{Api, client, sim, sim_with};

async fn charge_of(api: &Api, customer: &str) -> String {
    let (_, list) = api.get(&format!("/v1/charges?customer={customer}")).await;
    list["data"][0]["id"].as_str().expect("charge").to_string()
}

#[tokio::test]
async fn reset_forgets_everything_of_the_account_only() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let other = Api::new(&sim);
    let (_, cus) = api.post("/v1/customers", &[("email", "a@b.c")]).await;
    let (_, keep) = other.post("/v1/customers", &[("email", "k@b.c")]).await;
    api.ok("/_sim/clock/advance", json!({"days": 3})).await;
    api.ok("/_sim/delivery_mode", json!({"mode": "shuffled"}))
        .await;
    let v = api.ok("/_sim/reset", json!({})).await;
    assert_eq!(v["reset"], true);
    let (s, _) = api
        .get(&format!(
            "/v1/customers/{}",
            cus["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(api.get("/_sim/clock").await.1["offset"], 0);
    assert_eq!(api.get("/_sim/delivery_mode").await.1["mode"], "canonical");
    let (_, events) = api.get("/v1/events").await;
    assert_eq!(events["data"].as_array().map(Vec::len), Some(0));
    let (s, _) = other
        .get(&format!(
            "/v1/customers/{}",
            keep["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "other accounts untouched");
}

#[tokio::test]
async fn unknown_objects_are_404_json() {
    let sim = sim().await;
    let api = Api::new(&sim);
    for (path, body) in [
        ("/_sim/charges/ch_nope/dispute", json!({})),
        ("/_sim/charges/ch_nope/early_fraud_warning", json!({})),
        (
            "/_sim/customers/cus_nope/payments",
            json!({"next_payments": "fail"}),
        ),
        ("/_sim/portal/sessions/bps_nope/cancel", json!({})),
        (
            "/_sim/portal/sessions/bps_nope/update_card",
            json!({"card_number": "4242424242424242"}),
        ),
        (
            "/_sim/portal/sessions/bps_nope/switch_plan",
            json!({"price": "price_x"}),
        ),
        (
            "/_sim/checkout/sessions/cs_test_nope/pay",
            json!({"card_number": "4242424242424242"}),
        ),
        ("/_sim/checkout/sessions/cs_test_nope/decline", json!({})),
        ("/_sim/webhook_endpoints/we_nope/roll_secret", json!({})),
    ] {
        let (s, e) = api.json(path, body).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {e}");
        assert_eq!(e["error"]["type"], "invalid_request_error", "{path}");
        assert_eq!(e["error"]["code"], "resource_missing", "{path}");
    }
    let (s, e) = api.get("/_sim/portal/sessions/bps_nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, e) = api.json("/_sim/nothing", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, e) = api.json("/_sim/trigger", json!({"event": "made.up"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let (s, e) = api
        .json("/_sim/delivery_mode", json!({"mode": "chaos"}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let (s, e) = api.json("/_sim/delivery_mode", json!({"rate": 2})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
}

#[tokio::test]
async fn disputes_fraud_warnings_and_payment_outcomes_on_demand() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price) = api.price("Basic", "2000").await;
    let session = api.subscribe(&price, "4242424242424242", None).await;
    let customer = session["customer"].as_str().expect("cus").to_string();
    let charge = charge_of(&api, &customer).await;

    let efw = api
        .ok(
            &format!("/_sim/charges/{charge}/early_fraud_warning"),
            json!({"fraud_type": "card_never_received"}),
        )
        .await;
    assert!(efw["id"].as_str().expect("id").starts_with("issfr_"));
    assert_eq!(efw["fraud_type"], "card_never_received");
    assert_eq!(efw["actionable"], true);
    let (s, e) = api
        .json(
            &format!("/_sim/charges/{charge}/early_fraud_warning"),
            json!({"fraud_type": "bogus"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");

    let dp = api
        .ok(
            &format!("/_sim/charges/{charge}/dispute"),
            json!({"reason": "product_not_received"}),
        )
        .await;
    assert!(dp["id"].as_str().expect("id").starts_with("dp_"));
    assert_eq!(dp["reason"], "product_not_received");
    assert_eq!(dp["status"], "needs_response");
    assert_eq!(api.events("charge.dispute.created").await.len(), 1);
    assert_eq!(api.events("charge.dispute.funds_withdrawn").await.len(), 1);
    assert_eq!(
        api.events("radar.early_fraud_warning.updated").await.len(),
        1
    );

    // An inquiry on another charge.
    let s2 = api.subscribe(&price, "4242424242424242", None).await;
    let ch2 = charge_of(&api, s2["customer"].as_str().expect("cus")).await;
    let inquiry = api
        .ok(
            &format!("/_sim/charges/{ch2}/dispute"),
            json!({"reason": "general", "inquiry": true}),
        )
        .await;
    assert_eq!(inquiry["status"], "warning_needs_response");

    // Payment outcomes per customer.
    let (s, e) = api
        .json(
            &format!("/_sim/customers/{customer}/payments"),
            json!({"next_payments": "sometimes"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let v = api
        .ok(
            &format!("/_sim/customers/{customer}/payments"),
            json!({"next_payments": "fail"}),
        )
        .await;
    assert_eq!(v["next_payments"], "fail");
    let (s, session) = api
        .post(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("line_items[0][price]", &price),
                ("success_url", "https://app.example/ok"),
                ("customer", &customer),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let cs = session["id"].as_str().expect("id");
    let (s, e) = api
        .json(
            &format!("/_sim/checkout/sessions/{cs}/pay"),
            json!({"card_number": "4242424242424242"}),
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{e}");
    // The decline twin of the page.
    let d = api
        .ok(&format!("/_sim/checkout/sessions/{cs}/decline"), json!({}))
        .await;
    assert_eq!(d["error"]["decline_code"], "generic_decline");
    let (_, still) = api.get(&format!("/v1/checkout/sessions/{cs}")).await;
    assert_eq!(still["status"], "open");
}

#[tokio::test]
async fn trigger_makes_each_handled_event_happen() {
    let sim = sim().await;
    for event in [
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_succeeded",
        "invoice.payment_failed",
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "radar.early_fraud_warning.created",
        "radar.early_fraud_warning.updated",
    ] {
        let api = Api::new(&sim);
        let (s, v) = api.json("/_sim/trigger", json!({"event": event})).await;
        assert_eq!(s, StatusCode::OK, "{event}: {v}");
        let ids = v["events"].as_array().expect("events");
        assert!(!ids.is_empty(), "{event}");
        let (_, ev) = api
            .get(&format!("/v1/events/{}", ids[0].as_str().expect("id")))
            .await;
        assert_eq!(ev["type"], event);
        if event == "invoice.payment_failed" {
            assert_eq!(ev["data"]["object"]["billing_reason"], "subscription_cycle");
            let sub = v["objects"]["subscription"].as_str().expect("sub");
            let (_, sub) = api.get(&format!("/v1/subscriptions/{sub}")).await;
            assert_eq!(sub["status"], "past_due");
        }
        if event == "charge.dispute.closed" {
            assert_eq!(ev["data"]["object"]["status"], "lost");
        }
    }
}

async fn portal_setup(api: &Api, cancel_mode: &str) -> (String, String, String, Value) {
    let (_, basic) = api.price("Basic <b>", "2000").await;
    let (pro_product, pro) = api.price("Pro", "5000").await;
    let basic_product = {
        let (_, p) = api.get(&format!("/v1/prices/{basic}")).await;
        p["product"].as_str().expect("prod").to_string()
    };
    let session = api.subscribe(&basic, "4242424242424242", None).await;
    let customer = session["customer"].as_str().expect("cus").to_string();
    let (s, cfg) = api
        .post(
            "/v1/billing_portal/configurations",
            &[
                ("features[subscription_cancel][enabled]", "true"),
                ("features[subscription_cancel][mode]", cancel_mode),
                ("features[payment_method_update][enabled]", "true"),
                ("features[invoice_history][enabled]", "true"),
                ("features[subscription_update][enabled]", "true"),
                (
                    "features[subscription_update][default_allowed_updates][0]",
                    "price",
                ),
                (
                    "features[subscription_update][products][0][product]",
                    &basic_product,
                ),
                (
                    "features[subscription_update][products][0][prices][0]",
                    &basic,
                ),
                (
                    "features[subscription_update][products][1][product]",
                    &pro_product,
                ),
                (
                    "features[subscription_update][products][1][prices][0]",
                    &pro,
                ),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cfg}");
    let (s, bps) = api
        .post(
            "/v1/billing_portal/sessions",
            &[
                ("customer", &customer),
                ("return_url", "https://app.example/account?a=1&b=2"),
                ("configuration", cfg["id"].as_str().expect("id")),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{bps}");
    (
        bps["id"].as_str().expect("id").to_string(),
        pro,
        customer,
        session,
    )
}

#[tokio::test]
async fn the_portal_page_shows_the_subscription_and_acts_with_stripes_events() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (bps, pro, customer, session) = portal_setup(&api, "at_period_end").await;
    let sub_id = session["subscription"].as_str().expect("sub").to_string();
    let (_, bps_obj) = api.get(&format!("/_sim/portal/sessions/{bps}")).await;
    let url = bps_obj["session"]["url"].as_str().expect("url").to_string();
    assert_eq!(url, format!("{}/p/session/{bps}", api.base));
    let http = client();
    let html = http
        .get(&url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Basic &lt;b&gt;"), "escaped product name");
    assert!(!html.contains("Basic <b>"));
    assert!(html.contains("$20.00"));
    assert!(html.contains("paid"), "invoice history");
    assert!(html.contains("href=\"https://app.example/account?a=1&amp;b=2\""));
    assert!(html.contains(&pro), "plan switch offers the other price");

    let form = |pairs: &[(&str, &str)]| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    let post = |action: &str, body: String| {
        http.post(format!("{url}/{action}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };

    // A declining card is refused and changes nothing.
    let before = api.events("payment_method.attached").await.len();
    let r = post("update_card", form(&[("card_number", "4000000000000002")]))
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 402);
    assert!(r.text().await.expect("t").contains("declined"));
    assert_eq!(api.events("payment_method.attached").await.len(), before);

    // A good card: payment_method.attached + customer.updated.
    let r = post("update_card", form(&[("card_number", "5555555555554444")]))
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        api.events("payment_method.attached").await.len(),
        before + 1
    );
    let cu = api.events("customer.updated").await;
    let last = cu.last().expect("customer.updated");
    let pm = last["data"]["object"]["invoice_settings"]["default_payment_method"]
        .as_str()
        .expect("pm")
        .to_string();
    assert_eq!(last["data"]["object"]["id"], customer.as_str());
    let (_, pm_obj) = api.get(&format!("/v1/payment_methods/{pm}")).await;
    assert_eq!(pm_obj["card"]["last4"], "4444");
    assert_eq!(pm_obj["customer"], customer.as_str());

    // Plan switch: customer.subscription.updated with the new price.
    let r = post(
        "switch_plan",
        form(&[("subscription", &sub_id), ("price", &pro)]),
    )
    .await
    .expect("post");
    assert_eq!(r.status().as_u16(), 303);
    let upd = api.events("customer.subscription.updated").await;
    let last = upd.last().expect("updated");
    assert_eq!(
        last["data"]["object"]["items"]["data"][0]["price"]["id"],
        pro.as_str()
    );
    assert!(last["data"]["previous_attributes"]["items"].is_object());
    // A price the portal does not offer.
    let r = post("switch_plan", form(&[("price", "price_elsewhere")]))
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 400);

    // Cancel at period end.
    let r = post("cancel", form(&[("subscription", &sub_id)]))
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 303);
    let upd = api.events("customer.subscription.updated").await;
    let sub = &upd.last().expect("updated")["data"]["object"];
    assert_eq!(sub["cancel_at_period_end"], true);
    assert_eq!(sub["status"], "active");
    assert!(sub["cancel_at"].is_i64() && sub["canceled_at"].is_i64());
    assert_eq!(
        sub["cancellation_details"]["reason"],
        "cancellation_requested"
    );
    let html = http
        .get(&url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("will be canceled on"));
    assert!(api.events("customer.subscription.deleted").await.is_empty());
}

#[tokio::test]
async fn the_portal_twin_cancels_immediately_when_configured_so() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (bps, _, _, session) = portal_setup(&api, "immediately").await;
    let view = api.get(&format!("/_sim/portal/sessions/{bps}")).await.1;
    assert_eq!(view["cancel_mode"], "immediately");
    let (s, e) = api
        .json(
            &format!("/_sim/portal/sessions/{bps}/update_card"),
            json!({"card_number": "4000000000009995"}),
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{e}");
    assert_eq!(e["error"]["decline_code"], "insufficient_funds");
    let sub = api
        .ok(&format!("/_sim/portal/sessions/{bps}/cancel"), json!({}))
        .await;
    assert_eq!(sub["status"], "canceled");
    assert_eq!(sub["id"], session["subscription"]);
    let deleted = api.events("customer.subscription.deleted").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        deleted[0]["data"]["object"]["cancellation_details"]["reason"],
        "cancellation_requested"
    );
    let (s, _) = api
        .json(&format!("/_sim/portal/sessions/{bps}/cancel"), json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "nothing left to cancel");
}

#[tokio::test]
async fn state_survives_a_restart_and_a_corrupt_file_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!(
        "stripe-sim-state-{}",
        stripe_sim::ids::random_base62(10)
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("state.json");
    let options = SimOptions {
        state_file: Some(path.clone()),
        ..Default::default()
    };
    let sim = sim_with(options.clone()).await;
    let api = Api::new(&sim);
    let (_, price) = api.price("Basic", "2000").await;
    let session = api.subscribe(&price, "4242424242424242", None).await;
    api.ok("/_sim/clock/advance", json!({"days": 2})).await;
    let saved = api.ok("/_sim/snapshot", json!({})).await;
    assert_eq!(saved["accounts"], 1);
    let key = api.key.clone();
    sim.shutdown().await;

    let sim = sim_with(options.clone()).await;
    let api2 = Api {
        key,
        ..Api::new(&sim)
    };
    let sub = session["subscription"].as_str().expect("sub");
    let (s, got) = api2.get(&format!("/v1/subscriptions/{sub}")).await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["status"], "active");
    assert!(
        api2.get("/_sim/clock").await.1["offset"]
            .as_i64()
            .expect("o")
            >= 2 * 86_400 - 5
    );
    // Renewals still work on the loaded state.
    api2.ok("/_sim/clock/advance", json!({"days": 31})).await;
    let (_, got) = api2.get(&format!("/v1/subscriptions/{sub}")).await;
    assert_ne!(got["latest_invoice"], session["invoice"]);
    sim.shutdown().await;

    std::fs::write(&path, b"{\"stripe_sim_snapshot\": 1, \"accounts\": [").expect("write");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let err = stripe_sim::start(listener, options)
        .await
        .expect_err("corrupt");
    let msg = err.to_string();
    assert!(
        msg.contains("state.json") && msg.contains("not a valid"),
        "{msg}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_fraud_type_of_test_warnings_is_an_account_setting() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let default = api.ok("/_sim/settings/fraud_type", json!({})).await;
    assert_eq!(default["fraud_type"], "made_with_stolen_card", "{default}");
    let set = api
        .ok(
            "/_sim/settings/fraud_type",
            json!({"fraud_type": "card_never_received"}),
        )
        .await;
    assert_eq!(set["fraud_type"], "card_never_received");
    let (s, e) = api
        .json(
            "/_sim/settings/fraud_type",
            json!({"fraud_type": "bad_luck"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["param"], "fraud_type", "{e}");

    let (_, price) = api.price("Flagged", "900").await;
    api.subscribe(&price, "4000000000005423", None).await;
    let (_, warnings) = api.get("/v1/radar/early_fraud_warnings").await;
    let warning = &warnings["data"][0];
    assert_eq!(warning["fraud_type"], "card_never_received", "{warnings}");
}
