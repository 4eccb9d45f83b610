//! `admin_actions`: who did what on a dispute or an early fraud warning, and when.

use serde_json::Value;
use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

/// One recorded action.
#[derive(Debug, Clone, FromRow)]
pub struct ActionRow {
    /// The admin's e-mail.
    pub actor_email: String,
    /// `refund`, `ignore`, `stage_evidence`, `submit_evidence`, `close`.
    pub action: String,
    /// Free text from the admin.
    pub notes: Option<String>,
    /// Extra facts (refund id, evidence fields).
    pub details: Value,
    /// When.
    pub created_at: OffsetDateTime,
}

/// Records an action.
pub async fn record(
    db: impl PgExecutor<'_>,
    subject_type: &str,
    subject_id: &str,
    actor_email: &str,
    action: &str,
    notes: Option<&str>,
    details: &Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO admin_actions (subject_type, subject_id, actor_email, action, notes, details)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(subject_type)
    .bind(subject_id)
    .bind(actor_email)
    .bind(action)
    .bind(notes)
    .bind(details)
    .execute(db)
    .await?;
    Ok(())
}

/// The history of one subject, oldest first.
pub async fn history(
    db: impl PgExecutor<'_>,
    subject_type: &str,
    subject_id: &str,
) -> Result<Vec<ActionRow>, sqlx::Error> {
    sqlx::query_as::<_, ActionRow>(
        "SELECT actor_email, action, notes, details, created_at FROM admin_actions
         WHERE subject_type = $1 AND subject_id = $2 ORDER BY created_at, id",
    )
    .bind(subject_type)
    .bind(subject_id)
    .fetch_all(db)
    .await
}
