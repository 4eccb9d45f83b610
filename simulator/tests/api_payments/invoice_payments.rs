//! An invoice's payments (`inpay_…`) and `confirmation_secret`: includable on the invoice
//! (rendered only with `expand[]`), listed and retrieved at `/v1/invoice_payments`, and
//! following the invoice's payment intent from `open` to `paid`.

use axum::http::StatusCode;
use serde_json::Value;

use super::common::*;

#[tokio::test]
async fn an_invoice_shows_its_payment_only_when_expanded_and_it_follows_the_intent() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price_id) = price(&api, "2500").await;
    let (cus, pm) = customer_with_card(&api, "pm_card_visa").await;

    // default_incomplete: an open invoice whose payment intent waits for confirmation.
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", &cus),
                ("items[0][price]", &price_id),
                ("payment_behavior", "default_incomplete"),
            ],
        )
        .await;
    let inv_id = sub["latest_invoice"].as_str().expect("invoice").to_string();
    let plain = api.get_ok(&format!("/v1/invoices/{inv_id}")).await;
    assert!(
        plain.get("payments").is_none(),
        "includable: absent unless expanded"
    );
    assert!(plain.get("confirmation_secret").is_none());

    let inv = api
        .get_ok(&format!(
            "/v1/invoices/{inv_id}?expand[]=payments&expand[]=confirmation_secret"
        ))
        .await;
    assert_eq!(inv["status"], "open");
    let payments = inv["payments"]["data"].as_array().expect("payments list");
    assert_eq!(payments.len(), 1, "{inv}");
    let p = &payments[0];
    let inpay = id(p);
    assert!(inpay.starts_with("inpay_"), "{inpay}");
    assert_eq!(p["object"], "invoice_payment");
    assert_eq!(p["invoice"], inv_id.as_str());
    assert_eq!(p["status"], "open");
    assert_eq!(p["amount_requested"], 2500);
    assert_eq!(p["amount_paid"], Value::Null);
    assert_eq!(p["is_default"], true);
    assert_eq!(p["payment"]["type"], "payment_intent");
    let pi_id = p["payment"]["payment_intent"]
        .as_str()
        .expect("pi")
        .to_string();
    let pi = api.get_ok(&format!("/v1/payment_intents/{pi_id}")).await;
    assert_eq!(pi["amount"], 2500);
    assert_eq!(inv["confirmation_secret"]["type"], "payment_intent");
    assert_eq!(
        inv["confirmation_secret"]["client_secret"],
        pi["client_secret"]
    );

    // Paying the invoice confirms that intent: the payment becomes paid.
    api.ok(
        &format!("/v1/invoices/{inv_id}/pay"),
        &[("payment_method", &pm)],
    )
    .await;
    let got = api.get_ok(&format!("/v1/invoice_payments/{inpay}")).await;
    assert_eq!(got["status"], "paid");
    assert_eq!(got["amount_paid"], 2500);
    assert!(got["status_transitions"]["paid_at"].is_i64(), "{got}");
    assert_eq!(got["status_transitions"]["canceled_at"], Value::Null);
    assert_eq!(got["payment"]["payment_intent"], pi_id.as_str());
    let pi = api.get_ok(&format!("/v1/payment_intents/{pi_id}")).await;
    assert_eq!(pi["status"], "succeeded", "the same intent was confirmed");
    let expanded = api
        .get_ok(&format!(
            "/v1/invoices/{inv_id}?expand[]=payments.data.payment.payment_intent"
        ))
        .await;
    assert_eq!(
        expanded["payments"]["data"][0]["payment"]["payment_intent"]["status"],
        "succeeded"
    );

    // The list, by invoice and by status; an invoice paid with nothing due has none.
    let list = api
        .get_ok(&format!("/v1/invoice_payments?invoice={inv_id}"))
        .await;
    assert_eq!(list["object"], "list");
    let ids: Vec<String> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id)
        .collect();
    assert_eq!(ids, [inpay.as_str()]);
    let open = api.get_ok("/v1/invoice_payments?status=open").await;
    assert_eq!(open["data"].as_array().map(Vec::len), Some(0));
    let (s, err) = api.get("/v1/invoice_payments?status=nope").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["error"]["param"], "status");
    let (s, err) = api.get("/v1/invoice_payments/inpay_nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{err}");
    assert_eq!(err["error"]["code"], "resource_missing");

    let trial = api
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", &cus),
                ("items[0][price]", &price_id),
                ("trial_period_days", "7"),
                ("expand[]", "latest_invoice.payments"),
                ("expand[]", "latest_invoice.confirmation_secret"),
            ],
        )
        .await;
    assert_eq!(trial["latest_invoice"]["status"], "paid");
    assert_eq!(
        trial["latest_invoice"]["payments"]["data"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "a 0 invoice is paid without a payment"
    );
    assert_eq!(trial["latest_invoice"]["confirmation_secret"], Value::Null);
}

#[tokio::test]
async fn an_automatically_paid_invoice_has_one_paid_payment_and_a_failed_one_stays_open() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price_id) = price(&api, "1200").await;
    let (cus, _) = customer_with_card(&api, "pm_card_visa").await;
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", &cus),
                ("items[0][price]", &price_id),
                ("expand[]", "latest_invoice.payments"),
            ],
        )
        .await;
    let inv = &sub["latest_invoice"];
    assert_eq!(inv["status"], "paid");
    let p = &inv["payments"]["data"][0];
    assert_eq!(p["status"], "paid");
    assert_eq!(p["amount_paid"], 1200);
    assert_eq!(
        p["status_transitions"]["paid_at"], inv["status_transitions"]["paid_at"],
        "paid when the invoice was"
    );

    // A card that attaches but fails every charge: the payment stays open.
    let (cus2, _) = customer_with_card(&api, "pm_card_chargeCustomerFail").await;
    let (s, _) = api
        .post(
            "/v1/subscriptions",
            &[("customer", &cus2), ("items[0][price]", &price_id)],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let invoices = api
        .get_ok(&format!(
            "/v1/invoices?customer={cus2}&expand[]=data.payments"
        ))
        .await;
    let inv = &invoices["data"][0];
    assert_eq!(inv["status"], "open");
    let p = &inv["payments"]["data"][0];
    assert_eq!(p["status"], "open");
    assert_eq!(p["amount_paid"], Value::Null);
    assert_eq!(p["amount_requested"], 1200);

    // Voiding the invoice cancels its payment.
    let inv_id = id(inv);
    api.ok(&format!("/v1/invoices/{inv_id}/void"), &[]).await;
    let got = api.get_ok(&format!("/v1/invoice_payments/{}", id(p))).await;
    assert_eq!(got["status"], "canceled");
    assert!(got["status_transitions"]["canceled_at"].is_i64(), "{got}");
}
