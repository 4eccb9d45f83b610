//! Steps about Stripe's webhooks reaching the backend (checklist §4): what the backend's event
//! ledger shows, and what happens to deliveries that are not Stripe's.

use cucumber::{then, when};
use serde_json::json;

use crate::steps::actors::random_suffix;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::parameters::{EventType, Person};
use crate::steps::records::{self, describe_ledger};
use crate::steps::world::Rehearsal;

/// `Then the backend has processed "checkout.session.completed"`: the latest event of that type
/// Stripe shows (`GET /v1/events?type=…`) is in the ledger, processed — so an older event of the
/// same type never stands in for the one the scenario just caused. On timeout the step shows
/// the ledger and Stripe's delivery log.
#[then(expr = r#"the backend has processed "{event}""#)]
async fn has_processed(world: &mut Rehearsal, event_type: EventType) {
    let stripe = world.stripe.clone();
    let backend = world.backend().await;
    let (db, wanted, stripe) = (backend.db(), event_type.as_str(), &stripe);
    let seen = eventually(DEFAULT_DEADLINE, || async move {
        let events = stripe
            .get(&format!("/v1/events?type={wanted}&limit=1"))
            .await
            .map_err(|e| format!("Stripe's events: {e}"))?;
        let latest = events["data"][0]["id"]
            .as_str()
            .ok_or_else(|| format!("Stripe shows no {wanted:?} event"))?;
        let ledger = records::ledger(db)
            .await
            .map_err(|e| format!("query failed: {e}"))?;
        if ledger
            .iter()
            .any(|e| e.event_id == latest && e.status == "processed")
        {
            Ok(())
        } else {
            Err(format!(
                "Stripe's latest {wanted:?} event is {latest}; {}",
                describe_ledger(&ledger)
            ))
        }
    })
    .await;
    if let Err(seen) = seen {
        let deliveries = world.delivery_log().await;
        panic!(
            "the backend has not processed {event_type:?}: {seen}\nStripe's delivery log: {deliveries}"
        );
    }
}

/// How a delivery that did not come from Stripe (or came tampered with) is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signing {
    /// No `Stripe-Signature` header at all.
    Missing,
    /// A `v1` made with a secret that is not the endpoint's.
    WrongSecret,
    /// Correctly signed, but ten minutes ago (the tolerance is five).
    TenMinutesAgo,
    /// Correctly signed, then the body was changed.
    BodyChanged,
    /// Only the `v0` scheme (test mode's decoy), made with the right secret.
    OnlyV0,
    /// Two `v1`s during a secret roll: the backend's (old) secret first, Stripe's new one last.
    OldAndCurrent,
}

impl Signing {
    fn parse(how: &str) -> Option<Signing> {
        Some(match how {
            "without a signature" => Signing::Missing,
            "signed with the wrong secret" => Signing::WrongSecret,
            "signed ten minutes ago" => Signing::TenMinutesAgo,
            "with its body changed after signing" => Signing::BodyChanged,
            "with only a v0 signature" => Signing::OnlyV0,
            "signed with an old secret and the current one" => Signing::OldAndCurrent,
            _ => return None,
        })
    }
}

/// `When a "checkout.session.completed" event for Ana's Checkout session arrives <how>`, with
/// `<how>` one of: `without a signature`, `signed with the wrong secret`, `signed ten minutes
/// ago`, `with its body changed after signing`, `with only a v0 signature`, `signed with an old
/// secret and the current one` (a secret roll: the backend still has the old secret, Stripe
/// puts the new one's signature last). The event wraps Ana's Checkout session as Stripe shows
/// it, sent to the backend's webhook URL; the answer is kept for the next steps.
#[when(expr = r#"a "{event}" event for {person}'s Checkout session arrives {}"#)]
async fn event_arrives(world: &mut Rehearsal, event_type: EventType, name: Person, how: String) {
    let signing = Signing::parse(&how).unwrap_or_else(|| {
        panic!("unknown way for an event to arrive: {how:?}; see steps/definitions/webhooks.rs")
    });
    deliver_event(world, &event_type, &name, signing).await;
}

/// `When a "checkout.session.completed" event for Ana's Checkout session, signed with the wrong
/// secret, reaches the backend`: an attacker's (or a misconfigured sender's) delivery, the same
/// as `… arrives signed with the wrong secret`.
#[when(
    expr = r#"a "{event}" event for {person}'s Checkout session, signed with the wrong secret, reaches the backend"#
)]
async fn forged_event_arrives(world: &mut Rehearsal, event_type: EventType, name: Person) {
    deliver_event(world, &event_type, &name, Signing::WrongSecret).await;
}

async fn deliver_event(world: &mut Rehearsal, event_type: &str, name: &str, signing: Signing) {
    let actor = world.known_actor(name);
    let attempt = world
        .checkouts
        .get(name)
        .expect("Checkout was started first")
        .clone();
    let mut session = world
        .stripe
        .get(&format!("/v1/checkout/sessions/{}", attempt.session_id))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know {name}'s Checkout session: {e}"));
    if session["client_reference_id"].is_null() {
        session["client_reference_id"] = json!(actor.user_id);
    }
    let event_id = format!("evt_golive{}", random_suffix());
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
        "data": {"object": session},
    });
    let body = event.to_string();
    let backend = world.backend().await;
    let secret = backend.webhook_secret.clone().unwrap_or_else(|| {
        panic!("this step signs with the backend's webhook secret, which this run does not know")
    });
    let other_secret = format!("whsec_{}{}", random_suffix(), random_suffix());
    use stripe_sim::webhooks::signing;
    let (header, sent) = match signing {
        Signing::Missing => (None, body),
        Signing::WrongSecret => (
            Some(signing::header(&[other_secret.as_str()], now, &body)),
            body,
        ),
        Signing::TenMinutesAgo => (
            Some(signing::header(&[secret.as_str()], now - 600, &body)),
            body,
        ),
        Signing::BodyChanged => {
            let header = signing::header(&[secret.as_str()], now, &body);
            let mut changed = event.clone();
            changed["data"]["object"]["metadata"]["user_id"] =
                json!(format!("user_{}", random_suffix()));
            (Some(header), changed.to_string())
        }
        Signing::OnlyV0 => (
            Some(format!("t={now},v0={}", signing::sign(&secret, now, &body))),
            body,
        ),
        Signing::OldAndCurrent => (
            Some(signing::header(
                &[secret.as_str(), other_secret.as_str()],
                now,
                &body,
            )),
            body,
        ),
    };
    let headers: Vec<(&str, String)> = header
        .into_iter()
        .map(|h| ("stripe-signature", h))
        .collect();
    let response = backend
        .client
        .deliver_webhook(&headers, sent.into_bytes())
        .await;
    world.forged_event_id = Some(event_id);
    world.last_response = Some(response);
}

/// `Then the backend answers the delivery with HTTP 200`: the status of its answer to the
/// delivery just made.
#[then(expr = "the backend answers the delivery with HTTP {int}")]
async fn answers_delivery(world: &mut Rehearsal, status: u16) {
    let response = world
        .last_response
        .as_ref()
        .expect("a delivery was made first");
    assert_eq!(
        response.status, status,
        "the backend should answer the delivery with HTTP {status}; it answered {response}"
    );
}

/// `Then the backend has recorded that event`: the delivered event is in the ledger, processed.
#[then(expr = "the backend has recorded that event")]
async fn event_recorded(world: &mut Rehearsal) {
    let event_id = world
        .forged_event_id
        .clone()
        .expect("an event was sent first");
    let backend = world.backend().await;
    let (db, id) = (backend.db(), event_id.as_str());
    eventually(DEFAULT_DEADLINE, || async move {
        let ledger = records::ledger(db)
            .await
            .map_err(|e| format!("query failed: {e}"))?;
        if ledger
            .iter()
            .any(|e| e.event_id == id && e.status == "processed")
        {
            Ok(())
        } else {
            Err(describe_ledger(&ledger))
        }
    })
    .await
    .unwrap_or_else(|seen| panic!("{event_id} should be in the ledger, processed: {seen}"));
}

/// `Then the backend has not recorded that event`: no ledger row for the forged event.
#[then(expr = "the backend has not recorded that event")]
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
