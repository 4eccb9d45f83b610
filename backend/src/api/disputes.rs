//! Admin dispute routes, the JSON face of [`crate::flows::disputes`]: list (cursor pagination)
//! and detail from our records refreshed from Stripe; stage (`submit=false`) or submit
//! evidence; close (concede) with `{"confirm": true}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::{AdminWriter, history_json, ts};
use crate::auth::AdminUser;
use crate::db::disputes::DisputeRow;
use crate::edge::extract::{ApiJson, ApiPath, ApiQuery};
use crate::edge::limit::Limited;
use crate::error::ApiError;
use crate::flows::disputes;
use crate::state::AppState;

pub use crate::flows::disputes::EVIDENCE_FIELDS;

/// List query.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Page size 1–100.
    pub limit: Option<i64>,
    /// Cursor: the last id of the previous page.
    pub starting_after: Option<String>,
}

fn row_json(r: &DisputeRow) -> Value {
    json!({
        "id": r.id, "charge": r.charge_id, "payment_intent": r.payment_intent_id,
        "user_id": r.user_id, "amount": r.amount, "currency": r.currency, "reason": r.reason,
        "status": r.status, "evidence": r.evidence_staged,
        "evidence_submitted": r.evidence_submitted, "submission_count": r.submission_count,
        "due_by": ts(r.due_by), "created": ts(r.stripe_created_at), "updated_at": ts(Some(r.updated_at)),
    })
}

/// `GET /disputes`: newest first, from Stripe and our records (cursor pagination).
pub async fn list(
    _admin: AdminUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let page = disputes::list(&state, q.starting_after.as_deref(), q.limit).await?;
    Ok(Json(json!({
        "data": page.rows.iter().map(row_json).collect::<Vec<_>>(),
        "has_more": page.has_more,
        "next_cursor": page.next_cursor,
        "stale": page.stale,
    })))
}

/// `GET /disputes/{id}`: Stripe's current state merged into our record, with the history.
pub async fn detail(
    _admin: AdminUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let d = disputes::detail(&state, &id).await?;
    let mut body = row_json(&d.row);
    body["stale"] = json!(d.stale);
    body["actions"] = history_json(&d.history);
    Ok(Json(body))
}

/// Evidence request.
#[derive(Debug, Deserialize)]
pub struct EvidenceRequest {
    /// Evidence fields (Stripe's names) → text or file ids.
    pub evidence: BTreeMap<String, Value>,
    /// `false` stages the evidence; `true` submits it (Stripe's default is to submit, so the
    /// caller must say which).
    pub submit: bool,
    /// Free text for the action history.
    #[serde(default)]
    pub notes: Option<String>,
}

/// `POST /disputes/{id}/evidence`.
pub async fn evidence(
    Limited(admin): AdminWriter,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<EvidenceRequest>,
) -> Result<Json<Value>, ApiError> {
    let row =
        disputes::evidence(&state, &admin, &id, &req.evidence, req.submit, &req.notes).await?;
    Ok(Json(row_json(&row)))
}

/// Close request.
#[derive(Debug, Deserialize)]
pub struct CloseRequest {
    /// Must be `true`: closing concedes the dispute and cannot be undone.
    #[serde(default)]
    pub confirm: bool,
    /// Free text for the action history.
    #[serde(default)]
    pub notes: Option<String>,
}

/// `POST /disputes/{id}/close`: concede; needs `{"confirm": true}` (else 400).
pub async fn close(
    Limited(admin): AdminWriter,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<CloseRequest>,
) -> Result<Json<Value>, ApiError> {
    let row = disputes::close(&state, &admin, &id, req.confirm, &req.notes).await?;
    Ok(Json(row_json(&row)))
}
