//! Shared pieces of the admin routes: the rate-limited admin extractor for writes, an optional
//! JSON body, id and cursor validation, and JSON renderings of stored rows.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::AppState;
use crate::auth::AdminUser;
use crate::db::actions::ActionRow;
use crate::error::ApiError;
use crate::ratelimit::{Endpoint, client_addr, enforce};

/// An admin within the admin-write budget: 401 → 403 → 429, before the body is read.
#[derive(Debug)]
pub struct AdminWriter(pub AdminUser);

impl FromRequestParts<AppState> for AdminWriter {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let admin = AdminUser::from_request_parts(parts, state).await?;
        enforce(
            &state.limiters,
            &state.metrics,
            Endpoint::AdminWrite,
            &admin.user_id,
            client_addr(parts),
        )?;
        Ok(AdminWriter(admin))
    }
}

/// A JSON body that may be absent (empty body → `T::default()`); malformed → 400, wrong shape
/// → 422.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
            ApiError::bad_request("invalid_json", "The request body is not valid JSON.")
        })?;
        serde_json::from_value(value)
            .map(OptionalJson)
            .map_err(|e| ApiError::Unprocessable {
                code: "invalid_request",
                message: format!("Invalid request body: {e}"),
            })
    }
}

/// Checks that `id` looks like a Stripe id with one of `prefixes` (else 400).
pub fn check_id(id: &str, prefixes: &[&str]) -> Result<(), ApiError> {
    let ok = prefixes.iter().any(|p| id.starts_with(p))
        && id.len() <= 255
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_id",
            format!("Expected an id starting with {}.", prefixes.join(" or ")),
        ))
    }
}

/// Notes: optional, at most 2,000 characters (else 422).
pub fn check_notes(notes: &Option<String>) -> Result<Option<String>, ApiError> {
    match notes.as_deref().map(str::trim) {
        Some(n) if n.chars().count() > 2000 => Err(ApiError::Unprocessable {
            code: "notes_too_long",
            message: "notes must be at most 2000 characters.".into(),
        }),
        Some("") | None => Ok(None),
        Some(n) => Ok(Some(n.to_string())),
    }
}

/// `limit` 1–100 (default 20).
pub fn check_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(20),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(
            "invalid_limit",
            "limit must be between 1 and 100.",
        )),
    }
}

/// RFC 3339, or null.
pub fn ts(t: Option<OffsetDateTime>) -> Value {
    t.and_then(|t| t.format(&Rfc3339).ok())
        .map(Value::String)
        .unwrap_or(Value::Null)
}

/// An action history as JSON.
pub fn history_json(rows: &[ActionRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|a| {
                json!({
                    "actor_email": a.actor_email,
                    "action": a.action,
                    "notes": a.notes,
                    "details": a.details,
                    "at": ts(Some(a.created_at)),
                })
            })
            .collect(),
    )
}
