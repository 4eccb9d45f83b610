//! Applies one verified Stripe event inside the caller's transaction.
//!
//! Order independence: every event of one Stripe object runs under a transaction-scoped
//! advisory lock on the object's id (taken by the handler together with the ledger row), so
//! events of one subscription (dispute, warning) serialise. A `customer.subscription.*` event newer than the row writes its own payload, an
//! older one is skipped, a same-second one re-reads Stripe; invoice, checkout, dispute and
//! warning events re-read the object's *current* state from Stripe (see
//! `apply_subscription_event` for why the final row is the same for every delivery order).
//! Users are linked by `metadata.user_id` (set through `subscription_data`),
//! `client_reference_id`, or our stored Stripe ids (disputes and warnings: charge → customer) —
//! never by e-mail.

use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::db::subscriptions::{self, PaidInvoice, SubscriptionState};
use crate::db::{disputes, fraud};
use crate::entitlement::SubscriptionStatus;
use crate::stripe::StripeError;
use crate::stripe::api;
use crate::stripe::types::{Charge, Dispute, EarlyFraudWarning, Event, Invoice, Subscription};

use super::outcome::{IgnoredReason, Outcome, Verdict};
use super::status::{is_terminal, map_status};
use super::subject::Subject;

pub use crate::state::WebhookContext;

/// Why an event could not be applied (→ 500, ledger `failed`, Stripe retries).
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Fetching from Stripe failed.
    #[error("stripe: {0}")]
    Stripe(#[from] StripeError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The payload lacks what the event type must carry.
    #[error("payload: {0}")]
    Payload(String),
    /// The subscription's price is not in our mapping (configuration problem).
    #[error("price {0} is not in the plan price mapping")]
    UnknownPrice(String),
}

impl HandlerError {
    /// Whether the event can never apply, however often it is retried: Stripe does not know
    /// an object it names (404 on re-reading it), its payload lacks what its type must carry,
    /// or its price is not in our mapping. Everything else (the database, Stripe unreachable,
    /// 429 or 5xx) is transient.
    pub fn is_permanent(&self) -> bool {
        match self {
            HandlerError::Stripe(e) => e.is_not_found(),
            HandlerError::Payload(_) | HandlerError::UnknownPrice(_) => true,
            HandlerError::Database(_) => false,
        }
    }
}

/// Applies `event`, decoded as `subject`. The caller owns the transaction and the ledger, and
/// must already hold the advisory lock of [`Subject::lock_key`] in that transaction (the
/// handler takes it with the ledger row, see [`crate::db::events::claim`]).
pub async fn apply_event(
    conn: &mut PgConnection,
    ctx: &WebhookContext,
    event: &Event,
    subject: Subject,
) -> Result<Outcome, HandlerError> {
    match subject {
        Subject::Ignored(reason) => Ok(Outcome::ignored(reason)),
        Subject::Malformed(message) => Err(HandlerError::Payload(message)),
        Subject::Checkout {
            subscription_id,
            user_hint,
        } => {
            sync_subscription(
                conn,
                ctx,
                event,
                &subscription_id,
                user_hint.as_deref(),
                None,
            )
            .await
        }
        Subject::Subscription(sub) => apply_subscription_event(conn, ctx, event, *sub).await,
        Subject::Invoice {
            invoice,
            subscription_id,
        } => {
            let reported = if event.kind == "invoice.payment_failed" {
                InvoiceEvent::Failed(&invoice.id)
            } else {
                InvoiceEvent::Paid {
                    invoice: &invoice,
                    subscription_id: &subscription_id,
                }
            };
            sync_subscription(
                conn,
                ctx,
                event,
                &subscription_id,
                invoice.subscription_user_id(),
                Some(reported),
            )
            .await
        }
        Subject::Dispute(d) => sync_dispute(conn, ctx, event, *d).await,
        Subject::FraudWarning(w) => sync_fraud_warning(conn, ctx, event, *w).await,
    }
}

/// The charge and the user it belongs to (charge → customer → our stored customer id).
async fn charge_owner(
    conn: &mut PgConnection,
    ctx: &WebhookContext,
    charge_id: Option<&str>,
) -> Result<(Option<Charge>, Option<String>), HandlerError> {
    let Some(charge_id) = charge_id else {
        return Ok((None, None));
    };
    let charge = api::retrieve_charge(&ctx.stripe, charge_id).await?;
    let user = match charge.customer.as_deref() {
        Some(c) => subscriptions::user_by_customer(&mut *conn, c).await?,
        None => None,
    };
    Ok((Some(charge), user))
}

/// Writes Stripe's current state of a dispute (fetched, so any delivery order converges).
async fn sync_dispute(
    conn: &mut PgConnection,
    ctx: &WebhookContext,
    event: &Event,
    payload: Dispute,
) -> Result<Outcome, HandlerError> {
    let (dispute, raw) = match api::retrieve_dispute(&ctx.stripe, &payload.id).await {
        Ok(pair) => pair,
        Err(e) if e.is_not_found() => (payload, event.data.object.clone()),
        Err(e) => return Err(e.into()),
    };
    let (charge, user_id) = charge_owner(conn, ctx, dispute.charge.as_deref()).await?;
    disputes::upsert(
        conn,
        &dispute,
        &raw,
        user_id.as_deref(),
        unix(event.created),
    )
    .await?;
    Ok(Outcome {
        verdict: Verdict::Applied,
        user_id,
        customer_id: charge.and_then(|c| c.customer),
        subscription_id: None,
        object_id: Some(dispute.id),
        charge_id: dispute.charge,
    })
}

/// Records Stripe's current state of an early fraud warning; never changes our status.
async fn sync_fraud_warning(
    conn: &mut PgConnection,
    ctx: &WebhookContext,
    event: &Event,
    payload: EarlyFraudWarning,
) -> Result<Outcome, HandlerError> {
    let w = match api::retrieve_early_fraud_warning(&ctx.stripe, &payload.id).await {
        Ok(w) => w,
        Err(e) if e.is_not_found() => payload,
        Err(e) => return Err(e.into()),
    };
    let (charge, user_id) = charge_owner(conn, ctx, w.charge.as_deref()).await?;
    fraud::upsert(
        conn,
        &w,
        charge.as_ref(),
        &event.data.object,
        user_id.as_deref(),
        unix(event.created),
    )
    .await?;
    Ok(Outcome {
        verdict: Verdict::Applied,
        user_id,
        customer_id: charge.and_then(|c| c.customer),
        subscription_id: None,
        object_id: Some(w.id),
        charge_id: w.charge,
    })
}

/// A `customer.subscription.*` event carries the whole subscription as of `event.created`, so
/// it is applied without asking Stripe when it is strictly newer than every event applied to
/// the row; an older one is stale and skipped; one from the same second (ambiguous order)
/// fetches the current state instead. Proof of order independence: once the newest
/// subscription event (created T) is processed the row holds Stripe's latest state and
/// `last_stripe_event_at = T`; afterwards older subscription events are skipped, same-second
/// ones fetch the latest state, and invoice/checkout events always fetch — so the final row is
/// the same for every delivery order (tested over all orders of real flows).
async fn apply_subscription_event(
    conn: &mut PgConnection,
    ctx: &WebhookContext,
    event: &Event,
    sub: Subscription,
) -> Result<Outcome, HandlerError> {
    let stored: Option<Option<OffsetDateTime>> = sqlx::query_scalar(
        "SELECT last_stripe_event_at FROM user_subscriptions WHERE stripe_subscription_id = $1",
    )
    .bind(&sub.id)
    .fetch_optional(&mut *conn)
    .await?;
    let event_at = unix(event.created);
    match stored.flatten() {
        Some(at) if event_at.is_some_and(|e| e < at) => Ok(Outcome {
            customer_id: sub.customer.clone(),
            subscription_id: Some(sub.id.clone()),
            ..Outcome::ignored(IgnoredReason::Stale)
        }),
        Some(at) if event_at == Some(at) => {
            sync_subscription(conn, ctx, event, &sub.id, None, None).await
        }
        _ => write_subscription(conn, ctx, event, sub, None, None).await,
    }
}

/// What an invoice event reports about its invoice, for the subscription's write.
#[derive(Debug, Clone, Copy)]
enum InvoiceEvent<'a> {
    /// `invoice.payment_failed`: the invoice's id.
    Failed(&'a str),
    /// `invoice.paid` / `invoice.payment_succeeded`: the invoice, recorded once with the write.
    Paid {
        /// The invoice.
        invoice: &'a Invoice,
        /// Its subscription.
        subscription_id: &'a str,
    },
}

impl<'a> InvoiceEvent<'a> {
    /// The renewal record of a paid invoice for `user_id`; none for a failed one.
    fn paid_record(self, event: &'a Event, user_id: &'a str) -> Option<PaidInvoice<'a>> {
        let InvoiceEvent::Paid {
            invoice,
            subscription_id,
        } = self
        else {
            return None;
        };
        Some(PaidInvoice {
            user_id,
            subscription_id,
            invoice_id: &invoice.id,
            billing_reason: invoice.billing_reason.as_deref(),
            amount_paid: invoice.amount_paid,
            currency: invoice.currency.as_deref(),
            period_start: invoice.period_start.and_then(unix),
            period_end: invoice.period_end.and_then(unix),
            event_id: &event.id,
        })
    }
}

/// Fetches subscription `sub_id` from Stripe and writes its current state to its user's row.
/// `invoice` is what an invoice event reports: a paid invoice is recorded for the linked user
/// (even when the write itself is skipped for a newer subscription), a failed one may mean
/// `PAST_DUE`.
async fn sync_subscription(
    conn: &mut PgConnection,
    ctx: &WebhookContext,
    event: &Event,
    sub_id: &str,
    user_hint: Option<&str>,
    invoice: Option<InvoiceEvent<'_>>,
) -> Result<Outcome, HandlerError> {
    let sub = match api::retrieve_subscription(&ctx.stripe, sub_id).await {
        Ok(sub) => sub,
        // A deleted subscription that Stripe no longer serves: the payload is the final state.
        Err(e) if e.is_not_found() && event.kind == "customer.subscription.deleted" => event
            .object()
            .map_err(|e| HandlerError::Payload(e.to_string()))?,
        Err(e) => return Err(e.into()),
    };
    write_subscription(conn, ctx, event, sub, user_hint, invoice).await
}

/// Writes `sub` (Stripe's state, fetched or from a newer event) to its user's row.
async fn write_subscription(
    conn: &mut PgConnection,
    ctx: &WebhookContext,
    event: &Event,
    sub: Subscription,
    user_hint: Option<&str>,
    invoice: Option<InvoiceEvent<'_>>,
) -> Result<Outcome, HandlerError> {
    let mut outcome = Outcome {
        customer_id: sub.customer.clone(),
        subscription_id: Some(sub.id.clone()),
        ..Outcome::ignored(IgnoredReason::NoLinkedUser)
    };

    let user_id = match sub
        .metadata
        .get("user_id")
        .map(String::as_str)
        .filter(|u| !u.is_empty())
        .or(user_hint)
    {
        Some(u) => Some(u.to_string()),
        None => {
            subscriptions::find_user_by_stripe_ids(conn, &sub.id, sub.customer.as_deref()).await?
        }
    };
    let Some(user_id) = user_id else {
        return Ok(outcome);
    };
    if let Some(hint) = user_hint
        && hint != user_id
    {
        tracing::warn!(
            event_id = %event.id, subscription_id = %sub.id,
            "client_reference_id differs from subscription metadata.user_id; using the metadata"
        );
    }
    outcome.user_id = Some(user_id.clone());

    // Late events about an ended subscription must not clobber the user's newer subscription
    // (only an ended one can, so only then is the row read).
    if is_terminal(&sub.status)
        && let Some(existing) = subscriptions::get_by_user(&mut *conn, &user_id).await?
        && let Some(current) = existing.stripe_subscription_id.as_deref()
        && current != sub.id
    {
        if let Some(paid) = invoice.and_then(|i| i.paid_record(event, &user_id)) {
            subscriptions::record_paid_invoice(conn, &paid).await?;
        }
        outcome.verdict = Verdict::Ignored(IgnoredReason::SupersededSubscription);
        return Ok(outcome);
    }

    let mut state = state_of(ctx, event, &sub, user_id)?;
    if let Some(InvoiceEvent::Failed(invoice_id)) = invoice
        && sub.status == "active"
        && sub.latest_invoice.as_deref() == Some(invoice_id)
    {
        // Stripe may not have moved the subscription to past_due yet; if its latest invoice
        // is still unpaid, the payment failure stands.
        let invoice = api::retrieve_invoice(&ctx.stripe, invoice_id).await?;
        if invoice.status.as_deref() != Some("paid") {
            state.status = SubscriptionStatus::PastDue;
        }
    }
    match invoice.and_then(|i| i.paid_record(event, &state.user_id)) {
        Some(paid) => subscriptions::apply_state_recording_invoice(conn, &state, &paid).await?,
        None => subscriptions::apply_state(conn, &state).await?,
    }
    outcome.verdict = Verdict::Applied;
    Ok(outcome)
}

/// The row `sub` (Stripe's state as of `event`) gives `user_id`: its price's plan, our status
/// for Stripe's, its period. Fails for a subscription without a price, or with a price the
/// mapping does not sell (the event can never apply).
pub(crate) fn state_of(
    ctx: &WebhookContext,
    event: &Event,
    sub: &Subscription,
    user_id: String,
) -> Result<SubscriptionState, HandlerError> {
    let price_id = sub
        .price_id()
        .ok_or_else(|| HandlerError::Payload(format!("subscription {} has no items", sub.id)))?
        .to_string();
    let plan = ctx
        .mapping
        .plan_for_price(&price_id)
        .ok_or_else(|| HandlerError::UnknownPrice(price_id.clone()))?;
    let (start, end) = sub.period();
    Ok(SubscriptionState {
        user_id,
        tier: plan.tier,
        cycle: plan.cycle,
        status: map_status(&sub.status),
        cancel_at_period_end: sub.cancel_at_period_end,
        period_start: start.and_then(unix),
        period_end: end.and_then(unix),
        customer_id: sub.customer.clone(),
        subscription_id: sub.id.clone(),
        price_id,
        event_at: unix(event.created),
    })
}

/// `secs` (Unix seconds) as a time, if it is one.
pub(crate) fn unix(secs: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(secs).ok()
}
