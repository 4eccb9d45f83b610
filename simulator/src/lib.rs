//! `stripe-sim`: a stateful Stripe test-mode simulator.
//!
//! It speaks Stripe's HTTP API (form bodies, bracket nesting, Stripe-shaped JSON errors,
//! idempotency keys, `expand[]`, newest-first lists), keeps each API key's objects apart,
//! honours Stripe's test cards, serves a hosted Checkout page, and delivers signed webhooks.
//!
//! The public surface is small on purpose: [`start`] with [`SimOptions`] gives a
//! [`RunningSimulator`]; [`client`] calls Stripe's API ([`client::Stripe`], the simulator's
//! or Stripe test mode's) and the `/_sim` control plane ([`client::Control`]) from Rust, with
//! one error type ([`client::ApiError`]); [`webhooks::signing`] signs and verifies
//! `Stripe-Signature` headers; [`API_VERSION`] is the version objects are rendered in. A few helpers the simulator's own tests, examples
//! and binary use are public too ([`form::parse`], [`error::StripeError`],
//! [`time::clock`], [`ids::random_base62`], the default limits). Everything else is
//! `pub(crate)`: the layout and its layering are described in `simulator/docs/architecture.md`.

#![recursion_limit = "256"]
#![warn(missing_docs, unreachable_pub)]

pub(crate) mod account;
pub(crate) mod api;
pub(crate) mod app;
pub(crate) mod cards;
pub mod client;
pub(crate) mod control;
pub(crate) mod engine;
/// Stripe-shaped errors; public because [`form::parse`] returns them.
pub mod error;
pub(crate) mod expand;
/// Strict form decoding; public so the fuzz example can drive [`form::parse`] directly.
pub mod form;
pub(crate) mod hosted;
pub(crate) mod idempotency;
/// Ids; [`ids::random_base62`] is public so tests can make unique API keys.
pub mod ids;
pub(crate) mod objects;
pub(crate) mod outbox;
pub(crate) mod params;
pub(crate) mod pipeline;
pub(crate) mod request;
pub(crate) mod routes;
pub(crate) mod secrets;
pub(crate) mod server;
pub(crate) mod snapshot;
pub(crate) mod store;
/// Simulated time; [`time::clock`] is public so tests can predict renewal dates with the
/// simulator's own calendar arithmetic.
pub mod time;
/// Webhook delivery; only [`webhooks::signing`] is public, for receivers and their tests.
pub mod webhooks;

/// Most connections served at once by default (`SimOptions::max_connections`); public for
/// the binary's `--max-connections` default.
pub use server::DEFAULT_MAX_CONNECTIONS;
/// Webhook retry schedules: the default (fast, for tests), Stripe's test-mode one (three
/// retries over a few hours) and its live-mode one (about three days), and the lookup by
/// name; public for the binary's `--webhook-retries` and for `SimOptions::retry_schedule`.
pub use webhooks::delivery::{
    DEFAULT_RETRY_SCHEDULE, STRIPE_RETRY_SCHEDULE, TEST_MODE_RETRY_SCHEDULE, named_retry_schedule,
};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::Method;
use axum::response::IntoResponse;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::error::StripeError;

/// The Stripe API version whose object shapes the simulator renders (also each event's
/// `api_version`); public so receivers and tests can pin the same version.
pub const API_VERSION: &str = "2026-10-28.endive";

/// Start-up options of [`start`]: public base URL, webhook retries and timeout, snapshot
/// file, the server's timeouts and connection limit. Every field has a sensible default
/// when `None` (`SimOptions::default()` is what the harness uses).
#[derive(Debug, Default, Clone)]
pub struct SimOptions {
    /// Base URL put in hosted page URLs (default: `http://{bound address}`).
    pub public_base_url: Option<String>,
    /// Delays between webhook retries after a failed first attempt
    /// (default [`DEFAULT_RETRY_SCHEDULE`]: 0.2 s, 0.5 s, 1 s, 2 s, 5 s).
    pub retry_schedule: Option<Vec<Duration>>,
    /// Time an endpoint has to answer with a 2xx (default 10 s).
    pub delivery_timeout: Option<Duration>,
    /// Snapshot file (`--state FILE`): loaded at start, written at shutdown and by
    /// `POST /_sim/snapshot`. `None` (default) keeps everything in memory only.
    pub state_file: Option<std::path::PathBuf>,
    /// Time a client has to send a complete request head (request line and headers), counted
    /// from the moment the server starts waiting for one: after accepting the connection, or
    /// after the previous response on a kept-alive one (default 10 s).
    pub header_read_timeout: Option<Duration>,
    /// Time a client has to send a whole request body, counted from the end of its head
    /// (default 30 s). A slower body is answered 408 and the connection closed.
    pub body_read_timeout: Option<Duration>,
    /// A connection with no request in progress on which nothing is read or written for this
    /// long is closed (default 5 s): idle keep-alive connections, and clients that stop
    /// reading a response.
    pub idle_timeout: Option<Duration>,
    /// Most connections served at once (default 512). Further connections wait in the
    /// listen backlog, unanswered, until a served one closes.
    pub max_connections: Option<usize>,
    /// At shutdown, how long webhook deliveries still owed may take to go out after the API
    /// has stopped taking requests (default 10 s); what is left then is not delivered.
    pub drain_timeout: Option<Duration>,
}

/// How long shutdown waits for owed deliveries by default.
const DEFAULT_DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// A running simulator, as [`start`] returns it: where it listens, and how to stop it
/// cleanly (so a harness can start one per test run and shut it down at the end).
#[derive(Debug)]
pub struct RunningSimulator {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    stop_serving: watch::Sender<bool>,
    server: JoinHandle<()>,
    app: Arc<App>,
}

impl RunningSimulator {
    /// Stops accepting requests, closes idle connections, finishes in-flight requests, lets
    /// the webhook deliveries still owed go out (within `drain_timeout`), then stops the
    /// webhook workers and writes the `--state` file.
    pub async fn shutdown(self) {
        // First the API: no new requests, in-flight ones finish (and may owe events).
        let _ = self.stop_serving.send(true);
        let _ = self.server.await;
        // Then what is owed goes out, within the drain timeout.
        let deadline = std::time::Instant::now()
            + self
                .app
                .options
                .drain_timeout
                .unwrap_or(DEFAULT_DRAIN_TIMEOUT);
        let mut left = 0;
        for (_, account) in self.app.accounts() {
            left += webhooks::delivery::quiesce(&account, deadline).await;
        }
        if left > 0 {
            tracing::warn!(
                undelivered = left,
                "shutting down with webhook deliveries still owed"
            );
        }
        let _ = self.shutdown.send(true);
        if let Some(path) = &self.app.options.state_file {
            match snapshot::save(&self.app, path) {
                Ok(n) => tracing::info!(path = %path.display(), accounts = n, "state saved"),
                Err(e) => tracing::error!(path = %path.display(), error = %e, "cannot save state"),
            }
        }
    }

    /// Writes the `--state` file now (no-op without one). Returns the accounts written.
    pub fn save_state(&self) -> std::io::Result<usize> {
        match &self.app.options.state_file {
            Some(path) => snapshot::save(&self.app, path),
            None => Ok(0),
        }
    }
}

/// Builds the whole HTTP router over shared state.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(routes::table())
        .fallback(unrecognized)
        .method_not_allowed_fallback(unrecognized)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            server::read_body,
        ))
        .layer(axum::middleware::from_fn(request::request_id))
        .with_state(app)
}

async fn unrecognized(method: Method, OriginalUri(uri): OriginalUri) -> axum::response::Response {
    StripeError::UnrecognizedUrl {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
    .into_response()
}

/// Serves the simulator on `listener` (bound by the caller, so port 0 works) until
/// [`RunningSimulator::shutdown`]; loads the `--state` snapshot first if one is set. This is
/// how the harness, the backend's tests and the binary embed the simulator.
pub async fn start(
    listener: tokio::net::TcpListener,
    options: SimOptions,
) -> std::io::Result<RunningSimulator> {
    // reqwest is built without a default TLS provider; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let addr = listener.local_addr()?;
    let base_url = options
        .public_base_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("http://{addr}"));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    let limits = server::Limits::from_options(&options)?;
    // Two signals: the API stops first, webhook delivery once what is owed has gone out.
    let (tx, rx) = watch::channel(false);
    let (stop_serving, serving) = watch::channel(false);
    let app = Arc::new(App::new(base_url.clone(), options, http, rx));
    // Each account's outbox is drained by webhook delivery from the account's creation on.
    app.on_new_account(webhooks::delivery::start);
    if let Some(path) = &app.options.state_file {
        let n = snapshot::load(&app, path)?;
        tracing::info!(path = %path.display(), accounts = n, "state loaded");
    }
    let router = router(app.clone());
    let server = tokio::spawn(server::serve(listener, router, limits, serving));
    tracing::info!(%base_url, "stripe-sim listening");
    Ok(RunningSimulator {
        base_url,
        addr,
        shutdown: tx,
        stop_serving,
        server,
        app,
    })
}
