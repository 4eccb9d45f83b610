//! An account's object store: Stripe objects as JSON keyed by id, with a creation-order index
//! per object type so lists are newest first and cursors need no full scan.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::error::StripeError;
use crate::params::Params;

/// Pagination parameters of a list call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    /// 1–100, default 10.
    pub limit: usize,
    /// Return objects older than this id.
    pub starting_after: Option<String>,
    /// Return objects newer than this id.
    pub ending_before: Option<String>,
    /// `created` filter bounds (inclusive), if given.
    pub created: (Option<i64>, Option<i64>),
}

/// Parameter names every list endpoint accepts.
pub const LIST_PARAMS: &[&str] = &[
    "limit",
    "starting_after",
    "ending_before",
    "created",
    "expand",
];

impl ListParams {
    /// Reads `limit`, `starting_after`, `ending_before` and `created[gt|gte|lt|lte]`.
    pub fn from_params(p: &Params) -> Result<ListParams, StripeError> {
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
    pos: HashMap<String, usize>,
}

/// All objects of one account.
#[derive(Debug, Default)]
pub struct Store {
    objects: HashMap<String, Value>,
    by_type: HashMap<String, TypeIndex>,
}

impl Store {
    /// Inserts or replaces an object; new ids are appended to their type's creation order.
    pub fn put(&mut self, obj: Value) {
        let id = obj["id"].as_str().unwrap_or_default().to_string();
        let kind = obj["object"].as_str().unwrap_or_default().to_string();
        if !self.objects.contains_key(&id) {
            let idx = self.by_type.entry(kind).or_default();
            idx.pos.insert(id.clone(), idx.ids.len());
            idx.ids.push(id.clone());
        }
        self.objects.insert(id, obj);
    }

    /// Any object by id.
    pub fn get(&self, id: &str) -> Option<&Value> {
        self.objects.get(id)
    }

    /// An object of type `kind` by id.
    pub fn get_kind(&self, kind: &str, id: &str) -> Option<&Value> {
        self.objects
            .get(id)
            .filter(|o| o["object"].as_str() == Some(kind))
    }

    /// A mutable object of type `kind` by id.
    pub fn get_kind_mut(&mut self, kind: &str, id: &str) -> Option<&mut Value> {
        self.objects
            .get_mut(id)
            .filter(|o| o["object"].as_str() == Some(kind))
    }

    /// Removes an object from retrieval and lists (e.g. a deleted webhook endpoint).
    pub fn remove(&mut self, id: &str) -> Option<Value> {
        let obj = self.objects.remove(id)?;
        // The id stays in the creation index; lists skip ids that no longer resolve.
        Some(obj)
    }

    /// Ids of type `kind` in creation order (oldest first).
    pub fn ids_of<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a String> + 'a {
        self.by_type
            .get(kind)
            .into_iter()
            .flat_map(|idx| idx.ids.iter())
    }

    /// A Stripe list object of type `kind`, newest first, filtered by `keep`.
    pub fn list(
        &self,
        kind: &str,
        url: &str,
        lp: &ListParams,
        keep: impl Fn(&Value) -> bool,
    ) -> Result<Value, StripeError> {
        let empty = TypeIndex::default();
        let idx = self.by_type.get(kind).unwrap_or(&empty);
        let cursor_pos = |id: &str, param: &str| {
            idx.pos.get(id).copied().ok_or_else(|| {
                StripeError::missing_param(kind_name(kind), id.to_string(), param.to_string())
            })
        };
        let accept = |id: &String| -> Option<&Value> {
            let o = self.objects.get(id)?;
            if o["deleted"] == json!(true) {
                return None;
            }
            let created = o["created"].as_i64().unwrap_or(0);
            if lp.created.0.is_some_and(|lo| created < lo)
                || lp.created.1.is_some_and(|hi| created > hi)
            {
                return None;
            }
            keep(o).then_some(o)
        };
        let mut out: Vec<&Value> = Vec::with_capacity(lp.limit + 1);
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

fn list_value(url: &str, data: Vec<&Value>, has_more: bool) -> Value {
    json!({
        "object": "list",
        "data": data,
        "has_more": has_more,
        "url": url,
    })
}

/// The human name Stripe uses in "No such …" messages for an object type.
pub fn kind_name(kind: &str) -> &'static str {
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
