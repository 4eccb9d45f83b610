//! Card payment methods: creation from a test card (remembering its test behaviour),
//! Stripe's magic `pm_card_*` ids, attaching (declining cards refused) and detaching.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::cards::{self, Behaviour, ResolvedCard};
use crate::error::StripeError;
use crate::objects;

/// Stores a new card payment method (not attached) and remembers its test behaviour.
pub(crate) fn insert(
    st: &mut AccountState,
    card: &ResolvedCard,
    email: Option<&str>,
    metadata: Value,
) -> Value {
    let mut pm = objects::payment_method(card, None, email, st.now());
    pm["metadata"] = metadata;
    let id = pm["id"].as_str().unwrap_or_default().to_string();
    st.store.put(pm.clone());
    st.pm_behaviour.insert(id, card.behaviour);
    pm
}

/// Creates a card payment method from `POST /v1/payment_methods` (not attached); the keys of
/// `billing` (name, phone, tax id, address — checked by the caller) go into `billing_details`.
pub(crate) fn create(
    st: &mut AccountState,
    card: &ResolvedCard,
    email: Option<&str>,
    billing: Value,
    metadata: Value,
) -> Value {
    let mut pm = insert(st, card, email, metadata);
    if let Value::Object(fields) = billing
        && !fields.is_empty()
    {
        for (k, v) in fields {
            pm["billing_details"][k] = v;
        }
        st.store.put(pm.clone());
    }
    pm
}

/// Gives stored payment method `pm` the card expiry `month` / `year` (a token's).
pub(crate) fn set_expiry(st: &mut AccountState, mut pm: Value, month: Value, year: Value) -> Value {
    pm["card"]["exp_month"] = month;
    pm["card"]["exp_year"] = year;
    st.store.put(pm.clone());
    pm
}

/// Resolves a path id: a stored payment method, or a magic `pm_card_*` name which
/// materialises a fresh payment method (as Stripe test mode does).
pub(crate) fn resolve_id(st: &mut AccountState, id: &str) -> Result<Value, StripeError> {
    if let Some(pm) = st.store.get_kind("payment_method", id) {
        return Ok(pm.clone());
    }
    if id.starts_with("pm_card_")
        && let Some(card) = cards::resolve(id)
    {
        return Ok(insert(st, &card, None, json!({})));
    }
    Err(StripeError::missing("PaymentMethod", id))
}

/// Attaches a payment method to a customer, refusing declining test cards (402) like Stripe.
pub(crate) fn attach_to(
    st: &mut AccountState,
    request: &EventRequest,
    pm_id: &str,
    customer: &str,
) -> Result<Value, StripeError> {
    let mut pm = resolve_id(st, pm_id)?;
    if st
        .store
        .get_kind("customer", customer)
        .is_none_or(|o| o["deleted"] == true)
    {
        return Err(StripeError::missing_param("customer", customer, "customer"));
    }
    if let Some(other) = pm["customer"].as_str() {
        if other == customer {
            return Ok(pm);
        }
        return Err(StripeError::invalid(
            "customer",
            "The payment method you provided has already been attached to a customer.",
        ));
    }
    let behaviour = st
        .pm_behaviour
        .get(pm["id"].as_str().unwrap_or_default())
        .copied()
        .unwrap_or(Behaviour::Succeeds);
    if let Behaviour::Declined(d) = behaviour {
        return Err(d.error(None));
    }
    pm["customer"] = json!(customer);
    st.store.put(pm.clone());
    st.emit(request, "payment_method.attached", pm.clone(), None);
    Ok(pm)
}

/// Detaches `pm` from `customer` (clearing it as the customer's default) →
/// `payment_method.detached`.
pub(crate) fn detach(
    st: &mut AccountState,
    req: &EventRequest,
    mut pm: Value,
    customer: &str,
) -> Value {
    let pm_id = pm["id"].as_str().unwrap_or_default().to_string();
    let pm_id = pm_id.as_str();
    pm["customer"] = Value::Null;
    st.store.put(pm.clone());
    if let Some(cus) = st.store.get_kind_mut("customer", customer)
        && cus["invoice_settings"]["default_payment_method"] == pm_id
    {
        cus["invoice_settings"]["default_payment_method"] = Value::Null;
    }
    st.emit(
        req,
        "payment_method.detached",
        pm.clone(),
        Some(json!({"customer": customer})),
    );
    pm
}
