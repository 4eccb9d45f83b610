//! Steps of the dispute flow (checklist 6.4 and the Disputes tab of §5): a charge is disputed in
//! Stripe, the backend records it, and ops list it, open it, stage or submit evidence, or close it.

use cucumber::{given, then, when};
use serde_json::{Value, json};

use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::parameters::Person;
use crate::steps::records;
use crate::steps::world::Rehearsal;

/// The dispute the scenario is about (found when it reached the backend).
fn dispute_id(world: &Rehearsal) -> String {
    world.remembered.dispute()
}

/// `Given the dispute has reached the backend`: Stripe's `charge.dispute.created` was applied
/// and the backend's `disputes` table holds a row for the scenario's disputed charge.
#[given(expr = "the dispute has reached the backend")]
async fn dispute_reached_backend(world: &mut Rehearsal) {
    let id =
        records::wait_for_newest_of_users(world, records::NEWEST_DISPUTE_OF_USERS, "dispute").await;
    world.remembered.dispute = Some(id);
}

/// `Then he sees Ana's dispute with reason "fraudulent" and status "needs_response"` (in the list
/// the Disputes tab loaded).
#[then(expr = "he/she/they see(s) {person}'s dispute with reason {string} and status {string}")]
async fn sees_dispute_in_list(world: &mut Rehearsal, name: Person, reason: String, status: String) {
    let actor = world.known_actor(&name);
    let response = world
        .last_response
        .as_ref()
        .expect("the Disputes tab was opened first");
    assert_eq!(response.status, 200, "the Disputes tab: {response}");
    let rows = response.body["data"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let row = rows
        .iter()
        .find(|d| d["user_id"] == actor.user_id.as_str())
        .unwrap_or_else(|| panic!("no dispute of {name} in the Disputes tab: {response}"));
    assert_eq!(row["reason"], reason.as_str(), "dispute: {row}");
    assert_eq!(row["status"], status.as_str(), "dispute: {row}");
}

/// `When Omar from ops opens the dispute`: the details dialog.
#[when(expr = "{person}( from ops) opens the dispute")]
async fn opens_dispute(world: &mut Rehearsal, name: Person) {
    let (actor, id) = (world.known_actor(&name), dispute_id(world));
    let backend = world.backend().await;
    let response = backend.client.dispute(&id, Some(&actor.token)).await;
    world.last_response = Some(response);
}

/// `Then he sees its amount, reason, status and evidence due date`: the amount is what the
/// customer paid, as Stripe shows it.
#[then(expr = "he/she/they see(s) its amount, reason, status and evidence due date")]
async fn sees_dispute_details(world: &mut Rehearsal) {
    let id = dispute_id(world);
    let response = world
        .last_response
        .clone()
        .expect("the dispute was opened first");
    assert_eq!(response.status, 200, "the dispute's details: {response}");
    let in_stripe = world
        .stripe
        .get(&format!("/v1/disputes/{id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know {id}: {e}"));
    let shown = &response.body;
    assert_eq!(
        shown["amount"], in_stripe["amount"],
        "amount: {shown} vs Stripe {in_stripe}"
    );
    assert_eq!(shown["reason"], in_stripe["reason"], "reason: {shown}");
    assert_eq!(shown["status"], in_stripe["status"], "status: {shown}");
    assert!(!shown["due_by"].is_null(), "no evidence due date: {shown}");
}

async fn post_evidence(world: &mut Rehearsal, name: &str, text: &str, submit: bool) {
    let (actor, id) = (world.known_actor(name), dispute_id(world));
    let backend = world.backend().await;
    let body = json!({"evidence": {"uncategorized_text": text}, "submit": submit});
    let response = backend
        .client
        .dispute_evidence(&id, Some(&actor.token), &body)
        .await;
    assert_eq!(
        response.status, 200,
        "{name} could not send the evidence: {response}"
    );
    world.last_response = Some(response);
}

/// `When Omar from ops stages the evidence "…"`: saved on the dispute, not submitted.
#[when(expr = "{person}( from ops) stages the evidence {string}")]
async fn stages_evidence(world: &mut Rehearsal, name: Person, text: String) {
    post_evidence(world, &name, &text, false).await;
    world.remembered.staged_evidence = Some(text);
}

/// `When Omar from ops submits the evidence "winning_evidence"` (in test mode that text wins
/// the dispute; `losing_evidence` loses it).
#[when(expr = "{person}( from ops) submits the evidence {string}")]
async fn submits_evidence(world: &mut Rehearsal, name: Person, text: String) {
    post_evidence(world, &name, &text, true).await;
}

async fn dispute_in_stripe(world: &Rehearsal) -> Value {
    let id = dispute_id(world);
    world
        .stripe
        .get(&format!("/v1/disputes/{id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know {id}: {e}"))
}

/// `Then Stripe shows that evidence on the dispute, not yet submitted`.
#[then(expr = "Stripe shows that evidence on the dispute, not yet submitted")]
async fn stripe_shows_staged_evidence(world: &mut Rehearsal) {
    let text = world
        .remembered
        .staged_evidence
        .clone()
        .expect("evidence was staged first");
    let dispute = dispute_in_stripe(world).await;
    assert_eq!(
        dispute["evidence"]["uncategorized_text"],
        text.as_str(),
        "dispute: {dispute}"
    );
    assert_eq!(
        dispute["evidence_details"]["submission_count"], 0,
        "dispute: {dispute}"
    );
}

/// `Then the dispute's status in Stripe is "won"` (waits for Stripe to decide).
#[then(expr = "the dispute's status in Stripe is {string}")]
async fn stripe_dispute_status(world: &mut Rehearsal, status: String) {
    let id = dispute_id(world);
    let (stripe, path, wanted) = (&world.stripe, format!("/v1/disputes/{id}"), status.as_str());
    let path = path.as_str();
    eventually(DEFAULT_DEADLINE, || async move {
        let dispute = stripe.get(path).await.map_err(|e| e.to_string())?;
        if dispute["status"] == wanted {
            Ok(())
        } else {
            Err(format!("status {}", dispute["status"]))
        }
    })
    .await
    .unwrap_or_else(|seen| panic!("the dispute is not {status} in Stripe: {seen}"));
}

/// `Then the Disputes tab shows the dispute as "won"` (once Stripe's event is applied).
#[then(expr = "the Disputes tab shows the dispute as {string}")]
async fn tab_shows_dispute_status(world: &mut Rehearsal, status: String) {
    let id = dispute_id(world);
    let admin = world.admin();
    let backend = world.backend().await;
    let (client, token, wanted) = (&backend.client, admin.token.as_str(), status.as_str());
    let (id, client) = (id.as_str(), client);
    eventually(DEFAULT_DEADLINE, || async move {
        let response = client.disputes(Some(token)).await;
        let rows = response.body["data"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        match rows.iter().find(|d| d["id"] == id) {
            Some(row) if row["status"] == wanted => Ok(()),
            Some(row) => Err(format!("status {}", row["status"])),
            None => Err(format!("not listed: {response}")),
        }
    })
    .await
    .unwrap_or_else(|seen| {
        panic!("the Disputes tab does not show the dispute as {status}: {seen}")
    });
}

/// `When Omar from ops closes the dispute without confirming`.
#[when(expr = "{person}( from ops) closes the dispute without confirming")]
async fn closes_without_confirming(world: &mut Rehearsal, name: Person) {
    close_dispute(world, &name, json!({})).await;
}

/// `When Omar from ops closes the dispute and confirms`: concedes it (it is lost for good).
#[when(expr = "{person}( from ops) closes the dispute and confirms")]
async fn closes_and_confirms(world: &mut Rehearsal, name: Person) {
    close_dispute(
        world,
        &name,
        json!({"confirm": true, "notes": "conceded after review"}),
    )
    .await;
    let response = world.last_response.as_ref().expect("just sent");
    assert_eq!(response.status, 200, "closing failed: {response}");
}

async fn close_dispute(world: &mut Rehearsal, name: &str, body: Value) {
    let (actor, id) = (world.known_actor(name), dispute_id(world));
    let backend = world.backend().await;
    let response = backend
        .client
        .close_dispute(&id, Some(&actor.token), &body)
        .await;
    world.last_response = Some(response);
}

/// `Then the dispute's history shows Omar closed it`: who, what and when, in the details.
#[then(expr = "the dispute's history shows {person} closed it")]
async fn history_shows_close(world: &mut Rehearsal, name: Person) {
    let (actor, id) = (world.known_actor(&name), dispute_id(world));
    let backend = world.backend().await;
    let response = backend.client.dispute(&id, Some(&actor.token)).await;
    assert_eq!(response.status, 200, "{response}");
    let actions = response.body["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        actions
            .iter()
            .any(|a| a["actor_email"] == actor.email.as_str()
                && a["action"].as_str().is_some_and(|s| s.contains("close"))
                && !a["at"].is_null()),
        "no close by {} in the history: {}",
        actor.email,
        response.body["actions"]
    );
}
