//! The handler pipeline shared by every API route: idempotency, the handler itself,
//! `expand[]`, and the JSON response with Stripe's headers.
//!
//! Handlers are plain synchronous functions `fn(&Call) -> Result<Value, StripeError>` that
//! take the account lock briefly; nothing here awaits while holding a lock.

use std::cell::RefCell;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use serde_json::Value;

use crate::account::{Account, EventRequest};
use crate::app::App;
use crate::engine;
use crate::error::StripeError;
use crate::expand;
use crate::idempotency::{Begin, Fingerprint};
use crate::params::Params;
use crate::request::ApiRequest;

/// Everything a handler needs about the call.
#[derive(Debug)]
pub(crate) struct Call {
    /// Shared simulator state.
    pub(crate) app: Arc<App>,
    /// The caller's account.
    pub(crate) account: Arc<Account>,
    /// Parsed parameters.
    pub(crate) params: Params,
    /// The `{id}` path parameter, if the route has one.
    pub(crate) id: Option<String>,
    /// The `request` block for events.
    pub(crate) request: EventRequest,
    /// Whether the answer may be JSON text written by the handler (no `expand[]` to apply
    /// to it): then a handler may [`answer_text`](Call::answer_text) instead.
    pub(crate) plain: bool,
    /// An answer already written as JSON text (stored text, a list walked straight from
    /// it); when set, it is sent (and kept for the idempotency key) instead of the
    /// handler's value.
    answer: RefCell<Option<String>>,
}

impl Call {
    /// The path id (routes with `{id}` always have one).
    pub(crate) fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    /// Answers with `text` (JSON) instead of the handler's value; only when
    /// [`plain`](Call::plain).
    pub(crate) fn answer_text(&self, text: String) {
        debug_assert!(self.plain, "a text answer skips expand[]");
        *self.answer.borrow_mut() = Some(text);
    }
}

/// A synchronous API handler.
pub(crate) type Handler = fn(&Call) -> Result<Value, StripeError>;

/// A route method running `h` through the pipeline (no path parameter).
pub(crate) fn route(filter: MethodFilter, h: Handler) -> MethodRouter<Arc<App>> {
    on(
        filter,
        move |State(app): State<Arc<App>>, req: ApiRequest| async move { run(app, req, None, h) },
    )
}

/// A route method running `h` with the `{id}` path parameter.
pub(crate) fn route_id(filter: MethodFilter, h: Handler) -> MethodRouter<Arc<App>> {
    on(
        filter,
        move |State(app): State<Arc<App>>,
              path: Result<Path<String>, PathRejection>,
              req: ApiRequest| async move {
            match path {
                Ok(Path(id)) => run(app, req, Some(id), h),
                Err(_) => {
                    StripeError::bad_request("Invalid id in the URL path: it must be valid UTF-8.")
                        .into_response()
                }
            }
        },
    )
}

/// Runs one API call: idempotency check, handler, expansion, response.
pub(crate) fn run(app: Arc<App>, req: ApiRequest, id: Option<String>, h: Handler) -> Response {
    let expand_paths = match expand::paths(&req.params) {
        Ok(p) => p,
        Err(e) => return respond(e.status(), &e.body(), req.idempotency_key.as_deref()),
    };
    let request = req.event_request();
    let ApiRequest {
        account,
        params,
        idempotency_key,
        method,
        path,
        ..
    } = req;
    // What the key's record compares and keeps; the parameters are moved in and out of it,
    // never copied.
    let key = idempotency_key
        .as_deref()
        .filter(|_| method == Method::POST);
    let mut fingerprint = key.map(|_| Fingerprint {
        method: method.to_string(),
        path,
        params: Value::Null,
    });
    let mut params = params;
    if let (Some(key), Some(fp)) = (key, fingerprint.as_mut()) {
        let now = account.lock().now();
        fp.params = std::mem::take(&mut params.0);
        let begin = account
            .idempotency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .begin(key, fp, now);
        params.0 = std::mem::take(&mut fp.params);
        match begin {
            Ok(Begin::Proceed) => {}
            Ok(Begin::Replay { status, body }) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return respond_text(status, body, Some(key), true);
            }
            Err(e) => return respond(e.status(), &e.body(), Some(key)),
        }
    }
    let call = Call {
        app,
        account,
        params,
        id,
        request,
        plain: expand_paths.is_empty(),
        answer: RefCell::new(None),
    };
    let result = h(&call).and_then(|mut v| {
        if !expand_paths.is_empty() {
            let st = call.account.lock();
            let includable = |obj: &Value, field: &str| engine::includable::field(&st, obj, field);
            expand::apply(&mut v, &expand_paths, &st.store, &includable)?;
        }
        Ok(v)
    });
    // Serialized outside the account lock, so answers are written in parallel; a handler's
    // text answer is sent (and kept for the key) as it is.
    let (status, text, store) = match result {
        Ok(v) => {
            let text = call.answer.borrow_mut().take();
            let text = text.unwrap_or_else(|| serde_json::to_string(&v).unwrap_or_default());
            (StatusCode::OK, text, true)
        }
        Err(e) => (
            e.status(),
            serde_json::to_string(&e.body()).unwrap_or_default(),
            e.is_stored_for_idempotency(),
        ),
    };
    let body = Bytes::from(text);
    if let (Some(key), Some(mut fp)) = (key, fingerprint) {
        let now = call.account.lock().now();
        let mut idem = call
            .account
            .idempotency
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if store {
            fp.params = call.params.0;
            idem.finish(key, fp, status.as_u16(), body.clone(), now);
        } else {
            idem.abandon(key);
        }
    }
    respond_text(status, body, idempotency_key.as_deref(), false)
}

fn respond(status: StatusCode, body: &Value, idempotency_key: Option<&str>) -> Response {
    let text = serde_json::to_string(body).unwrap_or_default();
    respond_text(status, Bytes::from(text), idempotency_key, false)
}

fn respond_text(
    status: StatusCode,
    text: Bytes,
    idempotency_key: Option<&str>,
    replayed: bool,
) -> Response {
    let mut resp = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text,
    )
        .into_response();
    let h = resp.headers_mut();
    h.insert(
        "stripe-version",
        HeaderValue::from_static(crate::API_VERSION),
    );
    if let Some(k) = idempotency_key.and_then(|k| HeaderValue::from_str(k).ok()) {
        h.insert("idempotency-key", k);
    }
    if replayed {
        h.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    resp
}
