//! Test support: a uniquely named PostgreSQL database per test (dropped afterwards), the real
//! Stripe simulator ([`sim`]), signed webhook deliveries and tokens — and a small Stripe
//! stand-in, kept for the tests that must seed an object in a state no simulator flow makes
//! (a subscription of any status and period, a dispute or warning of a given age), count the
//! backend's Stripe calls, or make every Stripe write fail.

#![allow(dead_code)]

pub mod sim;
pub mod stub;

pub use stub::*;

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
