//! The legacy leftovers over HTTP: card tokens (`POST /v1/tokens`), a customer's `source` /
//! `default_source` on create and update, uncaptured charges expiring after seven days of
//! simulated time (`charge.expired`), and payment-intent create keeping `receipt_email` and
//! the statement descriptors.

use crate::api_common;

use api_common::{Api, id, sim};
use axum::http::StatusCode;
use serde_json::Value;

const DAY: i64 = 86_400;

/// A form body, as pairs.
type Form<'a> = Vec<(&'a str, &'a str)>;

async fn token(api: &Api, number: &str) -> Value {
    api.ok(
        "/v1/tokens",
        &[
            ("card[number]", number),
            ("card[exp_month]", "8"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ],
    )
    .await
}

#[tokio::test]
async fn tokens_hold_a_card_are_single_use_and_the_test_card_decides_the_charge() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let tok = token(&api, "4242424242424242").await;
    let tok_id = id(&tok);
    assert!(tok_id.starts_with("tok_"), "{tok_id}");
    assert_eq!(tok["object"], "token");
    assert_eq!(tok["type"], "card");
    assert_eq!(tok["used"], false);
    assert_eq!(tok["livemode"], false);
    let card = &tok["card"];
    assert!(id(card).starts_with("card_"));
    assert_eq!(card["object"], "card");
    assert_eq!(card["brand"], "Visa");
    assert_eq!(card["last4"], "4242");
    assert_eq!(card["exp_month"], 8);
    assert_eq!(card["exp_year"], 2034);
    assert!(tok.get("number").is_none() && card.get("number").is_none());
    assert!(
        api.event_types().await.is_empty(),
        "making a token emits nothing"
    );

    let ch = api
        .ok(
            "/v1/charges",
            &[("amount", "1500"), ("currency", "usd"), ("source", &tok_id)],
        )
        .await;
    assert_eq!(ch["status"], "succeeded");
    assert_eq!(
        ch["source"]["id"], card["id"],
        "the token's card is the charge's source"
    );
    let spent = api.get_ok(&format!("/v1/tokens/{tok_id}"), &[]).await;
    assert_eq!(spent["used"], true);
    let (s, err) = api
        .post(
            "/v1/charges",
            &[("amount", "1500"), ("currency", "usd"), ("source", &tok_id)],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["code"], "token_already_used");

    // A declining test card tokenises fine and declines when charged.
    let bad = token(&api, "4000000000009995").await;
    let (s, err) = api
        .post(
            "/v1/charges",
            &[
                ("amount", "1500"),
                ("currency", "usd"),
                ("source", &id(&bad)),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["decline_code"], "insufficient_funds");

    // Bad input: Stripe-shaped errors, never a 500.
    let card = |number, month, year| {
        vec![
            ("card[number]", number),
            ("card[exp_month]", month),
            ("card[exp_year]", year),
        ]
    };
    let cases: [(Form, StatusCode, &str); 5] = [
        (
            card("4242424242424241", "8", "2034"),
            StatusCode::PAYMENT_REQUIRED,
            "incorrect_number",
        ),
        (
            card("4242424242424242", "13", "2034"),
            StatusCode::PAYMENT_REQUIRED,
            "invalid_expiry_month",
        ),
        (
            card("4242424242424242", "1", "2001"),
            StatusCode::PAYMENT_REQUIRED,
            "invalid_expiry_year",
        ),
        (
            vec![("card[number]", "4242424242424242")],
            StatusCode::BAD_REQUEST,
            "parameter_missing",
        ),
        (
            vec![("card[pin]", "1")],
            StatusCode::BAD_REQUEST,
            "parameter_unknown",
        ),
    ];
    for (form, status, code) in cases {
        let (s, err) = api.post("/v1/tokens", &form).await;
        assert_eq!(s, status, "{form:?}: {err}");
        assert_eq!(err["error"]["code"], code, "{form:?}");
    }
    let (s, err) = api.get("/v1/tokens/tok_nope", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{err}");
}

#[tokio::test]
async fn a_customer_takes_source_on_create_and_source_or_default_source_on_update() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let tok = token(&api, "4242424242424242").await;
    let cus = api
        .ok(
            "/v1/customers",
            &[("email", "a@b.co"), ("source", &id(&tok))],
        )
        .await;
    let first = tok["card"]["id"].as_str().expect("card").to_string();
    assert_eq!(cus["default_source"], first.as_str(), "{cus}");
    assert_eq!(
        api.event_types().await,
        ["customer.created", "customer.source.created"]
    );
    let created = api
        .get_ok("/v1/events", &[("type", "customer.created")])
        .await;
    assert_eq!(
        created["data"][0]["data"]["object"]["default_source"],
        first.as_str(),
        "the customer is created with its default source"
    );
    let cus_id = id(&cus);
    // Charging the customer uses the card.
    let ch = api
        .ok(
            "/v1/charges",
            &[
                ("amount", "900"),
                ("currency", "usd"),
                ("customer", &cus_id),
            ],
        )
        .await;
    assert_eq!(ch["source"]["id"], first.as_str());

    // A second card, then default_source picks it.
    let second = api
        .ok(
            &format!("/v1/customers/{cus_id}/sources"),
            &[("source", "tok_mastercard")],
        )
        .await;
    let updated = api
        .ok(
            &format!("/v1/customers/{cus_id}"),
            &[("default_source", &id(&second))],
        )
        .await;
    assert_eq!(updated["default_source"], id(&second).as_str());
    let ev = api
        .get_ok("/v1/events", &[("type", "customer.updated")])
        .await;
    assert_eq!(
        ev["data"][0]["data"]["previous_attributes"]["default_source"],
        first.as_str()
    );
    let (s, err) = api
        .post(
            &format!("/v1/customers/{cus_id}"),
            &[("default_source", "card_nope")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["code"], "resource_missing");
    assert_eq!(err["error"]["param"], "default_source");

    // source= replaces the default card: new card, old default deleted, one update.
    let before = api.event_types().await.len();
    let replaced = api
        .ok(
            &format!("/v1/customers/{cus_id}"),
            &[("source", "tok_amex")],
        )
        .await;
    let third = replaced["default_source"]
        .as_str()
        .expect("new default")
        .to_string();
    assert_ne!(third, id(&second));
    assert_eq!(
        &api.event_types().await[before..],
        [
            "customer.source.created",
            "customer.source.deleted",
            "customer.updated"
        ]
    );
    let (s, _) = api
        .get(
            &format!("/v1/customers/{cus_id}/sources/{}", id(&second)),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the old default card is gone");
    let src = api
        .get_ok(&format!("/v1/customers/{cus_id}/sources/{third}"), &[])
        .await;
    assert_eq!(src["brand"], "American Express");

    // A declining card is refused before anything is created.
    let before = api.event_types().await.len();
    let (s, err) = api
        .post("/v1/customers", &[("source", "tok_chargeDeclined")])
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(api.event_types().await.len(), before);
    let (s, err) = api.post("/v1/customers", &[("source", "tok_nope")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["code"], "resource_missing");
}

#[tokio::test]
async fn an_uncaptured_charge_expires_after_seven_days_once() {
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
    let captured = api
        .ok(
            "/v1/charges",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("source", "tok_visa"),
                ("capture", "false"),
            ],
        )
        .await;
    api.ok(&format!("/v1/charges/{}/capture", id(&captured)), &[])
        .await;
    let created = auth["created"].as_i64().expect("created");
    api.ok(
        "/_sim/clock/advance",
        &[("to", &(created + 7 * DAY - 1).to_string())],
    )
    .await;
    assert!(
        !api.event_types()
            .await
            .contains(&"charge.expired".to_string())
    );
    api.ok(
        "/_sim/clock/advance",
        &[("to", &(created + 7 * DAY).to_string())],
    )
    .await;
    api.ok("/_sim/clock/advance", &[("days", "30")]).await;
    let ev = api
        .get_ok("/v1/events", &[("type", "charge.expired")])
        .await;
    let data = ev["data"].as_array().expect("data");
    assert_eq!(data.len(), 1, "only the uncaptured one, once: {ev}");
    assert_eq!(data[0]["created"].as_i64(), Some(created + 7 * DAY));
    let obj = &data[0]["data"]["object"];
    assert_eq!(obj["id"], auth["id"]);
    assert_eq!(obj["captured"], false);
    assert_eq!(obj["refunded"], true);
    assert_eq!(obj["amount_refunded"], 3000);
    let ch = api.get_ok(&format!("/v1/charges/{}", id(&auth)), &[]).await;
    assert_eq!(ch["refunded"], true);
    let (s, err) = api
        .post(&format!("/v1/charges/{}/capture", id(&auth)), &[])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["code"], "charge_expired_for_capture");
}

#[tokio::test]
async fn payment_intent_create_keeps_receipt_email_and_statement_descriptors() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let pi = api
        .ok(
            "/v1/payment_intents",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("receipt_email", "r@example.com"),
                ("statement_descriptor", "GOLIVE ORDER"),
                ("statement_descriptor_suffix", "ORDER 42"),
            ],
        )
        .await;
    assert_eq!(pi["receipt_email"], "r@example.com");
    assert_eq!(pi["statement_descriptor"], "GOLIVE ORDER");
    assert_eq!(pi["statement_descriptor_suffix"], "ORDER 42");
    let ev = api
        .get_ok("/v1/events", &[("type", "payment_intent.created")])
        .await;
    assert_eq!(
        ev["data"][0]["data"]["object"]["receipt_email"], "r@example.com",
        "the created event shows them too"
    );
    let (s, err) = api
        .post(
            "/v1/payment_intents",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("receipt_email", "not-an-email"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["param"], "receipt_email");
}

#[tokio::test]
async fn a_payment_method_made_from_a_token_is_the_tokens_card_and_spends_it() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let tok = token(&api, "5555555555554444").await;
    let tok_id = id(&tok);
    let pm = api
        .ok(
            "/v1/payment_methods",
            &[("type", "card"), ("card[token]", &tok_id)],
        )
        .await;
    assert!(id(&pm).starts_with("pm_"), "{pm}");
    assert_eq!(pm["card"]["brand"], "mastercard", "the token's card: {pm}");
    assert_eq!(pm["card"]["last4"], "4444", "{pm}");
    assert_eq!(pm["card"]["exp_month"], 8, "the token's expiry: {pm}");
    assert_eq!(pm["card"]["exp_year"], 2034, "{pm}");
    assert_eq!(pm["card"]["fingerprint"], tok["card"]["fingerprint"]);
    let spent = api.get_ok(&format!("/v1/tokens/{tok_id}"), &[]).await;
    assert_eq!(
        spent["used"], true,
        "making a payment method spends the token"
    );
    let (s, err) = api
        .post(
            "/v1/payment_methods",
            &[("type", "card"), ("card[token]", &tok_id)],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["code"], "token_already_used", "{err}");
    assert_eq!(err["error"]["param"], "card[token]", "{err}");

    // The token's test card decides: a declining card is refused when attached.
    let bad = token(&api, "4000000000009995").await;
    let pm = api
        .ok(
            "/v1/payment_methods",
            &[("type", "card"), ("card[token]", &id(&bad))],
        )
        .await;
    assert_eq!(pm["card"]["last4"], "9995", "{pm}");
    let cus = api.ok("/v1/customers", &[]).await;
    let (s, err) = api
        .post(
            &format!("/v1/payment_methods/{}/attach", id(&pm)),
            &[("customer", &id(&cus))],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    assert_eq!(err["error"]["decline_code"], "insufficient_funds", "{err}");

    // The fixed test tokens still work, any number of times.
    for _ in 0..2 {
        let pm = api
            .ok(
                "/v1/payment_methods",
                &[("type", "card"), ("card[token]", "tok_visa")],
            )
            .await;
        assert_eq!(pm["card"]["last4"], "4242", "{pm}");
    }
    sim.shutdown().await;
}
