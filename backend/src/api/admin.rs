//! Shared pieces of the admin routes: the rate-limited admin extractor for writes, an optional
//! JSON body, and JSON renderings of stored rows.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::db::actions::ActionRow;
use crate::edge::limit::{AdminWriteLimit, Limited};
use crate::error::ApiError;

/// An admin within the admin-write budget: 401 → 403 → 429, before the body is read.
pub type AdminWriter = Limited<AdminWriteLimit>;

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
            .map_err(|e| ApiError::body_unreadable(&e))?;
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
