//! The due jobs of a clock advance:
//!
//! - **renew** at the end of a period (or trial): the items' periods roll →
//!   `customer.subscription.updated`; a draft invoice (`billing_reason=subscription_cycle`,
//!   `automatically_finalizes_at` = +1 h; the subscription's pending proration items first,
//!   the customer's balance applied) → `invoice.created`;
//! - **finalize** an hour later → `invoice.finalized`, then the first payment attempt;
//! - **payment attempt** (first or retry) through `invoices::collect` with the subscription's
//!   (else the customer's) default payment method: success → `invoice.paid` +
//!   `invoice.payment_succeeded` (and `past_due`/`unpaid` → `active`); failure →
//!   `invoice.payment_failed` (`attempt_count`, `next_payment_attempt` from the retry
//!   schedule) and `active` → `past_due`; after the last retry the subscription is canceled
//!   (`customer.subscription.deleted`, `cancellation_details.reason=payment_failed`), made
//!   `unpaid`, or left `past_due`, per the account's setting;
//! - **end** a `cancel_at_period_end` subscription at `cancel_at` → `customer.subscription.deleted`;
//! - **upcoming** `upcoming_days` (default three) before a renewal → `invoice.upcoming` (a
//!   preview: no id, the pending proration items and lines for the next period), once per
//!   period, none for a subscription that ends at the period end;
//! - **trial will end** three days before `trial_end` (at the trial's start for a shorter
//!   trial) → `customer.subscription.trial_will_end`, once per subscription;
//! - **expire** an open checkout session at `expires_at` → `checkout.session.expired`;
//! - **expire** a legacy charge authorised (`capture=false`) seven days ago and never
//!   captured → `charge.expired`.
//!
//! All events are automatic (`request.id: null`) and stamped with the job's simulated time.

use serde_json::{Map, Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::invoices::{self, Collection};
use crate::engine::{balance, follow_up, prorations, subscriptions};
use crate::ids::new_id;
use crate::objects;
use crate::objects::status::{Status, SubscriptionStatus};
use crate::objects::{
    previous_attributes, subscription_period_end as period_end,
    subscription_period_start as period_start,
};
use crate::time::FinalFailure;

/// Something that falls due at an instant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Job {
    /// `customer.subscription.trial_will_end`, three days before `trial_end`.
    TrialWillEnd(String),
    /// `invoice.upcoming`, `upcoming_days` before a renewal.
    Upcoming(String),
    /// A subscription reaches `cancel_at` (`cancel_at_period_end`) → deleted.
    EndSubscription(String),
    /// A subscription reaches the end of its period (or trial) → next period, draft invoice.
    Renew(String),
    /// A draft renewal invoice is finalized and charged.
    Finalize(String),
    /// An open invoice's `next_payment_attempt`.
    Retry(String),
    /// An open checkout session reaches `expires_at`.
    ExpireSession(String),
    /// A legacy charge authorised seven days ago and never captured → `charge.expired`.
    ExpireCharge(String),
}

/// Objects a job changed (asked again for their next job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Touched {
    /// `sub_…`
    Subscription(String),
    /// `in_…`
    Invoice(String),
}

/// Runs one due job at `at` (the account's now is already `at`).
pub(crate) fn run(st: &mut AccountState, job: &Job, at: i64) -> Vec<Touched> {
    match job {
        Job::Renew(id) => renew(st, id, at),
        Job::Finalize(id) => finalize(st, id, at),
        Job::Retry(id) => attempt_payment(st, id, at),
        Job::EndSubscription(id) => end_subscription(st, id, at),
        Job::TrialWillEnd(id) => {
            subscriptions::warn_trial(st, &EventRequest::default(), id);
            vec![Touched::Subscription(id.clone())]
        }
        Job::Upcoming(id) => upcoming(st, id, at),
        Job::ExpireSession(id) => {
            crate::engine::checkout::expire_if_due(st, id);
            Vec::new()
        }
        Job::ExpireCharge(id) => {
            crate::engine::legacy_charges::expire(st, id);
            Vec::new()
        }
    }
}

/// `previous_attributes` of a change confined to `keys`, given their values before it
/// (`None`: absent): what `previous_attributes(old, new)` gives when no other key changed,
/// without a copy of the whole old object.
fn previous_of(before: Vec<(&str, Option<Value>)>, after: &Value) -> Value {
    let mut prev = Map::new();
    for (k, old) in before {
        match old {
            Some(v) if after.get(k) != Some(&v) => {
                prev.insert(k.to_string(), v);
            }
            None if after.get(k).is_some() => {
                prev.insert(k.to_string(), Value::Null);
            }
            _ => {}
        }
    }
    Value::Object(prev)
}

/// The values of `keys` in `obj` (`None`: absent), for [`previous_of`].
fn values_of<'k>(obj: &Value, keys: &[&'k str]) -> Vec<(&'k str, Option<Value>)> {
    keys.iter().map(|k| (*k, obj.get(*k).cloned())).collect()
}

fn sub_updated(st: &mut AccountState, old: &Value, new: Value) {
    let prev = previous_attributes(old, &new);
    let id = new["id"].as_str().unwrap_or_default().to_string();
    st.store.put(new);
    st.emit_stored(
        &EventRequest::default(),
        "customer.subscription.updated",
        &id,
        Some(prev),
    );
}

/// Rolls every item of `sub` to the period starting at `at`.
fn roll(sub: &mut Value, at: i64) {
    if let Some(items) = sub["items"]["data"].as_array_mut() {
        for item in items {
            item["current_period_start"] = json!(at);
            item["current_period_end"] = json!(objects::period_end(&item["price"], at));
        }
    }
}

fn rolled(sub: &Value, at: i64) -> Value {
    let mut new = sub.clone();
    roll(&mut new, at);
    new
}

/// The customer subscription `sub` bills, or a bare `{id}` (in `bare`) when it is gone —
/// [`subscriptions::customer_of`] without the copy.
fn customer_ref<'a>(st: &'a AccountState, sub: &Value, bare: &'a mut Value) -> &'a Value {
    let id = sub["customer"].as_str().unwrap_or_default();
    match st.store.get_kind("customer", id) {
        Some(c) => c,
        None => {
            *bare = json!({"id": id});
            bare
        }
    }
}

fn upcoming(st: &mut AccountState, sub_id: &str, at: i64) -> Vec<Touched> {
    let Some(sub) = st.store.get_kind("subscription", sub_id) else {
        return Vec::new();
    };
    let Some(end) = period_end(sub) else {
        return Vec::new();
    };
    let start = period_start(sub);
    let next = rolled(sub, end);
    let mut bare = Value::Null;
    let customer = customer_ref(st, &next, &mut bare);
    let mut preview = objects::subscription_invoice("", &next, customer, "upcoming", at, |p| {
        subscriptions::product_name(st, p)
    });
    drop(next);
    st.time.upcoming_sent.insert(sub_id.to_string(), end);
    prorations::bill_pending(st, &mut preview, false);
    // An upcoming invoice is a preview: it has no id and is never stored.
    preview["id"] = Value::Null;
    preview["created"] = json!(end);
    preview["period_start"] = json!(start.unwrap_or(at));
    preview["period_end"] = json!(end);
    preview["next_payment_attempt"] = json!(end + st.time.settings.finalize_after_secs);
    if let Some(lines) = preview["lines"]["data"].as_array_mut() {
        for l in lines {
            l["invoice"] = Value::Null;
        }
    }
    preview["lines"]["url"] = json!(format!("/v1/invoices/upcoming/lines?subscription={sub_id}"));
    st.emit(&EventRequest::default(), "invoice.upcoming", preview, None);
    vec![Touched::Subscription(sub_id.to_string())]
}

fn renew(st: &mut AccountState, sub_id: &str, at: i64) -> Vec<Touched> {
    let Some(old) = st.store.get_kind("subscription", sub_id) else {
        return Vec::new();
    };
    let old_start = period_start(old);
    let trial_over = SubscriptionStatus::of(old) == Some(SubscriptionStatus::Trialing);
    let invoice_id = new_id("in_");
    // Changed in place: the items' periods, the latest invoice and (after a trial) the
    // status, so `previous_attributes` needs the old values of those keys only.
    let prev = st.store.update("subscription", sub_id, |new| {
        let before = values_of(new, &["items", "latest_invoice", "status"]);
        roll(new, at);
        if trial_over {
            // The trial is over: the first paid period starts now.
            SubscriptionStatus::Active.set(new);
        }
        new["latest_invoice"] = json!(invoice_id);
        previous_of(before, new)
    });
    st.emit_stored(
        &EventRequest::default(),
        "customer.subscription.updated",
        sub_id,
        prev,
    );

    let new = st
        .store
        .get_kind("subscription", sub_id)
        .unwrap_or(&Value::Null);
    let mut bare = Value::Null;
    let customer = customer_ref(st, new, &mut bare);
    let mut invoice =
        objects::subscription_invoice(&invoice_id, new, customer, "subscription_cycle", at, |p| {
            subscriptions::product_name(st, p)
        });
    invoice["test_clock"] = customer["test_clock"].clone();
    // The invoice covers the period that just ended; its lines the new one.
    invoice["period_start"] = json!(old_start.unwrap_or(at));
    invoice["period_end"] = json!(at);
    invoice["automatically_finalizes_at"] = json!(at + st.time.settings.finalize_after_secs);
    prorations::bill_pending(st, &mut invoice, true);
    balance::apply(st, &EventRequest::default(), &mut invoice);
    st.store.put(invoice);
    st.emit_stored(
        &EventRequest::default(),
        "invoice.created",
        &invoice_id,
        None,
    );
    vec![
        Touched::Subscription(sub_id.to_string()),
        Touched::Invoice(invoice_id),
    ]
}

fn finalize(st: &mut AccountState, invoice_id: &str, at: i64) -> Vec<Touched> {
    if st.store.get_kind("invoice", invoice_id).is_none() {
        return Vec::new();
    }
    invoices::finalize(st, &EventRequest::default(), invoice_id);
    attempt_payment(st, invoice_id, at)
}

/// One payment attempt of an open subscription invoice (first attempt or retry), through
/// `invoices::collect` under automatic collection, then the subscription's dunning: a
/// failure makes an `active` subscription `past_due`, and after the last retry the account's
/// final-failure setting applies.
pub(crate) fn attempt_payment(st: &mut AccountState, invoice_id: &str, at: i64) -> Vec<Touched> {
    let Some(invoice) = st.store.get_kind("invoice", invoice_id) else {
        return Vec::new();
    };
    let req = EventRequest::default();
    let Some(sub_id) = invoices::subscription_of(invoice) else {
        return Vec::new();
    };
    let customer_id = invoice["customer"].as_str().unwrap_or_default().to_string();
    let touched = vec![
        Touched::Invoice(invoice_id.to_string()),
        Touched::Subscription(sub_id.clone()),
    ];
    let sub = st.store.get_kind("subscription", &sub_id);
    if sub
        .and_then(SubscriptionStatus::of)
        .is_some_and(SubscriptionStatus::is_ended)
    {
        // Guess: a canceled subscription's open invoice is no longer retried automatically.
        st.store.update("invoice", invoice_id, |invoice| {
            invoice["next_payment_attempt"] = Value::Null;
        });
        return touched;
    }
    let pm = sub
        .and_then(|s| s["default_payment_method"].as_str())
        .or_else(|| {
            st.store
                .get_kind("customer", &customer_id)
                .and_then(|c| c["invoice_settings"]["default_payment_method"].as_str())
        })
        .filter(|pm| st.store.get_kind("payment_method", pm).is_some())
        .map(str::to_string);
    let Ok(attempt) = invoices::collect(st, &req, invoice_id, pm.as_deref(), Collection::Automatic)
    else {
        // Automatic collection turns every charge error into a failed attempt.
        return touched;
    };
    if attempt.paid {
        if let Some(p) = &attempt.payment {
            follow_up::run(st, p);
        }
        return touched;
    }
    // A failed attempt leaves the subscription as it was before it.
    let Some(old) = st.store.get_kind("subscription", &sub_id).cloned() else {
        return touched;
    };
    let mut current = old.clone();
    if SubscriptionStatus::is_any(
        &old,
        &[SubscriptionStatus::Active, SubscriptionStatus::Trialing],
    ) {
        SubscriptionStatus::PastDue.set(&mut current);
        sub_updated(st, &old, current.clone());
    }
    if attempt.invoice["next_payment_attempt"].is_null() {
        match st.time.settings.after_final_failure {
            FinalFailure::Cancel => {
                let mut new = current.clone();
                SubscriptionStatus::Canceled.set(&mut new);
                new["canceled_at"] = json!(at);
                new["ended_at"] = json!(at);
                new["cancellation_details"]["reason"] = json!("payment_failed");
                st.store.put(new.clone());
                st.emit(&req, "customer.subscription.deleted", new, None);
            }
            FinalFailure::Unpaid => {
                let mut new = current.clone();
                SubscriptionStatus::Unpaid.set(&mut new);
                sub_updated(st, &current, new);
            }
            FinalFailure::PastDue => {}
        }
    }
    touched
}

fn end_subscription(st: &mut AccountState, sub_id: &str, at: i64) -> Vec<Touched> {
    let Some(mut sub) = st.store.get_kind("subscription", sub_id).cloned() else {
        return Vec::new();
    };
    SubscriptionStatus::Canceled.set(&mut sub);
    sub["ended_at"] = json!(at);
    if sub["canceled_at"].is_null() {
        sub["canceled_at"] = json!(at);
    }
    st.store.put(sub.clone());
    st.emit(
        &EventRequest::default(),
        "customer.subscription.deleted",
        sub,
        None,
    );
    vec![Touched::Subscription(sub_id.to_string())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cards;
    use crate::engine::scheduler::run_due;
    use crate::objects::NewSubscription;

    const T0: i64 = 1_780_000_000;

    fn account(status: SubscriptionStatus, trial_days: Option<i64>) -> (AccountState, String) {
        let mut st = AccountState::default();
        let price = json!({"id": "price_1", "object": "price", "active": true, "unit_amount": 1500,
            "unit_amount_decimal": "1500", "currency": "usd", "product": "prod_1", "created": 1,
            "metadata": {}, "nickname": null, "recurring": {"interval": "month", "interval_count": 1}});
        st.store.put(price.clone());
        st.store.put(
            json!({"id": "cus_1", "object": "customer", "email": "a@b.c",
            "invoice_prefix": "ABC", "next_invoice_sequence": 2, "test_clock": null,
            "invoice_settings": {"default_payment_method": null}}),
        );
        let card = cards::resolve("4242424242424242").expect("card");
        let pm = crate::engine::payment_methods::insert(&mut st, &card, None, json!({}));
        let pm_id = pm["id"].as_str().expect("pm").to_string();
        let items = [(price, 1)];
        let mut sub = objects::subscription(&NewSubscription {
            id: "sub_1",
            customer: "cus_1",
            items: &items,
            default_payment_method: Some(&pm_id),
            latest_invoice: None,
            metadata: json!({}),
            description: None,
            status,
            now: T0,
        });
        if let Some(days) = trial_days {
            let end = T0 + days * 86_400;
            sub["trial_start"] = json!(T0);
            sub["trial_end"] = json!(end);
            sub["items"]["data"][0]["current_period_end"] = json!(end);
        }
        st.store.put(sub);
        (st, pm_id)
    }

    fn types(st: &AccountState) -> Vec<(String, i64)> {
        st.store
            .ids_of("event")
            .filter_map(|id| st.store.get(id))
            .map(|e| {
                (
                    e["type"].as_str().unwrap_or_default().to_string(),
                    e["created"].as_i64().unwrap_or(0),
                )
            })
            .collect()
    }

    #[test]
    fn a_trial_warns_three_days_ahead_then_becomes_a_paid_period() {
        let (mut st, _) = account(SubscriptionStatus::Trialing, Some(14));
        let trial_end = T0 + 14 * 86_400;
        run_due(&mut st, None, trial_end - 86_400);
        let mut early = types(&st);
        early.sort();
        assert_eq!(
            early,
            [
                (
                    "customer.subscription.trial_will_end".to_string(),
                    trial_end - 3 * 86_400
                ),
                ("invoice.upcoming".to_string(), trial_end - 3 * 86_400),
            ]
        );
        let upcoming = st
            .store
            .ids_of("event")
            .filter_map(|id| st.store.get(id))
            .find(|e| e["type"] == "invoice.upcoming")
            .expect("upcoming");
        assert_eq!(upcoming["data"]["object"]["id"], Value::Null);
        assert_eq!(upcoming["data"]["object"]["billing_reason"], "upcoming");
        assert_eq!(
            upcoming["data"]["object"]["lines"]["data"][0]["period"]["start"],
            trial_end
        );
        run_due(&mut st, None, trial_end + 3600);
        let t: Vec<String> = types(&st).into_iter().map(|(t, _)| t).collect();
        assert_eq!(
            t,
            [
                "invoice.upcoming",
                "customer.subscription.trial_will_end",
                "customer.subscription.updated",
                "invoice.created",
                "invoice.finalized",
                "payment_intent.created",
                "charge.succeeded",
                "payment_intent.succeeded",
                "invoice.paid",
                "invoice.payment_succeeded",
            ]
        );
        let sub = st.store.get("sub_1").expect("sub");
        assert_eq!(sub["status"], "active");
        assert_eq!(sub["items"]["data"][0]["current_period_start"], trial_end);
        let inv = st
            .store
            .get(sub["latest_invoice"].as_str().expect("inv"))
            .expect("invoice");
        assert_eq!(inv["number"], "ABC-0002");
        assert_eq!(inv["amount_paid"], 1500);
        assert_eq!(inv["period_end"], trial_end);
        // Running the same window again changes nothing.
        let n = st.store.ids_of("event").count();
        run_due(&mut st, None, trial_end + 3600);
        assert_eq!(st.store.ids_of("event").count(), n);
    }

    #[test]
    fn no_payment_method_fails_without_a_charge_and_past_due_follows_the_schedule() {
        let (mut st, pm) = account(SubscriptionStatus::Active, None);
        st.store.remove(&pm);
        st.time.settings.retry_days = vec![3];
        st.time.settings.after_final_failure = FinalFailure::PastDue;
        let end = objects::period_end(&st.store.get("price_1").expect("p").clone(), T0);
        run_due(&mut st, None, end + 3600 + 3 * 86_400);
        let t: Vec<String> = types(&st).into_iter().map(|(t, _)| t).collect();
        assert!(!t.iter().any(|t| t.starts_with("charge.")), "{t:?}");
        assert_eq!(
            t.iter().filter(|t| *t == "invoice.payment_failed").count(),
            2
        );
        let sub = st.store.get("sub_1").expect("sub");
        assert_eq!(sub["status"], "past_due", "left past_due by the setting");
        let inv = st
            .store
            .get(sub["latest_invoice"].as_str().expect("inv"))
            .expect("invoice");
        assert_eq!(inv["attempt_count"], 2);
        assert_eq!(inv["next_payment_attempt"], Value::Null);
    }

    #[test]
    fn clock_domains_are_separate() {
        let (mut st, _) = account(SubscriptionStatus::Active, None);
        if let Some(c) = st.store.get_kind_mut("customer", "cus_1") {
            c["test_clock"] = json!("clock_1");
        }
        let ran = run_due(&mut st, None, T0 + 400 * 86_400);
        assert_eq!(
            ran.jobs, 0,
            "the account clock leaves clock customers alone"
        );
        let ran = run_due(&mut st, Some("clock_1"), T0 + 40 * 86_400);
        assert!(ran.jobs >= 2);
    }
}
