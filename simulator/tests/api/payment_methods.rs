//! Payment methods and subscription changes over HTTP.

use axum::http::StatusCode;
use serde_json::Value;

use super::common::*;

#[tokio::test]
async fn payment_methods_and_subscription_changes() {
    let sim = sim().await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (_, cus) = api
        .post("/v1/customers", &[("email", "pm@example.com")])
        .await;
    let cus_id = cus["id"].as_str().expect("id").to_string();

    // Declining cards are refused at attach; 0341 attaches.
    let (s, pm) = api
        .post(
            "/v1/payment_methods",
            &[("type", "card"), ("card[number]", "4000000000000002")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
    let (s, err) = api
        .post(
            &format!(
                "/v1/payment_methods/{}/attach",
                pm["id"].as_str().expect("id")
            ),
            &[("customer", &cus_id)],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["code"], "card_declined");
    let (s, err) = api
        .post(
            "/v1/payment_methods",
            &[("type", "card"), ("card[number]", "4242424242424241")],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["code"], "incorrect_number");
    let (s, pm) = api
        .post(
            "/v1/payment_methods/pm_card_chargeCustomerFail/attach",
            &[("customer", &cus_id)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{pm}");
    assert_eq!(pm["card"]["last4"], "0341");
    assert_eq!(pm["customer"], cus_id.as_str());
    let pm_id = pm["id"].as_str().expect("id");
    let (s, cus) = api
        .post(
            &format!("/v1/customers/{cus_id}"),
            &[("invoice_settings[default_payment_method]", pm_id)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cus}");
    assert_eq!(cus["invoice_settings"]["default_payment_method"], pm_id);
    let (_, list) = api
        .get(&format!("/v1/payment_methods?customer={cus_id}"))
        .await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));

    // Subscription updates and cancellation.
    let session_id = setup_session(&api).await;
    let (_, _) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    let sub_id = session["subscription"].as_str().expect("sub").to_string();
    let (s, sub) = api
        .post(
            &format!("/v1/subscriptions/{sub_id}"),
            &[("cancel_at_period_end", "true")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["cancel_at_period_end"], true);
    assert_eq!(
        sub["cancel_at"],
        sub["items"]["data"][0]["current_period_end"]
    );
    assert_eq!(
        sub["cancellation_details"]["reason"],
        "cancellation_requested"
    );
    let (_, evs) = api
        .get("/v1/events?type=customer.subscription.updated&limit=1")
        .await;
    assert_eq!(
        evs["data"][0]["data"]["previous_attributes"]["cancel_at_period_end"],
        false
    );
    let r = api
        .http
        .delete(format!("{}/v1/subscriptions/{sub_id}", sim.base_url))
        .bearer_auth(&api.key)
        .send()
        .await
        .expect("cancel");
    assert_eq!(r.status().as_u16(), 200);
    let sub: Value = r.json().await.expect("json");
    assert_eq!(sub["status"], "canceled");
    let (_, evs) = api
        .get("/v1/events?type=customer.subscription.deleted")
        .await;
    assert_eq!(evs["data"][0]["data"]["object"]["id"], sub_id.as_str());
    let (_, active) = api.get("/v1/subscriptions").await;
    assert_eq!(active["data"].as_array().map(Vec::len), Some(0));
    let (_, all) = api.get("/v1/subscriptions?status=all").await;
    assert_eq!(all["data"].as_array().map(Vec::len), Some(1));
    sim.shutdown().await;
}
