//! Disputes (evidence, test outcomes, close) and the fraud cards through Checkout (disputes
//! and early fraud warnings).

use axum::http::StatusCode;
use serde_json::Value;

use super::common::*;

#[tokio::test]
async fn disputes_evidence_outcomes_and_close() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let pi = paid_intent(&api, "pm_card_createDispute").await;
    assert_eq!(pi["status"], "succeeded", "the charge itself succeeds");
    let ch = pi["latest_charge"].as_str().expect("charge").to_string();
    let list = api.get_ok(&format!("/v1/disputes?charge={ch}")).await;
    let dp = list["data"][0].clone();
    assert_eq!(dp["object"], "dispute");
    assert_eq!(dp["reason"], "fraudulent");
    assert_eq!(dp["status"], "needs_response");
    assert_eq!(dp["amount"], 2000);
    assert_eq!(dp["payment_intent"], pi["id"]);
    assert_eq!(dp["evidence"]["uncategorized_text"], Value::Null);
    assert_eq!(dp["evidence_details"]["submission_count"], 0);
    let by_pi = api
        .get_ok(&format!("/v1/disputes?payment_intent={}", id(&pi)))
        .await;
    assert_eq!(by_pi["data"][0]["id"], dp["id"]);
    assert_eq!(
        api.get_ok(&format!("/v1/charges/{ch}")).await["disputed"],
        true
    );
    let events = api.event_types().await;
    let pos = |t: &str| {
        events
            .iter()
            .position(|e| e == t)
            .unwrap_or_else(|| panic!("{t} in {events:?}"))
    };
    assert!(pos("payment_intent.succeeded") < pos("charge.dispute.created"));
    assert!(pos("charge.dispute.created") < pos("charge.dispute.funds_withdrawn"));

    // Staged evidence does not submit.
    let path = format!("/v1/disputes/{}", id(&dp));
    let staged = api
        .ok(
            &path,
            &[
                ("evidence[customer_email_address]", "ada@example.com"),
                ("submit", "false"),
            ],
        )
        .await;
    assert_eq!(staged["status"], "needs_response");
    assert_eq!(
        staged["evidence"]["customer_email_address"],
        "ada@example.com"
    );
    assert_eq!(staged["evidence_details"]["has_evidence"], true);
    assert_eq!(staged["evidence_details"]["submission_count"], 0);
    let (s, v) = api.post(&path, &[("evidence[colour]", "red")]).await;
    assert_eq!(v["error"]["code"], "parameter_unknown", "{s} {v}");
    // Submitting (the default) with winning evidence → under_review, then won.
    let submitted = api
        .ok(
            &path,
            &[("evidence[uncategorized_text]", "winning_evidence")],
        )
        .await;
    assert_eq!(submitted["status"], "under_review");
    assert_eq!(submitted["evidence_details"]["submission_count"], 1);
    assert_eq!(api.get_ok(&path).await["status"], "won");
    let closed = api.get_ok("/v1/events?type=charge.dispute.closed").await;
    assert_eq!(closed["data"][0]["data"]["object"]["status"], "won");
    let updated = api.get_ok("/v1/events?type=charge.dispute.updated").await;
    assert_eq!(updated["data"].as_array().map(Vec::len), Some(2));
    let (s, _) = api.post(&format!("{path}/close"), &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "closed is final");

    // Losing evidence → lost.
    let pi = paid_intent(&api, "pm_card_createDisputeProductNotReceived").await;
    let list = api
        .get_ok(&format!("/v1/disputes?payment_intent={}", id(&pi)))
        .await;
    let dp = list["data"][0].clone();
    assert_eq!(dp["reason"], "product_not_received");
    let path = format!("/v1/disputes/{}", id(&dp));
    api.ok(
        &path,
        &[("evidence[uncategorized_text]", "losing_evidence")],
    )
    .await;
    assert_eq!(api.get_ok(&path).await["status"], "lost");

    // Conceding → lost at once.
    let pi = paid_intent(&api, "pm_card_createDispute").await;
    let list = api
        .get_ok(&format!("/v1/disputes?payment_intent={}", id(&pi)))
        .await;
    let closed = api
        .ok(&format!("/v1/disputes/{}/close", id(&list["data"][0])), &[])
        .await;
    assert_eq!(closed["status"], "lost");

    // Inquiry.
    let pi = paid_intent(&api, "pm_card_createDisputeInquiry").await;
    let list = api
        .get_ok(&format!("/v1/disputes?payment_intent={}", id(&pi)))
        .await;
    assert_eq!(list["data"][0]["status"], "warning_needs_response");
    let all = api.get_ok("/v1/disputes?limit=2").await;
    assert_eq!(all["has_more"], true);
    let (s, v) = api.get("/v1/disputes/dp_nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["message"], "No such dispute: 'dp_nope'");
    sim.shutdown().await;
}

async fn paid_checkout(api: &Api, card: &str) -> Value {
    let (_, price) = price(api, "2000").await;
    let session = api
        .ok(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("line_items[0][price]", &price),
                ("success_url", "https://app.example/ok"),
                ("customer_email", "eve@example.com"),
            ],
        )
        .await;
    api.ok(
        &format!("/_sim/checkout/sessions/{}/pay", id(&session)),
        &[("card_number", card)],
    )
    .await;
    api.get_ok(&format!("/v1/checkout/sessions/{}", id(&session)))
        .await
}

#[tokio::test]
async fn checkout_with_fraud_cards_and_early_fraud_warnings() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let session = paid_checkout(&api, "4000000000005423").await;
    assert_eq!(session["status"], "complete");
    let events = api.event_types().await;
    let pos = |t: &str| {
        events
            .iter()
            .position(|e| e == t)
            .unwrap_or_else(|| panic!("{t} in {events:?}"))
    };
    assert!(pos("checkout.session.completed") < pos("radar.early_fraud_warning.created"));
    let efws = api.get_ok("/v1/radar/early_fraud_warnings").await;
    let efw = efws["data"][0].clone();
    assert_eq!(efw["object"], "radar.early_fraud_warning");
    assert!(id(&efw).starts_with("issfr_"));
    assert_eq!(efw["actionable"], true);
    assert_eq!(efw["fraud_type"], "made_with_stolen_card");
    let ch = efw["charge"].as_str().expect("charge").to_string();
    let pi = efw["payment_intent"].as_str().expect("pi").to_string();
    let by = api
        .get_ok(&format!("/v1/radar/early_fraud_warnings?charge={ch}"))
        .await;
    assert_eq!(by["data"][0]["id"], efw["id"]);
    let by = api
        .get_ok(&format!(
            "/v1/radar/early_fraud_warnings?payment_intent={pi}"
        ))
        .await;
    assert_eq!(by["data"][0]["id"], efw["id"]);
    let by = api
        .get_ok("/v1/radar/early_fraud_warnings?charge=ch_other")
        .await;
    assert_eq!(by["data"].as_array().map(Vec::len), Some(0));
    // A full refund makes it non-actionable.
    api.ok("/v1/refunds", &[("payment_intent", &pi)]).await;
    let got = api
        .get_ok(&format!("/v1/radar/early_fraud_warnings/{}", id(&efw)))
        .await;
    assert_eq!(got["actionable"], false);
    let upd = api
        .get_ok("/v1/events?type=radar.early_fraud_warning.updated")
        .await;
    assert_eq!(upd["data"][0]["data"]["object"]["actionable"], false);
    assert_eq!(
        upd["data"][0]["data"]["previous_attributes"]["actionable"],
        true
    );

    // The dispute card at Checkout opens a dispute after the session completes.
    let session = paid_checkout(&api, "4000 0000 0000 0259").await;
    assert_eq!(session["status"], "complete");
    let events = api.event_types().await;
    let last_completed = events
        .iter()
        .rposition(|e| e == "checkout.session.completed")
        .expect("completed");
    assert_eq!(events[last_completed + 1], "charge.dispute.created");
    let disputes = api.get_ok("/v1/disputes").await;
    assert_eq!(disputes["data"][0]["reason"], "fraudulent");
    sim.shutdown().await;
}
