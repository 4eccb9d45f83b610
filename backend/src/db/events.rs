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

/// Takes the transaction-scoped advisory lock of the Stripe object the event is about
/// (`lock_key`: `sub_…`, `dp_…`; none for an event that applies nothing), then inserts the
/// ledger row if absent and locks it (`FOR UPDATE`) — one statement, one round trip. Every
/// event of one object serialises on the first lock; a concurrent delivery of the same event
/// also waits there until the first one commits or rolls back, and then finds it processed.
///
/// The lock is taken first, always, so every transaction takes the two in the same order. A
/// statement that reads what an earlier lock holder wrote must be a later statement: this
/// one's snapshot may predate the wait (the ledger upsert itself sees the latest row).
pub async fn insert_and_lock(
    conn: &mut PgConnection,
    event_id: &str,
    kind: &str,
    created: Option<OffsetDateTime>,
    livemode: bool,
    lock_key: Option<&str>,
) -> Result<EventRow, sqlx::Error> {
    // `object_lock` is one row whatever the key (an aggregate), and the insert reads from it,
    // so the lock is taken before the row is written. On conflict the upsert locks the
    // existing row (waiting for a concurrent inserter) and returns its current state.
    sqlx::query_as::<_, EventRow>(
        "WITH object_lock AS MATERIALIZED (
             SELECT count(pg_advisory_xact_lock(hashtextextended(k.key, 0))) AS n
             FROM (SELECT $5::text AS key) k WHERE k.key IS NOT NULL
         )
         INSERT INTO stripe_events (event_id, type, status, attempts, event_created_at, livemode)
         SELECT $1, $2, 'processing', 0, $3, $4 FROM object_lock
         ON CONFLICT (event_id) DO UPDATE SET updated_at = stripe_events.updated_at
         RETURNING event_id, type, status, attempts, last_error",
    )
    .bind(event_id)
    .bind(kind)
    .bind(created)
    .bind(livemode)
    .bind(lock_key)
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
