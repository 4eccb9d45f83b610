//! The account's outbox: events owed to webhook endpoints, and the delivery settings and
//! counters that go with them. A state change appends to the outbox (through
//! `AccountState::emit`, with the account locked); webhook delivery (`webhooks/`) drains it
//! once the lock is released. Nothing here sends anything.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

/// One event owed to the endpoints that subscribed to its type when it was emitted.
#[derive(Debug, Clone)]
pub(crate) struct OutboxEvent {
    /// `evt_…`
    pub(crate) event_id: String,
    /// `invoice.paid`, …
    pub(crate) event_type: String,
    /// `we_…` of each endpoint owed the event.
    pub(crate) targets: Vec<String>,
    /// The event JSON exactly as it will be sent (same bytes on every attempt).
    pub(crate) body: Arc<str>,
    /// The flow the event belongs to (the API request id, or `auto_N`).
    pub(crate) flow: String,
    /// The delivery epoch when emitted (a reset starts a new one).
    pub(crate) epoch: u64,
    /// When it was emitted (the `delayed` mode counts from here).
    pub(crate) emitted_at: Instant,
}

/// Events not yet taken by delivery, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    pending: Vec<OutboxEvent>,
}

impl Outbox {
    /// Appends an event.
    pub(crate) fn push(&mut self, event: OutboxEvent) {
        self.pending.push(event);
    }

    /// Whether nothing is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Takes every waiting event, oldest first.
    pub(crate) fn drain(&mut self) -> Vec<OutboxEvent> {
        std::mem::take(&mut self.pending)
    }
}

/// How first attempts are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliveryMode {
    /// Emission order.
    #[default]
    Canonical,
    /// Seeded shuffle within each flow.
    Shuffled,
    /// Each flow's events last first.
    Reversed,
    /// Chosen events sent twice.
    Duplicated,
    /// First attempts held back by `delay_ms`.
    Delayed,
    /// First attempt delivered but its answer dropped (connection closed).
    DropFirst,
    /// First attempt answered 500 by the fault injector.
    FailFirst,
}

impl DeliveryMode {
    /// Parses a mode name.
    pub(crate) fn parse(s: &str) -> Option<DeliveryMode> {
        Some(match s {
            "canonical" => DeliveryMode::Canonical,
            "shuffled" => DeliveryMode::Shuffled,
            "reversed" => DeliveryMode::Reversed,
            "duplicated" => DeliveryMode::Duplicated,
            "delayed" => DeliveryMode::Delayed,
            "drop_first" => DeliveryMode::DropFirst,
            "fail_first" => DeliveryMode::FailFirst,
            _ => return None,
        })
    }

    /// All mode names.
    pub(crate) const NAMES: &'static [&'static str] = &[
        "canonical",
        "shuffled",
        "reversed",
        "duplicated",
        "delayed",
        "drop_first",
        "fail_first",
    ];
}

/// Per-account delivery settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct DeliverySettings {
    /// The mode.
    pub(crate) mode: DeliveryMode,
    /// Seed of the mode's random choices.
    pub(crate) seed: u64,
    /// Share of events picked by `duplicated`, `drop_first`, `fail_first` (0–1).
    pub(crate) rate: f64,
    /// Hold-back of the `delayed` mode.
    pub(crate) delay_ms: u64,
    /// Retry delays overriding the simulator's (`None` = `SimOptions::retry_schedule`).
    #[serde(skip)]
    pub(crate) retry_schedule: Option<Vec<Duration>>,
    /// Bumped on every change so workers reseed.
    pub(crate) generation: u64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            mode: DeliveryMode::Canonical,
            seed: 0,
            rate: 1.0,
            delay_ms: 500,
            retry_schedule: None,
            generation: 0,
        }
    }
}

/// The delivery side of an account: settings, the outbox, and what is still owed.
#[derive(Debug, Default)]
pub(crate) struct DeliveryState {
    /// Events emitted and not yet taken by delivery.
    pub(crate) outbox: Outbox,
    /// Mode, seed, retry schedule.
    pub(crate) settings: DeliverySettings,
    /// Deliveries (event × endpoint, including injected duplicates) queued, in flight or
    /// waiting for a retry. Quiescence waits for zero.
    pub(crate) outstanding: usize,
    /// Bumped by a reset so late completions of an old generation are not counted.
    pub(crate) epoch: u64,
    /// Sequence of automatic flows: events of one API call share its request id; automatic
    /// events (clock advances, hosted pages) share `auto_{flow_seq}` until it is bumped.
    pub(crate) flow_seq: u64,
    /// (event id, endpoint id) whose retries were exhausted.
    pub(crate) given_up: HashSet<(String, String)>,
}

impl DeliveryState {
    /// Starts a new flow of automatic events (for the "shuffled within a flow" mode).
    pub(crate) fn new_flow(&mut self) {
        self.flow_seq += 1;
    }
}

/// One delivery attempt, as shown by `GET /_sim/deliveries`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct DeliveryRecord {
    /// `evt_…`
    pub(crate) event_id: String,
    /// Event type.
    pub(crate) event_type: String,
    /// `we_…`
    pub(crate) endpoint_id: String,
    /// 1 for the first attempt.
    pub(crate) attempt: u32,
    /// HTTP status, `None` when no response arrived.
    pub(crate) status: Option<u16>,
    /// Connection error or timeout, if any.
    pub(crate) error: Option<String>,
    /// Time to the response.
    pub(crate) latency_ms: u64,
    /// Start of the response body.
    pub(crate) response_snippet: String,
    /// Unix seconds (wall clock) of the attempt.
    pub(crate) delivered_at: i64,
    /// What the fault injector did, if anything (`drop_first`, `fail_first`).
    pub(crate) fault: Option<String>,
    /// Whether this is an injected duplicate (`duplicated` mode).
    pub(crate) duplicate: bool,
}

impl DeliveryRecord {
    /// Whether the attempt succeeded (any 2xx, and no injected fault).
    pub(crate) fn succeeded(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}
