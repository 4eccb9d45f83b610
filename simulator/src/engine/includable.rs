//! Fields Stripe leaves out of an object unless `expand[]` names them ("includable"): a
//! Checkout Session's `line_items`, a customer's `subscriptions`, `sources` and `tax_ids`. The pipeline
//! hands [`field`] to `expand::apply`, which asks it when an expanded field is absent.

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::engine::{checkout, invoice_payments};

fn list(data: Vec<Value>, url: String) -> Value {
    json!({"object": "list", "data": data, "has_more": false, "url": url})
}

/// The includable `field` of `object`, rendered from the account's state; `None` when the
/// object has no such field.
pub(crate) fn field(st: &AccountState, object: &Value, field: &str) -> Option<Value> {
    let id = object["id"].as_str()?;
    match (object["object"].as_str()?, field) {
        ("checkout.session", "line_items") => Some(checkout::line_items(st, id)),
        ("customer", "subscriptions") => {
            let mut subs: Vec<Value> = st
                .store
                .ids_of("subscription")
                .filter_map(|s| st.store.get(s))
                .filter(|s| s["customer"] == id && s["status"] != "canceled")
                .cloned()
                .collect();
            subs.reverse();
            Some(list(subs, format!("/v1/customers/{id}/subscriptions")))
        }
        ("customer", "sources") => {
            let mut sources: Vec<Value> = ["card", "source", "bank_account"]
                .iter()
                .flat_map(|kind| st.store.ids_of(kind).filter_map(|s| st.store.get(s)))
                .filter(|s| s["customer"] == id)
                .cloned()
                .collect();
            sources.sort_by_key(|s| std::cmp::Reverse(s["created"].as_i64().unwrap_or(0)));
            Some(list(sources, format!("/v1/customers/{id}/sources")))
        }
        ("invoice", "payments") => Some(invoice_payments::list_of(st, id)),
        ("invoice", "confirmation_secret") => Some(invoice_payments::confirmation_secret(st, id)),
        // The simulator keeps no tax ids: the list is always empty.
        ("customer", "tax_ids") => Some(list(vec![], format!("/v1/customers/{id}/tax_ids"))),
        _ => None,
    }
}
