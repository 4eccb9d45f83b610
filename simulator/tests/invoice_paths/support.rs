//! What the invoice-path tests share: a simulator, an API client of one account, and the
//! comparable shape of a paid invoice with its payment intent and events.

pub(crate) use crate::api_common::{Api, id, sim};
use serde_json::{Value, json};

/// The invoice with everything that differs between two equivalent payments blanked: ids,
/// numbers, times, and the customer's own fields.
pub(crate) fn comparable(mut v: Value) -> Value {
    fn blank(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    let volatile = k == "id"
                        || k.ends_with("_at")
                        || k.starts_with("period")
                        || k.starts_with("current_period")
                        || [
                            "created",
                            "number",
                            "customer",
                            "customer_email",
                            "customer_name",
                            "effective_at",
                            "subscription",
                            "invoice",
                            "subscription_item",
                            "latest_charge",
                            "payment_method",
                            "price",
                            "product",
                            "start",
                            "end",
                            "client_secret",
                            "url",
                        ]
                        .contains(&k.as_str());
                    if volatile && !x.is_null() {
                        *x = json!("<varies>");
                    } else {
                        blank(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(blank),
            _ => {}
        }
    }
    blank(&mut v);
    v
}

pub(crate) async fn new_price(api: &Api) -> String {
    let product = api.ok("/v1/products", &[("name", "Pro")]).await;
    let price = api
        .ok(
            "/v1/prices",
            &[
                ("product", &id(&product)),
                ("unit_amount", "2000"),
                ("currency", "usd"),
                ("recurring[interval]", "month"),
            ],
        )
        .await;
    id(&price)
}

pub(crate) async fn customer_with_card(api: &Api) -> (String, String) {
    let cus = api
        .ok(
            "/v1/customers",
            &[
                ("email", "ada@example.com"),
                ("payment_method", "pm_card_visa"),
                ("invoice_settings[default_payment_method]", "pm_card_visa"),
            ],
        )
        .await;
    let pm = cus["invoice_settings"]["default_payment_method"]
        .as_str()
        .expect("default pm")
        .to_string();
    (id(&cus), pm)
}

/// Every event of the account, oldest first.
pub(crate) async fn all_events(api: &Api) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/v1/events?limit=100&starting_after={a}"),
            None => "/v1/events?limit=100".to_string(),
        };
        let list = api.get_ok(&path, &[]).await;
        let data = list["data"].as_array().cloned().unwrap_or_default();
        after = data.last().map(id);
        out.extend(data);
        if list["has_more"] != true {
            break;
        }
    }
    out.reverse();
    out
}

/// One way of paying an invoice, as it ended.
#[derive(Debug)]
pub(crate) struct Paid {
    /// The invoice as retrieved.
    pub(crate) invoice: Value,
    /// The invoice, [`comparable`].
    pub(crate) shape: Value,
    /// The payment intent that paid it, [`comparable`].
    pub(crate) intent: Value,
    /// The types of the invoice's, its payments' and its subscription's events, from its
    /// `invoice.created` on.
    pub(crate) events: Vec<String>,
}

/// The paid invoice `invoice`, the payment intent that paid it, and its events.
pub(crate) async fn paid(api: &Api, invoice: &str) -> Paid {
    let inv = api.get_ok(&format!("/v1/invoices/{invoice}"), &[]).await;
    assert_eq!(inv["status"], "paid", "{inv}");
    let sub = inv["parent"]["subscription_details"]["subscription"].clone();
    let events = all_events(api).await;
    let start = events
        .iter()
        .position(|e| e["type"] == "invoice.created" && e["data"]["object"]["id"] == invoice)
        .unwrap_or_else(|| panic!("no invoice.created for {invoice}"));
    let mine: Vec<&Value> = events[start..]
        .iter()
        .filter(|e| {
            let t = e["type"].as_str().unwrap_or_default();
            let o = &e["data"]["object"];
            match t.split('.').next() {
                Some("invoice") => o["id"] == invoice,
                Some("customer") => t.starts_with("customer.subscription.") && o["id"] == sub,
                Some("payment_intent" | "charge") => o["customer"] == inv["customer"],
                _ => false,
            }
        })
        .collect();
    let pi = mine
        .iter()
        .rev()
        .find(|e| e["type"] == "payment_intent.succeeded")
        .map(|e| id(&e["data"]["object"]))
        .unwrap_or_else(|| panic!("no payment_intent.succeeded after {invoice} was created"));
    let intent = api.get_ok(&format!("/v1/payment_intents/{pi}"), &[]).await;
    assert_eq!(intent["status"], "succeeded", "{intent}");
    Paid {
        shape: comparable(inv.clone()),
        invoice: inv,
        intent: comparable(intent),
        events: mine
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default().to_string())
            .collect(),
    }
}

/// What every paid invoice shows, whichever way it was paid, after `attempts` attempts.
pub(crate) fn assert_paid_after(p: &Paid, attempts: usize, how: &str) {
    let inv = &p.invoice;
    assert_eq!(inv["status"], "paid", "{how}: {inv}");
    assert_eq!(inv["attempted"], true, "{how}");
    assert_eq!(
        inv["attempt_count"], attempts,
        "{how}: attempt_count counts every attempt"
    );
    let counted = p
        .events
        .iter()
        .filter(|t| *t == "invoice.payment_failed" || *t == "invoice.payment_succeeded")
        .count();
    assert_eq!(
        counted, attempts,
        "{how}: one payment event per attempt: {:?}",
        p.events
    );
    assert_eq!(
        inv["next_payment_attempt"],
        Value::Null,
        "{how}: nothing is retried once paid"
    );
    assert!(
        inv["status_transitions"]["paid_at"].is_i64(),
        "{how}: paid_at is set: {}",
        inv["status_transitions"]
    );
    assert_eq!(inv["amount_remaining"], 0, "{how}");
    assert_eq!(inv["amount_paid"], inv["amount_due"], "{how}");
    assert_eq!(inv["auto_advance"], false, "{how}");
}

/// The events of a successful payment, in order, after the payment intent is confirmed.
pub(crate) const PAID_TAIL: &[&str] = &[
    "charge.succeeded",
    "payment_intent.succeeded",
    "invoice.paid",
    "invoice.payment_succeeded",
];

pub(crate) fn types(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}
