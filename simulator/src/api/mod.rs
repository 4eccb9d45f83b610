//! The Stripe-shaped `/v1` API: one file per Stripe resource, named after it. Handlers parse
//! and check parameters, then call the domain layer; the routes are in `routes.rs`.

pub(crate) mod charges;
pub(crate) mod checkout;
pub(crate) mod checkout_items;
pub(crate) mod checkout_options;
pub(crate) mod customer_details;
pub(crate) mod customer_sources;
pub(crate) mod customers;
pub(crate) mod disputes;
pub(crate) mod events;
pub(crate) mod invoice_items;
pub(crate) mod invoice_payments;
pub(crate) mod invoices;
pub(crate) mod payment_intents;
pub(crate) mod payment_methods;
pub(crate) mod portal;
pub(crate) mod prices;
pub(crate) mod products;
pub(crate) mod radar;
pub(crate) mod refunds;
pub(crate) mod setup_intents;
pub(crate) mod subscriptions;
pub(crate) mod test_clocks;
pub(crate) mod tokens;
pub(crate) mod webhook_endpoints;

use serde_json::Value;

use crate::error::StripeError;
use crate::pipeline::Call;
use crate::store::{ListParams, kind_name};

/// Retrieves an object of `kind` named by the path id, or 404.
pub(crate) fn retrieve_kind(c: &Call, kind: &str) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let st = c.account.lock();
    if c.plain {
        // Answered with the stored text: nothing copied or serialized again.
        let text = st
            .store
            .text_of_kind(kind, c.id())
            .ok_or_else(|| StripeError::missing(kind_name(kind), c.id()))?;
        c.answer_text(text);
        return Ok(Value::Null);
    }
    st.store
        .get_kind(kind, c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing(kind_name(kind), c.id()))
}

/// Lists objects of `kind`: `filters` are (parameter, field) pairs compared for equality.
pub(crate) fn list_kind(
    c: &Call,
    kind: &str,
    url: &str,
    filters: &[(&str, &str)],
) -> Result<Value, StripeError> {
    let mut allowed: Vec<&str> = crate::store::LIST_PARAMS.to_vec();
    allowed.extend(filters.iter().map(|(p, _)| *p));
    c.params.allow_only(&allowed)?;
    let lp = ListParams::from_params(&c.params)?;
    let mut wanted: Vec<(&str, String)> = Vec::new();
    for (param, field) in filters {
        if let Some(v) = c.params.nonempty(param)? {
            wanted.push((field, v.to_string()));
        }
    }
    let st = c.account.lock();
    if c.plain && wanted.is_empty() {
        // Unfiltered: the page is written from the stored texts, nothing parsed or copied.
        c.answer_text(st.store.list_text(kind, url, &lp)?);
        return Ok(Value::Null);
    }
    st.store.list(kind, url, &lp, |o| {
        wanted.iter().all(|(field, v)| field_matches(o, field, v))
    })
}

/// Compares a (possibly dotted) field of `o` with a filter string; booleans compare as
/// `true`/`false`, expanded objects by their id.
pub(crate) fn field_matches(o: &Value, field: &str, want: &str) -> bool {
    let mut cur = o;
    for seg in field.split('.') {
        cur = &cur[seg];
    }
    match cur {
        Value::String(s) => s == want,
        Value::Bool(b) => b.to_string() == want,
        Value::Number(n) => n.to_string() == want,
        Value::Object(m) => m.get("id").and_then(Value::as_str) == Some(want),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_matching() {
        let o = json!({"customer": "cus_1", "active": true, "recurring": {"interval": "month"}});
        assert!(field_matches(&o, "customer", "cus_1"));
        assert!(field_matches(&o, "active", "true"));
        assert!(field_matches(&o, "recurring.interval", "month"));
        assert!(!field_matches(&o, "missing", "x"));
    }
}
