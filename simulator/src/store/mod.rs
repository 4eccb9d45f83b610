//! An account's object store: Stripe objects as JSON keyed by id, with a creation-order index
//! per object type so lists are newest first and cursors need no full scan.
//!
//! - `slot.rs`: how one object rests (text, with a parsed copy while warm);
//! - `list.rs`: list parameters and the newest-first walk.
//!
//! Memory grows with the live objects, not with reads: at most [`WARM`] objects keep a
//! parsed copy, plus those a clock advance reads again and again (see [`rereads`]) up to a
//! number that follows the subscriptions, and events older than the account's retention can
//! be dropped ([`Store::drop_events_before`]).

mod list;
mod slot;

pub(crate) use list::{LIST_PARAMS, ListParams};

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use slot::{Slot, event_slot, to_text};

use crate::objects::status::{InvoiceStatus, Status};

/// How many objects keep a parsed copy at once (the most recently written or read ones): a
/// state change's objects stay parsed for the whole change, a year of renewals does not.
const WARM: usize = 512;

/// Parsed copies kept per subscription among the objects a clock advance reads again on
/// every renewal ([`rereads`]): a renewal touches its subscription, customer, payment method
/// and open invoice, and a year of renewals over N subscriptions would otherwise parse each
/// of them again at every job (the other N−1 subscriptions' jobs run in between and cool
/// them). Entries, not objects: an object warmed twice holds two, so this leaves room.
const WARM_PER_SUBSCRIPTION: usize = 16;

/// Whether `obj` is one a clock advance reads again soon and often: subscriptions, the
/// customers, payment methods, prices and products they bill, webhook endpoints (read by
/// every event) and invoices still to be finalized or paid. Paid invoices, charges, payment
/// intents and events are history: they rest as text once out of the [`WARM`] newest.
fn rereads(obj: &Value) -> bool {
    match obj["object"].as_str() {
        Some(
            "subscription"
            | "customer"
            | "payment_method"
            | "price"
            | "product"
            | "webhook_endpoint"
            | "test_helpers.test_clock",
        ) => true,
        Some("invoice") => InvoiceStatus::is_any(obj, &[InvoiceStatus::Draft, InvoiceStatus::Open]),
        _ => false,
    }
}

/// A type's ids in creation order. Positions are absolute (`base` counts the ids dropped
/// from the front, e.g. events past their retention), so stored positions stay valid.
#[derive(Debug, Default)]
struct TypeIndex {
    ids: VecDeque<String>,
    base: u32,
}

impl TypeIndex {
    /// The index in `ids` of absolute position `pos`.
    fn index_of(&self, pos: u32) -> Option<usize> {
        pos.checked_sub(self.base).map(|i| i as usize)
    }
}

/// All objects of one account.
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// Object and its absolute position in its type's creation order.
    objects: HashMap<String, (Slot, u32)>,
    by_type: HashMap<String, TypeIndex>,
    /// Ids whose parsed copy is kept, oldest first (may repeat; see [`Store::cool`]).
    warm: RefCell<VecDeque<String>>,
    /// The same for objects a clock advance reads again ([`rereads`]), kept longer.
    live: RefCell<VecDeque<String>>,
}

impl Store {
    /// Inserts or replaces an object; new ids are appended to their type's creation order.
    /// The object stays parsed while warm, so reading it back right away costs nothing.
    pub(crate) fn put(&mut self, obj: Value) {
        self.cool();
        let id = obj["id"].as_str().unwrap_or_default().to_string();
        if kind_is_event(&obj) {
            let shared = Some(self.object_text(&obj["data"]["object"]));
            let pos = self.position(&id, "event");
            self.objects.insert(id, (event_slot(obj, shared), pos));
            return;
        }
        let kind = obj["object"].as_str().unwrap_or_default().to_string();
        let pos = self.position(&id, &kind);
        self.warmed(&id, &obj);
        self.objects.insert(id, (Slot::warm(obj), pos));
    }

    /// Inserts or replaces an object as text only, returning that text: for an object its
    /// creator answers at once and seldom reads back soon. Keeping no parsed copy spares a
    /// clone now and freeing it later, when it has long left the cache.
    pub(crate) fn put_resting(&mut self, obj: &Value) -> Arc<str> {
        debug_assert!(!kind_is_event(obj), "events are stored with put_event");
        let text: Arc<str> = Arc::from(to_text(obj));
        let id = obj["id"].as_str().unwrap_or_default();
        self.put_text(id, obj["object"].as_str().unwrap_or_default(), text.clone());
        text
    }

    /// [`Store::put_resting`] for an object its creator wrote as text itself: object `id`
    /// of type `kind` (not an event) is stored as `text`, which must be its compact JSON.
    pub(crate) fn put_text(&mut self, id: &str, kind: &str, text: Arc<str>) {
        let pos = self.position(id, kind);
        self.objects
            .insert(id.to_string(), (Slot::resting(text), pos));
    }

    /// Stores an event given as its envelope (the event without `data.object`) and the
    /// object's text (see [`Store::object_text`]), the way `AccountState::emit` builds it.
    pub(crate) fn put_event(
        &mut self,
        id: String,
        created: i64,
        envelope: String,
        object: Arc<str>,
    ) {
        self.cool();
        let pos = self.position(&id, "event");
        let slot = Slot::Event {
            envelope: envelope.into_boxed_str(),
            object,
            created,
            parsed: Default::default(),
        };
        self.objects.insert(id, (slot, pos));
    }

    /// The JSON text of `obj`, shared with its stored copy when they are equal (compared
    /// without serializing when the stored copy is warm).
    pub(crate) fn object_text(&self, obj: &Value) -> Arc<str> {
        let stored = obj["id"]
            .as_str()
            .and_then(|id| self.objects.get(id))
            .map(|(slot, _)| slot);
        if let Some(t) = stored.and_then(|s| s.text_if_parsed_equal(obj)) {
            return t;
        }
        let text = to_text(obj);
        stored
            .and_then(|s| s.text_if_equal(&text))
            .unwrap_or_else(|| Arc::from(text))
    }

    /// An event's full JSON from its envelope and object text (as `put_event` takes them).
    pub(crate) fn event_json(envelope: &str, object: &str) -> String {
        // The envelope's top-level keys come in order (`api_version`, `created`, `data`, …)
        // and the first two hold no braces, so the first `"data":{` is the event's own.
        let mut out = String::with_capacity(envelope.len() + object.len() + 12);
        match envelope.find("\"data\":{") {
            Some(i) => {
                let at = i + "\"data\":{".len();
                out.push_str(&envelope[..at]);
                out.push_str("\"object\":");
                out.push_str(object);
                if !envelope[at..].starts_with('}') {
                    out.push(',');
                }
                out.push_str(&envelope[at..]);
            }
            None => out.push_str(envelope),
        }
        out
    }

    fn position(&mut self, id: &str, kind: &str) -> u32 {
        match self.objects.get(id) {
            Some((_, pos)) => *pos,
            None => {
                let idx = self.by_type.entry(kind.to_string()).or_default();
                idx.ids.push_back(id.to_string());
                idx.base + (idx.ids.len() - 1) as u32
            }
        }
    }

    /// Notes that `id` (now `obj`) keeps a parsed copy.
    fn warmed(&self, id: &str, obj: &Value) {
        let queue = if rereads(obj) { &self.live } else { &self.warm };
        queue.borrow_mut().push_back(id.to_string());
    }

    /// Drops the parsed copies of all but the [`WARM`] most recently warmed objects, and of
    /// all but the [`WARM`] + [`WARM_PER_SUBSCRIPTION`] × subscriptions most recently warmed
    /// ones a clock advance reads again. An id warmed twice is listed twice; its older entry
    /// may cool it early (it is parsed again on its next read), which costs a parse, never a
    /// wrong answer.
    fn cool(&mut self) {
        let subscriptions = self.by_type.get("subscription").map_or(0, |i| i.ids.len());
        let live_cap = WARM + WARM_PER_SUBSCRIPTION * subscriptions;
        let objects = &mut self.objects;
        for (queue, cap) in [(self.warm.get_mut(), WARM), (self.live.get_mut(), live_cap)] {
            while queue.len() > cap {
                if let Some(id) = queue.pop_front()
                    && let Some((slot, _)) = objects.get_mut(&id)
                {
                    slot.cool();
                }
            }
        }
    }

    /// Any object by id.
    pub(crate) fn get(&self, id: &str) -> Option<&Value> {
        let (slot, _) = self.objects.get(id)?;
        let cold = slot.is_cold();
        let v = slot.value();
        if cold {
            self.warmed(id, v);
        }
        Some(v)
    }

    /// The JSON text of object `id` of type `kind` as stored (for answering it unchanged
    /// without copying or serializing its value).
    pub(crate) fn text_of_kind(&self, kind: &str, id: &str) -> Option<String> {
        self.get_kind(kind, id)?;
        Some(self.objects.get(id)?.0.text().into_owned())
    }

    /// Any object by id, without keeping a parsed copy (for scans over many objects).
    pub(crate) fn peek(&self, id: &str) -> Option<Cow<'_, Value>> {
        self.objects.get(id).map(|(slot, _)| slot.peek())
    }

    /// An object of type `kind` by id.
    pub(crate) fn get_kind(&self, kind: &str, id: &str) -> Option<&Value> {
        self.get(id).filter(|o| o["object"].as_str() == Some(kind))
    }

    /// A mutable object of type `kind` by id.
    pub(crate) fn get_kind_mut(&mut self, kind: &str, id: &str) -> Option<&mut Value> {
        self.cool();
        let (slot, _) = self.objects.get_mut(id)?;
        let v = slot.heat();
        let queue = if rereads(v) {
            &mut self.live
        } else {
            &mut self.warm
        };
        queue.get_mut().push_back(id.to_string());
        Some(v).filter(|v| v["object"].as_str() == Some(kind))
    }

    /// Changes object `id` of type `kind` in place and stores it again at once (its text
    /// written anew, the parsed copy kept warm): what `get_kind`, a clone and `put` do,
    /// without copying the object twice. Returns what `edit` returns, `None` when there is no
    /// such object. Not for events.
    pub(crate) fn update<R>(
        &mut self,
        kind: &str,
        id: &str,
        edit: impl FnOnce(&mut Value) -> R,
    ) -> Option<R> {
        debug_assert_ne!(kind, "event", "events are changed with edit_event");
        self.cool();
        let (slot, _) = self.objects.get_mut(id)?;
        if slot.value()["object"].as_str() != Some(kind) {
            return None;
        }
        let mut obj = std::mem::replace(slot, Slot::Hot(Value::Null)).into_value();
        let out = edit(&mut obj);
        let queue = if rereads(&obj) {
            &mut self.live
        } else {
            &mut self.warm
        };
        queue.get_mut().push_back(id.to_string());
        *slot = Slot::warm(obj);
        Some(out)
    }

    /// The JSON text object `id` rests as, shared (an event is spliced from its parts, a hot
    /// object serialized): for announcing an object exactly as stored.
    pub(crate) fn stored_text(&self, id: &str) -> Option<Arc<str>> {
        let (slot, _) = self.objects.get(id)?;
        Some(slot.shared_text())
    }

    /// Changes an event's own fields (`pending_webhooks`, …; never `data.object`) without
    /// parsing its object. Returns whether the event exists.
    pub(crate) fn edit_event(&mut self, id: &str, edit: impl FnOnce(&mut Value)) -> bool {
        self.cool();
        match self.objects.get_mut(id) {
            Some((
                Slot::Event {
                    envelope, parsed, ..
                },
                _,
            )) => {
                let mut env = slot::parse(envelope);
                edit(&mut env);
                *envelope = to_text(&env).into_boxed_str();
                parsed.take();
                true
            }
            Some((slot @ Slot::Hot(_), _)) if slot.event_created().is_some() => {
                edit(slot.heat());
                true
            }
            _ => false,
        }
    }

    /// Removes an object from retrieval and lists (e.g. a deleted webhook endpoint).
    pub(crate) fn remove(&mut self, id: &str) -> Option<Value> {
        self.cool();
        let (obj, _) = self.objects.remove(id)?;
        // The id stays in the creation index; lists skip ids that no longer resolve.
        Some(obj.into_value())
    }

    /// Drops the oldest events created before `cutoff` (Unix seconds), walking the event
    /// creation order from its start and stopping at the first younger one. Returns how
    /// many were dropped.
    pub(crate) fn drop_events_before(&mut self, cutoff: i64) -> usize {
        let Store {
            objects, by_type, ..
        } = self;
        let Some(idx) = by_type.get_mut("event") else {
            return 0;
        };
        let mut dropped = 0;
        while let Some(id) = idx.ids.front() {
            if let Some((slot, _)) = objects.get(id) {
                if slot.event_created().is_none_or(|c| c >= cutoff) {
                    break;
                }
                objects.remove(id);
                dropped += 1;
            }
            idx.ids.pop_front();
            idx.base += 1;
        }
        dropped
    }

    /// Drops the `n` oldest events of the creation order (ids already gone count too).
    pub(crate) fn drop_oldest_events(&mut self, n: usize) {
        let Store {
            objects, by_type, ..
        } = self;
        let Some(idx) = by_type.get_mut("event") else {
            return;
        };
        for _ in 0..n {
            let Some(id) = idx.ids.pop_front() else {
                break;
            };
            objects.remove(&id);
            idx.base += 1;
        }
    }

    /// Ids of type `kind` in creation order (oldest first).
    pub(crate) fn ids_of<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a String> + 'a {
        self.by_type
            .get(kind)
            .into_iter()
            .flat_map(|idx| idx.ids.iter())
    }

    /// Every stored object, each type in creation order (for snapshots; `put` them back in
    /// this order to rebuild the same lists).
    pub(crate) fn export(&self) -> Vec<Cow<'_, Value>> {
        let mut kinds: Vec<&String> = self.by_type.keys().collect();
        kinds.sort();
        kinds
            .into_iter()
            .flat_map(|k| self.by_type[k].ids.iter())
            .filter_map(|id| self.peek(id))
            .collect()
    }
}

fn kind_is_event(obj: &Value) -> bool {
    obj["object"] == "event" && obj.get("data").is_some_and(|d| d.get("object").is_some())
}

/// The human name Stripe uses in "No such …" messages for an object type.
pub(crate) fn kind_name(kind: &str) -> &'static str {
    match kind {
        "product" => "product",
        "price" => "price",
        "customer" => "customer",
        "checkout.session" => "checkout.session",
        "subscription" => "subscription",
        "invoice" => "invoice",
        "invoiceitem" => "invoiceitem",
        "payment_intent" => "payment_intent",
        "charge" => "charge",
        "payment_method" => "PaymentMethod",
        "event" => "event",
        "webhook_endpoint" => "webhook_endpoint",
        "refund" => "refund",
        "dispute" => "dispute",
        "radar.early_fraud_warning" => "radar.early_fraud_warning",
        "billing_portal.configuration" => "billing_portal.configuration",
        "billing_portal.session" => "billing_portal.session",
        "setup_intent" => "setup_intent",
        _ => "object",
    }
}

#[cfg(test)]
mod tests;
