//! `/v1/payment_methods`: create (`card[number]` or `card[token]`), retrieve (including the
//! magic `pm_card_*` ids), list, attach (test-card declines refused with 402), detach.

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::api::list_kind;
use crate::cards::{self, Behaviour, ResolvedCard};
use crate::error::StripeError;
use crate::objects;
use crate::pipeline::Call;

const CREATE_PARAMS: &[&str] = &["type", "card", "billing_details", "metadata"];

/// Stores a new card payment method (not attached) and remembers its test behaviour.
pub fn insert(
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

/// Resolves a path id: a stored payment method, or a magic `pm_card_*` name which
/// materialises a fresh payment method (as Stripe test mode does).
pub fn resolve_id(st: &mut AccountState, id: &str) -> Result<Value, StripeError> {
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

/// `POST /v1/payment_methods`
pub fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(CREATE_PARAMS)?;
    p.allow_only_under("card", &["number", "exp_month", "exp_year", "cvc", "token"])?;
    let kind = p.required("type")?;
    if kind != "card" {
        return Err(StripeError::invalid(
            "type",
            format!("The simulator supports type=card only (got '{kind}')."),
        ));
    }
    let input = match (p.nonempty("card[number]")?, p.nonempty("card[token]")?) {
        (Some(n), _) => n,
        (None, Some(t)) => t,
        (None, None) => {
            return Err(StripeError::ParameterMissing {
                param: "card[number]".into(),
            });
        }
    };
    let card = cards::resolve(input)
        .ok_or_else(|| cards::Decline::IncorrectNumber.error(Some("card[number]")))?;
    if card.behaviour == Behaviour::Declined(cards::Decline::IncorrectNumber) {
        return Err(cards::Decline::IncorrectNumber.error(Some("card[number]")));
    }
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let email = p.nonempty("billing_details[email]")?;
    let mut st = c.account.lock();
    let mut pm = insert(&mut st, &card, email, metadata);
    if let Some(name) = p.nonempty("billing_details[name]")? {
        pm["billing_details"]["name"] = json!(name);
        st.store.put(pm.clone());
    }
    Ok(pm)
}

/// `GET /v1/payment_methods/{id}`
pub fn retrieve(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    resolve_id(&mut c.account.lock(), c.id())
}

/// `GET /v1/payment_methods` (filters: `customer`, `type`)
pub fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "payment_method",
        "/v1/payment_methods",
        &[("customer", "customer"), ("type", "type")],
    )
}

/// Attaches a payment method to a customer, refusing declining test cards (402) like Stripe.
pub fn attach_to(
    st: &mut AccountState,
    request: &crate::account::EventRequest,
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

/// `POST /v1/payment_methods/{id}/attach` `{customer}`
pub fn attach(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["customer"])?;
    let customer = p.required("customer")?;
    attach_to(&mut c.account.lock(), &c.request, c.id(), customer)
}

/// `POST /v1/payment_methods/{id}/detach`
pub fn detach(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    let mut pm = st
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
    pm["customer"] = Value::Null;
    st.store.put(pm.clone());
    if let Some(cus) = st.store.get_kind_mut("customer", &customer)
        && cus["invoice_settings"]["default_payment_method"] == c.id()
    {
        cus["invoice_settings"]["default_payment_method"] = Value::Null;
    }
    st.emit(
        &c.request,
        "payment_method.detached",
        pm.clone(),
        Some(json!({"customer": customer})),
    );
    Ok(pm)
}
