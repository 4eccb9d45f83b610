//! `/v1/payment_methods`: create (`card[number]` or `card[token]`), retrieve (including the
//! magic `pm_card_*` ids), list, attach (test-card declines refused with 402), detach.

use serde_json::{Value, json};

use crate::api::{customer_details, list_kind};
use crate::cards::{self, Behaviour};
use crate::engine::{payment_methods, tokens};
use crate::error::StripeError;
use crate::pipeline::Call;

const CREATE_PARAMS: &[&str] = &["type", "card", "billing_details", "metadata"];

/// `POST /v1/payment_methods`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(CREATE_PARAMS)?;
    p.allow_only_under("card", &["number", "exp_month", "exp_year", "cvc", "token"])?;
    p.allow_only_under(
        "billing_details",
        &["address", "email", "name", "phone", "tax_id"],
    )?;
    let kind = p.required("type")?;
    if kind != "card" {
        return Err(StripeError::invalid(
            "type",
            format!("The simulator supports type=card only (got '{kind}')."),
        ));
    }
    let (number, token) = (p.nonempty("card[number]")?, p.nonempty("card[token]")?);
    if number.is_none() && token.is_none() {
        return Err(StripeError::ParameterMissing {
            param: "card[number]".into(),
        });
    }
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let email = p.nonempty("billing_details[email]")?;
    // Shown as given in `billing_details` (checked before anything is created).
    let mut billing = json!({});
    for key in ["name", "phone", "tax_id"] {
        if let Some(v) = p.nonempty(&format!("billing_details[{key}]"))? {
            billing[key] = json!(v);
        }
    }
    if let Some(a) = customer_details::address(p, "billing_details[address]", &Value::Null)? {
        billing["address"] = a;
    }
    let mut st = c.account.lock();
    // A token made by `POST /v1/tokens` is spent and gives its card and expiry; anything
    // else is a card number or a fixed test token (`tok_visa`).
    let (card, expiry) = match (number, token) {
        (None, Some(t)) if let Some(spent) = tokens::spend_card(&mut st, t, "card[token]") => {
            let (card, obj) = spent?;
            (
                card,
                Some((obj["exp_month"].clone(), obj["exp_year"].clone())),
            )
        }
        (n, t) => (resolve_card(n.or(t).unwrap_or_default())?, None),
    };
    let pm = payment_methods::create(&mut st, &card, email, billing, metadata);
    Ok(match expiry {
        Some((month, year)) => payment_methods::set_expiry(&mut st, pm, month, year),
        None => pm,
    })
}

/// A card number or a fixed test token; not a card at all is a 402 `incorrect_number`.
fn resolve_card(input: &str) -> Result<cards::ResolvedCard, StripeError> {
    cards::resolve(input)
        .filter(|c| c.behaviour != Behaviour::Declined(cards::Decline::IncorrectNumber))
        .ok_or_else(|| cards::Decline::IncorrectNumber.error(Some("card[number]")))
}

/// `GET /v1/payment_methods/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    payment_methods::resolve_id(&mut c.account.lock(), c.id())
}

/// `GET /v1/payment_methods` (filters: `customer`, `type`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "payment_method",
        "/v1/payment_methods",
        &[("customer", "customer"), ("type", "type")],
    )
}

/// `POST /v1/payment_methods/{id}/attach` `{customer}`
pub(crate) fn attach(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["customer"])?;
    let customer = p.required("customer")?;
    payment_methods::attach_to(&mut c.account.lock(), &c.request, c.id(), customer)
}

/// `POST /v1/payment_methods/{id}/detach`
pub(crate) fn detach(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    let pm = st
        .store
        .get_kind("payment_method", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("PaymentMethod", c.id()))?;
    let Some(customer) = pm["customer"].as_str().map(str::to_string) else {
        return Err(StripeError::bad_request(format!(
            "The payment method {} is not attached to a customer so detachment is impossible.",
            c.id()
        )));
    };
    Ok(payment_methods::detach(&mut st, &c.request, pm, &customer))
}
