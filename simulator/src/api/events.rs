//! `/v1/events`: retrieve and list (`type=` with a trailing `*` wildcard, `types[]`).

use serde_json::Value;

use crate::api::retrieve_kind;
use crate::error::StripeError;
use crate::pipeline::Call;
use crate::store::{LIST_PARAMS, ListParams};

/// `GET /v1/events/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "event")
}

fn type_matches(pattern: &str, t: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => t.starts_with(prefix),
        None => pattern == t,
    }
}

/// `GET /v1/events`
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    let mut allowed = LIST_PARAMS.to_vec();
    allowed.extend(["type", "types", "delivery_success"]);
    p.allow_only(&allowed)?;
    let lp = ListParams::from_params(p)?;
    let single = p.nonempty("type")?;
    let many = p.str_list("types")?;
    if single.is_some() && many.is_some() {
        return Err(StripeError::bad_request(
            "You may only specify one of these parameters: type, types.",
        ));
    }
    let st = c.account.lock();
    st.store.list("event", "/v1/events", &lp, |o| {
        let t = o["type"].as_str().unwrap_or_default();
        single.is_none_or(|s| type_matches(s, t))
            && many
                .as_ref()
                .is_none_or(|ts| ts.iter().any(|s| type_matches(s, t)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(type_matches("invoice.*", "invoice.paid"));
        assert!(type_matches("invoice.paid", "invoice.paid"));
        assert!(!type_matches("invoice.paid", "invoice.created"));
    }
}
