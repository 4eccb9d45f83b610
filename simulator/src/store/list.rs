//! List calls: their pagination parameters and the newest-first walk over a type's creation
//! order (no scan for unfiltered pages; filtered ones walk until the page is full).

use std::borrow::Cow;

use serde_json::{Value, json};

use super::slot::Slot;
use super::{Store, TypeIndex, kind_name};
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

impl Store {
    /// A Stripe list object of type `kind`, newest first, filtered by `keep`.
    pub(crate) fn list(
        &self,
        kind: &str,
        url: &str,
        lp: &ListParams,
        keep: impl Fn(&Value) -> bool,
    ) -> Result<Value, StripeError> {
        let (out, has_more) = self.page(kind, lp, |id| {
            let (slot, o) = self.candidate(id, lp)?;
            keep(&o).then(|| self.shown(id, slot, o))
        })?;
        Ok(list_value(url, out, has_more))
    }

    /// The same list as [`Store::list`] without a filter, written as JSON text straight
    /// from the stored texts (nothing copied or serialized again).
    pub(crate) fn list_text(
        &self,
        kind: &str,
        url: &str,
        lp: &ListParams,
    ) -> Result<String, StripeError> {
        let (out, has_more) = self.page(kind, lp, |id| {
            let (slot, o) = self.candidate(id, lp)?;
            self.shown(id, slot, o);
            Some(slot.text())
        })?;
        let mut text = String::with_capacity(64 + out.iter().map(|t| t.len() + 1).sum::<usize>());
        text.push_str("{\"data\":[");
        for (i, t) in out.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(t);
        }
        text.push_str("],\"has_more\":");
        text.push_str(if has_more { "true" } else { "false" });
        text.push_str(",\"object\":\"list\",\"url\":");
        text.push_str(&super::slot::to_text(&Value::String(url.to_string())));
        text.push('}');
        Ok(text)
    }

    /// The object `id` and its slot if a list may show it (not deleted, within `created`).
    /// Scans parse resting objects without keeping the ones they skip (a filtered list over
    /// 100,000 customers must not inflate them all).
    fn candidate(&self, id: &String, lp: &ListParams) -> Option<(&Slot, Cow<'_, Value>)> {
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
        Some((slot, o))
    }

    /// A shown object stays warm, like any object that is read, so paging through the
    /// newest objects stays cheap.
    fn shown<'a>(&'a self, id: &str, slot: &'a Slot, o: Cow<'a, Value>) -> &'a Value {
        match (o, slot.cache()) {
            (Cow::Owned(v), Some(cell)) => {
                self.warmed(id, &v);
                cell.get_or_init(|| v)
            }
            _ => slot.value(),
        }
    }

    /// One page of `kind` newest first (or, with `ending_before`, the page just newer than
    /// the cursor), of the ids `accept` keeps; and whether there are more.
    fn page<'a, T>(
        &'a self,
        kind: &str,
        lp: &ListParams,
        accept: impl Fn(&'a String) -> Option<T>,
    ) -> Result<(Vec<T>, bool), StripeError> {
        static EMPTY: TypeIndex = TypeIndex {
            ids: std::collections::VecDeque::new(),
            base: 0,
        };
        let idx = self.by_type.get(kind).unwrap_or(&EMPTY);
        let cursor_pos = |id: &str, param: &str| {
            self.objects
                .get(id)
                .and_then(|(_, pos)| idx.index_of(*pos))
                .filter(|i| idx.ids.get(*i).is_some_and(|x| x == id))
                .ok_or_else(|| {
                    StripeError::missing_param(kind_name(kind), id.to_string(), param.to_string())
                })
        };
        let mut out: Vec<T> = Vec::with_capacity(lp.limit + 1);
        if let Some(before) = &lp.ending_before {
            // Objects newer than the cursor, closest first, then shown newest first.
            let start = (cursor_pos(before, "ending_before")? + 1).min(idx.ids.len());
            for id in idx.ids.range(start..) {
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
            return Ok((out, has_more));
        }
        let end = match &lp.starting_after {
            Some(after) => cursor_pos(after, "starting_after")?,
            None => idx.ids.len(),
        };
        for id in idx.ids.range(..end).rev() {
            if let Some(o) = accept(id) {
                out.push(o);
                if out.len() > lp.limit {
                    break;
                }
            }
        }
        let has_more = out.len() > lp.limit;
        out.truncate(lp.limit);
        Ok((out, has_more))
    }
}

fn list_value(url: &str, data: Vec<&Value>, has_more: bool) -> Value {
    // Built by hand: `json!` would serialize the (already owned) objects a second time.
    let data: Vec<Value> = data.into_iter().cloned().collect();
    let mut list = serde_json::Map::new();
    list.insert("object".into(), json!("list"));
    list.insert("data".into(), Value::Array(data));
    list.insert("has_more".into(), json!(has_more));
    list.insert("url".into(), json!(url));
    Value::Object(list)
}
