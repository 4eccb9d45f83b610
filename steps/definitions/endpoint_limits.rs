//! Steps about the budgets of the other rate-limited endpoints (checklist §7): the billing
//! portal, and the admins' writes. Each endpoint keeps its own budget per user; the limit is
//! checked before the request is validated or acted on, so the attempts before the refusal
//! may answer anything but 429 (an admin action on an unknown warning answers 404).

use cucumber::{given, then, when};
use serde_json::json;

use crate::steps::backend_client::FraudAction;
use crate::steps::parameters::Person;
use crate::steps::world::{APP_ORIGIN, Rehearsal};

/// `Given the billing portal allows 2 sessions per user per minute`
/// (`PORTAL_RATE_LIMIT_PER_MINUTE`).
#[given(expr = "the billing portal allows {int} sessions per user per minute")]
async fn portal_limit(world: &mut Rehearsal, per_minute: u32) {
    world.configure("PORTAL_RATE_LIMIT_PER_MINUTE", &per_minute.to_string());
}

/// `Given admins may make 2 changes per minute` (`ADMIN_RATE_LIMIT_PER_MINUTE`).
#[given(expr = "admins may make {int} changes per minute")]
async fn admin_limit(world: &mut Rehearsal, per_minute: u32) {
    world.configure("ADMIN_RATE_LIMIT_PER_MINUTE", &per_minute.to_string());
}

/// `When Ana asks for a billing portal link 3 times in a row`: `POST
/// /api/subscription/create-portal-session`, as fast as the app can send them.
#[when(expr = "{person} asks for a billing portal link {int} times in a row")]
async fn portal_burst(world: &mut Rehearsal, name: Person, times: usize) {
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let mut answers = Vec::with_capacity(times);
    for _ in 0..times {
        answers.push(
            backend
                .client
                .create_portal_session(
                    Some(&actor.token),
                    &json!({"return_url": format!("{APP_ORIGIN}/account/billing")}),
                )
                .await,
        );
    }
    world.bursts.insert(name.to_string(), answers);
}

/// `When Omar from ops marks a fraud warning as ignored 3 times in a row`: admin writes as
/// fast as a double-clicking admin sends them (on a warning id nobody has, so only the budget
/// decides whether the write is refused with 429).
#[when(expr = "{person} from ops marks a fraud warning as ignored {int} times in a row")]
async fn admin_burst(world: &mut Rehearsal, name: Person, times: usize) {
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let mut answers = Vec::with_capacity(times);
    for _ in 0..times {
        answers.push(
            backend
                .client
                .act_on_fraud_warning(
                    "issfr_golive_none",
                    FraudAction::Ignore,
                    Some(&actor.token),
                    &json!({"notes": "rate limit check"}),
                )
                .await,
        );
    }
    world.bursts.insert(name.to_string(), answers);
}

/// `Then only Ana's last attempt is refused with HTTP 429 and a Retry-After`: every attempt
/// before it was let through the budget (any answer but 429), the last was refused.
#[then(expr = "only {person}'s last attempt is refused with HTTP 429 and a Retry-After")]
async fn only_last_refused(world: &mut Rehearsal, name: Person) {
    let answers = world
        .bursts
        .get(name.as_str())
        .unwrap_or_else(|| panic!("{name} sent a burst first"));
    let (last, before) = answers.split_last().expect("at least one attempt");
    for (i, answer) in before.iter().enumerate() {
        assert_ne!(
            answer.status,
            429,
            "{name}'s attempt {} should be within the budget: {answer}",
            i + 1
        );
    }
    assert_eq!(last.status, 429, "{name}'s last attempt: {last}");
    assert!(
        last.header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| s >= 1),
        "429 without a Retry-After in seconds: {last}"
    );
}
