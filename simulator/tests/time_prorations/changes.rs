//! Plan changes through `POST /v1/subscriptions/{id}`: each `proration_behavior`,
//! upgrades and downgrades, `proration_date`, quantities, added and removed items.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::world::*;
use crate::time_common;

#[tokio::test]
async fn upgrade_half_way_with_create_prorations_bills_the_difference_on_the_renewal() {
    let sim = time_common::sim().await;
    let w = world(&sim, false).await;
    let first_invoice = w.sub["latest_invoice"].as_str().expect("inv").to_string();
    // The default proration_behavior of an update is create_prorations.
    let (s, sub) = w.switch(&w.pro, None).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    assert_eq!(sub["items"]["data"][0]["price"]["id"], w.pro.as_str());
    assert_eq!(
        sub["latest_invoice"],
        first_invoice.as_str(),
        "nothing invoiced"
    );
    let pending = w.items(Some(true)).await;
    let got: Vec<i64> = pending
        .iter()
        .map(|i| i["amount"].as_i64().expect("amount"))
        .collect();
    assert_eq!(got, [-1000, 2500], "half of $20 back, half of $50 due");
    let (credit, debit) = (&pending[0], &pending[1]);
    assert_eq!(credit["object"], "invoiceitem");
    assert_eq!(credit["proration"], true);
    assert_eq!(credit["invoice"], Value::Null);
    assert_eq!(
        credit["description"],
        "Unused time on Basic after 16 Jun 2026"
    );
    assert_eq!(
        debit["description"],
        "Remaining time on Pro after 16 Jun 2026"
    );
    assert_eq!(credit["period"], json!({"start": MID, "end": END}));
    assert_eq!(credit["date"], MID);
    assert_eq!(
        credit["pricing"]["price_details"]["price"],
        w.basic.as_str()
    );
    assert_eq!(debit["pricing"]["price_details"]["price"], w.pro.as_str());
    assert_eq!(
        debit["pricing"]["price_details"]["product"],
        w.pro_product.as_str()
    );
    assert_eq!(
        credit["parent"],
        json!({"subscription_details": {"subscription": id(&w.sub),
            "subscription_item": id(&w.sub["items"]["data"][0])}, "type": "subscription_details"})
    );
    assert_eq!(
        credit["proration_details"]["credited_items"]["invoice_line_item_details"]["invoice"],
        first_invoice.as_str()
    );
    assert_eq!(debit["proration_details"]["credited_items"], Value::Null);
    assert_eq!(credit["test_clock"], w.clock.as_str());
    let one = get(&w.api, &format!("/v1/invoiceitems/{}", id(credit))).await;
    assert_eq!(one, *credit);
    let (s, e) = w.api.get("/v1/invoiceitems/ii_nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["code"], "resource_missing");
    let types = w.event_types_since("customer.subscription.updated").await;
    assert_eq!(
        types,
        [
            "customer.subscription.updated",
            "invoiceitem.created",
            "invoiceitem.created"
        ]
    );
    assert_eq!(w.invoices().await.len(), 1, "no invoice until the renewal");

    // The upcoming invoice, three days ahead, previews the prorations with the next period.
    w.advance(END - 3 * DAY).await;
    let upcoming = get(&w.api, "/v1/events?type=invoice.upcoming").await;
    let preview = &upcoming["data"][0]["data"]["object"];
    assert_eq!(amounts(&preview["lines"]), [-1000, 2500, 5000]);
    assert_eq!(preview["total"], 6500);
    assert_eq!(
        w.items(Some(true)).await.len(),
        2,
        "a preview takes nothing"
    );

    let renewal = w.renewal().await;
    assert_eq!(amounts(&renewal["lines"]), [-1000, 2500, 5000]);
    assert_eq!(renewal["total"], 6500);
    assert_eq!(renewal["subtotal"], 6500);
    assert_eq!(renewal["amount_paid"], 6500);
    assert_eq!(renewal["lines"]["total_count"], 3);
    let line = &renewal["lines"]["data"][0];
    let details = &line["parent"]["subscription_item_details"];
    assert_eq!(line["parent"]["type"], "subscription_item_details");
    assert_eq!(details["proration"], true);
    assert_eq!(details["invoice_item"], id(credit).as_str());
    assert_eq!(line["period"], json!({"start": MID, "end": END}));
    assert_eq!(
        line["description"],
        "Unused time on Basic after 16 Jun 2026"
    );
    let plain = &renewal["lines"]["data"][2]["parent"]["subscription_item_details"];
    assert_eq!(plain["proration"], false);
    assert_eq!(plain["invoice_item"], Value::Null);
    assert!(
        w.items(Some(true)).await.is_empty(),
        "the renewal took them"
    );
    let billed = w.items(Some(false)).await;
    assert_eq!(billed.len(), 2);
    assert!(billed.iter().all(|i| i["invoice"] == renewal["id"]));
    let on_invoice = get(
        &w.api,
        &format!("/v1/invoiceitems?invoice={}", id(&renewal)),
    )
    .await;
    assert_eq!(on_invoice["data"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn downgrade_half_way_credits_the_unused_time_on_the_renewal() {
    let sim = time_common::sim().await;
    let w = world(&sim, true).await;
    let (s, sub) = w.switch(&w.basic, Some("create_prorations")).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    let got: Vec<i64> = w.pending_amounts().await;
    assert_eq!(got, [-2500, 1000]);
    let renewal = w.renewal().await;
    assert_eq!(amounts(&renewal["lines"]), [-2500, 1000, 2000]);
    assert_eq!(renewal["total"], 500);
    assert_eq!(renewal["amount_paid"], 500);
}

#[tokio::test]
async fn amounts_are_prorated_to_the_second_of_the_proration_date() {
    let sim = time_common::sim().await;
    let w = world(&sim, false).await;
    // 10 days and 1 second into the 30-day period: 1,727,999 of 2,592,000 seconds left.
    let at = T0 + 10 * DAY + 1;
    let item = id(&w.sub["items"]["data"][0]);
    let at_s = at.to_string();
    let sub_path = format!("/v1/subscriptions/{}", id(&w.sub));
    let form = [
        ("items[0][id]", item.as_str()),
        ("items[0][price]", w.pro.as_str()),
        ("proration_date", at_s.as_str()),
    ];
    ok(&w.api, &sub_path, &form).await;
    let got: Vec<i64> = w.pending_amounts().await;
    // 2000 × 1727999 / 2592000 = 1333.3325 → 1333; 5000 × … = 3333.331 → 3333.
    assert_eq!(got, [-1333, 3333]);
    // A proration date outside the current period is refused.
    let early = (T0 - 1).to_string();
    let (s, e) = w
        .api
        .post(
            &sub_path,
            &[
                ("items[0][id]", item.as_str()),
                ("items[0][price]", w.basic.as_str()),
                ("proration_date", early.as_str()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["code"], "parameter_invalid");
    assert_eq!(e["error"]["param"], "proration_date");
    // A quantity change prorates too: 2 × Pro for the rest of the period.
    let form = [("items[0][id]", item.as_str()), ("items[0][quantity]", "2")];
    ok(&w.api, &sub_path, &form).await;
    let pending = w.items(Some(true)).await;
    assert_eq!(pending.len(), 4);
    assert_eq!(pending[2]["amount"], -2500, "1 × Pro unused from MID");
    assert_eq!(pending[3]["amount"], 5000, "2 × Pro remaining from MID");
    assert_eq!(pending[3]["quantity"], 2);
    assert_eq!(
        pending[3]["description"],
        "Remaining time on 2 × Pro after 16 Jun 2026"
    );
    assert_eq!(pending[3]["pricing"]["unit_amount_decimal"], "2500");
}

#[tokio::test]
async fn always_invoice_charges_the_difference_at_once() {
    let sim = time_common::sim().await;
    let w = world(&sim, false).await;
    let (s, sub) = w.switch(&w.pro, Some("always_invoice")).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    let invs = w.invoices().await;
    assert_eq!(invs.len(), 2);
    let inv = &invs[1];
    assert_eq!(sub["latest_invoice"], inv["id"]);
    assert_eq!(inv["billing_reason"], "subscription_update");
    assert_eq!(inv["status"], "paid");
    assert_eq!(amounts(&inv["lines"]), [-1000, 2500]);
    assert_eq!(inv["total"], 1500);
    assert_eq!(inv["amount_paid"], 1500);
    assert_eq!(inv["created"], MID);
    assert!(w.items(Some(true)).await.is_empty(), "invoiced at once");
    let pis = get(
        &w.api,
        &format!("/v1/payment_intents?customer={}", w.customer),
    )
    .await;
    assert_eq!(pis["data"][0]["amount"], 1500);
    assert_eq!(pis["data"][0]["status"], "succeeded");
    let types = w.event_types_since("customer.subscription.updated").await;
    assert_eq!(
        types.join(" "),
        concat!(
            "customer.subscription.updated invoiceitem.created invoiceitem.created ",
            "invoice.created invoice.finalized payment_intent.created charge.succeeded ",
            "payment_intent.succeeded invoice.paid invoice.payment_succeeded"
        )
    );
    let renewal = w.renewal().await;
    assert_eq!(
        amounts(&renewal["lines"]),
        [5000],
        "nothing left to prorate"
    );
}

#[tokio::test]
async fn none_changes_the_price_from_the_next_period_only() {
    let sim = time_common::sim().await;
    let w = world(&sim, false).await;
    let (s, sub) = w.switch(&w.pro, Some("none")).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    assert!(w.items(None).await.is_empty());
    let types = w.event_types_since("customer.subscription.updated").await;
    assert_eq!(types, ["customer.subscription.updated"]);
    let renewal = w.renewal().await;
    assert_eq!(amounts(&renewal["lines"]), [5000]);
    // An unknown behaviour is a 400 naming the parameter; nothing changes.
    let (s, e) = w.switch(&w.basic, Some("sometimes")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["code"], "parameter_invalid");
    assert_eq!(e["error"]["param"], "proration_behavior");
    let (s, e) = w.api.get("/v1/invoiceitems?pending=maybe").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let (s, e) = w.api.get("/v1/invoiceitems?colour=red").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["code"], "parameter_unknown");
}

#[tokio::test]
async fn always_invoice_downgrade_leaves_a_credit_the_renewal_uses() {
    let sim = time_common::sim().await;
    let w = world(&sim, true).await;
    let (s, _) = w.switch(&w.basic, Some("always_invoice")).await;
    assert_eq!(s, StatusCode::OK);
    let invs = w.invoices().await;
    let inv = &invs[1];
    assert_eq!(amounts(&inv["lines"]), [-2500, 1000]);
    assert_eq!(inv["total"], -1500);
    assert_eq!(inv["amount_due"], 0);
    assert_eq!(inv["status"], "paid");
    assert_eq!(inv["starting_balance"], 0);
    assert_eq!(inv["ending_balance"], -1500);
    let customer = get(&w.api, &format!("/v1/customers/{}", w.customer)).await;
    assert_eq!(customer["balance"], -1500, "the credit is kept");
    let types = w.event_types_since("customer.subscription.updated").await;
    assert!(
        !types.iter().any(|t| t.starts_with("payment_intent.")),
        "{types:?}"
    );
    assert!(types.contains(&"customer.updated".to_string()), "{types:?}");
    let renewal = w.renewal().await;
    assert_eq!(renewal["total"], 2000);
    assert_eq!(renewal["starting_balance"], -1500);
    assert_eq!(renewal["amount_due"], 500);
    assert_eq!(renewal["amount_paid"], 500);
    let customer = get(&w.api, &format!("/v1/customers/{}", w.customer)).await;
    assert_eq!(customer["balance"], 0);
}

#[tokio::test]
async fn always_invoice_with_a_failing_card_leaves_the_invoice_open_or_refuses_the_change() {
    let sim = time_common::sim().await;
    let w = world(&sim, false).await;
    w.api
        .ok(
            &format!("/_sim/customers/{}/payments", w.customer),
            json!({"next_payments": "fail"}),
        )
        .await;
    // error_if_incomplete: a 402 and nothing changes.
    let item = id(&w.sub["items"]["data"][0]);
    let path = format!("/v1/subscriptions/{}", id(&w.sub));
    let (s, e) = w
        .api
        .post(
            &path,
            &[
                ("items[0][id]", item.as_str()),
                ("items[0][price]", w.pro.as_str()),
                ("proration_behavior", "always_invoice"),
                ("payment_behavior", "error_if_incomplete"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{e}");
    assert_eq!(e["error"]["type"], "card_error");
    let sub = get(&w.api, &path).await;
    assert_eq!(sub["items"]["data"][0]["price"]["id"], w.basic.as_str());
    assert!(w.items(None).await.is_empty());
    // allow_incomplete (the default): the change is made, the invoice stays open.
    let (s, sub) = w.switch(&w.pro, Some("always_invoice")).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    assert_eq!(sub["status"], "past_due");
    let invs = w.invoices().await;
    assert_eq!(invs[1]["status"], "open");
    assert_eq!(invs[1]["amount_due"], 1500);
    assert_eq!(invs[1]["attempt_count"], 1);
    let types = w.event_types_since("invoice.created").await;
    assert!(
        types.contains(&"invoice.payment_failed".to_string()),
        "{types:?}"
    );
    assert_eq!(
        types.last().map(String::as_str),
        Some("customer.subscription.updated")
    );
}

#[tokio::test]
async fn adding_and_removing_an_item_half_way_prorates_it() {
    let sim = time_common::sim().await;
    let w = world(&sim, true).await;
    let path = format!("/v1/subscriptions/{}", id(&w.sub));
    let sub = ok(&w.api, &path, &[("items[0][price]", w.basic.as_str())]).await;
    let added = id(&sub["items"]["data"][1]);
    let got: Vec<i64> = w.pending_amounts().await;
    assert_eq!(got, [1000], "half of $20 for the added item");
    ok(
        &w.api,
        &path,
        &[
            ("items[0][id]", added.as_str()),
            ("items[0][deleted]", "true"),
        ],
    )
    .await;
    let pending = w.items(Some(true)).await;
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[1]["amount"], -1000, "its unused half back");
    assert_eq!(
        pending[1]["parent"]["subscription_details"]["subscription_item"],
        added.as_str()
    );
    let renewal = w.renewal().await;
    assert_eq!(amounts(&renewal["lines"]), [1000, -1000, 5000]);
}
