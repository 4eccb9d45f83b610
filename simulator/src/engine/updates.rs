//! Recording an update: the one way an object changed by a request is stored with its
//! `*.updated` event, whose `previous_attributes` holds the old values of the changed
//! top-level keys.

use serde_json::Value;

use crate::account::{AccountState, EventRequest};
use crate::objects::previous_attributes;

/// Stores `new` in place of `old` and emits `event_type` with `previous_attributes`.
/// Does nothing (no store write, no event) when nothing changed; returns whether it did.
pub(crate) fn record(
    st: &mut AccountState,
    req: &EventRequest,
    event_type: &str,
    old: &Value,
    new: &Value,
) -> bool {
    if new == old {
        return false;
    }
    let prev = previous_attributes(old, new);
    st.store.put(new.clone());
    st.emit(req, event_type, new.clone(), Some(prev));
    true
}
