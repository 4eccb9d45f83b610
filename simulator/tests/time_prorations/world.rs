//! The world of the proration tests: a customer on a test clock half-way through a 30-day
//! period, and helpers to change its plan and read invoice items, invoices and events.

#![allow(dead_code)]

use axum::http::StatusCode;
use serde_json::Value;

use crate::time_common::Api;

/// 2026-06-01 00:00 UTC: a 30-day June period.
pub const T0: i64 = 1_780_272_000;
pub const DAY: i64 = 86_400;
/// 2026-06-16 00:00 UTC, half-way through June.
pub const MID: i64 = T0 + 15 * DAY;
pub const END: i64 = T0 + 30 * DAY;

pub struct World {
    pub api: Api,
    pub clock: String,
    pub customer: String,
    pub sub: Value,
    pub basic: String,
    pub pro: String,
    pub pro_product: String,
}

pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

pub async fn ok(api: &Api, path: &str, form: &[(&str, &str)]) -> Value {
    let (s, v) = api.post(path, form).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

pub async fn get(api: &Api, path: &str) -> Value {
    let (s, v) = api.get(path).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

/// A customer on a test clock at `T0` with a visa, subscribed to `start` (BASIC $20 or
/// PRO $50 a month), the clock then advanced to `MID`.
pub async fn world(sim: &stripe_sim::RunningSimulator, start_on_pro: bool) -> World {
    let api = Api::new(sim);
    let (_, basic) = api.price("Basic", "2000").await;
    let (pro_product, pro) = api.price("Pro", "5000").await;
    let clock = ok(
        &api,
        "/v1/test_helpers/test_clocks",
        &[("frozen_time", &T0.to_string())],
    )
    .await;
    let customer = ok(
        &api,
        "/v1/customers",
        &[
            ("email", "ada@example.com"),
            ("test_clock", &id(&clock)),
            ("payment_method", "pm_card_visa"),
            ("invoice_settings[default_payment_method]", "pm_card_visa"),
        ],
    )
    .await;
    let price = if start_on_pro { &pro } else { &basic };
    let sub = ok(
        &api,
        "/v1/subscriptions",
        &[("customer", &id(&customer)), ("items[0][price]", price)],
    )
    .await;
    assert_eq!(sub["status"], "active", "{sub}");
    assert_eq!(sub["items"]["data"][0]["current_period_end"], END);
    let w = World {
        api,
        clock: id(&clock),
        customer: id(&customer),
        sub,
        basic,
        pro,
        pro_product,
    };
    w.advance(MID).await;
    w
}

impl World {
    pub async fn advance(&self, to: i64) {
        ok(
            &self.api,
            &format!("/v1/test_helpers/test_clocks/{}/advance", self.clock),
            &[("frozen_time", &to.to_string())],
        )
        .await;
    }

    /// Switches the subscription's item to `price` with `behavior` (None: the default).
    pub async fn switch(&self, price: &str, behavior: Option<&str>) -> (StatusCode, Value) {
        let item = id(&self.sub["items"]["data"][0]);
        let mut form = vec![("items[0][id]", item.as_str()), ("items[0][price]", price)];
        if let Some(b) = behavior {
            form.push(("proration_behavior", b));
        }
        self.api
            .post(&format!("/v1/subscriptions/{}", id(&self.sub)), &form)
            .await
    }

    /// The customer's invoice items (`pending=` if given), oldest first.
    pub async fn items(&self, pending: Option<bool>) -> Vec<Value> {
        let q = match pending {
            Some(p) => format!("&pending={p}"),
            None => String::new(),
        };
        let list = get(
            &self.api,
            &format!("/v1/invoiceitems?customer={}{q}", self.customer),
        )
        .await;
        let mut v = list["data"].as_array().cloned().unwrap_or_default();
        v.reverse();
        v
    }

    /// The amounts of the customer's pending invoice items, oldest first.
    pub async fn pending_amounts(&self) -> Vec<i64> {
        let items = self.items(Some(true)).await;
        items
            .iter()
            .map(|i| i["amount"].as_i64().expect("amount"))
            .collect()
    }

    /// The customer's invoices, oldest first.
    pub async fn invoices(&self) -> Vec<Value> {
        let list = get(
            &self.api,
            &format!("/v1/invoices?customer={}&limit=100", self.customer),
        )
        .await;
        let mut v = list["data"].as_array().cloned().unwrap_or_default();
        v.reverse();
        v
    }

    /// Event types after the subscription's creation, oldest first.
    pub async fn event_types_since(&self, marker: &str) -> Vec<String> {
        let list = get(&self.api, "/v1/events?limit=100").await;
        let mut types: Vec<String> = list["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .rev()
            .map(|e| e["type"].as_str().unwrap_or_default().to_string())
            .collect();
        let from = types
            .iter()
            .rposition(|t| t == marker)
            .expect("marker event");
        types.drain(..from);
        types
    }

    /// Renews at `END` and returns the renewal invoice, paid.
    pub async fn renewal(&self) -> Value {
        self.advance(END + 3601).await;
        let invs = self.invoices().await;
        let inv = invs.last().expect("renewal").clone();
        assert_eq!(inv["billing_reason"], "subscription_cycle", "{inv}");
        assert_eq!(inv["status"], "paid", "{inv}");
        inv
    }
}

pub fn amounts(lines: &Value) -> Vec<i64> {
    lines["data"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["amount"].as_i64().expect("amount"))
        .collect()
}
