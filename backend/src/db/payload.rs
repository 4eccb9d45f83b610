//! A `customer.subscription.*` event whose payload is written as it is, in one round trip: the
//! migration's `webhook_apply_subscription_payload` takes the subscription's advisory lock,
//! reads the row's newest event time, claims the ledger row and writes the state, in the call's
//! own transaction — what `BEGIN`, [`crate::db::events::claim`], the read,
//! [`crate::db::subscriptions::apply_state`] and `COMMIT` do as five.

use sqlx::{PgExecutor, Row};
use time::OffsetDateTime;

use super::subscriptions::{SubscriptionState, bind_state_fields};

/// What the one call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadVerdict {
    /// Strictly newer than every event applied to the row: the payload is written, the ledger
    /// says `processed`, `applied`.
    Applied,
    /// Older than an event already applied: the ledger says `processed`, `ignored:stale`.
    Stale,
    /// Processed before: nothing changed.
    Duplicate,
    /// As old as the row's newest event: nothing was written; the event must be processed
    /// the long way (its order is ambiguous, so the subscription is re-read from Stripe).
    SameSecond,
}

/// The ledger fields of the event being applied.
#[derive(Debug, Clone, Copy)]
pub struct LedgerEntry<'a> {
    /// `evt_…`.
    pub event_id: &'a str,
    /// The event type.
    pub kind: &'a str,
    /// The event's `created`, which is also the state's `last_stripe_event_at`.
    pub created: OffsetDateTime,
    /// The event's `livemode`.
    pub livemode: bool,
}

/// Applies a subscription event's own payload `state` (see the module documentation). On an
/// error nothing is written.
pub async fn apply_subscription_payload(
    db: impl PgExecutor<'_>,
    event: LedgerEntry<'_>,
    state: &SubscriptionState,
) -> Result<PayloadVerdict, sqlx::Error> {
    let query = sqlx::query(
        "SELECT webhook_apply_subscription_payload($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                                                   $12, $13, $14, $15)",
    )
    .bind(event.event_id)
    .bind(event.kind)
    .bind(event.created)
    .bind(event.livemode);
    let verdict: String = bind_state_fields(query, state)
        .fetch_one(db)
        .await?
        .try_get(0)?;
    match verdict.as_str() {
        "applied" => Ok(PayloadVerdict::Applied),
        "ignored:stale" => Ok(PayloadVerdict::Stale),
        "duplicate" => Ok(PayloadVerdict::Duplicate),
        "same_second" => Ok(PayloadVerdict::SameSecond),
        other => Err(sqlx::Error::Protocol(format!(
            "webhook_apply_subscription_payload answered {other:?}"
        ))),
    }
}
