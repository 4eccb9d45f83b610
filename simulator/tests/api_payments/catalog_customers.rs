//! Deleting products and customers, customers on test clocks.

use axum::http::StatusCode;

use super::common::*;

#[tokio::test]
async fn deleted_products_and_customers_on_test_clocks() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let lone = api.ok("/v1/products", &[("name", "Lone")]).await;
    let path = format!("/v1/products/{}", id(&lone));
    let (s, v) = api.send(reqwest::Method::DELETE, &path, &[]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deleted"], true);
    assert_eq!(api.get_ok(&path).await["deleted"], true);
    let (s, _) = api.send(reqwest::Method::DELETE, &path, &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (product, _) = price(&api, "100").await;
    let (s, v) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/products/{product}"),
            &[],
        )
        .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a product with prices stays: {v}"
    );
    let deleted = api.get_ok("/v1/events?type=product.deleted").await;
    assert_eq!(deleted["data"][0]["data"]["object"]["id"], lone["id"]);

    // Deleting a customer cancels its live subscriptions; its cards are listed under it.
    let (cus, pm) = customer_with_card(&api, "pm_card_visa").await;
    let (_, price_id) = price(&api, "900").await;
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[("customer", &cus), ("items[0][price]", &price_id)],
        )
        .await;
    let pms = api
        .get_ok(&format!("/v1/customers/{cus}/payment_methods?type=card"))
        .await;
    assert_eq!(pms["data"][0]["id"], pm.as_str());
    assert_eq!(pms["url"], format!("/v1/customers/{cus}/payment_methods"));
    let (s, _) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/customers/{cus}"),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let gone = api.get_ok(&format!("/v1/subscriptions/{}", id(&sub))).await;
    assert_eq!(gone["status"], "canceled");
    let types = api.event_types().await;
    let n = types.len();
    assert_eq!(
        &types[n - 2..],
        ["customer.subscription.deleted", "customer.deleted"]
    );
    let (s, _) = api
        .get(&format!("/v1/customers/{cus}/payment_methods"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A customer joins an existing test clock at creation and takes its time.
    let clock = api
        .ok(
            "/v1/test_helpers/test_clocks",
            &[("frozen_time", "1800000000")],
        )
        .await;
    let cus = api
        .ok(
            "/v1/customers",
            &[("email", "t@example.com"), ("test_clock", &id(&clock))],
        )
        .await;
    assert_eq!(cus["test_clock"], clock["id"]);
    assert_eq!(cus["created"], 1_800_000_000);
    let on_clock = api
        .get_ok(&format!("/v1/customers?test_clock={}", id(&clock)))
        .await;
    assert_eq!(on_clock["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(on_clock["data"][0]["id"], cus["id"]);
    let (s, v) = api
        .post("/v1/customers", &[("test_clock", "clock_missing")])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    sim.shutdown().await;
}
