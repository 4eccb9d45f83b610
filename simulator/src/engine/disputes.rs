//! Disputes: opening one on a succeeded charge (dispute test cards, the control plane),
//! evidence updates and their test-mode outcome, closing.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::charges::succeeded_charge;
use crate::engine::radar;
use crate::error::StripeError;
use crate::ids::new_id;
use crate::objects::previous_attributes;
use crate::objects::status::{DisputeStatus, Status};

/// Dispute reasons Stripe documents.
pub(crate) const DISPUTE_REASONS: &[&str] = &[
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "noncompliant",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
];

/// The 27 evidence fields of a dispute, all null (plus `enhanced_evidence`).
pub(crate) const EVIDENCE_FIELDS: &[&str] = &[
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
];

/// Opens a dispute on a succeeded charge (`dp_…`, status `needs_response`, or
/// `warning_needs_response` for an inquiry): marks the charge `disputed`, emits
/// `charge.dispute.created` (+ `charge.dispute.funds_withdrawn` unless an inquiry — a guess, see
/// `simulator/docs/guesses.md`), and
/// makes an early fraud warning on the charge non-actionable
/// (`radar.early_fraud_warning.updated`). Automatic events.
pub(crate) fn create(
    st: &mut AccountState,
    charge: &str,
    reason: &str,
    inquiry: bool,
) -> Result<Value, StripeError> {
    if !DISPUTE_REASONS.contains(&reason) {
        return Err(StripeError::invalid(
            "reason",
            format!(
                "Invalid reason: must be one of {}.",
                DISPUTE_REASONS.join(", ")
            ),
        ));
    }
    let ch = succeeded_charge(st, charge, "charge")?;
    let now = st.now();
    let req = EventRequest::default();
    let evidence: serde_json::Map<String, Value> = EVIDENCE_FIELDS
        .iter()
        .map(|f| (f.to_string(), Value::Null))
        .chain([("enhanced_evidence".to_string(), json!({}))])
        .collect();
    let amount = ch["amount"].as_i64().unwrap_or(0) - ch["amount_refunded"].as_i64().unwrap_or(0);
    let dispute = json!({
        "id": new_id("dp_"),
        "object": "dispute",
        "amount": amount,
        "balance_transactions": if inquiry { json!([]) } else { json!([new_id("txn_")]) },
        "charge": charge,
        "created": now,
        "currency": ch["currency"],
        "enhanced_eligibility_types": [],
        "evidence": evidence,
        "evidence_details": {
            // Guess: due in 7 days at 23:59:59 UTC, like the test-mode disputes we have seen.
            "due_by": (now + 7 * 86_400).div_euclid(86_400) * 86_400 + 86_399,
            "enhanced_eligibility": {},
            "has_evidence": false,
            "past_due": false,
            "submission_count": 0,
            "submission_method": "not_submitted",
        },
        "intended_submission_method": null,
        "is_charge_refundable": inquiry,
        "livemode": false,
        "metadata": {},
        "payment_intent": ch["payment_intent"],
        "payment_method_details": {
            "card": {
                "brand": ch["payment_method_details"]["card"]["brand"],
                "case_type": if inquiry { "inquiry" } else { "chargeback" },
                "network": ch["payment_method_details"]["card"]["network"],
                "network_reason_code": if reason == "fraudulent" { "10.4" } else { "13.1" },
            },
            "type": "card",
        },
        "reason": reason,
        "status": if inquiry { DisputeStatus::WarningNeedsResponse } else { DisputeStatus::NeedsResponse },
    });
    st.store.put(dispute.clone());
    if let Some(c) = st.store.get_kind_mut("charge", charge) {
        c["disputed"] = json!(true);
    }
    st.emit(&req, "charge.dispute.created", dispute.clone(), None);
    if !inquiry {
        st.emit(
            &req,
            "charge.dispute.funds_withdrawn",
            dispute.clone(),
            None,
        );
    }
    radar::deactivate(st, charge);
    Ok(dispute)
}

/// Closes a dispute with `status` (won / lost / warning_closed) → `charge.dispute.closed`.
pub(crate) fn close_as(
    st: &mut AccountState,
    req: &EventRequest,
    mut d: Value,
    status: DisputeStatus,
) -> Value {
    let old = d.clone();
    status.set(&mut d);
    d["is_charge_refundable"] = json!(false);
    st.store.put(d.clone());
    let prev = previous_attributes(&old, &d);
    st.emit(req, "charge.dispute.closed", d.clone(), Some(prev));
    d
}

/// Records an evidence or metadata update `old` → `new` (`charge.dispute.updated`); when it
/// submits, the test-mode outcome follows at once: `uncategorized_text` containing
/// `winning_evidence` closes the dispute `won`, `losing_evidence` `lost` (an inquiry
/// `warning_closed` either way). Returns the dispute as updated (before any closing).
pub(crate) fn update(
    st: &mut AccountState,
    req: &EventRequest,
    old: &Value,
    new: Value,
    submitting: bool,
) -> Value {
    if &new != old {
        let prev = previous_attributes(old, &new);
        st.store.put(new.clone());
        st.emit(req, "charge.dispute.updated", new.clone(), Some(prev));
    }
    if submitting {
        let inquiry = DisputeStatus::of(&new) == Some(DisputeStatus::WarningUnderReview);
        match new["evidence"]["uncategorized_text"].as_str() {
            // Guess: an inquiry resolved either way ends `warning_closed`.
            Some(t) if t.contains("winning_evidence") => {
                close_as(
                    st,
                    &EventRequest::default(),
                    new.clone(),
                    if inquiry {
                        DisputeStatus::WarningClosed
                    } else {
                        DisputeStatus::Won
                    },
                );
            }
            Some(t) if t.contains("losing_evidence") => {
                close_as(
                    st,
                    &EventRequest::default(),
                    new.clone(),
                    if inquiry {
                        DisputeStatus::WarningClosed
                    } else {
                        DisputeStatus::Lost
                    },
                );
            }
            _ => {}
        }
    }
    new
}
