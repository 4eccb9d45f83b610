//! Raw events of the control plane (`POST /_sim/emit`): an arbitrary object under any event
//! type, for load-testing a receiver. Nothing is stored but the events themselves.

use serde_json::Value;

use crate::account::{AccountState, EventRequest};

/// Emits `count` events of `event_type` carrying `object`; returns their ids.
pub(crate) fn emit(
    st: &mut AccountState,
    req: &EventRequest,
    event_type: &str,
    object: &Value,
    count: usize,
) -> Vec<String> {
    (0..count)
        .map(|_| st.emit(req, event_type, object.clone(), None))
        .collect()
}
