//! Steps about how Stripe delivers webhooks and what its delivery log shows (checklist 4):
//! test events, duplicated and shuffled deliveries, a delivery the backend fails and Stripe
//! retries.

use std::collections::{BTreeMap, BTreeSet};

use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::time::sim_control;
use crate::steps::actors::random_suffix;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::parameters::EventType;
use crate::steps::records::{self, describe_ledger};
use crate::steps::target::Target;
use crate::steps::world::Rehearsal;

/// `When Stripe sends a test "customer.subscription.updated" event`: as `stripe trigger` does,
/// Stripe makes the objects the event is about (a customer and a subscription of its own, not
/// anyone's in the app) through the real flows, and delivers every event they cause. On the
/// simulator through its trigger; on Stripe test mode (subscription events only) through the
/// API: a customer with the Visa test card, a BASIC subscription, then an update of it.
#[when(expr = r#"Stripe sends a test "{event}" event"#)]
async fn sends_test_event(world: &mut Rehearsal, event_type: EventType) {
    world.backend().await;
    if matches!(world.env().target, Target::Simulator) {
        let answer = world
            .control()
            .trigger(&event_type)
            .await
            .unwrap_or_else(|e| panic!("Stripe could not send a test {event_type:?} event: {e}"));
        assert!(
            answer["events"].as_array().is_some_and(|e| !e.is_empty()),
            "the trigger made no {event_type:?} event: {answer}"
        );
        return;
    }
    assert!(
        matches!(
            event_type.as_str(),
            "customer.subscription.created" | "customer.subscription.updated"
        ),
        "on Stripe test mode this step sends customer.subscription.created|updated only; run `stripe trigger {event_type}`"
    );
    let price = world
        .plans()
        .await
        .price_id("basic", "monthly")
        .expect("BASIC monthly on sale")
        .to_string();
    let stripe = world.stripe.clone();
    let fail = |what: &str, e: stripe_sim::client::ApiError| -> ! {
        panic!("Stripe refused to {what} for the test event: {e}")
    };
    let customer = stripe
        .post(
            "/v1/customers",
            &[
                ("payment_method", "pm_card_visa".to_string()),
                (
                    "invoice_settings[default_payment_method]",
                    "pm_card_visa".to_string(),
                ),
            ],
        )
        .await
        .unwrap_or_else(|e| fail("create a customer", e));
    let customer = customer["id"].as_str().unwrap_or_default().to_string();
    let subscription = stripe
        .post(
            "/v1/subscriptions",
            &[("customer", customer), ("items[0][price]", price)],
        )
        .await
        .unwrap_or_else(|e| fail("create a subscription", e));
    let id = subscription["id"].as_str().unwrap_or_default();
    if event_type == "customer.subscription.updated" {
        stripe
            .post(
                &format!("/v1/subscriptions/{id}"),
                &[("metadata[golive_test_event]", "true".to_string())],
            )
            .await
            .unwrap_or_else(|e| fail("update the subscription", e));
    }
}

/// `Given Stripe delivers every event twice, the copies at the same moment`: the backend's
/// webhook URL is registered a second time in Stripe with the same signing secret (as when ops
/// add the endpoint twice), so each event goes out twice, in parallel, one copy per endpoint.
#[given(expr = "Stripe delivers every event twice, the copies at the same moment")]
async fn delivers_twice_at_once(world: &mut Rehearsal) {
    sim_control(world, "a second webhook endpoint with a chosen secret");
    let backend = world.backend().await;
    let endpoint_id = backend
        .webhook_endpoint_id
        .clone()
        .expect("the scenario registered the backend's webhook endpoint");
    let secret = backend
        .webhook_secret
        .clone()
        .expect("the backend's webhook secret");
    let endpoint = world
        .stripe
        .get(&format!("/v1/webhook_endpoints/{endpoint_id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not show {endpoint_id}: {e}"));
    let url = endpoint["url"].as_str().expect("the endpoint's url");
    let events: Vec<&str> = endpoint["enabled_events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let (second, _) = world
        .stripe
        .create_webhook_endpoint(url, &events)
        .await
        .unwrap_or_else(|e| panic!("Stripe refused a second endpoint for {url}: {e}"));
    // The Dashboard cannot choose a secret; the simulator's roll can, and with no overlap the
    // second endpoint signs with exactly the backend's secret.
    world
        .control()
        .roll_secret(&second, Some(&secret), 0)
        .await
        .unwrap_or_else(|e| panic!("the simulator could not set {second}'s secret: {e}"));
    world.remembered.second_endpoint = Some(second);
}

/// `Given Stripe delivers the events of each flow in a shuffled order`: each API call's or
/// page action's events reach the backend in a random order (the seed is printed).
#[given(expr = "Stripe delivers the events of each flow in a shuffled order")]
async fn delivers_shuffled(world: &mut Rehearsal) {
    world.backend().await;
    let seed = u64::from_str_radix(&random_suffix()[..6], 36).unwrap_or(7) % 1_000_000;
    eprintln!("golive: shuffled delivery, seed {seed}");
    sim_control(world, "shuffled delivery")
        .delivery_mode(json!({"mode": "shuffled", "seed": seed}))
        .await
        .unwrap_or_else(|e| panic!("the simulator refused shuffled delivery: {e}"));
}

/// `Given Stripe delivers the events of each flow last first`: the adversarial order for a
/// receiver that lets the last delivery win — the subscription's `created` snapshot (still
/// `incomplete`) arrives after the `updated` that made it `active`.
#[given(expr = "Stripe delivers the events of each flow last first")]
async fn delivers_reversed(world: &mut Rehearsal) {
    world.backend().await;
    sim_control(world, "reversed delivery")
        .delivery_mode(json!({"mode": "reversed"}))
        .await
        .unwrap_or_else(|e| panic!("the simulator refused reversed delivery: {e}"));
}

/// `Given Stripe retries a failed delivery only after 1 hour`: events keep their order, but a
/// delivery the backend fails is tried again only once that long has passed on Stripe's clock,
/// so nothing is waited for in real time: the next move of the clock (`a month passes`)
/// releases the retry, and Stripe sends it after the events of that month — as Stripe's own
/// retries, hours apart in real time, come after what a test clock's advance emits.
#[given(expr = "Stripe retries a failed delivery only after {int} hour(s)")]
async fn retries_late(world: &mut Rehearsal, hours: u64) {
    world.backend().await;
    let delay_ms = hours.max(1) * 3_600_000;
    sim_control(world, "a retry schedule")
        .delivery_mode(
            json!({"mode": "canonical", "retry_schedule": [delay_ms, delay_ms, delay_ms]}),
        )
        .await
        .unwrap_or_else(|e| panic!("the simulator refused the retry schedule: {e}"));
}

/// `Given the backend's database is unavailable for the next delivery`: fault injection in
/// the scenario's database (not history): a trigger on `user_subscriptions` makes the next
/// delivery's write of a subscription fail once, as a dropped connection or a failover would
/// (deliveries that write no subscription, such as `customer.created`, are not affected).
/// Every later write goes through. The backend itself must answer that delivery with an error
/// so that Stripe retries it.
#[given(expr = "the backend's database is unavailable for the next delivery")]
async fn database_fails_once(world: &mut Rehearsal) {
    let backend = world.backend().await;
    let db = backend.db();
    for statement in [
        "CREATE SEQUENCE golive_fault_writes",
        "CREATE FUNCTION golive_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN \
           IF NEW.stripe_subscription_id IS NOT NULL THEN \
             IF nextval('golive_fault_writes') = 1 THEN \
               RAISE EXCEPTION 'golive fault injection: the database is unavailable'; \
             END IF; \
           END IF; \
           RETURN NEW; \
         END $$",
        "CREATE TRIGGER golive_fail_once BEFORE INSERT OR UPDATE ON user_subscriptions \
         FOR EACH ROW EXECUTE FUNCTION golive_fail_once()",
    ] {
        sqlx::query(statement)
            .execute(db)
            .await
            .unwrap_or_else(|e| panic!("could not inject the database fault: {e}"));
    }
}

/// `Then Stripe's delivery log shows a failed attempt followed by a successful one`: one event
/// whose first attempt the backend itself answered with an error (no fault injected by Stripe)
/// and whose later attempt it answered 2xx.
#[then(expr = "Stripe's delivery log shows a failed attempt followed by a successful one")]
async fn failed_then_succeeded(world: &mut Rehearsal) {
    let control = sim_control(world, "reading the delivery log");
    let control = &control;
    let found = eventually(DEFAULT_DEADLINE, || async move {
        let log = control
            .deliveries()
            .await
            .map_err(|e| format!("delivery log: {e}"))?;
        let mut by_event: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
        for attempt in log["data"].as_array().into_iter().flatten() {
            let id = attempt["event_id"].as_str().unwrap_or_default().to_string();
            by_event.entry(id).or_default().push(attempt);
        }
        by_event
            .iter()
            .find_map(|(id, attempts)| {
                let failed = attempts.iter().position(|a| {
                    a["fault"].is_null() && a["status"].as_u64().is_some_and(|s| s >= 500)
                })?;
                attempts[failed + 1..]
                    .iter()
                    .any(|a| {
                        a["status"]
                            .as_u64()
                            .is_some_and(|s| (200..300).contains(&s))
                    })
                    .then(|| id.clone())
            })
            .ok_or_else(|| format!("no event failed by the backend and then delivered: {log}"))
    })
    .await;
    if let Err(seen) = found {
        panic!(
            "Stripe's delivery log shows no failed attempt followed by a successful one: {seen}"
        );
    }
}

/// `Then Stripe's delivery log shows the retry delivered after a newer event`: the event the
/// backend failed was delivered again only after another event, queued after that failure
/// (so a newer one), had been delivered: the retry reached the backend after the newer event.
#[then(expr = "Stripe's delivery log shows the retry delivered after a newer event")]
async fn retry_after_newer_event(world: &mut Rehearsal) {
    let log = sim_control(world, "reading the delivery log")
        .deliveries()
        .await
        .unwrap_or_else(|e| panic!("Stripe's delivery log is unavailable: {e}"));
    let attempts: Vec<&Value> = log["data"].as_array().into_iter().flatten().collect();
    let ok = |a: &Value| {
        a["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s))
    };
    let found = attempts.iter().enumerate().find_map(|(failed, attempt)| {
        let backend_failed =
            attempt["fault"].is_null() && attempt["status"].as_u64().is_some_and(|s| s >= 500);
        if !backend_failed {
            return None;
        }
        let id = &attempt["event_id"];
        let retried = failed
            + 1
            + attempts[failed + 1..]
                .iter()
                .position(|a| &a["event_id"] == id && ok(a))?;
        attempts[failed + 1..retried]
            .iter()
            .find(|a| &a["event_id"] != id && ok(a))
            .map(|newer| (id.clone(), newer["event_type"].clone()))
    });
    match found {
        Some((id, newer)) => eprintln!("golive: {id} was retried after {newer} was delivered"),
        None => panic!(
            "no failed delivery was retried after a newer event had been delivered: {}",
            world.delivery_log().await
        ),
    }
}

/// `When Stripe has delivered every event`: waits until Stripe owes no delivery (each answered
/// 2xx, or given up), so what a Then step sees is the final state, not a moment on the way.
#[when(expr = "Stripe has delivered every event")]
async fn stripe_has_delivered_everything(world: &mut Rehearsal) {
    let control = sim_control(world, "waiting for deliveries");
    let quiet = control
        .quiesce(DEFAULT_DEADLINE.as_millis() as u64)
        .await
        .unwrap_or_else(|e| panic!("the simulator could not wait for its deliveries: {e}"));
    assert_eq!(
        quiet["quiescent"],
        true,
        "Stripe still owes deliveries after {DEFAULT_DEADLINE:?}: {quiet}\n{}",
        world.delivery_log().await
    );
}

/// `Then each event is recorded once in the backend's ledger`: once Stripe owes no more
/// deliveries, every event it delivered (each more than once) has exactly one ledger row,
/// processed, and every paid invoice one renewal-history row.
#[then(expr = "each event is recorded once in the backend's ledger")]
async fn each_event_once(world: &mut Rehearsal) {
    let control = sim_control(world, "reading the delivery log");
    let backend = world.backend().await;
    let (db, control) = (backend.db(), &control);
    // Every delivery Stripe owes must have been made (or given up) before counting.
    let quiet = control
        .quiesce(DEFAULT_DEADLINE.as_millis() as u64)
        .await
        .unwrap_or_else(|e| panic!("the simulator could not wait for its deliveries: {e}"));
    assert_eq!(
        quiet["quiescent"], true,
        "Stripe still owes deliveries after {DEFAULT_DEADLINE:?}: {quiet}"
    );
    let checked = eventually(DEFAULT_DEADLINE, || async move {
        let log = control
            .deliveries()
            .await
            .map_err(|e| format!("delivery log: {e}"))?;
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
        if delivered.is_empty() {
            return Err("nothing delivered yet".to_string());
        }
        if let Some((id, n)) = delivered.iter().find(|(_, n)| **n < 2) {
            return Err(format!(
                "{id} was delivered {n} time(s), not twice; log: {log}"
            ));
        }
        let ledger = records::ledger(db)
            .await
            .map_err(|e| format!("query stripe_events: {e}"))?;
        for id in delivered.keys() {
            let rows: Vec<_> = ledger.iter().filter(|e| &e.event_id == id).collect();
            if rows.len() != 1 || rows[0].status != "processed" {
                return Err(format!(
                    "{id} has {} ledger row(s) {rows:?}; ledger: {}",
                    rows.len(),
                    describe_ledger(&ledger)
                ));
            }
        }
        let history: Vec<(String, i64)> = sqlx::query_as(
            "SELECT stripe_invoice_id, count(*) FROM subscription_renewal_history \
             GROUP BY stripe_invoice_id",
        )
        .fetch_all(db)
        .await
        .map_err(|e| format!("query subscription_renewal_history: {e}"))?;
        if let Some(twice) = history.iter().find(|(_, n)| *n != 1) {
            return Err(format!("invoice recorded more than once: {twice:?}"));
        }
        let ids: BTreeSet<_> = delivered.keys().collect();
        Ok(ids.len())
    })
    .await;
    if let Err(seen) = checked {
        panic!(
            "an event is not recorded exactly once: {seen}\nStripe's delivery log: {}",
            world.delivery_log().await
        );
    }
}
