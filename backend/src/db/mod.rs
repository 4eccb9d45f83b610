//! PostgreSQL: connection pool, embedded migrations (with the plan seed), and small storage
//! functions per table ([`plans`], [`subscriptions`], [`events`], [`disputes`], [`fraud`],
//! [`actions`]; [`payload`] is a subscription event's whole transaction in one call). Queries
//! are checked at run time, so building needs no database.

pub mod actions;
pub mod disputes;
pub mod events;
pub mod fraud;
pub mod payload;
pub mod plans;
pub mod subscriptions;

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// The embedded migrations of `backend/migrations`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connecting or migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Could not connect.
    #[error("connecting to the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// A migration failed.
    #[error("running migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A pooled connection idle for longer than this is checked (one round trip) before it is
/// handed out; one back from a request moments ago is not, as it just worked.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// Opens a connection pool of at most `max_connections`. Only connections that sat idle are
/// pinged before use (sqlx pings every one by default: a round trip per transaction); a
/// connection that broke in between fails its query, is dropped by the pool, and the request
/// answers 500 (a webhook is then retried by Stripe).
pub async fn connect(database_url: &str, max_connections: u32) -> Result<PgPool, DbError> {
    PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_WHEN_IDLE_FOR {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .acquire_timeout(Duration::from_secs(10))
        .idle_timeout(Duration::from_secs(60))
        .connect(database_url)
        .await
        .map_err(DbError::Connect)
}

/// Applies pending migrations (idempotent; concurrent runs serialise on sqlx's lock).
pub async fn run_migrations(pool: &PgPool) -> Result<(), DbError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}
