//! One scenario's world: its own Stripe (simulator) account, its own database cloned from the
//! migrated template, its own backend instance on an ephemeral port with the webhook endpoint
//! registered through the Stripe API, and the people acting in it.

use std::collections::BTreeMap;
use std::sync::Arc;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::actors::{Actor, random_suffix};
use crate::backend_client::{ApiResponse, BackendClient};
use crate::catalog::PlansOnSale;
use crate::environment::{self, Environment};
use crate::sim_client::SimClient;

/// The origin the web app is served from; success and cancel URLs live under it.
pub const APP_ORIGIN: &str = "https://app.golive.test";

/// The events the backend's webhook endpoint subscribes to: the checklist's §4 list plus the
/// other types billing-backend.md §4 handles.
pub const WEBHOOK_EVENTS: &[&str] = &[
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "radar.early_fraud_warning.created",
    "radar.early_fraud_warning.updated",
];

/// A backend instance started for one scenario, and how to look at it.
pub struct BackendUnderTest {
    running: Option<billing::RunningBackend>,
    /// HTTP client for its API.
    pub client: BackendClient,
    /// Its database's name (a clone of the template).
    pub database: String,
    /// A small pool on its database for the steps' assertions.
    pub db: PgPool,
    /// The signing secret of its webhook endpoint (shown by Stripe only at creation).
    pub webhook_secret: String,
    /// The endpoint's `we_…` id.
    pub webhook_endpoint_id: String,
}

/// A Checkout attempt by one user: what the backend returned and what the page answered.
#[derive(Debug, Clone, Default)]
pub struct CheckoutAttempt {
    /// The success URL the app asked for (with Stripe's `{CHECKOUT_SESSION_ID}` placeholder).
    pub success_url: String,
    /// The backend's answer to create-checkout-session.
    pub session_id: String,
    /// The hosted Checkout page's URL.
    pub url: String,
    /// Status of the page's answer to the Pay button.
    pub page_status: u16,
    /// Where the page sent the browser (`Location`), when it redirected.
    pub redirected_to: Option<String>,
    /// The page's HTML, when it did not redirect.
    pub page_text: String,
}

/// The cucumber world of one scenario.
#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct Rehearsal {
    env: Arc<Environment>,
    /// The scenario's own Stripe account.
    pub stripe: SimClient,
    /// Prices on sale in that account, once a step (or the backend's start) created them.
    pub plans: Option<PlansOnSale>,
    /// Extra or replaced backend variables for this scenario (configuration scenarios).
    pub config_overrides: BTreeMap<String, String>,
    backend: Option<BackendUnderTest>,
    /// People by the name the feature gives them.
    pub actors: BTreeMap<String, Actor>,
    /// Each person's latest Checkout attempt.
    pub checkouts: BTreeMap<String, CheckoutAttempt>,
    /// The backend's latest answer to a request a step made.
    pub last_response: Option<ApiResponse>,
    /// The id of an event the scenario forged (to prove it was not recorded).
    pub forged_event_id: Option<String>,
    /// When the scenario started, for the summary's slowest scenarios.
    pub started: std::time::Instant,
}

impl std::fmt::Debug for Rehearsal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rehearsal")
            .field("stripe_account", &self.stripe.key())
            .field(
                "backend",
                &self.backend.as_ref().map(|b| b.client.base_url()),
            )
            .field("database", &self.backend.as_ref().map(|b| &b.database))
            .field("actors", &self.actors.keys().collect::<Vec<_>>())
            .field("last_response", &self.last_response)
            .finish()
    }
}

impl Rehearsal {
    /// A fresh world: a new Stripe account (a new `sk_test_…` key) and nothing else yet.
    fn new() -> Self {
        let env = environment::current();
        let key = format!("sk_test_golive{}{}", random_suffix(), random_suffix());
        let stripe = SimClient::new(env.http.clone(), &env.stripe_api_base, &key);
        Rehearsal {
            env,
            stripe,
            plans: None,
            config_overrides: BTreeMap::new(),
            backend: None,
            actors: BTreeMap::new(),
            checkouts: BTreeMap::new(),
            last_response: None,
            forged_event_id: None,
            started: std::time::Instant::now(),
        }
    }

    /// The run's shared environment.
    pub fn env(&self) -> &Environment {
        &self.env
    }

    /// Puts `tiers` × `cycles` on sale in this scenario's Stripe account.
    pub async fn put_on_sale(&mut self, tiers: &[String], cycles: &[String]) {
        let plans = PlansOnSale::create(&self.stripe, tiers, cycles)
            .await
            .unwrap_or_else(|e| panic!("creating the plans in Stripe failed: {e}"));
        self.plans = Some(plans);
    }

    /// The plans on sale; BASIC and PRO, monthly and yearly, unless a step chose otherwise.
    pub async fn plans(&mut self) -> &PlansOnSale {
        if self.plans.is_none() {
            let tiers = ["basic".to_string(), "pro".to_string()];
            let cycles = ["monthly".to_string(), "yearly".to_string()];
            self.put_on_sale(&tiers, &cycles).await;
        }
        self.plans.as_ref().expect("plans were just created")
    }

    /// Signs `name` in as a new user (or returns the person already called that).
    pub fn actor(&mut self, name: &str) -> Actor {
        let secret = self.env.jwt_secret.clone();
        self.actors
            .entry(name.to_string())
            .or_insert_with(|| Actor::sign_in(name, &secret))
            .clone()
    }

    /// The person called `name`; a feature that names someone it never signed in is a mistake.
    pub fn known_actor(&self, name: &str) -> Actor {
        self.actors
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} was never signed in in this scenario"))
    }

    /// The scenario's backend, started on first use.
    pub async fn backend(&mut self) -> &BackendUnderTest {
        if self.backend.is_none() {
            let started = self.start_backend().await;
            self.backend = Some(started);
        }
        self.backend.as_ref().expect("backend was just started")
    }

    /// The backend if one was started; assertions about "nothing changed" use this.
    pub fn started_backend(&self) -> Option<&BackendUnderTest> {
        self.backend.as_ref()
    }

    /// The variables a deployment of the backend would have, for this scenario.
    async fn backend_variables(
        &mut self,
        database_url: String,
        webhook_secret: &str,
    ) -> BTreeMap<String, String> {
        let mapping = self.plans().await.mapping_json();
        let mut vars = BTreeMap::from([
            ("DATABASE_URL".to_string(), database_url),
            (
                "STRIPE_SECRET_KEY".to_string(),
                self.stripe.key().to_string(),
            ),
            (
                "STRIPE_WEBHOOK_SECRET".to_string(),
                webhook_secret.to_string(),
            ),
            ("STRIPE_MODE".to_string(), "test".to_string()),
            ("STRIPE_PLAN_PRICE_MAPPING_TEST".to_string(), mapping),
            (
                "STRIPE_API_BASE".to_string(),
                self.env.stripe_api_base.clone(),
            ),
            ("JWT_SECRET".to_string(), self.env.jwt_secret.clone()),
            (
                "ALLOWED_REDIRECT_ORIGINS".to_string(),
                APP_ORIGIN.to_string(),
            ),
        ]);
        vars.extend(self.config_overrides.clone());
        vars
    }

    async fn start_backend(&mut self) -> BackendUnderTest {
        let database = self
            .env
            .databases
            .create_scenario_database()
            .await
            .unwrap_or_else(|e| panic!("no database for the scenario: {e}"));
        let database_url = self.env.databases.url_of(&database);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("no port for the backend: {e}"));
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        // Ops register the endpoint in the Dashboard; we do it through the same API.
        let webhook_url = format!("http://{address}/api/subscription/webhook");
        let (webhook_endpoint_id, webhook_secret) = self
            .stripe
            .create_webhook_endpoint(&webhook_url, WEBHOOK_EVENTS)
            .await
            .unwrap_or_else(|e| panic!("registering the webhook endpoint failed: {e}"));
        let vars = self
            .backend_variables(database_url.clone(), &webhook_secret)
            .await;
        let config = billing::Config::from_vars(&vars)
            .unwrap_or_else(|e| panic!("the backend's configuration is invalid:\n{e}"));
        let running = billing::start(config, listener)
            .await
            .unwrap_or_else(|e| panic!("the backend did not start: {e}"));
        let db = PgPoolOptions::new()
            .max_connections(2)
            .connect(&database_url)
            .await
            .unwrap_or_else(|e| panic!("cannot open the scenario database: {e}"));
        BackendUnderTest {
            running: Some(running),
            client: BackendClient::new(self.env.http.clone(), &format!("http://{address}")),
            database,
            db,
            webhook_secret,
            webhook_endpoint_id,
        }
    }

    /// Stops the scenario's backend and drops its database.
    pub async fn finish(&mut self) {
        if let Some(mut backend) = self.backend.take() {
            backend.db.close().await;
            if let Some(running) = backend.running.take() {
                running.shutdown().await;
            }
            if let Err(e) = self.env.databases.drop_database(&backend.database).await {
                eprintln!(
                    "golive: could not drop scenario database {}: {e}",
                    backend.database
                );
            }
        }
    }
}
