//! Shared by the root-level backend tests (`tests/backend_*.rs`): the real Stripe simulator,
//! a PostgreSQL database per test (through golive's `TestDatabases`), and billing backends
//! started in-process against them, as `steps/world.rs` does for the features.

#![allow(dead_code)]

pub mod cpu;

use std::collections::BTreeMap;
use std::time::Duration;

use golive::steps::actors::{Actor, random_suffix};
use golive::steps::backend_client::{ApiResponse, BackendClient};
use golive::steps::backend_under_test::{BackendUnderTest, LocalBackendSpec, WebhookRoute};
use golive::steps::catalog::PlansOnSale;
use golive::steps::database::TestDatabases;
use golive::steps::world::{APP_ORIGIN, WEBHOOK_EVENTS};
use serde_json::Value;
use stripe_sim::client::Stripe;

/// The simulator, one Stripe account with BASIC/PRO monthly/yearly on sale, and databases.
pub struct Stack {
    pub sim: Option<stripe_sim::RunningSimulator>,
    pub stripe: Stripe,
    pub plans: PlansOnSale,
    pub databases: TestDatabases,
    pub http: reqwest::Client,
    pub jwt_secret: String,
    backends: Vec<Backend>,
}

/// One backend instance with its own database, started the way the features start theirs.
pub struct Backend {
    pub running: Option<billing::RunningBackend>,
    pub under_test: BackendUnderTest,
    pub client: BackendClient,
    pub webhook_secret: String,
}

impl Backend {
    /// The backend's database.
    pub fn db(&self) -> &sqlx::PgPool {
        self.under_test.db()
    }
}

impl Stack {
    /// Starts the simulator and provisions PostgreSQL (DATABASE_URL, as for the features).
    pub async fn start() -> Stack {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sim = stripe_sim::start(listener, stripe_sim::SimOptions::default())
            .await
            .unwrap();
        let key = format!("sk_test_backend{}", random_suffix());
        let stripe = Stripe::new(http.clone(), &sim.base_url, &key);
        let tiers = ["basic".to_string(), "pro".to_string()];
        let cycles = ["monthly".to_string(), "yearly".to_string()];
        let plans = PlansOnSale::create(&stripe, &tiers, &cycles).await.unwrap();
        let databases = TestDatabases::provision()
            .await
            .unwrap_or_else(|e| panic!("no PostgreSQL (set DATABASE_URL): {e}"));
        Stack {
            sim: Some(sim),
            stripe,
            plans,
            databases,
            http,
            jwt_secret: format!("backend-tests-{}", random_suffix()),
            backends: Vec::new(),
        }
    }

    /// Starts a backend; `register` makes the simulator deliver webhooks to it (otherwise the
    /// test delivers them itself, signed with the returned backend's secret).
    pub async fn backend(&mut self, register: bool, overrides: &[(&str, &str)]) -> usize {
        let database = self.databases.create_scenario_database().await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let webhook = if register {
            WebhookRoute::Register {
                base: format!("http://{addr}"),
            }
        } else {
            WebhookRoute::Forwarder {
                secret: format!("whsec_replay{}", random_suffix()),
            }
        };
        let mut vars =
            BTreeMap::from([("ADMIN_EMAILS".to_string(), "ops@golive.test".to_string())]);
        for (k, v) in overrides {
            vars.insert(k.to_string(), v.to_string());
        }
        let (under_test, running) = BackendUnderTest::start_local(LocalBackendSpec {
            stripe: &self.stripe,
            plans: &self.plans,
            database_url: self.databases.url_of(&database),
            database_name: Some(database),
            listener,
            webhook,
            jwt_secret: &self.jwt_secret,
            overrides: &vars,
            http: self.http.clone(),
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        self.backends.push(Backend {
            running: Some(running),
            client: under_test.client.clone(),
            webhook_secret: under_test
                .webhook_secret
                .clone()
                .expect("a local backend has a secret"),
            under_test,
        });
        self.backends.len() - 1
    }

    /// Backend number `i`.
    pub fn b(&self, i: usize) -> &Backend {
        &self.backends[i]
    }

    /// A signed-in user.
    pub fn user(&self, name: &str) -> Actor {
        Actor::sign_in(name, &self.jwt_secret)
    }

    /// The admin of `ADMIN_EMAILS`.
    pub fn admin(&self) -> Actor {
        Actor::with_identity("Ops", "user_ops", "ops@golive.test", &self.jwt_secret)
    }

    /// Creates a Checkout session through backend `i` and pays it with `card` on the
    /// simulator's page; returns the session id.
    pub async fn checkout_and_pay(&self, i: usize, who: &Actor, tier: &str, card: &str) -> String {
        let r = self
            .b(i)
            .client
            .post_json(
                "/api/subscription/create-checkout-session",
                Some(&who.token),
                &serde_json::json!({"tier": tier, "billing_cycle": "monthly",
                    "success_url": format!("{APP_ORIGIN}/done"),
                    "cancel_url": format!("{APP_ORIGIN}/cancel")}),
            )
            .await;
        assert_eq!(r.status, 200, "{r}");
        let session = r.body["session_id"].as_str().unwrap().to_string();
        self.stripe
            .control()
            .pay_checkout(&session, card)
            .await
            .unwrap_or_else(|e| panic!("paying {session}: {e}"));
        session
    }

    /// Polls `who`'s status on backend `i` until `pred` holds (15 s).
    pub async fn wait_status(&self, i: usize, who: &Actor, pred: impl Fn(&Value) -> bool) -> Value {
        let client = &self.b(i).client;
        golive::steps::eventually::eventually(Duration::from_secs(15), || async {
            let r = client
                .get("/api/subscription/status", Some(&who.token))
                .await;
            if pred(&r.body) {
                Ok(r.body)
            } else {
                Err(r.to_string())
            }
        })
        .await
        .unwrap()
    }

    /// Delivers `event` to backend `i`, signed now with its secret, as Stripe would.
    pub async fn deliver(&self, i: usize, event: &Value) -> ApiResponse {
        let b = self.b(i);
        let body = serde_json::to_vec(event).unwrap();
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let sig = billing::webhook::signature::sign(&body, &b.webhook_secret, t);
        b.client
            .post_raw(
                "/api/subscription/webhook",
                &[("stripe-signature", format!("t={t},v1={sig}"))],
                body,
            )
            .await
    }

    /// The account's events of the handled types, oldest first.
    pub async fn events(&self) -> Vec<Value> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let path = match &after {
                Some(a) => format!("/v1/events?limit=100&starting_after={a}"),
                None => "/v1/events?limit=100".to_string(),
            };
            let page = self.stripe.get(&path).await.unwrap();
            let data = page["data"].as_array().unwrap().clone();
            after = data
                .last()
                .and_then(|e| e["id"].as_str())
                .map(str::to_string);
            all.extend(data);
            if page["has_more"] != true {
                break;
            }
        }
        all.reverse();
        all.retain(|e| WEBHOOK_EVENTS.contains(&e["type"].as_str().unwrap_or("")));
        all
    }

    /// Stops every backend, drops their databases, stops the simulator.
    pub async fn finish(mut self) {
        for mut b in self.backends.drain(..) {
            b.under_test.close().await;
            if let Some(r) = b.running.take() {
                r.shutdown().await;
            }
            if let Some(database) = &b.under_test.database {
                let _ = self.databases.drop_database(database).await;
            }
        }
        self.databases.teardown().await;
        if let Some(sim) = self.sim.take() {
            sim.shutdown().await;
        }
    }
}

/// Every permutation of `0..n`.
pub fn permutations(n: usize) -> Vec<Vec<usize>> {
    fn go(items: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
        if k == items.len() {
            out.push(items.clone());
            return;
        }
        for i in k..items.len() {
            items.swap(k, i);
            go(items, k + 1, out);
            items.swap(k, i);
        }
    }
    let mut out = Vec::new();
    go(&mut (0..n).collect(), 0, &mut out);
    out
}
