//! `/v1/charges`: the legacy Charges API — create from a card source (`source=tok_…`, a
//! customer's `card_…`, or the customer's `default_source`), `capture=false` and
//! `POST …/{id}/capture`, update, retrieve, list, and refunds by charge
//! (`POST …/{id}/refunds`). Charges made by payment intents are listed and retrieved here
//! too. The state changes are in `engine/legacy_charges.rs`.

use serde_json::{Value, json};

use crate::api::payment_intents::currency;
use crate::api::{list_kind, retrieve_kind};
use crate::engine::legacy_charges::{self, NewCharge};
use crate::engine::refunds;
use crate::error::StripeError;
use crate::pipeline::Call;
use crate::store::{LIST_PARAMS, ListParams};

const CREATE_PARAMS: &[&str] = &[
    "amount",
    "currency",
    "customer",
    "source",
    "capture",
    "description",
    "metadata",
    "receipt_email",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_group",
];

/// Stripe's smallest charge (in USD cents; the simulator uses it for every currency).
const MIN_AMOUNT: i64 = 50;

/// `POST /v1/charges`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(CREATE_PARAMS)?;
    let amount = p
        .int("amount")?
        .ok_or_else(|| StripeError::ParameterMissing {
            param: "amount".into(),
        })?;
    if amount < MIN_AMOUNT {
        return Err(StripeError::InvalidRequest {
            code: Some("amount_too_small"),
            param: Some("amount".into()),
            message: "Amount must be at least 50 cents.".into(),
        });
    }
    if amount > 99_999_999 {
        return Err(StripeError::InvalidRequest {
            code: Some("amount_too_large"),
            param: Some("amount".into()),
            message: "Amount must be no more than 99999999.".into(),
        });
    }
    let currency = currency(p)?;
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let req = NewCharge {
        amount,
        currency: &currency,
        customer: p.nonempty("customer")?,
        source: p.nonempty("source")?,
        capture: p.bool("capture")?.unwrap_or(true),
        description: p.nonempty("description")?,
        metadata,
        receipt_email: p.nonempty("receipt_email")?,
        statement_descriptor: p.nonempty("statement_descriptor")?,
        statement_descriptor_suffix: p.nonempty("statement_descriptor_suffix")?,
        transfer_group: p.nonempty("transfer_group")?,
    };
    legacy_charges::create(&mut c.account.lock(), &c.request, &req)
}

/// `POST /v1/charges/{id}/capture` (`amount`, optional: capture part and release the rest)
pub(crate) fn capture(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["amount", "receipt_email", "statement_descriptor"])?;
    let amount = p.int("amount")?;
    legacy_charges::capture(&mut c.account.lock(), &c.request, c.id(), amount)
}

/// `POST /v1/charges/{id}` (`description`, `metadata`, `receipt_email`) → `charge.updated`
pub(crate) fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["description", "metadata", "receipt_email"])?;
    let mut st = c.account.lock();
    legacy_charges::update(&mut st, &c.request, c.id(), |ch| {
        if let Some(d) = p.str("description")? {
            ch["description"] = if d.is_empty() { Value::Null } else { json!(d) };
        }
        if let Some(e) = p.str("receipt_email")? {
            ch["receipt_email"] = if e.is_empty() { Value::Null } else { json!(e) };
        }
        if let Some(m) = p.metadata("metadata", &ch["metadata"])? {
            ch["metadata"] = m;
        }
        Ok(())
    })
}

/// `POST /v1/charges/{id}/refunds` (`amount`, `reason`, `metadata`): a refund of this charge
pub(crate) fn refund(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["amount", "reason", "metadata"])?;
    let amount = p.int("amount")?;
    if amount.is_some_and(|a| a < 1) {
        return Err(StripeError::invalid(
            "amount",
            "Invalid amount: must be a positive integer.",
        ));
    }
    let reason = p.nonempty("reason")?;
    crate::api::refunds::check_reason(reason)?;
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let mut st = c.account.lock();
    if st.store.get_kind("charge", c.id()).is_none() {
        return Err(StripeError::missing("charge", c.id()));
    }
    refunds::refund(&mut st, &c.request, c.id(), amount, reason, metadata)
}

/// `GET /v1/charges/{id}/refunds`: the charge's refunds, newest first
pub(crate) fn list_refunds(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(LIST_PARAMS)?;
    let lp = ListParams::from_params(&c.params)?;
    let st = c.account.lock();
    if st.store.get_kind("charge", c.id()).is_none() {
        return Err(StripeError::missing("charge", c.id()));
    }
    let url = format!("/v1/charges/{}/refunds", c.id());
    st.store
        .list("refund", &url, &lp, |r| r["charge"] == c.id())
}

/// `GET /v1/charges/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "charge")
}

/// `GET /v1/charges` (filters: `customer`, `payment_intent`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "charge",
        "/v1/charges",
        &[
            ("customer", "customer"),
            ("payment_intent", "payment_intent"),
        ],
    )
}
