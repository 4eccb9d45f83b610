//! `fraud_warnings`: local records of Radar early fraud warnings. Events update Stripe's fields
//! (fraud type, actionable, snapshot) but never the internal status: a refunded or ignored
//! warning stays so whatever Stripe sends later.

use serde_json::Value;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::stripe::types::{Charge, EarlyFraudWarning};

/// Internal status: needs a decision.
pub const OPEN: &str = "open";
/// Internal status: the charge was refunded by us.
pub const REFUNDED: &str = "refunded";
/// Internal status: an admin decided not to act.
pub const IGNORED: &str = "ignored";

/// A warning as stored.
#[derive(Debug, Clone, FromRow)]
pub struct FraudWarningRow {
    /// `issfr_…`.
    pub id: String,
    /// `ch_…`.
    pub charge_id: String,
    /// `pi_…`.
    pub payment_intent_id: Option<String>,
    /// Our user, via charge → customer.
    pub user_id: Option<String>,
    /// Charge amount.
    pub amount: Option<i64>,
    /// Currency.
    pub currency: Option<String>,
    /// The issuer's fraud type.
    pub fraud_type: Option<String>,
    /// Stripe's `actionable`.
    pub actionable: Option<bool>,
    /// `open`, `refunded` or `ignored`.
    pub status: String,
    /// The refund we created.
    pub refund_id: Option<String>,
    /// Stripe's creation time.
    pub stripe_created_at: Option<OffsetDateTime>,
    /// When we first recorded it.
    pub created_at: OffsetDateTime,
    /// When we last changed it.
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, charge_id, payment_intent_id, user_id, amount, currency, fraud_type,
    actionable, status, refund_id, stripe_created_at, created_at, updated_at";

/// Records Stripe's current state of `w`; the internal status is never touched on update.
pub async fn upsert(
    conn: &mut PgConnection,
    w: &EarlyFraudWarning,
    charge: Option<&Charge>,
    raw: &Value,
    user_id: Option<&str>,
    event_at: Option<OffsetDateTime>,
) -> Result<(), sqlx::Error> {
    let created = w
        .created
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    sqlx::query(
        "INSERT INTO fraud_warnings (id, charge_id, payment_intent_id, user_id, amount, currency,
             fraud_type, actionable, status, raw, stripe_created_at, last_stripe_event_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, COALESCE($10, now()), $11)
         ON CONFLICT (id) DO UPDATE SET
             payment_intent_id = COALESCE(EXCLUDED.payment_intent_id, fraud_warnings.payment_intent_id),
             user_id = COALESCE(EXCLUDED.user_id, fraud_warnings.user_id),
             amount = COALESCE(EXCLUDED.amount, fraud_warnings.amount),
             currency = COALESCE(EXCLUDED.currency, fraud_warnings.currency),
             fraud_type = EXCLUDED.fraud_type,
             actionable = EXCLUDED.actionable,
             raw = EXCLUDED.raw,
             last_stripe_event_at = GREATEST(fraud_warnings.last_stripe_event_at, EXCLUDED.last_stripe_event_at),
             updated_at = now()",
    )
    .bind(&w.id)
    .bind(w.charge.as_deref().unwrap_or(""))
    .bind(
        w.payment_intent
            .as_deref()
            .or(charge.and_then(|c| c.payment_intent.as_deref())),
    )
    .bind(user_id)
    .bind(charge.and_then(|c| c.amount))
    .bind(charge.and_then(|c| c.currency.as_deref()))
    .bind(w.fraud_type.as_deref())
    .bind(w.actionable)
    .bind(raw)
    .bind(created)
    .bind(event_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One warning.
pub async fn get(
    db: impl PgExecutor<'_>,
    id: &str,
) -> Result<Option<FraudWarningRow>, sqlx::Error> {
    sqlx::query_as::<_, FraudWarningRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fraud_warnings WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// One warning, locked for this transaction (admin actions serialise on it).
pub async fn lock(
    conn: &mut PgConnection,
    id: &str,
) -> Result<Option<FraudWarningRow>, sqlx::Error> {
    sqlx::query_as::<_, FraudWarningRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fraud_warnings WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Warnings with `status` (any when `None`), newest first, after cursor `starting_after`.
pub async fn list(
    db: impl PgExecutor<'_>,
    status: Option<&str>,
    starting_after: Option<&str>,
    limit: i64,
) -> Result<Vec<FraudWarningRow>, sqlx::Error> {
    sqlx::query_as::<_, FraudWarningRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fraud_warnings
         WHERE ($1::text IS NULL OR status = $1)
           AND ($2::text IS NULL OR (stripe_created_at, id) <
                (SELECT stripe_created_at, id FROM fraud_warnings WHERE id = $2))
         ORDER BY stripe_created_at DESC, id DESC LIMIT $3"
    )))
    .bind(status)
    .bind(starting_after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Marks the warning refunded with Stripe's refund id.
pub async fn mark_refunded(
    conn: &mut PgConnection,
    id: &str,
    refund_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE fraud_warnings SET status = 'refunded', refund_id = $2, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(refund_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the warning ignored — only if it is not refunded (the SQL guards it too).
pub async fn mark_ignored(conn: &mut PgConnection, id: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE fraud_warnings SET status = 'ignored', updated_at = now()
         WHERE id = $1 AND status <> 'refunded'",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}
