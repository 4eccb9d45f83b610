//! `stripe-sim`: a stateful Stripe test-mode simulator.
//!
//! It speaks Stripe's HTTP API (form bodies, bracket nesting, Stripe-shaped JSON errors,
//! idempotency keys, `expand[]`, newest-first lists), keeps each API key's objects apart,
//! honours Stripe's test cards, serves a hosted Checkout page, and delivers signed webhooks.
//!
//! Module map:
//! - edge: [`request`] (auth, request ids, parameter extraction), [`pipeline`]
//!   (idempotency → handler → expand → response), [`error`] (the one error type);
//! - parsing: [`form`] (bracket nesting), [`params`] (typed parameter access);
//! - state: [`app`] (accounts by key), [`account`] (one account: store, clock, events),
//!   [`store`] (objects and lists), [`idempotency`], [`expand`];
//! - Stripe behaviour: [`api`] (the `/v1` resources), [`objects`] (object shapes),
//!   [`checkout_flow`] (paying a session), [`cards`] (test cards), [`payments`] (every
//!   charge, refund, dispute and early fraud warning, with test-card behaviour), [`clock`];
//! - delivery: [`webhooks`] (signing and per-endpoint queues);
//! - people and tests: [`hosted`] (the Checkout page), [`control`] (`/_sim/…` routes);
//! - the server loop: [`server`] (header, body and idle timeouts, the connection limit).

#![recursion_limit = "256"]
#![warn(missing_docs)]

pub mod account;
pub mod api;
pub mod app;
pub mod cards;
pub mod control;
pub mod engine;
pub mod error;
pub mod expand;
pub mod form;
pub mod hosted;
pub mod idempotency;
pub mod ids;
pub mod objects;
pub mod outbox;
pub mod params;
pub mod pipeline;
pub mod request;
pub mod routes;
pub mod secrets;
pub mod server;
pub mod snapshot;
pub mod store;
pub mod time;
pub mod webhooks;

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

/// The Stripe API version whose object shapes the simulator renders (also `event.api_version`).
pub const API_VERSION: &str = "2026-10-28.endive";

/// Start-up options. Every field has a sensible default when `None`.
#[derive(Debug, Default, Clone)]
pub struct SimOptions {
    /// Base URL put in hosted page URLs (default: `http://{bound address}`).
    pub public_base_url: Option<String>,
    /// Delays between webhook retries after a failed first attempt
    /// (default [`webhooks::delivery::DEFAULT_RETRY_SCHEDULE`]: 0.2 s, 0.5 s, 1 s, 2 s, 5 s).
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
}

/// A running simulator.
#[derive(Debug)]
pub struct RunningSimulator {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<()>,
    app: Arc<App>,
}

impl RunningSimulator {
    /// Stops accepting requests, closes idle connections, finishes in-flight requests, stops
    /// webhook workers.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
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

/// Builds the whole HTTP router over shared state (useful for embedding).
pub fn router(app: Arc<App>) -> Router {
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

/// Bind `listener` and serve the simulator until shutdown.
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
    let (tx, rx) = watch::channel(false);
    let app = Arc::new(App::new(base_url.clone(), options, http, rx.clone()));
    // Each account's outbox is drained by webhook delivery from the account's creation on.
    app.on_new_account(webhooks::delivery::start);
    if let Some(path) = &app.options.state_file {
        let n = snapshot::load(&app, path)?;
        tracing::info!(path = %path.display(), accounts = n, "state loaded");
    }
    let router = router(app.clone());
    let server = tokio::spawn(server::serve(listener, router, limits, rx));
    tracing::info!(%base_url, "stripe-sim listening");
    Ok(RunningSimulator {
        base_url,
        addr,
        shutdown: tx,
        server,
        app,
    })
}
