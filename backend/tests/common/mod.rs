//! The backend's one test kit: a uniquely named PostgreSQL database per test (dropped
//! afterwards), the real Stripe simulator ([`sim`], started in the test process), signed
//! webhook deliveries and tokens. A fault the simulator cannot make — its API answering 5xx —
//! comes from [`failing`] (wiremock), used only where a test needs exactly that.

#![allow(dead_code)]

pub mod failing;
pub mod sim;

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

/// A running backend with its own database and its own simulator account.
pub struct TestApp {
    /// The database (`None` for a [`TestApp::twin`], which shares its first app's).
    pub db: Option<TestDb>,
    db_url: String,
    /// The variables this app was started with over the defaults (a twin inherits them).
    overrides: Vec<(String, String)>,
    /// The simulator (`None` when the test pointed `STRIPE_API_BASE` elsewhere).
    sim: Option<sim::Sim>,
    /// The failing Stripe a [`TestApp::twin_on_failing_stripe`] reads from, kept alive with it.
    failing: Option<wiremock::MockServer>,
    pub backend: Option<billing::RunningBackend>,
    pub base_url: String,
    pub http: reqwest::Client,
    pub pool: sqlx::PgPool,
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::start_with(&[]).await
    }

    /// Starts with extra or replaced variables. The backend talks to a fresh simulator
    /// account unless `overrides` sets `STRIPE_API_BASE`.
    pub async fn start_with(overrides: &[(&str, &str)]) -> TestApp {
        let db = TestDb::create().await;
        let sim = if overrides.iter().any(|(k, _)| *k == "STRIPE_API_BASE") {
            None
        } else {
            Some(sim::Sim::start().await)
        };
        let mut app = TestApp::launch(&db.url, sim.as_ref(), overrides).await;
        app.db = Some(db);
        app.sim = sim;
        app
    }

    /// A second backend on this app's database, with `overrides` (say a `STRIPE_API_BASE` that
    /// fails, from [`failing`]) over this app's variables.
    pub async fn twin(&self, overrides: &[(&str, &str)]) -> TestApp {
        let mut all: Vec<(&str, &str)> = self
            .overrides
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        all.extend_from_slice(overrides);
        TestApp::launch(&self.db_url, self.sim.as_ref(), &all).await
    }

    /// A twin (same database, same variables) whose Stripe answers every call `status`: the
    /// one fault the simulator cannot make, so wiremock plays that Stripe.
    pub async fn twin_on_failing_stripe(&self, status: u16) -> TestApp {
        let server = failing::stripe_answering(status).await;
        let mut twin = self
            .twin(&[("STRIPE_API_BASE", server.uri().as_str())])
            .await;
        twin.failing = Some(server);
        twin
    }

    async fn launch(db_url: &str, sim: Option<&sim::Sim>, overrides: &[(&str, &str)]) -> TestApp {
        billing::stripe::client::install_crypto_provider();
        let mut vars = config_vars(db_url, "http://127.0.0.1:9");
        let sim_vars = sim.map(|s| s.vars()).unwrap_or_default();
        let sim_vars: Vec<(&str, &str)> = sim_vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for (k, v) in sim_vars.iter().chain(overrides) {
            vars.retain(|(n, _)| n != k);
            vars.push((k.to_string(), v.to_string()));
        }
        let config = billing::Config::from_vars(vars).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let backend = billing::start(config, listener).await.unwrap();
        let base_url = format!("http://{}", backend.addr);
        let pool = sqlx::PgPool::connect(db_url).await.unwrap();
        TestApp {
            db: None,
            db_url: db_url.to_string(),
            overrides: overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            sim: None,
            failing: None,
            backend: Some(backend),
            base_url,
            http: reqwest::Client::new(),
            pool,
        }
    }

    /// The simulator this app talks to.
    pub fn sim(&self) -> &sim::Sim {
        self.sim
            .as_ref()
            .expect("this app was started without the simulator")
    }

    /// BASIC monthly's price id at the simulator (what the mapping sells).
    pub fn basic_monthly(&self) -> String {
        self.sim().basic_monthly.clone()
    }

    /// PRO monthly's price id at the simulator.
    pub fn pro_monthly(&self) -> String {
        self.sim().pro_monthly.clone()
    }

    pub async fn stop(mut self) {
        if let Some(b) = self.backend.take() {
            b.shutdown().await;
        }
        self.pool.close().await;
        if let Some(s) = self.sim.take() {
            s.stop().await;
        }
    }

    /// A customer of `user_id` at the simulator, linked to the user as a first Checkout would.
    pub async fn customer(&self, user_id: &str) -> String {
        let cus = self.sim().customer(user_id).await;
        self.link_customer(user_id, &cus).await;
        cus
    }

    /// A real dispute on a new charge of `amount` to `user_id`'s customer, opened through the
    /// simulator's control plane; its `charge.dispute.created` event is delivered (and
    /// answered 200). Returns the dispute as Stripe made it.
    pub async fn dispute(&self, user_id: &str, amount: i64) -> Value {
        let d = self.dispute_at_stripe(user_id, amount).await;
        let e = self
            .sim()
            .event_of("charge.dispute.created", d["id"].as_str().unwrap())
            .await;
        assert_eq!(self.deliver(&e).await.status(), 200);
        d
    }

    /// A real dispute on a new charge of `amount` to `user_id`'s customer, at Stripe only (no
    /// event delivered yet).
    pub async fn dispute_at_stripe(&self, user_id: &str, amount: i64) -> Value {
        let cus = self.customer_of(user_id).await;
        let charge = self.sim().charge(&cus, amount).await;
        let ch = charge["id"].as_str().unwrap();
        self.sim()
            .control
            .dispute(ch, "fraudulent", false)
            .await
            .expect("the simulator opens a dispute")
    }

    /// A real early fraud warning on a new charge of `amount` to `user_id`'s customer; its
    /// `radar.early_fraud_warning.created` event is delivered. Returns the warning.
    pub async fn fraud_warning(&self, user_id: &str, amount: i64) -> Value {
        let cus = self.customer_of(user_id).await;
        let charge = self.sim().charge(&cus, amount).await;
        let ch = charge["id"].as_str().unwrap();
        let w = self
            .sim()
            .control
            .early_fraud_warning(ch, None)
            .await
            .expect("the simulator raises a warning");
        let e = self
            .sim()
            .event_of(
                "radar.early_fraud_warning.created",
                w["id"].as_str().unwrap(),
            )
            .await;
        assert_eq!(self.deliver(&e).await.status(), 200);
        w
    }

    /// Buys `tier` monthly for `user_id` as a person does: the backend's Checkout Session, paid
    /// on the simulator's hosted page with a good card (no event delivered yet). Returns the
    /// session id.
    pub async fn buy(&self, user_id: &str, tier: &str) -> String {
        let token = self.token(user_id, &format!("{user_id}@example.com"));
        let body = json!({"tier": tier, "billing_cycle": "monthly",
            "success_url": "http://localhost:3000/done", "cancel_url": "http://localhost:3000/cancel"});
        let (s, b, _) = self
            .call("POST", "/create-checkout-session", Some(&token), Some(body))
            .await;
        assert_eq!(s, 200, "{b}");
        let cs = b["session_id"].as_str().unwrap().to_string();
        self.sim().pay(&cs, "4242424242424242").await;
        cs
    }

    /// `user_id`'s linked customer, made (and linked) on first use.
    pub async fn customer_of(&self, user_id: &str) -> String {
        let stored: Option<Option<String>> = sqlx::query_scalar(
            "SELECT stripe_customer_id FROM user_subscriptions WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .unwrap();
        match stored.flatten() {
            Some(c) => c,
            None => self.customer(user_id).await,
        }
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

    /// Delivers each of `events` `copies` times, every request at once; their statuses.
    pub async fn deliver_all_at_once(&self, events: &[Value], copies: usize) -> Vec<u16> {
        let sends = events
            .iter()
            .flat_map(|e| std::iter::repeat_n(e, copies))
            .map(|e| async move { self.deliver(e).await.status().as_u16() });
        futures::future::join_all(sends).await
    }

    /// The `/metrics` text.
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.base_url))
            .send()
            .await
            .unwrap()
            .text()
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
