//! `/v1/customers/{id}/sources`: a customer's legacy card sources — add one from a
//! `tok_…` token (the first becomes `default_source`), list, retrieve, delete. The state
//! changes are in `engine/sources.rs`.

use serde_json::{Value, json};

use crate::engine::sources;
use crate::error::StripeError;
use crate::pipeline::Call;
use crate::store::{LIST_PARAMS, ListParams};

/// `POST /v1/customers/{id}/sources` (`source=tok_…`, `metadata`)
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["source", "metadata", "validate"])?;
    let token = p.required("source")?;
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    sources::add(&mut c.account.lock(), &c.request, c.id(), token, metadata)
}

/// `GET /v1/customers/{id}/sources` (`object=card` filter, as Stripe's cards-only list)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    let mut allowed = LIST_PARAMS.to_vec();
    allowed.push("object");
    p.allow_only(&allowed)?;
    if let Some(o) = p.nonempty("object")?
        && !matches!(o, "card" | "source")
    {
        return Err(StripeError::invalid(
            "object",
            format!("Invalid object: the simulator keeps card sources only (got '{o}')."),
        ));
    }
    let lp = ListParams::from_params(p)?;
    let st = c.account.lock();
    if st
        .store
        .get_kind("customer", c.id())
        .is_none_or(|o| o["deleted"] == true)
    {
        return Err(StripeError::missing("customer", c.id()));
    }
    let url = format!("/v1/customers/{}/sources", c.id());
    st.store
        .list("card", &url, &lp, |o| o["customer"] == c.id())
}

/// The `(customer, card)` ids of a nested path (`{customer}/{card}`).
fn ids(c: &Call) -> (&str, &str) {
    c.id().split_once('/').unwrap_or((c.id(), ""))
}

/// `GET /v1/customers/{id}/sources/{card}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let (customer, card) = ids(c);
    sources::get(&c.account.lock(), customer, card)
}

/// `DELETE /v1/customers/{id}/sources/{card}` → `customer.source.deleted`
pub(crate) fn delete(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let (customer, card) = ids(c);
    sources::delete(&mut c.account.lock(), &c.request, customer, card)
}
