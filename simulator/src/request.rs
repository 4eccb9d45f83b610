//! The request edge: a `Request-Id` on every response, API-key authentication, and the
//! [`ApiRequest`] extractor that gives handlers the account, parsed parameters, the
//! idempotency key and the method/path.

use std::sync::Arc;

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;

use crate::account::{Account, EventRequest};
use crate::app::App;
use crate::error::StripeError;
use crate::form;
use crate::ids::new_id;
use crate::params::Params;

/// Largest request body accepted.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// The id of the current request (`req_…`), stored in request extensions.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub String);

/// Middleware: gives every request a `req_…` id and every response a `Request-Id` header.
pub(crate) async fn request_id(mut req: Request, next: Next) -> Response {
    let id = new_id("req_");
    let header = HeaderValue::from_str(&id).ok();
    // The method and path are copied for the log line only when it is written.
    let logged = tracing::enabled!(tracing::Level::DEBUG).then(|| {
        (
            id.clone(),
            req.method().clone(),
            req.uri().path().to_string(),
        )
    });
    req.extensions_mut().insert(RequestId(id));
    let mut resp = next.run(req).await;
    if let Some((id, method, path)) = logged {
        tracing::debug!(request_id = %id, %method, %path, status = resp.status().as_u16(), "request");
    }
    if let Some(v) = header {
        resp.headers_mut().insert("request-id", v);
    }
    resp
}

/// Extracts the API key from `Authorization: Bearer …` or Basic auth (key as user).
pub(crate) fn api_key(headers: &HeaderMap) -> Result<String, StripeError> {
    let no_key = || {
        StripeError::Unauthorized {
        message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').".into(),
    }
    };
    let raw = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(no_key)?
        .to_str()
        .map_err(|_| no_key())?
        .trim();
    let key = if let Some(k) = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
    {
        k.trim().to_string()
    } else if let Some(b) = raw
        .strip_prefix("Basic ")
        .or_else(|| raw.strip_prefix("basic "))
    {
        let decoded = base64_decode(b.trim()).ok_or_else(no_key)?;
        let s = String::from_utf8(decoded).map_err(|_| no_key())?;
        s.split(':').next().unwrap_or_default().to_string()
    } else {
        return Err(no_key());
    };
    check_key(&key)?;
    Ok(key)
}

/// Accepts test-mode secret or restricted keys only.
pub(crate) fn check_key(key: &str) -> Result<(), StripeError> {
    if key.is_empty() {
        return Err(StripeError::Unauthorized {
            message: "You did not provide an API key.".into(),
        });
    }
    if key.starts_with("sk_live_") || key.starts_with("rk_live_") {
        return Err(StripeError::Unauthorized {
            message: "This is a test-mode Stripe simulator: live mode keys (sk_live_…) are refused. Use a test key starting with sk_test_.".into(),
        });
    }
    let rest = key
        .strip_prefix("sk_test_")
        .or_else(|| key.strip_prefix("rk_test_"));
    match rest {
        Some(r)
            if !r.is_empty()
                && r.len() <= 200
                && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
        {
            Ok(())
        }
        _ => {
            let shown: String = key.chars().take(8).collect();
            Err(StripeError::Unauthorized {
                message: format!("Invalid API Key provided: {shown}***"),
            })
        }
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= val(*c)? << (18 - 6 * i);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        for i in 0..n {
            out.push((acc >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// Parses a request body by content type: JSON objects (simulator-only routes) or forms.
pub(crate) fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, StripeError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(v @ Value::Object(_)) => Ok(v),
            _ => Err(StripeError::bad_request(
                "Invalid JSON body: expected a JSON object. (Stripe API routes take application/x-www-form-urlencoded bodies.)",
            )),
        }
    } else {
        form::parse(body)
    }
}

/// An authenticated API request with its parsed parameters.
#[derive(Debug)]
pub(crate) struct ApiRequest {
    /// The caller's account.
    pub(crate) account: Arc<Account>,
    /// Query string (GET/DELETE) or body (POST) parameters.
    pub(crate) params: Params,
    /// `Idempotency-Key` header, if any.
    pub(crate) idempotency_key: Option<String>,
    /// HTTP method.
    pub(crate) method: Method,
    /// Request path (`/v1/customers/cus_1`).
    pub(crate) path: String,
    /// `req_…` of this request.
    pub(crate) request_id: String,
}

impl ApiRequest {
    /// The `request` block for events this call causes.
    pub(crate) fn event_request(&self) -> EventRequest {
        EventRequest {
            id: Some(self.request_id.clone()),
            idempotency_key: self.idempotency_key.clone(),
        }
    }
}

impl FromRequest<Arc<App>> for ApiRequest {
    type Rejection = StripeError;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let key = api_key(&parts.headers)?;
        // Taken, not copied: nothing after the extractor reads it.
        let request_id = parts
            .extensions
            .remove::<RequestId>()
            .map(|r| r.0)
            .unwrap_or_else(|| new_id("req_"));
        let idempotency_key = parts
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .filter(|k| !k.is_empty());
        let query = parts.uri.query().unwrap_or_default().as_bytes().to_vec();
        let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
            StripeError::PayloadTooLarge {
                message: format!("Request body too large: the limit is {MAX_BODY} bytes."),
            }
        })?;
        let params = if parts.method == Method::POST && !bytes.is_empty() {
            parse_body(&parts.headers, &bytes)?
        } else {
            form::parse(&query)?
        };
        Ok(ApiRequest {
            account: app.account(&key),
            params: Params(params),
            idempotency_key,
            method: parts.method,
            path: parts.uri.path().to_string(),
            request_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(auth).expect("header"),
        );
        h
    }

    #[test]
    fn bearer_and_basic() {
        assert_eq!(
            api_key(&headers("Bearer sk_test_abc")).expect("ok"),
            "sk_test_abc"
        );
        // "sk_test_abc:" in base64
        assert_eq!(
            api_key(&headers("Basic c2tfdGVzdF9hYmM6")).expect("ok"),
            "sk_test_abc"
        );
    }

    #[test]
    fn refused_keys() {
        for bad in [
            "Bearer sk_live_abc",
            "Bearer nope",
            "Bearer sk_test_",
            "Token x",
            "Basic !!!",
        ] {
            let e = api_key(&headers(bad)).expect_err(bad);
            assert_eq!(e.status(), axum::http::StatusCode::UNAUTHORIZED, "{bad}");
        }
        assert!(api_key(&HeaderMap::new()).is_err());
        let live = api_key(&headers("Bearer sk_live_abc")).expect_err("live");
        assert!(live.to_string().contains("live"));
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGk").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64_decode("a"), None);
    }
}
