//! Admin early-fraud-warning routes: list by status (newest first), detail with the action
//! history, refund the charge (idempotency key per warning, refund id kept, 409 when already
//! refunded) and ignore (409 when refunded). Actions serialise on the warning's row lock, so a
//! refund and an ignore racing each other cannot both win.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::admin::{
    AdminWriter, OptionalJson, check_id, check_limit, check_notes, history_json, ts,
};
use crate::auth::AdminUser;
use crate::db::actions;
use crate::db::fraud::{self, FraudWarningRow, IGNORED, OPEN, REFUNDED};
use crate::error::ApiError;
use crate::metrics::ADMIN_ACTIONS;
use crate::stripe::StripeError;
use crate::stripe::api;

const PREFIXES: &[&str] = &["issfr_"];

/// List query.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// `open`, `refunded` or `ignored`; all when absent.
    pub status: Option<String>,
    /// Page size 1–100.
    pub limit: Option<i64>,
    /// Cursor: the last id of the previous page.
    pub starting_after: Option<String>,
}

fn row_json(r: &FraudWarningRow) -> Value {
    json!({
        "id": r.id, "charge": r.charge_id, "payment_intent": r.payment_intent_id,
        "user_id": r.user_id, "amount": r.amount, "currency": r.currency,
        "fraud_type": r.fraud_type, "actionable": r.actionable, "status": r.status,
        "refund_id": r.refund_id, "created": ts(r.stripe_created_at),
        "recorded_at": ts(Some(r.created_at)), "updated_at": ts(Some(r.updated_at)),
    })
}

fn not_found() -> ApiError {
    ApiError::NotFound {
        code: "fraud_warning_not_found",
        message: "No such early fraud warning.".into(),
    }
}

/// `GET /fraud-warnings?status=`.
pub async fn list(
    _admin: AdminUser,
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let status = match q.status.as_deref() {
        None | Some("") | Some("all") => None,
        Some(s @ (OPEN | REFUNDED | IGNORED)) => Some(s),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_status",
                "status must be open, refunded or ignored.",
            ));
        }
    };
    let limit = check_limit(q.limit)?;
    if let Some(c) = &q.starting_after {
        check_id(c, PREFIXES)?;
    }
    let mut rows = fraud::list(&state.pool, status, q.starting_after.as_deref(), limit + 1).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if has_more {
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    Ok(Json(json!({
        "data": rows.iter().map(row_json).collect::<Vec<_>>(),
        "has_more": has_more,
        "next_cursor": next,
    })))
}

async fn detail_json(state: &AppState, id: &str) -> Result<Value, ApiError> {
    let row = fraud::get(&state.pool, id).await?.ok_or_else(not_found)?;
    let history = actions::history(&state.pool, "fraud_warning", id).await?;
    let mut body = row_json(&row);
    body["actions"] = history_json(&history);
    Ok(body)
}

/// `GET /fraud-warnings/{id}`.
pub async fn detail(
    _admin: AdminUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    check_id(&id, PREFIXES)?;
    Ok(Json(detail_json(&state, &id).await?))
}

/// Body of refund and ignore.
#[derive(Debug, Default, Deserialize)]
pub struct ActionRequest {
    /// Free text for the action history.
    #[serde(default)]
    pub notes: Option<String>,
}

/// `POST /fraud-warnings/{id}/refund`.
pub async fn refund(
    AdminWriter(admin): AdminWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalJson(req): OptionalJson<ActionRequest>,
) -> Result<Json<Value>, ApiError> {
    check_id(&id, PREFIXES)?;
    let notes = check_notes(&req.notes)?;
    let mut tx = state.pool.begin().await?;
    let row = fraud::lock(&mut tx, &id).await?.ok_or_else(not_found)?;
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
    let refund = match api::refund_for_fraud_warning(&state.stripe, &id, &row.charge_id).await {
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
    fraud::mark_refunded(&mut tx, &id, &refund.id).await?;
    actions::record(
        &mut *tx,
        "fraud_warning",
        &id,
        &admin.email,
        "refund",
        notes.as_deref(),
        &json!({"refund_id": refund.id, "charge": row.charge_id, "previous_status": row.status}),
    )
    .await?;
    tx.commit().await?;
    state.metrics.inc(ADMIN_ACTIONS, &["refund"]);
    tracing::info!(admin = %admin.email, fraud_warning_id = %id, refund_id = %refund.id, charge_id = %row.charge_id, "fraud warning refunded");
    Ok(Json(detail_json(&state, &id).await?))
}

/// `POST /fraud-warnings/{id}/ignore`.
pub async fn ignore(
    AdminWriter(admin): AdminWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    OptionalJson(req): OptionalJson<ActionRequest>,
) -> Result<Json<Value>, ApiError> {
    check_id(&id, PREFIXES)?;
    let notes = check_notes(&req.notes)?;
    let mut tx = state.pool.begin().await?;
    let row = fraud::lock(&mut tx, &id).await?.ok_or_else(not_found)?;
    if row.status == REFUNDED || !fraud::mark_ignored(&mut tx, &id).await? {
        return Err(ApiError::Conflict {
            code: "already_refunded",
            message: "A refunded warning cannot be ignored.".into(),
        });
    }
    actions::record(
        &mut *tx,
        "fraud_warning",
        &id,
        &admin.email,
        "ignore",
        notes.as_deref(),
        &json!({"previous_status": row.status}),
    )
    .await?;
    tx.commit().await?;
    state.metrics.inc(ADMIN_ACTIONS, &["ignore"]);
    tracing::info!(admin = %admin.email, fraud_warning_id = %id, "fraud warning ignored");
    Ok(Json(detail_json(&state, &id).await?))
}
