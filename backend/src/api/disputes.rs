//! Admin dispute routes: list (cursor pagination) and detail from our records refreshed from
//! Stripe; stage (`submit=false`) or submit evidence; close (concede) with `{"confirm": true}`.
//! Every action is recorded with the admin's e-mail.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::admin::{AdminWriter, check_id, check_limit, check_notes, history_json, ts};
use super::extract::ApiJson;
use crate::auth::AdminUser;
use crate::db::disputes::{self, DisputeRow};
use crate::db::{actions, subscriptions};
use crate::error::ApiError;
use crate::metrics::ADMIN_ACTIONS;
use crate::stripe::StripeError;
use crate::stripe::api;
use crate::stripe::types::Dispute;

const PREFIXES: &[&str] = &["dp_", "du_"];

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
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = check_limit(q.limit)?;
    if let Some(c) = &q.starting_after {
        check_id(c, PREFIXES)?;
    }
    // The first page merges Stripe's newest disputes into our records (one the webhook has
    // not delivered yet, or missed before the endpoint existed, still shows); later pages and
    // an unreachable Stripe serve our records, the latter marked stale.
    let mut stale = false;
    if q.starting_after.is_none() {
        match api::list_recent_disputes(&state.stripe, limit).await {
            Ok(recent) => {
                for (d, raw) in &recent {
                    store(&state, d, raw).await?;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "dispute list served from local records");
                stale = true;
            }
        }
    }
    let mut rows = disputes::list(&state.pool, q.starting_after.as_deref(), limit + 1).await?;
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
        "stale": stale,
    })))
}

/// Refreshes our record from Stripe's current dispute (keeping the linked user).
async fn store(state: &AppState, d: &Dispute, raw: &Value) -> Result<(), ApiError> {
    let mut conn = state.pool.acquire().await?;
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
    disputes::upsert(&mut conn, d, raw, user.as_deref(), None).await?;
    Ok(())
}

fn not_found() -> ApiError {
    ApiError::NotFound {
        code: "dispute_not_found",
        message: "No such dispute.".into(),
    }
}

/// `GET /disputes/{id}`: Stripe's current state merged into our record, with the history.
pub async fn detail(
    _admin: AdminUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    check_id(&id, PREFIXES)?;
    let stale = match api::retrieve_dispute(&state.stripe, &id).await {
        Ok((d, raw)) => {
            store(&state, &d, &raw).await?;
            false
        }
        Err(e) if e.is_not_found() => return Err(not_found()),
        // Stripe unreachable: show what we have, marked stale.
        Err(e) if disputes::exists(&state.pool, &id).await? => {
            tracing::warn!(dispute_id = %id, error = %e, "dispute detail served from local record");
            true
        }
        Err(e) => return Err(e.into()),
    };
    let row = disputes::get(&state.pool, &id)
        .await?
        .ok_or_else(not_found)?;
    let history = actions::history(&state.pool, "dispute", &id).await?;
    let mut body = row_json(&row);
    body["stale"] = json!(stale);
    body["actions"] = history_json(&history);
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

/// `POST /disputes/{id}/evidence`.
pub async fn evidence(
    AdminWriter(admin): AdminWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EvidenceRequest>,
) -> Result<Json<Value>, ApiError> {
    check_id(&id, PREFIXES)?;
    let notes = check_notes(&req.notes)?;
    let mut fields = Vec::new();
    for (k, v) in &req.evidence {
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
    if fields.is_empty() && !req.submit {
        return Err(ApiError::Unprocessable {
            code: "no_evidence",
            message: "Give at least one evidence field to stage.".into(),
        });
    }
    let d = api::update_dispute_evidence(&state.stripe, &id, &fields, req.submit)
        .await
        .map_err(dispute_conflict)?;
    let (d, raw) = match api::retrieve_dispute(&state.stripe, &d.id).await {
        Ok(pair) => pair,
        Err(_) => {
            let raw = json!({"id": d.id});
            (d, raw)
        }
    };
    store(&state, &d, &raw).await?;
    let action = if req.submit {
        "submit_evidence"
    } else {
        "stage_evidence"
    };
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    actions::record(
        &state.pool,
        "dispute",
        &id,
        &admin.email,
        action,
        notes.as_deref(),
        &json!({"fields": keys, "status_after": d.status}),
    )
    .await?;
    state.metrics.inc(ADMIN_ACTIONS, &[action]);
    tracing::info!(admin = %admin.email, dispute_id = %id, action, "dispute action");
    let row = disputes::get(&state.pool, &id)
        .await?
        .ok_or_else(not_found)?;
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
    AdminWriter(admin): AdminWriter,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CloseRequest>,
) -> Result<Json<Value>, ApiError> {
    check_id(&id, PREFIXES)?;
    let notes = check_notes(&req.notes)?;
    if !req.confirm {
        return Err(ApiError::bad_request(
            "confirmation_required",
            "Closing concedes the dispute and cannot be undone; send {\"confirm\": true}.",
        ));
    }
    let d = api::close_dispute(&state.stripe, &id)
        .await
        .map_err(dispute_conflict)?;
    let (d, raw) = match api::retrieve_dispute(&state.stripe, &d.id).await {
        Ok(pair) => pair,
        Err(_) => {
            let raw = json!({"id": d.id});
            (d, raw)
        }
    };
    store(&state, &d, &raw).await?;
    actions::record(
        &state.pool,
        "dispute",
        &id,
        &admin.email,
        "close",
        notes.as_deref(),
        &json!({"status_after": d.status}),
    )
    .await?;
    state.metrics.inc(ADMIN_ACTIONS, &["close"]);
    tracing::info!(admin = %admin.email, dispute_id = %id, action = "close", "dispute action");
    let row = disputes::get(&state.pool, &id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(row_json(&row)))
}
