//! The Customer Portal's actions, shared by the hosted page (`/p/session/{bps_id}`) and its
//! JSON twin under `/_sim/portal/sessions/{bps_id}/…`, with these events:
//!
//! - cancel at period end → `customer.subscription.updated` (`cancel_at_period_end`,
//!   `cancel_at`, `canceled_at`, `cancellation_details.reason=cancellation_requested`; status
//!   stays `active`); cancel immediately → `customer.subscription.deleted`. The mode comes
//!   from the portal configuration (`features.subscription_cancel.mode`);
//! - update card → `payment_method.attached` + `customer.updated` (new
//!   `invoice_settings.default_payment_method`); declining test cards are refused. A guess
//!   (`simulator/docs/guesses.md`):
//!   subscriptions that name their own `default_payment_method` get the new card too
//!   (`customer.subscription.updated`), so renewals and retries charge it;
//! - switch plan between the configuration's prices (`features.subscription_update.products`)
//!   → `customer.subscription.updated` with the new price in `items`, prorated after the
//!   configuration's `features.subscription_update.proration_behavior` (`engine/prorations.rs`:
//!   `create_prorations` adds pending invoice items to the next invoice, `always_invoice`
//!   charges the difference at once, `none` changes the price from the next period).
//!
//! The session id in the URL is the capability; every action acts for its customer only.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::cards::{self, Behaviour, Decline};
use crate::engine::payment_methods;
use crate::engine::prorations::{self, ProrationBehavior};
use crate::error::StripeError;
use crate::objects;
use crate::objects::previous_attributes;
use crate::objects::status::{InvoiceStatus, Status, SubscriptionStatus};

/// The statuses of a subscription the portal shows and changes.
const LIVE: &[SubscriptionStatus] = &[
    SubscriptionStatus::Active,
    SubscriptionStatus::Trialing,
    SubscriptionStatus::PastDue,
    SubscriptionStatus::Unpaid,
    SubscriptionStatus::Incomplete,
];

/// A portal session with its configuration.
#[derive(Debug, Clone)]
pub(crate) struct Portal {
    /// The `billing_portal.session`.
    pub(crate) session: Value,
    /// Its `billing_portal.configuration` (all features on if it vanished).
    pub(crate) config: Value,
    /// `cus_…`
    pub(crate) customer: String,
}

/// Loads a portal session (404 if unknown).
pub(crate) fn load(st: &AccountState, bps_id: &str) -> Result<Portal, StripeError> {
    let session = st
        .store
        .get_kind("billing_portal.session", bps_id)
        .cloned()
        .ok_or_else(|| StripeError::missing("billing_portal.session", bps_id))?;
    let config = session["configuration"]
        .as_str()
        .and_then(|id| st.store.get_kind("billing_portal.configuration", id))
        .cloned()
        .unwrap_or_else(|| {
            json!({"features": {
                "invoice_history": {"enabled": true},
                "payment_method_update": {"enabled": true},
                "subscription_cancel": {"enabled": true, "mode": "at_period_end"},
                "subscription_update": {"enabled": false, "products": []},
            }})
        });
    let customer = session["customer"].as_str().unwrap_or_default().to_string();
    Ok(Portal {
        session,
        config,
        customer,
    })
}

impl Portal {
    fn enabled(&self, feature: &str) -> bool {
        self.config["features"][feature]["enabled"] == true
    }

    fn require(&self, feature: &str, what: &str) -> Result<(), StripeError> {
        if self.enabled(feature) {
            Ok(())
        } else {
            Err(StripeError::bad_request(format!(
                "{what} is not enabled in this portal configuration (features.{feature}.enabled is false)."
            )))
        }
    }

    /// `at_period_end` or `immediately`.
    pub(crate) fn cancel_mode(&self) -> &str {
        self.config["features"]["subscription_cancel"]["mode"]
            .as_str()
            .unwrap_or("at_period_end")
    }

    /// How a plan switch is prorated: `features.subscription_update.proration_behavior`
    /// (`none` when the configuration does not say).
    pub(crate) fn proration_behavior(&self) -> ProrationBehavior {
        self.config["features"]["subscription_update"]["proration_behavior"]
            .as_str()
            .and_then(ProrationBehavior::parse)
            .unwrap_or(ProrationBehavior::None)
    }

    /// Price ids the customer may switch to.
    pub(crate) fn allowed_prices(&self) -> Vec<String> {
        self.config["features"]["subscription_update"]["products"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .flat_map(|p| {
                p["prices"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
            })
            .collect()
    }
}

/// The customer's subscriptions that are not over, oldest first.
pub(crate) fn live_subscriptions(st: &AccountState, customer: &str) -> Vec<Value> {
    st.store
        .ids_of("subscription")
        .filter_map(|id| st.store.get(id))
        .filter(|s| s["customer"] == customer && SubscriptionStatus::is_any(s, LIVE))
        .cloned()
        .collect()
}

fn pick_subscription(
    st: &AccountState,
    portal: &Portal,
    id: Option<&str>,
) -> Result<Value, StripeError> {
    match id {
        Some(id) => st
            .store
            .get_kind("subscription", id)
            .filter(|s| s["customer"] == portal.customer.as_str())
            .filter(|s| SubscriptionStatus::is_any(s, LIVE))
            .cloned()
            .ok_or_else(|| StripeError::missing_param("subscription", id, "subscription")),
        None => live_subscriptions(st, &portal.customer)
            .into_iter()
            .next_back()
            .ok_or_else(|| {
                StripeError::bad_request("This customer has no active subscription to change.")
            }),
    }
}

/// What the portal shows, as JSON (the `/_sim` twin of the page).
pub(crate) fn view(st: &AccountState, bps_id: &str) -> Result<Value, StripeError> {
    let portal = load(st, bps_id)?;
    let customer = st.store.get_kind("customer", &portal.customer).cloned();
    let invoices: Vec<Value> = st
        .store
        .ids_of("invoice")
        .filter_map(|id| st.store.get(id))
        .filter(|i| {
            i["customer"] == portal.customer.as_str()
                && InvoiceStatus::of(i) != Some(InvoiceStatus::Draft)
        })
        .cloned()
        .collect();
    let invoices: Vec<Value> = invoices.into_iter().rev().collect();
    let default_pm = customer
        .as_ref()
        .and_then(|c| c["invoice_settings"]["default_payment_method"].as_str())
        .and_then(|pm| st.store.get_kind("payment_method", pm))
        .cloned();
    Ok(json!({
        "object": "sim.portal",
        "session": portal.session,
        "configuration": portal.config["id"],
        "customer": customer,
        "subscriptions": live_subscriptions(st, &portal.customer),
        "invoices": invoices,
        "default_payment_method": default_pm,
        "cancel_mode": portal.cancel_mode(),
        "allowed_prices": portal.allowed_prices(),
        "return_url": portal.session["return_url"],
    }))
}

fn emit_sub_update(st: &mut AccountState, old: &Value, new: &Value) {
    let prev = previous_attributes(old, new);
    st.store.put(new.clone());
    st.emit(
        &EventRequest::default(),
        "customer.subscription.updated",
        new.clone(),
        Some(prev),
    );
}

/// Cancels a subscription (at period end or immediately; `mode` overrides the
/// configuration's). Returns the subscription.
pub(crate) fn cancel(
    st: &mut AccountState,
    bps_id: &str,
    subscription: Option<&str>,
    mode: Option<&str>,
) -> Result<Value, StripeError> {
    let portal = load(st, bps_id)?;
    portal.require("subscription_cancel", "Cancelling subscriptions")?;
    let old = pick_subscription(st, &portal, subscription)?;
    let mode = mode.unwrap_or(portal.cancel_mode()).to_string();
    let now = st.now_for_customer(&portal.customer);
    let mut new = old.clone();
    new["canceled_at"] = json!(now);
    new["cancellation_details"]["reason"] = json!("cancellation_requested");
    match mode.as_str() {
        "at_period_end" => {
            if old["cancel_at_period_end"] == true {
                return Ok(old);
            }
            new["cancel_at_period_end"] = json!(true);
            new["cancel_at"] = json!(crate::objects::subscription_period_end(&old));
            emit_sub_update(st, &old, &new);
        }
        "immediately" => {
            SubscriptionStatus::Canceled.set(&mut new);
            new["ended_at"] = json!(now);
            st.store.put(new.clone());
            st.emit(
                &EventRequest::default(),
                "customer.subscription.deleted",
                new.clone(),
                None,
            );
        }
        other => {
            return Err(StripeError::invalid(
                "mode",
                format!("Invalid mode: {other}. Use at_period_end or immediately."),
            ));
        }
    }
    Ok(new)
}

/// Adds a card and makes it the customer's default. Returns the payment method.
pub(crate) fn update_card(
    st: &mut AccountState,
    bps_id: &str,
    card_number: &str,
) -> Result<Value, StripeError> {
    let portal = load(st, bps_id)?;
    portal.require("payment_method_update", "Updating payment methods")?;
    let card = cards::resolve(card_number)
        .ok_or_else(|| Decline::IncorrectNumber.error(Some("card_number")))?;
    if let Behaviour::Declined(d) = card.behaviour {
        return Err(d.error(Some("card_number")));
    }
    let old_customer = st
        .store
        .get_kind("customer", &portal.customer)
        .cloned()
        .ok_or_else(|| StripeError::missing_param("customer", &portal.customer, "customer"))?;
    let email = old_customer["email"].as_str().map(str::to_string);
    let mut pm = payment_methods::insert(st, &card, email.as_deref(), json!({}));
    pm["customer"] = json!(portal.customer);
    st.store.put(pm.clone());
    let req = EventRequest::default();
    st.emit(&req, "payment_method.attached", pm.clone(), None);
    let mut customer = old_customer.clone();
    customer["invoice_settings"]["default_payment_method"] = pm["id"].clone();
    let prev = previous_attributes(&old_customer, &customer);
    st.store.put(customer.clone());
    st.emit(&req, "customer.updated", customer, Some(prev));
    for old in live_subscriptions(st, &portal.customer) {
        if old["default_payment_method"].is_string() && old["default_payment_method"] != pm["id"] {
            let mut new = old.clone();
            new["default_payment_method"] = pm["id"].clone();
            emit_sub_update(st, &old, &new);
        }
    }
    Ok(pm)
}

/// Switches a subscription's (first) item to `price`. Returns the subscription.
pub(crate) fn switch_plan(
    st: &mut AccountState,
    bps_id: &str,
    subscription: Option<&str>,
    price: &str,
) -> Result<Value, StripeError> {
    let portal = load(st, bps_id)?;
    portal.require("subscription_update", "Switching plans")?;
    if !portal.allowed_prices().iter().any(|p| p == price) {
        return Err(StripeError::invalid(
            "price",
            format!("The price {price} is not one of the plans this portal offers."),
        ));
    }
    let price_obj = st
        .store
        .get_kind("price", price)
        .cloned()
        .ok_or_else(|| StripeError::missing_param("price", price, "price"))?;
    let old = pick_subscription(st, &portal, subscription)?;
    if old["items"]["data"][0]["price"]["id"] == price {
        return Ok(old);
    }
    if price_obj["currency"] != old["currency"] {
        return Err(StripeError::invalid(
            "price",
            "The new price must have the subscription's currency.",
        ));
    }
    let mut new = old.clone();
    new["items"]["data"][0]["price"] = price_obj.clone();
    new["items"]["data"][0]["plan"] = objects::plan_of(&price_obj);
    let at = st.now_for_customer(&portal.customer);
    prorations::apply(
        st,
        &EventRequest::default(),
        prorations::Change {
            old: &old,
            new,
            behavior: portal.proration_behavior(),
            at,
            error_if_incomplete: false,
        },
    )
}
