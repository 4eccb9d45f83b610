//! axum's extractors with their plain-text rejections replaced by our JSON errors:
//! [`ApiJson`] (malformed JSON or a wrong content type → 400, well-formed but wrong shape →
//! 422), [`ApiQuery`] (a malformed query → 400 `invalid_query`) and [`ApiPath`] (an
//! undecodable path segment → 400 `invalid_path`).

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON request body.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(map_rejection(&rejection)),
        }
    }
}

fn map_rejection(r: &JsonRejection) -> ApiError {
    match r {
        JsonRejection::JsonDataError(e) => ApiError::Unprocessable {
            code: "invalid_request",
            // serde's text names the field and expected type; it holds no secrets.
            message: format!("Invalid request body: {}", e.body_text()),
        },
        JsonRejection::MissingJsonContentType(_) => ApiError::bad_request(
            "invalid_json",
            "Expected a JSON body with Content-Type: application/json.",
        ),
        JsonRejection::BytesRejection(e) => ApiError::body_unreadable(e),
        _ => ApiError::bad_request("invalid_json", "The request body is not valid JSON."),
    }
}

/// Query parameters; a malformed query (`?limit=abc`) → 400 `invalid_query` in our JSON shape.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(ApiError::bad_request(
                "invalid_query",
                format!("Invalid query string: {}", printable(&r.body_text())),
            )),
        }
    }
}

/// Path parameters; an undecodable segment (`/disputes/%ff`) → 400 `invalid_path`.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(ApiError::bad_request(
                "invalid_path",
                format!("Invalid path: {}", printable(&e.body_text())),
            )),
            Err(e) => Err(ApiError::Internal(format!("path extraction: {e}"))),
        }
    }
}

/// Keeps rejection text short and printable in messages.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(200).collect()
}
