//! The legacy Charges API: a charge made directly from a card source (`tok_…`, a
//! customer's `card_…` or the customer's `default_source`), optionally authorised only
//! (`capture=false`) and captured later. Test cards behave as in `engine::payments`: a
//! decline stores a `failed` charge (`charge.failed`) and answers 402 with the charge id;
//! a success emits `charge.succeeded`, a capture `charge.captured`, and dispute and
//! fraud-warning cards follow up once the charge is captured. An authorisation not captured
//! within seven days of simulated time expires (`charge.expired`, [`expire`]).

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::cards::Behaviour;
use crate::engine::payments::{FollowUp, Payment, behaviour_of, decline_for};
use crate::engine::{follow_up, outcomes, sources, updates};
use crate::error::StripeError;
use crate::ids::new_id;
use crate::objects::{self, card_source, previous_attributes};

/// What `POST /v1/charges` asks for.
#[derive(Debug, Clone)]
pub(crate) struct NewCharge<'a> {
    /// Amount in minor units.
    pub(crate) amount: i64,
    /// Lowercase currency.
    pub(crate) currency: &'a str,
    /// `cus_…`, if any.
    pub(crate) customer: Option<&'a str>,
    /// `tok_…` or `card_…`, if any (else the customer's default source).
    pub(crate) source: Option<&'a str>,
    /// `false` authorises only.
    pub(crate) capture: bool,
    /// Charge description.
    pub(crate) description: Option<&'a str>,
    /// Charge metadata.
    pub(crate) metadata: Value,
    /// Receipt e-mail.
    pub(crate) receipt_email: Option<&'a str>,
    /// Statement descriptor.
    pub(crate) statement_descriptor: Option<&'a str>,
    /// Statement descriptor suffix.
    pub(crate) statement_descriptor_suffix: Option<&'a str>,
    /// Transfer group.
    pub(crate) transfer_group: Option<&'a str>,
}

/// The card object a new charge uses, stored (tokens make a fresh one).
fn card_for(st: &mut AccountState, r: &NewCharge<'_>) -> Result<Value, StripeError> {
    let customer = match r.customer {
        Some(c) => Some(
            st.store
                .get_kind("customer", c)
                .filter(|o| o["deleted"] != true)
                .cloned()
                .ok_or_else(|| StripeError::missing_param("customer", c, "customer"))?,
        ),
        None => None,
    };
    match r.source {
        Some(tok) if tok.starts_with("tok_") => {
            let (card, behaviour) = sources::card_from_token(st, tok, None, "source")?;
            sources::store(st, &card, behaviour);
            Ok(card)
        }
        Some(id) => {
            let card = st.store.get_kind("card", id).cloned();
            match (card, r.customer) {
                (Some(card), Some(c)) if card["customer"] == c => Ok(card),
                (Some(_), None) => Err(StripeError::invalid(
                    "source",
                    format!("Card {id} belongs to a customer: pass that customer as well."),
                )),
                (_, Some(c)) => Err(StripeError::invalid(
                    "source",
                    format!("Customer {c} does not have a linked source with ID {id}."),
                )),
                (None, None) => Err(StripeError::InvalidRequest {
                    code: Some("resource_missing"),
                    param: Some("source".into()),
                    message: format!("No such source: '{id}'"),
                }),
            }
        }
        None => {
            let Some(cus) = customer else {
                return Err(StripeError::bad_request("Must provide source or customer."));
            };
            let default = cus["default_source"].as_str().unwrap_or_default();
            st.store
                .get_kind("card", default)
                .cloned()
                .ok_or_else(|| StripeError::Card {
                    code: "missing",
                    decline_code: None,
                    message: "Cannot charge a customer that has no active card".into(),
                    param: Some("card".into()),
                })
        }
    }
}

/// Creates a charge. A decline is `Err` (402 with `charge`) after the failed charge is
/// stored and `charge.failed` emitted.
pub(crate) fn create(
    st: &mut AccountState,
    req: &EventRequest,
    r: &NewCharge<'_>,
) -> Result<Value, StripeError> {
    let card = card_for(st, r)?;
    let card_id = card["id"].as_str().unwrap_or_default().to_string();
    let now = r
        .customer
        .map_or_else(|| st.now(), |c| st.now_for_customer(c));
    let basis = json!({
        "id": null,
        "amount": r.amount,
        "currency": r.currency,
        "customer": r.customer,
        "description": r.description,
    });
    let mut charge = objects::charge(&basis, &card_source::as_payment_method(&card), now);
    charge["payment_intent"] = Value::Null;
    charge["source"] = card;
    charge["metadata"] = r.metadata.clone();
    charge["receipt_email"] = json!(r.receipt_email);
    charge["statement_descriptor"] = json!(r.statement_descriptor);
    charge["statement_descriptor_suffix"] = json!(r.statement_descriptor_suffix);
    charge["transfer_group"] = json!(r.transfer_group);
    let id = charge["id"].as_str().unwrap_or_default().to_string();
    if let Some(d) = decline_for(st, r.customer, &card_id) {
        let err = outcomes::fail(&mut charge, d);
        st.store.put(charge.clone());
        st.emit(req, "charge.failed", charge, None);
        return Err(StripeError::Decorated {
            base: Box::new(err),
            extra: json!({"charge": id}),
        });
    }
    let behaviour = behaviour_of(st, &card_id);
    outcomes::approve(&mut charge, behaviour);
    if !r.capture {
        charge["captured"] = json!(false);
        charge["amount_captured"] = json!(0);
        charge["balance_transaction"] = Value::Null;
    }
    st.store.put(charge.clone());
    if !r.capture {
        st.time.authorizations.insert(id.clone(), now);
    }
    st.emit(req, "charge.succeeded", charge.clone(), None);
    if r.capture {
        follow(st, r.customer, &charge, behaviour);
    }
    Ok(charge)
}

/// Runs a dispute or fraud-warning card's after-effects on a captured charge (not when the
/// control plane forces the customer's payments).
fn follow(st: &mut AccountState, customer: Option<&str>, charge: &Value, behaviour: Behaviour) {
    if customer.is_some_and(|c| st.payments.customer_override.contains_key(c)) {
        return;
    }
    let follow_up = match behaviour {
        Behaviour::Dispute { reason, inquiry } => FollowUp::Dispute { reason, inquiry },
        Behaviour::EarlyFraudWarning => FollowUp::EarlyFraudWarning,
        _ => return,
    };
    let payment = Payment {
        payment_intent: Value::Null,
        charge: charge.clone(),
        error: None,
        follow_up,
    };
    follow_up::run(st, &payment);
}

/// Captures an authorised charge, fully or `amount` of it (the rest is released and shows
/// as refunded) → `charge.captured`.
pub(crate) fn capture(
    st: &mut AccountState,
    req: &EventRequest,
    id: &str,
    amount: Option<i64>,
) -> Result<Value, StripeError> {
    let old = st
        .store
        .get_kind("charge", id)
        .cloned()
        .ok_or_else(|| StripeError::missing("charge", id))?;
    if old["status"] != "succeeded" {
        return Err(StripeError::bad_request(format!(
            "Charge {id} cannot be captured because its status is {}.",
            old["status"].as_str().unwrap_or_default()
        )));
    }
    if old["captured"] == true {
        return Err(StripeError::InvalidRequest {
            code: Some("charge_already_captured"),
            param: None,
            message: format!("Charge {id} has already been captured."),
        });
    }
    if old["refunded"] == true {
        return Err(StripeError::InvalidRequest {
            code: Some("charge_expired_for_capture"),
            param: None,
            message: format!(
                "Charge {id} cannot be captured: its authorization expired (uncaptured charges must be captured within 7 days)."
            ),
        });
    }
    let total = old["amount"].as_i64().unwrap_or(0);
    let amount = amount.unwrap_or(total);
    if amount < 1 || amount > total {
        return Err(StripeError::InvalidRequest {
            code: Some("amount_too_large").filter(|_| amount > total),
            param: Some("amount".into()),
            message: format!(
                "The amount to capture must be between 1 and the charge's amount ({total})."
            ),
        });
    }
    let mut ch = old.clone();
    ch["captured"] = json!(true);
    ch["amount_captured"] = json!(amount);
    ch["amount_refunded"] = json!(total - amount);
    ch["balance_transaction"] = json!(new_id("txn_"));
    st.store.put(ch.clone());
    st.time.authorizations.remove(id);
    let prev = previous_attributes(&old, &ch);
    st.emit(req, "charge.captured", ch.clone(), Some(prev));
    let behaviour = behaviour_of(st, ch["payment_method"].as_str().unwrap_or_default());
    let customer = ch["customer"].as_str().map(str::to_string);
    follow(st, customer.as_deref(), &ch, behaviour);
    Ok(ch)
}

/// How long an uncaptured charge can still be captured (Stripe: seven days).
pub(crate) const AUTHORIZATION_EXPIRES_AFTER: i64 = 7 * 86_400;

/// Expires uncaptured charge `id` (due [`AUTHORIZATION_EXPIRES_AFTER`] after it was made):
/// the authorisation is released — `refunded` true, `amount_refunded` the whole amount,
/// `captured` stays false, `status` stays `succeeded` — → `charge.expired`. A captured or
/// unknown charge is left alone.
pub(crate) fn expire(st: &mut AccountState, id: &str) {
    if st.time.authorizations.remove(id).is_none() {
        return;
    }
    let Some(mut ch) = st.store.get_kind("charge", id).cloned() else {
        return;
    };
    if ch["captured"] == true {
        return;
    }
    ch["refunded"] = json!(true);
    ch["amount_refunded"] = ch["amount"].clone();
    st.store.put(ch.clone());
    st.emit(&EventRequest::default(), "charge.expired", ch, None);
}

/// Updates `description`, `metadata`, `receipt_email` → `charge.updated` when anything
/// changed.
pub(crate) fn update(
    st: &mut AccountState,
    req: &EventRequest,
    id: &str,
    change: impl FnOnce(&mut Value) -> Result<(), StripeError>,
) -> Result<Value, StripeError> {
    let old = st
        .store
        .get_kind("charge", id)
        .cloned()
        .ok_or_else(|| StripeError::missing("charge", id))?;
    let mut ch = old.clone();
    change(&mut ch)?;
    updates::record(st, req, "charge.updated", &old, &ch);
    Ok(ch)
}
