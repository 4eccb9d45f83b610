//! Admin work on disputes: the list (Stripe's newest merged into our records), one dispute
//! with its history, staging or submitting evidence, and closing (conceding). Every action is
//! recorded with the admin's e-mail.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::validate::{check_id, check_limit, check_notes};
use crate::auth::AdminUser;
use crate::db::actions::{self, ActionRow};
use crate::db::disputes::{self, DisputeRow};
use crate::db::subscriptions;
use crate::error::ApiError;
use crate::metrics::ADMIN_ACTIONS;
use crate::state::AppState;
use crate::stripe::StripeError;
use crate::stripe::api;
use crate::stripe::types::Dispute;

/// Id prefixes of disputes (`du_` for disputes created from the Dashboard's tests).
pub const PREFIXES: &[&str] = &["dp_", "du_"];

/// Stripe's dispute evidence fields (API 2026-10-28); anything else is refused with 422.
pub const EVIDENCE_FIELDS: &[&str] = &[
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

/// One page of disputes, newest first.
#[derive(Debug)]
pub struct DisputePage {
    /// The rows.
    pub rows: Vec<DisputeRow>,
    /// Whether another page follows.
    pub has_more: bool,
    /// The cursor of the next page.
    pub next_cursor: Option<String>,
    /// Stripe could not be asked: our records only.
    pub stale: bool,
}

/// A dispute with its action history.
#[derive(Debug)]
pub struct DisputeDetail {
    /// The record, refreshed from Stripe when it answered.
    pub row: DisputeRow,
    /// Stripe could not be asked: our record only.
    pub stale: bool,
    /// Who did what, oldest first.
    pub history: Vec<ActionRow>,
}

fn not_found() -> ApiError {
    ApiError::NotFound {
        code: "dispute_not_found",
        message: "No such dispute.".into(),
    }
}

/// Lists disputes: `limit` 1–100 (default 20) after the cursor `starting_after`.
pub async fn list(
    state: &AppState,
    starting_after: Option<&str>,
    limit: Option<i64>,
) -> Result<DisputePage, ApiError> {
    let limit = check_limit(limit)?;
    if let Some(c) = starting_after {
        check_id(c, PREFIXES)?;
    }
    // The first page merges Stripe's newest disputes into our records (one the webhook has
    // not delivered yet, or missed before the endpoint existed, still shows); later pages and
    // an unreachable Stripe serve our records, the latter marked stale.
    let mut stale = false;
    if starting_after.is_none() {
        match api::list_recent_disputes(&state.stripe, limit).await {
            Ok(recent) => {
                let mut conn = state.pool.acquire().await?;
                for (d, raw) in &recent {
                    store(state, &mut conn, d, raw).await?;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "dispute list served from local records");
                stale = true;
            }
        }
    }
    let mut rows = disputes::list(&state.pool, starting_after, limit + 1).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    Ok(DisputePage {
        rows,
        has_more,
        next_cursor,
        stale,
    })
}

/// Refreshes our record from Stripe's current dispute (keeping the linked user), on `conn` —
/// the caller's transaction when it holds the row lock.
async fn store(
    state: &AppState,
    conn: &mut PgConnection,
    d: &Dispute,
    raw: &Value,
) -> Result<(), ApiError> {
    let user = match d.charge.as_deref() {
        Some(ch) => match disputes::get(&mut *conn, &d.id).await? {
            Some(r) if r.user_id.is_some() => r.user_id,
            _ => match api::retrieve_charge(&state.stripe, ch).await {
                Ok(c) => match c.customer.as_deref() {
                    Some(cus) => subscriptions::user_by_customer(&mut *conn, cus).await?,
                    None => None,
                },
                Err(_) => None,
            },
        },
        None => None,
    };
    disputes::upsert(conn, d, raw, user.as_deref(), None).await?;
    Ok(())
}

/// Locks the dispute's row in `tx`, first recording it from Stripe if we have never seen it.
async fn lock_dispute(
    state: &AppState,
    tx: &mut PgConnection,
    id: &str,
) -> Result<DisputeRow, ApiError> {
    if let Some(row) = disputes::lock(&mut *tx, id).await? {
        return Ok(row);
    }
    let (d, raw) = api::retrieve_dispute(&state.stripe, id)
        .await
        .map_err(|e| {
            if e.is_not_found() {
                not_found()
            } else {
                e.into()
            }
        })?;
    store(state, &mut *tx, &d, &raw).await?;
    disputes::lock(&mut *tx, id).await?.ok_or_else(not_found)
}

/// Stripe's statuses of a dispute that is over: nothing more can be changed.
pub fn is_closed(status: &str) -> bool {
    matches!(status, "won" | "lost" | "warning_closed")
}

/// One dispute: Stripe's current state merged into our record, with the history.
pub async fn detail(state: &AppState, id: &str) -> Result<DisputeDetail, ApiError> {
    check_id(id, PREFIXES)?;
    let stale = match api::retrieve_dispute(&state.stripe, id).await {
        Ok((d, raw)) => {
            let mut conn = state.pool.acquire().await?;
            store(state, &mut conn, &d, &raw).await?;
            false
        }
        Err(e) if e.is_not_found() => return Err(not_found()),
        // Stripe unreachable: show what we have, marked stale.
        Err(e) if disputes::exists(&state.pool, id).await? => {
            tracing::warn!(dispute_id = %id, error = %e, "dispute detail served from local record");
            true
        }
        Err(e) => return Err(e.into()),
    };
    let row = disputes::get(&state.pool, id)
        .await?
        .ok_or_else(not_found)?;
    let history = actions::history(&state.pool, "dispute", id).await?;
    Ok(DisputeDetail {
        row,
        stale,
        history,
    })
}

/// Maps Stripe's refusal of a dispute change (e.g. already closed) to 409.
fn dispute_conflict(e: StripeError) -> ApiError {
    match &e {
        StripeError::Api { status: 400, .. } => {
            tracing::warn!(error = %e, "Stripe refused the dispute change");
            ApiError::Conflict {
                code: "dispute_not_updatable",
                message: "Stripe refused the change; the dispute may be closed already.".into(),
            }
        }
        StripeError::Api { status: 404, .. } => not_found(),
        _ => ApiError::Stripe(e),
    }
}

/// Stages (`submit == false`) or submits evidence: fields are Stripe's evidence names → text.
pub async fn evidence(
    state: &AppState,
    admin: &AdminUser,
    id: &str,
    evidence: &BTreeMap<String, Value>,
    submit: bool,
    notes: &Option<String>,
) -> Result<DisputeRow, ApiError> {
    check_id(id, PREFIXES)?;
    let notes = check_notes(notes)?;
    let mut fields = Vec::new();
    for (k, v) in evidence {
        if !EVIDENCE_FIELDS.contains(&k.as_str()) {
            return Err(ApiError::Unprocessable {
                code: "unknown_evidence_field",
                message: format!(
                    "`{}` is not a dispute evidence field.",
                    k.chars().take(60).collect::<String>()
                ),
            });
        }
        let Some(text) = v.as_str() else {
            return Err(ApiError::Unprocessable {
                code: "invalid_evidence",
                message: format!("evidence.{k} must be a string."),
            });
        };
        if text.chars().count() > 20_000 {
            return Err(ApiError::Unprocessable {
                code: "invalid_evidence",
                message: format!("evidence.{k} is longer than 20000 characters."),
            });
        }
        fields.push((k.clone(), text.to_string()));
    }
    if fields.is_empty() && !submit {
        return Err(ApiError::Unprocessable {
            code: "no_evidence",
            message: "Give at least one evidence field to stage.".into(),
        });
    }
    // Each stage or submit is its own operation: the key is the dispute's next action number,
    // taken under its row lock (with the content, so a retry after a failure that changed the
    // evidence is not refused as a reused key). X, Y, X leaves X at Stripe.
    let mut tx = state.pool.begin().await?;
    lock_dispute(state, &mut tx, id).await?;
    let seq = disputes::next_action_seq(&mut tx, id).await?;
    let d = api::update_dispute_evidence(&state.stripe, id, seq, &fields, submit)
        .await
        .map_err(dispute_conflict)?;
    let (d, raw) = match api::retrieve_dispute(&state.stripe, &d.id).await {
        Ok(pair) => pair,
        Err(_) => {
            let raw = json!({"id": d.id});
            (d, raw)
        }
    };
    store(state, &mut tx, &d, &raw).await?;
    let action = if submit {
        "submit_evidence"
    } else {
        "stage_evidence"
    };
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    actions::record(
        &mut *tx,
        "dispute",
        id,
        &admin.email,
        action,
        notes.as_deref(),
        &json!({"fields": keys, "status_after": d.status, "sequence": seq}),
    )
    .await?;
    tx.commit().await?;
    state.metrics.inc(ADMIN_ACTIONS, &[action]);
    tracing::info!(admin = %admin.email, dispute_id = %id, action, "dispute action");
    disputes::get(&state.pool, id).await?.ok_or_else(not_found)
}

/// Closes (concedes) the dispute; `confirm` must be true (else 400), since it cannot be undone.
/// Closing a dispute that is already over answers its current state and records nothing.
pub async fn close(
    state: &AppState,
    admin: &AdminUser,
    id: &str,
    confirm: bool,
    notes: &Option<String>,
) -> Result<DisputeRow, ApiError> {
    check_id(id, PREFIXES)?;
    let notes = check_notes(notes)?;
    if !confirm {
        return Err(ApiError::bad_request(
            "confirmation_required",
            "Closing concedes the dispute and cannot be undone; send {\"confirm\": true}.",
        ));
    }
    // Concurrent closes serialise on the row lock; once closed, a repeat answers the current
    // state without calling Stripe or recording anything.
    let mut tx = state.pool.begin().await?;
    let row = lock_dispute(state, &mut tx, id).await?;
    if is_closed(&row.status) {
        return Ok(row);
    }
    let d = api::close_dispute(&state.stripe, id)
        .await
        .map_err(dispute_conflict)?;
    let (d, raw) = match api::retrieve_dispute(&state.stripe, &d.id).await {
        Ok(pair) => pair,
        Err(_) => {
            let raw = json!({"id": d.id});
            (d, raw)
        }
    };
    store(state, &mut tx, &d, &raw).await?;
    actions::record(
        &mut *tx,
        "dispute",
        id,
        &admin.email,
        "close",
        notes.as_deref(),
        &json!({"status_before": row.status, "status_after": d.status}),
    )
    .await?;
    tx.commit().await?;
    state.metrics.inc(ADMIN_ACTIONS, &["close"]);
    tracing::info!(admin = %admin.email, dispute_id = %id, action = "close", "dispute action");
    disputes::get(&state.pool, id).await?.ok_or_else(not_found)
}
