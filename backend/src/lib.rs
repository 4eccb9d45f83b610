//! `billing`: the subscription billing backend the go-live checklist is about.
//!
//! It sells plans through Stripe Checkout, keeps each user's entitlement in PostgreSQL from
//! signed Stripe webhooks, and talks to Stripe only over HTTP through `STRIPE_API_BASE`.
//!
//! Modules, one job each:
//! - [`config`]: typed configuration from environment variables, every problem reported.
//! - [`plans`]: tiers, billing cycles and the plan ↔ Stripe price mapping.
//! - [`entitlement`]: a subscription's status and whether it entitles the user.
//! - [`auth`]: bearer-token verification into an [`auth::AuthUser`] extractor.
//! - [`error`]: the one HTTP error type, mapped to status and JSON once.
//! - [`stripe`]: a thin typed Stripe client (idempotency keys, retries, pinned version).
//! - [`db`]: pool, migrations (with the plan seed) and small storage functions.
//! - [`webhook`]: signature verification, the idempotent webhook endpoint, event application.
//! - [`flows`]: what the backend does (Checkout, the portal, admin actions), whoever asks.
//! - [`state`]: [`state::AppState`], what every handler shares.
//! - [`edge`]: the HTTP edge both faces share: extractors, the rate limit's 429, idempotency
//!   keys from headers, the request span.
//! - [`api`]: the JSON routes.
//! - [`pages`]: the HTML pages people click (pricing, account, the ops dashboard).
//! - [`router`]: joins the API, the pages and the operations routes into one application.
//! - [`ratelimit`]: per-user, per-endpoint budgets (the plain core, no HTTP).
//! - [`metrics`]: Prometheus counters served at `/metrics`.
//! - [`alerts`]: Slack-compatible alerts to `ALERT_WEBHOOK_URL`.
//! - [`routes`]: every path served and every event type handled, named once.
//! - [`server`]: the accept loop with header, body and idle timeouts and a connection limit.
//!
//! [`start`] runs the service on a listener; [`migrate`] prepares a database.

#![warn(missing_docs)]

pub mod alerts;
pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod edge;
pub mod entitlement;
pub mod error;
pub mod flows;
pub mod http_client;
pub mod metrics;
pub mod pages;
pub mod plans;
pub mod ratelimit;
pub mod router;
pub mod routes;
pub mod server;
pub mod state;
pub mod stripe;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{Config, ConfigError, ConfigProblem};
pub use db::DbError;

use auth::Authenticator;
use config::StripeMode;
use state::AppState;
use state::WebhookContext;
use stripe::{StripeClient, StripeClientOptions};

/// Applies the migrations (including the one-time plan seed) to `database_url`; idempotent.
pub async fn migrate(database_url: &str) -> Result<(), DbError> {
    let pool = db::connect(database_url, 2).await?;
    let result = db::run_migrations(&pool).await;
    pool.close().await;
    result
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Database connection or migrations failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The Stripe HTTP client could not be built.
    #[error("building the Stripe client: {0}")]
    Stripe(#[from] stripe::StripeError),
    /// The listener is unusable.
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
}

/// A running backend.
#[derive(Debug)]
pub struct RunningBackend {
    /// The address it listens on.
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    server: JoinHandle<std::io::Result<()>>,
    pool: PgPool,
}

impl RunningBackend {
    /// Stops accepting connections, lets in-flight requests finish, then closes the pool.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        match self.server.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "server error during shutdown"),
            Err(e) => tracing::error!(error = %e, "server task failed"),
        }
        self.pool.close().await;
    }
}

/// Connects the database, runs migrations, and serves on `listener` until shutdown.
pub async fn start(
    config: Config,
    listener: tokio::net::TcpListener,
) -> Result<RunningBackend, StartError> {
    let addr = listener.local_addr()?;
    let pool = db::connect(&config.database_url, config.database_max_connections).await?;
    if let Err(e) = db::run_migrations(&pool).await {
        pool.close().await;
        return Err(e.into());
    }
    let metrics = Arc::new(metrics::Metrics::default());
    let stripe = StripeClient::new(
        &config.stripe.api_base,
        config.stripe.secret_key.clone(),
        StripeClientOptions::default(),
    )?
    .with_metrics(metrics.clone());
    let state = AppState {
        admin: Arc::new(config.admin.clone()),
        limiters: Arc::new(ratelimit::Limiters::new(&config.rate_limits)),
        alerts: Arc::new(alerts::Alerter::new(config.alerts.clone(), metrics.clone())),
        metrics,
        pool: pool.clone(),
        auth: Arc::new(
            Authenticator::from_config(&config.auth)
                .with_max_lifetime(config.jwt_max_lifetime_secs),
        ),
        webhook: Arc::new(WebhookContext {
            stripe: stripe.clone(),
            mapping: config.stripe.price_mapping.clone(),
            livemode: config.stripe.mode == StripeMode::Live,
        }),
        stripe,
        config: Arc::new(config),
    };
    let limits = state.config.server;
    let app = router::router(state);
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, app, limits, async {
        let _ = rx.await;
    }));
    tracing::info!(%addr, "billing backend listening");
    Ok(RunningBackend {
        addr,
        shutdown: tx,
        server,
        pool,
    })
}
