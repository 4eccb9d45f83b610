//! One scenario's world: its own Stripe (simulator) account, its own database cloned from the
//! migrated template, its own backend instance on an ephemeral port with the webhook endpoint
//! registered through the Stripe API, and the people acting in it.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::steps::actors::{Actor, random_suffix};
use crate::steps::backend_client::ApiResponse;
pub use crate::steps::backend_under_test::{APP_ORIGIN, BackendUnderTest, WEBHOOK_EVENTS};
use crate::steps::backend_under_test::{BackendError, LocalBackendSpec, WebhookRoute};
use crate::steps::browser::{Browser, BrowserError};
use crate::steps::catalog::PlansOnSale;
use crate::steps::environment::{self, Environment};
use crate::steps::remembered::Remembered;
use stripe_sim::client::Stripe;

/// A backend this scenario started, with the handle that stops it.
struct OwnBackend {
    backend: BackendUnderTest,
    running: billing::RunningBackend,
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
    /// The page's HTML, when it did not redirect (the session's JSON when paid by hand).
    pub page_text: String,
    /// Paid by a person on Stripe's own page (real test mode), not by the harness.
    pub paid_by_hand: bool,
}

/// The cucumber world of one scenario.
#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct Rehearsal {
    env: Arc<Environment>,
    /// The scenario's own Stripe account.
    pub stripe: Stripe,
    /// Prices on sale in that account, once a step (or the backend's start) created them.
    pub plans: Option<PlansOnSale>,
    /// Extra or replaced backend variables for this scenario (configuration scenarios); an
    /// empty value removes the variable.
    pub config_overrides: BTreeMap<String, String>,
    /// Why the backend refused to start, when a step tried to start a misconfigured one.
    pub startup_error: Option<String>,
    backend: Option<OwnBackend>,
    /// More replicas of the backend on the same database (replica scenarios).
    replicas: Vec<OwnBackend>,
    /// People by the name the feature gives them.
    pub actors: BTreeMap<String, Actor>,
    /// Each person's latest Checkout attempt.
    pub checkouts: BTreeMap<String, CheckoutAttempt>,
    /// The backend's latest answer to a request a step made.
    pub last_response: Option<ApiResponse>,
    /// Each person's latest burst of requests (rate-limit scenarios).
    pub bursts: BTreeMap<String, Vec<ApiResponse>>,
    /// The team's alert channel (a Slack-compatible receiver), when the scenario watches it.
    pub alert_channel: Option<wiremock::MockServer>,
    /// What earlier steps found out (the dispute's id, the admin, each person's portal link, …).
    pub remembered: Remembered,
    /// The id of an event the scenario forged (to prove it was not recorded).
    pub forged_event_id: Option<String>,
    /// The deployment `golive preflight` checks in this scenario, when there is one.
    pub preflight: Option<crate::steps::preflight_deployment::PreflightScenario>,
    /// When the scenario started, for the summary's slowest scenarios.
    pub started: std::time::Instant,
    /// The scenario's headless browser, once a step asked for it ([`Rehearsal::browser`]).
    browser: Option<Browser>,
}

impl std::fmt::Debug for Rehearsal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rehearsal")
            .field("stripe_account", &self.stripe.key())
            .field("target", &self.env.target.name())
            .field(
                "backend",
                &self.started_backend().map(|b| b.client.base_url()),
            )
            .field("database", &self.started_backend().map(|b| &b.database))
            .field("actors", &self.actors.keys().collect::<Vec<_>>())
            .field("last_response", &self.last_response)
            .field("browser_open", &self.browser.is_some())
            .finish()
    }
}

impl Rehearsal {
    /// A fresh world: on the simulator a new Stripe account (a new `sk_test_…` key); against
    /// Stripe test mode, the run's one account.
    fn new() -> Self {
        let env = environment::current();
        let stripe = match &env.shared {
            Some(shared) => shared.stripe.clone(),
            None => {
                let key = format!("sk_test_golive{}{}", random_suffix(), random_suffix());
                Stripe::new(env.http.clone(), &env.stripe_api_base, &key)
            }
        };
        Rehearsal {
            env,
            stripe,
            plans: None,
            config_overrides: BTreeMap::new(),
            startup_error: None,
            remembered: Remembered::default(),
            alert_channel: None,
            bursts: BTreeMap::new(),
            backend: None,
            replicas: Vec::new(),
            actors: BTreeMap::new(),
            checkouts: BTreeMap::new(),
            last_response: None,
            forged_event_id: None,
            preflight: None,
            started: std::time::Instant::now(),
            browser: None,
        }
    }

    /// The run's shared environment.
    pub fn env(&self) -> &Environment {
        &self.env
    }

    /// Puts `tiers` × `cycles` on sale in this scenario's Stripe account. Against Stripe test
    /// mode the run's catalog is already on sale; the step checks it holds what is asked for.
    pub async fn put_on_sale(&mut self, tiers: &[String], cycles: &[String]) {
        if let Some(shared) = &self.env.shared {
            for tier in tiers {
                for cycle in cycles {
                    assert!(
                        shared.plans.price_id(tier, cycle).is_some(),
                        "{tier} {cycle} is not in the run's catalog"
                    );
                }
            }
            return;
        }
        let plans = PlansOnSale::create(&self.stripe, tiers, cycles)
            .await
            .unwrap_or_else(|e| panic!("creating the plans in Stripe failed: {e}"));
        self.plans = Some(plans);
    }

    /// The plans on sale; BASIC and PRO, monthly and yearly, unless a step chose otherwise.
    pub async fn plans(&mut self) -> &PlansOnSale {
        if self.env.shared.is_none() && self.plans.is_none() {
            let tiers = ["basic".to_string(), "pro".to_string()];
            let cycles = ["monthly".to_string(), "yearly".to_string()];
            self.put_on_sale(&tiers, &cycles).await;
        }
        match &self.env.shared {
            Some(shared) => &shared.plans,
            None => self.plans.as_ref().expect("plans were just created"),
        }
    }

    /// Signs `name` in as a new user (or returns the person already called that).
    pub fn actor(&mut self, name: &str) -> Actor {
        let secret = self.env.jwt_secret.clone();
        self.actors
            .entry(name.to_string())
            .or_insert_with(|| Actor::sign_in(name, &secret))
            .clone()
    }

    /// Signs `name` in as a new user with a given e-mail (a shared address, an admin's domain).
    pub fn actor_with_email(&mut self, name: &str, email: &str) -> Actor {
        let user_id = format!("user_{}", random_suffix());
        let actor = Actor::with_identity(name, &user_id, email, &self.env.jwt_secret);
        self.actors.insert(name.to_string(), actor.clone());
        actor
    }

    /// The simulator's control plane for this scenario's account (moving time, delivery modes,
    /// the hosted pages' twins). Only a simulator has one.
    pub fn control(&self) -> stripe_sim::client::Control {
        stripe_sim::client::Control::with_client(
            self.env.http.clone(),
            &self.env.stripe_api_base,
            self.stripe.key(),
        )
    }

    /// Stripe's delivery log for the scenario's account, as text for a failing step's message.
    pub async fn delivery_log(&self) -> String {
        self.control()
            .deliveries()
            .await
            .map(|d| d.to_string())
            .unwrap_or_else(|e| format!("(delivery log unavailable: {e})"))
    }

    /// The admin signed in by `… is signed in as an admin`.
    pub fn admin(&self) -> Actor {
        let name = self
            .remembered
            .admin
            .clone()
            .expect("an admin is signed in first (`Omar from ops is signed in as an admin`)");
        self.known_actor(&name)
    }

    /// The person called `name`; a feature that names someone it never signed in is a mistake.
    pub fn known_actor(&self, name: &str) -> Actor {
        self.actors
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} was never signed in in this scenario"))
    }

    /// The scenario's backend: on the simulator its own, started on first use; against Stripe
    /// test mode the run's shared one.
    pub async fn backend(&mut self) -> &BackendUnderTest {
        if self.env.shared.is_none()
            && self.backend.is_none()
            && let Err(e) = self.try_start_backend().await
        {
            panic!("{e}");
        }
        self.started_backend().expect("backend was just started")
    }

    /// Starts the scenario's own backend with its configuration, or says why it refused.
    pub async fn try_start_backend(&mut self) -> Result<(), BackendError> {
        assert!(
            self.env.shared.is_none(),
            "against Stripe test mode the run's backend is shared; configuration scenarios are @sim-only"
        );
        let started = self.start_backend().await?;
        self.backend = Some(started);
        Ok(())
    }

    /// Changes the scenario backend's configuration; it must not be running yet.
    pub fn configure(&mut self, variable: &str, value: &str) {
        assert!(
            self.env.shared.is_none(),
            "this step sets the backend's {variable}, which a run against a shared backend (stripe-test) cannot; tag the scenario @sim-only"
        );
        assert!(
            self.backend.is_none(),
            "{variable} must be set before the backend starts (put the step before the first use of the backend)"
        );
        self.config_overrides
            .insert(variable.to_string(), value.to_string());
    }

    /// The backend if one is running; assertions about "nothing changed" use this.
    pub fn started_backend(&self) -> Option<&BackendUnderTest> {
        match &self.env.shared {
            Some(shared) => Some(&shared.backend),
            None => self.backend.as_ref().map(|own| &own.backend),
        }
    }

    async fn start_backend(&mut self) -> Result<OwnBackend, BackendError> {
        let env = self.env.clone();
        let database = env
            .databases()
            .create_scenario_database()
            .await
            .map_err(BackendError::Database)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("no port for the backend: {e}"));
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let overrides = self.config_overrides.clone();
        let plans = self.plans().await.clone();
        let database_name = database.clone();
        let started = BackendUnderTest::start_local(LocalBackendSpec {
            stripe: &self.stripe,
            plans: &plans,
            database_url: env.databases().url_of(&database),
            database_name: Some(database),
            listener,
            // Ops register the endpoint in the Dashboard; we do it through the same API.
            webhook: WebhookRoute::Register {
                base: format!("http://{address}"),
            },
            jwt_secret: &env.jwt_secret,
            overrides: &overrides,
            http: env.http.clone(),
        })
        .await;
        match started {
            Ok((backend, running)) => Ok(OwnBackend { backend, running }),
            Err(e) => {
                // Nothing runs on the database of a backend that did not start.
                env.databases().recycle_soon(database_name);
                Err(e)
            }
        }
    }

    /// Starts another replica of the scenario's backend: the same configuration and database,
    /// its own address and its own webhook endpoint (so Stripe delivers every event to both).
    pub async fn start_replica(&mut self) -> &BackendUnderTest {
        let env = self.env.clone();
        let database = self
            .backend()
            .await
            .database
            .clone()
            .expect("replicas share the scenario's own database");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("no port for the replica: {e}"));
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let overrides = self.config_overrides.clone();
        let plans = self.plans().await.clone();
        let (backend, running) = BackendUnderTest::start_local(LocalBackendSpec {
            stripe: &self.stripe,
            plans: &plans,
            database_url: env.databases().url_of(&database),
            // The first replica's database: dropped with it, not with this one.
            database_name: None,
            listener,
            webhook: WebhookRoute::Register {
                base: format!("http://{address}"),
            },
            jwt_secret: &env.jwt_secret,
            overrides: &overrides,
            http: env.http.clone(),
        })
        .await
        .unwrap_or_else(|e| panic!("the second replica did not start: {e}"));
        self.replicas.push(OwnBackend { backend, running });
        &self.replicas.last().expect("just pushed").backend
    }

    /// Every running replica of the scenario's backend, the first one first.
    pub fn replicas(&self) -> Vec<&BackendUnderTest> {
        self.started_backend()
            .into_iter()
            .chain(self.replicas.iter().map(|r| &r.backend))
            .collect()
    }

    /// The scenario's browser (headless Chromium), started on first use: the run's
    /// chromedriver starts with the first browser of the run. The error says why there is none
    /// (not installed: the packages to install; or what chromedriver answered).
    pub async fn browser(&mut self) -> Result<&Browser, BrowserError> {
        if self.browser.is_none() {
            self.browser = Some(Browser::start().await?);
        }
        Ok(self.browser.as_ref().expect("the browser was just started"))
    }

    /// The scenario's browser if a step started one; the runner saves a failed scenario's
    /// screenshot and page from it.
    pub fn open_browser(&self) -> Option<&Browser> {
        self.browser.as_ref()
    }

    /// Closes the scenario's browser, stops its own backend and hands its database back for
    /// the next scenario (dropped instead when it cannot be proven clean).
    pub async fn finish(&mut self) {
        if let Some(browser) = self.browser.take() {
            browser.close().await;
        }
        if let Some(preflight) = self.preflight.take() {
            preflight.cleanup(&self.env).await;
        }
        for replica in self.replicas.drain(..) {
            replica.backend.close().await;
            replica.running.shutdown().await;
        }
        if let Some(own) = self.backend.take() {
            own.backend.close().await;
            own.running.shutdown().await;
            if let Some(database) = &own.backend.database {
                self.env.databases().recycle_soon(database.clone());
            }
        }
    }
}
