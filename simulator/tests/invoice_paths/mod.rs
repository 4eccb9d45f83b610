//! Every way of paying a subscription invoice runs the same invoice code
//! (`engine::invoices::collect`), so the paid invoices look alike and the same events arrive
//! in the same order:
//!
//! - a first invoice paid through Checkout, through `POST /v1/subscriptions` with a good card,
//!   and through `POST /v1/invoices/{id}/pay` after `payment_behavior=default_incomplete`
//!   agree on every field but ids, times and the customer's details, and so do their payment
//!   intents — and so does one paid by the client confirming the invoice's payment intent
//!   (`POST /v1/payment_intents/{id}/confirm`, found through its `confirmation_secret`);
//! - a renewal paid at its first attempt, a renewal paid by the automatic retry after a failed
//!   attempt, and a renewal paid through `POST /v1/invoices/{id}/pay` after a failed attempt
//!   agree the same way, except that `attempt_count` counts the attempts each one took;
//! - every paid invoice has `attempted`, `attempt_count` equal to its attempts (failed ones
//!   included), `next_payment_attempt` back to null, `status_transitions.paid_at` set, and
//!   nothing left to pay.
//!
//! Checkout once paid invoices with a copy of its own that had drifted (`attempt_count` fixed
//! at 1, `next_payment_attempt` never reset); a copy like that fails the renewal cases here.

use axum::http::StatusCode;
use serde_json::Value;
use stripe_sim::RunningSimulator;

mod support;
use support::*;

#[tokio::test]
async fn checkout_api_creation_and_invoice_pay_leave_the_same_paid_invoice() {
    let sim = sim().await;

    // Checkout.
    let api = Api::new(&sim);
    let price = new_price(&api).await;
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
        &[("card_number", "4242424242424242")],
    )
    .await;
    let session = api
        .get_ok(&format!("/v1/checkout/sessions/{}", id(&session)), &[])
        .await;
    let checkout = paid(&api, session["invoice"].as_str().expect("invoice")).await;

    // POST /v1/subscriptions with a good card.
    let api = Api::new(&sim);
    let price = new_price(&api).await;
    let (cus, _) = customer_with_card(&api).await;
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[("customer", &cus), ("items[0][price]", &price)],
        )
        .await;
    let created = paid(&api, sub["latest_invoice"].as_str().expect("invoice")).await;

    // default_incomplete, then POST /v1/invoices/{id}/pay.
    let api = Api::new(&sim);
    let price = new_price(&api).await;
    let (cus, pm) = customer_with_card(&api).await;
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", &cus),
                ("items[0][price]", &price),
                ("payment_behavior", "default_incomplete"),
            ],
        )
        .await;
    let invoice = sub["latest_invoice"].as_str().expect("invoice").to_string();
    let open = api.get_ok(&format!("/v1/invoices/{invoice}"), &[]).await;
    assert_eq!(open["status"], "open");
    assert_eq!(open["attempt_count"], 0);
    api.ok(
        &format!("/v1/invoices/{invoice}/pay"),
        &[("payment_method", &pm)],
    )
    .await;
    let paid_later = paid(&api, &invoice).await;

    // default_incomplete, then the client confirms the invoice's payment intent itself
    // (`confirmation_secret`), as Stripe.js does.
    let api = Api::new(&sim);
    let price = new_price(&api).await;
    let (cus, pm) = customer_with_card(&api).await;
    let invoice = incomplete_invoice(&api, &cus, &price).await;
    api.ok(
        &format!(
            "/v1/payment_intents/{}/confirm",
            intent_of(&api, &invoice).await
        ),
        &[("payment_method", &pm)],
    )
    .await;
    let confirmed = paid(&api, &invoice).await;
    let sub = api
        .get_ok(
            &format!(
                "/v1/subscriptions/{}",
                confirmed.invoice["parent"]["subscription_details"]["subscription"]
                    .as_str()
                    .expect("subscription")
            ),
            &[],
        )
        .await;
    assert_eq!(sub["status"], "active", "confirming activates: {sub}");
    let inv = api
        .get_ok(&format!("/v1/invoices/{invoice}?expand[]=payments"), &[])
        .await;
    let inpay = &inv["payments"]["data"][0];
    assert_eq!(inpay["status"], "paid", "{inpay}");
    assert_eq!(inpay["amount_paid"], 2000, "{inpay}");

    let mut first = types(&[
        "invoice.created",
        "invoice.finalized",
        "payment_intent.created",
    ]);
    first.extend(types(PAID_TAIL));
    first.push("customer.subscription.updated".into());
    for (name, p) in [
        ("Checkout", &checkout),
        ("POST /v1/subscriptions", &created),
        ("invoices/pay", &paid_later),
        ("payment_intents/confirm", &confirmed),
    ] {
        assert_paid_after(p, 1, name);
        assert_eq!(
            p.events, first,
            "{name}: the events of paying a first invoice"
        );
        assert_eq!(
            checkout.shape, p.shape,
            "Checkout's invoice differs from {name}'s"
        );
        assert_eq!(
            checkout.intent, p.intent,
            "Checkout's payment intent differs from {name}'s"
        );
    }
    assert_eq!(checkout.intent["description"], "Subscription creation");
    sim.shutdown().await;
}

/// A `default_incomplete` subscription for `cus`: its open first invoice.
async fn incomplete_invoice(api: &Api, cus: &str, price: &str) -> String {
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", cus),
                ("items[0][price]", price),
                ("payment_behavior", "default_incomplete"),
            ],
        )
        .await;
    assert_eq!(sub["status"], "incomplete", "{sub}");
    sub["latest_invoice"].as_str().expect("invoice").to_string()
}

/// The id of invoice `invoice`'s payment intent, read from its `confirmation_secret` as a
/// client gets it.
async fn intent_of(api: &Api, invoice: &str) -> String {
    let inv = api
        .get_ok(
            &format!("/v1/invoices/{invoice}?expand[]=confirmation_secret"),
            &[],
        )
        .await;
    let secret = inv["confirmation_secret"]["client_secret"]
        .as_str()
        .unwrap_or_else(|| panic!("no confirmation_secret: {inv}"));
    secret.split("_secret_").next().expect("pi id").to_string()
}

#[tokio::test]
async fn a_declined_confirm_of_an_invoices_payment_intent_leaves_the_invoice_open() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let price = new_price(&api).await;
    let (cus, _) = customer_with_card(&api).await;
    let invoice = incomplete_invoice(&api, &cus, &price).await;
    let pi = intent_of(&api, &invoice).await;
    let (s, err) = api
        .post(
            &format!("/v1/payment_intents/{pi}/confirm"),
            &[("payment_method", "pm_card_chargeDeclined")],
        )
        .await;
    assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{err}");
    let inv = api
        .get_ok(&format!("/v1/invoices/{invoice}?expand[]=payments"), &[])
        .await;
    assert_eq!(inv["status"], "open", "{inv}");
    assert_eq!(inv["attempted"], true, "{inv}");
    assert_eq!(inv["attempt_count"], 1, "{inv}");
    assert_eq!(inv["amount_paid"], 0, "{inv}");
    assert_eq!(inv["payments"]["data"][0]["status"], "open", "{inv}");
    let sub = inv["parent"]["subscription_details"]["subscription"]
        .as_str()
        .expect("subscription");
    let sub = api.get_ok(&format!("/v1/subscriptions/{sub}"), &[]).await;
    assert_eq!(sub["status"], "incomplete", "{sub}");
    let tail: Vec<String> = all_events(&api)
        .await
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        tail,
        types(&[
            "charge.failed",
            "payment_intent.payment_failed",
            "invoice.payment_failed"
        ])
    );

    // Confirming again with a good card pays it: two attempts, as the other paths count.
    api.ok(
        &format!("/v1/payment_intents/{pi}/confirm"),
        &[("payment_method", "pm_card_visa")],
    )
    .await;
    let p = paid(&api, &invoice).await;
    assert_paid_after(&p, 2, "confirm after a declined confirm");
    sim.shutdown().await;
}

/// A subscription paid with a good card on a fresh account; returns the API, its customer
/// and the end of its first period.
async fn subscribed(sim: &RunningSimulator) -> (Api, String, i64) {
    let api = Api::new(sim);
    let price = new_price(&api).await;
    let (cus, _) = customer_with_card(&api).await;
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[("customer", &cus), ("items[0][price]", &price)],
        )
        .await;
    assert_eq!(sub["status"], "active", "{sub}");
    let end = sub["items"]["data"][0]["current_period_end"]
        .as_i64()
        .expect("period end");
    (api, cus, end)
}

/// Moves the account clock to `to`, running what falls due.
async fn advance_to(api: &Api, to: i64) {
    api.ok("/_sim/clock/advance", &[("to", &to.to_string())])
        .await;
}

/// The customer's newest invoice.
async fn latest_invoice(api: &Api, cus: &str) -> Value {
    let list = api
        .get_ok(&format!("/v1/invoices?customer={cus}&limit=1"), &[])
        .await;
    list["data"][0].clone()
}

/// Renews with the customer's payments failing: the renewal invoice's first attempt fails.
/// Returns the open invoice and when it is retried.
async fn failed_renewal(api: &Api, cus: &str, end: i64) -> (String, i64) {
    api.ok(
        &format!("/_sim/customers/{cus}/payments"),
        &[("next_payments", "fail")],
    )
    .await;
    // The renewal invoice is a draft for an hour, then finalised and attempted once.
    advance_to(api, end + 2 * 3600).await;
    let inv = latest_invoice(api, cus).await;
    assert_eq!(inv["billing_reason"], "subscription_cycle", "{inv}");
    assert_eq!(inv["status"], "open", "{inv}");
    assert_eq!(inv["attempt_count"], 1, "{inv}");
    assert_eq!(inv["attempted"], true, "{inv}");
    let retry = inv["next_payment_attempt"]
        .as_i64()
        .unwrap_or_else(|| panic!("a failed renewal is retried: {inv}"));
    assert!(retry > end + 3600, "retried later: {inv}");
    assert!(inv["status_transitions"]["paid_at"].is_null(), "{inv}");
    api.ok(
        &format!("/_sim/customers/{cus}/payments"),
        &[("next_payments", "card")],
    )
    .await;
    (id(&inv), retry)
}

#[tokio::test]
async fn a_renewal_its_retry_and_paying_it_through_the_api_leave_the_same_paid_invoice() {
    let sim = sim().await;

    // A renewal paid at its first attempt.
    let (api, cus, end) = subscribed(&sim).await;
    advance_to(&api, end + 2 * 3600).await;
    let inv = latest_invoice(&api, &cus).await;
    assert_eq!(inv["billing_reason"], "subscription_cycle", "{inv}");
    let renewal = paid(&api, &id(&inv)).await;

    // A renewal that fails, then is paid by the automatic retry.
    let (api, cus, end) = subscribed(&sim).await;
    let (invoice, retry_at) = failed_renewal(&api, &cus, end).await;
    advance_to(&api, retry_at + 60).await;
    let retried = paid(&api, &invoice).await;

    // A renewal that fails, then is paid through POST /v1/invoices/{id}/pay.
    let (api, cus, end) = subscribed(&sim).await;
    let (invoice, _) = failed_renewal(&api, &cus, end).await;
    api.ok(&format!("/v1/invoices/{invoice}/pay"), &[]).await;
    let paid_by_api = paid(&api, &invoice).await;

    assert_paid_after(&renewal, 1, "renewal");
    assert_paid_after(&retried, 2, "retry");
    assert_paid_after(&paid_by_api, 2, "invoices/pay after a failed renewal");

    let failed = types(&[
        "invoice.created",
        "invoice.finalized",
        "payment_intent.created",
        "charge.failed",
        "payment_intent.payment_failed",
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]);
    let mut expected = types(&[
        "invoice.created",
        "invoice.finalized",
        "payment_intent.created",
    ]);
    expected.extend(types(PAID_TAIL));
    assert_eq!(renewal.events, expected, "a renewal paid at once");
    // An invoice has one payment intent: the retry and the API both confirm it again.
    let mut expected = failed;
    expected.extend(types(PAID_TAIL));
    expected.push("customer.subscription.updated".into());
    assert_eq!(retried.events, expected, "a renewal paid by its retry");
    assert_eq!(
        paid_by_api.events, expected,
        "a failed renewal paid through the API"
    );

    // Same shape, but for the attempts each one took.
    let without_attempts = |p: &Paid| {
        let mut v = p.shape.clone();
        v["attempt_count"] = Value::Null;
        v
    };
    assert_eq!(retried.shape, paid_by_api.shape, "retry vs invoices/pay");
    assert_eq!(
        without_attempts(&renewal),
        without_attempts(&retried),
        "renewal vs retry"
    );
    for (name, p) in [("retry", &retried), ("invoices/pay", &paid_by_api)] {
        assert_eq!(
            renewal.intent, p.intent,
            "the renewal's payment intent vs the {name}'s"
        );
    }
    assert_eq!(renewal.intent["description"], "Subscription update");
    sim.shutdown().await;
}
