//! [`ApiJson`]: axum's JSON extractor with its plain-text rejections replaced by our JSON
//! errors — malformed JSON or a wrong content type → 400, well-formed but wrong shape → 422.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
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
