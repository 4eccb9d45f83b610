//! Test support: a uniquely named PostgreSQL database per test (dropped afterwards), a tiny
//! Stripe stub (only the endpoints these tests need), signed webhook deliveries and tokens.

#![allow(dead_code)]

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

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
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
            .expect("TEST_DATABASE_URL must point at a PostgreSQL that allows CREATE DATABASE");
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
    let n = s.counter.fetch_add(1, Ordering::SeqCst);
    let id = format!("cs_test_stub{n}");
    Json(
        json!({"id": id, "object": "checkout.session", "mode": "subscription",
        "status": "open", "url": format!("http://stripe.invalid/c/pay/{id}")}),
    )
    .into_response()
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
        billing::stripe::client::install_crypto_provider();
        let db = TestDb::create().await;
        let stub = StripeStub::start().await;
        let config = billing::Config::from_vars(config_vars(&db.url, &stub.base_url)).unwrap();
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
