//! What the backend recorded, read straight from its database for the steps' assertions (the
//! checklist's "verify in the DB console"). Read-only: steps never write the backend's tables,
//! except `Given` steps that set up history and say so.

use sqlx::{FromRow, PgPool};

/// A user's row in `user_subscriptions`, with the plan's name joined in.
#[derive(Debug, Clone, FromRow)]
pub struct SubscriptionRecord {
    /// The identity provider's user id.
    pub user_id: String,
    /// `subscription_plans.name` (`FREE`, `BASIC`, …).
    pub plan: Option<String>,
    /// `monthly` or `yearly`.
    pub billing_cycle: Option<String>,
    /// `ACTIVE`, `PAST_DUE`, …; none before any Stripe subscription exists.
    pub status: Option<String>,
    /// Whether the user is entitled to the paid plan.
    pub is_active: bool,
    /// Whether the subscription ends at the period's end.
    pub cancel_at_period_end: bool,
    /// `cus_…`.
    pub stripe_customer_id: Option<String>,
    /// `sub_…`.
    pub stripe_subscription_id: Option<String>,
    /// Period start, Unix seconds.
    pub period_start: Option<i64>,
    /// Period end, Unix seconds.
    pub period_end: Option<i64>,
}

/// A row of the `stripe_events` idempotency ledger.
#[derive(Debug, Clone, FromRow)]
pub struct LedgerEntry {
    /// `evt_…`.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// `processed`, `failed`, …
    pub status: String,
    /// The handler's error, for failed events.
    pub last_error: Option<String>,
}

/// The `user_subscriptions` row of `user_id`, if any.
pub async fn subscription_of(
    db: &PgPool,
    user_id: &str,
) -> Result<Option<SubscriptionRecord>, sqlx::Error> {
    sqlx::query_as::<_, SubscriptionRecord>(
        "SELECT us.user_id::text AS user_id, p.name::text AS plan, us.billing_cycle::text AS billing_cycle, \
                us.status::text AS status, us.is_active, us.cancel_at_period_end, \
                us.stripe_customer_id, us.stripe_subscription_id, \
                extract(epoch FROM us.current_period_start)::bigint AS period_start, \
                extract(epoch FROM us.current_period_end)::bigint AS period_end \
         FROM user_subscriptions us LEFT JOIN subscription_plans p ON p.id = us.plan_id \
         WHERE us.user_id::text = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Every row of the ledger, oldest first.
pub async fn ledger(db: &PgPool) -> Result<Vec<LedgerEntry>, sqlx::Error> {
    sqlx::query_as::<_, LedgerEntry>(
        "SELECT event_id, type AS event_type, status::text AS status, last_error \
         FROM stripe_events ORDER BY received_at, event_id",
    )
    .fetch_all(db)
    .await
}

/// The newest dispute of any of the given users (`$1`: their ids).
pub const NEWEST_DISPUTE_OF_USERS: &str =
    "SELECT id FROM disputes WHERE user_id = ANY($1) ORDER BY created_at DESC LIMIT 1";
/// The newest early fraud warning of any of the given users (`$1`: their ids).
pub const NEWEST_FRAUD_WARNING_OF_USERS: &str =
    "SELECT id FROM fraud_warnings WHERE user_id = ANY($1) ORDER BY created_at DESC LIMIT 1";

/// Waits until `query` (one of the `NEWEST_…_OF_USERS` queries) finds a row for one of the
/// scenario's people — against a shared backend other scenarios' rows are there too — and
/// returns its id; on timeout the step fails naming `what` did not reach the backend.
pub async fn wait_for_newest_of_users(
    world: &mut crate::steps::world::Rehearsal,
    query: &'static str,
    what: &str,
) -> String {
    let users: Vec<String> = world.actors.values().map(|a| a.user_id.clone()).collect();
    let backend = world.backend().await;
    let (db, users) = (backend.db(), &users);
    crate::steps::eventually::eventually(
        crate::steps::eventually::DEFAULT_DEADLINE,
        || async move {
            let id: Option<String> = sqlx::query_scalar(query)
                .bind(users)
                .fetch_optional(db)
                .await
                .map_err(|e| format!("query failed: {e}"))?;
            id.ok_or_else(|| format!("no row yet for this scenario's users {users:?}"))
        },
    )
    .await
    .unwrap_or_else(|seen| panic!("the {what} did not reach the backend: {seen}"))
}

/// The ledger as one line per event, for a failing step's message.
pub fn describe_ledger(entries: &[LedgerEntry]) -> String {
    if entries.is_empty() {
        return "the ledger is empty".to_string();
    }
    entries
        .iter()
        .map(|e| match &e.last_error {
            Some(error) => format!("{} {} {} ({error})", e.event_id, e.event_type, e.status),
            None => format!("{} {} {}", e.event_id, e.event_type, e.status),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
