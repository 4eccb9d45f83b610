//! Steps about running the backend as several replicas behind a load balancer: one database,
//! one Redis, every replica with its own address and webhook endpoint. Budgets, events and
//! alerts must behave as for one instance.

use cucumber::{given, then, when};

use super::checkout::checkout_request;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::parameters::Person;
use crate::steps::world::Rehearsal;

/// The Redis the replicas share (`REDIS_URL`, by default the local one CI starts).
fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// `Given the backend runs as two replicas on one database and one Redis`.
#[given(expr = "the backend runs as two replicas on one database and one Redis")]
async fn two_replicas(world: &mut Rehearsal) {
    world.configure("REDIS_URL", &redis_url());
    world.backend().await;
    world.start_replica().await;
}

/// `When Ana starts Checkout 5 times, alternating between the replicas`.
#[when(expr = "{person} starts Checkout {int} times, alternating between the replicas")]
async fn alternating_checkouts(world: &mut Rehearsal, name: Person, times: usize) {
    let actor = world.known_actor(&name);
    let replicas: Vec<_> = world.replicas().iter().map(|b| b.client.clone()).collect();
    assert!(
        replicas.len() >= 2,
        "the scenario runs fewer than two replicas"
    );
    let mut answers = Vec::with_capacity(times);
    for i in 0..times {
        answers.push(
            replicas[i % replicas.len()]
                .create_checkout_session(Some(&actor.token), &checkout_request("BASIC", "monthly"))
                .await,
        );
    }
    world.bursts.insert(name.to_string(), answers);
}

/// `Then exactly 3 of Ana's attempts are accepted, whichever replica answered`.
#[then(expr = "exactly {int} of {person}'s attempts are accepted, whichever replica answered")]
async fn exactly_accepted(world: &mut Rehearsal, accepted: usize, name: Person) {
    let answers = world
        .bursts
        .get(name.as_str())
        .expect("a burst was sent first");
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(
        ok, accepted,
        "{name}'s attempts answered {statuses:?}: the replicas do not share one budget"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{name}'s attempts answered {statuses:?}"
    );
}

/// The `billing_webhook_events_total` counts of one replica: (applied or ignored, duplicate).
fn webhook_counts(metrics: &str) -> (u64, u64) {
    let mut handled = 0;
    let mut duplicate = 0;
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("billing_webhook_events_total{"))
    {
        let n = line
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_default() as u64;
        if line.contains("outcome=\"duplicate\"") {
            duplicate += n;
        } else if line.contains("outcome=\"applied\"") || line.contains("outcome=\"ignored") {
            handled += n;
        }
    }
    (handled, duplicate)
}

/// `Then every event reached both replicas and was applied once`: the ledger holds each event
/// once, processed; across the replicas each event was handled once and recognised as a
/// duplicate once.
#[then(expr = "every event reached both replicas and was applied once")]
async fn applied_once(world: &mut Rehearsal) {
    let replicas: Vec<_> = world
        .replicas()
        .iter()
        .map(|b| (b.client.clone(), b.db().clone()))
        .collect();
    let pool = replicas[0].1.clone();
    let clients: Vec<_> = replicas.iter().map(|(c, _)| c.clone()).collect();
    let (pool, clients) = (&pool, &clients);
    eventually(DEFAULT_DEADLINE, || async move {
        let (events, unprocessed): (i64, i64) = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE status <> 'processed') FROM stripe_events",
        )
        .fetch_one(pool)
        .await
        .map_err(|e| e.to_string())?;
        let mut handled = 0;
        let mut duplicate = 0;
        let mut per_replica = Vec::new();
        for client in clients {
            let text = client.metrics().await.body.as_str().unwrap_or_default().to_string();
            let (h, d) = webhook_counts(&text);
            per_replica.push((h, d));
            handled += h;
            duplicate += d;
        }
        let events = events as u64;
        if events > 0 && unprocessed == 0 && handled == events && duplicate == events {
            Ok(())
        } else {
            Err(format!(
                "the ledger holds {events} events ({unprocessed} not processed); the replicas handled {handled} and saw {duplicate} duplicates (per replica, handled/duplicate: {per_replica:?})"
            ))
        }
    })
    .await
    .unwrap_or_else(|seen| panic!("the replicas did not apply each event once: {seen}"));
}

/// `Then the alert channel receives exactly one alert about disputes`: once Stripe has
/// delivered everything to every replica, one alert of that kind arrived, not one per replica.
#[then(expr = "the alert channel receives exactly one alert about disputes")]
async fn exactly_one_alert(world: &mut Rehearsal) {
    let channel = world
        .alert_channel
        .as_ref()
        .expect("the alert channel was set up first");
    let count = || async move {
        let received = channel.received_requests().await.unwrap_or_default();
        received
            .iter()
            .filter_map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            .filter(|b| b["alert"] == "dispute_threshold")
            .count()
    };
    eventually(DEFAULT_DEADLINE, || async move {
        match count().await {
            0 => Err("no dispute alert yet".to_string()),
            _ => Ok(()),
        }
    })
    .await
    .unwrap_or_else(|seen| panic!("no alert about disputes: {seen}"));
    let control = world.control();
    let quiet = control
        .quiesce(DEFAULT_DEADLINE.as_millis() as u64)
        .await
        .unwrap_or_else(|e| panic!("the simulator could not wait for its deliveries: {e}"));
    assert_eq!(
        quiet["quiescent"], true,
        "Stripe still owes deliveries: {quiet}"
    );
    // Every replica has handled every dispute event now; a second alert would be here.
    let n = count().await;
    assert_eq!(n, 1, "{n} dispute alerts for one spike: one per replica?");
}
