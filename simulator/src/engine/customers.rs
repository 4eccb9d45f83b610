//! Customers: creation (optionally on a test clock) and deletion, which cancels the
//! customer's live subscriptions at once, as Stripe does.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::{subscriptions, updates};
use crate::objects::status::{Status, SubscriptionStatus};

mod draft;

use draft::Draft;
pub(crate) use draft::{Created, NewCustomer};

/// Builds, stores and announces (`customer.created`) a customer. Shared with Checkout.
pub(crate) fn insert(
    st: &mut AccountState,
    request: &EventRequest,
    email: Option<&str>,
    name: Option<&str>,
    description: Option<&str>,
    phone: Option<&str>,
    metadata: Value,
) -> Value {
    insert_with_clock(
        st,
        request,
        email,
        name,
        description,
        phone,
        metadata,
        json!({}),
        None,
    )
}

/// [`insert`] on a test clock `(clock id, its frozen_time)`: `created` is the clock's time.
/// `details` (checked by the caller) overrides fields of the new object; its
/// `invoice_settings` is merged key by key.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_with_clock(
    st: &mut AccountState,
    request: &EventRequest,
    email: Option<&str>,
    name: Option<&str>,
    description: Option<&str>,
    phone: Option<&str>,
    metadata: Value,
    details: Value,
    clock: Option<(&str, i64)>,
) -> Value {
    let new = NewCustomer {
        email,
        name,
        description,
        phone,
        metadata,
        details,
        clock,
    };
    let obj = Draft::new(st.now(), new).into_value();
    st.store.put(obj.clone());
    st.emit_ref(request, "customer.created", &obj, None);
    obj
}

/// Builds, stores and announces (`customer.created`) a customer whose creator answers it at
/// once (`POST /v1/customers`): serialized once, no `Value` built, the one text shared by
/// the store, the event and the answer.
pub(crate) fn create(st: &mut AccountState, request: &EventRequest, new: NewCustomer) -> Created {
    let draft = Draft::new(st.now(), new);
    let text: Arc<str> = Arc::from(draft.text());
    st.store.put_text(&draft.id, "customer", text.clone());
    st.emit_text(request, "customer.created", text.clone(), None);
    Created { id: draft.id, text }
}

/// Deletes customer `old` (a live customer object): cancels its live subscriptions
/// (`customer.subscription.deleted` each), stores the tombstone, emits `customer.deleted`.
pub(crate) fn delete(st: &mut AccountState, req: &EventRequest, old: Value) -> Value {
    let cus_id = old["id"].as_str().unwrap_or_default().to_string();
    // Stripe cancels the customer's live subscriptions at once.
    let now = st.now_for_customer(&cus_id);
    let live: Vec<String> = st
        .store
        .ids_of("subscription")
        .filter(|id| {
            st.store.get(id).is_some_and(|sub| {
                sub["customer"] == cus_id.as_str()
                    && !SubscriptionStatus::of(sub).is_some_and(SubscriptionStatus::is_ended)
            })
        })
        .cloned()
        .collect();
    for id in live {
        if let Some(sub) = st.store.get_kind("subscription", &id).cloned() {
            subscriptions::cancel_now(st, req, sub, now, None);
        }
    }
    let tomb = json!({"id": cus_id, "object": "customer", "deleted": true});
    st.store.put(tomb.clone());
    st.emit(req, "customer.deleted", old, None);
    tomb
}

/// Records a customer update `old` → `new` (`customer.updated`; nothing when unchanged).
pub(crate) fn update(st: &mut AccountState, req: &EventRequest, old: &Value, new: Value) -> Value {
    updates::record(st, req, "customer.updated", old, &new);
    new
}

/// Makes `pm` the default payment method of a customer just created (part of its
/// creation: no event of its own).
pub(crate) fn set_default_payment_method(
    st: &mut AccountState,
    customer: &Value,
    pm: &Value,
) -> Value {
    let mut cus = customer.clone();
    cus["invoice_settings"]["default_payment_method"] = pm["id"].clone();
    st.store.put(cus.clone());
    cus
}
