//! Typed configuration read from environment variables and validated once at start-up.
//! Every problem is collected, each naming the variable, the problem
//! and the fix, so `billing check-config` can print them all at once. Secrets are wrapped in
//! [`Secret`] and never printed beyond a short prefix.

mod load;
mod origins;
mod problems;
mod read_access;
mod read_limits;
mod read_stripe;
mod secret;
mod settings;
#[cfg(test)]
mod tests;

pub use origins::{normalize_origin, url_within_origins};
pub use problems::{ConfigError, ConfigProblem};
pub use secret::{Secret, redact};
pub use settings::{
    AdminConfig, AlertConfig, AuthConfig, Config, DEFAULT_MAX_CONNECTIONS, RateLimits,
    StripeConfig, StripeMode,
};
