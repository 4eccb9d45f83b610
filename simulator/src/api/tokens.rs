//! `/v1/tokens`: create a card token (`card[number]`, `card[exp_month]`, `card[exp_year]`,
//! `card[cvc]`, `card[name]`) and retrieve it. A token is spent by its first use as a
//! charge's `source` or a customer source (see `engine/tokens.rs`).

use serde_json::Value;

use crate::engine::tokens::{self, NewCardToken};
use crate::error::StripeError;
use crate::pipeline::Call;

/// `POST /v1/tokens` with `card[…]` → `tok_…`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["card", "customer"])?;
    if p.get("card").is_none() {
        return Err(StripeError::ParameterMissing {
            param: "card".into(),
        });
    }
    if !p.get("card").is_some_and(Value::is_object) {
        return Err(StripeError::invalid(
            "card",
            "card must be a hash of card details (card[number], card[exp_month], …).",
        ));
    }
    p.allow_only_under(
        "card",
        &[
            "number",
            "exp_month",
            "exp_year",
            "cvc",
            "name",
            "currency",
            "address_line1",
            "address_line2",
            "address_city",
            "address_state",
            "address_zip",
            "address_country",
        ],
    )?;
    if p.nonempty("customer")?.is_some() {
        return Err(StripeError::invalid(
            "customer",
            "Tokens for a customer's card (Connect) are not simulated: pass card[…] only.",
        ));
    }
    let number = p.required("card[number]")?;
    let int = |name: &str| -> Result<i64, StripeError> {
        p.int(name)?.ok_or_else(|| StripeError::ParameterMissing {
            param: name.to_string(),
        })
    };
    let new = NewCardToken {
        number,
        exp_month: int("card[exp_month]")?,
        exp_year: int("card[exp_year]")?,
        cvc: p.nonempty("card[cvc]")?,
        name: p.nonempty("card[name]")?,
    };
    let mut st = c.account.lock();
    tokens::create(&mut st, &new)
}

/// `GET /v1/tokens/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let st = c.account.lock();
    st.store
        .get_kind("token", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("token", c.id()))
}
