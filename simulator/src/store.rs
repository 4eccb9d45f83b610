//! An account's object store: Stripe objects as JSON keyed by id, with a creation-order index
//! per object type so lists are newest first and cursors need no full scan.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::error::StripeError;
use crate::params::Params;

/// Pagination parameters of a list call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListParams {
    /// 1–100, default 10.
    pub(crate) limit: usize,
    /// Return objects older than this id.
    pub(crate) starting_after: Option<String>,
    /// Return objects newer than this id.
    pub(crate) ending_before: Option<String>,
    /// `created` filter bounds (inclusive), if given.
    pub(crate) created: (Option<i64>, Option<i64>),
}

/// Parameter names every list endpoint accepts.
pub(crate) const LIST_PARAMS: &[&str] = &[
    "limit",
    "starting_after",
    "ending_before",
    "created",
    "expand",
];

impl ListParams {
    /// Reads `limit`, `starting_after`, `ending_before` and `created[gt|gte|lt|lte]`.
    pub(crate) fn from_params(p: &Params) -> Result<ListParams, StripeError> {
        let limit = match p.int("limit")? {
            None => 10,
            Some(n) if (1..=100).contains(&n) => n as usize,
            Some(_) => {
                return Err(StripeError::InvalidRequest {
                    code: Some("parameter_invalid_integer"),
                    param: Some("limit".into()),
                    message: "Invalid limit: must be between 1 and 100.".into(),
                });
            }
        };
        let starting_after = p.str("starting_after")?;
        let ending_before = p.str("ending_before")?;
        if starting_after.is_some() && ending_before.is_some() {
            return Err(StripeError::bad_request(
                "You may only specify one of these parameters: ending_before, starting_after.",
            ));
        }
        let created = match p.get("created") {
            None => (None, None),
            Some(Value::String(_)) => {
                let t = p.int("created")?;
                (t, t)
            }
            Some(Value::Object(_)) => {
                let gt = p.int("created[gt]")?.map(|v| v + 1);
                let gte = p.int("created[gte]")?;
                let lt = p.int("created[lt]")?.map(|v| v - 1);
                let lte = p.int("created[lte]")?;
                (
                    gt.max(gte),
                    match (lt, lte) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    },
                )
            }
            Some(_) => return Err(StripeError::invalid("created", "Invalid created filter.")),
        };
        Ok(ListParams {
            limit,
            starting_after: starting_after.map(str::to_string),
            ending_before: ending_before.map(str::to_string),
            created,
        })
    }
}

#[derive(Debug, Default)]
struct TypeIndex {
    ids: Vec<String>,
}

/// One stored object. Objects rest as compact JSON text (about a tenth of the memory of a
/// parsed `Value`) and are parsed on first read; the parsed copy is kept until the object is
/// next written, and `get_kind_mut` keeps it parsed ("hot"). An event shares the text of its
/// `data.object` with the object itself when they are identical (the usual case: objects are
/// stored, then announced), so an event costs little more than its envelope.
#[derive(Debug)]
enum Slot {
    Hot(Value),
    Cold {
        text: Arc<str>,
        parsed: OnceCell<Value>,
    },
    Event {
        envelope: Box<str>,
        object: Arc<str>,
        parsed: OnceCell<Value>,
    },
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

impl Slot {
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

    fn cache(&self) -> Option<&OnceCell<Value>> {
        match self {
            Slot::Hot(_) => None,
            Slot::Cold { parsed, .. } | Slot::Event { parsed, .. } => Some(parsed),
        }
    }

    /// The parsed object, parsing (and keeping) it on first use.
    fn value(&self) -> &Value {
        match (self, self.cache()) {
            (Slot::Hot(v), _) => v,
            (_, Some(cell)) => cell.get_or_init(|| self.parse_now()),
            (_, None) => unreachable!("only Hot has no cache"),
        }
    }

    /// The object without keeping a parsed copy (for list scans over many objects).
    fn peek(&self) -> Cow<'_, Value> {
        match self {
            Slot::Hot(v) => Cow::Borrowed(v),
            _ => match self.cache().and_then(OnceCell::get) {
                Some(v) => Cow::Borrowed(v),
                None => Cow::Owned(self.parse_now()),
            },
        }
    }

    fn into_value(self) -> Value {
        let cached = match &self {
            Slot::Hot(_) => None,
            Slot::Cold { parsed, .. } | Slot::Event { parsed, .. } => parsed.get().cloned(),
        };
        match self {
            Slot::Hot(v) => v,
            other => cached.unwrap_or_else(|| other.parse_now()),
        }
    }
}

/// All objects of one account.
#[derive(Debug, Default)]
pub(crate) struct Store {
    /// Object and its position in its type's creation order.
    objects: HashMap<String, (Slot, u32)>,
    by_type: HashMap<String, TypeIndex>,
}

impl Store {
    /// Inserts or replaces an object; new ids are appended to their type's creation order.
    pub(crate) fn put(&mut self, obj: Value) {
        let id = obj["id"].as_str().unwrap_or_default().to_string();
        let kind = obj["object"].as_str().unwrap_or_default().to_string();
        let pos = match self.objects.get(&id) {
            Some((_, pos)) => *pos,
            None => {
                let idx = self.by_type.entry(kind).or_default();
                idx.ids.push(id.clone());
                (idx.ids.len() - 1) as u32
            }
        };
        let slot = if kind_is_event(&obj) {
            self.event_slot(obj)
        } else {
            Slot::Cold {
                text: Arc::from(obj.to_string()),
                parsed: OnceCell::new(),
            }
        };
        self.objects.insert(id, (slot, pos));
    }

    /// An event slot whose `data.object` text is shared with the stored object when equal.
    fn event_slot(&self, mut event: Value) -> Slot {
        let object = event
            .get_mut("data")
            .and_then(|d| d.get_mut("object"))
            .map(Value::take)
            .unwrap_or(Value::Null);
        let text = object.to_string();
        let shared = object["id"]
            .as_str()
            .and_then(|id| self.objects.get(id))
            .and_then(|(slot, _)| match slot {
                Slot::Cold { text: t, .. } if **t == *text => Some(t.clone()),
                _ => None,
            })
            .unwrap_or_else(|| Arc::from(text));
        Slot::Event {
            envelope: event.to_string().into_boxed_str(),
            object: shared,
            parsed: OnceCell::new(),
        }
    }

    /// Any object by id.
    pub(crate) fn get(&self, id: &str) -> Option<&Value> {
        self.objects.get(id).map(|(slot, _)| slot.value())
    }

    /// An object of type `kind` by id.
    pub(crate) fn get_kind(&self, kind: &str, id: &str) -> Option<&Value> {
        self.get(id).filter(|o| o["object"].as_str() == Some(kind))
    }

    /// A mutable object of type `kind` by id.
    pub(crate) fn get_kind_mut(&mut self, kind: &str, id: &str) -> Option<&mut Value> {
        let (slot, _) = self.objects.get_mut(id)?;
        if !matches!(slot, Slot::Hot(_)) {
            let taken = std::mem::replace(slot, Slot::Hot(Value::Null));
            *slot = Slot::Hot(taken.into_value());
        }
        match slot {
            Slot::Hot(v) if v["object"].as_str() == Some(kind) => Some(v),
            _ => None,
        }
    }

    /// Removes an object from retrieval and lists (e.g. a deleted webhook endpoint).
    pub(crate) fn remove(&mut self, id: &str) -> Option<Value> {
        let (obj, _) = self.objects.remove(id)?;
        // The id stays in the creation index; lists skip ids that no longer resolve.
        Some(obj.into_value())
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
    pub(crate) fn export(&self) -> Vec<&Value> {
        let mut kinds: Vec<&String> = self.by_type.keys().collect();
        kinds.sort();
        kinds
            .into_iter()
            .flat_map(|k| self.by_type[k].ids.iter())
            .filter_map(|id| self.get(id))
            .collect()
    }

    /// A Stripe list object of type `kind`, newest first, filtered by `keep`.
    pub(crate) fn list(
        &self,
        kind: &str,
        url: &str,
        lp: &ListParams,
        keep: impl Fn(&Value) -> bool,
    ) -> Result<Value, StripeError> {
        let empty = TypeIndex::default();
        let idx = self.by_type.get(kind).unwrap_or(&empty);
        let cursor_pos = |id: &str, param: &str| {
            self.objects
                .get(id)
                .map(|(_, pos)| *pos as usize)
                .filter(|pos| idx.ids.get(*pos).is_some_and(|i| i == id))
                .ok_or_else(|| {
                    StripeError::missing_param(kind_name(kind), id.to_string(), param.to_string())
                })
        };
        // Scans parse resting objects without keeping the ones they skip (a filtered list
        // over 100,000 customers must not inflate them all); returned ones stay parsed, like
        // any object that is read, so paging through the newest objects stays cheap.
        let accept = |id: &String| -> Option<Cow<'_, Value>> {
            let slot = &self.objects.get(id)?.0;
            let o = slot.peek();
            if o["deleted"] == json!(true) {
                return None;
            }
            let created = o["created"].as_i64().unwrap_or(0);
            if lp.created.0.is_some_and(|lo| created < lo)
                || lp.created.1.is_some_and(|hi| created > hi)
            {
                return None;
            }
            if !keep(&o) {
                return None;
            }
            match (o, slot.cache()) {
                (Cow::Owned(v), Some(cell)) => Some(Cow::Borrowed(cell.get_or_init(|| v))),
                (o, _) => Some(o),
            }
        };
        let mut out: Vec<Cow<'_, Value>> = Vec::with_capacity(lp.limit + 1);
        if let Some(before) = &lp.ending_before {
            // Objects newer than the cursor, closest first, then shown newest first.
            let start = cursor_pos(before, "ending_before")? + 1;
            for id in &idx.ids[start.min(idx.ids.len())..] {
                if let Some(o) = accept(id) {
                    out.push(o);
                    if out.len() > lp.limit {
                        break;
                    }
                }
            }
            let has_more = out.len() > lp.limit;
            out.truncate(lp.limit);
            out.reverse();
            return Ok(list_value(url, out, has_more));
        }
        let end = match &lp.starting_after {
            Some(after) => cursor_pos(after, "starting_after")?,
            None => idx.ids.len(),
        };
        for id in idx.ids[..end].iter().rev() {
            if let Some(o) = accept(id) {
                out.push(o);
                if out.len() > lp.limit {
                    break;
                }
            }
        }
        let has_more = out.len() > lp.limit;
        out.truncate(lp.limit);
        Ok(list_value(url, out, has_more))
    }
}

fn list_value(url: &str, data: Vec<Cow<'_, Value>>, has_more: bool) -> Value {
    // Built by hand: `json!` would serialize the (already owned) objects a second time.
    let data: Vec<Value> = data.into_iter().map(Cow::into_owned).collect();
    let mut list = serde_json::Map::new();
    list.insert("object".into(), json!("list"));
    list.insert("data".into(), Value::Array(data));
    list.insert("has_more".into(), json!(has_more));
    list.insert("url".into(), json!(url));
    Value::Object(list)
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
        _ => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with(n: usize) -> Store {
        let mut s = Store::default();
        for i in 0..n {
            s.put(json!({"id": format!("cus_{i}"), "object": "customer", "created": i}));
            s.put(json!({"id": format!("prod_{i}"), "object": "product", "created": i}));
        }
        s
    }

    fn ids(v: &Value) -> Vec<String> {
        v["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|o| o["id"].as_str().expect("id").to_string())
            .collect()
    }

    fn lp(limit: usize, after: Option<&str>, before: Option<&str>) -> ListParams {
        ListParams {
            limit,
            starting_after: after.map(str::to_string),
            ending_before: before.map(str::to_string),
            created: (None, None),
        }
    }

    #[test]
    fn newest_first_with_limit_and_has_more() {
        let s = store_with(5);
        let v = s
            .list("customer", "/v1/customers", &lp(2, None, None), |_| true)
            .expect("list");
        assert_eq!(ids(&v), ["cus_4", "cus_3"]);
        assert_eq!(v["has_more"], true);
        assert_eq!(v["url"], "/v1/customers");
        let v = s
            .list("customer", "/v1/customers", &lp(10, None, None), |_| true)
            .expect("list");
        assert_eq!(v["data"].as_array().map(Vec::len), Some(5));
        assert_eq!(v["has_more"], false);
    }

    #[test]
    fn cursors() {
        let s = store_with(5);
        let v = s
            .list("customer", "u", &lp(2, Some("cus_3"), None), |_| true)
            .expect("list");
        assert_eq!(ids(&v), ["cus_2", "cus_1"]);
        assert_eq!(v["has_more"], true);
        let v = s
            .list("customer", "u", &lp(2, Some("cus_1"), None), |_| true)
            .expect("list");
        assert_eq!(ids(&v), ["cus_0"]);
        assert_eq!(v["has_more"], false);
        let v = s
            .list("customer", "u", &lp(2, None, Some("cus_1")), |_| true)
            .expect("list");
        assert_eq!(ids(&v), ["cus_3", "cus_2"]);
        assert_eq!(v["has_more"], true);
        let v = s
            .list("customer", "u", &lp(2, None, Some("cus_3")), |_| true)
            .expect("list");
        assert_eq!(ids(&v), ["cus_4"]);
        assert_eq!(v["has_more"], false);
        let err = s
            .list("customer", "u", &lp(2, Some("cus_x"), None), |_| true)
            .expect_err("404");
        assert_eq!(err.status(), axum::http::StatusCode::NOT_FOUND);
    }

    #[test]
    fn resting_objects_and_events_round_trip() {
        let mut s = Store::default();
        let cus = json!({"id": "cus_1", "object": "customer", "email": "a@b.c", "created": 1});
        s.put(cus.clone());
        let ev = json!({"id": "evt_1", "object": "event", "created": 1, "type": "customer.created",
            "data": {"object": cus.clone()}});
        s.put(ev.clone());
        // The event shares its object's text.
        match (&s.objects["evt_1"].0, &s.objects["cus_1"].0) {
            (Slot::Event { object, .. }, Slot::Cold { text, .. }) => {
                assert!(Arc::ptr_eq(object, text), "shared text")
            }
            other => panic!("unexpected slots {other:?}"),
        }
        assert_eq!(s.get("evt_1"), Some(&ev));
        assert_eq!(s.get_kind("customer", "cus_1"), Some(&cus));
        // Mutation through get_kind_mut is visible, and a later put of the object leaves
        // the event's snapshot alone.
        s.get_kind_mut("event", "evt_1").expect("event")["pending_webhooks"] = json!(0);
        assert_eq!(s.get("evt_1").expect("event")["pending_webhooks"], 0);
        s.get_kind_mut("customer", "cus_1").expect("cus")["email"] = json!("x@y.z");
        assert_eq!(s.get("cus_1").expect("cus")["email"], "x@y.z");
        s.put(json!({"id": "cus_1", "object": "customer", "email": "new@b.c", "created": 1}));
        assert_eq!(s.get("cus_1").expect("cus")["email"], "new@b.c");
        assert_eq!(
            s.get("evt_1").expect("event")["data"]["object"]["email"],
            "a@b.c"
        );
        let l = s
            .list("customer", "u", &lp(10, None, None), |_| true)
            .expect("list");
        assert_eq!(l["data"][0]["email"], "new@b.c");
        assert!(s.get_kind_mut("customer", "evt_1").is_none());
        // A scan keeps parsed only what it returns.
        s.put(json!({"id": "cus_2", "object": "customer", "email": "b@b.c", "created": 2}));
        s.put(json!({"id": "cus_3", "object": "customer", "email": "c@b.c", "created": 3}));
        let l = s
            .list("customer", "u", &lp(10, None, None), |o| o["id"] == "cus_3")
            .expect("list");
        assert_eq!(l["data"].as_array().map(Vec::len), Some(1));
        let parsed = |id: &str| s.objects[id].0.cache().and_then(OnceCell::get).is_some();
        assert!(parsed("cus_3"), "returned → kept parsed");
        assert!(!parsed("cus_2"), "skipped → left as text");
        assert_eq!(s.remove("cus_1").expect("removed")["email"], "new@b.c");
        assert!(s.get("cus_1").is_none());
    }

    #[test]
    fn filters_and_deleted_are_skipped() {
        let mut s = store_with(4);
        s.put(json!({"id": "cus_2", "object": "customer", "deleted": true}));
        let v = s
            .list("customer", "u", &lp(10, None, None), |o| o["id"] != "cus_0")
            .expect("list");
        assert_eq!(ids(&v), ["cus_3", "cus_1"]);
        let mut l = lp(10, None, None);
        l.created = (Some(1), Some(1));
        let v = s.list("customer", "u", &l, |_| true).expect("list");
        assert_eq!(ids(&v), ["cus_1"]);
        assert!(s.get_kind("product", "cus_1").is_none());
        assert!(s.get_kind("customer", "cus_1").is_some());
    }
}
