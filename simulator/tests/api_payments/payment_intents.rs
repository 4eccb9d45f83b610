//! Payment intents with the test cards, refunds full and partial.

use axum::http::StatusCode;

use super::common::*;

#[tokio::test]
async fn payment_intents_follow_the_test_cards() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let pi = paid_intent(&api, "pm_card_visa").await;
    assert_eq!(pi["status"], "succeeded");
    assert_eq!(pi["amount_received"], 2000);
    let charges = api
        .get_ok(&format!("/v1/charges?payment_intent={}", id(&pi)))
        .await;
    assert_eq!(charges["data"][0]["id"], pi["latest_charge"]);
    assert_eq!(charges["data"][0]["status"], "succeeded");
    assert_eq!(charges["data"][0]["paid"], true);

    for (pm, code, decline) in [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "card_declined",
            "insufficient_funds",
        ),
        (
            "pm_card_chargeDeclinedLostCard",
            "card_declined",
            "lost_card",
        ),
        (
            "pm_card_chargeDeclinedStolenCard",
            "card_declined",
            "stolen_card",
        ),
        (
            "pm_card_chargeDeclinedExpiredCard",
            "expired_card",
            "expired_card",
        ),
        (
            "pm_card_chargeDeclinedIncorrectCvc",
            "incorrect_cvc",
            "incorrect_cvc",
        ),
        (
            "pm_card_chargeDeclinedProcessingError",
            "processing_error",
            "processing_error",
        ),
        (
            "pm_card_chargeCustomerFail",
            "card_declined",
            "generic_decline",
        ),
    ] {
        let (s, v) = api
            .post(
                "/v1/payment_intents",
                &[
                    ("amount", "2000"),
                    ("currency", "usd"),
                    ("payment_method", pm),
                    ("confirm", "true"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{pm}: {v}");
        assert_eq!(v["error"]["type"], "card_error", "{pm}");
        assert_eq!(v["error"]["code"], code, "{pm}");
        assert_eq!(v["error"]["decline_code"], decline, "{pm}");
        let ch = v["error"]["charge"].as_str().expect("charge id");
        let charge = api.get_ok(&format!("/v1/charges/{ch}")).await;
        assert_eq!(charge["status"], "failed");
        assert_eq!(charge["failure_code"], code);
        let pi = &v["error"]["payment_intent"];
        assert_eq!(pi["status"], "requires_payment_method");
        assert_eq!(pi["last_payment_error"]["decline_code"], decline);
    }
    let events = api.event_types().await;
    assert!(events.iter().any(|t| t == "payment_intent.payment_failed"));
    assert!(events.iter().any(|t| t == "charge.failed"));

    // Raw card numbers and tokens; 0341 attaches, then fails every charge.
    let cus = api.ok("/v1/customers", &[("email", "x@example.com")]).await;
    let pm = api
        .ok(
            "/v1/payment_methods",
            &[
                ("type", "card"),
                ("card[number]", "4000000000000341"),
                ("card[exp_month]", "12"),
                ("card[exp_year]", "2030"),
                ("card[cvc]", "123"),
            ],
        )
        .await;
    assert_eq!(pm["card"]["last4"], "0341");
    api.ok(
        &format!("/v1/payment_methods/{}/attach", id(&pm)),
        &[("customer", &id(&cus))],
    )
    .await;
    for _ in 0..2 {
        let (s, v) = api
            .post(
                "/v1/payment_intents",
                &[
                    ("amount", "500"),
                    ("currency", "usd"),
                    ("customer", &id(&cus)),
                    ("payment_method", &id(&pm)),
                    ("confirm", "true"),
                ],
            )
            .await;
        assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{v}");
    }
    let (s, v) = api
        .post(
            "/v1/payment_methods",
            &[("type", "card"), ("card[number]", "4000000000000002")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "a declining card can be created: {v}");
    let (s, v) = api
        .post(
            &format!("/v1/payment_methods/{}/attach", id(&v)),
            &[("customer", &id(&cus))],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "refused at attach: {v}");
    assert_eq!(v["error"]["decline_code"], "generic_decline");
    let tok = api
        .ok(
            "/v1/payment_methods",
            &[("type", "card"), ("card[token]", "tok_visa")],
        )
        .await;
    assert_eq!(tok["card"]["last4"], "4242");

    // Create → update → confirm; cancel.
    let pi = api
        .ok(
            "/v1/payment_intents",
            &[
                ("amount", "1500"),
                ("currency", "usd"),
                ("customer", &id(&cus)),
            ],
        )
        .await;
    assert_eq!(pi["status"], "requires_payment_method");
    let (s, v) = api
        .post(&format!("/v1/payment_intents/{}/confirm", id(&pi)), &[])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let good = api
        .ok(
            "/v1/payment_methods",
            &[("type", "card"), ("card[number]", "4242424242424242")],
        )
        .await;
    let pi2 = api
        .ok(
            &format!("/v1/payment_intents/{}", id(&pi)),
            &[("payment_method", &id(&good)), ("metadata[order]", "7")],
        )
        .await;
    assert_eq!(pi2["status"], "requires_confirmation");
    assert_eq!(pi2["metadata"]["order"], "7");
    let done = api
        .ok(&format!("/v1/payment_intents/{}/confirm", id(&pi)), &[])
        .await;
    assert_eq!(done["status"], "succeeded");
    let (s, v) = api
        .post(&format!("/v1/payment_intents/{}/cancel", id(&pi)), &[])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "payment_intent_unexpected_state");
    let fresh = api
        .ok(
            "/v1/payment_intents",
            &[("amount", "100"), ("currency", "eur")],
        )
        .await;
    let canceled = api
        .ok(
            &format!("/v1/payment_intents/{}/cancel", id(&fresh)),
            &[("cancellation_reason", "abandoned")],
        )
        .await;
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["cancellation_reason"], "abandoned");
    let listed = api
        .get_ok(&format!("/v1/payment_intents?customer={}", id(&cus)))
        .await;
    assert_eq!(listed["data"][0]["id"], pi["id"], "newest first");
    let (s, v) = api
        .post(
            "/v1/payment_intents",
            &[("amount", "0"), ("currency", "usd")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = api
        .post("/v1/payment_intents", &[("currency", "usd")])
        .await;
    assert_eq!(v["error"]["code"], "parameter_missing", "{s} {v}");
    sim.shutdown().await;
}

#[tokio::test]
async fn refunds_full_and_partial() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let pi = paid_intent(&api, "pm_card_visa").await;
    let ch = pi["latest_charge"].as_str().expect("charge").to_string();
    let re = api
        .ok(
            "/v1/refunds",
            &[
                ("charge", &ch),
                ("amount", "500"),
                ("reason", "requested_by_customer"),
            ],
        )
        .await;
    assert_eq!(re["object"], "refund");
    assert!(id(&re).starts_with("re_"));
    assert_eq!(re["amount"], 500);
    assert_eq!(re["status"], "succeeded");
    assert_eq!(re["payment_intent"], pi["id"]);
    let charge = api.get_ok(&format!("/v1/charges/{ch}")).await;
    assert_eq!(charge["amount_refunded"], 500);
    assert_eq!(charge["refunded"], false);
    let (s, v) = api
        .post(
            "/v1/refunds",
            &[("payment_intent", &id(&pi)), ("amount", "1501")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "over-refund: {v}");
    assert_eq!(v["error"]["type"], "invalid_request_error");
    let rest = api.ok("/v1/refunds", &[("payment_intent", &id(&pi))]).await;
    assert_eq!(rest["amount"], 1500);
    let charge = api.get_ok(&format!("/v1/charges/{ch}")).await;
    assert_eq!(charge["amount_refunded"], 2000);
    assert_eq!(charge["refunded"], true);
    let (s, v) = api.post("/v1/refunds", &[("charge", &ch)]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "charge_already_refunded");
    let list = api.get_ok(&format!("/v1/refunds?charge={ch}")).await;
    assert_eq!(list["data"][0]["id"], rest["id"]);
    assert_eq!(list["data"][1]["id"], re["id"]);
    let by_pi = api
        .get_ok(&format!("/v1/refunds?payment_intent={}", id(&pi)))
        .await;
    assert_eq!(by_pi["data"].as_array().map(Vec::len), Some(2));
    let got = api.get_ok(&format!("/v1/refunds/{}", id(&re))).await;
    assert_eq!(got["amount"], 500);
    let upd = api
        .ok(
            &format!("/v1/refunds/{}", id(&re)),
            &[("metadata[ticket]", "T-1")],
        )
        .await;
    assert_eq!(upd["metadata"]["ticket"], "T-1");
    let refunded = api.get_ok("/v1/events?type=charge.refunded").await;
    assert_eq!(refunded["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        refunded["data"][0]["data"]["previous_attributes"]["refunded"],
        false
    );
    let created = api.get_ok("/v1/events?type=refund.created").await;
    assert_eq!(created["data"].as_array().map(Vec::len), Some(2));
    let (s, _) = api.post("/v1/refunds", &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = api.post("/v1/refunds", &[("charge", "ch_nope")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"]["param"], "charge");
    let (s, _) = api.get("/v1/refunds/re_nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}
