//! Customer sources (legacy cards): a `tok_…` token becomes a `card_…` object on the
//! customer (`customer.source.created`); the first one becomes the customer's
//! `default_source` (`customer.updated`). Deleting one emits `customer.source.deleted` and
//! moves `default_source` to the newest remaining card.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::cards::{self, Behaviour};
use crate::engine::tokens;
use crate::error::StripeError;
use crate::objects::{self, card_source};

/// Makes a card object from token `token` (not stored): a token made by `POST /v1/tokens`
/// (spent by this use) or a fixed test token (`tok_visa`, …). Unknown tokens are a 400
/// `resource_missing` on `param`, as Stripe answers them.
pub(crate) fn card_from_token(
    st: &mut AccountState,
    token: &str,
    customer: Option<&str>,
    param: &str,
) -> Result<(Value, Behaviour), StripeError> {
    if let Some(spent) = tokens::spend(st, token, param) {
        let (mut card, behaviour) = spent?;
        card["customer"] = json!(customer);
        return Ok((card, behaviour));
    }
    let card = token
        .starts_with("tok_")
        .then(|| cards::resolve(token))
        .flatten()
        .ok_or_else(|| StripeError::InvalidRequest {
            code: Some("resource_missing"),
            param: Some(param.into()),
            message: format!("No such token: '{token}'"),
        })?;
    let pm = objects::payment_method(&card, None, None, st.now());
    let obj = card_source::card(&pm, customer);
    Ok((obj, card.behaviour))
}

/// Stores a card object and remembers its test behaviour (charges follow the card).
pub(crate) fn store(st: &mut AccountState, card: &Value, behaviour: Behaviour) {
    st.store.put(card.clone());
    let id = card["id"].as_str().unwrap_or_default().to_string();
    st.pm_behaviour.insert(id, behaviour);
}

fn live_customer(st: &AccountState, customer: &str) -> Result<Value, StripeError> {
    st.store
        .get_kind("customer", customer)
        .filter(|c| c["deleted"] != true)
        .cloned()
        .ok_or_else(|| StripeError::missing("customer", customer))
}

/// `POST /v1/customers/{id}/sources` with `source=tok_…`: declining cards are refused (402)
/// as at attach; the first card becomes `default_source`.
pub(crate) fn add(
    st: &mut AccountState,
    req: &EventRequest,
    customer: &str,
    token: &str,
    metadata: Value,
) -> Result<Value, StripeError> {
    let mut cus = live_customer(st, customer)?;
    let (mut card, behaviour) = card_from_token(st, token, Some(customer), "source")?;
    if let Behaviour::Declined(d) = behaviour {
        return Err(d.error(Some("source")));
    }
    card["metadata"] = metadata;
    store(st, &card, behaviour);
    st.emit(req, "customer.source.created", card.clone(), None);
    if cus["default_source"].is_null() {
        cus["default_source"] = card["id"].clone();
        st.store.put(cus.clone());
        st.emit(
            req,
            "customer.updated",
            cus,
            Some(json!({"default_source": null})),
        );
    }
    Ok(card)
}

/// The card `card` of `customer`, or 404.
pub(crate) fn get(st: &AccountState, customer: &str, card: &str) -> Result<Value, StripeError> {
    live_customer(st, customer)?;
    st.store
        .get_kind("card", card)
        .filter(|c| c["customer"] == customer)
        .cloned()
        .ok_or_else(|| StripeError::missing("source", card))
}

/// Deletes a customer's card → `customer.source.deleted`; a deleted default moves to the
/// newest remaining card (`customer.updated`).
pub(crate) fn delete(
    st: &mut AccountState,
    req: &EventRequest,
    customer: &str,
    card: &str,
) -> Result<Value, StripeError> {
    let obj = get(st, customer, card)?;
    st.store.remove(card);
    st.emit(req, "customer.source.deleted", obj.clone(), None);
    let mut cus = live_customer(st, customer)?;
    if cus["default_source"] == card {
        let next = st
            .store
            .ids_of("card")
            .filter_map(|id| st.store.get(id))
            .filter(|c| c["customer"] == customer)
            .last()
            .map(|c| c["id"].clone())
            .unwrap_or(Value::Null);
        cus["default_source"] = next;
        st.store.put(cus.clone());
        st.emit(
            req,
            "customer.updated",
            cus,
            Some(json!({"default_source": card})),
        );
    }
    Ok(json!({"id": card, "object": "card", "deleted": true}))
}

/// A card for a customer being created with `source=tok_…`: made from the token (spent) and
/// checked like a source added later (a declining card is a 402), not stored yet — the
/// caller creates the customer with the card as `default_source`, then [`keep_first`].
pub(crate) fn card_for_new_customer(
    st: &mut AccountState,
    token: &str,
) -> Result<(Value, Behaviour), StripeError> {
    let (card, behaviour) = card_from_token(st, token, None, "source")?;
    if let Behaviour::Declined(d) = behaviour {
        return Err(d.error(Some("source")));
    }
    Ok((card, behaviour))
}

/// Stores the card of [`card_for_new_customer`] on the customer just created →
/// `customer.source.created`.
pub(crate) fn keep_first(
    st: &mut AccountState,
    req: &EventRequest,
    customer: &str,
    mut card: Value,
    behaviour: Behaviour,
) {
    card["customer"] = json!(customer);
    store(st, &card, behaviour);
    st.emit(req, "customer.source.created", card, None);
}

/// `POST /v1/customers/{id}` with `source=tok_…`: the token becomes a new card of the
/// customer (`customer.source.created`) and the old default card is deleted
/// (`customer.source.deleted`), as Stripe replaces the default source. Returns the new
/// card's id; the caller makes it `default_source` (one `customer.updated`).
pub(crate) fn replace_default(
    st: &mut AccountState,
    req: &EventRequest,
    customer: &Value,
    token: &str,
) -> Result<String, StripeError> {
    let id = customer["id"].as_str().unwrap_or_default().to_string();
    let (mut card, behaviour) = card_from_token(st, token, Some(&id), "source")?;
    if let Behaviour::Declined(d) = behaviour {
        return Err(d.error(Some("source")));
    }
    card["metadata"] = json!({});
    store(st, &card, behaviour);
    st.emit(req, "customer.source.created", card.clone(), None);
    if let Some(old) = customer["default_source"].as_str()
        && let Some(obj) = st.store.get_kind("card", old).cloned()
    {
        st.store.remove(old);
        st.emit(req, "customer.source.deleted", obj, None);
    }
    Ok(card["id"].as_str().unwrap_or_default().to_string())
}

/// Checks that `card` is one of `customer`'s sources, for `default_source=` (400
/// `resource_missing` otherwise).
pub(crate) fn check_default(
    st: &AccountState,
    customer: &str,
    card: &str,
) -> Result<(), StripeError> {
    let own = st
        .store
        .get_kind("card", card)
        .is_some_and(|c| c["customer"] == customer);
    if own {
        Ok(())
    } else {
        Err(StripeError::InvalidRequest {
            code: Some("resource_missing"),
            param: Some("default_source".into()),
            message: format!("No such source: '{card}'"),
        })
    }
}
