//! A billing backend under test: started here (a fresh database, the webhook endpoint registered
//! through the Stripe API, exactly as ops would do it), or a deployed one reached by URL — and how
//! the steps look at it.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::steps::backend_client::BackendClient;
use crate::steps::catalog::PlansOnSale;
use stripe_sim::client::Stripe;

/// The origin the web app is served from; success and cancel URLs live under it.
pub const APP_ORIGIN: &str = "https://app.golive.test";

/// The path of the backend's webhook endpoint: the backend's own constant.
pub use billing::routes::WEBHOOK_PATH;

/// The events the backend's webhook endpoints are registered for: every type the backend
/// handles (which includes the checklist's §4 list).
pub use billing::routes::HANDLED_EVENTS as WEBHOOK_EVENTS;

/// What a backend deployment here is made of, for [`deployment_vars`].
pub struct DeploymentVars<'a> {
    /// Its database.
    pub database_url: &'a str,
    /// Where it listens (its pages are opened there).
    pub address: SocketAddr,
    /// The Stripe account it sells through.
    pub stripe: &'a Stripe,
    /// Its webhook endpoint's signing secret.
    pub webhook_secret: &'a str,
    /// The prices it maps.
    pub plans: &'a PlansOnSale,
    /// The HS256 secret its users' tokens are signed with.
    pub jwt_secret: &'a str,
}

/// The variables a test deployment of the backend has (test mode, HS256 tokens, the app's
/// origin for redirects, its own address as its public URL).
pub fn deployment_vars(d: &DeploymentVars<'_>) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("DATABASE_URL".to_string(), d.database_url.to_string()),
        // The backend's own pages are opened at its listening address.
        (
            "BILLING_PUBLIC_URL".to_string(),
            format!("http://{}", d.address),
        ),
        ("STRIPE_SECRET_KEY".to_string(), d.stripe.key().to_string()),
        (
            "STRIPE_WEBHOOK_SECRET".to_string(),
            d.webhook_secret.to_string(),
        ),
        ("STRIPE_MODE".to_string(), "test".to_string()),
        (
            "STRIPE_PLAN_PRICE_MAPPING_TEST".to_string(),
            d.plans.mapping_json(),
        ),
        (
            "STRIPE_API_BASE".to_string(),
            d.stripe.base_url().to_string(),
        ),
        ("JWT_SECRET".to_string(), d.jwt_secret.to_string()),
        (
            "ALLOWED_REDIRECT_ORIGINS".to_string(),
            APP_ORIGIN.to_string(),
        ),
    ])
}

/// A backend the steps talk to, and how to look at what it recorded.
pub struct BackendUnderTest {
    /// HTTP client for its API.
    pub client: BackendClient,
    /// Its database's name, when this run created it (and drops it afterwards).
    pub database: Option<String>,
    /// A small pool on its database for the steps' assertions, when the run can reach it.
    db: Option<PgPool>,
    /// The signing secret its webhook endpoint was given (shown by Stripe only at creation).
    pub webhook_secret: Option<String>,
    /// The `we_…` endpoint the run registered, if it registered one.
    pub webhook_endpoint_id: Option<String>,
}

/// How Stripe's events reach a backend started here.
#[derive(Debug, Clone)]
pub enum WebhookRoute {
    /// Register `{base}/api/subscription/webhook` through the Stripe API and use the secret it
    /// returns (the simulator: `base` is the backend's own address).
    Register {
        /// The URL at which Stripe reaches the backend.
        base: String,
    },
    /// A forwarder (`stripe listen --forward-to …`) delivers; it signs with this secret.
    Forwarder {
        /// The forwarder's `whsec_…`.
        secret: String,
    },
}

/// What it takes to start a backend here.
pub struct LocalBackendSpec<'a> {
    /// The Stripe account it sells through.
    pub stripe: &'a Stripe,
    /// The prices it maps.
    pub plans: &'a PlansOnSale,
    /// Its database.
    pub database_url: String,
    /// The scenario database's name, dropped at the end (None for a database kept by someone else).
    pub database_name: Option<String>,
    /// A listener already bound (its port goes into the webhook URL before the backend starts).
    pub listener: tokio::net::TcpListener,
    /// How webhooks reach it.
    pub webhook: WebhookRoute,
    /// The HS256 secret its users' tokens are signed with.
    pub jwt_secret: &'a str,
    /// Variables to add or replace (configuration scenarios); an empty value removes one.
    pub overrides: &'a BTreeMap<String, String>,
    /// The HTTP client for its API.
    pub http: reqwest::Client,
}

impl BackendUnderTest {
    /// Registers the webhook endpoint (if that is the route), then starts the backend with the
    /// variables a deployment would have.
    pub async fn start_local(
        spec: LocalBackendSpec<'_>,
    ) -> Result<(Self, billing::RunningBackend), String> {
        let (webhook_endpoint_id, webhook_secret) = match &spec.webhook {
            WebhookRoute::Register { base } => {
                let (id, secret) = spec
                    .stripe
                    .create_webhook_endpoint(&format!("{base}{WEBHOOK_PATH}"), WEBHOOK_EVENTS)
                    .await
                    .map_err(|e| format!("registering the webhook endpoint failed: {e}"))?;
                (Some(id), secret)
            }
            WebhookRoute::Forwarder { secret } => (None, secret.clone()),
        };
        let address: SocketAddr = spec
            .listener
            .local_addr()
            .map_err(|e| format!("the backend's listener has no address: {e}"))?;
        let mut vars = deployment_vars(&DeploymentVars {
            database_url: &spec.database_url,
            address,
            stripe: spec.stripe,
            webhook_secret: &webhook_secret,
            plans: spec.plans,
            jwt_secret: spec.jwt_secret,
        });
        for (name, value) in spec.overrides {
            if value.is_empty() {
                vars.remove(name);
            } else {
                vars.insert(name.clone(), value.clone());
            }
        }
        let config = billing::Config::from_vars(&vars)
            .map_err(|e| format!("the backend's configuration is invalid:\n{e}"))?;
        let running = billing::start(config, spec.listener)
            .await
            .map_err(|e| format!("the backend did not start: {e}"))?;
        let backend = BackendUnderTest {
            client: BackendClient::new(spec.http, &format!("http://{address}")),
            database: spec.database_name,
            db: Some(connect(&spec.database_url).await?),
            webhook_secret: Some(webhook_secret),
            webhook_endpoint_id,
        };
        Ok((backend, running))
    }

    /// A deployed backend at `url`; with `database_url`, its records can be read too.
    pub async fn remote(
        http: reqwest::Client,
        url: &str,
        database_url: Option<&str>,
    ) -> Result<Self, String> {
        let db = match database_url {
            Some(database_url) => Some(connect(database_url).await?),
            None => None,
        };
        Ok(BackendUnderTest {
            client: BackendClient::new(http, url),
            database: None,
            db,
            webhook_secret: None,
            webhook_endpoint_id: None,
        })
    }

    /// The backend's database, for steps that check what it recorded.
    pub fn db(&self) -> &PgPool {
        self.db.as_ref().unwrap_or_else(|| {
            panic!(
                "this step reads the backend's database, which this run cannot reach; \
                 give the staging database as DATABASE_URL"
            )
        })
    }

    /// Closes the assertion pool.
    pub async fn close(&self) {
        if let Some(db) = &self.db {
            db.close().await;
        }
    }
}

async fn connect(database_url: &str) -> Result<PgPool, String> {
    PgPoolOptions::new()
        .max_connections(2)
        .connect(database_url)
        .await
        .map_err(|e| format!("cannot open the backend's database: {e}"))
}
