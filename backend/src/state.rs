//! [`AppState`]: what every handler, page and webhook delivery shares — the database pool, the
//! validated configuration, the token verifier, the Stripe client, the limiters, the counters
//! and the alert sender. It is built once by [`crate::start`] and cloned (cheaply) into each
//! request.

use std::sync::Arc;

use axum::extract::FromRef;
use sqlx::PgPool;

use crate::alerts::Alerter;
use crate::auth::Authenticator;
use crate::config::{AdminConfig, Config};
use crate::metrics::Metrics;
use crate::plans::PriceMapping;
use crate::ratelimit::Limiters;
use crate::stripe::StripeClient;

/// State shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Database pool.
    pub pool: PgPool,
    /// Validated configuration.
    pub config: Arc<Config>,
    /// Verifies bearer tokens.
    pub auth: Arc<Authenticator>,
    /// Stripe client.
    pub stripe: StripeClient,
    /// What webhook processing needs.
    pub webhook: Arc<WebhookContext>,
    /// Who is an admin.
    pub admin: Arc<AdminConfig>,
    /// Per-user, per-endpoint rate limiters.
    pub limiters: Arc<Limiters>,
    /// Prometheus counters.
    pub metrics: Arc<Metrics>,
    /// Alert sender.
    pub alerts: Arc<Alerter>,
}

impl FromRef<AppState> for Arc<Authenticator> {
    fn from_ref(state: &AppState) -> Arc<Authenticator> {
        state.auth.clone()
    }
}

impl FromRef<AppState> for Arc<AdminConfig> {
    fn from_ref(state: &AppState) -> Arc<AdminConfig> {
        state.admin.clone()
    }
}

/// What the webhook needs besides the database.
#[derive(Debug, Clone)]
pub struct WebhookContext {
    /// Stripe client (to fetch current objects).
    pub stripe: StripeClient,
    /// The price mapping (reverse: price → plan).
    pub mapping: PriceMapping,
    /// Whether we run in live mode (events of the other mode are recorded, not applied).
    pub livemode: bool,
}
