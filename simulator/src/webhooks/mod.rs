//! Webhooks: signing (`signing`), the per-endpoint delivery engine (`delivery`), delivery
//! modes for resilience tests (`modes`), secret rolling (`secrets`) and the delivery log
//! views (`log`).
//!
//! Per account, [`DeliveryState`] (inside `AccountState`) holds the delivery mode, the count
//! of deliveries still owed (for quiescence), rolled secrets and the given-up deliveries.

pub mod delivery;
pub mod log;
pub mod modes;
pub mod secrets;
pub mod signing;

use std::collections::{HashMap, HashSet};

pub use modes::{DeliveryMode, DeliverySettings};

/// A previous secret of an endpoint that stays valid until `expires_at` (wall clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolledSecret {
    /// The old `whsec_…`.
    pub secret: String,
    /// Unix seconds (wall clock) after which it is no longer used to sign.
    pub expires_at: i64,
}

/// The delivery side of an account.
#[derive(Debug, Default)]
pub struct DeliveryState {
    /// Mode, seed, retry schedule.
    pub settings: DeliverySettings,
    /// Deliveries (event × endpoint, including injected duplicates) queued, in flight or
    /// waiting for a retry. Quiescence waits for zero.
    pub outstanding: usize,
    /// Bumped by a reset so late completions of an old generation are not counted.
    pub epoch: u64,
    /// Sequence of automatic flows: events of one API call share its request id; automatic
    /// events (clock advances, hosted pages) share `auto_{flow_seq}` until it is bumped.
    pub flow_seq: u64,
    /// Previous secrets per endpoint id, oldest first.
    pub rolled_secrets: HashMap<String, Vec<RolledSecret>>,
    /// (event id, endpoint id) whose retries were exhausted.
    pub given_up: HashSet<(String, String)>,
}

impl DeliveryState {
    /// Starts a new flow of automatic events (for the "shuffled within a flow" mode).
    pub fn new_flow(&mut self) {
        self.flow_seq += 1;
    }
}
