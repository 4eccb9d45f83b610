//! What one rehearsal run shares across its scenarios: the PostgreSQL server with its migrated
//! template, the Stripe API the backends talk to (the in-process simulator by default), an HTTP
//! client, the secret that signs users' tokens — and, against Stripe test mode, the one account,
//! catalog and backend every scenario uses.

use std::sync::{Arc, Mutex};

use crate::steps::actors::random_suffix;
use crate::steps::backend_under_test::{BackendUnderTest, LocalBackendSpec, WebhookRoute};
use crate::steps::catalog::PlansOnSale;
use crate::steps::database::{DatabaseError, TestDatabases};
use crate::steps::target::{StagingBackend, StripeTest, Target};
use stripe_sim::client::Stripe;

/// The run-wide environment, set by [`start`] and read by every scenario's world.
static CURRENT: Mutex<Option<Arc<Environment>>> = Mutex::new(None);

/// The tiers and cycles a Stripe-test run puts on sale once for all its scenarios.
const SHARED_TIERS: [&str; 2] = ["basic", "pro"];
const SHARED_CYCLES: [&str; 2] = ["monthly", "yearly"];

/// Why the rehearsal could not start.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// No database.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The simulator could not listen.
    #[error("the Stripe simulator could not start: {0}")]
    Simulator(std::io::Error),
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    Http(reqwest::Error),
    /// The Stripe account or the backend of a Stripe-test run could not be prepared.
    #[error("the stripe-test target could not be prepared: {0}")]
    StripeTest(String),
}

/// The account, catalog and backend a Stripe-test run shares across its scenarios.
pub struct SharedTarget {
    /// The Stripe account.
    pub stripe: Stripe,
    /// What is on sale in it.
    pub plans: PlansOnSale,
    /// The backend every scenario uses.
    pub backend: BackendUnderTest,
    /// An e-mail the backend lists in `ADMIN_EMAILS` (for staging: `GOLIVE_ADMIN_EMAIL`).
    pub admin_email: Option<String>,
    /// The backend's `ADMIN_EMAIL_DOMAIN` (for staging: `GOLIVE_ADMIN_DOMAIN`).
    pub admin_domain: Option<String>,
    running: tokio::sync::Mutex<Option<billing::RunningBackend>>,
}

/// Shared by all scenarios of one run.
pub struct Environment {
    /// Where the run takes place.
    pub target: Target,
    /// The PostgreSQL server and its migrated template (none for a remote staging backend).
    pub databases: Option<TestDatabases>,
    /// The simulator this run started; `None` when the run targets a Stripe it did not start.
    simulator: Option<stripe_sim::RunningSimulator>,
    /// Base URL of the Stripe API the backends are pointed at (`STRIPE_API_BASE`).
    pub stripe_api_base: String,
    /// HS256 secret users' tokens are signed with: fresh for each run, or staging's.
    pub jwt_secret: String,
    /// A client that does not follow redirects, so steps see where a page sends the browser.
    pub http: reqwest::Client,
    /// Against Stripe test mode: the account, catalog and backend all scenarios share.
    pub shared: Option<SharedTarget>,
}

impl Environment {
    /// The run's databases; only a remote staging backend runs without them.
    pub fn databases(&self) -> &TestDatabases {
        self.databases
            .as_ref()
            .expect("this run has no PostgreSQL of its own (remote staging backend)")
    }
}

/// Starts the run's environment for `target`: provisions PostgreSQL and starts the simulator,
/// or prepares the Stripe test account and the backend a Stripe-test run shares.
pub async fn start(target: &Target) -> Result<Arc<Environment>, EnvironmentError> {
    // reqwest and sqlx use rustls with the ring provider; install it once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    crate::steps::logs::install();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(EnvironmentError::Http)?;
    let fresh_secret = || format!("golive-dev-{}{}", random_suffix(), random_suffix());
    let environment = match target {
        Target::Simulator => {
            let databases = TestDatabases::provision().await?;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(EnvironmentError::Simulator)?;
            let simulator = stripe_sim::start(listener, stripe_sim::SimOptions::default())
                .await
                .map_err(EnvironmentError::Simulator)?;
            Environment {
                target: target.clone(),
                databases: Some(databases),
                stripe_api_base: simulator.base_url.clone(),
                simulator: Some(simulator),
                jwt_secret: fresh_secret(),
                http,
                shared: None,
            }
        }
        Target::StripeTest(settings) => {
            let (databases, jwt_secret) = match &settings.backend {
                StagingBackend::Local { .. } => {
                    (Some(TestDatabases::provision().await?), fresh_secret())
                }
                StagingBackend::Remote { jwt_secret, .. } => (None, jwt_secret.clone()),
            };
            let shared = prepare_shared(settings, databases.as_ref(), &jwt_secret, &http)
                .await
                .map_err(EnvironmentError::StripeTest)?;
            Environment {
                target: target.clone(),
                databases,
                stripe_api_base: settings.api_base.clone(),
                simulator: None,
                jwt_secret,
                http,
                shared: Some(shared),
            }
        }
    };
    let environment = Arc::new(environment);
    *CURRENT.lock().expect("environment lock") = Some(environment.clone());
    Ok(environment)
}

/// Puts the catalog on sale in the test account and starts (or reaches) the shared backend.
async fn prepare_shared(
    settings: &StripeTest,
    databases: Option<&TestDatabases>,
    jwt_secret: &str,
    http: &reqwest::Client,
) -> Result<SharedTarget, String> {
    let stripe = Stripe::new(http.clone(), &settings.api_base, &settings.secret_key);
    let tiers: Vec<String> = SHARED_TIERS.iter().map(|t| t.to_string()).collect();
    let cycles: Vec<String> = SHARED_CYCLES.iter().map(|c| c.to_string()).collect();
    let plans = PlansOnSale::create(&stripe, &tiers, &cycles)
        .await
        .map_err(|e| format!("creating the catalog in the Stripe account failed: {e}"))?;
    let (mut admin_email, mut admin_domain) = (
        Some(format!("ops-{}@golive.test", random_suffix())),
        Some(format!("admins-{}.golive.test", random_suffix())),
    );
    let (backend, running) = match &settings.backend {
        StagingBackend::Remote {
            url, database_url, ..
        } => {
            admin_email = std::env::var("GOLIVE_ADMIN_EMAIL").ok();
            admin_domain = std::env::var("GOLIVE_ADMIN_DOMAIN").ok();
            (
                BackendUnderTest::remote(http.clone(), url, database_url.as_deref()).await?,
                None,
            )
        }
        StagingBackend::Local {
            listen,
            public_url,
            webhook_secret,
        } => {
            let databases = databases.ok_or("a local backend needs PostgreSQL")?;
            let database = databases
                .create_scenario_database()
                .await
                .map_err(|e| e.to_string())?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| format!("the backend cannot listen on {listen}: {e}"))?;
            let address = listener.local_addr().map_err(|e| e.to_string())?;
            let webhook = match (public_url, webhook_secret) {
                (Some(base), _) => WebhookRoute::Register { base: base.clone() },
                (None, Some(secret)) => WebhookRoute::Forwarder {
                    secret: secret.clone(),
                },
                (None, None) => WebhookRoute::Register {
                    base: format!("http://{address}"),
                },
            };
            let (backend, running) = BackendUnderTest::start_local(LocalBackendSpec {
                stripe: &stripe,
                plans: &plans,
                database_url: databases.url_of(&database),
                database_name: Some(database),
                listener,
                webhook,
                jwt_secret,
                overrides: &[
                    (
                        "ADMIN_EMAILS".to_string(),
                        admin_email.clone().unwrap_or_default(),
                    ),
                    (
                        "ADMIN_EMAIL_DOMAIN".to_string(),
                        admin_domain.clone().unwrap_or_default(),
                    ),
                ]
                .into_iter()
                .collect(),
                http: http.clone(),
            })
            .await?;
            (backend, Some(running))
        }
    };
    Ok(SharedTarget {
        stripe,
        plans,
        backend,
        admin_email,
        admin_domain,
        running: tokio::sync::Mutex::new(running),
    })
}

/// The running environment. Panics when called outside a run (a harness bug, not a user error).
pub fn current() -> Arc<Environment> {
    CURRENT
        .lock()
        .expect("environment lock")
        .clone()
        .expect("the rehearsal environment is started by golive::runner before any scenario")
}

/// Stops what the run started (the simulator, a shared backend) and drops its databases.
pub async fn teardown() {
    let environment = CURRENT.lock().expect("environment lock").take();
    let Some(environment) = environment else {
        return;
    };
    if let Some(shared) = &environment.shared {
        shared.backend.close().await;
        if let Some(running) = shared.running.lock().await.take() {
            running.shutdown().await;
        }
        if let (Some(databases), Some(database)) =
            (&environment.databases, &shared.backend.database)
            && let Err(e) = databases.drop_database(database).await
        {
            eprintln!("golive: could not drop database {database}: {e}");
        }
    }
    if let Some(databases) = &environment.databases {
        databases.teardown().await;
    }
    if let Ok(environment) = Arc::try_unwrap(environment)
        && let Some(simulator) = environment.simulator
    {
        simulator.shutdown().await;
    }
}
