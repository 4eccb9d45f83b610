//! PostgreSQL: connection pool, embedded migrations (with the plan seed), and small storage
//! functions per table ([`plans`], [`subscriptions`], [`events`], [`disputes`], [`fraud`],
//! [`actions`]). Queries are checked at run
//! time, so building needs no database.

pub mod actions;
pub mod disputes;
pub mod events;
pub mod fraud;
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

/// The pool size when `DATABASE_MAX_CONNECTIONS` is unset: above the 16 webhook deliveries
/// the backend is benchmarked with, since each holds a connection until it commits.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 20;

/// Opens a connection pool of at most `max_connections`.
pub async fn connect(database_url: &str, max_connections: u32) -> Result<PgPool, DbError> {
    PgPoolOptions::new()
        .max_connections(max_connections.max(1))
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
