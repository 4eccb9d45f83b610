//! One event owed to one endpoint, as the delivery queues carry it.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use tokio::sync::oneshot;

/// One event owed to one endpoint.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryJob {
    /// `evt_…`
    pub(crate) event_id: String,
    /// `invoice.paid`, …
    pub(crate) event_type: String,
    /// `we_…`
    pub(crate) endpoint_id: String,
    /// The event JSON exactly as sent (same bytes on every attempt).
    pub(crate) body: Arc<str>,
    /// The flow the event belongs to (request id, or `auto_N`).
    pub(crate) flow: String,
    /// The account's delivery epoch when queued (a reset starts a new one).
    pub(crate) epoch: u64,
    /// When the event was queued (the `delayed` mode counts from here).
    pub(crate) queued_at: Instant,
    /// Set once any copy got a 2xx (`pending_webhooks` drops once).
    pub(crate) delivered: Arc<AtomicBool>,
    /// An injected duplicate.
    pub(crate) copy: bool,
}

/// What an endpoint's queue carries, in order.
pub(crate) enum Queued {
    /// An event's first attempt.
    Job(DeliveryJob),
    /// The turn of a retry that a clock advance brought forward: the worker signals it once
    /// every first attempt queued before it is made, so the retry goes out after the events
    /// the advance emitted, as a retry that fires at the new time would.
    Turn(oneshot::Sender<()>),
}
