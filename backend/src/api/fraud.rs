//! Admin early-fraud-warning routes, the JSON face of [`crate::flows::fraud`]: list by status
//! (newest first), detail with the action history, refund the charge and ignore.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::{AdminWriter, OptionalJson, history_json, ts};
use crate::auth::AdminUser;
use crate::db::fraud::FraudWarningRow;
use crate::edge::extract::{ApiPath, ApiQuery};
use crate::edge::limit::Limited;
use crate::error::ApiError;
use crate::flows::fraud::{self, WarningDetail};
use crate::state::AppState;

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

fn detail_json(d: &WarningDetail) -> Value {
    let mut body = row_json(&d.row);
    body["actions"] = history_json(&d.history);
    body
}

/// `GET /fraud-warnings?status=`.
pub async fn list(
    _admin: AdminUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let status = fraud::parse_status(q.status.as_deref())?;
    let page = fraud::list(&state, status, q.starting_after.as_deref(), q.limit).await?;
    Ok(Json(json!({
        "data": page.rows.iter().map(row_json).collect::<Vec<_>>(),
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
    })))
}

/// `GET /fraud-warnings/{id}`.
pub async fn detail(
    _admin: AdminUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(detail_json(&fraud::detail(&state, &id).await?)))
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
    Limited(admin): AdminWriter,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    OptionalJson(req): OptionalJson<ActionRequest>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(detail_json(
        &fraud::refund(&state, &admin, &id, &req.notes).await?,
    )))
}

/// `POST /fraud-warnings/{id}/ignore`.
pub async fn ignore(
    Limited(admin): AdminWriter,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    OptionalJson(req): OptionalJson<ActionRequest>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(detail_json(
        &fraud::ignore(&state, &admin, &id, &req.notes).await?,
    )))
}
