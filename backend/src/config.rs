//! Typed configuration read from environment variables and validated once at start-up.
//! Every problem is collected, each naming the variable, the problem
//! and the fix, so `billing check-config` can print them all at once. Secrets are wrapped in
//! [`Secret`] and never printed beyond a short prefix.

use std::collections::HashMap;
use std::fmt;

use crate::plans::PriceMapping;
use crate::server::ServerLimits;

/// The pool size when `DATABASE_MAX_CONNECTIONS` is unset: above the 16 webhook deliveries
/// the backend is benchmarked with, since each holds a connection until it commits.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 20;

/// A secret value (API key, webhook secret, JWT secret). `Debug` and `Display` show only its
/// kind prefix, so it can't leak through logs or error messages by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must use it (an HTTP header, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", redact(&self.0))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

/// Shows at most a key's kind prefix (`sk_test_…`, `whsec_…`), never its secret part.
pub fn redact(value: &str) -> String {
    const KNOWN: [&str; 6] = [
        "sk_test_", "sk_live_", "rk_test_", "rk_live_", "whsec_", "pk_",
    ];
    match KNOWN.iter().find(|p| value.starts_with(*p)) {
        Some(p) => format!("{p}…"),
        None if value.is_empty() => "(empty)".to_string(),
        None => "…".to_string(),
    }
}

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

/// One configuration problem: which variable, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The variable's name.
    pub variable: String,
    /// What is wrong (no secret values).
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}. Fix: {}", self.variable, self.problem, self.fix)
    }
}

/// Every problem found in the configuration; `Display` prints one line per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// All problems, in variable order.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Collects problems while reading variables.
struct Reader {
    vars: HashMap<String, String>,
    problems: Vec<ConfigProblem>,
}

impl Reader {
    /// A set, non-blank variable, trimmed.
    fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    fn problem(&mut self, variable: &str, problem: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(ConfigProblem {
            variable: variable.to_string(),
            problem: problem.into(),
            fix: fix.into(),
        });
    }
}

const DEFAULT_API_BASE: &str = "https://api.stripe.com";

impl Config {
    /// Reads variables from an iterator of (name, value) — the same path as [`Config::from_env`].
    pub fn from_vars<I, K, V>(vars: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut r = Reader {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
                .collect(),
            problems: Vec::new(),
        };

        let database_url = read_database_url(&mut r);
        let database_max_connections = read_positive(
            &mut r,
            "DATABASE_MAX_CONNECTIONS",
            DEFAULT_MAX_CONNECTIONS.into(),
            10_000,
        ) as u32;
        let (secret_key, mode) = read_key_and_mode(&mut r);
        let mapping = read_mapping(&mut r, mode);
        let webhook_secret = read_webhook_secret(&mut r, mode);
        let api_base = read_api_base(&mut r);
        // DISABLE_AUTH is refused whenever live mode is involved, even if the mode is in doubt.
        let live_involved = mode == Some(StripeMode::Live)
            || r.get("STRIPE_MODE") == Some("live")
            || r.get("STRIPE_SECRET_KEY").and_then(StripeMode::of_key) == Some(StripeMode::Live);
        let auth = read_auth(&mut r, live_involved);
        let admin = read_admin(&mut r);
        let mut allowed_redirect_origins = read_origins(&mut r);
        let public_origin = read_public_origin(&mut r);
        if let Some(o) = &public_origin
            && !allowed_redirect_origins.contains(o)
        {
            allowed_redirect_origins.push(o.clone());
        }
        let rate_limits = read_rate_limits(&mut r);
        let alerts = read_alerts(&mut r);
        let server = read_server_limits(&mut r);
        let jwt_max_lifetime_secs =
            read_positive(&mut r, "JWT_MAX_LIFETIME_SECS", 86_400, 30 * 86_400);

        if !r.problems.is_empty() {
            return Err(ConfigError {
                problems: r.problems,
            });
        }
        // Every `None` above pushed a problem, so all are present here; the fallbacks are
        // unreachable but keep this panic-free.
        match (
            database_url,
            secret_key,
            mode,
            mapping,
            webhook_secret,
            api_base,
            auth,
        ) {
            (
                Some(database_url),
                Some(secret_key),
                Some(mode),
                Some((price_mapping, price_mapping_source)),
                Some(webhook_secret),
                Some(api_base),
                Some(auth),
            ) => Ok(Config {
                database_url,
                database_max_connections,
                stripe: StripeConfig {
                    secret_key,
                    mode,
                    api_base,
                    webhook_secret,
                    price_mapping,
                    price_mapping_source,
                },
                auth,
                admin,
                allowed_redirect_origins,
                public_origin,
                rate_limits,
                alerts,
                server,
                jwt_max_lifetime_secs,
            }),
            _ => Err(ConfigError {
                problems: vec![ConfigProblem {
                    variable: "(configuration)".into(),
                    problem: "incomplete configuration".into(),
                    fix: "run `billing check-config`".into(),
                }],
            }),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(std::env::vars())
    }
}

fn read_database_url(r: &mut Reader) -> Option<String> {
    match r.get("DATABASE_URL") {
        None => {
            r.problem(
                "DATABASE_URL",
                "is not set",
                "set it to a PostgreSQL URL, e.g. postgres://user@host:5432/billing",
            );
            None
        }
        Some(url) if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) => {
            r.problem(
                "DATABASE_URL",
                "is not a PostgreSQL URL",
                "use the form postgres://user:password@host:5432/database",
            );
            None
        }
        Some(url) => Some(url.to_string()),
    }
}

fn read_key_and_mode(r: &mut Reader) -> (Option<Secret>, Option<StripeMode>) {
    let mut mode_valid = true;
    let declared = match r.get("STRIPE_MODE") {
        None => None,
        Some("test") => Some(StripeMode::Test),
        Some("live") => Some(StripeMode::Live),
        Some(other) => {
            let other = other.chars().take(20).collect::<String>();
            r.problem(
                "STRIPE_MODE",
                format!("`{other}` is not a mode"),
                "set it to `test` or `live`, or unset it to infer the mode from STRIPE_SECRET_KEY",
            );
            mode_valid = false;
            None
        }
    };
    let Some(key) = r.get("STRIPE_SECRET_KEY").map(str::to_string) else {
        r.problem(
            "STRIPE_SECRET_KEY",
            "is not set",
            "set it to the account's secret key (sk_test_… or sk_live_…, or a restricted rk_… key)",
        );
        return (None, declared.filter(|_| mode_valid));
    };
    let Some(key_mode) = StripeMode::of_key(&key) else {
        r.problem(
            "STRIPE_SECRET_KEY",
            format!(
                "`{}` is not a Stripe secret key (expected sk_test_…, sk_live_…, rk_test_… or rk_live_…)",
                redact(&key)
            ),
            "copy the secret key from the Stripe Dashboard (Developers → API keys)",
        );
        return (None, declared);
    };
    let shown = redact(&key);
    let key = Some(Secret::new(key));
    match declared {
        _ if !mode_valid => (key, None),
        Some(mode) if mode != key_mode => {
            r.problem(
                "STRIPE_MODE",
                format!(
                    "is `{}` but STRIPE_SECRET_KEY is a {} key ({shown})",
                    mode.as_str(),
                    key_mode.as_str(),
                ),
                format!(
                    "use a {} key, or set STRIPE_MODE={} (or unset it)",
                    mode.as_str(),
                    key_mode.as_str()
                ),
            );
            (key, None)
        }
        _ => (key, Some(key_mode)),
    }
}

fn read_mapping(r: &mut Reader, mode: Option<StripeMode>) -> Option<(PriceMapping, &'static str)> {
    let candidates: Vec<&'static str> = match mode {
        Some(StripeMode::Test) => vec![
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            "STRIPE_PLAN_PRICE_MAPPING",
        ],
        Some(StripeMode::Live) => vec![
            "STRIPE_PLAN_PRICE_MAPPING_LIVE",
            "STRIPE_PLAN_PRICE_MAPPING",
        ],
        // Mode unknown (already reported): still validate whatever mappings are set.
        None => {
            for name in [
                "STRIPE_PLAN_PRICE_MAPPING_TEST",
                "STRIPE_PLAN_PRICE_MAPPING_LIVE",
                "STRIPE_PLAN_PRICE_MAPPING",
            ] {
                if let Some(json) = r.get(name).map(str::to_string) {
                    parse_mapping(r, name, &json);
                }
            }
            return None;
        }
    };
    let Some((name, json)) = candidates
        .iter()
        .find_map(|n| r.get(n).map(|j| (*n, j.to_string())))
    else {
        let own = candidates[0];
        r.problem(
            own,
            "no price mapping is set for this mode (nor STRIPE_PLAN_PRICE_MAPPING)",
            format!(
                "set {own} to JSON such as {{\"basic\":{{\"monthly\":\"price_…\"}},\"pro\":{{\"monthly\":\"price_…\"}}}}"
            ),
        );
        return None;
    };
    parse_mapping(r, name, &json).map(|m| (m, name))
}

fn parse_mapping(r: &mut Reader, name: &'static str, json: &str) -> Option<PriceMapping> {
    match PriceMapping::parse(json) {
        Ok(m) => Some(m),
        Err(problems) => {
            for p in problems {
                r.problem(
                    name,
                    p,
                    "map tiers free|basic|pro|enterprise to cycles monthly|yearly with distinct price_… ids; basic.monthly and pro.monthly are required",
                );
            }
            None
        }
    }
}

fn read_webhook_secret(r: &mut Reader, mode: Option<StripeMode>) -> Option<Secret> {
    match r.get("STRIPE_WEBHOOK_SECRET").map(str::to_string) {
        None => {
            r.problem(
                "STRIPE_WEBHOOK_SECRET",
                "is not set; webhooks cannot be verified, so the service will not accept them",
                "set it to the endpoint's signing secret (whsec_…) shown when the webhook endpoint was created",
            );
            None
        }
        Some(s) if !s.starts_with("whsec_") || s.len() == "whsec_".len() => {
            r.problem(
                "STRIPE_WEBHOOK_SECRET",
                format!("`{}` is not a webhook signing secret (whsec_…)", redact(&s)),
                "use the endpoint's signing secret, which starts with whsec_",
            );
            None
        }
        // Stripe CLI / test endpoints are often given `whsec_test…` secrets by convention; in
        // live mode such a secret means test configuration leaked into production.
        Some(s) if mode == Some(StripeMode::Live) && s.starts_with("whsec_test") => {
            r.problem(
                "STRIPE_WEBHOOK_SECRET",
                "looks like a test-mode secret (whsec_test…) while Stripe is in live mode",
                "use the signing secret of the live-mode webhook endpoint",
            );
            None
        }
        Some(s) => Some(Secret::new(s)),
    }
}

fn read_api_base(r: &mut Reader) -> Option<String> {
    let base = r
        .get("STRIPE_API_BASE")
        .unwrap_or(DEFAULT_API_BASE)
        .to_string();
    if base.starts_with("https://") || base.starts_with("http://") {
        Some(base.trim_end_matches('/').to_string())
    } else {
        r.problem(
            "STRIPE_API_BASE",
            "is not an http(s) URL",
            "unset it for https://api.stripe.com, or point it at a simulator such as http://127.0.0.1:12111",
        );
        None
    }
}

fn read_auth(r: &mut Reader, live: bool) -> Option<AuthConfig> {
    let disabled = match r.get("DISABLE_AUTH") {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => {
            r.problem(
                "DISABLE_AUTH",
                "is neither `true` nor `false`",
                "set DISABLE_AUTH=false (or unset it); `true` is for local development only",
            );
            return None;
        }
    };
    if disabled {
        if live {
            r.problem(
                "DISABLE_AUTH",
                "is `true` while Stripe is in live mode (or given a live key): anyone could act as any user",
                "unset DISABLE_AUTH (and configure JWT_SECRET) for live mode",
            );
            return None;
        }
        return Some(AuthConfig::Disabled);
    }
    let jwks = r.get("JWKS_URL").map(str::to_string);
    let issuer = r.get("JWT_ISSUER").map(str::to_string);
    match (jwks, issuer) {
        (Some(url), Some(issuer)) => {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                r.problem(
                    "JWKS_URL",
                    "is not an http(s) URL",
                    "set it to the identity provider's JWKS URL, e.g. https://clerk.example.com/.well-known/jwks.json",
                );
                return None;
            }
            if live && url.starts_with("http://") && !is_loopback_url(&url) {
                r.problem(
                    "JWKS_URL",
                    "uses plain http in live mode",
                    "use the provider's https:// JWKS URL",
                );
                return None;
            }
            return Some(AuthConfig::Rs256 {
                jwks_url: url,
                issuer,
            });
        }
        (Some(_), None) => {
            r.problem(
                "JWT_ISSUER",
                "is not set although JWKS_URL is",
                "set JWT_ISSUER to the exact `iss` of your identity provider's tokens, e.g. https://clerk.example.com",
            );
            return None;
        }
        (None, Some(_)) => {
            r.problem(
                "JWKS_URL",
                "is not set although JWT_ISSUER is",
                "set JWKS_URL to the identity provider's JWKS URL (or unset JWT_ISSUER to use JWT_SECRET)",
            );
            return None;
        }
        (None, None) => {}
    }
    match r.get("JWT_SECRET").map(str::to_string) {
        Some(secret) => Some(AuthConfig::Hs256 {
            secret: Secret::new(secret),
        }),
        None => {
            r.problem(
                "JWT_SECRET",
                "is not set, so bearer tokens cannot be verified",
                "set JWKS_URL and JWT_ISSUER for RS256 tokens, or JWT_SECRET to the HS256 signing secret of your tokens (or DISABLE_AUTH=true for local development)",
            );
            None
        }
    }
}

fn read_admin(r: &mut Reader) -> AdminConfig {
    let emails = r
        .get("ADMIN_EMAILS")
        .map(|v| {
            v.split(',')
                .map(|e| e.trim().to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for e in emails.clone() {
        if !e.contains('@') {
            r.problem(
                "ADMIN_EMAILS",
                format!("`{e}` is not an e-mail address"),
                "list full addresses separated by commas, e.g. ops@example.com,alice@example.com",
            );
        }
    }
    let domain = r
        .get("ADMIN_EMAIL_DOMAIN")
        .map(|d| d.trim_start_matches('@').to_ascii_lowercase());
    if let Some(d) = &domain
        && (!d.contains('.') || d.contains('@') || d.contains(char::is_whitespace))
    {
        let d = d.clone();
        r.problem(
            "ADMIN_EMAIL_DOMAIN",
            format!("`{d}` is not a domain"),
            "set it to an exact domain such as example.com (subdomains are not included)",
        );
    }
    AdminConfig { emails, domain }
}

fn read_origins(r: &mut Reader) -> Vec<String> {
    let Some(raw) = r.get("ALLOWED_REDIRECT_ORIGINS").map(str::to_string) else {
        r.problem(
            "ALLOWED_REDIRECT_ORIGINS",
            "is not set, so Checkout success/cancel URLs cannot be checked",
            "set it to the comma-separated origins of your front end, e.g. https://app.example.com,http://localhost:3000",
        );
        return Vec::new();
    };
    let mut origins = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match normalize_origin(item) {
            Some(o) => origins.push(o),
            None => r.problem(
                "ALLOWED_REDIRECT_ORIGINS",
                format!("`{item}` is not an origin (scheme://host[:port], no path)"),
                "list origins such as https://app.example.com separated by commas",
            ),
        }
    }
    if origins.is_empty()
        && !r
            .problems
            .iter()
            .any(|p| p.variable == "ALLOWED_REDIRECT_ORIGINS")
    {
        r.problem(
            "ALLOWED_REDIRECT_ORIGINS",
            "lists no origin",
            "list at least one origin such as https://app.example.com",
        );
    }
    origins
}

fn read_public_origin(r: &mut Reader) -> Option<String> {
    let raw = r.get("BILLING_PUBLIC_URL")?.trim().to_string();
    if raw.is_empty() {
        return None;
    }
    match normalize_origin(&raw) {
        Some(o) => Some(o),
        None => {
            r.problem(
                "BILLING_PUBLIC_URL",
                format!(
                    "`{}` is not an origin (scheme://host[:port], no path)",
                    raw.chars().take(80).collect::<String>()
                ),
                "set it to the address people open the billing pages at, e.g. https://billing.example.com",
            );
            None
        }
    }
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
    rest.starts_with("127.0.0.1") || rest.starts_with("localhost") || rest.starts_with("[::1]")
}

/// A positive integer variable, or `default` when unset.
fn read_positive(r: &mut Reader, name: &str, default: u64, max: u64) -> u64 {
    match r.get(name).map(str::to_string) {
        None => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n >= 1 && n <= max => n,
            _ => {
                let shown = v.chars().take(20).collect::<String>();
                r.problem(
                    name,
                    format!("`{shown}` is not a whole number between 1 and {max}"),
                    format!("set it to a number such as {default}, or unset it for {default}"),
                );
                default
            }
        },
    }
}

fn read_rate_limits(r: &mut Reader) -> RateLimits {
    let d = RateLimits::default();
    RateLimits {
        window_secs: read_positive(r, "RATE_LIMIT_WINDOW_SECS", d.window_secs, 86_400),
        checkout_per_minute: read_positive(
            r,
            "CHECKOUT_RATE_LIMIT_PER_MINUTE",
            d.checkout_per_minute.into(),
            100_000,
        ) as u32,
        portal_per_minute: read_positive(
            r,
            "PORTAL_RATE_LIMIT_PER_MINUTE",
            d.portal_per_minute.into(),
            100_000,
        ) as u32,
        admin_per_minute: read_positive(
            r,
            "ADMIN_RATE_LIMIT_PER_MINUTE",
            d.admin_per_minute.into(),
            100_000,
        ) as u32,
        redis_url: read_redis_url(r),
    }
}

fn read_redis_url(r: &mut Reader) -> Option<String> {
    let url = r.get("REDIS_URL")?.trim().to_string();
    if url.is_empty() {
        return None;
    }
    if url.starts_with("rediss://") {
        r.problem(
            "REDIS_URL",
            "asks for TLS (rediss://), which this build does not speak",
            "reach Redis over a private network or a TLS-terminating proxy with redis://HOST:PORT/DB",
        );
        return None;
    }
    if !url.starts_with("redis://") || redis::Client::open(url.as_str()).is_err() {
        r.problem(
            "REDIS_URL",
            "is not a Redis URL",
            "set it to redis://HOST:PORT/DB, or unset it to keep budgets per process",
        );
        return None;
    }
    Some(url)
}

fn read_alerts(r: &mut Reader) -> AlertConfig {
    let d = AlertConfig::default();
    let webhook_url = r.get("ALERT_WEBHOOK_URL").map(str::to_string);
    if let Some(u) = &webhook_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        r.problem(
            "ALERT_WEBHOOK_URL",
            "is not an http(s) URL",
            "set it to a Slack-compatible incoming webhook URL, or unset it to disable alerts",
        );
    }
    AlertConfig {
        webhook_url,
        dispute_threshold: read_positive(
            r,
            "ALERT_DISPUTE_THRESHOLD",
            d.dispute_threshold.into(),
            1_000_000,
        ) as u32,
        efw_threshold: read_positive(r, "ALERT_EFW_THRESHOLD", d.efw_threshold.into(), 1_000_000)
            as u32,
        window_secs: read_positive(r, "ALERT_WINDOW_SECONDS", d.window_secs, 30 * 86_400),
    }
}

fn read_server_limits(r: &mut Reader) -> ServerLimits {
    let d = ServerLimits::default();
    let secs = |r: &mut Reader, name: &str, default: std::time::Duration, max: u64| {
        std::time::Duration::from_secs(read_positive(r, name, default.as_secs(), max))
    };
    ServerLimits {
        header_read: secs(r, "BILLING_HEADER_READ_TIMEOUT_SECS", d.header_read, 600),
        body_read: secs(r, "BILLING_BODY_READ_TIMEOUT_SECS", d.body_read, 3600),
        keep_alive_idle: secs(
            r,
            "BILLING_KEEP_ALIVE_TIMEOUT_SECS",
            d.keep_alive_idle,
            3600,
        ),
        max_connections: read_positive(
            r,
            "BILLING_MAX_CONNECTIONS",
            d.max_connections as u64,
            1_000_000,
        ) as usize,
    }
}

/// Normalises `scheme://host[:port]` (a trailing `/` allowed) to lower case; `None` if it is not
/// an http(s) origin.
pub fn normalize_origin(s: &str) -> Option<String> {
    let s = s.strip_suffix('/').unwrap_or(s);
    let (scheme, authority) = s.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    if authority.is_empty()
        || authority
            .chars()
            .any(|c| matches!(c, '/' | '?' | '#' | '@' | '\\') || c.is_whitespace())
    {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// Whether `url` lies within one of `origins`: same scheme and host(:port), followed by the end,
/// `/`, `?` or `#` (so `https://app.example.com.evil.net` is not within `https://app.example.com`).
pub fn url_within_origins(url: &str, origins: &[String]) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') || authority.contains('\\') {
        return false;
    }
    let Some(origin) = normalize_origin(&format!("{scheme}://{authority}")) else {
        return false;
    };
    origins.contains(&origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPING: &str =
        r#"{"basic":{"monthly":"price_bm","yearly":"price_by"},"pro":{"monthly":"price_pm"}}"#;

    fn base() -> Vec<(&'static str, String)> {
        vec![
            (
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/x".into(),
            ),
            ("STRIPE_SECRET_KEY", "sk_test_abcdefSECRETPART".into()),
            ("STRIPE_WEBHOOK_SECRET", "whsec_SECRETPARTxyz".into()),
            ("STRIPE_PLAN_PRICE_MAPPING_TEST", MAPPING.into()),
            ("JWT_SECRET", "jwt-SECRETPART".into()),
            (
                "ALLOWED_REDIRECT_ORIGINS",
                "https://app.example.com, http://localhost:3000/".into(),
            ),
        ]
    }

    fn with(changes: &[(&'static str, Option<&str>)]) -> Result<Config, ConfigError> {
        let mut vars = base();
        for (k, v) in changes {
            vars.retain(|(n, _)| n != k);
            if let Some(v) = v {
                vars.push((k, v.to_string()));
            }
        }
        Config::from_vars(vars)
    }

    fn problems(changes: &[(&'static str, Option<&str>)]) -> Vec<ConfigProblem> {
        match with(changes) {
            Ok(_) => panic!("expected problems for {changes:?}"),
            Err(e) => {
                let text = e.to_string();
                assert!(!text.contains("SECRETPART"), "secret leaked: {text}");
                e.problems
            }
        }
    }

    fn has(ps: &[ConfigProblem], var: &str, needle: &str) -> bool {
        ps.iter()
            .any(|p| p.variable == var && p.problem.contains(needle))
    }

    #[test]
    fn good_config_parses() {
        let c = with(&[]).unwrap();
        assert_eq!(c.stripe.mode, StripeMode::Test);
        assert_eq!(c.stripe.api_base, "https://api.stripe.com");
        assert_eq!(
            c.stripe.price_mapping_source,
            "STRIPE_PLAN_PRICE_MAPPING_TEST"
        );
        assert_eq!(
            c.allowed_redirect_origins,
            vec!["https://app.example.com", "http://localhost:3000"]
        );
        assert!(matches!(c.auth, AuthConfig::Hs256 { .. }));
        assert!(!format!("{c:?}").contains("SECRETPART"));
    }

    #[test]
    fn mode_is_inferred_and_mismatch_is_refused() {
        let c = with(&[
            ("STRIPE_SECRET_KEY", Some("sk_live_SECRETPART")),
            ("STRIPE_PLAN_PRICE_MAPPING_LIVE", Some(MAPPING)),
        ])
        .unwrap();
        assert_eq!(c.stripe.mode, StripeMode::Live);
        assert_eq!(
            c.stripe.price_mapping_source,
            "STRIPE_PLAN_PRICE_MAPPING_LIVE"
        );
        let ps = problems(&[("STRIPE_MODE", Some("live"))]);
        assert!(has(
            &ps,
            "STRIPE_MODE",
            "is `live` but STRIPE_SECRET_KEY is a test key (sk_test_…)"
        ));
        let ps = problems(&[("STRIPE_MODE", Some("Test"))]);
        assert!(has(&ps, "STRIPE_MODE", "not a mode"));
        // The key is still checked when the mode is invalid.
        let ps = problems(&[
            ("STRIPE_MODE", Some("Test")),
            ("STRIPE_SECRET_KEY", Some("xyz")),
        ]);
        assert!(has(&ps, "STRIPE_SECRET_KEY", "not a Stripe secret key"));
        assert!(with(&[("STRIPE_MODE", Some("test"))]).is_ok());
    }

    #[test]
    fn key_is_required_and_must_look_like_a_key() {
        let ps = problems(&[("STRIPE_SECRET_KEY", None)]);
        assert!(has(&ps, "STRIPE_SECRET_KEY", "not set"));
        let ps = problems(&[("STRIPE_SECRET_KEY", Some("pk_test_SECRETPART"))]);
        assert!(has(&ps, "STRIPE_SECRET_KEY", "not a Stripe secret key"));
        assert!(with(&[("STRIPE_SECRET_KEY", Some("rk_test_SECRETPART"))]).is_ok());
    }

    #[test]
    fn mapping_falls_back_and_errors_name_the_key() {
        let c = with(&[
            ("STRIPE_PLAN_PRICE_MAPPING_TEST", None),
            ("STRIPE_PLAN_PRICE_MAPPING", Some(MAPPING)),
        ])
        .unwrap();
        assert_eq!(c.stripe.price_mapping_source, "STRIPE_PLAN_PRICE_MAPPING");
        // The mode's own mapping wins over the fallback.
        let c = with(&[("STRIPE_PLAN_PRICE_MAPPING", Some("not json"))]).unwrap();
        assert_eq!(c.stripe.price_mapping.len(), 3);
        let ps = problems(&[("STRIPE_PLAN_PRICE_MAPPING_TEST", None)]);
        assert!(has(
            &ps,
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            "no price mapping"
        ));
        let ps = problems(&[(
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            Some(r#"{"basic":{"monthly":"price_1"},"pro":{"monthly":"price_1"}}"#),
        )]);
        assert!(has(
            &ps,
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            "`pro.monthly` repeats"
        ));
        let ps = problems(&[(
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            Some(r#"{"basic":{"yearly":"price_1"},"pro":{"monthly":"price_2"}}"#),
        )]);
        assert!(has(
            &ps,
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            "`basic.monthly` is required"
        ));
    }

    #[test]
    fn webhook_secret_is_required() {
        let ps = problems(&[("STRIPE_WEBHOOK_SECRET", None)]);
        assert!(has(&ps, "STRIPE_WEBHOOK_SECRET", "not set"));
        let ps = problems(&[("STRIPE_WEBHOOK_SECRET", Some("sk_test_SECRETPART"))]);
        assert!(has(
            &ps,
            "STRIPE_WEBHOOK_SECRET",
            "not a webhook signing secret"
        ));
    }

    #[test]
    fn auth_rules() {
        let ps = problems(&[("JWT_SECRET", None)]);
        assert!(has(&ps, "JWT_SECRET", "not set"));
        let c = with(&[("JWT_SECRET", None), ("DISABLE_AUTH", Some("true"))]).unwrap();
        assert!(matches!(c.auth, AuthConfig::Disabled));
        let ps = problems(&[
            ("DISABLE_AUTH", Some("true")),
            ("STRIPE_SECRET_KEY", Some("sk_live_SECRETPART")),
            ("STRIPE_PLAN_PRICE_MAPPING_LIVE", Some(MAPPING)),
        ]);
        assert!(has(&ps, "DISABLE_AUTH", "live"));
        // Also when the mode itself is in conflict.
        let ps = problems(&[
            ("DISABLE_AUTH", Some("true")),
            ("STRIPE_MODE", Some("test")),
            ("STRIPE_SECRET_KEY", Some("sk_live_SECRETPART")),
        ]);
        assert!(has(&ps, "DISABLE_AUTH", "live"));
        let ps = problems(&[("DISABLE_AUTH", Some("yes please"))]);
        assert!(has(&ps, "DISABLE_AUTH", "neither"));
    }

    #[test]
    fn rs256_needs_jwks_and_issuer() {
        let c = with(&[
            ("JWT_SECRET", None),
            (
                "JWKS_URL",
                Some("https://idp.example.com/.well-known/jwks.json"),
            ),
            ("JWT_ISSUER", Some("https://idp.example.com")),
        ])
        .unwrap();
        assert!(matches!(c.auth, AuthConfig::Rs256 { .. }));
        let ps = problems(&[("JWKS_URL", Some("https://idp.example.com/jwks"))]);
        assert!(has(&ps, "JWT_ISSUER", "not set"));
        let ps = problems(&[("JWT_ISSUER", Some("https://idp.example.com"))]);
        assert!(has(&ps, "JWKS_URL", "not set"));
        let ps = problems(&[
            ("JWKS_URL", Some("ftp://x")),
            ("JWT_ISSUER", Some("https://idp.example.com")),
        ]);
        assert!(has(&ps, "JWKS_URL", "http"));
    }

    #[test]
    fn live_mode_refuses_a_test_webhook_secret() {
        let ps = problems(&[
            ("STRIPE_SECRET_KEY", Some("sk_live_SECRETPART")),
            ("STRIPE_PLAN_PRICE_MAPPING_LIVE", Some(MAPPING)),
            ("STRIPE_WEBHOOK_SECRET", Some("whsec_testSECRETPART")),
        ]);
        assert!(has(&ps, "STRIPE_WEBHOOK_SECRET", "test-mode"));
        assert!(with(&[("STRIPE_WEBHOOK_SECRET", Some("whsec_testSECRETPART"))]).is_ok());
    }

    #[test]
    fn rate_limits_and_alerts_are_configurable_and_checked() {
        let c = with(&[]).unwrap();
        assert_eq!(c.rate_limits.checkout_per_minute, 10);
        assert_eq!(c.rate_limits.window_secs, 60);
        assert_eq!(c.database_max_connections, 20);
        assert_eq!(c.alerts.webhook_url, None);
        let c = with(&[
            ("CHECKOUT_RATE_LIMIT_PER_MINUTE", Some("3")),
            ("RATE_LIMIT_WINDOW_SECS", Some("2")),
            ("DATABASE_MAX_CONNECTIONS", Some("32")),
            ("ALERT_WEBHOOK_URL", Some("https://hooks.example.com/x")),
            ("ALERT_DISPUTE_THRESHOLD", Some("5")),
            ("ALERT_WINDOW_SECONDS", Some("60")),
        ])
        .unwrap();
        assert_eq!(c.rate_limits.checkout_per_minute, 3);
        assert_eq!(c.rate_limits.window_secs, 2);
        assert_eq!(c.database_max_connections, 32);
        assert_eq!(c.alerts.dispute_threshold, 5);
        assert_eq!(c.alerts.window_secs, 60);
        let ps = problems(&[
            ("CHECKOUT_RATE_LIMIT_PER_MINUTE", Some("0")),
            ("ALERT_WEBHOOK_URL", Some("hooks")),
            ("ALERT_EFW_THRESHOLD", Some("many")),
            ("RATE_LIMIT_WINDOW_SECS", Some("0")),
            ("DATABASE_MAX_CONNECTIONS", Some("lots")),
        ]);
        assert!(has(&ps, "CHECKOUT_RATE_LIMIT_PER_MINUTE", "whole number"));
        assert!(has(&ps, "RATE_LIMIT_WINDOW_SECS", "whole number"));
        assert!(has(&ps, "DATABASE_MAX_CONNECTIONS", "whole number"));
        assert!(has(&ps, "ALERT_WEBHOOK_URL", "http"));
        assert!(has(&ps, "ALERT_EFW_THRESHOLD", "whole number"));
    }

    #[test]
    fn server_limits_have_defaults_and_are_checked() {
        let c = with(&[]).unwrap();
        assert_eq!(c.server, ServerLimits::default());
        assert_eq!(c.server.header_read.as_secs(), 10);
        assert_eq!(c.server.max_connections, 1024);
        assert_eq!(c.jwt_max_lifetime_secs, 86_400);
        let c = with(&[
            ("BILLING_HEADER_READ_TIMEOUT_SECS", Some("2")),
            ("BILLING_MAX_CONNECTIONS", Some("16")),
        ])
        .unwrap();
        assert_eq!(c.server.header_read.as_secs(), 2);
        assert_eq!(c.server.max_connections, 16);
        let ps = problems(&[
            ("BILLING_HEADER_READ_TIMEOUT_SECS", Some("0")),
            ("BILLING_BODY_READ_TIMEOUT_SECS", Some("10s")),
            ("BILLING_KEEP_ALIVE_TIMEOUT_SECS", Some("-1")),
            ("BILLING_MAX_CONNECTIONS", Some("lots")),
            ("JWT_MAX_LIFETIME_SECS", Some("0")),
        ]);
        for v in [
            "BILLING_HEADER_READ_TIMEOUT_SECS",
            "BILLING_BODY_READ_TIMEOUT_SECS",
            "BILLING_KEEP_ALIVE_TIMEOUT_SECS",
            "BILLING_MAX_CONNECTIONS",
            "JWT_MAX_LIFETIME_SECS",
        ] {
            assert!(has(&ps, v, "whole number"), "{v}: {ps:?}");
        }
    }

    #[test]
    fn database_url_and_origins_are_required() {
        let ps = problems(&[("DATABASE_URL", None)]);
        assert!(has(&ps, "DATABASE_URL", "not set"));
        let ps = problems(&[("ALLOWED_REDIRECT_ORIGINS", None)]);
        assert!(has(&ps, "ALLOWED_REDIRECT_ORIGINS", "not set"));
        let ps = problems(&[(
            "ALLOWED_REDIRECT_ORIGINS",
            Some("https://a.example.com/path"),
        )]);
        assert!(has(&ps, "ALLOWED_REDIRECT_ORIGINS", "not an origin"));
        let ps = problems(&[("STRIPE_API_BASE", Some("ftp://x"))]);
        assert!(has(&ps, "STRIPE_API_BASE", "http"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = Config::from_vars(Vec::<(String, String)>::new()).unwrap_err();
        let vars: Vec<_> = err.problems.iter().map(|p| p.variable.as_str()).collect();
        for v in [
            "DATABASE_URL",
            "STRIPE_SECRET_KEY",
            "STRIPE_WEBHOOK_SECRET",
            "JWT_SECRET",
            "ALLOWED_REDIRECT_ORIGINS",
        ] {
            assert!(vars.contains(&v), "{v} missing from {vars:?}");
        }
        for line in err.to_string().lines() {
            assert!(line.contains(": ") && line.contains(". Fix: "), "{line}");
        }
    }

    #[test]
    fn admin_rules() {
        let c = with(&[
            ("ADMIN_EMAILS", Some(" Ops@Example.com , b@x.io")),
            ("ADMIN_EMAIL_DOMAIN", Some("example.com")),
        ])
        .unwrap();
        assert!(c.admin.is_admin("ops@example.com"));
        assert!(c.admin.is_admin("B@X.IO"));
        assert!(c.admin.is_admin("anyone@example.com"));
        assert!(!c.admin.is_admin("a@ops.example.com"));
        assert!(!c.admin.is_admin("a@example.com.evil"));
    }

    #[test]
    fn redirect_urls_must_be_within_origins() {
        let o = vec![
            "https://app.example.com".to_string(),
            "http://localhost:3000".to_string(),
        ];
        assert!(url_within_origins("https://app.example.com/ok?x=1", &o));
        assert!(url_within_origins("HTTPS://APP.example.com", &o));
        assert!(url_within_origins("http://localhost:3000/done", &o));
        assert!(!url_within_origins("http://localhost:3001/done", &o));
        assert!(!url_within_origins(
            "https://app.example.com.evil.net/x",
            &o
        ));
        assert!(!url_within_origins(
            "https://app.example.com@evil.net/x",
            &o
        ));
        assert!(!url_within_origins("http://app.example.com/x", &o));
        assert!(!url_within_origins("javascript:alert(1)", &o));
    }

    #[test]
    fn redaction_shows_prefix_only() {
        assert_eq!(redact("sk_test_123"), "sk_test_…");
        assert_eq!(redact("whsec_abc"), "whsec_…");
        assert_eq!(redact("hunter2"), "…");
        assert_eq!(
            format!("{:?}", Secret::new("sk_live_x")),
            "Secret(sk_live_…)"
        );
    }
}
