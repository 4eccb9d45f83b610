//! Steps about Stripe's webhooks reaching the backend (checklist §4): what the backend's event
//! ledger shows, and what happens to deliveries that are not Stripe's.

use cucumber::{then, when};
use serde_json::json;

use crate::actors::random_suffix;
use crate::eventually::{DEFAULT_DEADLINE, eventually};
use crate::records::{self, describe_ledger};
use crate::world::Rehearsal;

/// `Then the backend has processed "checkout.session.completed"`: the ledger shows an event of
/// that type processed. On timeout the step shows the ledger and Stripe's delivery log.
#[then(regex = r#"^the backend has processed "([a-z_.]+)"$"#)]
async fn has_processed(world: &mut Rehearsal, event_type: String) {
    let backend = world.backend().await;
    let (db, wanted) = (backend.db(), event_type.as_str());
    let seen = eventually(DEFAULT_DEADLINE, || async move {
        let ledger = records::ledger(db)
            .await
            .map_err(|e| format!("query failed: {e}"))?;
        if ledger
            .iter()
            .any(|e| e.event_type == wanted && e.status == "processed")
        {
            Ok(())
        } else {
            Err(describe_ledger(&ledger))
        }
    })
    .await;
    if let Err(seen) = seen {
        let deliveries = world
            .stripe
            .deliveries()
            .await
            .map(|d| d.to_string())
            .unwrap_or_else(|e| format!("(delivery log unavailable: {e})"));
        panic!(
            "the backend has not processed {event_type:?}: {seen}\nStripe's delivery log: {deliveries}"
        );
    }
}

/// `When a "checkout.session.completed" event for Ana's Checkout session, signed with the wrong
/// secret, reaches the backend`: an attacker's (or a misconfigured sender's) delivery. The event
/// is well-formed and would activate Ana if the backend trusted it.
#[when(
    regex = r#"^a "([a-z_.]+)" event for (\w+)'s Checkout session, signed with the wrong secret, reaches the backend$"#
)]
async fn forged_event_arrives(world: &mut Rehearsal, event_type: String, name: String) {
    let actor = world.known_actor(&name);
    let attempt = world
        .checkouts
        .get(&name)
        .expect("Checkout was started first")
        .clone();
    let event_id = format!("evt_forged{}", random_suffix());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let event = json!({
        "id": event_id,
        "object": "event",
        "api_version": stripe_sim::API_VERSION,
        "created": now,
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": event_type,
        "data": {"object": {
            "id": attempt.session_id,
            "object": "checkout.session",
            "mode": "subscription",
            "status": "complete",
            "payment_status": "paid",
            "client_reference_id": actor.user_id,
            "metadata": {"user_id": actor.user_id},
            "customer": format!("cus_forged{}", random_suffix()),
            "subscription": format!("sub_forged{}", random_suffix()),
        }},
    });
    let body = event.to_string();
    let wrong_secret = format!("whsec_{}{}", random_suffix(), random_suffix());
    let header = stripe_sim::webhooks::signing::header(&[wrong_secret.as_str()], now, &body);
    let backend = world.backend().await;
    let response = backend
        .client
        .post_raw(
            "/api/subscription/webhook",
            &[("stripe-signature", header)],
            body.into_bytes(),
        )
        .await;
    world.forged_event_id = Some(event_id);
    world.last_response = Some(response);
}

/// `Then the backend has not recorded that event`: no ledger row for the forged event.
#[then(regex = r"^the backend has not recorded that event$")]
async fn event_not_recorded(world: &mut Rehearsal) {
    let event_id = world
        .forged_event_id
        .clone()
        .expect("an event was sent first");
    let backend = world.backend().await;
    let ledger = records::ledger(backend.db())
        .await
        .expect("query stripe_events");
    assert!(
        ledger.iter().all(|e| e.event_id != event_id),
        "{event_id} should not be in the ledger: {}",
        describe_ledger(&ledger)
    );
}
