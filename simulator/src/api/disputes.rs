//! `/v1/disputes` (list by `charge` / `payment_intent`, retrieve, update `evidence[…]` with
//! `submit` defaulting to true, `close`).
//!
//! Test-mode outcome (Stripe's documented test evidence): submitted evidence whose `uncategorized_text`
//! is `winning_evidence` closes the dispute as `won`, `losing_evidence` as `lost`, each with
//! `charge.dispute.closed`. The API answers with the dispute as submitted (`under_review`),
//! as Stripe does; the closing follows at once and is visible on retrieve and in events.

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::api::{list_kind, retrieve_kind};
use crate::engine::disputes::{self, EVIDENCE_FIELDS};
use crate::error::StripeError;
use crate::objects::status::{DisputeStatus, Status};
use crate::pipeline::Call;

/// `GET /v1/disputes/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "dispute")
}

/// `GET /v1/disputes` (filters: `charge`, `payment_intent`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(
        c,
        "dispute",
        "/v1/disputes",
        &[("charge", "charge"), ("payment_intent", "payment_intent")],
    )
}

fn load(st: &AccountState, id: &str) -> Result<Value, StripeError> {
    st.store
        .get_kind("dispute", id)
        .cloned()
        .ok_or_else(|| StripeError::missing("dispute", id))
}

/// `POST /v1/disputes/{id}` `{evidence[…], metadata, submit}` → `charge.dispute.updated`
pub(crate) fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["evidence", "metadata", "submit"])?;
    let mut evidence_keys = EVIDENCE_FIELDS.to_vec();
    evidence_keys.push("enhanced_evidence");
    p.allow_only_under("evidence", &evidence_keys)?;
    if let Some(e) = p.get("evidence")
        && !e.is_object()
        && e != &json!("")
    {
        return Err(StripeError::invalid(
            "evidence",
            "Invalid evidence: must be a hash.",
        ));
    }
    let submit = p.bool("submit")?.unwrap_or(true);
    let mut st = c.account.lock();
    let old = load(&st, c.id())?;
    let has_evidence_params = p.get("evidence").is_some_and(Value::is_object);
    let status = DisputeStatus::of(&old);
    let closed = status.is_some_and(DisputeStatus::is_closed);
    if closed && (has_evidence_params || p.get("submit").is_some()) {
        return Err(StripeError::bad_request(format!(
            "This dispute is already closed (status: {}). Evidence can no longer be submitted.",
            old["status"].as_str().unwrap_or_default()
        )));
    }
    let under_review = status.is_some_and(DisputeStatus::is_under_review);
    if under_review && has_evidence_params {
        return Err(StripeError::bad_request(
            "This dispute has already been submitted; its evidence can no longer be changed.",
        ));
    }
    let mut new = old.clone();
    if let Some(Value::Object(ev)) = p.get("evidence") {
        for (k, _) in ev.iter().filter(|(k, _)| *k != "enhanced_evidence") {
            let v = p.str(&format!("evidence[{k}]"))?;
            if v.is_some_and(|s| s.chars().count() > 150_000) {
                return Err(StripeError::invalid(
                    format!("evidence[{k}]"),
                    "Evidence text is limited to 150,000 characters.",
                ));
            }
            new["evidence"][k] = match v {
                Some("") | None => Value::Null,
                Some(s) => json!(s),
            };
        }
        new["evidence_details"]["has_evidence"] = json!(true);
    }
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    let submitting = submit && !under_review && !closed;
    // Stripe submits on every update unless `submit=false`; a metadata-only update of a
    // dispute already submitted or closed changes nothing else.
    if submitting {
        let n = old["evidence_details"]["submission_count"]
            .as_i64()
            .unwrap_or(0);
        new["evidence_details"]["submission_count"] = json!(n + 1);
        new["evidence_details"]["submission_method"] = json!("manual");
        let reviewing = if status == Some(DisputeStatus::WarningNeedsResponse) {
            DisputeStatus::WarningUnderReview
        } else {
            DisputeStatus::UnderReview
        };
        reviewing.set(&mut new);
    }
    Ok(disputes::update(&mut st, &c.request, &old, new, submitting))
}

/// `POST /v1/disputes/{id}/close`: concede → `lost` (`warning_closed` for an inquiry),
/// `charge.dispute.closed`. Irreversible.
pub(crate) fn close(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    let old = load(&st, c.id())?;
    let status = DisputeStatus::of(&old);
    if status.is_some_and(DisputeStatus::is_closed) {
        return Err(StripeError::bad_request(format!(
            "This dispute is already closed (status: {}).",
            old["status"].as_str().unwrap_or_default()
        )));
    }
    let outcome = if status.is_some_and(DisputeStatus::is_inquiry) {
        DisputeStatus::WarningClosed
    } else {
        DisputeStatus::Lost
    };
    Ok(disputes::close_as(&mut st, &c.request, old, outcome))
}
