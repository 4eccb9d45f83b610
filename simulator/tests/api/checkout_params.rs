//! Checkout Session creation refused: each bad input answers 400 `invalid_request_error`
//! naming the parameter, and makes nothing (no session, no inline price).

use super::common::*;

/// A create request's parameters, the error `code` and `param` it must answer with.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
use axum::http::StatusCode;

#[tokio::test]
async fn bad_checkout_input_names_the_parameter() {
    let sim = sim().await;
    let api = new_api(&sim);
    let one_time = one_time_price(&api, "1500").await;
    let (_, recurring) = api
        .post(
            "/v1/prices",
            &[
                ("currency", "usd"),
                ("unit_amount", "1000"),
                ("recurring[interval]", "month"),
                ("product_data[name]", "Plan"),
            ],
        )
        .await;
    let recurring = id(&recurring);
    let ok = ("success_url", "https://shop.example/ok");
    let cases: Vec<Case> = vec![
        (vec![("mode", "donate"), ok], "parameter_invalid", "mode"),
        (vec![ok], "parameter_missing", "mode"),
        (
            vec![("mode", "payment"), ok],
            "parameter_missing",
            "line_items",
        ),
        (
            vec![
                ("mode", "payment"),
                ok,
                ("line_items[0][price]", &recurring),
            ],
            "parameter_invalid",
            "line_items[0]",
        ),
        (
            vec![
                ("mode", "payment"),
                ok,
                ("line_items[0][price_data][currency]", "usd"),
                ("line_items[0][price_data][unit_amount]", "700"),
                ("line_items[0][price_data][product_data][name]", "Box"),
                ("line_items[0][price_data][recurring][interval]", "month"),
            ],
            "parameter_invalid",
            "line_items[0]",
        ),
        (
            vec![
                ("mode", "payment"),
                ok,
                ("line_items[0][price]", &one_time),
                ("line_items[0][price_data][currency]", "usd"),
            ],
            "parameter_invalid",
            "line_items[0][price_data]",
        ),
        (
            vec![
                ("mode", "payment"),
                ok,
                ("line_items[0][price_data][currency]", "usd"),
                ("line_items[0][price_data][product_data][name]", "Box"),
            ],
            "parameter_missing",
            "line_items[0][price_data][unit_amount]",
        ),
        (
            vec![
                ("mode", "payment"),
                ok,
                ("line_items[0][price_data][currency]", "usd"),
                ("line_items[0][price_data][unit_amount]", "20"),
                ("line_items[0][price_data][product_data][name]", "Sticker"),
            ],
            "amount_too_small",
            "line_items",
        ),
        (
            vec![
                ("mode", "payment"),
                ok,
                ("line_items[0][price]", &one_time),
                ("subscription_data[metadata][k]", "v"),
            ],
            "parameter_invalid",
            "subscription_data",
        ),
        (
            vec![
                ("mode", "payment"),
                ok,
                ("line_items[0][price]", &one_time),
                ("payment_intent_data[capture_method]", "manual"),
            ],
            "parameter_invalid",
            "payment_intent_data[capture_method]",
        ),
        (
            vec![
                ("mode", "payment"),
                ok,
                ("line_items[0][price]", &one_time),
                ("payment_intent_data[transfer_group]", "g"),
            ],
            "parameter_unknown",
            "payment_intent_data[transfer_group]",
        ),
        (
            vec![
                ("mode", "subscription"),
                ok,
                ("line_items[0][price]", &recurring),
                ("payment_intent_data[description]", "x"),
            ],
            "parameter_invalid",
            "payment_intent_data",
        ),
        (
            vec![
                ("mode", "subscription"),
                ok,
                ("line_items[0][price]", &one_time),
            ],
            "parameter_invalid",
            "line_items[0][price]",
        ),
        (
            vec![
                ("mode", "setup"),
                ok,
                ("currency", "usd"),
                ("line_items[0][price]", &one_time),
            ],
            "parameter_invalid",
            "line_items",
        ),
        (vec![("mode", "setup"), ok], "parameter_missing", "currency"),
    ];
    for (form, code, param) in cases {
        let (s, e) = api.post("/v1/checkout/sessions", &form).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{form:?}: {e}");
        assert_eq!(e["error"]["type"], "invalid_request_error", "{form:?}");
        assert_eq!(e["error"]["code"], code, "{form:?}: {e}");
        assert_eq!(e["error"]["param"], param, "{form:?}: {e}");
    }
    // Nothing was made by the refused requests: no session, no inline price.
    let (_, sessions) = api.get("/v1/checkout/sessions").await;
    assert_eq!(sessions["data"].as_array().map(Vec::len), Some(0));
    let (_, prices) = api.get("/v1/prices?limit=100").await;
    assert_eq!(prices["data"].as_array().map(Vec::len), Some(2));
    sim.shutdown().await;
}
