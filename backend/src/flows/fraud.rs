//! Admin work on Radar early fraud warnings: the list by internal status (newest first), one
//! warning with its history, refunding the charge (an idempotency key per warning, the refund
//! id kept, 409 when already refunded) and ignoring (409 when refunded; a repeat answers the
//! current state). Actions serialise on the warning's row lock, so a refund and an ignore
//! racing each other cannot both win, and an action is recorded only when it changed something.

use serde_json::json;

use super::validate::{check_id, check_limit, check_notes};
use crate::auth::AdminUser;
use crate::db::actions::{self, ActionRow};
use crate::db::fraud::{self, FraudWarningRow, IGNORED, OPEN, REFUNDED};
use crate::error::ApiError;
use crate::metrics::ADMIN_ACTIONS;
use crate::state::AppState;
use crate::stripe::StripeError;
use crate::stripe::api;

/// Id prefixes of early fraud warnings.
pub const PREFIXES: &[&str] = &["issfr_"];

/// One page of warnings, newest first.
#[derive(Debug)]
pub struct WarningPage {
    /// The rows.
    pub rows: Vec<FraudWarningRow>,
    /// Whether another page follows.
    pub has_more: bool,
    /// The cursor of the next page.
    pub next_cursor: Option<String>,
}

/// A warning with its action history.
#[derive(Debug)]
pub struct WarningDetail {
    /// The record.
    pub row: FraudWarningRow,
    /// Who did what, oldest first.
    pub history: Vec<ActionRow>,
}

fn not_found() -> ApiError {
    ApiError::NotFound {
        code: "fraud_warning_not_found",
        message: "No such early fraud warning.".into(),
    }
}

/// The internal status filter: `open`, `refunded`, `ignored`, or all (`None`, empty, `all`).
pub fn parse_status(status: Option<&str>) -> Result<Option<&'static str>, ApiError> {
    match status {
        None | Some("") | Some("all") => Ok(None),
        Some(OPEN) => Ok(Some(OPEN)),
        Some(REFUNDED) => Ok(Some(REFUNDED)),
        Some(IGNORED) => Ok(Some(IGNORED)),
        Some(_) => Err(ApiError::bad_request(
            "invalid_status",
            "status must be open, refunded or ignored.",
        )),
    }
}

/// Lists warnings with `status` (all when `None`): `limit` 1–100 after `starting_after`.
pub async fn list(
    state: &AppState,
    status: Option<&str>,
    starting_after: Option<&str>,
    limit: Option<i64>,
) -> Result<WarningPage, ApiError> {
    let limit = check_limit(limit)?;
    if let Some(c) = starting_after {
        check_id(c, PREFIXES)?;
    }
    let mut rows = fraud::list(&state.pool, status, starting_after, limit + 1).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    Ok(WarningPage {
        rows,
        has_more,
        next_cursor,
    })
}

/// One warning with its history.
pub async fn detail(state: &AppState, id: &str) -> Result<WarningDetail, ApiError> {
    check_id(id, PREFIXES)?;
    let row = fraud::get(&state.pool, id).await?.ok_or_else(not_found)?;
    let history = actions::history(&state.pool, "fraud_warning", id).await?;
    Ok(WarningDetail { row, history })
}

/// Refunds the warning's charge in full and marks it refunded.
pub async fn refund(
    state: &AppState,
    admin: &AdminUser,
    id: &str,
    notes: &Option<String>,
) -> Result<WarningDetail, ApiError> {
    check_id(id, PREFIXES)?;
    let notes = check_notes(notes)?;
    let mut tx = state.pool.begin().await?;
    let row = fraud::lock(&mut tx, id).await?.ok_or_else(not_found)?;
    if row.status == REFUNDED {
        return Err(ApiError::Conflict {
            code: "already_refunded",
            message: format!(
                "This warning's charge was already refunded ({}).",
                row.refund_id.as_deref().unwrap_or("refund id unknown")
            ),
        });
    }
    // The row stays locked while Stripe is called: a concurrent refund or ignore waits, then
    // sees `refunded`. The idempotency key makes a retry after a lost answer refund once.
    let refund = match api::refund_for_fraud_warning(&state.stripe, id, &row.charge_id).await {
        Ok(r) => r,
        Err(e @ StripeError::Api { status: 400, .. }) if matches!(&e, StripeError::Api { body, .. } if body.code.as_deref() == Some("charge_already_refunded")) =>
        {
            tracing::warn!(fraud_warning_id = %id, error = %e, "charge already refunded at Stripe");
            return Err(ApiError::Conflict {
                code: "charge_already_refunded",
                message: "The charge was already fully refunded outside this dashboard.".into(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    fraud::mark_refunded(&mut tx, id, &refund.id).await?;
    actions::record(
        &mut *tx,
        "fraud_warning",
        id,
        &admin.email,
        "refund",
        notes.as_deref(),
        &json!({"refund_id": refund.id, "charge": row.charge_id, "previous_status": row.status}),
    )
    .await?;
    tx.commit().await?;
    state.metrics.inc(ADMIN_ACTIONS, &["refund"]);
    tracing::info!(admin = %admin.email, fraud_warning_id = %id, refund_id = %refund.id, charge_id = %row.charge_id, "fraud warning refunded");
    detail(state, id).await
}

/// Marks the warning ignored (an admin decided not to act); refused once refunded. Ignoring an
/// ignored warning answers its current state and records nothing.
pub async fn ignore(
    state: &AppState,
    admin: &AdminUser,
    id: &str,
    notes: &Option<String>,
) -> Result<WarningDetail, ApiError> {
    check_id(id, PREFIXES)?;
    let notes = check_notes(notes)?;
    let mut tx = state.pool.begin().await?;
    let row = fraud::lock(&mut tx, id).await?.ok_or_else(not_found)?;
    if row.status == IGNORED {
        // Already ignored (a repeat, or a concurrent ignore that won the lock): nothing changes,
        // so nothing is recorded.
        drop(tx);
        return detail(state, id).await;
    }
    if row.status == REFUNDED || !fraud::mark_ignored(&mut tx, id).await? {
        return Err(ApiError::Conflict {
            code: "already_refunded",
            message: "A refunded warning cannot be ignored.".into(),
        });
    }
    actions::record(
        &mut *tx,
        "fraud_warning",
        id,
        &admin.email,
        "ignore",
        notes.as_deref(),
        &json!({"previous_status": row.status}),
    )
    .await?;
    tx.commit().await?;
    state.metrics.inc(ADMIN_ACTIONS, &["ignore"]);
    tracing::info!(admin = %admin.email, fraud_warning_id = %id, "fraud warning ignored");
    detail(state, id).await
}
