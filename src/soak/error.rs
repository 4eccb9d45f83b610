//! [`SoakError`]: why a soak could not run to the comparison — each one names what the soak
//! was doing and what answered (a difference between the runs is no error: the report lists
//! it).

use serde_json::Value;
use stripe_sim::client::ApiError;

use super::backend::BackendError;
use crate::steps::database::DatabaseError;

/// Why the soak stopped.
#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    /// No database for the runs.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// A socket or the simulator could not be set up.
    #[error("{doing}: {source}")]
    Io {
        /// What the soak was doing.
        doing: &'static str,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(#[source] reqwest::Error),
    /// A call to Stripe's API or the simulator's control plane failed.
    #[error("{doing}: {source}")]
    Stripe {
        /// What the soak was doing (`setting delivery mode duplicated`, `soak_7 paying cs_…`).
        doing: String,
        /// What was answered.
        #[source]
        source: ApiError,
    },
    /// The backend's deployment variables were refused.
    #[error("the backend's configuration is invalid:\n{0}")]
    Config(#[source] billing::ConfigError),
    /// The backend could not be started or restarted.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// Reading the backend's database failed.
    #[error("{doing}: {source}")]
    Sql {
        /// What the soak was reading.
        doing: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The backend refused a call for good (a 4xx the call does not wait out).
    #[error("{path} answered {status}: {body}")]
    Refused {
        /// The backend route.
        path: String,
        /// Its HTTP status.
        status: u16,
        /// Its answer.
        body: Value,
    },
    /// The backend stayed down, or kept answering 5xx, past the call's deadline.
    #[error("{path} never answered: {seen}")]
    NoAnswer {
        /// The backend route.
        path: String,
        /// The last thing seen (a status and body, or the connection error).
        seen: String,
    },
    /// The backend never recorded a user's dispute or fraud warning.
    #[error("{user} never reached {table}")]
    NotRecorded {
        /// Our user id.
        user: String,
        /// `disputes` or `fraud_warnings`.
        table: String,
    },
    /// Stripe still owed deliveries at the deadline.
    #[error("Stripe still owes deliveries: {0}")]
    StillOwed(Value),
}

impl SoakError {
    /// For `map_err`: a failed Stripe or control-plane call while `doing`.
    pub(super) fn stripe(doing: impl Into<String>) -> impl FnOnce(ApiError) -> SoakError {
        let doing = doing.into();
        move |source| SoakError::Stripe { doing, source }
    }

    /// For `map_err`: a failed socket or start-up step.
    pub(super) fn io(doing: &'static str) -> impl FnOnce(std::io::Error) -> SoakError {
        move |source| SoakError::Io { doing, source }
    }

    /// For `map_err`: a failed read of the backend's database while `doing`.
    pub(super) fn sql(doing: impl Into<String>) -> impl FnOnce(sqlx::Error) -> SoakError {
        let doing = doing.into();
        move |source| SoakError::Sql { doing, source }
    }
}
