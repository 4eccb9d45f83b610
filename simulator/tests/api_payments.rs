//! Payments over HTTP: payment intents with test cards, refunds, disputes, early fraud
//! warnings, subscriptions with `payment_behavior`, invoices pay/void, the billing portal,
//! and a fuzz pass over every route.

use axum::http::StatusCode;
use serde_json::Value;
use stripe_sim::{RunningSimulator, SimOptions, start};

async fn sim() -> RunningSimulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    start(listener, SimOptions::default()).await.expect("start")
}

struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    fn new(sim: &RunningSimulator) -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Api {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: sim.base_url.clone(),
            key: format!("sk_test_{}", stripe_sim::ids::random_base62(20)),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut rb = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if method == reqwest::Method::POST {
            rb = rb
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let r = rb.send().await.expect("send");
        let status = StatusCode::from_u16(r.status().as_u16()).expect("status");
        (status, r.json().await.expect("json"))
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, form).await
    }

    async fn ok(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (s, v) = self.post(path, form).await;
        assert_eq!(s, StatusCode::OK, "POST {path} {form:?}: {v}");
        v
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, &[]).await
    }

    async fn get_ok(&self, path: &str) -> Value {
        let (s, v) = self.get(path).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
        v
    }

    /// Event types, oldest first.
    async fn event_types(&self) -> Vec<String> {
        let v = self.get_ok("/v1/events?limit=100").await;
        let mut t: Vec<String> = v["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|e| e["type"].as_str().expect("type").to_string())
            .collect();
        t.reverse();
        t
    }
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

async fn customer_with_card(api: &Api, pm: &str) -> (String, String) {
    let cus = api
        .ok(
            "/v1/customers",
            &[
                ("email", "ada@example.com"),
                ("payment_method", pm),
                ("invoice_settings[default_payment_method]", pm),
            ],
        )
        .await;
    let pm = cus["invoice_settings"]["default_payment_method"]
        .as_str()
        .expect("default pm")
        .to_string();
    (id(&cus), pm)
}

async fn price(api: &Api, amount: &str) -> (String, String) {
    let product = api.ok("/v1/products", &[("name", "Pro")]).await;
    let price = api
        .ok(
            "/v1/prices",
            &[
                ("product", &id(&product)),
                ("unit_amount", amount),
                ("currency", "usd"),
                ("recurring[interval]", "month"),
            ],
        )
        .await;
    (id(&product), id(&price))
}

async fn paid_intent(api: &Api, pm: &str) -> Value {
    api.ok(
        "/v1/payment_intents",
        &[
            ("amount", "2000"),
            ("currency", "usd"),
            ("payment_method", pm),
            ("confirm", "true"),
        ],
    )
    .await
}

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

#[tokio::test]
async fn billing_portal_configurations_and_sessions() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (product, price_id) = price(&api, "2000").await;
    let (cus, _) = customer_with_card(&api, "pm_card_visa").await;
    // A session without a configuration uses the account's default one.
    let s0 = api
        .ok(
            "/v1/billing_portal/sessions",
            &[
                ("customer", &cus),
                ("return_url", "https://app.example/account"),
            ],
        )
        .await;
    assert!(id(&s0).starts_with("bps_"));
    assert_eq!(s0["object"], "billing_portal.session");
    assert_eq!(s0["url"], format!("{}/p/session/{}", sim.base_url, id(&s0)));
    assert_eq!(s0["return_url"], "https://app.example/account");
    let default_cfg = api
        .get_ok(&format!(
            "/v1/billing_portal/configurations/{}",
            s0["configuration"].as_str().expect("cfg")
        ))
        .await;
    assert_eq!(default_cfg["is_default"], true);
    let cfg = api
        .ok(
            "/v1/billing_portal/configurations",
            &[
                ("features[subscription_cancel][enabled]", "true"),
                ("features[subscription_cancel][mode]", "immediately"),
                ("features[subscription_update][enabled]", "true"),
                (
                    "features[subscription_update][default_allowed_updates][]",
                    "price",
                ),
                (
                    "features[subscription_update][products][0][product]",
                    &product,
                ),
                (
                    "features[subscription_update][products][0][prices][]",
                    &price_id,
                ),
                ("features[invoice_history][enabled]", "true"),
                ("business_profile[headline]", "Acme"),
                ("default_return_url", "https://app.example/back"),
            ],
        )
        .await;
    assert!(id(&cfg).starts_with("bpc_"));
    assert_eq!(
        cfg["features"]["subscription_cancel"]["mode"],
        "immediately"
    );
    assert_eq!(
        cfg["features"]["subscription_update"]["products"][0]["prices"][0],
        price_id.as_str()
    );
    assert_eq!(cfg["is_default"], false);
    let path = format!("/v1/billing_portal/configurations/{}", id(&cfg));
    let upd = api
        .ok(
            &path,
            &[("features[subscription_cancel][mode]", "at_period_end")],
        )
        .await;
    assert_eq!(
        upd["features"]["subscription_cancel"]["mode"],
        "at_period_end"
    );
    assert_eq!(upd["features"]["invoice_history"]["enabled"], true, "kept");
    assert_eq!(
        api.get_ok(&path).await["business_profile"]["headline"],
        "Acme"
    );
    let list = api.get_ok("/v1/billing_portal/configurations").await;
    assert_eq!(list["data"][0]["id"], cfg["id"]);
    let list = api
        .get_ok("/v1/billing_portal/configurations?is_default=true")
        .await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let s1 = api
        .ok(
            "/v1/billing_portal/sessions",
            &[("customer", &cus), ("configuration", &id(&cfg))],
        )
        .await;
    assert_eq!(s1["configuration"], cfg["id"]);
    assert_eq!(
        s1["return_url"], "https://app.example/back",
        "default_return_url"
    );
    let (s, v) = api
        .post(
            "/v1/billing_portal/configurations",
            &[("features[subscription_cancel][mode]", "whenever")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["param"], "features[subscription_cancel][mode]");
    let (s, v) = api
        .post(
            "/v1/billing_portal/configurations",
            &[
                (
                    "features[subscription_update][products][0][product]",
                    &product,
                ),
                (
                    "features[subscription_update][products][0][prices][]",
                    "price_nope",
                ),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = api.post("/v1/billing_portal/sessions", &[]).await;
    assert_eq!(v["error"]["param"], "customer", "{s}");
    let (s, v) = api
        .post(
            "/v1/billing_portal/sessions",
            &[
                ("customer", "cus_nope"),
                ("return_url", "https://x.example"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, _) = api
        .post(
            "/v1/billing_portal/sessions",
            &[
                ("customer", &cus),
                ("configuration", "bpc_nope"),
                ("return_url", "https://x.example"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let ev = api
        .get_ok("/v1/events?type=billing_portal.session.created")
        .await;
    assert_eq!(ev["data"].as_array().map(Vec::len), Some(2));
    sim.shutdown().await;
}

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
async fn deleted_products_and_customers_on_test_clocks() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let lone = api.ok("/v1/products", &[("name", "Lone")]).await;
    let path = format!("/v1/products/{}", id(&lone));
    let (s, v) = api.send(reqwest::Method::DELETE, &path, &[]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deleted"], true);
    assert_eq!(api.get_ok(&path).await["deleted"], true);
    let (s, _) = api.send(reqwest::Method::DELETE, &path, &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (product, _) = price(&api, "100").await;
    let (s, v) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/products/{product}"),
            &[],
        )
        .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a product with prices stays: {v}"
    );
    let deleted = api.get_ok("/v1/events?type=product.deleted").await;
    assert_eq!(deleted["data"][0]["data"]["object"]["id"], lone["id"]);

    // Deleting a customer cancels its live subscriptions; its cards are listed under it.
    let (cus, pm) = customer_with_card(&api, "pm_card_visa").await;
    let (_, price_id) = price(&api, "900").await;
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[("customer", &cus), ("items[0][price]", &price_id)],
        )
        .await;
    let pms = api
        .get_ok(&format!("/v1/customers/{cus}/payment_methods?type=card"))
        .await;
    assert_eq!(pms["data"][0]["id"], pm.as_str());
    assert_eq!(pms["url"], format!("/v1/customers/{cus}/payment_methods"));
    let (s, _) = api
        .send(
            reqwest::Method::DELETE,
            &format!("/v1/customers/{cus}"),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let gone = api.get_ok(&format!("/v1/subscriptions/{}", id(&sub))).await;
    assert_eq!(gone["status"], "canceled");
    let types = api.event_types().await;
    let n = types.len();
    assert_eq!(
        &types[n - 2..],
        ["customer.subscription.deleted", "customer.deleted"]
    );
    let (s, _) = api
        .get(&format!("/v1/customers/{cus}/payment_methods"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A customer joins an existing test clock at creation and takes its time.
    let clock = api
        .ok(
            "/v1/test_helpers/test_clocks",
            &[("frozen_time", "1800000000")],
        )
        .await;
    let cus = api
        .ok(
            "/v1/customers",
            &[("email", "t@example.com"), ("test_clock", &id(&clock))],
        )
        .await;
    assert_eq!(cus["test_clock"], clock["id"]);
    assert_eq!(cus["created"], 1_800_000_000);
    let on_clock = api
        .get_ok(&format!("/v1/customers?test_clock={}", id(&clock)))
        .await;
    assert_eq!(on_clock["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(on_clock["data"][0]["id"], cus["id"]);
    let (s, v) = api
        .post("/v1/customers", &[("test_clock", "clock_missing")])
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
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
