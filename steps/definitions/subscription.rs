//! Steps about a user's subscription as the backend records it and the app shows it: the state
//! the checklist's flows end in (ACTIVE, PAST_DUE, CANCELLED, …).

use cucumber::{given, then};

use super::checkout::{pay_on_checkout_page, start_checkout};
use super::tier_key;
use crate::steps::cards::card_number;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::parameters::{Cycle, Person, Plan, Status};
use crate::steps::records::{self, SubscriptionRecord};
use crate::steps::world::Rehearsal;

/// Waits until `name`'s `user_subscriptions` row satisfies `wanted` (webhooks are applied
/// asynchronously), and returns it; on timeout fails with the last row seen.
pub(crate) async fn wait_for_record(
    world: &mut Rehearsal,
    name: &str,
    expectation: &str,
    wanted: impl Fn(&SubscriptionRecord) -> bool,
) -> SubscriptionRecord {
    let actor = world.known_actor(name);
    let backend = world.backend().await;
    let (db, user_id, wanted) = (backend.db(), actor.user_id.as_str(), &wanted);
    eventually(DEFAULT_DEADLINE, || async move {
        match records::subscription_of(db, user_id).await {
            Ok(Some(record)) if wanted(&record) => Ok(record),
            Ok(other) => Err(format!("the record: {other:?}")),
            Err(e) => Err(format!("query failed: {e}")),
        }
    })
    .await
    .unwrap_or_else(|seen| panic!("{name}'s subscription is not {expectation}: {seen}"))
}

/// What the app shows `name` (`GET /api/subscription/status`).
pub(crate) async fn status_shown(world: &mut Rehearsal, name: &str) -> serde_json::Value {
    let actor = world.known_actor(name);
    let backend = world.backend().await;
    let shown = backend.client.status(Some(&actor.token)).await;
    assert_eq!(shown.status, 200, "{name}'s status page: {shown}");
    shown.body
}

fn on_plan(record: &SubscriptionRecord, status: &str, tier: &str, cycle: &str) -> bool {
    record.status.as_deref() == Some(status)
        && record.is_active == matches!(status, "ACTIVE" | "TRIALING")
        && record
            .plan
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(tier))
        && record.billing_cycle.as_deref() == Some(cycle)
}

/// `Given Ana has an active BASIC monthly subscription`: she subscribed and paid with the Visa
/// test card, and the backend has recorded it as ACTIVE.
#[given(expr = "{person} has an active {plan} {cycle} subscription")]
async fn has_active_subscription(world: &mut Rehearsal, name: Person, tier: Plan, cycle: Cycle) {
    let card = card_number("a card that succeeds").expect("a known card");
    start_checkout(world, &name, &tier, &cycle).await;
    pay_on_checkout_page(world, &name, &card).await;
    wait_for_record(world, &name, &format!("ACTIVE on {tier} {cycle}"), |r| {
        on_plan(r, "ACTIVE", &tier, &cycle)
    })
    .await;
}

/// `Then Ana's subscription is ACTIVE on BASIC monthly`: the backend's record (once the webhooks
/// are applied) and what the app shows her.
#[then(expr = "{person}'s subscription is {status} on {plan} {cycle}")]
async fn subscription_is(
    world: &mut Rehearsal,
    name: Person,
    status: Status,
    tier: Plan,
    cycle: Cycle,
) {
    wait_for_record(world, &name, &format!("{status} on {tier} {cycle}"), |r| {
        on_plan(r, &status, &tier, &cycle)
    })
    .await;
    let shown = status_shown(world, &name).await;
    let active = matches!(status.as_str(), "ACTIVE" | "TRIALING");
    assert_eq!(shown["is_active"], active, "{name}'s status page: {shown}");
    if active {
        assert_eq!(
            shown["tier"],
            tier_key(&tier),
            "{name}'s status page: {shown}"
        );
    }
}

/// `Then Ana's subscription is ACTIVE on BASIC monthly and ends with the period`: still paid
/// for, set to cancel when the period Stripe billed ends (and not before).
#[then(expr = "{person}'s subscription is ACTIVE on {plan} {cycle} and ends with the period")]
async fn active_until_period_end(world: &mut Rehearsal, name: Person, tier: Plan, cycle: Cycle) {
    let record = wait_for_record(world, &name, "ACTIVE and ending with the period", |r| {
        on_plan(r, "ACTIVE", &tier, &cycle) && r.cancel_at_period_end
    })
    .await;
    assert!(
        record.period_end.is_some(),
        "the period's end is unknown: {record:?}"
    );
    let shown = status_shown(world, &name).await;
    assert_eq!(shown["is_active"], true, "{name}'s status page: {shown}");
    assert_eq!(
        shown["cancel_at_period_end"], true,
        "{name}'s status page: {shown}"
    );
}

/// `Then Ana's subscription is CANCELLED and not active` (or `PAST_DUE`, `UNPAID`, …): the
/// record says so, `is_active` is false, and the app shows her the FREE plan.
#[then(expr = "{person}'s subscription is {status} and not active")]
async fn subscription_not_active(world: &mut Rehearsal, name: Person, status: Status) {
    wait_for_record(world, &name, &format!("{status} and not active"), |r| {
        r.status.as_deref() == Some(status.as_str()) && !r.is_active
    })
    .await;
    let shown = status_shown(world, &name).await;
    assert_eq!(shown["is_active"], false, "{name}'s status page: {shown}");
    assert_eq!(shown["tier"], "free", "{name}'s status page: {shown}");
}
