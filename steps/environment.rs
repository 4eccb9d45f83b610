//! What one rehearsal run shares across its scenarios: the PostgreSQL server with its migrated
//! template, the Stripe API the backends talk to (the in-process simulator by default), an HTTP
//! client, and the secret that signs users' tokens.

use std::sync::{Arc, Mutex};

use crate::actors::random_suffix;
use crate::database::{DatabaseError, TestDatabases};

/// The run-wide environment, set by [`start`] and read by every scenario's world.
static CURRENT: Mutex<Option<Arc<Environment>>> = Mutex::new(None);

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
}

/// Shared by all scenarios of one run.
pub struct Environment {
    /// The PostgreSQL server and its migrated template.
    pub databases: TestDatabases,
    /// The simulator this run started; `None` when the run targets a Stripe it did not start.
    simulator: Option<stripe_sim::RunningSimulator>,
    /// Base URL of the Stripe API the backends are pointed at (`STRIPE_API_BASE`).
    pub stripe_api_base: String,
    /// HS256 secret the backends verify users' tokens with, made fresh for each run.
    pub jwt_secret: String,
    /// A client that does not follow redirects, so steps see where a page sends the browser.
    pub http: reqwest::Client,
}

/// Starts the run's environment: provisions PostgreSQL and starts the simulator.
pub async fn start() -> Result<Arc<Environment>, EnvironmentError> {
    // reqwest and sqlx use rustls with the ring provider; install it once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(EnvironmentError::Http)?;
    let databases = TestDatabases::provision().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(EnvironmentError::Simulator)?;
    let simulator = stripe_sim::start(listener, stripe_sim::SimOptions::default())
        .await
        .map_err(EnvironmentError::Simulator)?;
    let environment = Arc::new(Environment {
        databases,
        stripe_api_base: simulator.base_url.clone(),
        simulator: Some(simulator),
        jwt_secret: format!("golive-dev-{}{}", random_suffix(), random_suffix()),
        http,
    });
    *CURRENT.lock().expect("environment lock") = Some(environment.clone());
    Ok(environment)
}

/// The running environment. Panics when called outside a run (a harness bug, not a user error).
pub fn current() -> Arc<Environment> {
    CURRENT
        .lock()
        .expect("environment lock")
        .clone()
        .expect("the rehearsal environment is started by golive::runner before any scenario")
}

/// Stops the simulator and drops the run's databases (and the server, if this run started it).
pub async fn teardown() {
    let environment = CURRENT.lock().expect("environment lock").take();
    let Some(environment) = environment else {
        return;
    };
    environment.databases.teardown().await;
    if let Ok(environment) = Arc::try_unwrap(environment)
        && let Some(simulator) = environment.simulator
    {
        simulator.shutdown().await;
    }
}
