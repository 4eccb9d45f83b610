//! Typed views of the Stripe objects we read — only the fields we use. Unknown fields are
//! ignored, so new API versions don't break decoding. Shapes follow API version
//! `2026-10-28.endive` (periods on subscription items, invoices linked to their subscription
//! via `parent.subscription_details`), with fallbacks for older shapes.

use std::collections::HashMap;

use serde::{Deserialize, Deserializer};

/// Deserialises an expandable field (`"cus_123"` or `{"id":"cus_123",…}`) to its id.
fn expandable_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IdOrObject {
        Id(String),
        Object { id: String },
    }
    Ok(Option::<IdOrObject>::deserialize(d)?.map(|v| match v {
        IdOrObject::Id(id) | IdOrObject::Object { id } => id,
    }))
}

/// Deserialises `null` (or absence, with `#[serde(default)]`) as the type's default.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A Stripe Customer.
#[derive(Debug, Clone, Deserialize)]
pub struct Customer {
    /// `cus_…`.
    pub id: String,
    /// E-mail on the customer (informational; never used to match users).
    #[serde(default)]
    pub email: Option<String>,
    /// Our metadata, notably `user_id`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: HashMap<String, String>,
}

/// A Checkout Session.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckoutSession {
    /// `cs_…`.
    pub id: String,
    /// The hosted page to send the customer to (absent once complete).
    #[serde(default)]
    pub url: Option<String>,
    /// `payment`, `setup` or `subscription`.
    #[serde(default)]
    pub mode: Option<String>,
    /// `open`, `complete` or `expired`.
    #[serde(default)]
    pub status: Option<String>,
    /// `paid`, `unpaid`, `no_payment_required`.
    #[serde(default)]
    pub payment_status: Option<String>,
    /// Our user id, set at creation.
    #[serde(default)]
    pub client_reference_id: Option<String>,
    /// The customer id (or expanded customer).
    #[serde(default, deserialize_with = "expandable_id")]
    pub customer: Option<String>,
    /// The subscription created by the session (or expanded subscription).
    #[serde(default, deserialize_with = "expandable_id")]
    pub subscription: Option<String>,
    /// Our metadata (`user_id`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: HashMap<String, String>,
}

/// A Price as embedded in subscription items.
#[derive(Debug, Clone, Deserialize)]
pub struct Price {
    /// `price_…`.
    pub id: String,
}

/// One subscription item: the price and, in current API versions, the billing period.
#[derive(Debug, Clone, Deserialize)]
pub struct SubscriptionItem {
    /// `si_…`.
    #[serde(default)]
    pub id: Option<String>,
    /// The price billed.
    pub price: Price,
    /// Period start (Unix seconds), API ≥ 2025-03-31.
    #[serde(default)]
    pub current_period_start: Option<i64>,
    /// Period end (Unix seconds), API ≥ 2025-03-31.
    #[serde(default)]
    pub current_period_end: Option<i64>,
}

/// A Stripe list (`{"object":"list","data":[…]}`).
#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    /// The page's items.
    pub data: Vec<T>,
    /// Whether more pages exist.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_more: bool,
}

/// A Subscription.
#[derive(Debug, Clone, Deserialize)]
pub struct Subscription {
    /// `sub_…`.
    pub id: String,
    /// The customer id (or expanded customer).
    #[serde(default, deserialize_with = "expandable_id")]
    pub customer: Option<String>,
    /// `incomplete`, `incomplete_expired`, `trialing`, `active`, `past_due`, `canceled`,
    /// `unpaid` or `paused`.
    pub status: String,
    /// Whether it ends at the period end.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cancel_at_period_end: bool,
    /// The items (one for our plans).
    pub items: List<SubscriptionItem>,
    /// Our metadata (`user_id`, copied from `subscription_data.metadata`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: HashMap<String, String>,
    /// The latest invoice id (or expanded invoice).
    #[serde(default, deserialize_with = "expandable_id")]
    pub latest_invoice: Option<String>,
    /// Older API versions: period start at top level.
    #[serde(default)]
    pub current_period_start: Option<i64>,
    /// Older API versions: period end at top level.
    #[serde(default)]
    pub current_period_end: Option<i64>,
}

impl Subscription {
    /// The price of the first item (our plans have exactly one item).
    pub fn price_id(&self) -> Option<&str> {
        self.items.data.first().map(|i| i.price.id.as_str())
    }

    /// The billing period (start, end) in Unix seconds: from the first item (current API
    /// versions), falling back to the top-level fields of older versions.
    pub fn period(&self) -> (Option<i64>, Option<i64>) {
        let item = self.items.data.first();
        (
            item.and_then(|i| i.current_period_start)
                .or(self.current_period_start),
            item.and_then(|i| i.current_period_end)
                .or(self.current_period_end),
        )
    }
}

/// `invoice.parent.subscription_details`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvoiceSubscriptionDetails {
    /// The subscription id.
    #[serde(default, deserialize_with = "expandable_id")]
    pub subscription: Option<String>,
    /// The subscription's metadata at invoice time.
    #[serde(default)]
    pub metadata: Option<HashMap<String, String>>,
}

/// `invoice.parent`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InvoiceParent {
    /// Present when the invoice was created by a subscription.
    #[serde(default)]
    pub subscription_details: Option<InvoiceSubscriptionDetails>,
}

/// An Invoice.
#[derive(Debug, Clone, Deserialize)]
pub struct Invoice {
    /// `in_…`.
    pub id: String,
    /// `draft`, `open`, `paid`, `uncollectible`, `void`.
    #[serde(default)]
    pub status: Option<String>,
    /// The customer id.
    #[serde(default, deserialize_with = "expandable_id")]
    pub customer: Option<String>,
    /// Where the invoice came from (current API versions).
    #[serde(default)]
    pub parent: Option<InvoiceParent>,
    /// Older API versions: the subscription at top level.
    #[serde(default, deserialize_with = "expandable_id")]
    pub subscription: Option<String>,
    /// Amount paid in minor units.
    #[serde(default)]
    pub amount_paid: Option<i64>,
    /// Currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// `subscription_create`, `subscription_cycle`, …
    #[serde(default)]
    pub billing_reason: Option<String>,
    /// Invoice period start.
    #[serde(default)]
    pub period_start: Option<i64>,
    /// Invoice period end.
    #[serde(default)]
    pub period_end: Option<i64>,
}

impl Invoice {
    /// The subscription this invoice bills, from `parent.subscription_details.subscription`
    /// or the older top-level `subscription`.
    pub fn subscription_id(&self) -> Option<&str> {
        self.parent
            .as_ref()
            .and_then(|p| p.subscription_details.as_ref())
            .and_then(|d| d.subscription.as_deref())
            .or(self.subscription.as_deref())
    }

    /// `user_id` from the subscription metadata snapshot on the invoice, if present.
    pub fn subscription_user_id(&self) -> Option<&str> {
        self.parent
            .as_ref()
            .and_then(|p| p.subscription_details.as_ref())
            .and_then(|d| d.metadata.as_ref())
            .and_then(|m| m.get("user_id"))
            .map(String::as_str)
    }
}

/// A Charge (only what dispute and fraud-warning handling reads).
#[derive(Debug, Clone, Deserialize)]
pub struct Charge {
    /// `ch_…`.
    pub id: String,
    /// The customer charged.
    #[serde(default, deserialize_with = "expandable_id")]
    pub customer: Option<String>,
    /// The PaymentIntent.
    #[serde(default, deserialize_with = "expandable_id")]
    pub payment_intent: Option<String>,
    /// Amount in minor units.
    #[serde(default)]
    pub amount: Option<i64>,
    /// Currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// Whether it is fully refunded.
    #[serde(default, deserialize_with = "null_as_default")]
    pub refunded: bool,
}

/// `dispute.evidence_details`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EvidenceDetails {
    /// Deadline for evidence (Unix seconds).
    #[serde(default)]
    pub due_by: Option<i64>,
    /// Whether evidence was given.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_evidence: bool,
    /// How many times evidence was submitted.
    #[serde(default, deserialize_with = "null_as_default")]
    pub submission_count: i64,
}

/// A Dispute.
#[derive(Debug, Clone, Deserialize)]
pub struct Dispute {
    /// `dp_…` (or `du_…`).
    pub id: String,
    /// The disputed charge.
    #[serde(default, deserialize_with = "expandable_id")]
    pub charge: Option<String>,
    /// Its PaymentIntent.
    #[serde(default, deserialize_with = "expandable_id")]
    pub payment_intent: Option<String>,
    /// Amount disputed.
    #[serde(default)]
    pub amount: Option<i64>,
    /// Currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// `fraudulent`, `product_not_received`, …
    #[serde(default)]
    pub reason: Option<String>,
    /// `warning_needs_response`, `needs_response`, `under_review`, `won`, `lost`, …
    pub status: String,
    /// The evidence fields as Stripe holds them.
    #[serde(default)]
    pub evidence: serde_json::Value,
    /// Deadline and submission count.
    #[serde(default, deserialize_with = "null_as_default")]
    pub evidence_details: EvidenceDetails,
    /// Creation time (Unix seconds).
    #[serde(default)]
    pub created: Option<i64>,
}

/// A Radar early fraud warning.
#[derive(Debug, Clone, Deserialize)]
pub struct EarlyFraudWarning {
    /// `issfr_…`.
    pub id: String,
    /// The charge it warns about.
    #[serde(default, deserialize_with = "expandable_id")]
    pub charge: Option<String>,
    /// Its PaymentIntent.
    #[serde(default, deserialize_with = "expandable_id")]
    pub payment_intent: Option<String>,
    /// The issuer's fraud type (`made_with_stolen_card`, …).
    #[serde(default)]
    pub fraud_type: Option<String>,
    /// False once the charge is disputed or fully refunded.
    #[serde(default, deserialize_with = "null_as_default")]
    pub actionable: bool,
    /// Creation time (Unix seconds).
    #[serde(default)]
    pub created: Option<i64>,
}

/// A Refund.
#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    /// `re_…`.
    pub id: String,
    /// `succeeded`, `pending`, `failed`, …
    #[serde(default)]
    pub status: Option<String>,
    /// Amount refunded.
    #[serde(default)]
    pub amount: Option<i64>,
}

/// A Customer Portal session.
#[derive(Debug, Clone, Deserialize)]
pub struct PortalSession {
    /// `bps_…`.
    pub id: String,
    /// The portal page to send the customer to.
    pub url: String,
}

/// `event.data`.
#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    /// The object as of the event.
    pub object: serde_json::Value,
    /// Old values of changed keys (`*.updated` only).
    #[serde(default)]
    pub previous_attributes: Option<serde_json::Value>,
}

/// An Event envelope as delivered to webhooks.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    /// `evt_…`.
    pub id: String,
    /// `checkout.session.completed`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Creation time (Unix seconds).
    pub created: i64,
    /// Whether it is a live-mode event.
    #[serde(default, deserialize_with = "null_as_default")]
    pub livemode: bool,
    /// The API version the payload is rendered in.
    #[serde(default)]
    pub api_version: Option<String>,
    /// The payload.
    pub data: EventData,
}

impl Event {
    /// Decodes `data.object` as `T`.
    pub fn object<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data.object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscription_period_prefers_items_then_top_level() {
        let s: Subscription = serde_json::from_value(serde_json::json!({
            "id": "sub_1", "status": "active", "customer": {"id": "cus_1"},
            "items": {"data": [{"id": "si_1", "price": {"id": "price_1"},
                "current_period_start": 100, "current_period_end": 200}]},
            "current_period_start": 1, "current_period_end": 2
        }))
        .unwrap();
        assert_eq!(s.period(), (Some(100), Some(200)));
        assert_eq!(s.customer.as_deref(), Some("cus_1"));
        assert_eq!(s.price_id(), Some("price_1"));
        let old: Subscription = serde_json::from_value(serde_json::json!({
            "id": "sub_1", "status": "active", "customer": "cus_1",
            "items": {"data": [{"price": {"id": "price_1"}}]},
            "current_period_start": 1, "current_period_end": 2
        }))
        .unwrap();
        assert_eq!(old.period(), (Some(1), Some(2)));
        let nulls: Subscription = serde_json::from_value(serde_json::json!({
            "id": "sub_1", "status": "active", "customer": null, "metadata": null,
            "cancel_at_period_end": null, "latest_invoice": null,
            "items": {"data": [], "has_more": null}
        }))
        .unwrap();
        assert!(nulls.metadata.is_empty() && !nulls.cancel_at_period_end);
        assert_eq!(nulls.price_id(), None);
    }

    #[test]
    fn invoice_subscription_from_parent_or_top_level() {
        let i: Invoice = serde_json::from_value(serde_json::json!({
            "id": "in_1", "parent": {"type": "subscription_details",
              "subscription_details": {"subscription": "sub_9", "metadata": {"user_id": "u1"}}},
            "subscription": "sub_old"
        }))
        .unwrap();
        assert_eq!(i.subscription_id(), Some("sub_9"));
        assert_eq!(i.subscription_user_id(), Some("u1"));
        let i: Invoice =
            serde_json::from_value(serde_json::json!({"id": "in_1", "subscription": "sub_2"}))
                .unwrap();
        assert_eq!(i.subscription_id(), Some("sub_2"));
    }
}
