//! Where a rehearsal runs: on the simulator (the default, everything in-process), or against
//! real Stripe test mode with a backend started here or already deployed on staging.

use std::net::SocketAddr;

/// Tags that decide whether a target can run a scenario.
const SMOKE_TAG: &str = "smoke";
const SIM_ONLY_TAG: &str = "sim-only";

/// The target of a run.
#[derive(Debug, Clone, Default)]
pub enum Target {
    /// The in-process simulator: every scenario gets its own Stripe account, database and
    /// backend, and every feature can run.
    #[default]
    Simulator,
    /// Stripe test mode (or anything speaking its API): one account and one backend for the
    /// run; only `@smoke` scenarios run, the others are skipped with the reason.
    StripeTest(StripeTest),
}

/// Settings of a run against Stripe test mode.
#[derive(Debug, Clone)]
pub struct StripeTest {
    /// `STRIPE_API_BASE`; `https://api.stripe.com` for real Stripe.
    pub api_base: String,
    /// `STRIPE_SECRET_KEY`: a test-mode key (`sk_test_…` or `rk_test_…`).
    pub secret_key: String,
    /// The backend under test.
    pub backend: StagingBackend,
}

/// The backend a Stripe-test run exercises.
#[derive(Debug, Clone)]
pub enum StagingBackend {
    /// Started here on `listen`, with a database of its own. Stripe reaches its webhook through
    /// `public_url` (the harness registers `{public_url}/api/subscription/webhook` through the
    /// API), or through a forwarder such as `stripe listen --forward-to` whose signing secret is
    /// `webhook_secret`.
    Local {
        /// Where the backend listens.
        listen: SocketAddr,
        /// The URL at which Stripe reaches `listen` (a tunnel, or the address itself).
        public_url: Option<String>,
        /// The forwarder's signing secret, when Stripe reaches the backend through one.
        webhook_secret: Option<String>,
    },
    /// Already deployed (staging) at `url`, accepting HS256 tokens signed with `jwt_secret`;
    /// with `database_url`, steps can also read its records.
    Remote {
        /// The backend's base URL.
        url: String,
        /// The `JWT_SECRET` the staging backend verifies tokens with.
        jwt_secret: String,
        /// Its database, for steps that check what it recorded.
        database_url: Option<String>,
    },
}

impl Target {
    /// `Ok` when this target runs a scenario with `tags`; otherwise why it is skipped
    /// ([`TargetError::NeedsSimulator`] or [`TargetError::NotSmoke`]).
    pub fn runs(&self, tags: &[String]) -> Result<(), TargetError> {
        match self {
            Target::Simulator => Ok(()),
            Target::StripeTest(_) => {
                if tags.iter().any(|t| t == SIM_ONLY_TAG) {
                    Err(TargetError::NeedsSimulator)
                } else if !tags.iter().any(|t| t == SMOKE_TAG) {
                    Err(TargetError::NotSmoke)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// A short name for messages and the report (`sim`, `stripe-test`).
    pub fn name(&self) -> &'static str {
        match self {
            Target::Simulator => "sim",
            Target::StripeTest(_) => "stripe-test",
        }
    }
}

/// Why a Stripe-test target cannot be set up, or does not run a scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// A `@sim-only` scenario, against Stripe test mode.
    #[error("needs the simulator's control plane (@sim-only)")]
    NeedsSimulator,
    /// A scenario not marked `@smoke`, against Stripe test mode (only those run there).
    #[error("not marked @smoke, so not run against Stripe test mode")]
    NotSmoke,
    /// No key.
    #[error(
        "STRIPE_SECRET_KEY is not set. Fix: export the test-mode secret key (sk_test_…) of the staging Stripe account"
    )]
    MissingKey,
    /// A live key: a rehearsal never moves real money.
    #[error(
        "STRIPE_SECRET_KEY is a live key. Fix: use the account's test-mode key (sk_test_…); the rehearsal never runs in live mode"
    )]
    LiveKey,
    /// Something that is not a Stripe test key.
    #[error("STRIPE_SECRET_KEY does not look like a Stripe test key (sk_test_… or rk_test_…)")]
    NotATestKey,
    /// A local backend Stripe cannot reach.
    #[error(
        "Stripe cannot reach a backend started here. Fix: give --public-url (a tunnel to --backend-listen), \
         or run `stripe listen --forward-to <listen>/api/subscription/webhook` and export its secret as STRIPE_WEBHOOK_SECRET"
    )]
    Unreachable,
    /// A remote backend without the token secret.
    #[error(
        "JWT_SECRET is not set. Fix: export the HS256 secret the staging backend verifies test tokens with"
    )]
    MissingJwtSecret,
}

/// Reads a Stripe-test target from the environment (`STRIPE_SECRET_KEY`, `STRIPE_API_BASE`,
/// `STRIPE_WEBHOOK_SECRET`, `JWT_SECRET`, `DATABASE_URL`) and the command line.
pub fn stripe_test_from_env(
    vars: &dyn Fn(&str) -> Option<String>,
    backend_url: Option<String>,
    listen: SocketAddr,
    public_url: Option<String>,
) -> Result<Target, TargetError> {
    let secret_key = vars("STRIPE_SECRET_KEY")
        .filter(|k| !k.is_empty())
        .ok_or(TargetError::MissingKey)?;
    if secret_key.starts_with("sk_live_") || secret_key.starts_with("rk_live_") {
        return Err(TargetError::LiveKey);
    }
    if !(secret_key.starts_with("sk_test_") || secret_key.starts_with("rk_test_")) {
        return Err(TargetError::NotATestKey);
    }
    let api_base = vars("STRIPE_API_BASE")
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "https://api.stripe.com".to_string());
    let backend = match backend_url {
        Some(url) => StagingBackend::Remote {
            url: url.trim_end_matches('/').to_string(),
            jwt_secret: vars("JWT_SECRET")
                .filter(|s| !s.is_empty())
                .ok_or(TargetError::MissingJwtSecret)?,
            database_url: vars("DATABASE_URL").filter(|s| !s.is_empty()),
        },
        None => {
            let webhook_secret = vars("STRIPE_WEBHOOK_SECRET").filter(|s| !s.is_empty());
            if public_url.is_none() && webhook_secret.is_none() {
                return Err(TargetError::Unreachable);
            }
            StagingBackend::Local {
                listen,
                public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
                webhook_secret,
            }
        }
    };
    Ok(Target::StripeTest(StripeTest {
        api_base,
        secret_key,
        backend,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn listen() -> SocketAddr {
        "127.0.0.1:8080".parse().unwrap()
    }

    #[test]
    fn a_live_key_is_refused_and_a_test_key_accepted() {
        let live = vars(&[
            ("STRIPE_SECRET_KEY", "sk_live_x"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
        ]);
        assert_eq!(
            stripe_test_from_env(&live, None, listen(), None).unwrap_err(),
            TargetError::LiveKey
        );
        let test = vars(&[
            ("STRIPE_SECRET_KEY", "sk_test_x"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_x"),
        ]);
        let target = stripe_test_from_env(&test, None, listen(), None).unwrap();
        let Target::StripeTest(settings) = target else {
            panic!("not stripe-test")
        };
        assert_eq!(settings.api_base, "https://api.stripe.com");
    }

    #[test]
    fn a_local_backend_needs_a_way_for_stripe_to_reach_it() {
        let no_route = vars(&[("STRIPE_SECRET_KEY", "sk_test_x")]);
        assert_eq!(
            stripe_test_from_env(&no_route, None, listen(), None).unwrap_err(),
            TargetError::Unreachable
        );
        assert!(
            stripe_test_from_env(
                &no_route,
                None,
                listen(),
                Some("https://tunnel.example".into())
            )
            .is_ok()
        );
        assert_eq!(
            stripe_test_from_env(
                &no_route,
                Some("https://staging.example".into()),
                listen(),
                None
            )
            .unwrap_err(),
            TargetError::MissingJwtSecret
        );
    }

    #[test]
    fn stripe_test_runs_smoke_scenarios_only() {
        let target = Target::StripeTest(StripeTest {
            api_base: "http://127.0.0.1:1".into(),
            secret_key: "sk_test_x".into(),
            backend: StagingBackend::Local {
                listen: listen(),
                public_url: None,
                webhook_secret: Some("whsec_x".into()),
            },
        });
        let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(target.runs(&tags(&["checklist-6.1", "smoke"])).is_ok());
        assert_eq!(
            target.runs(&tags(&["smoke", "sim-only"])),
            Err(TargetError::NeedsSimulator)
        );
        assert_eq!(
            target.runs(&tags(&["checklist-6.1"])),
            Err(TargetError::NotSmoke)
        );
        assert!(Target::Simulator.runs(&tags(&["sim-only"])).is_ok());
    }
}
