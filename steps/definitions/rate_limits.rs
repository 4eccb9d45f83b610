//! Steps about rate limiting on Checkout (checklist §7): bursts are refused with 429 and a
//! `Retry-After`, logged, and kept per user and per endpoint.

use std::time::Duration;

use cucumber::{given, then, when};

use super::checkout::checkout_request;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::logs;
use crate::steps::parameters::Person;
use crate::steps::world::Rehearsal;

/// `Given Checkout allows 3 attempts per user per minute` (`CHECKOUT_RATE_LIMIT_PER_MINUTE`).
#[given(expr = "Checkout allows {int} attempts per user per minute")]
async fn checkout_limit(world: &mut Rehearsal, per_minute: u32) {
    world.configure("CHECKOUT_RATE_LIMIT_PER_MINUTE", &per_minute.to_string());
}

/// `Given Checkout allows 3 attempts per user every 2 seconds`: the limit and the
/// deployment's rate-limit window (`RATE_LIMIT_WINDOW_SECS`), so a lock-out ends within
/// seconds and a scenario about its end waits no longer than that.
#[given(expr = "Checkout allows {int} attempts per user every {int} seconds")]
async fn checkout_limit_per_window(world: &mut Rehearsal, attempts: u32, window_secs: u64) {
    world.configure("CHECKOUT_RATE_LIMIT_PER_MINUTE", &attempts.to_string());
    world.configure("RATE_LIMIT_WINDOW_SECS", &window_secs.to_string());
}

/// `When Ana starts Checkout 4 times in a row` (as fast as the app can send them).
#[when(expr = "{person} starts Checkout {int} time(s) in a row")]
async fn starts_checkout_repeatedly(world: &mut Rehearsal, name: Person, times: usize) {
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let mut answers = Vec::with_capacity(times);
    for _ in 0..times {
        answers.push(
            backend
                .client
                .create_checkout_session(Some(&actor.token), &checkout_request("BASIC", "monthly"))
                .await,
        );
    }
    world.last_response = answers.last().cloned();
    world.bursts.insert(name.to_string(), answers);
}

/// `Then the first 3 attempts are accepted and the last is refused with HTTP 429 and a
/// Retry-After`.
#[then(
    expr = "the first {int} attempts are accepted and the last is refused with HTTP 429 and a Retry-After"
)]
async fn burst_refused(world: &mut Rehearsal, accepted: usize) {
    let (name, answers) = world.bursts.iter().next().expect("a burst was sent first");
    for (i, answer) in answers.iter().take(accepted).enumerate() {
        assert_eq!(
            answer.status,
            200,
            "{name}'s attempt {} should be accepted: {answer}",
            i + 1
        );
    }
    let last = answers.last().expect("at least one attempt");
    assert_eq!(last.status, 429, "{name}'s last attempt: {last}");
    assert_eq!(last.error_code(), Some("rate_limited"), "{last}");
    let retry_after: u64 = last
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("429 without a Retry-After in seconds: {:?}", last.headers));
    assert!(retry_after >= 1, "Retry-After {retry_after}");
}

/// `Then the backend logs a "rate_limited" line for Ana`: a structured line with her user id.
#[then(expr = "the backend logs a {string} line for {person}")]
async fn logs_line_for(world: &mut Rehearsal, what: String, name: Person) {
    let user = world.known_actor(&name).user_id;
    let (user, what) = (user.as_str(), what.as_str());
    let line = eventually(DEFAULT_DEADLINE, || async move {
        logs::lines_with(&[user, what])
            .into_iter()
            .next()
            .ok_or_else(|| "no such line".to_string())
    })
    .await
    .unwrap_or_else(|seen| panic!("the backend logged no {what:?} line for {name}: {seen}"));
    assert!(
        line.contains("endpoint") || line.contains("path"),
        "the line lacks the endpoint: {line}"
    );
}

/// `Then Bruno's attempts are all accepted`.
#[then(expr = "{person}'s attempts are all accepted")]
async fn attempts_accepted(world: &mut Rehearsal, name: Person) {
    let answers = world
        .bursts
        .get(name.as_str())
        .expect("the person sent attempts first");
    for answer in answers {
        assert_eq!(answer.status, 200, "{name}'s attempt: {answer}");
    }
}

/// `Then Ana can still see her subscription status`: a limit on Checkout is Checkout's alone.
#[then(expr = "{person} can still see her/his/their subscription status")]
async fn can_see_status(world: &mut Rehearsal, name: Person) {
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let shown = backend.client.status(Some(&actor.token)).await;
    assert_eq!(shown.status, 200, "{name}'s status page: {shown}");
}

/// `Then Ana can start Checkout again as soon as her Retry-After has passed`: attempts made while
/// she is refused do not push the moment further away.
#[then(expr = "{person} can start Checkout again as soon as her/his/their Retry-After has passed")]
async fn can_start_again(world: &mut Rehearsal, name: Person) {
    let answers = world
        .bursts
        .get(name.as_str())
        .expect("a burst was sent first");
    let first_refusal = answers
        .iter()
        .find(|a| a.status == 429)
        .unwrap_or_else(|| panic!("{name} was never refused"));
    let retry_after: u64 = first_refusal
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("the 429 carries Retry-After");
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let (client, token) = (&backend.client, actor.token.as_str());
    // From the end of the burst: Retry-After and a little slack for the polls themselves. Were
    // refused attempts counted, each would push the lock-out one more interval away.
    let deadline = Duration::from_secs(retry_after + 2);
    eventually(deadline, || async move {
        let answer = client
            .create_checkout_session(Some(token), &checkout_request("BASIC", "monthly"))
            .await;
        if answer.status == 200 {
            Ok(())
        } else {
            Err(answer.to_string())
        }
    })
    .await
    .unwrap_or_else(|seen| {
        panic!("{name} is still locked out after her Retry-After ({retry_after} s): {seen}")
    });
}
