//! One stored object and the forms it rests in.
//!
//! Objects rest as compact JSON text (about a tenth of the memory of a parsed `Value`). A
//! parsed copy is kept while the object is "warm" — just written or just read — so the
//! write-then-read-then-announce pattern of a state change parses nothing; the store cools
//! the least recently warmed objects back to text (see `Store::cool`). An event shares the
//! text of its `data.object` with the object itself when they are identical (the usual case:
//! objects are stored, then announced), so an event costs little more than its envelope.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::Arc;

use serde_json::Value;

/// A stored object.
#[derive(Debug)]
pub(super) enum Slot {
    /// Parsed and being changed in place (`get_kind_mut`); no text until it cools.
    Hot(Value),
    /// Resting text, with the parsed copy while warm.
    Cold {
        /// The object's JSON.
        text: Arc<str>,
        /// The parsed object, while warm.
        parsed: OnceCell<Value>,
    },
    /// An event: its envelope without `data.object`, and the object's text (often shared).
    Event {
        /// The event's JSON without `data.object`.
        envelope: Box<str>,
        /// `data.object`'s JSON.
        object: Arc<str>,
        /// The event's `created` (for retention).
        created: i64,
        /// The parsed event, while warm.
        parsed: OnceCell<Value>,
    },
}

/// Parses stored text (which the store wrote itself, so it is valid JSON).
pub(super) fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// Compact JSON text of a value.
pub(super) fn to_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

impl Slot {
    /// A resting object that stays warm (its parsed copy kept) until cooled.
    pub(super) fn warm(obj: Value) -> Slot {
        Slot::Cold {
            text: Arc::from(to_text(&obj)),
            parsed: OnceCell::from(obj),
        }
    }

    /// A resting object with no parsed copy (parsed on its first read).
    pub(super) fn resting(text: Arc<str>) -> Slot {
        Slot::Cold {
            text,
            parsed: OnceCell::new(),
        }
    }

    fn parse_now(&self) -> Value {
        match self {
            Slot::Hot(v) => v.clone(),
            Slot::Cold { text, .. } => parse(text),
            Slot::Event {
                envelope, object, ..
            } => {
                let mut v = parse(envelope);
                if let Some(data) = v.get_mut("data").and_then(Value::as_object_mut) {
                    data.insert("object".into(), parse(object));
                }
                v
            }
        }
    }

    /// The parsed copy's cell (`None` for a hot object, which is always parsed).
    pub(super) fn cache(&self) -> Option<&OnceCell<Value>> {
        match self {
            Slot::Hot(_) => None,
            Slot::Cold { parsed, .. } | Slot::Event { parsed, .. } => Some(parsed),
        }
    }

    /// Whether reading the object would parse it.
    pub(super) fn is_cold(&self) -> bool {
        self.cache().is_some_and(|c| c.get().is_none())
    }

    /// The parsed object, parsing (and keeping) it on first use.
    pub(super) fn value(&self) -> &Value {
        match (self, self.cache()) {
            (Slot::Hot(v), _) => v,
            (_, Some(cell)) => cell.get_or_init(|| self.parse_now()),
            (_, None) => unreachable!("only Hot has no cache"),
        }
    }

    /// The object without keeping a parsed copy (for list scans over many objects).
    pub(super) fn peek(&self) -> Cow<'_, Value> {
        match self {
            Slot::Hot(v) => Cow::Borrowed(v),
            _ => match self.cache().and_then(OnceCell::get) {
                Some(v) => Cow::Borrowed(v),
                None => Cow::Owned(self.parse_now()),
            },
        }
    }

    /// The parsed object, consuming the slot.
    pub(super) fn into_value(self) -> Value {
        match self {
            Slot::Hot(v) => v,
            Slot::Cold { mut parsed, .. } | Slot::Event { mut parsed, .. }
                if parsed.get().is_some() =>
            {
                parsed.take().unwrap_or(Value::Null)
            }
            other => other.parse_now(),
        }
    }

    /// Makes the slot hot (parsed, changeable in place) and returns the value.
    pub(super) fn heat(&mut self) -> &mut Value {
        if !matches!(self, Slot::Hot(_)) {
            let taken = std::mem::replace(self, Slot::Hot(Value::Null));
            *self = Slot::Hot(taken.into_value());
        }
        match self {
            Slot::Hot(v) => v,
            _ => unreachable!("just made hot"),
        }
    }

    /// Drops the parsed copy (a hot object is written back to text first).
    pub(super) fn cool(&mut self) {
        match self {
            Slot::Hot(v) => {
                let v = std::mem::take(v);
                *self = if super::kind_is_event(&v) {
                    event_slot(v, None)
                } else {
                    Slot::Cold {
                        text: Arc::from(to_text(&v)),
                        parsed: OnceCell::new(),
                    }
                };
            }
            Slot::Cold { parsed, .. } | Slot::Event { parsed, .. } => {
                parsed.take();
            }
        }
    }

    /// The resting text when the parsed copy is known and equal to `v` (so `v` need not be
    /// serialized to share it).
    pub(super) fn text_if_parsed_equal(&self, v: &Value) -> Option<Arc<str>> {
        match self {
            Slot::Cold { text, parsed } if parsed.get() == Some(v) => Some(text.clone()),
            _ => None,
        }
    }

    /// The resting text when it is exactly `text`.
    pub(super) fn text_if_equal(&self, text: &str) -> Option<Arc<str>> {
        match self {
            Slot::Cold { text: t, .. } if **t == *text => Some(t.clone()),
            _ => None,
        }
    }

    /// The object's JSON text: the resting text, an event spliced from its parts, or a hot
    /// object serialized.
    pub(super) fn text(&self) -> Cow<'_, str> {
        match self {
            Slot::Cold { text, .. } => Cow::Borrowed(text),
            Slot::Event {
                envelope, object, ..
            } => Cow::Owned(super::Store::event_json(envelope, object)),
            Slot::Hot(v) => Cow::Owned(to_text(v)),
        }
    }

    /// [`text`](Self::text) as shared text: the resting text itself when there is one.
    pub(super) fn shared_text(&self) -> Arc<str> {
        match self {
            Slot::Cold { text, .. } => text.clone(),
            other => Arc::from(other.text().into_owned()),
        }
    }

    /// An event's `created` (`None` for other objects).
    pub(super) fn event_created(&self) -> Option<i64> {
        match self {
            Slot::Event { created, .. } => Some(*created),
            Slot::Hot(v) if super::kind_is_event(v) => v["created"].as_i64(),
            _ => None,
        }
    }
}

/// An event slot from a whole event value; `data.object`'s text is `shared` when given.
pub(super) fn event_slot(mut event: Value, shared: Option<Arc<str>>) -> Slot {
    let object = event
        .get_mut("data")
        .and_then(|d| d.as_object_mut())
        .and_then(|d| d.remove("object"))
        .unwrap_or(Value::Null);
    let object = shared.unwrap_or_else(|| Arc::from(to_text(&object)));
    Slot::Event {
        created: event["created"].as_i64().unwrap_or(0),
        envelope: to_text(&event).into_boxed_str(),
        object,
        parsed: OnceCell::new(),
    }
}
