//! `/v1/test_helpers/test_clocks`: create, retrieve, list, delete,
//! advance. A customer joins a clock only at creation (`test_clock=clock_…`); its
//! subscriptions and invoices then follow that clock, and advancing it runs what falls due
//! for them, in time order, with events stamped at the clock's simulated instants.
//!
//! Advancing is synchronous here: the response shows the clock `advancing` (as Stripe's
//! does) and `test_helpers.test_clock.advancing` is emitted; by the time the response is
//! sent the work is done, the stored clock is `ready` and `test_helpers.test_clock.ready`
//! has been emitted, so a client polling for `ready` sees it at once.

use serde_json::Value;

use crate::api::list_kind;
use crate::engine::test_clocks::{self, KIND, MAX_FROZEN_TIME};
use crate::error::StripeError;
use crate::pipeline::Call;

fn frozen_time(c: &Call) -> Result<i64, StripeError> {
    let t = c
        .params
        .int("frozen_time")?
        .ok_or_else(|| StripeError::ParameterMissing {
            param: "frozen_time".into(),
        })?;
    if !(0..=MAX_FROZEN_TIME).contains(&t) {
        return Err(StripeError::invalid(
            "frozen_time",
            format!(
                "Invalid frozen_time: must be a Unix timestamp between 0 and {MAX_FROZEN_TIME}."
            ),
        ));
    }
    Ok(t)
}

fn missing(id: &str) -> StripeError {
    StripeError::missing("test_clock", id)
}

/// `POST /v1/test_helpers/test_clocks {frozen_time, name?}`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&["frozen_time", "name", "expand"])?;
    let frozen = frozen_time(c)?;
    let name = c.params.nonempty("name")?;
    if name.is_some_and(|n| n.chars().count() > 300) {
        return Err(StripeError::invalid(
            "name",
            "Invalid name: must be at most 300 characters.",
        ));
    }
    let mut st = c.account.lock();
    Ok(test_clocks::create(&mut st, &c.request, frozen, name))
}

/// `GET /v1/test_helpers/test_clocks/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&["expand"])?;
    c.account
        .lock()
        .store
        .get_kind(KIND, c.id())
        .cloned()
        .ok_or_else(|| missing(c.id()))
}

/// `GET /v1/test_helpers/test_clocks`
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(c, KIND, "/v1/test_helpers/test_clocks", &[])
}

/// `DELETE /v1/test_helpers/test_clocks/{id}`: deletes the clock and, as on Stripe, the
/// customers created on it (their subscriptions end silently — a guess: Stripe documents
/// that the objects are deleted, not which events, if any, are sent).
pub(crate) fn delete(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    let clock = st
        .store
        .get_kind(KIND, c.id())
        .cloned()
        .ok_or_else(|| missing(c.id()))?;
    Ok(test_clocks::delete(&mut st, &c.request, clock))
}

/// `POST /v1/test_helpers/test_clocks/{id}/advance {frozen_time}`
pub(crate) fn advance(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&["frozen_time", "expand"])?;
    let target = frozen_time(c)?;
    let mut st = c.account.lock();
    if st.time.deleted_clocks.contains(c.id()) {
        // Stripe refuses to advance a deleted clock; the code and message are ours (a guess,
        // see `simulator/docs/guesses.md`).
        return Err(StripeError::InvalidRequest {
            code: Some("test_clock_deleted"),
            param: None,
            message: format!(
                "The test clock {} has been deleted and can no longer be advanced.",
                c.id()
            ),
        });
    }
    let clock = st
        .store
        .get_kind(KIND, c.id())
        .cloned()
        .ok_or_else(|| missing(c.id()))?;
    let frozen = clock["frozen_time"].as_i64().unwrap_or(0);
    if clock["status"] != "ready" {
        return Err(StripeError::bad_request(format!(
            "The test clock {} is {} and cannot be advanced until it is ready.",
            c.id(),
            clock["status"].as_str().unwrap_or("unknown")
        )));
    }
    if target <= frozen {
        return Err(StripeError::invalid(
            "frozen_time",
            format!(
                "The frozen_time ({target}) must be later than the test clock's current frozen_time ({frozen}). Test clocks can only move forward."
            ),
        ));
    }
    if let Some((limit, interval)) = test_clocks::advance_limit(&st, c.id(), frozen)
        && target > limit
    {
        return Err(StripeError::invalid(
            "frozen_time",
            format!(
                "Cannot advance the test clock more than two intervals past its current frozen_time: the shortest subscription interval on this clock is {interval}, so frozen_time may be at most {limit}."
            ),
        ));
    }
    Ok(test_clocks::advance(&mut st, &c.request, clock, target))
}
