//! `stripe_events`: the webhook idempotency ledger. A row is written `processed` and locked at
//! the start of the processing transaction (so concurrent duplicates serialise, and it counts
//! only once that transaction commits), or — after a rollback — marked `failed` or
//! `unprocessable` by a separate statement.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

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
    /// `processed`, `failed` or `unprocessable`.
    pub status: String,
    /// How many times processing was attempted.
    pub attempts: i32,
    /// The last failure.
    pub last_error: Option<String>,
}

/// The outcome [`claim`] writes: the one almost every event ends with. An event that ends
/// otherwise corrects it with [`set_outcome`] before its transaction commits.
pub const APPLIED: &str = "applied";

/// Takes the transaction-scoped advisory lock of the Stripe object the event is about
/// (`lock_key`: `sub_…`, `dp_…`; none for an event that applies nothing), then writes the
/// ledger row as it will read once the event has applied — `processed`, one more attempt,
/// outcome [`APPLIED`] — unless the row says `processed` already; one statement, one round
/// trip. Nobody else sees the row before the transaction commits, and a rollback removes it,
/// so the row never claims more than what committed; and the event that applies (the usual
/// case) needs no second ledger write.
///
/// Returns `false` for a duplicate: the event was processed already (its row is left as it
/// is). Every event of one object serialises on the first lock; a concurrent delivery of the
/// same event also waits there (or, without a lock key, on the row) until the first one
/// commits or rolls back, and then finds it processed.
///
/// The lock is taken first, always, so every transaction takes the two in the same order. A
/// statement that reads what an earlier lock holder wrote must be a later statement: this
/// one's snapshot may predate the wait (the ledger upsert itself sees the latest row).
pub async fn claim(
    conn: &mut PgConnection,
    event_id: &str,
    kind: &str,
    created: Option<OffsetDateTime>,
    livemode: bool,
    lock_key: Option<&str>,
) -> Result<bool, sqlx::Error> {
    // `object_lock` is one row whatever the key (an aggregate), and the insert reads from it,
    // so the lock is taken before the row is written. On conflict the upsert locks the
    // existing row (waiting for a concurrent inserter) and updates it unless it is processed;
    // a processed row is not updated, so nothing is returned.
    let claimed = sqlx::query_scalar::<_, bool>(
        "WITH object_lock AS MATERIALIZED (
             SELECT count(pg_advisory_xact_lock(hashtextextended(k.key, 0))) AS n
             FROM (SELECT $5::text AS key) k WHERE k.key IS NOT NULL
         )
         INSERT INTO stripe_events (event_id, type, status, attempts, event_created_at, livemode,
                                    outcome, processed_at)
         SELECT $1, $2, 'processed', 1, $3, $4, $6, now() FROM object_lock
         ON CONFLICT (event_id) DO UPDATE
         SET status = 'processed', attempts = stripe_events.attempts + 1, last_error = NULL,
             outcome = EXCLUDED.outcome, processed_at = now(), updated_at = now()
         WHERE stripe_events.status <> 'processed'
         RETURNING true",
    )
    .bind(event_id)
    .bind(kind)
    .bind(created)
    .bind(livemode)
    .bind(lock_key)
    .bind(APPLIED)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(claimed.is_some())
}

/// Replaces the outcome [`claim`] wrote (inside the processing transaction), for an event that
/// did not end as [`APPLIED`].
pub async fn set_outcome(
    conn: &mut PgConnection,
    event_id: &str,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE stripe_events SET outcome = $2 WHERE event_id = $1")
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
