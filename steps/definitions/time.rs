//! Steps that move time and run what Stripe does when it passes (checklist 6.3): renewals,
//! failed payments and their retries. Time is never waited for: the scenario's Stripe account
//! clock is moved forward explicitly (the simulator's control plane), and everything that falls
//! due runs with its own simulated timestamps.

use cucumber::{given, when};
use serde_json::{Value, json};
use stripe_sim::client::Control;

use super::subscription::wait_for_record;
use crate::steps::parameters::Person;
use crate::steps::target::Target;
use crate::steps::world::Rehearsal;

/// The account's control plane; moving time is something only the simulator can do.
pub(crate) fn sim_control(world: &Rehearsal, what: &str) -> Control {
    assert!(
        matches!(world.env().target, Target::Simulator),
        "{what} needs the simulator's control plane; tag the scenario @sim-only"
    );
    world.control()
}

/// `unix` plus one calendar month (the 31st becomes the last day of a shorter month), as
/// Stripe bills monthly periods.
fn one_month_after(unix: i64) -> i64 {
    let at = time::OffsetDateTime::from_unix_timestamp(unix).expect("a valid clock");
    let (year, month) = match at.month() {
        time::Month::December => (at.year() + 1, time::Month::January),
        m => (at.year(), m.next()),
    };
    let day = at.day().min(time::util::days_in_month(month, year));
    let date = time::Date::from_calendar_date(year, month, day).expect("a valid date");
    at.replace_date(date).unix_timestamp()
}

/// Moves the account clock one calendar month and the delay Stripe leaves between a renewal
/// invoice's creation and its charge (`finalize_after_secs`, one hour), plus a minute; returns
/// the clock's answer.
async fn advance_a_month(world: &Rehearsal) -> Value {
    let control = sim_control(world, "moving time");
    let clock = control
        .clock()
        .await
        .unwrap_or_else(|e| panic!("the simulator's clock: {e}"));
    let now = clock["now"].as_i64().expect("the clock's now");
    let settings = control
        .renewal_settings(json!({}))
        .await
        .unwrap_or_else(|e| panic!("the simulator's renewal settings: {e}"));
    let finalize = settings["finalize_after_secs"].as_i64().unwrap_or(3600);
    control
        .advance_to(one_month_after(now) + finalize + 60)
        .await
        .unwrap_or_else(|e| panic!("moving the clock a month failed: {e}"))
}

/// `When a month passes`: Stripe's clock moves one calendar month (and the hour Stripe waits
/// before charging a renewal invoice); every renewal, charge and cancellation that falls due
/// happens, with its webhooks.
#[when(expr = "a month passes")]
async fn a_month_passes(world: &mut Rehearsal) {
    world.backend().await;
    advance_a_month(world).await;
}

/// `Given a month has passed and Ana's renewal payment failed`: history: the clock moved a
/// month, the renewal charge to her card failed, and the backend has recorded her PAST_DUE.
#[given(expr = "a month has passed and {person}'s renewal payment failed")]
async fn month_passed_payment_failed(world: &mut Rehearsal, name: Person) {
    world.backend().await;
    advance_a_month(world).await;
    wait_for_record(world, &name, "PAST_DUE after the failed renewal", |r| {
        r.status.as_deref() == Some("PAST_DUE") && !r.is_active
    })
    .await;
}

/// The open invoices Stripe will try to charge again, soonest first: `(invoice, when)`.
async fn pending_retries(world: &Rehearsal) -> Vec<(String, i64)> {
    let open = world
        .stripe
        .get("/v1/invoices?status=open&limit=100")
        .await
        .unwrap_or_else(|e| panic!("Stripe's open invoices: {e}"));
    let mut due: Vec<(String, i64)> = open["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some((
                i["id"].as_str()?.to_string(),
                i["next_payment_attempt"].as_i64()?,
            ))
        })
        .collect();
    due.sort_by_key(|(_, at)| *at);
    due
}

/// `When Stripe retries the payment`: the clock moves to the next payment retry Stripe has
/// scheduled for an open invoice (its `next_payment_attempt`), and Stripe charges it again.
#[when(expr = "Stripe retries the payment")]
async fn stripe_retries(world: &mut Rehearsal) {
    let control = sim_control(world, "moving time to a payment retry");
    let due = pending_retries(world).await;
    let (invoice, at) = due.first().cloned().unwrap_or_else(|| {
        panic!(
            "Stripe has no payment retry scheduled (no open invoice with a next_payment_attempt)"
        )
    });
    control
        .advance_to(at + 1)
        .await
        .unwrap_or_else(|e| panic!("moving the clock to the retry of {invoice} failed: {e}"));
}

/// `When every payment retry fails`: the clock moves through each retry Stripe scheduled,
/// until none is left; with the card still failing, each one fails.
#[when(expr = "every payment retry fails")]
async fn every_retry_fails(world: &mut Rehearsal) {
    let control = sim_control(world, "moving time through the payment retries");
    let mut retried = Vec::new();
    for _ in 0..20 {
        let due = pending_retries(world).await;
        let Some((invoice, at)) = due.first().cloned() else {
            break;
        };
        control
            .advance_to(at + 1)
            .await
            .unwrap_or_else(|e| panic!("moving the clock to the retry of {invoice} failed: {e}"));
        retried.push(invoice);
    }
    assert!(
        pending_retries(world).await.is_empty(),
        "Stripe still schedules payment retries after 20 of them"
    );
    assert!(!retried.is_empty(), "Stripe had scheduled no payment retry");
    for invoice in retried {
        let shown = world
            .stripe
            .get(&format!("/v1/invoices/{invoice}"))
            .await
            .unwrap_or_else(|e| panic!("Stripe does not show {invoice}: {e}"));
        assert_ne!(
            shown["status"], "paid",
            "a retry of {invoice} succeeded, but every retry should fail: {shown}"
        );
    }
}

/// `Given Stripe cancels the subscription when all retries for a payment fail`: the account's
/// setting for failed payments (Dashboard: Billing → Subscriptions and emails → Manage failed
/// payments).
#[given(expr = "Stripe cancels the subscription when all retries for a payment fail")]
async fn cancel_after_final_failure(world: &mut Rehearsal) {
    sim_control(world, "changing the failed-payment settings")
        .renewal_settings(json!({"after_final_failure": "cancel"}))
        .await
        .unwrap_or_else(|e| panic!("the simulator refused the renewal settings: {e}"));
}

#[cfg(test)]
mod tests {
    use super::one_month_after;

    #[test]
    fn a_month_is_a_calendar_month() {
        // 2026-11-27 12:00 UTC → 2026-12-27 12:00 UTC.
        assert_eq!(one_month_after(1_795_780_800), 1_795_780_800 + 30 * 86_400);
        // 2027-01-31 → 2027-02-28.
        let jan31 = 1_801_396_800;
        assert_eq!(one_month_after(jan31), jan31 + 28 * 86_400);
        // 2026-12-15 → 2027-01-15.
        let dec15 = 1_797_336_000;
        assert_eq!(one_month_after(dec15), dec15 + 31 * 86_400);
    }
}
