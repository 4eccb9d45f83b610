//! The clock's advance notices: `customer.subscription.trial_will_end` (three days before a
//! trial ends, at once for a shorter trial, once per trial) and `invoice.upcoming` (the
//! account's `upcoming_days` before each renewal, once per period, a preview without an id,
//! none for a subscription ending at the period end), on test clocks and the account clock.

use crate::time_common;

use axum::http::StatusCode;
use serde_json::{Value, json};
use time_common::{Api, sim};

const DAY: i64 = 86_400;

/// The account clock's time, where the test clocks start (events made by API calls are
/// stamped with it, so the clocks start there to keep them within the 30 days shown).
async fn t0(api: &Api) -> i64 {
    api.get("/_sim/clock").await.1["now"].as_i64().expect("now")
}

/// A customer with a card on a new test clock frozen at `t0`; returns (clock, customer).
async fn clock_customer(api: &Api, t0: i64) -> (String, String) {
    let (s, clock) = api
        .post(
            "/v1/test_helpers/test_clocks",
            &[("frozen_time", &t0.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{clock}");
    let clock = clock["id"].as_str().expect("clock").to_string();
    let (s, cus) = api
        .post(
            "/v1/customers",
            &[
                ("test_clock", &clock),
                ("payment_method", "pm_card_visa"),
                ("invoice_settings[default_payment_method]", "pm_card_visa"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cus}");
    (clock, cus["id"].as_str().expect("cus").to_string())
}

async fn advance(api: &Api, clock: &str, to: i64) {
    let (s, v) = api
        .post(
            &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
            &[("frozen_time", &to.to_string())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn subscribe(api: &Api, customer: &str, price: &str, extra: &[(&str, &str)]) -> Value {
    let mut form = vec![("customer", customer), ("items[0][price]", price)];
    form.extend_from_slice(extra);
    let (s, sub) = api.post("/v1/subscriptions", &form).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    sub
}

/// (type, created) of every event of the account, oldest first (fewer than 100 here).
async fn timeline(api: &Api) -> Vec<(String, i64)> {
    let (s, list) = api.get("/v1/events?limit=100").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["has_more"], false);
    let mut data = list["data"].as_array().cloned().unwrap_or_default();
    data.reverse();
    data.iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_string(),
                e["created"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

fn count(t: &[(String, i64)], ty: &str) -> usize {
    t.iter().filter(|(x, _)| x == ty).count()
}

#[tokio::test]
async fn trial_will_end_fires_three_days_ahead_once_on_a_test_clock() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price) = api.price("Pro", "1500").await;
    let t0 = t0(&api).await;
    let (clock, cus) = clock_customer(&api, t0).await;
    let sub = subscribe(&api, &cus, &price, &[("trial_period_days", "14")]).await;
    let trial_end = t0 + 14 * DAY;
    assert_eq!(sub["trial_end"].as_i64(), Some(trial_end));
    assert_eq!(
        count(
            &timeline(&api).await,
            "customer.subscription.trial_will_end"
        ),
        0
    );

    // One second short of the warning: nothing yet.
    advance(&api, &clock, trial_end - 3 * DAY - 1).await;
    assert_eq!(
        count(
            &timeline(&api).await,
            "customer.subscription.trial_will_end"
        ),
        0
    );
    advance(&api, &clock, trial_end - 3 * DAY).await;
    let t = timeline(&api).await;
    let warned: Vec<&(String, i64)> = t
        .iter()
        .filter(|(x, _)| x == "customer.subscription.trial_will_end")
        .collect();
    assert_eq!(warned.len(), 1, "{t:?}");
    assert_eq!(
        warned[0].1,
        trial_end - 3 * DAY,
        "stamped with the clock's time"
    );
    let ev = &api.events("customer.subscription.trial_will_end").await[0];
    assert_eq!(ev["data"]["object"]["id"], sub["id"]);
    assert_eq!(ev["data"]["object"]["status"], "trialing");

    // Past the trial's end (now active and paid): still exactly one warning.
    advance(&api, &clock, trial_end + DAY).await;
    advance(&api, &clock, trial_end + 20 * DAY).await;
    let t = timeline(&api).await;
    assert_eq!(
        count(&t, "customer.subscription.trial_will_end"),
        1,
        "{t:?}"
    );
    let pos = |ty: &str| t.iter().position(|(x, _)| x == ty).expect(ty);
    assert!(
        pos("customer.subscription.trial_will_end") < pos("customer.subscription.updated"),
        "the warning comes before the trial ends: {t:?}"
    );
}

#[tokio::test]
async fn a_trial_shorter_than_three_days_is_warned_at_creation() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price) = api.price("Pro", "1500").await;
    let t0 = t0(&api).await;
    let (clock, cus) = clock_customer(&api, t0).await;
    let sub = subscribe(
        &api,
        &cus,
        &price,
        &[("trial_end", &(t0 + 2 * DAY).to_string())],
    )
    .await;
    let t = timeline(&api).await;
    assert_eq!(
        count(&t, "customer.subscription.trial_will_end"),
        1,
        "{t:?}"
    );
    assert_eq!(
        t.last().map(|(x, _)| x.as_str()),
        Some("customer.subscription.trial_will_end"),
        "after the creation's own events: {t:?}"
    );
    assert!(
        t.iter().any(|(x, _)| x == "invoice.paid"),
        "the trial invoice was paid first: {t:?}"
    );
    let ev = &api.events("customer.subscription.trial_will_end").await[0];
    assert_eq!(ev["data"]["object"]["id"], sub["id"]);
    advance(&api, &clock, t0 + 3 * DAY).await;
    let t = timeline(&api).await;
    assert_eq!(
        count(&t, "customer.subscription.trial_will_end"),
        1,
        "{t:?}"
    );
    assert_eq!(
        count(&t, "invoice.paid"),
        2,
        "the trial invoice and the first paid one"
    );
}

#[tokio::test]
async fn invoice_upcoming_follows_the_setting_once_per_period_as_a_preview() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let settings = api
        .ok("/_sim/settings/renewals", json!({"upcoming_days": 7}))
        .await;
    assert_eq!(settings["upcoming_days"], 7);
    let (s, bad) = api
        .json("/_sim/settings/renewals", json!({"upcoming_days": 0}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    assert_eq!(bad["error"]["param"], "upcoming_days");

    let (_, price) = api.price("Pro", "1500").await;
    let t0 = t0(&api).await;
    let (clock, cus) = clock_customer(&api, t0).await;
    let sub = subscribe(&api, &cus, &price, &[]).await;
    let end = sub["items"]["data"][0]["current_period_end"]
        .as_i64()
        .expect("end");
    advance(&api, &clock, end - 7 * DAY - 1).await;
    assert_eq!(count(&timeline(&api).await, "invoice.upcoming"), 0);
    advance(&api, &clock, end - 7 * DAY).await;
    advance(&api, &clock, end - DAY).await;
    let up = api.events("invoice.upcoming").await;
    assert_eq!(up.len(), 1, "once per period");
    assert_eq!(up[0]["created"].as_i64(), Some(end - 7 * DAY));
    let preview = &up[0]["data"]["object"];
    assert_eq!(preview["object"], "invoice");
    assert_eq!(preview["id"], Value::Null, "a preview has no id");
    assert_eq!(preview["status"], "draft");
    assert_eq!(preview["billing_reason"], "upcoming");
    assert_eq!(preview["customer"], cus.as_str());
    assert_eq!(preview["amount_due"], 1500);
    assert_eq!(
        preview["parent"]["subscription_details"]["subscription"],
        sub["id"]
    );
    assert_eq!(
        preview["lines"]["data"][0]["period"]["start"].as_i64(),
        Some(end)
    );
    // No invoice was stored for it.
    let (_, list) = api.get(&format!("/v1/invoices?customer={cus}")).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));

    // The next period gets its own notice, 7 days before its end.
    advance(&api, &clock, end + 2 * DAY).await;
    let (_, sub) = api
        .get(&format!(
            "/v1/subscriptions/{}",
            sub["id"].as_str().expect("id")
        ))
        .await;
    let next_end = sub["items"]["data"][0]["current_period_end"]
        .as_i64()
        .expect("end");
    advance(&api, &clock, next_end - 7 * DAY).await;
    // (The first notice may already be past the 30 days the API shows.)
    let later: Vec<Option<i64>> = api
        .events("invoice.upcoming")
        .await
        .iter()
        .map(|e| e["created"].as_i64())
        .filter(|c| c.is_some_and(|c| c > end - 7 * DAY))
        .collect();
    assert_eq!(later, [Some(next_end - 7 * DAY)]);
}

#[tokio::test]
async fn no_upcoming_notice_for_a_subscription_ending_at_period_end_on_the_account_clock() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let (_, price) = api.price("Pro", "1500").await;
    let (s, cus) = api
        .post(
            "/v1/customers",
            &[
                ("payment_method", "pm_card_visa"),
                ("invoice_settings[default_payment_method]", "pm_card_visa"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cus}");
    let cus = cus["id"].as_str().expect("cus").to_string();
    let ending = subscribe(&api, &cus, &price, &[("cancel_at_period_end", "true")]).await;
    let renewing = subscribe(&api, &cus, &price, &[]).await;
    api.ok("/_sim/clock/advance", json!({"days": 40})).await;
    let up = api.events("invoice.upcoming").await;
    let subs: Vec<&Value> = up
        .iter()
        .map(|e| &e["data"]["object"]["parent"]["subscription_details"]["subscription"])
        .collect();
    assert_eq!(subs, [&renewing["id"]], "only the renewing subscription");
    let (_, ended) = api
        .get(&format!(
            "/v1/subscriptions/{}",
            ending["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(ended["status"], "canceled");
}
