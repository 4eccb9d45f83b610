//! Stripe test clocks: the API, their 400s, and customers following their clock.

use crate::time_common;

use axum::http::StatusCode;
use serde_json::{Value, json};
use time_common::{Api, sim};

async fn clock(api: &Api, frozen: i64) -> Value {
    let (s, c) = api
        .post(
            "/v1/test_helpers/test_clocks",
            &[
                ("frozen_time", &frozen.to_string()),
                ("name", "Annual plan"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    c
}

#[tokio::test]
async fn test_clock_api_and_its_errors() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let t0 = 1_780_000_000;
    let c = clock(&api, t0).await;
    let id = c["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("clock_"));
    assert_eq!(c["object"], "test_helpers.test_clock");
    assert_eq!(c["status"], "ready");
    assert_eq!(c["frozen_time"], t0);
    assert_eq!(c["name"], "Annual plan");
    assert_eq!(
        c["deletes_after"].as_i64().expect("da") - c["created"].as_i64().expect("c"),
        30 * 86_400
    );
    let (s, got) = api.get(&format!("/v1/test_helpers/test_clocks/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["id"], id.as_str());
    let (_, list) = api.get("/v1/test_helpers/test_clocks").await;
    assert_eq!(list["data"][0]["id"], id.as_str());
    assert_eq!(list["url"], "/v1/test_helpers/test_clocks");

    // Missing / bad parameters.
    let (s, e) = api.post("/v1/test_helpers/test_clocks", &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["code"], "parameter_missing");
    assert_eq!(e["error"]["param"], "frozen_time");
    let (s, e) = api
        .post("/v1/test_helpers/test_clocks", &[("frozen_time", "soon")])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");

    // Backwards or standing still: 400 on frozen_time.
    for t in [t0 - 1, t0] {
        let (s, e) = api
            .post(
                &format!("/v1/test_helpers/test_clocks/{id}/advance"),
                &[("frozen_time", &t.to_string())],
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
        assert_eq!(e["error"]["type"], "invalid_request_error");
        assert_eq!(e["error"]["param"], "frozen_time");
    }

    // Forward: the answer shows `advancing`, the clock is `ready` right after.
    let (s, adv) = api
        .post(
            &format!("/v1/test_helpers/test_clocks/{id}/advance"),
            &[("frozen_time", &(t0 + 3600).to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{adv}");
    assert_eq!(adv["status"], "advancing");
    let (_, got) = api.get(&format!("/v1/test_helpers/test_clocks/{id}")).await;
    assert_eq!(got["status"], "ready");
    assert_eq!(got["frozen_time"], t0 + 3600);
    assert_eq!(
        api.events("test_helpers.test_clock.advancing").await.len(),
        1
    );
    assert_eq!(api.events("test_helpers.test_clock.ready").await.len(), 1);

    // Deleted: 404 on retrieve, 400 on advance.
    let (s, d) = api
        .delete(&format!("/v1/test_helpers/test_clocks/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["deleted"], true);
    let (s, e) = api.get(&format!("/v1/test_helpers/test_clocks/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["error"]["code"], "resource_missing");
    let (s, e) = api
        .post(
            &format!("/v1/test_helpers/test_clocks/{id}/advance"),
            &[("frozen_time", &(t0 + 7200).to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("deleted")
    );
    let (s, _) = api
        .post(
            "/v1/test_helpers/test_clocks/clock_nope/advance",
            &[("frozen_time", &(t0 + 7200).to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn customers_on_a_clock_renew_with_it_and_not_with_the_account_clock() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let now = api.get("/_sim/clock").await.1["now"].as_i64().expect("now");
    let c = clock(&api, now).await;
    let clock_id = c["id"].as_str().expect("id").to_string();
    let (s, cus) = api
        .post(
            "/v1/customers",
            &[("email", "clock@example.com"), ("test_clock", &clock_id)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cus}");
    assert_eq!(cus["test_clock"], clock_id.as_str());
    let cus_id = cus["id"].as_str().expect("id").to_string();
    let (_, price) = api.price("Basic", "2000").await;
    let session = api
        .subscribe(&price, "4242424242424242", Some(&cus_id))
        .await;
    let sub_id = session["subscription"].as_str().expect("sub").to_string();
    let (_, sub) = api.get(&format!("/v1/subscriptions/{sub_id}")).await;
    let end = sub["items"]["data"][0]["current_period_end"]
        .as_i64()
        .expect("end");

    // More than two intervals (months) past the clock: 400.
    let three_months =
        stripe_sim::time::clock::add_interval(now, stripe_sim::time::clock::Interval::Month, 2) + 1;
    let (s, e) = api
        .post(
            &format!("/v1/test_helpers/test_clocks/{clock_id}/advance"),
            &[("frozen_time", &three_months.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("m")
            .contains("two intervals"),
        "{e}"
    );

    // The account clock does not move the clock's customers.
    api.ok("/_sim/clock/advance", json!({"days": 40})).await;
    let (_, sub) = api.get(&format!("/v1/subscriptions/{sub_id}")).await;
    assert_eq!(
        sub["items"]["data"][0]["current_period_end"].as_i64(),
        Some(end)
    );

    // The test clock does: renewal at its time.
    let (s, adv) = api
        .post(
            &format!("/v1/test_helpers/test_clocks/{clock_id}/advance"),
            &[("frozen_time", &(end + 2 * 3600).to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{adv}");
    let (_, sub) = api.get(&format!("/v1/subscriptions/{sub_id}")).await;
    assert_eq!(
        sub["items"]["data"][0]["current_period_start"].as_i64(),
        Some(end)
    );
    let (_, inv) = api
        .get(&format!(
            "/v1/invoices/{}",
            sub["latest_invoice"].as_str().expect("inv")
        ))
        .await;
    assert_eq!(inv["status"], "paid");
    assert_eq!(
        inv["created"].as_i64(),
        Some(end),
        "stamped with the clock's time"
    );
    assert_eq!(inv["test_clock"], clock_id.as_str());

    // Deleting the clock deletes its customers.
    api.delete(&format!("/v1/test_helpers/test_clocks/{clock_id}"))
        .await;
    let (_, cus) = api.get(&format!("/v1/customers/{cus_id}")).await;
    assert_eq!(cus["deleted"], true, "{cus}");
}

#[tokio::test]
async fn checkout_for_a_customer_on_a_test_clock_bills_from_the_clocks_time() {
    let sim = sim().await;
    let api = Api::new(&sim);
    // A clock frozen a year ago: the subscription must start then, not at wall-clock time.
    let t0 = 1_750_000_000;
    let c = clock(&api, t0).await;
    let clock_id = c["id"].as_str().expect("id").to_string();
    let (s, customer) = api
        .post(
            "/v1/customers",
            &[("email", "clock@example.com"), ("test_clock", &clock_id)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{customer}");
    let customer_id = customer["id"].as_str().expect("id").to_string();
    let (_, price) = api.price("Clocked", "900").await;
    let session = api
        .subscribe(&price, "4242424242424242", Some(&customer_id))
        .await;
    let sub_id = session["subscription"].as_str().expect("subscription");
    let (_, sub) = api.get(&format!("/v1/subscriptions/{sub_id}")).await;
    assert_eq!(sub["test_clock"], clock_id.as_str(), "{sub}");
    assert_eq!(sub["items"]["data"][0]["current_period_start"], t0, "{sub}");
    assert_eq!(sub["created"], t0, "{sub}");
}
