//! The short way for a `customer.subscription.*` event: when its payload can be written as it
//! is — the subscription names its user (`metadata.user_id`), has not ended (an ended one may
//! have to yield to the user's newer subscription, which needs the user's row), and its price
//! is one we sell — the whole transaction is one database call
//! ([`crate::db::payload::apply_subscription_payload`]). It decides as
//! [`super::apply::apply_event`] does: newer than the row → the payload is written, older →
//! `ignored:stale`, a copy of a processed event → duplicate. An event of the same second as the
//! row, or one that needs anything else, is left to the long way, which does the rest.

use sqlx::PgPool;

use super::apply::{HandlerError, WebhookContext, state_of, unix};
use super::outcome::{IgnoredReason, Outcome, Processed, Verdict};
use super::status::is_terminal;
use crate::db::payload::{LedgerEntry, PayloadVerdict, apply_subscription_payload};
use crate::stripe::types::{Event, Subscription};

/// Processes `event` (about `sub`, as its payload states it) in one call, if it can be; `None`
/// when it must go the long way (nothing was written then).
pub(crate) async fn apply_newer_payload(
    pool: &PgPool,
    ctx: &WebhookContext,
    event: &Event,
    sub: &Subscription,
) -> Result<Option<Processed>, HandlerError> {
    let Some(created) = unix(event.created) else {
        return Ok(None);
    };
    let Some(user_id) = sub.metadata.get("user_id").filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    if is_terminal(&sub.status) {
        return Ok(None);
    }
    let Ok(state) = state_of(ctx, event, sub, user_id.clone()) else {
        return Ok(None);
    };
    let entry = LedgerEntry {
        event_id: &event.id,
        kind: &event.kind,
        created,
        livemode: event.livemode,
    };
    let outcome = |verdict, user_id| Outcome {
        verdict,
        user_id,
        customer_id: sub.customer.clone(),
        subscription_id: Some(sub.id.clone()),
        object_id: None,
        charge_id: None,
    };
    Ok(
        match apply_subscription_payload(pool, entry, &state).await? {
            PayloadVerdict::Applied => Some(Processed::Applied(outcome(
                Verdict::Applied,
                Some(state.user_id),
            ))),
            PayloadVerdict::Stale => Some(Processed::Applied(outcome(
                Verdict::Ignored(IgnoredReason::Stale),
                None,
            ))),
            PayloadVerdict::Duplicate => Some(Processed::Duplicate),
            PayloadVerdict::SameSecond => None,
        },
    )
}
