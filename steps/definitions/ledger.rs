//! Steps about what the backend's event ledger and its logs say about each event Stripe
//! delivered (checklist §4: ops see in the logs that an event was verified and handled — once,
//! however often Stripe delivered it). Both steps first wait until Stripe owes no delivery,
//! then compare, per event, Stripe's successful deliveries with the ledger row (its status,
//! its attempt count, its outcome) and with the backend's `stripe webhook` log lines.

use std::collections::BTreeMap;

use cucumber::then;
use serde_json::Value;

use super::time::sim_control;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::logs;
use crate::steps::world::Rehearsal;

/// One ledger row as the backend wrote it.
#[derive(Debug, sqlx::FromRow)]
struct Row {
    event_id: String,
    status: String,
    attempts: i32,
    outcome: Option<String>,
}

/// Waits until Stripe owes no delivery, then counts its successful (2xx) deliveries per event.
async fn delivered_per_event(world: &Rehearsal) -> BTreeMap<String, usize> {
    let control = sim_control(world, "reading the delivery log");
    let quiet = control
        .quiesce(DEFAULT_DEADLINE.as_millis() as u64)
        .await
        .unwrap_or_else(|e| panic!("the simulator could not wait for its deliveries: {e}"));
    assert_eq!(
        quiet["quiescent"], true,
        "Stripe still owes deliveries after {DEFAULT_DEADLINE:?}: {quiet}"
    );
    let log = control
        .deliveries()
        .await
        .unwrap_or_else(|e| panic!("Stripe's delivery log: {e}"));
    let mut delivered: BTreeMap<String, usize> = BTreeMap::new();
    for attempt in log["data"].as_array().into_iter().flatten() {
        if attempt["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s))
        {
            *delivered
                .entry(attempt["event_id"].as_str().unwrap_or_default().to_string())
                .or_default() += 1;
        }
    }
    assert!(
        !delivered.is_empty(),
        "Stripe delivered nothing; its log: {log}"
    );
    delivered
}

/// `Then the backend's ledger shows each event applied once`: every event Stripe delivered has
/// one ledger row, `processed` after exactly one attempt — a copy delivered later (or at the
/// same moment) is recognised from the ledger and applies nothing, so it adds no attempt.
#[then(expr = "the backend's ledger shows each event applied once")]
async fn ledger_applied_once(world: &mut Rehearsal) {
    let delivered = delivered_per_event(world).await;
    let backend = world.backend().await;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT event_id, status::text AS status, attempts, outcome FROM stripe_events",
    )
    .fetch_all(backend.db())
    .await
    .unwrap_or_else(|e| panic!("query stripe_events: {e}"));
    let wrong: Vec<String> = delivered
        .iter()
        .filter_map(|(id, copies)| {
            let mine: Vec<&Row> = rows.iter().filter(|r| &r.event_id == id).collect();
            match mine.as_slice() {
                [r] if r.status == "processed" && r.attempts == 1 && r.outcome.is_some() => None,
                _ => Some(format!("{id} (delivered {copies}×): {mine:?}")),
            }
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "each delivered event should have one ledger row, processed after one attempt; not so \
         for:\n{}",
        wrong.join("\n")
    );
}

/// `Then the backend's logs show each event applied once and every other copy recognised as a
/// duplicate`: for every event Stripe delivered n times, the backend logged one `stripe
/// webhook` line that handled it (outcome `applied` or `ignored:…`) and n − 1 lines with
/// outcome `duplicate` — what ops search for to see that a retried or doubled delivery changed
/// nothing.
#[then(
    expr = "the backend's logs show each event applied once and every other copy recognised as a duplicate"
)]
async fn logs_applied_once(world: &mut Rehearsal) {
    let delivered = delivered_per_event(world).await;
    let delivered = &delivered;
    let checked = eventually(DEFAULT_DEADLINE, || async move {
        let mut wrong = Vec::new();
        for (id, copies) in delivered {
            let outcomes: Vec<String> = logs::lines_with(&[id.as_str(), "stripe webhook"])
                .iter()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .filter(|line| {
                    line["fields"]["event_id"] == id.as_str()
                        && line["fields"]["message"] == "stripe webhook"
                })
                .map(|line| {
                    line["fields"]["outcome"]
                        .as_str()
                        .unwrap_or("(none)")
                        .to_string()
                })
                .collect();
            let duplicates = outcomes.iter().filter(|o| *o == "duplicate").count();
            let handled = outcomes
                .iter()
                .filter(|o| *o == "applied" || o.starts_with("ignored:"))
                .count();
            if handled != 1 || duplicates != copies - 1 || outcomes.len() != *copies {
                wrong.push(format!(
                    "{id}: delivered {copies}×, logged outcomes {outcomes:?}"
                ));
            }
        }
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(wrong.join("\n"))
        }
    })
    .await;
    if let Err(seen) = checked {
        panic!(
            "the logs should show each event handled once and its other copies as duplicates:\n{seen}"
        );
    }
}
