//! Steps of the early-fraud-warning flow (checklist 6.5 and the Fraud Warnings tab of §5): the
//! card issuer flags a charge, the backend records the warning, and ops refund or ignore it.

use cucumber::{given, then, when};
use serde_json::json;

use crate::steps::backend_client::FraudAction;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::parameters::{Actionable, Person};
use crate::steps::records;
use crate::steps::world::Rehearsal;

/// The fraud warning the scenario is about (found when it reached the backend).
fn warning_id(world: &Rehearsal) -> String {
    world.remembered.fraud_warning()
}

/// `Given the fraud warning has reached the backend`: Stripe's
/// `radar.early_fraud_warning.created` was applied; the `fraud_warnings` table holds it.
#[given(expr = "the fraud warning has reached the backend")]
async fn warning_reached_backend(world: &mut Rehearsal) {
    let id = records::wait_for_newest_of_users(
        world,
        records::NEWEST_FRAUD_WARNING_OF_USERS,
        "fraud warning",
    )
    .await;
    world.remembered.fraud_warning = Some(id);
}

/// `When Omar from ops opens the fraud warning`: the details dialog.
#[when(expr = "{person}( from ops) opens the fraud warning")]
async fn opens_warning(world: &mut Rehearsal, name: Person) {
    let (actor, id) = (world.known_actor(&name), warning_id(world));
    let backend = world.backend().await;
    let response = backend.client.fraud_warning(&id, Some(&actor.token)).await;
    world.last_response = Some(response);
}

/// `Then he sees the issuer's fraud type "made_with_stolen_card" and that it is actionable`.
#[then(expr = "he/she/they see(s) the issuer's fraud type {string} and that it is {actionable}")]
async fn sees_fraud_type(world: &mut Rehearsal, fraud_type: String, actionable: Actionable) {
    let response = world
        .last_response
        .as_ref()
        .expect("the fraud warning was opened first");
    assert_eq!(
        response.status, 200,
        "the fraud warning's details: {response}"
    );
    assert_eq!(
        response.body["fraud_type"],
        fraud_type.as_str(),
        "{response}"
    );
    assert_eq!(
        response.body["actionable"],
        actionable == "actionable",
        "{response}"
    );
}

/// `When Omar from ops refunds the full amount with the note "card testing pattern"` — the
/// dialog's "Refund Full Amount" button.
#[when(expr = "{person}( from ops) refunds the full amount with the note {string}")]
async fn refunds(world: &mut Rehearsal, name: Person, note: String) {
    act_on_warning(world, &name, FraudAction::Refund, &note).await;
}

/// `Given Omar from ops has refunded the full amount`.
#[given(expr = "{person}( from ops) has refunded the full amount")]
async fn has_refunded(world: &mut Rehearsal, name: Person) {
    act_on_warning(
        world,
        &name,
        FraudAction::Refund,
        "refunded during the rehearsal",
    )
    .await;
    let response = world.last_response.as_ref().expect("just sent");
    assert_eq!(response.status, 200, "the refund failed: {response}");
}

/// `When Omar from ops marks the fraud warning as ignored with the note "known customer"` — the
/// "Mark as Ignored" button.
#[when(expr = "{person}( from ops) marks the fraud warning as ignored with the note {string}")]
async fn ignores(world: &mut Rehearsal, name: Person, note: String) {
    act_on_warning(world, &name, FraudAction::Ignore, &note).await;
}

async fn act_on_warning(world: &mut Rehearsal, name: &str, action: FraudAction, note: &str) {
    let (actor, id) = (world.known_actor(name), warning_id(world));
    let backend = world.backend().await;
    let response = backend
        .client
        .act_on_fraud_warning(&id, action, Some(&actor.token), &json!({"notes": note}))
        .await;
    world.last_response = Some(response);
}

/// The warning as the backend shows it (details), and its charge.
async fn warning_details(world: &mut Rehearsal) -> serde_json::Value {
    let (admin, id) = (world.admin(), warning_id(world));
    let backend = world.backend().await;
    let response = backend.client.fraud_warning(&id, Some(&admin.token)).await;
    assert_eq!(
        response.status, 200,
        "the fraud warning's details: {response}"
    );
    response.body
}

/// `Then Stripe shows Ana's charge as fully refunded`.
#[then(expr = "Stripe shows {person}'s charge as fully refunded")]
async fn charge_refunded(world: &mut Rehearsal, _name: Person) {
    let warning = warning_details(world).await;
    let charge_id = warning["charge"]
        .as_str()
        .expect("the warning names its charge")
        .to_string();
    let charge = world
        .stripe
        .get(&format!("/v1/charges/{charge_id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know {charge_id}: {e}"));
    assert_eq!(charge["refunded"], true, "charge: {charge}");
    assert_eq!(
        charge["amount_refunded"], charge["amount"],
        "charge: {charge}"
    );
}

/// `Then Stripe shows exactly one refund for Ana's charge` (no double refund).
#[then(expr = "Stripe shows exactly one refund for {person}'s charge")]
async fn exactly_one_refund(world: &mut Rehearsal, _name: Person) {
    let warning = warning_details(world).await;
    let charge_id = warning["charge"]
        .as_str()
        .expect("the warning names its charge")
        .to_string();
    let refunds = world
        .stripe
        .get(&format!("/v1/refunds?charge={charge_id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe's refunds of {charge_id}: {e}"));
    let count = refunds["data"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(count, 1, "refunds of {charge_id}: {refunds}");
}

/// `Then the fraud warning is marked refunded by Omar, with his note and the refund id` — the
/// refund id is the one Stripe created for the charge.
#[then(
    expr = "the fraud warning is marked refunded by {person}, with his/her/their note and the refund id"
)]
async fn marked_refunded(world: &mut Rehearsal, name: Person) {
    let actor = world.known_actor(&name);
    let warning = warning_details(world).await;
    assert_eq!(warning["status"], "refunded", "warning: {warning}");
    let refund_id = warning["refund_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(refund_id.starts_with("re_"), "no refund id kept: {warning}");
    let refund = world
        .stripe
        .get(&format!("/v1/refunds/{refund_id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know the refund {refund_id}: {e}"));
    assert_eq!(refund["charge"], warning["charge"], "refund: {refund}");
    let actions = warning["actions"].as_array().cloned().unwrap_or_default();
    assert!(
        actions
            .iter()
            .any(|a| a["actor_email"] == actor.email.as_str()
                && a["action"].as_str().is_some_and(|s| s.contains("refund"))
                && a["notes"].as_str().is_some_and(|n| !n.is_empty())),
        "no refund by {} with a note in the history: {}",
        actor.email,
        warning["actions"]
    );
}

/// `When Stripe sends an update for the fraud warning`: Stripe delivers
/// `radar.early_fraud_warning.updated` with the warning as it is now (as after a refund).
#[when(expr = "Stripe sends an update for the fraud warning")]
async fn stripe_sends_update(world: &mut Rehearsal) {
    let id = warning_id(world);
    let warning = world
        .stripe
        .get(&format!("/v1/radar/early_fraud_warnings/{id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know {id}: {e}"));
    world
        .control()
        .emit("radar.early_fraud_warning.updated", Some(warning))
        .await
        .unwrap_or_else(|e| panic!("the simulator did not send the update: {e}"));
}

/// `Then the Fraud Warnings tab lists the warning as "ignored"` (once any event is applied).
#[then(expr = "the Fraud Warnings tab lists the warning as {string}")]
async fn tab_lists_warning(world: &mut Rehearsal, status: String) {
    let (admin, id) = (world.admin(), warning_id(world));
    let backend = world.backend().await;
    let (client, token, id, wanted) = (
        &backend.client,
        admin.token.as_str(),
        id.as_str(),
        status.as_str(),
    );
    eventually(DEFAULT_DEADLINE, || async move {
        let response = client.fraud_warnings(Some(token)).await;
        let rows = response.body["data"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        match rows.iter().find(|w| w["id"] == id) {
            Some(row) if row["status"] == wanted => Ok(()),
            Some(row) => Err(format!("status {}", row["status"])),
            None => Err(format!("not listed: {response}")),
        }
    })
    .await
    .unwrap_or_else(|seen| {
        panic!("the Fraud Warnings tab does not list the warning as {status}: {seen}")
    });
}
