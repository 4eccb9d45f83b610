//! `/v1/payment_intents`: create (optionally `confirm=true`), retrieve, update, list,
//! confirm, cancel. Charging goes through `payments.rs`.

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::api::{list_kind, retrieve_kind};
use crate::engine::follow_up;
use crate::engine::payments::{self, PaymentRequest};
use crate::engine::{invoices, payment_intents, payment_methods};
use crate::error::StripeError;
use crate::objects::status::{PaymentIntentStatus, Status};
use crate::params::Params;
use crate::pipeline::Call;

/// `GET /v1/payment_intents/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "payment_intent")
}

/// `GET /v1/payment_intents` (filter: `customer`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "payment_intent",
        "/v1/payment_intents",
        &[("customer", "customer")],
    )
}

const PI_CREATE: &[&str] = &[
    "amount",
    "currency",
    "customer",
    "payment_method",
    "payment_method_types",
    "confirm",
    "description",
    "metadata",
    "off_session",
    "setup_future_usage",
    "receipt_email",
    "automatic_payment_methods",
    "capture_method",
    "confirmation_method",
    "return_url",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "error_on_requires_action",
    "use_stripe_sdk",
];

/// The required `currency` parameter, lowercased; not three letters → 400.
pub(crate) fn currency(p: &Params) -> Result<String, StripeError> {
    let c = p.required("currency")?.to_ascii_lowercase();
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(StripeError::invalid(
            "currency",
            format!(
                "Invalid currency: {c}. Stripe currently supports these currencies: usd, eur, gbp, …"
            ),
        ));
    }
    Ok(c)
}

/// Refuses a `capture_method` (at `param`) other than `automatic` / `automatic_async`:
/// payment intents are captured at once here.
pub(crate) fn automatic_capture_only(p: &Params, param: &str) -> Result<(), StripeError> {
    if let Some(m) = p.nonempty(param)?
        && m != "automatic"
        && m != "automatic_async"
    {
        return Err(StripeError::invalid(
            param,
            "The simulator supports capture_method=automatic only.",
        ));
    }
    Ok(())
}

/// Resolves a `payment_method` parameter (stored or magic `pm_card_*`) for `customer`.
fn payment_method_param(
    st: &mut AccountState,
    pm: &str,
    customer: Option<&str>,
) -> Result<String, StripeError> {
    let obj = payment_methods::resolve_id(st, pm)
        .map_err(|_| StripeError::missing_param("PaymentMethod", pm, "payment_method"))?;
    if let (Some(owner), Some(cus)) = (obj["customer"].as_str(), customer)
        && owner != cus
    {
        return Err(StripeError::invalid(
            "payment_method",
            format!("The provided PaymentMethod {pm} belongs to another customer."),
        ));
    }
    if obj["customer"].is_string() && customer.is_none() {
        return Err(StripeError::invalid(
            "payment_method",
            format!(
                "The provided PaymentMethod was previously attached to a Customer; pass that customer to use {pm}."
            ),
        ));
    }
    Ok(obj["id"].as_str().unwrap_or_default().to_string())
}

/// `POST /v1/payment_intents` (`confirm=true` charges at once; a decline is a 402 whose
/// body names the `charge` and `payment_intent`)
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(PI_CREATE)?;
    let amount = p
        .int("amount")?
        .ok_or_else(|| StripeError::ParameterMissing {
            param: "amount".into(),
        })?;
    if !(1..=99_999_999).contains(&amount) {
        return Err(StripeError::InvalidRequest {
            code: Some("amount_too_small"),
            param: Some("amount".into()),
            message: "Amount must be at least 1 and at most 99999999.".into(),
        });
    }
    let currency = currency(p)?;
    automatic_capture_only(p, "capture_method")?;
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let confirm = p.bool("confirm")?.unwrap_or(false);
    let description = p.nonempty("description")?;
    let shown = shown_as_given(p)?;
    let mut st = c.account.lock();
    let customer = p.nonempty("customer")?;
    if let Some(cus) = customer
        && st
            .store
            .get_kind("customer", cus)
            .is_none_or(|o| o["deleted"] == true)
    {
        return Err(StripeError::missing_param("customer", cus, "customer"));
    }
    let pm = match p.nonempty("payment_method")? {
        Some(pm) => Some(payment_method_param(&mut st, pm, customer)?),
        None => None,
    };
    if confirm && pm.is_none() {
        return Err(StripeError::InvalidRequest {
            code: Some("payment_intent_unexpected_state"),
            param: Some("payment_method".into()),
            message: "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with cus, pass a payment_method.".into(),
        });
    }
    let now = customer.map_or_else(|| st.now(), |c| st.now_for_customer(c));
    let pi = payments::new_payment_intent_with(
        &mut st,
        &c.request,
        &PaymentRequest {
            amount,
            currency: &currency,
            customer,
            payment_method: pm.as_deref().unwrap_or_default(),
            description,
            metadata,
            now,
        },
        &Value::Object(
            shown
                .into_iter()
                .map(|(field, v)| (field.to_string(), v))
                .collect(),
        ),
    )?;
    if !confirm {
        return Ok(pi);
    }
    let id = pi["id"].as_str().unwrap_or_default().to_string();
    let payment = payments::confirm(
        &mut st,
        &c.request,
        &id,
        pm.as_deref().unwrap_or_default(),
        now,
    )?;
    if let Some(err) = payment.error.clone() {
        return Err(err);
    }
    follow_up::run(&mut st, &payment);
    Ok(payment.payment_intent)
}

/// `POST /v1/payment_intents/{id}` (amount, currency, customer, description, metadata,
/// payment_method while not yet succeeded or canceled); no event (see
/// `engine::payment_intents::update`).
pub(crate) fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "amount",
        "currency",
        "customer",
        "description",
        "metadata",
        "payment_method",
        "receipt_email",
        "setup_future_usage",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "payment_method_types",
    ])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("payment_intent", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("payment_intent", c.id()))?;
    let locked = PaymentIntentStatus::of(&old).is_some_and(PaymentIntentStatus::is_final);
    let mut new = old.clone();
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    if let Some(d) = p.str("description")? {
        new["description"] = if d.is_empty() { Value::Null } else { json!(d) };
    }
    let money_change = ["amount", "currency", "customer", "payment_method"]
        .iter()
        .any(|f| p.get(f).is_some());
    if money_change && locked {
        return Err(StripeError::InvalidRequest {
            code: Some("payment_intent_unexpected_state"),
            param: None,
            message: format!(
                "This PaymentIntent's amount, currency, customer or payment_method could not be updated because it has a status of {}.",
                old["status"].as_str().unwrap_or_default()
            ),
        });
    }
    if let Some(a) = p.int("amount")? {
        if a < 1 {
            return Err(StripeError::invalid("amount", "Amount must be at least 1."));
        }
        new["amount"] = json!(a);
    }
    if p.get("currency").is_some() {
        new["currency"] = json!(currency(p)?);
    }
    if let Some(cus) = p.nonempty("customer")? {
        if st.store.get_kind("customer", cus).is_none() {
            return Err(StripeError::missing_param("customer", cus, "customer"));
        }
        new["customer"] = json!(cus);
    }
    if let Some(pm) = p.nonempty("payment_method")? {
        let cus = new["customer"].as_str().map(str::to_string);
        let id = payment_method_param(&mut st, pm, cus.as_deref())?;
        new["payment_method"] = json!(id);
        if PaymentIntentStatus::of(&new) == Some(PaymentIntentStatus::RequiresPaymentMethod) {
            PaymentIntentStatus::RequiresConfirmation.set(&mut new);
        }
    }
    for (field, v) in shown_as_given(p)? {
        new[field] = v;
    }
    Ok(payment_intents::update(&mut st, &old, new))
}

/// `receipt_email`, `statement_descriptor` and `statement_descriptor_suffix`: stored and
/// shown as given (`field=` clears one); nothing is e-mailed or printed.
fn shown_as_given(p: &Params) -> Result<Vec<(&'static str, Value)>, StripeError> {
    let mut out = Vec::new();
    for field in [
        "receipt_email",
        "statement_descriptor",
        "statement_descriptor_suffix",
    ] {
        let Some(v) = p.str(field)? else { continue };
        let bad = if field == "receipt_email" {
            !v.is_empty() && !v.contains('@')
        } else {
            v.chars().count() > 22
        };
        if bad {
            return Err(StripeError::invalid(
                field,
                if field == "receipt_email" {
                    format!("Invalid email address: {v}")
                } else {
                    format!("{field} must be at most 22 characters.")
                },
            ));
        }
        out.push((field, if v.is_empty() { Value::Null } else { json!(v) }));
    }
    Ok(out)
}

/// `POST /v1/payment_intents/{id}/confirm` `{payment_method?}`
pub(crate) fn confirm(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "payment_method",
        "return_url",
        "off_session",
        "setup_future_usage",
        "receipt_email",
        "error_on_requires_action",
        "mandate_data",
        "use_stripe_sdk",
        "payment_method_types",
    ])?;
    let mut st = c.account.lock();
    let pi = st
        .store
        .get_kind("payment_intent", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("payment_intent", c.id()))?;
    let customer = pi["customer"].as_str().map(str::to_string);
    let pm = match p.nonempty("payment_method")? {
        Some(pm) => payment_method_param(&mut st, pm, customer.as_deref())?,
        None => pi["payment_method"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| StripeError::InvalidRequest {
                code: Some("payment_intent_unexpected_state"),
                param: Some("payment_method".into()),
                message: "You cannot confirm this PaymentIntent because it's missing a payment method. Update the PaymentIntent with a payment_method and then confirm it again.".into(),
            })?,
    };
    let now = customer
        .as_deref()
        .map_or_else(|| st.now(), |c| st.now_for_customer(c));
    let payment = payments::confirm(&mut st, &c.request, c.id(), &pm, now)?;
    // An invoice's payment intent pays (or fails to pay) its invoice, as Stripe does.
    invoices::settle_confirmed(&mut st, &c.request, &payment, now);
    if let Some(err) = payment.error.clone() {
        return Err(err);
    }
    follow_up::run(&mut st, &payment);
    Ok(payment.payment_intent)
}

/// `POST /v1/payment_intents/{id}/cancel` `{cancellation_reason?}` → `payment_intent.canceled`
pub(crate) fn cancel(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["cancellation_reason"])?;
    let reason = p.nonempty("cancellation_reason")?;
    if let Some(r) = reason
        && ![
            "abandoned",
            "duplicate",
            "fraudulent",
            "requested_by_customer",
        ]
        .contains(&r)
    {
        return Err(StripeError::invalid(
            "cancellation_reason",
            "Invalid cancellation_reason: must be one of abandoned, duplicate, fraudulent, requested_by_customer",
        ));
    }
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("payment_intent", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("payment_intent", c.id()))?;
    payment_intents::cancel(&mut st, &c.request, old, reason)
}
