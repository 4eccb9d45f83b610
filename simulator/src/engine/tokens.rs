//! Card tokens (`POST /v1/tokens`): a card number becomes a single-use `tok_…` holding a
//! `card` object. The test card table decides what the card does when it is charged or
//! attached (the behaviour is kept under the token's id); only a number that is not a card
//! number at all is refused when the token is made. Using a token (a charge's `source`, a
//! customer source, a payment method's `card[token]`) spends it: `used` becomes true and a
//! second use is a 400. The card number a token stands for is kept internally
//! (`AccountState::token_cards`), never in its JSON.

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::cards::{self, Behaviour, Decline, ResolvedCard};
use crate::error::StripeError;
use crate::ids::new_id;
use crate::objects::{self, card_source};
use crate::time::clock::date_of;

/// What `POST /v1/tokens` asks for.
#[derive(Debug, Clone)]
pub(crate) struct NewCardToken<'a> {
    /// `card[number]`
    pub(crate) number: &'a str,
    /// `card[exp_month]`, 1–12.
    pub(crate) exp_month: i64,
    /// `card[exp_year]`, two or four digits.
    pub(crate) exp_year: i64,
    /// `card[cvc]`, if given.
    pub(crate) cvc: Option<&'a str>,
    /// `card[name]`, if given.
    pub(crate) name: Option<&'a str>,
}

fn card_error(code: &'static str, param: &str, message: &str) -> StripeError {
    StripeError::Card {
        code,
        decline_code: None,
        message: message.into(),
        param: Some(param.into()),
    }
}

/// Creates and stores a card token. A number that is not a valid card number is a 402
/// `incorrect_number`; a month outside 1–12 `invalid_expiry_month`; an expiry in the past
/// `invalid_expiry_year`, as Stripe answers them.
pub(crate) fn create(st: &mut AccountState, t: &NewCardToken<'_>) -> Result<Value, StripeError> {
    let card = cards::resolve(t.number)
        .filter(|c| c.behaviour != Behaviour::Declined(Decline::IncorrectNumber))
        .ok_or_else(|| Decline::IncorrectNumber.error(Some("card[number]")))?;
    if !(1..=12).contains(&t.exp_month) {
        return Err(card_error(
            "invalid_expiry_month",
            "card[exp_month]",
            "Your card's expiration month is invalid.",
        ));
    }
    let now = st.now();
    let year = if t.exp_year < 100 {
        2000 + t.exp_year
    } else {
        t.exp_year
    };
    let today = date_of(now);
    let this_year: i64 = today[..4].parse().unwrap_or(1970);
    let this_month: i64 = today[5..7].parse().unwrap_or(1);
    if year < this_year || (year == this_year && t.exp_month < this_month) || year > this_year + 50
    {
        return Err(card_error(
            "invalid_expiry_year",
            "card[exp_year]",
            "Your card's expiration year is invalid.",
        ));
    }
    let pm = objects::payment_method(&card, None, None, now);
    let mut obj = card_source::card(&pm, None);
    obj["exp_month"] = json!(t.exp_month);
    obj["exp_year"] = json!(year);
    obj["name"] = json!(t.name);
    if t.cvc.is_none() {
        obj["cvc_check"] = Value::Null;
    }
    let id = new_id("tok_");
    let token = json!({
        "id": id,
        "object": "token",
        "card": obj,
        "client_ip": null,
        "created": now,
        "livemode": false,
        "type": "card",
        "used": false,
    });
    st.store.put(token.clone());
    st.token_cards.insert(id.clone(), card.number.clone());
    st.pm_behaviour.insert(id, card.behaviour);
    Ok(token)
}

/// Spends stored token `id` for a payment method (`card[token]`): the test card it stands
/// for, with the token's expiry, or `None` when no such token was made. A token already used
/// is a 400 on `param`.
pub(crate) fn spend_card(
    st: &mut AccountState,
    id: &str,
    param: &str,
) -> Option<Result<(ResolvedCard, Value), StripeError>> {
    let number = st.token_cards.get(id).cloned()?;
    let spent = spend(st, id, param)?;
    Some(spent.and_then(|(card_obj, _)| {
        cards::resolve(&number)
            .map(|card| (card, card_obj))
            .ok_or_else(|| Decline::IncorrectNumber.error(Some(param)))
    }))
}

/// Spends stored token `id`: its card object and test behaviour, or `None` when no such token
/// was made (the caller then tries the fixed `tok_visa`-style test tokens). A token already
/// used is a 400 on `param`.
pub(crate) fn spend(
    st: &mut AccountState,
    id: &str,
    param: &str,
) -> Option<Result<(Value, Behaviour), StripeError>> {
    let token = st.store.get_kind("token", id)?.clone();
    if token["used"] == true {
        return Some(Err(StripeError::InvalidRequest {
            code: Some("token_already_used"),
            param: Some(param.into()),
            message: format!("You cannot use a Stripe token more than once: {id}."),
        }));
    }
    let behaviour = st
        .pm_behaviour
        .get(id)
        .copied()
        .unwrap_or(Behaviour::Succeeds);
    let mut spent = token.clone();
    spent["used"] = json!(true);
    st.store.put(spent);
    Some(Ok((token["card"].clone(), behaviour)))
}
