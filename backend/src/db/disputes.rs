//! `disputes`: local records of Stripe disputes, kept in sync from `charge.dispute.*` events
//! and from admin actions (evidence, close).

use serde_json::Value;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::stripe::types::Dispute;

/// A dispute as stored.
#[derive(Debug, Clone, FromRow)]
pub struct DisputeRow {
    /// `dp_…`.
    pub id: String,
    /// `ch_…`.
    pub charge_id: String,
    /// `pi_…`.
    pub payment_intent_id: Option<String>,
    /// Our user, via charge → customer.
    pub user_id: Option<String>,
    /// Amount disputed.
    pub amount: Option<i64>,
    /// Currency.
    pub currency: Option<String>,
    /// Stripe's reason.
    pub reason: Option<String>,
    /// Stripe's status.
    pub status: String,
    /// Evidence as last staged or submitted through us (and as Stripe reports it).
    pub evidence_staged: Value,
    /// Whether evidence was submitted.
    pub evidence_submitted: bool,
    /// Stripe's submission count.
    pub submission_count: i32,
    /// Evidence deadline.
    pub due_by: Option<OffsetDateTime>,
    /// Stripe's creation time.
    pub stripe_created_at: Option<OffsetDateTime>,
    /// When we last changed the row.
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, charge_id, payment_intent_id, user_id, amount, currency, reason, status,
    evidence_staged, evidence_submitted, submission_count, due_by, stripe_created_at, updated_at";

/// Non-null evidence fields of a Stripe dispute, as a JSON object.
pub fn evidence_of(d: &Dispute) -> Value {
    match &d.evidence {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, v)| !v.is_null() && !k.starts_with("enhanced"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        _ => Value::Object(Default::default()),
    }
}

/// Writes Stripe's current state of `d` (fetched, so always the latest) with the linked user.
pub async fn upsert(
    conn: &mut PgConnection,
    d: &Dispute,
    raw: &Value,
    user_id: Option<&str>,
    event_at: Option<OffsetDateTime>,
) -> Result<(), sqlx::Error> {
    let due_by = d
        .evidence_details
        .due_by
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    let created = d
        .created
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    sqlx::query(
        "INSERT INTO disputes (id, charge_id, payment_intent_id, user_id, amount, currency, reason,
             status, evidence_staged, evidence_submitted, submission_count, due_by, raw,
             stripe_created_at, last_stripe_event_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, COALESCE($14, now()), $15)
         ON CONFLICT (id) DO UPDATE SET
             payment_intent_id = COALESCE(EXCLUDED.payment_intent_id, disputes.payment_intent_id),
             user_id = COALESCE(EXCLUDED.user_id, disputes.user_id),
             amount = EXCLUDED.amount, currency = EXCLUDED.currency, reason = EXCLUDED.reason,
             status = EXCLUDED.status,
             evidence_staged = EXCLUDED.evidence_staged,
             evidence_submitted = disputes.evidence_submitted OR EXCLUDED.evidence_submitted,
             submission_count = GREATEST(disputes.submission_count, EXCLUDED.submission_count),
             due_by = EXCLUDED.due_by, raw = EXCLUDED.raw,
             last_stripe_event_at = GREATEST(disputes.last_stripe_event_at, EXCLUDED.last_stripe_event_at),
             updated_at = now()",
    )
    .bind(&d.id)
    .bind(d.charge.as_deref().unwrap_or(""))
    .bind(d.payment_intent.as_deref())
    .bind(user_id)
    .bind(d.amount)
    .bind(d.currency.as_deref())
    .bind(d.reason.as_deref())
    .bind(&d.status)
    .bind(evidence_of(d))
    .bind(d.evidence_details.submission_count > 0)
    .bind(d.evidence_details.submission_count as i32)
    .bind(due_by)
    .bind(raw)
    .bind(created)
    .bind(event_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One dispute.
pub async fn get(db: impl PgExecutor<'_>, id: &str) -> Result<Option<DisputeRow>, sqlx::Error> {
    sqlx::query_as::<_, DisputeRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM disputes WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// A page of disputes, newest first, after the dispute `starting_after` (a cursor).
pub async fn list(
    db: impl PgExecutor<'_>,
    starting_after: Option<&str>,
    limit: i64,
) -> Result<Vec<DisputeRow>, sqlx::Error> {
    sqlx::query_as::<_, DisputeRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM disputes
         WHERE $1::text IS NULL
            OR (stripe_created_at, id) < (SELECT stripe_created_at, id FROM disputes WHERE id = $1)
         ORDER BY stripe_created_at DESC, id DESC LIMIT $2"
    )))
    .bind(starting_after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Whether a dispute id exists locally.
pub async fn exists(db: impl PgExecutor<'_>, id: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM disputes WHERE id = $1)")
        .bind(id)
        .fetch_one(db)
        .await
}

/// One dispute, locked for this transaction (admin actions serialise on it).
pub async fn lock(conn: &mut PgConnection, id: &str) -> Result<Option<DisputeRow>, sqlx::Error> {
    sqlx::query_as::<_, DisputeRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM disputes WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The next number in the dispute's sequence of admin actions (call with the row locked; a
/// rolled-back action gives its number back, so a retry of it reuses its idempotency key).
pub async fn next_action_seq(conn: &mut PgConnection, id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "UPDATE disputes SET action_seq = action_seq + 1 WHERE id = $1 RETURNING action_seq",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}
