//! `/v1/invoiceitems`: retrieve and list (filters `customer`, `invoice`, `pending`,
//! `created` on the item's `date`). Invoice items are made by the domain only — the
//! prorations of a subscription change (`engine/prorations.rs`); creating, updating and
//! deleting them through the API is not simulated.

use serde_json::Value;

use crate::api::retrieve_kind;
use crate::error::StripeError;
use crate::pipeline::Call;
use crate::store::{LIST_PARAMS, ListParams};

/// `GET /v1/invoiceitems/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "invoiceitem")
}

/// `GET /v1/invoiceitems` (filters: `customer`, `invoice`, `pending=true|false` — items not
/// yet on an invoice, or those on one)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    let mut allowed = LIST_PARAMS.to_vec();
    allowed.extend(["customer", "customer_account", "invoice", "pending"]);
    p.allow_only(&allowed)?;
    let mut lp = ListParams::from_params(p)?;
    // An invoice item has no `created`: Stripe's `created` filter reads its `date`.
    let (from, to) = std::mem::take(&mut lp.created);
    let customer = p.nonempty("customer")?;
    let invoice = p.nonempty("invoice")?;
    let pending = p.bool("pending")?;
    let st = c.account.lock();
    st.store.list("invoiceitem", "/v1/invoiceitems", &lp, |o| {
        let date = o["date"].as_i64().unwrap_or(0);
        customer.is_none_or(|cu| o["customer"] == cu)
            && invoice.is_none_or(|inv| o["invoice"] == inv)
            && pending.is_none_or(|want| o["invoice"].is_null() == want)
            && from.is_none_or(|lo| date >= lo)
            && to.is_none_or(|hi| date <= hi)
    })
}
