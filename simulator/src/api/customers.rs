//! `/v1/customers`: create, retrieve (deleted customers answer `deleted: true`), update,
//! delete, list (`email=` filter).

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::api::customer_details;
use crate::api::list_kind;
use crate::engine::{customers, payment_methods, sources};
use crate::error::StripeError;
use crate::pipeline::Call;

const CREATE_PARAMS: &[&str] = &[
    "email",
    "name",
    "description",
    "phone",
    "metadata",
    "preferred_locales",
    "payment_method",
    "invoice_settings",
    "test_clock",
    "source",
];
const UPDATE_PARAMS: &[&str] = &[
    "email",
    "name",
    "description",
    "phone",
    "metadata",
    "preferred_locales",
    "invoice_settings",
    "source",
    "default_source",
];

fn check_email(email: Option<&str>) -> Result<(), StripeError> {
    if let Some(e) = email
        && (e.len() > 512 || !e.contains('@'))
    {
        return Err(StripeError::InvalidRequest {
            code: Some("email_invalid"),
            param: Some("email".into()),
            message: format!("Invalid email address: {e}"),
        });
    }
    Ok(())
}

/// Checks that `pm` is attached to `customer` before it becomes the invoice default.
fn check_default_pm(st: &AccountState, customer: &str, pm: &str) -> Result<(), StripeError> {
    let attached = st
        .store
        .get_kind("payment_method", pm)
        .is_some_and(|o| o["customer"] == customer);
    if attached {
        Ok(())
    } else {
        Err(StripeError::invalid(
            "invoice_settings[default_payment_method]",
            format!(
                "No such PaymentMethod: '{pm}'; it must be attached to customer {customer} first."
            ),
        ))
    }
}

/// `POST /v1/customers`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only_with(CREATE_PARAMS, customer_details::PARAMS)?;
    p.allow_only_under("invoice_settings", customer_details::INVOICE_SETTINGS)?;
    // The stored-as-given fields, checked before anything is created.
    let mut details = json!({"invoice_settings": {}});
    customer_details::apply(p, &mut details)?;
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let email = p.nonempty("email")?;
    check_email(email)?;
    let pm = p.nonempty("payment_method")?;
    let default_pm = p.nonempty("invoice_settings[default_payment_method]")?;
    let mut st = c.account.lock();
    // Validate the payment method before creating anything (a declining card is a 402).
    if let Some(pm) = pm {
        let exists = st.store.get_kind("payment_method", pm).is_some()
            || crate::cards::resolve(pm).is_some();
        if !exists {
            return Err(StripeError::missing_param(
                "PaymentMethod",
                pm,
                "payment_method",
            ));
        }
        if st
            .store
            .get_kind("payment_method", pm)
            .is_some_and(|o| !o["customer"].is_null())
        {
            return Err(StripeError::invalid(
                "payment_method",
                "The payment method you provided has already been attached to a customer.",
            ));
        }
        if let Some(crate::cards::Behaviour::Declined(d)) = st
            .pm_behaviour
            .get(pm)
            .copied()
            .or_else(|| crate::cards::resolve(pm).map(|c| c.behaviour))
        {
            return Err(d.error(None));
        }
    }
    // A customer joins a test clock only at creation; the clock objects belong to
    // `time/` and live in the store as `test_helpers.test_clock`.
    let clock = p.nonempty("test_clock")?;
    let clock_time = match clock {
        Some(id) => Some(
            st.store
                .get_kind("test_helpers.test_clock", id)
                .filter(|_| !st.time.deleted_clocks.contains(id))
                .and_then(|o| o["frozen_time"].as_i64())
                .ok_or_else(|| {
                    StripeError::missing_param("test_helpers.test_clock", id, "test_clock")
                })?,
        ),
        None => None,
    };
    if default_pm.is_some() && default_pm != pm {
        return Err(StripeError::invalid(
            "invoice_settings[default_payment_method]",
            "invoice_settings[default_payment_method] must be the payment_method given at creation.",
        ));
    }
    // `source=tok_…`: the card is checked (and the token spent) before the customer exists,
    // and is its `default_source` from the start.
    let source = match p.nonempty("source")? {
        Some(tok) => {
            let (card, behaviour) = sources::card_for_new_customer(&mut st, tok)?;
            details["default_source"] = card["id"].clone();
            Some((card, behaviour))
        }
        None => None,
    };
    let new = customers::NewCustomer {
        email,
        name: p.nonempty("name")?,
        description: p.nonempty("description")?,
        phone: p.nonempty("phone")?,
        metadata,
        details,
        clock: clock.zip(clock_time),
    };
    let created = customers::create(&mut st, &c.request, new);
    if let Some((card, behaviour)) = source {
        sources::keep_first(&mut st, &c.request, &created.id, card, behaviour);
    }
    if let Some(pm) = pm {
        let attached = payment_methods::attach_to(&mut st, &c.request, pm, &created.id)?;
        if default_pm.is_some() {
            let cus = stored_customer(&st, &created.id);
            return Ok(customers::set_default_payment_method(
                &mut st, &cus, &attached,
            ));
        }
    }
    if !c.plain {
        return Ok(stored_customer(&st, &created.id));
    }
    drop(st);
    // The text just stored is the answer: the object is not serialized again.
    c.answer_text(created.text.to_string());
    Ok(Value::Null)
}

/// The customer `id` just created, as stored.
fn stored_customer(st: &AccountState, id: &str) -> Value {
    st.store
        .get_kind("customer", id)
        .cloned()
        .unwrap_or_default()
}

/// `GET /v1/customers/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    crate::api::retrieve_kind(c, "customer")
}

/// `POST /v1/customers/{id}`
pub(crate) fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only_with(UPDATE_PARAMS, customer_details::PARAMS)?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("customer", c.id())
        .filter(|o| o["deleted"] != true)
        .cloned()
        .ok_or_else(|| StripeError::missing("customer", c.id()))?;
    p.allow_only_under("invoice_settings", customer_details::INVOICE_SETTINGS)?;
    check_email(p.nonempty("email")?)?;
    let mut new = old.clone();
    customer_details::apply(p, &mut new)?;
    if let Some(pm) = p.str("invoice_settings[default_payment_method]")? {
        if pm.is_empty() {
            new["invoice_settings"]["default_payment_method"] = Value::Null;
        } else {
            check_default_pm(&st, c.id(), pm)?;
            new["invoice_settings"]["default_payment_method"] = json!(pm);
        }
    }
    for field in ["email", "name", "description", "phone"] {
        if let Some(v) = p.str(field)? {
            new[field] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    // Legacy sources: `default_source=card_…` picks one of the customer's cards;
    // `source=tok_…` replaces the default card with a new one.
    match (p.nonempty("source")?, p.nonempty("default_source")?) {
        (Some(_), Some(_)) => {
            return Err(StripeError::invalid(
                "default_source",
                "Pass either source or default_source, not both.",
            ));
        }
        (Some(tok), None) => {
            new["default_source"] =
                json!(sources::replace_default(&mut st, &c.request, &old, tok)?);
        }
        (None, Some(card)) => {
            sources::check_default(&st, c.id(), card)?;
            new["default_source"] = json!(card);
        }
        (None, None) => {}
    }
    Ok(customers::update(&mut st, &c.request, &old, new))
}

/// `DELETE /v1/customers/{id}`
pub(crate) fn delete(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("customer", c.id())
        .filter(|o| o["deleted"] != true)
        .cloned()
        .ok_or_else(|| StripeError::missing("customer", c.id()))?;
    Ok(customers::delete(&mut st, &c.request, old))
}

/// `GET /v1/customers/{id}/payment_methods` (filter: `type`)
pub(crate) fn list_payment_methods(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    let mut allowed = crate::store::LIST_PARAMS.to_vec();
    allowed.extend(["type", "allow_redisplay"]);
    p.allow_only(&allowed)?;
    let lp = crate::store::ListParams::from_params(p)?;
    let kind = p.nonempty("type")?;
    let st = c.account.lock();
    if st
        .store
        .get_kind("customer", c.id())
        .is_none_or(|o| o["deleted"] == true)
    {
        return Err(StripeError::missing("customer", c.id()));
    }
    st.store.list(
        "payment_method",
        &format!("/v1/customers/{}/payment_methods", c.id()),
        &lp,
        |o| o["customer"] == c.id() && kind.is_none_or(|k| o["type"] == k),
    )
}

/// `GET /v1/customers` (filters: `email`, `test_clock`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "customer",
        "/v1/customers",
        &[("email", "email"), ("test_clock", "test_clock")],
    )
}
