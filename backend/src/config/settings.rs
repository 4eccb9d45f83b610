//! The settings: the typed configuration the rest of the backend reads.

use crate::config::secret::Secret;
use crate::plans::PriceMapping;
use crate::server::ServerLimits;

/// The pool size when `DATABASE_MAX_CONNECTIONS` is unset: above the 16 webhook deliveries
/// the backend is benchmarked with, since each holds a connection until it commits.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 20;

/// Test or live Stripe mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StripeMode {
    /// Stripe test mode (`sk_test_…`).
    Test,
    /// Stripe live mode (`sk_live_…`): real money.
    Live,
}

impl StripeMode {
    /// `test` or `live`.
    pub fn as_str(self) -> &'static str {
        match self {
            StripeMode::Test => "test",
            StripeMode::Live => "live",
        }
    }

    /// The mode a secret key's prefix implies, if it has a known prefix.
    pub fn of_key(key: &str) -> Option<StripeMode> {
        if key.starts_with("sk_test_") || key.starts_with("rk_test_") {
            Some(StripeMode::Test)
        } else if key.starts_with("sk_live_") || key.starts_with("rk_live_") {
            Some(StripeMode::Live)
        } else {
            None
        }
    }
}

/// Everything about talking to Stripe.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    /// `STRIPE_SECRET_KEY`.
    pub secret_key: Secret,
    /// `STRIPE_MODE`, or inferred from the key prefix.
    pub mode: StripeMode,
    /// `STRIPE_API_BASE` without a trailing slash (default `https://api.stripe.com`).
    pub api_base: String,
    /// `STRIPE_WEBHOOK_SECRET` (`whsec_…`).
    pub webhook_secret: Secret,
    /// The price mapping of the current mode.
    pub price_mapping: PriceMapping,
    /// Which variable the mapping came from (for messages and `check-config`).
    pub price_mapping_source: &'static str,
}

/// How callers are authenticated.
#[derive(Debug, Clone)]
pub enum AuthConfig {
    /// `DISABLE_AUTH=true`: local development only; refused in live mode.
    Disabled,
    /// HS256 tokens signed with `JWT_SECRET` (development).
    Hs256 {
        /// The shared HMAC secret.
        secret: Secret,
    },
    /// RS256 tokens from an identity provider (Clerk-style): keys from `JWKS_URL`, issuer
    /// `JWT_ISSUER`.
    Rs256 {
        /// The provider's JWKS document URL.
        jwks_url: String,
        /// The exact `iss` every token must carry.
        issuer: String,
    },
}

/// Per-user, per-endpoint rate limits: requests per window (a minute unless
/// `RATE_LIMIT_WINDOW_SECS` says otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// `RATE_LIMIT_WINDOW_SECS` (default 60): the window the `*_PER_MINUTE` counts are per.
    /// Each budget is a burst of n, then one attempt back every window/n.
    pub window_secs: u64,
    /// `CHECKOUT_RATE_LIMIT_PER_MINUTE` (default 10).
    pub checkout_per_minute: u32,
    /// `PORTAL_RATE_LIMIT_PER_MINUTE` (default 10).
    pub portal_per_minute: u32,
    /// `ADMIN_RATE_LIMIT_PER_MINUTE` (default 120): each admin write endpoint.
    pub admin_per_minute: u32,
    /// `REDIS_URL` (`redis://host:6379/0`): budgets shared by every replica.
    /// Unset: each process keeps its own (right for a single instance only).
    pub redis_url: Option<String>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            window_secs: 60,
            checkout_per_minute: 10,
            portal_per_minute: 10,
            admin_per_minute: 120,
            redis_url: None,
        }
    }
}

/// Where and when alerts are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertConfig {
    /// `ALERT_WEBHOOK_URL`: a Slack-compatible incoming webhook; `None` disables alerts.
    pub webhook_url: Option<String>,
    /// `ALERT_DISPUTE_THRESHOLD`: alert when more disputes than this are opened in a window.
    pub dispute_threshold: u32,
    /// `ALERT_EFW_THRESHOLD`: alert when more early fraud warnings than this arrive in a window.
    pub efw_threshold: u32,
    /// `ALERT_WINDOW_SECONDS`: the window's length.
    pub window_secs: u64,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig {
            webhook_url: None,
            dispute_threshold: 3,
            efw_threshold: 3,
            window_secs: 3600,
        }
    }
}

/// Who is an admin: an explicit e-mail list and/or an exact domain.
#[derive(Debug, Clone, Default)]
pub struct AdminConfig {
    /// `ADMIN_EMAILS`: trimmed, lower-cased.
    pub emails: Vec<String>,
    /// `ADMIN_EMAIL_DOMAIN`: lower-cased, exact (subdomains do not match).
    pub domain: Option<String>,
}

impl AdminConfig {
    /// Whether `email` belongs to an admin: case-insensitive list match, or an exact domain
    /// match (`a@ops.example.com` is not admin for `example.com`).
    pub fn is_admin(&self, email: &str) -> bool {
        let email = email.trim().to_ascii_lowercase();
        if self.emails.contains(&email) {
            return true;
        }
        match (&self.domain, email.rsplit_once('@')) {
            (Some(domain), Some((local, d))) => !local.is_empty() && d == domain,
            _ => false,
        }
    }
}

/// The validated configuration of the billing backend.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS`: the pool's size (default 20). A webhook holds one
    /// connection from its ledger row to its commit, so keep it above the deliveries expected
    /// at once, plus a few for the API.
    pub database_max_connections: u32,
    /// Stripe settings.
    pub stripe: StripeConfig,
    /// Authentication settings.
    pub auth: AuthConfig,
    /// Admin rules.
    pub admin: AdminConfig,
    /// `ALLOWED_REDIRECT_ORIGINS`: normalised origins (`https://app.example.com`) that
    /// success/cancel URLs must belong to.
    pub allowed_redirect_origins: Vec<String>,
    /// `BILLING_PUBLIC_URL`: the origin people reach this backend's pages at
    /// (`https://billing.example.com`). The pages build their Checkout and portal return URLs
    /// from it and check form posts' `Origin` against it; it is implicitly an allowed redirect
    /// origin. Unset: the pages still show, but cannot send anyone to Stripe.
    pub public_origin: Option<String>,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// Alerting.
    pub alerts: AlertConfig,
    /// Connection limits of the HTTP server.
    pub server: ServerLimits,
    /// `JWT_MAX_LIFETIME_SECS`: the longest `exp - iat` a bearer token may have (default 24 h).
    pub jwt_max_lifetime_secs: u64,
}
