//! Customers: creation (optionally on a test clock) and deletion, which cancels the
//! customer's live subscriptions at once, as Stripe does.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::{subscriptions, updates};
use crate::ids::{new_id, random_base62};
use crate::objects::status::{Status, SubscriptionStatus};

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
    let mut obj = json!({
        "id": new_id("cus_"),
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": st.now(),
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": description,
        "discount": null,
        "email": email,
        "invoice_prefix": random_base62(8).to_ascii_uppercase(),
        "invoice_settings": {
            "custom_fields": null,
            "default_payment_method": null,
            "footer": null,
            "rendering_options": null,
        },
        "livemode": false,
        "metadata": metadata,
        "name": name,
        "next_invoice_sequence": 1,
        "phone": phone,
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
    });
    if let Value::Object(d) = details {
        for (k, v) in d {
            match v {
                Value::Object(m) if k == "invoice_settings" => {
                    for (sk, sv) in m {
                        obj[k.as_str()][sk] = sv;
                    }
                }
                v => obj[k] = v,
            }
        }
    }
    if let Some((id, t)) = clock {
        obj["test_clock"] = json!(id);
        obj["created"] = json!(t);
    }
    st.store.put(obj.clone());
    st.emit_ref(request, "customer.created", &obj, None);
    obj
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
