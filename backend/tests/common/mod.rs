//! Test support: a uniquely named PostgreSQL database per test (dropped afterwards), the real
//! Stripe simulator ([`sim`]), signed webhook deliveries and tokens — and a small Stripe
//! stand-in, kept for the tests that must seed an object in a state no simulator flow makes
//! (a subscription of any status and period, a dispute or warning of a given age), count the
//! backend's Stripe calls, or make every Stripe write fail.

#![allow(dead_code)]

pub mod sim;

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
use sqlx::{Connection, PgConnection};

pub const WEBHOOK_SECRET: &str = "whsec_test_backend_tests";
pub const JWT_SECRET: &str = "jwt-secret-for-backend-tests";
pub const PRICE_BASIC_MONTHLY: &str = "price_basic_monthly";
pub const PRICE_PRO_MONTHLY: &str = "price_pro_monthly";

/// The one database variable of every test in the workspace: `DATABASE_URL`, a server where
/// the user may create databases (each test makes its own and drops it).
fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh database, dropped (forcefully) when this value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let name = format!(
            "billing_test_{}_{}",
            std::process::id(),
            rand::random::<u32>()
        );
        let admin = admin_url();
        let mut conn = PgConnection::connect(&admin)
            .await
            .expect("DATABASE_URL must point at a PostgreSQL that allows CREATE DATABASE");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.ok();
        let (base, _) = admin.rsplit_once('/').unwrap();
        TestDb {
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub async fn pool(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.url).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin = admin_url();
        // Async work can't run in Drop; use a short-lived runtime on its own thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            });
        })
        .join();
    }
}

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

/// The variables of a valid configuration pointing at `db` and `stripe_base`.
pub fn config_vars(database_url: &str, stripe_base: &str) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", database_url.to_string()),
        ("STRIPE_SECRET_KEY", "sk_test_backendtests".to_string()),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_string()),
        (
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            format!(
                r#"{{"basic":{{"monthly":"{PRICE_BASIC_MONTHLY}","yearly":"price_basic_yearly"}},"pro":{{"monthly":"{PRICE_PRO_MONTHLY}"}}}}"#
            ),
        ),
        ("STRIPE_API_BASE", stripe_base.to_string()),
        ("JWT_SECRET", JWT_SECRET.to_string()),
        ("ALLOWED_REDIRECT_ORIGINS", "http://localhost:3000".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A running backend with its own database and Stripe stub.
pub struct TestApp {
    pub db: TestDb,
    pub stub: StripeStub,
    pub backend: Option<billing::RunningBackend>,
    pub base_url: String,
    pub http: reqwest::Client,
    pub pool: sqlx::PgPool,
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::start_with(&[]).await
    }

    /// Starts with extra or replaced variables.
    pub async fn start_with(overrides: &[(&str, &str)]) -> TestApp {
        billing::stripe::client::install_crypto_provider();
        let db = TestDb::create().await;
        let stub = StripeStub::start().await;
        let mut vars = config_vars(&db.url, &stub.base_url);
        for (k, v) in overrides {
            vars.retain(|(n, _)| n != k);
            vars.push((k.to_string(), v.to_string()));
        }
        let config = billing::Config::from_vars(vars).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let backend = billing::start(config, listener).await.unwrap();
        let base_url = format!("http://{}", backend.addr);
        let pool = db.pool().await;
        TestApp {
            db,
            stub,
            backend: Some(backend),
            base_url,
            http: reqwest::Client::new(),
            pool,
        }
    }

    pub async fn stop(mut self) {
        if let Some(b) = self.backend.take() {
            b.shutdown().await;
        }
        self.pool.close().await;
    }

    pub fn token(&self, user_id: &str, email: &str) -> String {
        let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 600;
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &json!({"sub": user_id, "email": email, "exp": exp}),
            &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
        )
        .unwrap()
    }

    /// POSTs `event` to the webhook, signed now with the test secret.
    pub async fn deliver(&self, event: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(event).unwrap();
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let sig = billing::webhook::signature::sign(&body, WEBHOOK_SECRET, t);
        self.http
            .post(format!("{}/api/subscription/webhook", self.base_url))
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", format!("t={t},v1={sig},v0=00ff"))
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// A request as `token`'s holder with an optional JSON body; returns status and body.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let url = format!("{}/api/subscription{path}", self.base_url);
        let mut req = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url),
        };
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
            headers,
        )
    }

    /// Links `user_id` to Stripe customer `customer` as a first checkout would.
    pub async fn link_customer(&self, user_id: &str, customer: &str) {
        billing::db::subscriptions::ensure_customer(&self.pool, user_id, None, customer)
            .await
            .unwrap();
    }

    pub async fn status(&self, user_id: &str) -> Value {
        self.http
            .get(format!("{}/api/subscription/status", self.base_url))
            .bearer_auth(self.token(user_id, "u@example.com"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// A subscription object in the pinned API version's shape.
pub fn subscription(
    id: &str,
    user_id: &str,
    status: &str,
    price: &str,
    start: i64,
    end: i64,
) -> Value {
    json!({
        "id": id, "object": "subscription", "customer": format!("cus_{user_id}"),
        "status": status, "cancel_at_period_end": false, "metadata": {"user_id": user_id},
        "latest_invoice": format!("in_{id}"),
        "items": {"object": "list", "has_more": false, "data": [{
            "id": format!("si_{id}"), "object": "subscription_item",
            "price": {"id": price, "object": "price"},
            "current_period_start": start, "current_period_end": end
        }]}
    })
}

/// An event envelope.
pub fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({"id": id, "object": "event", "type": kind, "created": created, "livemode": false,
           "api_version": "2026-10-28.endive", "data": {"object": object},
           "pending_webhooks": 1, "request": {"id": null, "idempotency_key": null}})
}

/// A paid invoice of subscription `sub` (whose state the backend must fetch from Stripe).
pub fn invoice_of(sub: &Value) -> Value {
    let id = sub["id"].as_str().unwrap();
    json!({"id": format!("in_{id}"), "object": "invoice", "status": "paid", "amount_paid": 900,
        "currency": "usd", "customer": sub["customer"], "billing_reason": "subscription_create",
        "parent": {"subscription_details": {"subscription": id, "metadata": sub["metadata"]}}})
}
