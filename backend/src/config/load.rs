//! [`Config::from_vars`]: reads every variable, collects every problem, and builds the
//! settings only when there is none.

use crate::config::problems::{ConfigError, ConfigProblem, Reader, read_positive};
use crate::config::read_access::{read_admin, read_auth, read_origins, read_public_origin};
use crate::config::read_limits::{read_alerts, read_rate_limits, read_server_limits};
use crate::config::read_stripe::{
    read_api_base, read_database_url, read_key_and_mode, read_mapping, read_webhook_secret,
};
use crate::config::settings::{Config, DEFAULT_MAX_CONNECTIONS, StripeConfig, StripeMode};

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
