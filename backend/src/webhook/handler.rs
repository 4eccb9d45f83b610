//! `POST /api/subscription/webhook`: no bearer token (Stripe calls it); body ≤ 1 MiB (else
//! 413); the signature is verified on the raw bytes before anything is parsed or stored (else
//! 400); then the ledger row and the state change are written in one transaction and 200 is
//! sent only after commit. A duplicate of a processed event → 200, no change. A failure rolls
//! the change back, records `failed` with the error in a separate statement, and answers 500 so
//! Stripe retries.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::MAX_BODY_BYTES;
use super::apply::{HandlerError, apply_event};
use super::outcome::{Outcome, Processed};
use super::payload;
use super::signature::{self, DEFAULT_TOLERANCE_SECS};
use super::subject::Subject;
use crate::alerts::Counted;
use crate::db::events;
use crate::error::ApiError;
use crate::state::AppState;
use crate::stripe::types::Event;

/// The webhook endpoint.
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let declared_len = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| ApiError::body_unreadable(&e))?;

    let sig_header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let now = OffsetDateTime::now_utc().unix_timestamp();
    if let Err(e) = signature::verify(
        &bytes,
        sig_header,
        state.config.stripe.webhook_secret.expose(),
        now,
        DEFAULT_TOLERANCE_SECS,
    ) {
        tracing::warn!(reason = %e, "webhook rejected: signature verification failed");
        state
            .metrics
            .inc(crate::metrics::WEBHOOK_EVENTS, &["unknown", "rejected"]);
        return Err(ApiError::bad_request(
            "invalid_signature",
            format!("Webhook signature verification failed: {e}."),
        ));
    }

    let event = decode_event(&bytes)?;
    let created = OffsetDateTime::from_unix_timestamp(event.created).ok();

    match process(&state, &event, created).await {
        Ok(Processed::Duplicate) => {
            state
                .metrics
                .inc(crate::metrics::WEBHOOK_EVENTS, &[&event.kind, "duplicate"]);
            tracing::info!(
                event_id = %event.id, event_type = %event.kind, outcome = "duplicate",
                "stripe webhook"
            );
            Ok(Json(json!({"received": true, "duplicate": true})))
        }
        Ok(Processed::Applied(o)) => {
            log_outcome(&event, &o);
            state.metrics.inc(
                crate::metrics::WEBHOOK_EVENTS,
                &[&event.kind, &o.verdict.label()],
            );
            after_commit(&state, &event, &o);
            Ok(Json(json!({"received": true})))
        }
        Err(err) if err.is_permanent() => {
            let message = err.to_string();
            if let Err(db_err) = events::record_unprocessable(
                &state.pool,
                &event.id,
                &event.kind,
                created,
                event.livemode,
                &message,
            )
            .await
            {
                // Not recorded: answer 500 so Stripe retries and the record is attempted again.
                tracing::error!(event_id = %event.id, error = %db_err, "could not record an unprocessable webhook");
                return Err(ApiError::Database(db_err));
            }
            tracing::error!(
                event_id = %event.id, event_type = %event.kind, outcome = "unprocessable",
                error = %message, "stripe webhook"
            );
            state.metrics.inc(
                crate::metrics::WEBHOOK_EVENTS,
                &[&event.kind, "unprocessable"],
            );
            state
                .alerts
                .webhook_unprocessable(&event.id, &event.kind, &message);
            Ok(Json(json!({"received": true, "unprocessable": true})))
        }
        Err(err) => {
            let message = err.to_string();
            if let Err(db_err) = events::record_failure(
                &state.pool,
                &event.id,
                &event.kind,
                created,
                event.livemode,
                &message,
            )
            .await
            {
                tracing::error!(event_id = %event.id, error = %db_err, "could not record webhook failure");
            }
            tracing::error!(
                event_id = %event.id, event_type = %event.kind, outcome = "failed",
                error = %message, "stripe webhook"
            );
            state
                .metrics
                .inc(crate::metrics::WEBHOOK_EVENTS, &[&event.kind, "failed"]);
            state
                .alerts
                .webhook_failed(&event.id, &event.kind, &message);
            Err(ApiError::Internal(format!(
                "webhook {} failed: {message}",
                event.id
            )))
        }
    }
}

/// Decodes a verified webhook body into an event; anything else is 400 `invalid_payload`.
pub fn decode_event(bytes: &[u8]) -> Result<Event, ApiError> {
    serde_json::from_slice(bytes).map_err(|_| {
        ApiError::bad_request("invalid_payload", "The webhook body is not a Stripe event.")
    })
}

/// Ledger + state change in one transaction: a subscription event whose payload is written as
/// it is takes one call ([`payload`]); any other event is decoded first, so its object's lock
/// is taken with the ledger row, which is written as processed and applied at once (an event
/// that ends otherwise corrects its outcome before the commit). On error the transaction is
/// rolled back explicitly (releasing both locks, removing the row) before returning.
async fn process(
    state: &AppState,
    event: &Event,
    created: Option<OffsetDateTime>,
) -> Result<Processed, HandlerError> {
    let subject = Subject::of(event, state.webhook.livemode);
    if let Subject::Subscription(sub) = &subject
        && let Some(done) =
            payload::apply_newer_payload(&state.pool, &state.webhook, event, sub).await?
    {
        return Ok(done);
    }
    let mut tx = state.pool.begin().await?;
    let result = async {
        let claimed = events::claim(
            &mut tx,
            &event.id,
            &event.kind,
            created,
            event.livemode,
            subject.lock_key(),
        )
        .await?;
        if !claimed {
            return Ok(Processed::Duplicate);
        }
        let outcome = apply_event(&mut tx, &state.webhook, event, subject).await?;
        let label = outcome.verdict.label();
        if label != events::APPLIED {
            events::set_outcome(&mut tx, &event.id, &label).await?;
        }
        Ok::<_, HandlerError>(Processed::Applied(outcome))
    }
    .await;
    match result {
        Ok(p) => {
            tx.commit().await?;
            Ok(p)
        }
        Err(e) => {
            if let Err(rb) = tx.rollback().await {
                tracing::error!(event_id = %event.id, error = %rb, "rollback failed");
            }
            Err(e)
        }
    }
}

/// Counts dispute and fraud-warning events and checks the alert thresholds (in the background,
/// after the 2xx decision is made).
fn after_commit(state: &AppState, event: &Event, o: &Outcome) {
    if !o.is_applied() {
        return;
    }
    let counted = if event.kind.starts_with("charge.dispute.") {
        state.metrics.inc(crate::metrics::DISPUTES, &[&event.kind]);
        (event.kind == "charge.dispute.created").then_some(Counted::Disputes)
    } else if event.kind.starts_with("radar.early_fraud_warning.") {
        state
            .metrics
            .inc(crate::metrics::FRAUD_WARNINGS, &[&event.kind]);
        (event.kind == "radar.early_fraud_warning.created").then_some(Counted::FraudWarnings)
    } else {
        None
    };
    if let Some(what) = counted {
        let alerts = state.alerts.clone();
        let pool = state.pool.clone();
        tokio::spawn(async move { alerts.check_threshold(&pool, what).await });
    }
}

fn log_outcome(event: &Event, o: &Outcome) {
    tracing::info!(
        event_id = %event.id,
        event_type = %event.kind,
        outcome = %o.verdict,
        user_id = o.user_id.as_deref().unwrap_or(""),
        customer_id = o.customer_id.as_deref().unwrap_or(""),
        subscription_id = o.subscription_id.as_deref().unwrap_or(""),
        object_id = o.object_id.as_deref().unwrap_or(""),
        charge_id = o.charge_id.as_deref().unwrap_or(""),
        "stripe webhook"
    );
}
