//! The steps every Checkout mode shares when a session is paid or a card saved: finding or
//! creating the customer, reading the session's line items, and completing the session
//! (→ `checkout.session.completed`).

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest, SessionSubscriptionData};
use crate::cards::ResolvedCard;
use crate::engine::customers;
use crate::error::StripeError;

/// What completing a session starts from (the card already checked).
#[derive(Debug, Clone)]
pub(crate) struct Completion<'a> {
    /// The open session.
    pub(crate) session: Value,
    /// The payer's card.
    pub(crate) card: &'a ResolvedCard,
    /// The e-mail typed on the page, if any.
    pub(crate) typed_email: Option<&'a str>,
    /// `subscription_data` / `payment_intent_data` / `setup_intent_data`.
    pub(crate) data: SessionSubscriptionData,
    /// The time to stamp on objects.
    pub(crate) now: i64,
}

impl Completion<'_> {
    /// The session's `customer_creation=always`: make a customer when it has none.
    pub(crate) fn creates_customer(&self) -> bool {
        self.session["customer_creation"] == "always"
    }

    /// The payer's e-mail (see [`payer_email`]).
    pub(crate) fn email(&self) -> Option<String> {
        payer_email(&self.session, self.typed_email)
    }

    /// The intent data's metadata (`{}` when none was given).
    pub(crate) fn metadata(&self) -> Value {
        if self.data.metadata.is_object() {
            self.data.metadata.clone()
        } else {
            json!({})
        }
    }
}

/// The session's customer: the one it was created for, else a new one (→
/// `customer.created`, e-mail from `customer_email` or `typed_email`) when `create`, else
/// none.
pub(crate) fn customer(
    st: &mut AccountState,
    req: &EventRequest,
    session: &Value,
    typed_email: Option<&str>,
    create: bool,
) -> Result<Option<Value>, StripeError> {
    if let Some(id) = session["customer"].as_str() {
        return st
            .store
            .get_kind("customer", id)
            .cloned()
            .map(Some)
            .ok_or_else(|| StripeError::missing_param("customer", id, "customer"));
    }
    if !create {
        return Ok(None);
    }
    let email = payer_email(session, typed_email);
    Ok(Some(customers::insert(
        st,
        req,
        email.as_deref(),
        None,
        None,
        None,
        json!({}),
    )))
}

/// The payer's e-mail: the session's `customer_email`, else what was typed on the page.
pub(crate) fn payer_email(session: &Value, typed_email: Option<&str>) -> Option<String> {
    session["customer_email"]
        .as_str()
        .or(typed_email.filter(|e| !e.is_empty()))
        .map(str::to_string)
}

/// The session's line items as (price, quantity).
pub(crate) fn items(st: &AccountState, session_id: &str) -> Result<Vec<(Value, i64)>, StripeError> {
    st.session_items
        .get(session_id)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|it| {
            st.store
                .get_kind("price", &it.price)
                .cloned()
                .map(|p| (p, it.quantity))
                .ok_or_else(|| StripeError::Api {
                    message: format!("price {} vanished", it.price),
                })
        })
        .collect()
}

/// Completes open `session`: `status=complete`, no `url`, the customer (if any) and
/// `customer_details`, and `links` (`subscription`, `payment_intent`, `payment_status`, …)
/// → `checkout.session.completed`.
pub(crate) fn finish(
    st: &mut AccountState,
    req: &EventRequest,
    session: Value,
    customer: Option<&Value>,
    email: Option<String>,
    links: &[(&str, Value)],
) -> Value {
    let mut done = session;
    done["status"] = json!("complete");
    done["url"] = Value::Null;
    if let Some(c) = customer {
        done["customer"] = c["id"].clone();
    }
    for (k, v) in links {
        done[*k] = v.clone();
    }
    let email = customer
        .and_then(|c| c["email"].as_str().map(str::to_string))
        .or(email);
    done["customer_details"] = json!({
        "address": null,
        "business_name": null,
        "email": email,
        "individual_name": null,
        "name": customer.map_or(Value::Null, |c| c["name"].clone()),
        "phone": null,
        "tax_exempt": "none",
        "tax_ids": [],
    });
    st.store.put(done.clone());
    st.emit(req, "checkout.session.completed", done.clone(), None);
    done
}
