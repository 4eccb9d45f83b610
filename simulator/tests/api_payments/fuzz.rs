//! Bad input on every route: random bodies never give a 5xx or a non-JSON answer, and
//! errors are Stripe-shaped.

use axum::http::StatusCode;
use serde_json::Value;

use super::common::*;

/// Every route, every method it has: random form bodies and query strings never produce a
/// 5xx or a non-JSON answer, and every error is Stripe-shaped.
#[tokio::test]
async fn fuzz_every_route() {
    let sim = sim().await;
    let api = Api::new(&sim);
    // Real ids so `{id}` routes reach their handlers, not only the 404 path.
    let pi = paid_intent(&api, "pm_card_createDispute").await;
    let ch = pi["latest_charge"].as_str().expect("ch").to_string();
    let dp = api.get_ok("/v1/disputes").await["data"][0]["id"]
        .as_str()
        .expect("dp")
        .to_string();
    let (cus, _) = customer_with_card(&api, "pm_card_visa").await;
    let (product, price) = price(&api, "700").await;
    let routes: Vec<(&str, String)> = vec![
        ("POST", "/v1/products".into()),
        ("GET", "/v1/products".into()),
        ("POST", format!("/v1/products/{product}")),
        ("POST", "/v1/prices".into()),
        ("GET", "/v1/prices".into()),
        ("POST", format!("/v1/prices/{price}")),
        ("POST", "/v1/customers".into()),
        ("GET", "/v1/customers".into()),
        ("POST", format!("/v1/customers/{cus}")),
        ("POST", "/v1/payment_methods".into()),
        ("GET", "/v1/payment_methods".into()),
        ("POST", "/v1/payment_methods/pm_card_visa/attach".into()),
        ("POST", "/v1/payment_methods/pm_x/detach".into()),
        ("POST", "/v1/payment_intents".into()),
        ("GET", "/v1/payment_intents".into()),
        ("POST", format!("/v1/payment_intents/{}", id(&pi))),
        ("POST", format!("/v1/payment_intents/{}/confirm", id(&pi))),
        ("POST", format!("/v1/payment_intents/{}/cancel", id(&pi))),
        ("GET", "/v1/charges".into()),
        ("POST", "/v1/refunds".into()),
        ("GET", "/v1/refunds".into()),
        ("GET", "/v1/disputes".into()),
        ("POST", format!("/v1/disputes/{dp}")),
        ("POST", format!("/v1/disputes/{dp}/close")),
        ("GET", "/v1/radar/early_fraud_warnings".into()),
        ("POST", "/v1/subscriptions".into()),
        ("GET", "/v1/subscriptions".into()),
        ("GET", "/v1/invoices".into()),
        ("POST", "/v1/invoices/in_x/pay".into()),
        ("POST", "/v1/invoices/in_x/void".into()),
        ("POST", "/v1/checkout/sessions".into()),
        ("GET", "/v1/checkout/sessions".into()),
        ("POST", "/v1/billing_portal/configurations".into()),
        ("GET", "/v1/billing_portal/configurations".into()),
        ("POST", "/v1/billing_portal/sessions".into()),
        ("POST", "/v1/webhook_endpoints".into()),
        ("GET", "/v1/events".into()),
        ("GET", format!("/v1/charges/{ch}")),
        ("GET", format!("/v1/payment_intents/{}", id(&pi))),
        ("GET", format!("/v1/customers/{cus}")),
        ("GET", format!("/v1/disputes/{dp}")),
        ("GET", "/v1/refunds/re_x".into()),
        ("POST", "/v1/refunds/re_x".into()),
        ("GET", "/v1/radar/early_fraud_warnings/issfr_x".into()),
        ("POST", "/v1/billing_portal/configurations/bpc_x".into()),
        ("GET", "/v1/billing_portal/configurations/bpc_x".into()),
        ("POST", "/v1/subscriptions/sub_x".into()),
        ("DELETE", "/v1/subscriptions/sub_x".into()),
        ("DELETE", "/v1/products/prod_x".into()),
        ("GET", "/v1/invoices/in_x".into()),
        ("GET", "/v1/events/evt_x".into()),
        ("GET", "/v1/checkout/sessions/cs_test_x/line_items".into()),
        ("POST", "/v1/checkout/sessions/cs_test_x/expire".into()),
    ];
    let alphabet: &[&[u8]] = &[
        b"a",
        b"[",
        b"]",
        b"0",
        b"=",
        b"&",
        b"%5B",
        b"expand",
        b"metadata",
        b"items",
        b"amount",
        b"customer",
        b"card",
        b"number",
        b"evidence",
        b"features",
        b"limit",
        b"price",
        b"-1",
        b"true",
        b"x",
        b"99999999999999999999",
        b"%FF",
        b"submit",
        b"charge",
        b"payment_intent",
    ];
    let mut seed: u64 = 11;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for round in 0..(routes.len() * 25) {
        let (method, path) = &routes[round % routes.len()];
        let mut body = Vec::new();
        for _ in 0..(next() % 14) {
            body.extend_from_slice(alphabet[next() % alphabet.len()]);
        }
        let url = if *method != "POST" {
            format!("{}{path}?{}", sim.base_url, String::from_utf8_lossy(&body))
        } else {
            format!("{}{path}", sim.base_url)
        };
        let mut rb = api
            .http
            .request(method.parse().expect("method"), url)
            .bearer_auth(&api.key);
        if *method == "POST" {
            rb = rb
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone());
        }
        let r = rb.send().await.expect("send");
        let status = r.status().as_u16();
        let v: Value = r.json().await.expect("always JSON");
        assert!(
            status < 500,
            "{method} {path} {:?} → {status} {v}",
            String::from_utf8_lossy(&body)
        );
        if status >= 400 {
            assert!(v["error"]["type"].is_string(), "{v}");
            assert!(v["error"]["message"].is_string(), "{v}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn bad_input_is_stripe_shaped_on_the_new_routes() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let long = "x".repeat(5001);
    let (s, v) = api.post("/v1/customers", &[("description", &long)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "string_too_long");
    assert_eq!(v["error"]["param"], "description");
    let (s, v) = api
        .post(
            "/v1/payment_intents",
            &[("amount", "ten"), ("currency", "usd")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "parameter_invalid_integer");
    assert_eq!(v["error"]["param"], "amount");
    let (s, v) = api
        .post(
            "/v1/payment_intents",
            &[("amount", "100"), ("currency", "usd"), ("confirm", "maybe")],
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, "parameter_invalid_boolean".into())
    );
    let (s, v) = api
        .post(
            "/v1/payment_intents",
            &[("amount[x]", "100"), ("currency", "usd")],
        )
        .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a hash where an integer belongs: {v}"
    );
    let too_many: Vec<(String, String)> = (0..51)
        .map(|i| (format!("metadata[k{i}]"), "v".to_string()))
        .collect();
    let pairs: Vec<(&str, &str)> = too_many
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain([("amount", "100"), ("currency", "usd")])
        .collect();
    let (s, v) = api.post("/v1/payment_intents", &pairs).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "51 metadata keys: {v}");
    let pi = paid_intent(&api, "pm_card_visa").await;
    let (s, v) = api
        .get(&format!("/v1/payment_intents/{}?expand[]=amount", id(&pi)))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["param"], "expand");
    let got = api
        .get_ok(&format!(
            "/v1/payment_intents/{}?expand[]=latest_charge&expand[]=customer",
            id(&pi)
        ))
        .await;
    assert_eq!(got["latest_charge"]["object"], "charge");
    let list = api
        .get_ok("/v1/charges?expand[]=data.payment_intent&limit=1")
        .await;
    assert_eq!(list["data"][0]["payment_intent"]["id"], pi["id"]);
    for path in [
        "/v1/payment_intents/pi_nope",
        "/v1/refunds/re_nope",
        "/v1/disputes/dp_nope",
        "/v1/radar/early_fraud_warnings/issfr_nope",
        "/v1/billing_portal/configurations/bpc_nope",
        "/v1/invoices/in_nope",
        "/v1/charges/ch_nope",
    ] {
        let (s, v) = api.get(path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(v["error"]["code"], "resource_missing", "{path}");
        assert_eq!(v["error"]["param"], "id", "{path}");
    }
    for path in [
        "/v1/payment_intents/pi_nope/confirm",
        "/v1/payment_intents/pi_nope/cancel",
        "/v1/disputes/dp_nope/close",
        "/v1/invoices/in_nope/pay",
        "/v1/invoices/in_nope/void",
    ] {
        let (s, v) = api.post(path, &[]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
    }
    let (s, v) = api.send(reqwest::Method::DELETE, "/v1/refunds", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        v["error"]["message"],
        "Unrecognized request URL (DELETE: /v1/refunds)."
    );
    // Idempotent replay of a card error: the stored 402 comes back, nothing is charged twice.
    let post = |key: &'static str| {
        api.http
            .post(format!("{}/v1/payment_intents", api.base))
            .bearer_auth(&api.key)
            .header("idempotency-key", key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("amount=700&currency=usd&confirm=true&payment_method=pm_card_chargeDeclined")
            .send()
    };
    let first = post("decline-1").await.expect("first");
    assert_eq!(first.status().as_u16(), 402);
    let first: Value = first.json().await.expect("json");
    let again = post("decline-1").await.expect("again");
    assert_eq!(again.status().as_u16(), 402);
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = again.json().await.expect("json");
    assert_eq!(first["error"]["charge"], again["error"]["charge"]);
    let failed = api.get_ok("/v1/events?type=charge.failed").await;
    assert_eq!(failed["data"].as_array().map(Vec::len), Some(1));
    sim.shutdown().await;
}
