//! Stripe test clocks: creating, deleting (with the customers on the clock) and advancing
//! one, which runs what falls due for its customers (`scheduler.rs`) with events stamped at
//! the clock's simulated instants. Advancing is synchronous: when it returns, the stored
//! clock is `ready` and `test_helpers.test_clock.ready` has been emitted.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::scheduler;
use crate::ids::new_id;
use crate::objects::status::{Status, SubscriptionStatus};
use crate::time::clock::{Interval, add_interval};

/// The object type of a test clock.
pub(crate) const KIND: &str = "test_helpers.test_clock";
/// How long a clock lives (Stripe deletes clocks 30 days after creation).
pub(crate) const LIFETIME: i64 = 30 * 86_400;
/// Latest `frozen_time` accepted (year 2100); an arbitrary guard against overflow.
pub(crate) const MAX_FROZEN_TIME: i64 = 4_102_444_800;

/// Creates a `ready` clock frozen at `frozen` → `test_helpers.test_clock.created`.
pub(crate) fn create(
    st: &mut AccountState,
    req: &EventRequest,
    frozen: i64,
    name: Option<&str>,
) -> Value {
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
    st.emit(req, "test_helpers.test_clock.created", clock.clone(), None);
    clock
}

/// Deletes `clock` and, as on Stripe, the customers created on it (their subscriptions end
/// silently — a guess: Stripe documents that the objects are deleted, not which events, if
/// any, are sent) → `test_helpers.test_clock.deleted`.
pub(crate) fn delete(st: &mut AccountState, req: &EventRequest, clock: Value) -> Value {
    let clock_id = clock["id"].as_str().unwrap_or_default().to_string();
    let customers: Vec<String> = st
        .store
        .ids_of("customer")
        .filter(|id| {
            st.store
                .get(id)
                .is_some_and(|cu| cu["test_clock"] == clock_id.as_str() && cu["deleted"] != true)
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
    st.store.remove(&clock_id);
    st.time.deleted_clocks.insert(clock_id.clone());
    st.emit(req, "test_helpers.test_clock.deleted", clock, None);
    json!({"id": clock_id, "object": KIND, "deleted": true})
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
pub(crate) fn advance_limit(st: &AccountState, clock: &str, frozen: i64) -> Option<(i64, String)> {
    let shortest = st
        .store
        .ids_of("subscription")
        .filter_map(|id| st.store.get(id))
        .filter(|s| !SubscriptionStatus::of(s).is_some_and(SubscriptionStatus::is_ended))
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

/// Advances `clock` (ready, checked by the caller) to `target`: `advancing` →
/// `test_helpers.test_clock.advancing`, every due job in time order, then `ready` →
/// `test_helpers.test_clock.ready` (a flow of its own). Returns the clock as `advancing`,
/// as Stripe answers.
pub(crate) fn advance(
    st: &mut AccountState,
    req: &EventRequest,
    clock: Value,
    target: i64,
) -> Value {
    let id = clock["id"].as_str().unwrap_or_default().to_string();
    let id = id.as_str();
    let frozen = clock["frozen_time"].as_i64().unwrap_or(0);
    let mut advancing = clock.clone();
    advancing["status"] = json!("advancing");
    advancing["status_details"] = json!({"advancing": {"target_frozen_time": target}});
    st.store.put(advancing.clone());
    st.emit(
        req,
        "test_helpers.test_clock.advancing",
        advancing.clone(),
        Some(json!({"status": "ready", "status_details": {}})),
    );
    scheduler::run_due(st, Some(id), target);
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
    st.clock_moved.notify_waiters();
    advancing
}
