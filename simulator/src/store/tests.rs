//! The store's own tests: resting and warm objects, events' shared text, retention.

use super::*;
use serde_json::json;
use std::cell::OnceCell;

impl Store {
    /// Cools every object (as if many others had been read since).
    fn cool_all(&mut self) {
        for (slot, _) in self.objects.values_mut() {
            slot.cool();
        }
        self.warm.get_mut().clear();
        self.live.get_mut().clear();
    }
}

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
    s.cool_all();
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

#[test]
fn a_resting_put_keeps_text_only_and_reads_back_the_same() {
    let mut s = store_with(2);
    let obj = json!({"id": "cs_1", "object": "checkout.session", "created": 5});
    assert_eq!(*s.put_resting(&obj), to_text(&obj));
    assert!(s.objects["cs_1"].0.is_cold(), "no parsed copy kept");
    assert_eq!(s.get_kind("checkout.session", "cs_1"), Some(&obj));
    let page = s.list("checkout.session", "u", &lp(10, None, None), |_| true);
    assert_eq!(ids(&page.expect("list")), ["cs_1"]);
}

#[test]
fn at_most_warm_objects_keep_a_parsed_copy() {
    let mut s = Store::default();
    for i in 0..(WARM * 3) {
        s.put(json!({"id": format!("cus_{i}"), "object": "customer", "created": i}));
    }
    for i in 0..(WARM * 3) {
        assert!(s.get(&format!("cus_{i}")).is_some());
    }
    s.put(json!({"id": "cus_last", "object": "customer", "created": 0}));
    let parsed = s
        .objects
        .values()
        .filter(|(slot, _)| !slot.is_cold())
        .count();
    assert!(parsed <= WARM + 1, "{parsed} objects still parsed");
    assert!(parsed > 0, "the newest stay warm");
    // Cooled objects still read back whole.
    assert_eq!(s.get("cus_0").expect("cus_0")["created"], 0);
    // A hot (changed in place) object cools back to text with its change.
    s.get_kind_mut("customer", "cus_1").expect("cus_1")["email"] = json!("h@b.c");
    for i in 0..(WARM * 2) {
        s.put(json!({"id": format!("prod_{i}"), "object": "product", "created": i}));
    }
    assert!(matches!(s.objects["cus_1"].0, Slot::Cold { .. }), "cooled");
    assert_eq!(s.get("cus_1").expect("cus_1")["email"], "h@b.c");
}

#[test]
fn events_share_text_and_splice_back_whole() {
    let mut s = Store::default();
    let cus = json!({"id": "cus_1", "object": "customer", "email": "a@b.c", "created": 1});
    s.put(cus.clone());
    let text = s.object_text(&cus);
    match &s.objects["cus_1"].0 {
        Slot::Cold { text: t, .. } => assert!(Arc::ptr_eq(t, &text), "warm copy shared"),
        other => panic!("unexpected {other:?}"),
    }
    s.cool_all();
    let again = s.object_text(&cus);
    assert!(Arc::ptr_eq(&text, &again), "cold copy shared by its text");
    let changed = s.object_text(&json!({"id": "cus_1", "object": "customer"}));
    assert!(!Arc::ptr_eq(&text, &changed));
    for (envelope, prev) in [
        (
            r#"{"api_version":"v","created":5,"data":{},"id":"evt_1","object":"event"}"#,
            None,
        ),
        (
            r#"{"api_version":"v","created":5,"data":{"previous_attributes":{"a":1}},"id":"evt_1","object":"event"}"#,
            Some(json!({"a": 1})),
        ),
    ] {
        let full: Value = serde_json::from_str(&Store::event_json(envelope, &text)).expect("json");
        assert_eq!(full["data"]["object"], cus);
        assert_eq!(full["data"].get("previous_attributes").cloned(), prev);
        assert_eq!(full["id"], "evt_1");
        s.put_event("evt_1".into(), 5, envelope.into(), text.clone());
        assert_eq!(s.get("evt_1"), Some(&full));
    }
}

#[test]
fn events_past_retention_are_dropped_oldest_first() {
    let mut s = Store::default();
    for (i, created) in [10, 20, 30, 25, 40].into_iter().enumerate() {
        let env = format!(r#"{{"created":{created},"data":{{}},"id":"evt_{i}","object":"event"}}"#);
        s.put_event(format!("evt_{i}"), created, env, Arc::from("{}"));
    }
    assert!(s.edit_event("evt_0", |e| e["pending_webhooks"] = json!(0)));
    assert_eq!(s.get("evt_0").expect("evt_0")["pending_webhooks"], 0);
    assert_eq!(s.drop_events_before(10), 0);
    // Stops at the first younger event: evt_3 (25) waits behind evt_2 (30).
    assert_eq!(s.drop_events_before(28), 2);
    assert!(s.get("evt_1").is_none() && s.get("evt_2").is_some());
    let page = s
        .list("event", "/v1/events", &lp(10, None, None), |_| true)
        .expect("list");
    assert_eq!(ids(&page), ["evt_4", "evt_3", "evt_2"]);
    // Cursors still resolve after the front of the index moved.
    let page = s
        .list("event", "/v1/events", &lp(1, Some("evt_3"), None), |_| true)
        .expect("list");
    assert_eq!(ids(&page), ["evt_2"]);
    assert_eq!(s.drop_events_before(100), 3);
    assert_eq!(s.ids_of("event").count(), 0);
    assert!(!s.edit_event("evt_4", |_| {}));
}

#[test]
fn a_list_written_from_stored_text_is_the_list_value() {
    let mut s = store_with(30);
    s.put(json!({"id": "cus_7", "object": "customer", "deleted": true}));
    s.get_kind_mut("customer", "cus_20").expect("cus_20")["email"] = json!("hot@b.c");
    s.cool_all();
    for (limit, after, before) in [
        (10, None, None),
        (5, Some("cus_12"), None),
        (5, None, Some("cus_3")),
        (100, None, None),
    ] {
        let l = lp(limit, after, before);
        let value = s
            .list("customer", "/v1/customers", &l, |_| true)
            .expect("list");
        let text = s.list_text("customer", "/v1/customers", &l).expect("text");
        let parsed: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(parsed, value, "{limit} {after:?} {before:?}");
    }
    let err = s
        .list_text("customer", "u", &lp(2, Some("cus_x"), None))
        .expect_err("404");
    assert_eq!(err.status(), axum::http::StatusCode::NOT_FOUND);
}
