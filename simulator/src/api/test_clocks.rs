//! `/v1/test_helpers/test_clocks`: create, retrieve, list, delete,
//! advance. A customer joins a clock only at creation (`test_clock=clock_…`); its
//! subscriptions and invoices then follow that clock, and advancing it runs what falls due
//! for them, in time order, with events stamped at the clock's simulated instants.
//!
//! Advancing is synchronous here: the response shows the clock `advancing` (as Stripe's
//! does) and `test_helpers.test_clock.advancing` is emitted; by the time the response is
//! sent the work is done, the stored clock is `ready` and `test_helpers.test_clock.ready`
//! has been emitted, so a client polling for `ready` sees it at once.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::api::list_kind;
use crate::error::StripeError;
use crate::ids::new_id;
use crate::pipeline::Call;
use crate::time::clock::{Interval, add_interval};
use crate::time::scheduler;

/// The object type of a test clock.
pub const KIND: &str = "test_helpers.test_clock";
/// How long a clock lives (Stripe deletes clocks 30 days after creation).
pub const LIFETIME: i64 = 30 * 86_400;
/// Latest `frozen_time` accepted (year 2100); an arbitrary guard against overflow.
pub const MAX_FROZEN_TIME: i64 = 4_102_444_800;

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
pub fn create(c: &Call) -> Result<Value, StripeError> {
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
    let now = st.now();
    let clock = json!({
        "id": new_id("clock_"),
        "object": KIND,
        "created": now,
        "deletes_after": now + LIFETIME,
        "frozen_time": frozen,
        "livemode": false,
        "name": name,
        "status": "ready",
        "status_details": {},
    });
    st.store.put(clock.clone());
    st.emit(
        &c.request,
        "test_helpers.test_clock.created",
        clock.clone(),
        None,
    );
    Ok(clock)
}

/// `GET /v1/test_helpers/test_clocks/{id}`
pub fn retrieve(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&["expand"])?;
    c.account
        .lock()
        .store
        .get_kind(KIND, c.id())
        .cloned()
        .ok_or_else(|| missing(c.id()))
}

/// `GET /v1/test_helpers/test_clocks`
pub fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(c, KIND, "/v1/test_helpers/test_clocks", &[])
}

/// `DELETE /v1/test_helpers/test_clocks/{id}`: deletes the clock and, as on Stripe, the
/// customers created on it (their subscriptions end silently — a guess: Stripe documents
/// that the objects are deleted, not which events, if any, are sent).
pub fn delete(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    let clock = st
        .store
        .get_kind(KIND, c.id())
        .cloned()
        .ok_or_else(|| missing(c.id()))?;
    let customers: Vec<String> = st
        .store
        .ids_of("customer")
        .filter(|id| {
            st.store
                .get(id)
                .is_some_and(|cu| cu["test_clock"] == c.id() && cu["deleted"] != true)
        })
        .cloned()
        .collect();
    let subs: Vec<String> = st
        .store
        .ids_of("subscription")
        .filter(|id| {
            st.store.get(id).is_some_and(|s| {
                s["customer"]
                    .as_str()
                    .is_some_and(|cu| customers.iter().any(|x| x == cu))
            })
        })
        .cloned()
        .collect();
    for s in subs {
        st.store.remove(&s);
    }
    for cu in customers {
        st.store
            .put(json!({"id": cu, "object": "customer", "deleted": true}));
    }
    st.store.remove(c.id());
    st.time.deleted_clocks.insert(c.id().to_string());
    st.emit(&c.request, "test_helpers.test_clock.deleted", clock, None);
    Ok(json!({"id": c.id(), "object": KIND, "deleted": true}))
}

/// Approximate length of a recurring price's interval in seconds (to find the shortest).
fn interval_secs(price: &Value) -> Option<(i64, Interval, i64)> {
    let interval = Interval::parse(price["recurring"]["interval"].as_str()?)?;
    let count = price["recurring"]["interval_count"]
        .as_i64()
        .unwrap_or(1)
        .max(1);
    let unit = match interval {
        Interval::Day => 86_400,
        Interval::Week => 7 * 86_400,
        Interval::Month => 30 * 86_400,
        Interval::Year => 365 * 86_400,
    };
    Some((unit * count, interval, count))
}

/// The latest `frozen_time` a clock may advance to: two intervals of its shortest live
/// subscription past its current time (`None` = no subscription, no limit).
pub fn advance_limit(st: &AccountState, clock: &str, frozen: i64) -> Option<(i64, String)> {
    let shortest = st
        .store
        .ids_of("subscription")
        .filter_map(|id| st.store.get(id))
        .filter(|s| {
            !matches!(
                s["status"].as_str(),
                Some("canceled" | "incomplete_expired")
            )
        })
        .filter(|s| {
            s["customer"]
                .as_str()
                .is_some_and(|cu| st.customer_clock(cu) == Some(clock))
        })
        .flat_map(|s| {
            s["items"]["data"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|i| interval_secs(&i["price"]))
        })
        .min_by_key(|(secs, _, _)| *secs)?;
    let (_, interval, count) = shortest;
    let name = format!(
        "{count} {}",
        match interval {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
            Interval::Year => "year",
        }
    );
    Some((add_interval(frozen, interval, 2 * count), name))
}

/// `POST /v1/test_helpers/test_clocks/{id}/advance {frozen_time}`
pub fn advance(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&["frozen_time", "expand"])?;
    let target = frozen_time(c)?;
    let mut st = c.account.lock();
    if st.time.deleted_clocks.contains(c.id()) {
        // Guess [L]: Stripe refuses to advance a deleted clock; the exact message is ours.
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
    if let Some((limit, interval)) = advance_limit(&st, c.id(), frozen)
        && target > limit
    {
        return Err(StripeError::invalid(
            "frozen_time",
            format!(
                "Cannot advance the test clock more than two intervals past its current frozen_time: the shortest subscription interval on this clock is {interval}, so frozen_time may be at most {limit}."
            ),
        ));
    }
    let mut advancing = clock.clone();
    advancing["status"] = json!("advancing");
    advancing["status_details"] = json!({"advancing": {"target_frozen_time": target}});
    st.store.put(advancing.clone());
    st.emit(
        &c.request,
        "test_helpers.test_clock.advancing",
        advancing.clone(),
        Some(json!({"status": "ready", "status_details": {}})),
    );
    scheduler::run_due(&mut st, Some(c.id()), target);
    let mut ready = advancing.clone();
    ready["status"] = json!("ready");
    ready["status_details"] = json!({});
    ready["frozen_time"] = json!(target);
    st.store.put(ready.clone());
    st.delivery.new_flow();
    st.emit(
        &EventRequest::default(),
        "test_helpers.test_clock.ready",
        ready,
        Some(json!({"status": "advancing", "frozen_time": frozen})),
    );
    Ok(advancing)
}
