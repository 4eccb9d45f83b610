//! The legacy Charges API over HTTP: charges from tokens and customer sources, declines,
//! authorise-then-capture, refunds by charge, lists, and Stripe-shaped errors for bad input.

use crate::api_common;

use api_common::{Api, id, sim};
use axum::http::StatusCode;

#[tokio::test]
async fn a_token_charge_succeeds_and_a_declined_one_is_stored_failed() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let ch = api
        .ok(
            "/v1/charges",
            &[
                ("amount", "2000"),
                ("currency", "USD"),
                ("source", "tok_mastercard"),
                ("description", "legacy"),
                ("metadata[order]", "42"),
            ],
        )
        .await;
    assert_eq!(ch["object"], "charge");
    assert_eq!(ch["status"], "succeeded");
    assert_eq!(ch["paid"], true);
    assert_eq!(ch["captured"], true);
    assert_eq!(ch["amount_captured"], 2000);
    assert_eq!(ch["currency"], "usd");
    assert_eq!(ch["payment_intent"], serde_json::Value::Null);
    assert_eq!(ch["source"]["object"], "card");
    assert_eq!(ch["source"]["brand"], "MasterCard");
    assert_eq!(ch["source"]["last4"], "4444");
    assert_eq!(ch["payment_method"], ch["source"]["id"]);
    assert_eq!(ch["payment_method_details"]["card"]["brand"], "mastercard");
    assert_eq!(ch["metadata"]["order"], "42");
    assert_eq!(ch["description"], "legacy");
    assert_eq!(api.event_types().await, ["charge.succeeded"]);

    let (s, err) = api
        .post(
            "/v1/charges",
            &[
                ("amount", "2000"),
                ("currency", "usd"),
                ("source", "tok_visa_chargeDeclinedInsufficientFunds"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["type"], "card_error");
    assert_eq!(err["error"]["code"], "card_declined");
    assert_eq!(err["error"]["decline_code"], "insufficient_funds");
    let failed_id = err["error"]["charge"]
        .as_str()
        .expect("charge id")
        .to_string();
    let failed = api.get_ok(&format!("/v1/charges/{failed_id}"), &[]).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["paid"], false);
    assert_eq!(failed["failure_code"], "card_declined");
    assert_eq!(failed["outcome"]["type"], "issuer_declined");
    assert_eq!(failed["outcome"]["reason"], "insufficient_funds");
    assert_eq!(
        api.event_types().await,
        ["charge.succeeded", "charge.failed"]
    );

    // A refund of the failed charge is refused; of the good one it works by charge.
    let (s, _) = api
        .post(&format!("/v1/charges/{failed_id}/refunds"), &[])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let re = api
        .ok(
            &format!("/v1/charges/{}/refunds", id(&ch)),
            &[("amount", "500")],
        )
        .await;
    assert_eq!(re["object"], "refund");
    assert_eq!(re["amount"], 500);
    assert_eq!(re["charge"], id(&ch));
    let re2 = api.ok("/v1/refunds", &[("charge", &id(&ch))]).await;
    assert_eq!(re2["amount"], 1500, "the rest");
    let after = api.get_ok(&format!("/v1/charges/{}", id(&ch)), &[]).await;
    assert_eq!(after["amount_refunded"], 2000);
    assert_eq!(after["refunded"], true);
    let listed = api
        .get_ok(&format!("/v1/charges/{}/refunds", id(&ch)), &[])
        .await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(listed["data"][0]["id"], id(&re2), "newest first");
    let (s, e) = api.post("/v1/refunds", &[("charge", &id(&ch))]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["code"], "charge_already_refunded");
    let t = api.event_types().await;
    assert_eq!(
        &t[2..],
        [
            "charge.refunded",
            "refund.created",
            "charge.refunded",
            "refund.created"
        ]
    );
}

#[tokio::test]
async fn authorise_then_capture_in_full_or_in_part() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let auth = api
        .ok(
            "/v1/charges",
            &[
                ("amount", "3000"),
                ("currency", "usd"),
                ("source", "tok_visa"),
                ("capture", "false"),
            ],
        )
        .await;
    assert_eq!(auth["status"], "succeeded");
    assert_eq!(auth["captured"], false);
    assert_eq!(auth["amount_captured"], 0);
    assert_eq!(auth["balance_transaction"], serde_json::Value::Null);
    let path = format!("/v1/charges/{}/capture", id(&auth));
    let (s, e) = api.post(&path, &[("amount", "3001")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["param"], "amount");
    let cap = api.ok(&path, &[("amount", "2500")]).await;
    assert_eq!(cap["captured"], true);
    assert_eq!(cap["amount_captured"], 2500);
    assert_eq!(cap["amount_refunded"], 500, "the rest is released");
    assert!(cap["balance_transaction"].is_string());
    let (s, e) = api.post(&path, &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["code"], "charge_already_captured");
    assert_eq!(
        api.event_types().await,
        ["charge.succeeded", "charge.captured"]
    );
    let ev = api
        .get_ok("/v1/events", &[("type", "charge.captured")])
        .await;
    assert_eq!(
        ev["data"][0]["data"]["previous_attributes"]["captured"],
        false
    );

    // A dispute card disputes once captured, not at authorisation.
    let auth = api
        .ok(
            "/v1/charges",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("source", "tok_createDispute"),
                ("capture", "false"),
            ],
        )
        .await;
    let none = api.get_ok("/v1/disputes", &[("charge", &id(&auth))]).await;
    assert_eq!(none["data"].as_array().map(Vec::len), Some(0));
    api.ok(&format!("/v1/charges/{}/capture", id(&auth)), &[])
        .await;
    let disputes = api.get_ok("/v1/disputes", &[("charge", &id(&auth))]).await;
    assert_eq!(disputes["data"][0]["reason"], "fraudulent");
}

#[tokio::test]
async fn customer_sources_default_source_and_lists() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let cus = api
        .ok("/v1/customers", &[("email", "ana@example.com")])
        .await;
    let cus_id = id(&cus);
    let (s, e) = api
        .post(
            "/v1/charges",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("customer", &cus_id),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{e}");
    assert_eq!(e["error"]["code"], "missing");
    let (s, e) = api
        .post(
            &format!("/v1/customers/{cus_id}/sources"),
            &[("source", "tok_chargeDeclined")],
        )
        .await;
    assert_eq!(
        s,
        StatusCode::PAYMENT_REQUIRED,
        "declining cards are refused: {e}"
    );
    let card = api
        .ok(
            &format!("/v1/customers/{cus_id}/sources"),
            &[("source", "tok_amex")],
        )
        .await;
    assert_eq!(card["object"], "card");
    assert_eq!(card["customer"], cus_id.as_str());
    assert_eq!(card["brand"], "American Express");
    let second = api
        .ok(
            &format!("/v1/customers/{cus_id}/sources"),
            &[("source", "tok_visa")],
        )
        .await;
    let c = api.get_ok(&format!("/v1/customers/{cus_id}"), &[]).await;
    assert_eq!(
        c["default_source"],
        id(&card),
        "the first card is the default"
    );
    let sources = api
        .get_ok(
            &format!("/v1/customers/{cus_id}/sources"),
            &[("object", "card")],
        )
        .await;
    assert_eq!(sources["data"].as_array().map(Vec::len), Some(2));
    let one = api
        .get_ok(
            &format!("/v1/customers/{cus_id}/sources/{}", id(&second)),
            &[],
        )
        .await;
    assert_eq!(one["last4"], "4242");

    // The default source pays; an explicit card of the customer pays too.
    let ch1 = api
        .ok(
            "/v1/charges",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("customer", &cus_id),
            ],
        )
        .await;
    assert_eq!(ch1["source"]["id"], id(&card));
    assert_eq!(ch1["customer"], cus_id.as_str());
    let ch2 = api
        .ok(
            "/v1/charges",
            &[
                ("amount", "1200"),
                ("currency", "usd"),
                ("customer", &cus_id),
                ("source", &id(&second)),
            ],
        )
        .await;
    assert_eq!(ch2["payment_method_details"]["card"]["last4"], "4242");
    // Someone else's charge is not in this customer's list.
    api.ok(
        "/v1/charges",
        &[
            ("amount", "900"),
            ("currency", "usd"),
            ("source", "tok_visa"),
        ],
    )
    .await;
    let mine = api
        .get_ok("/v1/charges", &[("customer", &cus_id), ("limit", "1")])
        .await;
    assert_eq!(mine["data"][0]["id"], id(&ch2), "newest first");
    assert_eq!(mine["has_more"], true);
    let next = api
        .get_ok(
            "/v1/charges",
            &[("customer", &cus_id), ("starting_after", &id(&ch2))],
        )
        .await;
    let ids: Vec<&str> = next["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [id(&ch1).as_str()]);
    assert_eq!(next["has_more"], false);

    // Deleting the default moves it to the remaining card.
    let del = api
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/customers/{cus_id}/sources/{}", id(&card)),
            &[],
        )
        .await;
    assert_eq!(del.0, StatusCode::OK);
    assert_eq!(del.1["deleted"], true);
    let c = api.get_ok(&format!("/v1/customers/{cus_id}"), &[]).await;
    assert_eq!(c["default_source"], id(&second));
    let t = api.event_types().await;
    assert!(t.contains(&"customer.source.created".to_string()), "{t:?}");
    assert!(t.contains(&"customer.source.deleted".to_string()), "{t:?}");

    // Another customer's card cannot be used.
    let other = api.ok("/v1/customers", &[]).await;
    let (s, e) = api
        .post(
            "/v1/charges",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("customer", &id(&other)),
                ("source", &id(&second)),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["param"], "source");
}

/// A bad `POST /v1/charges` form, with the status, `param` and `code` Stripe answers.
type BadCase = (
    &'static [(&'static str, &'static str)],
    StatusCode,
    &'static str,
    Option<&'static str>,
);

#[tokio::test]
async fn bad_input_gets_stripe_shaped_errors() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let cases: &[BadCase] = &[
        (
            &[("currency", "usd"), ("source", "tok_visa")],
            StatusCode::BAD_REQUEST,
            "amount",
            Some("parameter_missing"),
        ),
        (
            &[("amount", "1000"), ("source", "tok_visa")],
            StatusCode::BAD_REQUEST,
            "currency",
            Some("parameter_missing"),
        ),
        (
            &[
                ("amount", "10"),
                ("currency", "usd"),
                ("source", "tok_visa"),
            ],
            StatusCode::BAD_REQUEST,
            "amount",
            Some("amount_too_small"),
        ),
        (
            &[
                ("amount", "ten"),
                ("currency", "usd"),
                ("source", "tok_visa"),
            ],
            StatusCode::BAD_REQUEST,
            "amount",
            None,
        ),
        (
            &[
                ("amount", "1000"),
                ("currency", "usdollar"),
                ("source", "tok_visa"),
            ],
            StatusCode::BAD_REQUEST,
            "currency",
            Some("parameter_invalid"),
        ),
        (
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("source", "tok_nope"),
            ],
            StatusCode::BAD_REQUEST,
            "source",
            Some("resource_missing"),
        ),
        (
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("source", "card_nope"),
            ],
            StatusCode::BAD_REQUEST,
            "source",
            Some("resource_missing"),
        ),
        (
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("customer", "cus_nope"),
            ],
            StatusCode::NOT_FOUND,
            "customer",
            Some("resource_missing"),
        ),
        (
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("source", "tok_visa"),
                ("capture", "maybe"),
            ],
            StatusCode::BAD_REQUEST,
            "capture",
            None,
        ),
        (
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("source", "tok_visa"),
                ("colour", "red"),
            ],
            StatusCode::BAD_REQUEST,
            "colour",
            Some("parameter_unknown"),
        ),
    ];
    for (form, status, param, code) in cases {
        let (s, e) = api.post("/v1/charges", form).await;
        assert_eq!(s, *status, "{form:?}: {e}");
        assert_eq!(e["error"]["type"], "invalid_request_error", "{form:?}: {e}");
        assert_eq!(e["error"]["param"], *param, "{form:?}: {e}");
        if let Some(code) = code {
            assert_eq!(e["error"]["code"], *code, "{form:?}: {e}");
        }
    }
    let (s, e) = api
        .post("/v1/charges", &[("amount", "1000"), ("currency", "usd")])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no source, no customer: {e}");
    for path in ["/v1/charges/ch_nope", "/v1/charges/ch_nope/refunds"] {
        let (s, e) = api.get(path, &[]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {e}");
        assert_eq!(e["error"]["code"], "resource_missing");
    }
    let (s, e) = api.post("/v1/charges/ch_nope/capture", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let (s, e) = api
        .post("/v1/customers/cus_nope/sources", &[("source", "tok_visa")])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    let cus = api.ok("/v1/customers", &[]).await;
    let (s, e) = api
        .post(&format!("/v1/customers/{}/sources", id(&cus)), &[])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["code"], "parameter_missing");
    let (s, e) = api
        .get(
            &format!("/v1/customers/{}/sources/card_nope", id(&cus)),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert!(
        api.event_types()
            .await
            .iter()
            .all(|t| t == "customer.created")
    );
}
