//! Subscriptions with each `payment_behavior`, item changes, invoices pay and void.

use axum::http::StatusCode;
use serde_json::Value;

use super::common::*;

#[tokio::test]
async fn subscriptions_payment_behaviours_items_and_invoices() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price_id) = price(&api, "2000").await;
    let (_, price2) = price(&api, "5000").await;
    let (cus, _pm) = customer_with_card(&api, "pm_card_visa").await;
    let before = api.event_types().await.len();
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", &cus),
                ("items[0][price]", &price_id),
                ("items[0][quantity]", "2"),
                ("metadata[plan]", "pro"),
                ("expand[]", "latest_invoice"),
            ],
        )
        .await;
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["metadata"]["plan"], "pro");
    assert_eq!(sub["latest_invoice"]["status"], "paid");
    assert_eq!(sub["latest_invoice"]["amount_paid"], 4000);
    assert_eq!(
        sub["latest_invoice"]["billing_reason"],
        "subscription_create"
    );
    let item = &sub["items"]["data"][0];
    assert!(item["current_period_end"].as_i64() > item["current_period_start"].as_i64());
    let events = api.event_types().await;
    assert_eq!(
        &events[before..],
        [
            "customer.subscription.created",
            "invoice.created",
            "invoice.finalized",
            "payment_intent.created",
            "charge.succeeded",
            "payment_intent.succeeded",
            "invoice.paid",
            "invoice.payment_succeeded",
            "customer.subscription.updated",
        ]
    );

    // Quantity and price changes.
    let si = id(item);
    let sub_path = format!("/v1/subscriptions/{}", id(&sub));
    let upd = api
        .ok(
            &sub_path,
            &[("items[0][id]", &si), ("items[0][quantity]", "3")],
        )
        .await;
    assert_eq!(upd["items"]["data"][0]["quantity"], 3);
    let ev = api
        .get_ok("/v1/events?type=customer.subscription.updated&limit=1")
        .await;
    assert_eq!(
        ev["data"][0]["data"]["previous_attributes"]["items"]["data"][0]["quantity"],
        2
    );
    let upd = api
        .ok(
            &sub_path,
            &[
                ("items[0][id]", &si),
                ("items[0][price]", &price2),
                ("proration_behavior", "none"),
            ],
        )
        .await;
    assert_eq!(upd["items"]["data"][0]["price"]["id"], price2.as_str());
    assert_eq!(upd["items"]["data"][0]["plan"]["amount"], 5000);
    assert_eq!(upd["items"]["data"][0]["id"], si.as_str(), "same item");
    let (s, v) = api
        .post(
            &sub_path,
            &[("items[0][id]", "si_nope"), ("items[0][quantity]", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let filtered = api
        .get_ok(&format!("/v1/subscriptions?price={price2}"))
        .await;
    assert_eq!(filtered["data"][0]["id"], sub["id"]);
    // Cancel at period end, then undo, then cancel now.
    let c1 = api.ok(&sub_path, &[("cancel_at_period_end", "true")]).await;
    assert_eq!(c1["cancel_at_period_end"], true);
    assert_eq!(c1["status"], "active");
    assert_eq!(
        c1["cancel_at"],
        c1["items"]["data"][0]["current_period_end"]
    );
    let c2 = api
        .ok(&sub_path, &[("cancel_at_period_end", "false")])
        .await;
    assert_eq!(c2["cancel_at"], Value::Null);
    let (s, gone) = api.send(reqwest::Method::DELETE, &sub_path, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(gone["status"], "canceled");

    // 0341: allow_incomplete leaves it incomplete with an open invoice; pay fixes it.
    let (cus2, _) = customer_with_card(&api, "pm_card_chargeCustomerFail").await;
    let inc = api
        .ok(
            "/v1/subscriptions",
            &[("customer", &cus2), ("items[0][price]", &price_id)],
        )
        .await;
    assert_eq!(inc["status"], "incomplete");
    let inv_id = inc["latest_invoice"].as_str().expect("invoice").to_string();
    let inv = api.get_ok(&format!("/v1/invoices/{inv_id}")).await;
    assert_eq!(inv["status"], "open");
    assert_eq!(inv["attempt_count"], 1);
    let failed = api.get_ok("/v1/events?type=invoice.payment_failed").await;
    assert_eq!(failed["data"][0]["data"]["object"]["id"], inv_id.as_str());
    let (s, v) = api.post(&format!("/v1/invoices/{inv_id}/pay"), &[]).await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{v}");
    let good = api
        .ok(
            "/v1/payment_methods",
            &[("type", "card"), ("card[number]", "4242424242424242")],
        )
        .await;
    api.ok(
        &format!("/v1/payment_methods/{}/attach", id(&good)),
        &[("customer", &cus2)],
    )
    .await;
    let paid = api
        .ok(
            &format!("/v1/invoices/{inv_id}/pay"),
            &[("payment_method", &id(&good))],
        )
        .await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["attempt_count"], 3);
    assert_eq!(
        api.get_ok(&format!("/v1/subscriptions/{}", id(&inc))).await["status"],
        "active"
    );
    let (s, v) = api.post(&format!("/v1/invoices/{inv_id}/pay"), &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "invoice_already_paid");
    let (s, _) = api.post(&format!("/v1/invoices/{inv_id}/void"), &[]).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a paid invoice cannot be voided"
    );

    // error_if_incomplete: 402 and no subscription.
    let (cus3, _) = customer_with_card(&api, "pm_card_chargeCustomerFail").await;
    let (s, v) = api
        .post(
            "/v1/subscriptions",
            &[
                ("customer", &cus3),
                ("items[0][price]", &price_id),
                ("payment_behavior", "error_if_incomplete"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{v}");
    let none = api
        .get_ok(&format!("/v1/subscriptions?customer={cus3}&status=all"))
        .await;
    assert_eq!(none["data"].as_array().map(Vec::len), Some(0));

    // default_incomplete: nothing charged, the invoice stays open and can be voided.
    let di = api
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", &cus3),
                ("items[0][price]", &price_id),
                ("payment_behavior", "default_incomplete"),
            ],
        )
        .await;
    assert_eq!(di["status"], "incomplete");
    let inv_id = di["latest_invoice"].as_str().expect("invoice").to_string();
    let pis = api
        .get_ok(&format!("/v1/payment_intents?customer={cus3}"))
        .await;
    assert_eq!(pis["data"][0]["status"], "requires_confirmation");
    let voided = api.ok(&format!("/v1/invoices/{inv_id}/void"), &[]).await;
    assert_eq!(voided["status"], "void");
    let open = api
        .get_ok(&format!("/v1/invoices?customer={cus3}&status=void"))
        .await;
    assert_eq!(open["data"][0]["id"], inv_id.as_str());

    // A trial: nothing charged (even on a failing card), a 0 invoice, periods = the trial.
    let trial = api
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", &cus3),
                ("items[0][price]", &price_id),
                ("trial_period_days", "14"),
                ("payment_behavior", "error_if_incomplete"),
                ("expand[]", "latest_invoice"),
            ],
        )
        .await;
    assert_eq!(trial["status"], "trialing");
    let (ts, te) = (
        trial["trial_start"].as_i64().expect("trial_start"),
        trial["trial_end"].as_i64().expect("trial_end"),
    );
    assert_eq!(te - ts, 14 * 86_400);
    assert_eq!(trial["items"]["data"][0]["current_period_end"], te);
    assert_eq!(trial["latest_invoice"]["amount_due"], 0);
    assert_eq!(trial["latest_invoice"]["status"], "paid");
    let (s, _) = api
        .post(
            "/v1/subscriptions",
            &[
                ("customer", &cus3),
                ("items[0][price]", &price_id),
                ("trial_period_days", "0"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Bad input.
    let (s, v) = api.post("/v1/subscriptions", &[("customer", &cus3)]).await;
    assert_eq!(
        (s, v["error"]["param"].clone()),
        (StatusCode::BAD_REQUEST, "items".into())
    );
    let (s, v) = api
        .post(
            "/v1/subscriptions",
            &[("customer", &cus3), ("items[0][price]", "price_nope")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"]["param"], "items[0][price]");
    let (s, _) = api
        .post(
            "/v1/subscriptions",
            &[
                ("customer", &cus3),
                ("items[0][price]", &price_id),
                ("payment_behavior", "maybe"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let lonely = api.ok("/v1/customers", &[("email", "l@example.com")]).await;
    let (s, v) = api
        .post(
            "/v1/subscriptions",
            &[("customer", &id(&lonely)), ("items[0][price]", &price_id)],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no payment method: {v}");
    let (s, v) = api
        .post("/v1/customers", &[("test_clock", "clock_nope")])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(v["error"]["param"], "test_clock");
    sim.shutdown().await;
}
