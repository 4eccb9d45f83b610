//! `user_subscriptions`: one row per user holding the Stripe customer and subscription ids and
//! the entitlement state copied from Stripe. Rows are matched by user id or Stripe ids, never
//! by e-mail.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::entitlement::SubscriptionStatus;
use crate::plans::{BillingCycle, Tier};

/// A user's subscription joined with its plan.
#[derive(Debug, Clone, FromRow)]
pub struct SubscriptionRow {
    /// Our user id.
    pub user_id: String,
    /// Plan name (`BASIC`).
    pub plan_name: String,
    /// Plan tier (`basic`).
    pub plan_tier: String,
    /// `monthly` / `yearly`.
    pub billing_cycle: Option<String>,
    /// `ACTIVE`, `PAST_DUE`, … or NULL for a user who never subscribed.
    pub status: Option<String>,
    /// Entitled to the paid plan.
    pub is_active: bool,
    /// Ends at period end.
    pub cancel_at_period_end: bool,
    /// Period start from Stripe.
    pub current_period_start: Option<OffsetDateTime>,
    /// Period end from Stripe.
    pub current_period_end: Option<OffsetDateTime>,
    /// `cus_…`.
    pub stripe_customer_id: Option<String>,
    /// `sub_…`.
    pub stripe_subscription_id: Option<String>,
}

/// The row of `user_id`, if any.
pub async fn get_by_user(
    db: impl PgExecutor<'_>,
    user_id: &str,
) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    sqlx::query_as::<_, SubscriptionRow>(
        "SELECT s.user_id, p.name AS plan_name, p.tier AS plan_tier, s.billing_cycle,
            s.status, s.is_active, s.cancel_at_period_end, s.current_period_start,
            s.current_period_end, s.stripe_customer_id, s.stripe_subscription_id
         FROM user_subscriptions s JOIN subscription_plans p ON p.id = s.plan_id
         WHERE s.user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Stores `customer_id` as the user's Stripe customer unless one is stored already, creating a
/// FREE row if the user has none. Returns the customer id now stored (the earlier one wins, so
/// concurrent first checkouts converge on one customer).
pub async fn ensure_customer(
    db: impl PgExecutor<'_>,
    user_id: &str,
    email: Option<&str>,
    customer_id: &str,
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar::<_, String>(
        "INSERT INTO user_subscriptions (user_id, email, plan_id, stripe_customer_id)
         VALUES ($1, $2, (SELECT id FROM subscription_plans WHERE tier = 'free'), $3)
         ON CONFLICT (user_id) DO UPDATE
         SET stripe_customer_id = COALESCE(user_subscriptions.stripe_customer_id, EXCLUDED.stripe_customer_id),
             email = COALESCE(EXCLUDED.email, user_subscriptions.email),
             updated_at = now()
         RETURNING stripe_customer_id",
    )
    .bind(user_id)
    .bind(email)
    .bind(customer_id)
    .fetch_one(db)
    .await
}

/// The user linked to a Stripe subscription or, failing that, to a Stripe customer.
pub async fn find_user_by_stripe_ids(
    conn: &mut PgConnection,
    subscription_id: &str,
    customer_id: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    let by_sub = sqlx::query_scalar::<_, String>(
        "SELECT user_id FROM user_subscriptions WHERE stripe_subscription_id = $1",
    )
    .bind(subscription_id)
    .fetch_optional(&mut *conn)
    .await?;
    if by_sub.is_some() {
        return Ok(by_sub);
    }
    match customer_id {
        Some(c) => {
            sqlx::query_scalar::<_, String>(
                "SELECT user_id FROM user_subscriptions WHERE stripe_customer_id = $1",
            )
            .bind(c)
            .fetch_optional(&mut *conn)
            .await
        }
        None => Ok(None),
    }
}

/// The state of a user's subscription as Stripe reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionState {
    /// Our user id.
    pub user_id: String,
    /// The plan the subscription's price stands for.
    pub tier: Tier,
    /// Its cycle.
    pub cycle: BillingCycle,
    /// Our status (stored upper-case, `ACTIVE`, …; it says whether the user is entitled).
    pub status: SubscriptionStatus,
    /// Ends at period end.
    pub cancel_at_period_end: bool,
    /// Period start from Stripe.
    pub period_start: Option<OffsetDateTime>,
    /// Period end from Stripe.
    pub period_end: Option<OffsetDateTime>,
    /// `cus_…`.
    pub customer_id: Option<String>,
    /// `sub_…`.
    pub subscription_id: String,
    /// `price_…`.
    pub price_id: String,
    /// The event's `created`.
    pub event_at: Option<OffsetDateTime>,
}

/// The upsert of a user's row from a [`SubscriptionState`] (parameters `$1`–`$12`, bound by
/// [`bind_state`]); a macro so that [`apply_state_recording_invoice`] can embed the same text.
macro_rules! apply_state_sql {
    () => {
        "INSERT INTO user_subscriptions (user_id, plan_id, billing_cycle, status, is_active,
             cancel_at_period_end, current_period_start, current_period_end, stripe_customer_id,
             stripe_subscription_id, stripe_price_id, last_stripe_event_at)
         VALUES ($1, (SELECT id FROM subscription_plans WHERE tier = $2), $3, $4, $5, $6, $7, $8,
                 $9, $10, $11, $12)
         ON CONFLICT (user_id) DO UPDATE SET
             plan_id = EXCLUDED.plan_id,
             billing_cycle = EXCLUDED.billing_cycle,
             status = EXCLUDED.status,
             is_active = EXCLUDED.is_active,
             cancel_at_period_end = EXCLUDED.cancel_at_period_end,
             current_period_start = EXCLUDED.current_period_start,
             current_period_end = EXCLUDED.current_period_end,
             stripe_customer_id = COALESCE(EXCLUDED.stripe_customer_id, user_subscriptions.stripe_customer_id),
             stripe_subscription_id = EXCLUDED.stripe_subscription_id,
             stripe_price_id = EXCLUDED.stripe_price_id,
             last_stripe_event_at = GREATEST(user_subscriptions.last_stripe_event_at, EXCLUDED.last_stripe_event_at),
             updated_at = now()"
    };
}

/// The insert of a paid invoice, once per invoice, with its parameters numbered from `$1`
/// (`record_invoice_sql!(1)`) or, after a state's twelve, from `$13`; bound by
/// [`bind_invoice`].
macro_rules! record_invoice_sql {
    (1) => {
        record_invoice_sql!("$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9")
    };
    (13) => {
        record_invoice_sql!(
            "$13", "$14", "$15", "$16", "$17", "$18", "$19", "$20", "$21"
        )
    };
    ($a:literal, $b:literal, $c:literal, $d:literal, $e:literal, $f:literal, $g:literal,
     $h:literal, $i:literal) => {
        concat!(
            "INSERT INTO subscription_renewal_history (user_id, stripe_subscription_id,
                 stripe_invoice_id, billing_reason, amount_paid, currency, period_start,
                 period_end, stripe_event_id)
             VALUES (",
            $a,
            ", ",
            $b,
            ", ",
            $c,
            ", ",
            $d,
            ", ",
            $e,
            ", ",
            $f,
            ", ",
            $g,
            ", ",
            $h,
            ", ",
            $i,
            ")
             ON CONFLICT (stripe_invoice_id) DO NOTHING"
        )
    };
}

/// A PostgreSQL query being bound.
pub(super) type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds `state` as the twelve parameters of `apply_state_sql!`.
fn bind_state<'q>(query: PgQuery<'q>, state: &'q SubscriptionState) -> PgQuery<'q> {
    bind_state_fields(query, state).bind(state.event_at)
}

/// Binds `state`'s fields but `event_at`, in the order both `apply_state_sql!` and the
/// one-call payload function take them.
pub(super) fn bind_state_fields<'q>(
    query: PgQuery<'q>,
    state: &'q SubscriptionState,
) -> PgQuery<'q> {
    query
        .bind(&state.user_id)
        .bind(state.tier.as_str())
        .bind(state.cycle.as_str())
        .bind(state.status.as_str())
        .bind(state.status.entitles())
        .bind(state.cancel_at_period_end)
        .bind(state.period_start)
        .bind(state.period_end)
        .bind(state.customer_id.as_deref())
        .bind(&state.subscription_id)
        .bind(&state.price_id)
}

/// Binds `inv` as the nine parameters of `record_invoice_sql!`.
fn bind_invoice<'q>(query: PgQuery<'q>, inv: &PaidInvoice<'q>) -> PgQuery<'q> {
    query
        .bind(inv.user_id)
        .bind(inv.subscription_id)
        .bind(inv.invoice_id)
        .bind(inv.billing_reason)
        .bind(inv.amount_paid)
        .bind(inv.currency)
        .bind(inv.period_start)
        .bind(inv.period_end)
        .bind(inv.event_id)
}

/// Writes `state` to the user's row (creating it if needed).
pub async fn apply_state(
    conn: &mut PgConnection,
    state: &SubscriptionState,
) -> Result<(), sqlx::Error> {
    bind_state(sqlx::query(apply_state_sql!()), state)
        .execute(conn)
        .await?;
    Ok(())
}

/// [`apply_state`] and [`record_paid_invoice`] in one statement (one round trip): the two
/// write different tables and neither reads what the other writes.
pub async fn apply_state_recording_invoice(
    conn: &mut PgConnection,
    state: &SubscriptionState,
    inv: &PaidInvoice<'_>,
) -> Result<(), sqlx::Error> {
    let query = sqlx::query(concat!(
        "WITH state AS (",
        apply_state_sql!(),
        ") ",
        record_invoice_sql!(13)
    ));
    bind_invoice(bind_state(query, state), inv)
        .execute(conn)
        .await?;
    Ok(())
}

/// A paid subscription invoice, for `subscription_renewal_history`.
#[derive(Debug, Clone)]
pub struct PaidInvoice<'a> {
    /// Our user id.
    pub user_id: &'a str,
    /// `sub_…`.
    pub subscription_id: &'a str,
    /// `in_…`.
    pub invoice_id: &'a str,
    /// `subscription_create`, `subscription_cycle`, …
    pub billing_reason: Option<&'a str>,
    /// Amount paid, minor units.
    pub amount_paid: Option<i64>,
    /// Currency.
    pub currency: Option<&'a str>,
    /// Invoice period start.
    pub period_start: Option<OffsetDateTime>,
    /// Invoice period end.
    pub period_end: Option<OffsetDateTime>,
    /// The event that reported it.
    pub event_id: &'a str,
}

/// Records a paid invoice once (`invoice.paid` and `invoice.payment_succeeded` both report it).
pub async fn record_paid_invoice(
    conn: &mut PgConnection,
    inv: &PaidInvoice<'_>,
) -> Result<(), sqlx::Error> {
    bind_invoice(sqlx::query(record_invoice_sql!(1)), inv)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user whose stored Stripe customer is `customer_id`.
pub async fn user_by_customer(
    db: impl PgExecutor<'_>,
    customer_id: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar::<_, String>(
        "SELECT user_id FROM user_subscriptions WHERE stripe_customer_id = $1",
    )
    .bind(customer_id)
    .fetch_optional(db)
    .await
}

/// A subscriber as the ops dashboard shows them: the subscription row with the e-mail.
#[derive(Debug, Clone, FromRow)]
pub struct SubscriberRow {
    /// The subscription.
    #[sqlx(flatten)]
    pub subscription: SubscriptionRow,
    /// The e-mail the user had when they last checked out.
    pub email: Option<String>,
    /// When the row last changed.
    pub updated_at: OffsetDateTime,
}

/// Subscribers matching `query` exactly — a user id, an e-mail (any case), a Stripe customer
/// or subscription id — or, without a query, the most recently changed; at most `limit`.
pub async fn search(
    db: impl PgExecutor<'_>,
    query: Option<&str>,
    limit: i64,
) -> Result<Vec<SubscriberRow>, sqlx::Error> {
    sqlx::query_as::<_, SubscriberRow>(
        "SELECT s.user_id, p.name AS plan_name, p.tier AS plan_tier, s.billing_cycle,
            s.status, s.is_active, s.cancel_at_period_end, s.current_period_start,
            s.current_period_end, s.stripe_customer_id, s.stripe_subscription_id,
            s.email, s.updated_at
         FROM user_subscriptions s JOIN subscription_plans p ON p.id = s.plan_id
         WHERE $1::text IS NULL OR s.user_id = $1 OR lower(s.email) = lower($1)
            OR s.stripe_customer_id = $1 OR s.stripe_subscription_id = $1
         ORDER BY s.updated_at DESC, s.id DESC
         LIMIT $2",
    )
    .bind(query)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The user's last Checkout attempt, read with the user's row locked: the attempt number, the
/// session it produced and that session's parameter fingerprint.
#[derive(Debug, Clone, Default, FromRow)]
pub struct CheckoutAttempt {
    /// How many attempts were started (the number in the idempotency key).
    pub checkout_attempt: i64,
    /// `cs_…` of the last attempt.
    pub last_checkout_session_id: Option<String>,
    /// A hash of the last attempt's customer, price and URLs.
    pub last_checkout_fingerprint: Option<String>,
}

/// Locks the user's row (created by [`ensure_customer`]) and reads their last attempt.
pub async fn lock_checkout_attempt(
    conn: &mut PgConnection,
    user_id: &str,
) -> Result<Option<CheckoutAttempt>, sqlx::Error> {
    sqlx::query_as::<_, CheckoutAttempt>(
        "SELECT checkout_attempt, last_checkout_session_id, last_checkout_fingerprint
         FROM user_subscriptions WHERE user_id = $1 FOR UPDATE",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// Records the attempt `attempt` and the session it produced.
pub async fn record_checkout_attempt(
    conn: &mut PgConnection,
    user_id: &str,
    attempt: i64,
    session_id: &str,
    fingerprint: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE user_subscriptions SET checkout_attempt = $2, last_checkout_session_id = $3,
             last_checkout_fingerprint = $4, updated_at = now()
         WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(attempt)
    .bind(session_id)
    .bind(fingerprint)
    .execute(conn)
    .await?;
    Ok(())
}
