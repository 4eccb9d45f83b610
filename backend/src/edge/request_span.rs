//! The request span every route runs in. [`layer`] wraps the whole router: it takes the
//! caller's `X-Request-Id` (when it is 1–128 visible characters without spaces) or makes one
//! (`req_` and 32 hex digits), opens a `request` span with the method and the request id —
//! so every line logged while the request is served (an error, a refusal, a webhook outcome)
//! carries them — and, when the response is ready, logs one `request` line with `method`,
//! `path` (the matched route, e.g. `/api/subscription/disputes/{id}`, or `unmatched`),
//! `status`, `latency_ms` and `request_id`, and returns the id in `X-Request-Id`.
//! [`matched_path`] runs inside the routes and tells the outer layer which route matched.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header that carries the request id, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The matched route, handed from [`matched_path`] to [`layer`] in the response's extensions.
#[derive(Debug, Clone)]
struct Route(String);

/// Outer middleware (`Router::layer`): the span, the closing log line and the response header.
pub async fn layer(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let request_id = incoming_id(req.headers()).unwrap_or_else(new_id);
    let span = tracing::info_span!(
        "request",
        method = %method,
        path = tracing::field::Empty,
        request_id = %request_id,
    );
    let mut response = next.run(req).instrument(span.clone()).await;
    let path = response
        .extensions_mut()
        .remove::<Route>()
        .map_or_else(|| "unmatched".to_string(), |r| r.0);
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.record("path", path.as_str());
    span.in_scope(|| {
        tracing::info!(
            event = "request",
            method = %method,
            path = %path,
            status,
            latency_ms = (latency_ms * 1000.0).round() / 1000.0,
            request_id = %request_id,
            "request"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Inner middleware (`Router::route_layer`): records the matched route in the span and hands
/// it to [`layer`].
pub async fn matched_path(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    if let Some(r) = &route {
        tracing::Span::current().record("path", r.as_str());
    }
    let mut response = next.run(req).await;
    if let Some(r) = route {
        response.extensions_mut().insert(Route(r));
    }
    response
}

/// The caller's request id, when it is one we can log and echo safely.
fn incoming_id(headers: &HeaderMap) -> Option<String> {
    let id = headers.get(REQUEST_ID_HEADER)?.to_str().ok()?.trim();
    let ok = !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| id.to_string())
}

/// A fresh request id.
fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    format!("req_{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incoming_id_is_kept_only_when_safe_to_echo() {
        let mut h = HeaderMap::new();
        assert_eq!(incoming_id(&h), None);
        h.insert(REQUEST_ID_HEADER, HeaderValue::from_static("lb-42.abc"));
        assert_eq!(incoming_id(&h).as_deref(), Some("lb-42.abc"));
        h.insert(REQUEST_ID_HEADER, HeaderValue::from_static("has space"));
        assert_eq!(incoming_id(&h), None);
        h.insert(
            REQUEST_ID_HEADER,
            HeaderValue::from_str(&"x".repeat(129)).unwrap(),
        );
        assert_eq!(incoming_id(&h), None);
        let (a, b) = (new_id(), new_id());
        assert!(a.starts_with("req_") && a.len() == 36 && a != b, "{a} {b}");
    }
}
