//! A small Stripe stand-in on 127.0.0.1:0, for the tests the real simulator cannot serve: it
//! holds whatever object a test puts in it (a subscription of any status and period, a dispute
//! or warning of a given age), records every request the backend makes (so a test can count
//! calls and read their parameters and headers), and can fail every Stripe read or write on
//! demand. Stripe's idempotency replay is imitated; nothing else of Stripe's behaviour is.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{Value, json};

/// A request the stub received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub stripe_version: Option<String>,
    pub authorization: Option<String>,
    pub form: Vec<(String, String)>,
}

impl Recorded {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// State of the Stripe stub.
#[derive(Default)]
pub struct StubState {
    pub subscriptions: Mutex<HashMap<String, Value>>,
    pub invoices: Mutex<HashMap<String, Value>>,
    pub subscription_fetches: AtomicUsize,
    pub fail_subscriptions: AtomicBool,
    pub fail_posts: AtomicBool,
    pub requests: Mutex<Vec<Recorded>>,
    pub counter: AtomicUsize,
    /// Charges, disputes and early fraud warnings by id.
    pub objects: Mutex<HashMap<String, Value>>,
    /// Stored responses by idempotency key (as Stripe replays them).
    pub idempotent: Mutex<HashMap<String, Value>>,
    /// Refunds actually performed (not replays).
    pub refunds_performed: AtomicUsize,
}

/// A tiny Stripe stand-in on 127.0.0.1:0.
pub struct StripeStub {
    pub base_url: String,
    pub state: Arc<StubState>,
}

impl StripeStub {
    pub async fn start() -> StripeStub {
        let state = Arc::new(StubState::default());
        let app = Router::new()
            .route("/v1/subscriptions/{id}", get(get_subscription))
            .route("/v1/invoices/{id}", get(get_invoice))
            .route("/v1/customers", post(create_customer))
            .route("/v1/checkout/sessions", post(create_session))
            .route("/v1/checkout/sessions/{id}", get(get_object))
            .route("/v1/charges/{id}", get(get_object))
            .route("/v1/radar/early_fraud_warnings/{id}", get(get_object))
            .route("/v1/disputes/{id}", get(get_object).post(update_dispute))
            .route("/v1/disputes/{id}/close", post(close_dispute))
            .route("/v1/refunds", post(create_refund))
            .route("/v1/billing_portal/sessions", post(create_portal))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        StripeStub {
            base_url: format!("http://{addr}"),
            state,
        }
    }

    pub fn put_subscription(&self, sub: Value) {
        let id = sub["id"].as_str().unwrap().to_string();
        self.state.subscriptions.lock().unwrap().insert(id, sub);
    }

    pub fn put(&self, obj: Value) {
        let id = obj["id"].as_str().unwrap().to_string();
        self.state.objects.lock().unwrap().insert(id, obj);
    }

    pub fn object(&self, id: &str) -> Value {
        self.state.objects.lock().unwrap()[id].clone()
    }

    pub fn fetches(&self) -> usize {
        self.state.subscription_fetches.load(Ordering::SeqCst)
    }

    pub fn posts(&self, path: &str) -> Vec<Recorded> {
        self.state
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .cloned()
            .collect()
    }
}

fn stripe_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"type": kind, "message": message}})),
    )
        .into_response()
}

async fn get_subscription(State(s): State<Arc<StubState>>, Path(id): Path<String>) -> Response {
    s.subscription_fetches.fetch_add(1, Ordering::SeqCst);
    if s.fail_subscriptions.load(Ordering::SeqCst) {
        return stripe_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "SECRET_STRIPE_TEXT",
        );
    }
    match s.subscriptions.lock().unwrap().get(&id) {
        Some(v) => Json(v.clone()).into_response(),
        None => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such subscription",
        ),
    }
}

async fn get_invoice(State(s): State<Arc<StubState>>, Path(id): Path<String>) -> Response {
    match s.invoices.lock().unwrap().get(&id) {
        Some(v) => Json(v.clone()).into_response(),
        None => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such invoice",
        ),
    }
}

fn record(s: &StubState, path: &str, headers: &HeaderMap, form: Vec<(String, String)>) {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    s.requests.lock().unwrap().push(Recorded {
        method: "POST".into(),
        path: path.into(),
        idempotency_key: h("idempotency-key"),
        stripe_version: h("stripe-version"),
        authorization: h("authorization"),
        form,
    });
}

async fn create_customer(
    State(s): State<Arc<StubState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    record(&s, "/v1/customers", &headers, form);
    if s.fail_posts.load(Ordering::SeqCst) {
        return stripe_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "api_error",
            "SECRET_STRIPE_TEXT",
        );
    }
    let n = s.counter.fetch_add(1, Ordering::SeqCst);
    Json(json!({"id": format!("cus_stub{n}"), "object": "customer", "metadata": {}}))
        .into_response()
}

async fn create_session(
    State(s): State<Arc<StubState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    record(&s, "/v1/checkout/sessions", &headers, form);
    if s.fail_posts.load(Ordering::SeqCst) {
        return stripe_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "api_error",
            "SECRET_STRIPE_TEXT",
        );
    }
    if let Some(r) = replay(&s, &headers) {
        return r;
    }
    let n = s.counter.fetch_add(1, Ordering::SeqCst);
    let id = format!("cs_test_stub{n}");
    let v = json!({"id": id, "object": "checkout.session", "mode": "subscription",
        "status": "open", "url": format!("http://stripe.invalid/c/pay/{id}")});
    s.objects.lock().unwrap().insert(id, v.clone());
    remember(&s, &headers, &v);
    Json(v).into_response()
}

async fn get_object(State(s): State<Arc<StubState>>, Path(id): Path<String>) -> Response {
    if s.fail_subscriptions.load(Ordering::SeqCst) {
        return stripe_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "api_error",
            "SECRET_STRIPE_TEXT",
        );
    }
    match s.objects.lock().unwrap().get(&id) {
        Some(v) => Json(v.clone()).into_response(),
        None => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such object SECRET_STRIPE_TEXT",
        ),
    }
}

/// Stripe's idempotency: the first response for a key is replayed.
fn replay(s: &StubState, headers: &HeaderMap) -> Option<Response> {
    let key = headers.get("idempotency-key")?.to_str().ok()?;
    s.idempotent
        .lock()
        .unwrap()
        .get(key)
        .map(|v| Json(v.clone()).into_response())
}

fn remember(s: &StubState, headers: &HeaderMap, v: &Value) {
    if let Some(key) = headers.get("idempotency-key").and_then(|k| k.to_str().ok()) {
        s.idempotent
            .lock()
            .unwrap()
            .insert(key.to_string(), v.clone());
    }
}

async fn update_dispute(
    State(s): State<Arc<StubState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    record(&s, &format!("/v1/disputes/{id}"), &headers, form.clone());
    if let Some(r) = replay(&s, &headers) {
        return r;
    }
    let mut objects = s.objects.lock().unwrap();
    let Some(d) = objects.get_mut(&id) else {
        return stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such dispute",
        );
    };
    if ["won", "lost"].contains(&d["status"].as_str().unwrap_or("")) {
        return stripe_error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "SECRET_STRIPE_TEXT This dispute is already closed",
        );
    }
    let mut submit = true; // Stripe's default
    for (k, v) in &form {
        if let Some(field) = k
            .strip_prefix("evidence[")
            .and_then(|r| r.strip_suffix(']'))
        {
            d["evidence"][field] = json!(v);
            d["evidence_details"]["has_evidence"] = json!(true);
        } else if k == "submit" {
            submit = v == "true";
        }
    }
    if submit {
        d["status"] = json!("under_review");
        let n = d["evidence_details"]["submission_count"]
            .as_i64()
            .unwrap_or(0);
        d["evidence_details"]["submission_count"] = json!(n + 1);
    }
    let v = d.clone();
    drop(objects);
    remember(&s, &headers, &v);
    Json(v).into_response()
}

async fn close_dispute(
    State(s): State<Arc<StubState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    record(&s, &format!("/v1/disputes/{id}/close"), &headers, vec![]);
    if let Some(r) = replay(&s, &headers) {
        return r;
    }
    let mut objects = s.objects.lock().unwrap();
    let Some(d) = objects.get_mut(&id) else {
        return stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such dispute",
        );
    };
    d["status"] = json!("lost");
    let v = d.clone();
    drop(objects);
    remember(&s, &headers, &v);
    Json(v).into_response()
}

async fn create_refund(
    State(s): State<Arc<StubState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    record(&s, "/v1/refunds", &headers, form.clone());
    if let Some(r) = replay(&s, &headers) {
        return r;
    }
    let charge = form
        .iter()
        .find(|(k, _)| k == "charge")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut objects = s.objects.lock().unwrap();
    let Some(ch) = objects.get_mut(&charge) else {
        return stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "No such charge",
        );
    };
    if ch["refunded"] == json!(true) {
        return (
            StatusCode::BAD_REQUEST,
            Json(
                json!({"error": {"type": "invalid_request_error", "code": "charge_already_refunded",
                "message": "SECRET_STRIPE_TEXT Charge has already been refunded."}}),
            ),
        )
            .into_response();
    }
    ch["refunded"] = json!(true);
    let n = s.refunds_performed.fetch_add(1, Ordering::SeqCst);
    let v = json!({"id": format!("re_stub{n}"), "object": "refund", "charge": charge,
        "amount": ch["amount"], "status": "succeeded"});
    drop(objects);
    remember(&s, &headers, &v);
    Json(v).into_response()
}

async fn create_portal(
    State(s): State<Arc<StubState>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    record(&s, "/v1/billing_portal/sessions", &headers, form);
    if s.fail_posts.load(Ordering::SeqCst) {
        return stripe_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "api_error",
            "SECRET_STRIPE_TEXT",
        );
    }
    let n = s.counter.fetch_add(1, Ordering::SeqCst);
    Json(
        json!({"id": format!("bps_stub{n}"), "object": "billing_portal.session",
        "url": format!("http://stripe.invalid/p/session/test_{n}")}),
    )
    .into_response()
}

/// A charge of `customer`.
pub fn charge(id: &str, customer: &str, amount: i64) -> Value {
    json!({"id": id, "object": "charge", "customer": customer, "amount": amount,
        "currency": "usd", "payment_intent": format!("pi_{id}"), "refunded": false})
}

/// A dispute on `charge`.
pub fn dispute(id: &str, charge: &str, status: &str, created: i64) -> Value {
    json!({"id": id, "object": "dispute", "charge": charge, "payment_intent": format!("pi_{charge}"),
        "amount": 900, "currency": "usd", "reason": "fraudulent", "status": status,
        "created": created, "livemode": false, "metadata": {}, "is_charge_refundable": true,
        "evidence": {"customer_name": null, "uncategorized_text": null},
        "evidence_details": {"due_by": created + 7 * 86400, "has_evidence": false,
            "past_due": false, "submission_count": 0}})
}

/// An early fraud warning on `charge`.
pub fn efw(id: &str, charge: &str, actionable: bool, created: i64) -> Value {
    json!({"id": id, "object": "radar.early_fraud_warning", "charge": charge,
        "payment_intent": format!("pi_{charge}"), "fraud_type": "made_with_stolen_card",
        "actionable": actionable, "created": created, "livemode": false})
}
