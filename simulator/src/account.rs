//! One simulated Stripe account (one API key): its objects, clock, events, webhook secrets,
//! outbox and delivery log. Everything is behind short-lived std mutexes, never held across
//! an `.await`. Releasing the state lock with events in the outbox wakes delivery.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::cards::Behaviour;
use crate::idempotency::IdempotencyStore;
use crate::ids::new_id;
use crate::outbox::{DeliveryRecord, DeliveryState, OutboxEvent};
use crate::secrets::WebhookSecrets;
use crate::store::Store;
use crate::time::TimeState;
use crate::time::clock::wall_now;

/// The `request` block of an event: which API call caused it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EventRequest {
    /// `req_…` of the API call, `None` for automatic events.
    pub(crate) id: Option<String>,
    /// The call's `Idempotency-Key`, if any.
    pub(crate) idempotency_key: Option<String>,
}

/// A line item of a checkout session (kept simulator-side; Stripe exposes it via
/// `GET /v1/checkout/sessions/:id/line_items`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionItem {
    /// The price id.
    pub(crate) price: String,
    /// Quantity ≥ 1.
    pub(crate) quantity: i64,
}

/// What a checkout session passes to the object it creates at completion, given at session
/// creation: `subscription_data` (subscription mode), `payment_intent_data` (payment mode)
/// or `setup_intent_data` (setup mode).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SessionSubscriptionData {
    /// `…[metadata]`
    pub(crate) metadata: Value,
    /// `…[description]`
    pub(crate) description: Option<String>,
    /// Other fields set on the payment intent as given (`receipt_email`,
    /// `setup_future_usage`); `null` in the other modes.
    pub(crate) fields: Value,
}

/// Per-account payment settings changed through the control plane.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PaymentSettings {
    /// `fraud_type` for test early fraud warnings (`None` = the default of `radar.rs`).
    pub(crate) fraud_type: Option<String>,
    /// Per customer id: `true` = their next payments fail (generic decline) whatever the
    /// card, `false` = they succeed whatever the card. Absent = the card decides.
    pub(crate) customer_override: HashMap<String, bool>,
}

/// The mutable state of an account.
#[derive(Debug, Default)]
pub(crate) struct AccountState {
    /// All Stripe objects.
    pub(crate) store: Store,
    /// Seconds added to the wall clock (`/_sim/clock/advance` moves it).
    pub(crate) clock_offset: i64,
    /// Every webhook endpoint's signing secrets, current and rolled.
    pub(crate) secrets: WebhookSecrets,
    /// Line items per checkout session id.
    pub(crate) session_items: HashMap<String, Vec<SessionItem>>,
    /// `subscription_data` / `payment_intent_data` / `setup_intent_data` per checkout
    /// session id.
    pub(crate) session_subscription_data: HashMap<String, SessionSubscriptionData>,
    /// Test-card behaviour per payment method id (for later charges, disputes, EFWs).
    pub(crate) pm_behaviour: HashMap<String, Behaviour>,
    /// The card number each `POST /v1/tokens` token stands for (kept out of its JSON), so a
    /// payment method made from the token is that card.
    pub(crate) token_cards: HashMap<String, String>,
    /// Control-plane payment settings (EFW `fraud_type`, per-customer fail/succeed).
    pub(crate) payments: PaymentSettings,
    /// Simulated time: the "now" of the job being run, renewal settings.
    pub(crate) time: TimeState,
    /// The outbox, the delivery mode and the deliveries still owed.
    pub(crate) delivery: DeliveryState,
    /// Signalled when the account clock or a test clock moves forward, so webhook retries
    /// waiting on simulated time re-check whether they are due.
    pub(crate) clock_moved: Arc<Notify>,
    /// Per webhook endpoint, the account time of its first failed attempt since its last
    /// success (delivery disables an endpoint that keeps failing, see `webhooks/delivery.rs`).
    pub(crate) endpoint_failing_since: HashMap<String, i64>,
}

impl AccountState {
    /// The account's current time in Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        // While time advances, each due job runs at its own simulated instant.
        self.time
            .now_override
            .unwrap_or_else(|| wall_now() + self.clock_offset)
    }

    /// The time of `customer`'s clock: its test clock's `frozen_time` when it has one,
    /// otherwise the account's [`now`](Self::now).
    pub(crate) fn now_for_customer(&self, customer: &str) -> i64 {
        if let Some(t) = self.time.now_override {
            return t;
        }
        self.customer_clock(customer)
            .and_then(|clock| self.store.get_kind("test_helpers.test_clock", clock))
            .and_then(|c| c["frozen_time"].as_i64())
            .unwrap_or_else(|| self.now())
    }

    /// The test clock `customer` was created on, if any.
    pub(crate) fn customer_clock(&self, customer: &str) -> Option<&str> {
        self.store
            .get_kind("customer", customer)
            .and_then(|c| c["test_clock"].as_str())
    }

    /// Records an event, stores it, and appends it to the outbox for every enabled endpoint
    /// that subscribes to its type, in emission order. Returns the event id.
    pub(crate) fn emit(
        &mut self,
        request: &EventRequest,
        event_type: &str,
        object: Value,
        previous_attributes: Option<Value>,
    ) -> String {
        self.emit_ref(request, event_type, &object, previous_attributes)
    }

    /// [`emit`](Self::emit) for an object the caller keeps (no copy needed to announce it).
    pub(crate) fn emit_ref(
        &mut self,
        request: &EventRequest,
        event_type: &str,
        object: &Value,
        previous_attributes: Option<Value>,
    ) -> String {
        // The object is serialized once (or not at all when its stored copy is warm and
        // equal) and its text shared by the stored event, the outbox and the object itself.
        let object = self.store.object_text(object);
        self.emit_text(request, event_type, object, previous_attributes)
    }

    /// [`emit`](Self::emit) of object `id` exactly as stored (after `Store::update` or
    /// `Store::put`): its stored text is announced without a copy or a comparison.
    pub(crate) fn emit_stored(
        &mut self,
        request: &EventRequest,
        event_type: &str,
        id: &str,
        previous_attributes: Option<Value>,
    ) -> String {
        let object = self
            .store
            .stored_text(id)
            .unwrap_or_else(|| Arc::from("null"));
        self.emit_text(request, event_type, object, previous_attributes)
    }

    /// [`emit`](Self::emit) for an object given as its JSON text (e.g. the text just
    /// stored), shared by the stored event and the outbox without being copied.
    pub(crate) fn emit_text(
        &mut self,
        request: &EventRequest,
        event_type: &str,
        object: Arc<str>,
        previous_attributes: Option<Value>,
    ) -> String {
        let targets: Vec<String> = self
            .store
            .ids_of("webhook_endpoint")
            .filter(|id| {
                self.store
                    .get_kind("webhook_endpoint", id)
                    .is_some_and(|we| endpoint_wants(we, event_type))
            })
            .cloned()
            .collect();
        let id = new_id("evt_");
        let created = self.now();
        let envelope = envelope_json(
            &id,
            created,
            previous_attributes,
            targets.len(),
            request,
            event_type,
        );
        if !targets.is_empty() {
            let flow = request
                .id
                .clone()
                .unwrap_or_else(|| format!("auto_{}", self.delivery.flow_seq));
            self.delivery.outstanding += targets.len();
            self.delivery.outbox.push(OutboxEvent {
                event_id: id.clone(),
                event_type: event_type.to_string(),
                targets,
                body: Arc::from(Store::event_json(&envelope, &object)),
                flow,
                epoch: self.delivery.epoch,
                emitted_at: Instant::now(),
            });
        }
        self.store.put_event(id.clone(), created, envelope, object);
        id
    }

    /// Decrements an event's `pending_webhooks` after a successful delivery.
    pub(crate) fn delivered(&mut self, event_id: &str) {
        self.store.edit_event(event_id, |ev| {
            let n = ev["pending_webhooks"].as_i64().unwrap_or(0);
            ev["pending_webhooks"] = json!((n - 1).max(0));
        });
    }
}

/// An event's JSON without `data.object` (see [`Store::put_event`]), written from its parts
/// in key order (the order of a `Value` map), so no map is built and nothing is copied.
fn envelope_json(
    id: &str,
    created: i64,
    previous_attributes: Option<Value>,
    pending_webhooks: usize,
    request: &EventRequest,
    event_type: &str,
) -> String {
    let envelope = Envelope {
        api_version: crate::API_VERSION,
        created,
        data: EnvelopeData {
            previous_attributes,
        },
        id,
        livemode: false,
        object: "event",
        pending_webhooks,
        request: RequestBlock {
            id: request.id.as_deref(),
            idempotency_key: request.idempotency_key.as_deref(),
        },
        event_type,
    };
    serde_json::to_string(&envelope).unwrap_or_default()
}

/// An event's fields but `data.object`, in key order.
#[derive(Serialize)]
struct Envelope<'a> {
    api_version: &'static str,
    created: i64,
    data: EnvelopeData,
    id: &'a str,
    livemode: bool,
    object: &'static str,
    pending_webhooks: usize,
    request: RequestBlock<'a>,
    #[serde(rename = "type")]
    event_type: &'a str,
}

/// An event's `data` without `object` (spliced in by [`Store::event_json`]).
#[derive(Serialize)]
struct EnvelopeData {
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_attributes: Option<Value>,
}

/// An event's `request` block.
#[derive(Serialize)]
struct RequestBlock<'a> {
    id: Option<&'a str>,
    idempotency_key: Option<&'a str>,
}

/// Whether a webhook endpoint object is enabled and subscribed to `event_type`.
pub(crate) fn endpoint_wants(endpoint: &Value, event_type: &str) -> bool {
    endpoint["status"] == "enabled"
        && endpoint["enabled_events"]
            .as_array()
            .is_some_and(|evs| evs.iter().any(|e| e == "*" || e == event_type))
}

/// An account: state, idempotency records and the webhook delivery log.
#[derive(Debug)]
pub(crate) struct Account {
    /// `acct_…`, for logs.
    pub(crate) id: String,
    /// Objects, clock, endpoints.
    pub(crate) state: Mutex<AccountState>,
    /// Idempotency keys and their stored responses.
    pub(crate) idempotency: Mutex<IdempotencyStore>,
    /// Every delivery attempt, oldest first.
    pub(crate) deliveries: Mutex<Vec<DeliveryRecord>>,
    /// Signalled when the state lock is released with events in the outbox.
    pub(crate) outbox_ready: Arc<Notify>,
    /// Signalled each time delivery has drained the outbox (a retry waiting for its turn
    /// behind what was emitted before it waits for this).
    pub(crate) outbox_drained: Notify,
}

/// The locked state of an account. Dropping it with events in the outbox wakes delivery.
#[derive(Debug)]
pub(crate) struct StateGuard<'a> {
    guard: MutexGuard<'a, AccountState>,
    outbox_ready: &'a Notify,
}

impl std::ops::Deref for StateGuard<'_> {
    type Target = AccountState;
    fn deref(&self) -> &AccountState {
        &self.guard
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut AccountState {
        &mut self.guard
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        if !self.guard.delivery.outbox.is_empty() {
            self.outbox_ready.notify_one();
        }
    }
}

impl Account {
    /// A fresh, empty account.
    pub(crate) fn new() -> Account {
        Account {
            id: new_id("acct_"),
            state: Mutex::new(AccountState::default()),
            idempotency: Mutex::new(IdempotencyStore::default()),
            deliveries: Mutex::new(Vec::new()),
            outbox_ready: Arc::new(Notify::new()),
            outbox_drained: Notify::new(),
        }
    }

    /// Locks the state. A poisoned lock (a panic elsewhere) is recovered rather than
    /// turning every later request into a 500.
    pub(crate) fn lock(&self) -> StateGuard<'_> {
        StateGuard {
            guard: self.state.lock().unwrap_or_else(|e| e.into_inner()),
            outbox_ready: &self.outbox_ready,
        }
    }
}

impl Default for Account {
    fn default() -> Self {
        Account::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_filter() {
        let we = json!({"status": "enabled", "enabled_events": ["invoice.paid"]});
        assert!(endpoint_wants(&we, "invoice.paid"));
        assert!(!endpoint_wants(&we, "invoice.created"));
        let all = json!({"status": "enabled", "enabled_events": ["*"]});
        assert!(endpoint_wants(&all, "anything"));
        let off = json!({"status": "disabled", "enabled_events": ["*"]});
        assert!(!endpoint_wants(&off, "anything"));
    }

    #[test]
    fn the_envelope_is_the_event_map_serialized() {
        for (prev, request) in [
            (None, EventRequest::default()),
            (
                Some(json!({"email": null, "metadata": {"a": "\"1\""}})),
                EventRequest {
                    id: Some("req_1".into()),
                    idempotency_key: Some("k \u{e9}\"".into()),
                },
            ),
        ] {
            let expected = json!({
                "api_version": crate::API_VERSION,
                "created": 17,
                "data": match &prev { Some(p) => json!({"previous_attributes": p}), None => json!({}) },
                "id": "evt_1",
                "livemode": false,
                "object": "event",
                "pending_webhooks": 2,
                "request": {"id": request.id, "idempotency_key": request.idempotency_key},
                "type": "customer.updated",
            });
            let text = envelope_json("evt_1", 17, prev, 2, &request, "customer.updated");
            assert_eq!(text, serde_json::to_string(&expected).expect("json"));
        }
    }

    #[test]
    fn emit_appends_to_the_outbox_in_order_and_counts_pending() {
        let mut st = AccountState::default();
        st.store.put(json!({"id": "we_1", "object": "webhook_endpoint", "status": "enabled", "enabled_events": ["*"]}));
        let a = st.emit(
            &EventRequest::default(),
            "customer.created",
            json!({"id": "cus_1"}),
            None,
        );
        let b = st.emit(
            &EventRequest::default(),
            "customer.updated",
            json!({"id": "cus_1"}),
            Some(json!({"email": null})),
        );
        let drained = st.delivery.outbox.drain();
        let owed: Vec<String> = drained.iter().map(|e| e.event_id.clone()).collect();
        assert_eq!(owed, [a.clone(), b.clone()]);
        assert_eq!(st.delivery.outstanding, 2);
        let ev = st.store.get_kind("event", &b).expect("stored").clone();
        // What is sent is what the API shows.
        let sent: Value = serde_json::from_str(&drained[1].body).expect("body");
        assert_eq!(sent, ev);
        assert_eq!(sent["data"]["object"], json!({"id": "cus_1"}));
        assert_eq!(ev["pending_webhooks"], 1);
        assert_eq!(ev["data"]["previous_attributes"]["email"], Value::Null);
        assert_eq!(ev["api_version"], crate::API_VERSION);
        st.delivered(&b);
        assert_eq!(
            st.store.get_kind("event", &b).expect("stored")["pending_webhooks"],
            0
        );
    }
}
