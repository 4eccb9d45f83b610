//! Subscriptions: starting one (the subscription and its first invoice, shared by
//! `POST /v1/subscriptions` and Checkout), recording an update, cancelling now. Renewing is
//! in `renewals.rs`; the portal's actions in `portal.rs`.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::updates;
use crate::ids::new_id;
use crate::objects::status::{Status, SubscriptionStatus};
use crate::objects::{self, NewSubscription};

/// What a new subscription starts with.
#[derive(Debug, Clone)]
pub(crate) struct Start<'a> {
    /// The customer object (live).
    pub(crate) customer: &'a Value,
    /// (price object, quantity) per item; every price recurring, one currency.
    pub(crate) items: &'a [(Value, i64)],
    /// The subscription's own `default_payment_method`.
    pub(crate) default_payment_method: Option<&'a str>,
    /// Subscription metadata.
    pub(crate) metadata: Value,
    /// Subscription description.
    pub(crate) description: Option<&'a str>,
    /// `trial_end` of a trial: status `trialing`, the first period is the trial and its
    /// invoice is for 0.
    pub(crate) trial_end: Option<i64>,
    /// Cancel at the end of the first period.
    pub(crate) cancel_at_period_end: bool,
    /// The time of the customer's clock.
    pub(crate) now: i64,
}

/// Creates and stores a subscription (`incomplete`, or `trialing`) →
/// `customer.subscription.created`, and its first invoice as a draft
/// (`billing_reason=subscription_create`) → `invoice.created`. Returns the subscription and
/// the invoice id; the caller collects the invoice (`invoices::collect`).
pub(crate) fn start(st: &mut AccountState, req: &EventRequest, s: &Start<'_>) -> (Value, String) {
    let customer_id = s.customer["id"].as_str().unwrap_or_default();
    let sub_id = new_id("sub_");
    let invoice_id = new_id("in_");
    let now = s.now;
    let mut sub = objects::subscription(&NewSubscription {
        id: &sub_id,
        customer: customer_id,
        items: s.items,
        default_payment_method: s.default_payment_method,
        latest_invoice: Some(&invoice_id),
        metadata: s.metadata.clone(),
        description: s.description,
        status: SubscriptionStatus::Incomplete,
        now,
    });
    // A customer's subscriptions and invoices follow the customer's test clock.
    sub["test_clock"] = s.customer["test_clock"].clone();
    if let Some(te) = s.trial_end {
        SubscriptionStatus::Trialing.set(&mut sub);
        sub["trial_start"] = json!(now);
        sub["trial_end"] = json!(te);
        if let Some(items) = sub["items"]["data"].as_array_mut() {
            for item in items {
                item["current_period_end"] = json!(te);
            }
        }
    }
    if s.cancel_at_period_end {
        sub["cancel_at_period_end"] = json!(true);
        sub["cancel_at"] = sub["items"]["data"][0]["current_period_end"].clone();
        sub["canceled_at"] = json!(now);
        sub["cancellation_details"]["reason"] = json!("cancellation_requested");
    }
    st.store.put(sub.clone());
    st.emit(req, "customer.subscription.created", sub.clone(), None);
    let mut invoice = objects::subscription_invoice(
        &invoice_id,
        &sub,
        s.customer,
        "subscription_create",
        now,
        |p| product_name(st, p),
    );
    invoice["test_clock"] = s.customer["test_clock"].clone();
    if s.trial_end.is_some() {
        zero_invoice(&mut invoice);
    }
    st.store.put(invoice.clone());
    st.emit(req, "invoice.created", invoice, None);
    (sub, invoice_id)
}

/// How long before `trial_end` `customer.subscription.trial_will_end` is sent (Stripe: three
/// days; a shorter trial is warned at once, [`warn_short_trial`]).
pub(crate) const TRIAL_WILL_END_BEFORE: i64 = 3 * 86_400;

/// Sends `customer.subscription.trial_will_end` for subscription `id`, once per subscription.
pub(crate) fn warn_trial(st: &mut AccountState, req: &EventRequest, id: &str) {
    if st.time.trial_notified.contains(id) {
        return;
    }
    if let Some(sub) = st.store.get_kind("subscription", id).cloned() {
        st.time.trial_notified.insert(id.to_string());
        st.emit(req, "customer.subscription.trial_will_end", sub, None);
    }
}

/// Warns at once of a trial that ends within three days of `now` (Stripe sends
/// `customer.subscription.trial_will_end` immediately when fewer than three days remain);
/// longer trials are warned by the clock (`engine/scheduler.rs`).
pub(crate) fn warn_short_trial(st: &mut AccountState, req: &EventRequest, id: &str, now: i64) {
    let short = st.store.get_kind("subscription", id).is_some_and(|s| {
        s["status"] == "trialing"
            && s["trial_end"]
                .as_i64()
                .is_some_and(|te| te - TRIAL_WILL_END_BEFORE <= now)
    });
    if short {
        warn_trial(st, req, id);
    }
}

/// The customer a subscription bills (a bare `{id}` if it is gone), for building its invoices.
pub(crate) fn customer_of(st: &AccountState, sub: &Value) -> Value {
    let id = sub["customer"].as_str().unwrap_or_default();
    st.store
        .get_kind("customer", id)
        .cloned()
        .unwrap_or_else(|| json!({"id": id}))
}

/// A product's name, for invoice line descriptions.
pub(crate) fn product_name(st: &AccountState, product: &str) -> Option<String> {
    st.store
        .get_kind("product", product)
        .and_then(|o| o["name"].as_str())
        .map(str::to_string)
}

/// Makes a subscription's first invoice a free trial invoice (every amount 0).
fn zero_invoice(invoice: &mut Value) {
    if let Some(lines) = invoice["lines"]["data"].as_array_mut() {
        for line in lines {
            line["amount"] = json!(0);
            line["subtotal"] = json!(0);
            let d = line["description"].as_str().unwrap_or_default().to_string();
            // Stripe words it "Trial period for <product>"; keep the quantity prefix.
            line["description"] = json!(format!(
                "Trial period for {}",
                d.split(" × ")
                    .nth(1)
                    .and_then(|r| r.split(" (at ").next())
                    .unwrap_or("Subscription")
            ));
        }
    }
    for f in [
        "amount_due",
        "amount_remaining",
        "subtotal",
        "subtotal_excluding_tax",
        "total",
        "total_excluding_tax",
    ] {
        invoice[f] = json!(0);
    }
}

/// Stores `new` in place of `old` → `customer.subscription.updated` with the changed keys
/// in `previous_attributes`. Does nothing when nothing changed.
pub(crate) fn record_update(st: &mut AccountState, req: &EventRequest, old: &Value, new: &Value) {
    updates::record(st, req, "customer.subscription.updated", old, new);
}

/// Cancels `sub` now (`canceled`, `canceled_at` = `ended_at` = `now`, reason
/// `cancellation_requested`, optional comment) → `customer.subscription.deleted`.
pub(crate) fn cancel_now(
    st: &mut AccountState,
    req: &EventRequest,
    sub: Value,
    now: i64,
    comment: Option<&str>,
) -> Value {
    let mut new = sub;
    SubscriptionStatus::Canceled.set(&mut new);
    new["canceled_at"] = json!(now);
    new["ended_at"] = json!(now);
    new["cancellation_details"]["reason"] = json!("cancellation_requested");
    if let Some(v) = comment {
        new["cancellation_details"]["comment"] = json!(v);
    }
    st.store.put(new.clone());
    st.emit(req, "customer.subscription.deleted", new.clone(), None);
    new
}
