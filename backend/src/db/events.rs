//! `stripe_events`: the webhook idempotency ledger. A row is created and locked inside the
//! processing transaction (so concurrent duplicates serialise), marked `processed` in that same
//! transaction, or — after a rollback — marked `failed` by a separate statement.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

/// Ledger status.
pub const PROCESSING: &str = "processing";
/// Ledger status: applied and committed.
pub const PROCESSED: &str = "processed";
/// Ledger status: the handler failed; Stripe will retry.
pub const FAILED: &str = "failed";
/// Ledger status: the event can never apply; answered 2xx so Stripe stops retrying.
pub const UNPROCESSABLE: &str = "unprocessable";

/// A ledger row.
#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    /// `evt_…`.
    pub event_id: String,
    /// Event type.
    pub r#type: String,
    /// `processing`, `processed` or `failed`.
    pub status: String,
    /// How many times processing was attempted.
    pub attempts: i32,
    /// The last failure.
    pub last_error: Option<String>,
}

/// Inserts the ledger row if absent, then locks it (`FOR UPDATE`) for this transaction. A
/// concurrent delivery of the same event blocks here until the first one commits or rolls back.
pub async fn insert_and_lock(
    conn: &mut PgConnection,
    event_id: &str,
    kind: &str,
    created: Option<OffsetDateTime>,
    livemode: bool,
) -> Result<EventRow, sqlx::Error> {
    // One round trip: the upsert inserts the row or, on conflict, locks the existing one
    // (waiting for a concurrent inserter to commit or roll back) and returns its current state.
    sqlx::query_as::<_, EventRow>(
        "INSERT INTO stripe_events (event_id, type, status, attempts, event_created_at, livemode)
         VALUES ($1, $2, 'processing', 0, $3, $4)
         ON CONFLICT (event_id) DO UPDATE SET updated_at = stripe_events.updated_at
         RETURNING event_id, type, status, attempts, last_error",
    )
    .bind(event_id)
    .bind(kind)
    .bind(created)
    .bind(livemode)
    .fetch_one(&mut *conn)
    .await
}

/// Marks the event processed (inside the processing transaction).
pub async fn mark_processed(
    conn: &mut PgConnection,
    event_id: &str,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE stripe_events
         SET status = 'processed', processed_at = now(), updated_at = now(),
             attempts = attempts + 1, last_error = NULL, outcome = $2
         WHERE event_id = $1",
    )
    .bind(event_id)
    .bind(outcome)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt after the processing transaction rolled back (never marks it
/// processed). Creates the row if the rollback removed it.
pub async fn record_failure(
    db: impl PgExecutor<'_>,
    event_id: &str,
    kind: &str,
    created: Option<OffsetDateTime>,
    livemode: bool,
    error: &str,
) -> Result<(), sqlx::Error> {
    record_unapplied(db, "failed", event_id, kind, created, livemode, error).await
}

/// Records that the event can never apply (after the processing transaction rolled back): the
/// status `unprocessable`, the reason, one more attempt. A later delivery is tried again (a
/// fixed price mapping may make it apply).
pub async fn record_unprocessable(
    db: impl PgExecutor<'_>,
    event_id: &str,
    kind: &str,
    created: Option<OffsetDateTime>,
    livemode: bool,
    error: &str,
) -> Result<(), sqlx::Error> {
    record_unapplied(
        db,
        "unprocessable",
        event_id,
        kind,
        created,
        livemode,
        error,
    )
    .await
}

/// One more attempt that did not apply, with `status` and the reason; a processed row is left
/// as it is.
async fn record_unapplied(
    db: impl PgExecutor<'_>,
    status: &str,
    event_id: &str,
    kind: &str,
    created: Option<OffsetDateTime>,
    livemode: bool,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO stripe_events (event_id, type, status, attempts, last_error, event_created_at, livemode)
         VALUES ($1, $2, $6, 1, $5, $3, $4)
         ON CONFLICT (event_id) DO UPDATE
         SET status = EXCLUDED.status, attempts = stripe_events.attempts + 1,
             last_error = EXCLUDED.last_error, updated_at = now()
         WHERE stripe_events.status <> 'processed'",
    )
    .bind(event_id)
    .bind(kind)
    .bind(created)
    .bind(livemode)
    .bind(error)
    .bind(status)
    .execute(db)
    .await?;
    Ok(())
}

/// Reads a ledger row.
pub async fn get(db: impl PgExecutor<'_>, event_id: &str) -> Result<Option<EventRow>, sqlx::Error> {
    sqlx::query_as::<_, EventRow>(
        "SELECT event_id, type, status, attempts, last_error FROM stripe_events WHERE event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(db)
    .await
}
