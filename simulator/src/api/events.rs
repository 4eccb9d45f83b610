//! `/v1/events`: retrieve and list (`type=` with a trailing `*` wildcard, `types[]`,
//! `delivery_success`), kept 30 days of simulated time; `POST /v1/events/{id}/retry` resends
//! one event to one endpoint (`stripe events resend`).

use serde_json::Value;

use crate::engine::events;
use crate::error::StripeError;
use crate::pipeline::Call;
use crate::store::{LIST_PARAMS, ListParams};

/// `GET /v1/events/{id}` (404 once older than 30 days)
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    events::get(&c.account.lock(), c.id())
}

fn type_matches(pattern: &str, t: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => t.starts_with(prefix),
        None => pattern == t,
    }
}

/// `GET /v1/events`. `delivery_success=true`: events every endpoint has acknowledged;
/// `false`: events still pending or given up for some endpoint (`pending_webhooks` > 0).
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
    let delivered = p.bool("delivery_success")?;
    let st = c.account.lock();
    let now = st.now();
    st.store.list("event", "/v1/events", &lp, |o| {
        let t = o["type"].as_str().unwrap_or_default();
        single.is_none_or(|s| type_matches(s, t))
            && many
                .as_ref()
                .is_none_or(|ts| ts.iter().any(|s| type_matches(s, t)))
            && delivered.is_none_or(|d| d == (o["pending_webhooks"].as_i64() == Some(0)))
            && events::kept(&st, o, now)
    })
}

/// `POST /v1/events/{id}/retry {webhook_endpoint}`: sends the event to that endpoint again
/// (signed afresh) and answers the event.
pub(crate) fn retry(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["webhook_endpoint"])?;
    let endpoint = p.required("webhook_endpoint")?;
    let already = c
        .account
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|r| r.event_id == c.id() && r.endpoint_id == endpoint && r.succeeded());
    events::resend(&mut c.account.lock(), &c.request, c.id(), endpoint, already)
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
