//! The "floor": the least an axum server can do for each operation — check the
//! `Authorization` header, parse the form body, insert into (or read from) a map under one
//! lock, answer JSON. The simulator cannot be faster than this on the same stack.
//!
//! Its objects have the simulator's shape and size: a template of each (a customer and a
//! Checkout Session the simulator made at start) is cloned and the form's fields set in it,
//! so both servers write the same JSON and the ratio measures what the simulator adds.
//! Customers are serialized once, at creation, and rest as text that retrieve and list
//! answer as it is (the cheapest way to answer the same bytes).
//!
//! - create customer / checkout session: parse, insert, answer the object;
//! - retrieve: one map lookup;
//! - list (`limit=N`): the last N ids of the creation order, looked up, answered as a list;
//! - pay a session: look the session up, mark it `complete`, insert a customer and a
//!   subscription, answer `{"redirect_url"}` (the simulator also builds the payment method,
//!   invoice, payment intent, charge and twelve events).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

/// Customers rest as the JSON text they were answered with (retrieve and list write it as
/// it is); sessions as values, since paying one changes it.
#[derive(Default)]
struct Objects {
    texts: HashMap<String, Arc<str>>,
    customers: Vec<String>,
    sessions: HashMap<String, Value>,
    subscriptions: HashMap<String, Value>,
}

/// Objects of the simulator's shape, cloned for every new object.
pub struct Templates {
    /// A customer.
    pub customer: Value,
    /// A Checkout Session.
    pub session: Value,
}

struct Floor {
    objects: Mutex<Objects>,
    seq: AtomicU64,
    templates: Templates,
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|k| k.starts_with("sk_test_"))
}

fn refused() -> Response {
    let e = json!({"error": {"type": "invalid_request_error", "message": "No API key."}});
    (StatusCode::UNAUTHORIZED, axum::Json(e)).into_response()
}

fn json_text(text: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text.into()).into_response()
}

fn form(body: &[u8]) -> Map<String, Value> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

/// `template` with `id` and the form's fields set (`a[b]=v` as `a.b`).
fn object(template: &Value, id: &str, form: Map<String, Value>) -> Value {
    let mut obj = template.clone();
    obj["id"] = json!(id);
    for (k, v) in form {
        match k.split_once('[') {
            Some((outer, inner)) => obj[outer][inner.trim_end_matches(']')] = v,
            None => obj[k.as_str()] = v,
        }
    }
    obj
}

impl Floor {
    fn id(&self, prefix: &str) -> String {
        format!("{prefix}{:014}", self.seq.fetch_add(1, Ordering::Relaxed))
    }

    fn customer(&self, form: Map<String, Value>) -> (String, Arc<str>) {
        let id = self.id("cus_");
        let obj = object(&self.templates.customer, &id, form);
        let text: Arc<str> = serde_json::to_string(&obj).expect("json").into();
        (id, text)
    }
}

async fn create_customer(State(f): State<Arc<Floor>>, h: HeaderMap, body: Bytes) -> Response {
    if !authorized(&h) {
        return refused();
    }
    let (id, text) = f.customer(form(&body));
    let mut o = f.objects.lock().expect("lock");
    o.texts.insert(id.clone(), text.clone());
    o.customers.push(id);
    drop(o);
    json_text(text.to_string())
}

async fn retrieve(State(f): State<Arc<Floor>>, h: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorized(&h) {
        return refused();
    }
    let found = f.objects.lock().expect("lock").texts.get(&id).cloned();
    match found {
        Some(t) => json_text(t.to_string()),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn list_customers(
    State(f): State<Arc<Floor>>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !authorized(&h) {
        return refused();
    }
    let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(10);
    let o = f.objects.lock().expect("lock");
    let data: Vec<Arc<str>> = o
        .customers
        .iter()
        .rev()
        .take(limit)
        .filter_map(|id| o.texts.get(id).cloned())
        .collect();
    let more = o.customers.len() > limit;
    drop(o);
    let mut out = String::from("{\"object\":\"list\",\"data\":[");
    for (i, t) in data.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(t);
    }
    out.push_str(&format!(
        "],\"has_more\":{more},\"url\":\"/v1/customers\"}}"
    ));
    json_text(out)
}

async fn create_session(State(f): State<Arc<Floor>>, h: HeaderMap, body: Bytes) -> Response {
    if !authorized(&h) {
        return refused();
    }
    let id = f.id("cs_");
    let mut obj = object(&f.templates.session, &id, form(&body));
    obj["status"] = json!("open");
    let text = serde_json::to_string(&obj).expect("json");
    f.objects.lock().expect("lock").sessions.insert(id, obj);
    json_text(text)
}

async fn pay(
    State(f): State<Arc<Floor>>,
    h: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if !authorized(&h) {
        return refused();
    }
    let (cus, text) = f.customer(form(&body));
    let sub = f.id("sub_");
    let mut o = f.objects.lock().expect("lock");
    let Some(session) = o.sessions.get_mut(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    session["status"] = json!("complete");
    session["customer"] = json!(cus);
    session["subscription"] = json!(sub);
    let redirect = session["success_url"].clone();
    o.texts.insert(cus.clone(), text);
    o.subscriptions.insert(
        sub.clone(),
        json!({"id": sub, "object": "subscription", "customer": cus, "status": "active"}),
    );
    o.customers.push(cus);
    drop(o);
    axum::Json(json!({"redirect_url": redirect})).into_response()
}

/// Serves the floor on a free loopback port; returns its address.
pub async fn start(templates: Templates) -> std::net::SocketAddr {
    let app = Router::new()
        .route("/v1/customers", post(create_customer).get(list_customers))
        .route("/v1/customers/{id}", get(retrieve))
        .route("/v1/checkout/sessions", post(create_session))
        .route("/_sim/checkout/sessions/{id}/pay", post(pay))
        .with_state(Arc::new(Floor {
            objects: Mutex::default(),
            seq: AtomicU64::new(0),
            templates,
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}
