//! The handler pipeline shared by every API route: idempotency, the handler itself,
//! `expand[]`, and the JSON response with Stripe's headers.
//!
//! Handlers are plain synchronous functions `fn(&Call) -> Result<Value, StripeError>` that
//! take the account lock briefly; nothing here awaits while holding a lock.

use std::cell::RefCell;
use std::sync::Arc;

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
    /// Whether the answer may be stored JSON text as it is (no `expand[]`, no idempotency
    /// record to keep): then a handler may [`answer_text`](Call::answer_text) instead.
    pub(crate) plain: bool,
    /// An answer already written as JSON text (a list walked straight from stored text);
    /// when set, it is sent instead of the handler's value.
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
        debug_assert!(self.plain, "a text answer skips expand[] and idempotency");
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
        Err(e) => return respond(e.status(), e.body(), &req, false),
    };
    let key = if req.method == Method::POST {
        req.idempotency_key.clone()
    } else {
        None
    };
    if let Some(key) = &key {
        let now = req.account.lock().now();
        let fp = Fingerprint {
            method: req.method.to_string(),
            path: req.path.clone(),
            params: req.params.0.clone(),
        };
        let begin = req
            .account
            .idempotency
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .begin(key, fp, now);
        match begin {
            Ok(Begin::Proceed) => {}
            Ok(Begin::Replay { status, body }) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return respond(status, body, &req, true);
            }
            Err(e) => return respond(e.status(), e.body(), &req, false),
        }
    }
    let request = req.event_request();
    let ApiRequest {
        account,
        params,
        idempotency_key,
        ..
    } = req;
    let call = Call {
        app,
        account,
        params,
        id,
        request,
        plain: expand_paths.is_empty() && key.is_none(),
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
    if result.is_ok()
        && let Some(text) = call.answer.borrow_mut().take()
    {
        return respond_text(StatusCode::OK, text, idempotency_key.as_deref(), false);
    }
    let (status, body, store) = match result {
        Ok(v) => (StatusCode::OK, v, true),
        Err(e) => (e.status(), e.body(), e.is_stored_for_idempotency()),
    };
    if let Some(key) = &key {
        let now = call.account.lock().now();
        let mut idem = call
            .account
            .idempotency
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if store {
            idem.finish(key, status.as_u16(), body.clone(), now);
        } else {
            idem.abandon(key);
        }
    }
    // Serialized outside the account lock, so answers are written in parallel.
    let text = serde_json::to_string(&body).unwrap_or_default();
    respond_text(status, text, idempotency_key.as_deref(), false)
}

fn respond(status: StatusCode, body: Value, req: &ApiRequest, replayed: bool) -> Response {
    let text = serde_json::to_string(&body).unwrap_or_default();
    respond_text(status, text, req.idempotency_key.as_deref(), replayed)
}

fn respond_text(
    status: StatusCode,
    text: String,
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
