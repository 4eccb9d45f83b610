//! `expand[]`: replaces id strings in a response by the objects they name, on retrieve,
//! create, update and list responses (`data.` prefix for lists), dotted up to 4 levels
//! (`latest_invoice.payment_intent`). A field Stripe renders only when expanded (a Checkout
//! Session's `line_items`) comes from the `includable` function the caller passes.

use serde_json::Value;

use crate::error::StripeError;
use crate::params::Params;
use crate::store::Store;

/// Deepest expansion Stripe allows.
pub(crate) const MAX_LEVELS: usize = 4;

/// Reads and checks `expand[]` from the request parameters.
pub(crate) fn paths(params: &Params) -> Result<Vec<String>, StripeError> {
    let list = params.str_list("expand")?.unwrap_or_default();
    for p in &list {
        let levels = p.split('.').filter(|s| *s != "data").count();
        if p.is_empty() || p.split('.').any(str::is_empty) {
            return Err(StripeError::invalid(
                "expand",
                format!("Invalid expand path: '{p}'."),
            ));
        }
        if levels > MAX_LEVELS {
            return Err(StripeError::invalid(
                "expand",
                format!(
                    "You cannot expand more than {MAX_LEVELS} levels of a property. Property: {p}"
                ),
            ));
        }
    }
    Ok(list)
}

/// Renders an includable field of an object (`(object, field) → value`), or `None`.
pub(crate) type Includable<'a> = dyn Fn(&Value, &str) -> Option<Value> + 'a;

/// Expands every path in `value`, looking ids up in `store` and absent fields up in
/// `includable`.
pub(crate) fn apply(
    value: &mut Value,
    paths: &[String],
    store: &Store,
    includable: &Includable<'_>,
) -> Result<(), StripeError> {
    for p in paths {
        let segs: Vec<&str> = p.split('.').collect();
        expand_path(value, &segs, store, includable, p)?;
    }
    Ok(())
}

fn cannot(full: &str) -> StripeError {
    StripeError::invalid(
        "expand",
        format!("This property cannot be expanded ({full})."),
    )
}

fn expand_path(
    v: &mut Value,
    segs: &[&str],
    store: &Store,
    includable: &Includable<'_>,
    full: &str,
) -> Result<(), StripeError> {
    let Some((first, rest)) = segs.split_first() else {
        return Ok(());
    };
    if *first == "data"
        && v["object"] == "list"
        && let Some(items) = v.get_mut("data").and_then(Value::as_array_mut)
    {
        for item in items {
            expand_path(item, rest, store, includable, full)?;
        }
        return Ok(());
    }
    if v.get(*first).is_none()
        && let Some(included) = includable(v, first)
        && let Some(m) = v.as_object_mut()
    {
        m.insert((*first).to_string(), included);
    }
    let Some(field) = v.as_object_mut().and_then(|m| m.get_mut(*first)) else {
        return Err(cannot(full));
    };
    match field {
        Value::Null => Ok(()),
        Value::String(id) => {
            let obj = store.get(id).ok_or_else(|| cannot(full))?.clone();
            *field = obj;
            expand_path(field, rest, store, includable, full)
        }
        Value::Object(_) => expand_path(field, rest, store, includable, full),
        _ => Err(cannot(full)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> Store {
        let mut s = Store::default();
        s.put(json!({"id": "cus_1", "object": "customer", "email": "a@b.c"}));
        s.put(json!({"id": "pi_1", "object": "payment_intent", "customer": "cus_1"}));
        s.put(json!({"id": "in_1", "object": "invoice", "customer": "cus_1", "payment_intent": "pi_1"}));
        s
    }

    fn none(_: &Value, _: &str) -> Option<Value> {
        None
    }

    #[test]
    fn nested_and_list_expansion() {
        let s = store();
        let mut sub =
            json!({"id": "sub_1", "latest_invoice": "in_1", "customer": "cus_1", "schedule": null});
        apply(
            &mut sub,
            &[
                "latest_invoice.payment_intent.customer".into(),
                "customer".into(),
                "schedule".into(),
            ],
            &s,
            &none,
        )
        .expect("expands");
        assert_eq!(
            sub["latest_invoice"]["payment_intent"]["customer"]["email"],
            "a@b.c"
        );
        assert_eq!(sub["customer"]["object"], "customer");
        let mut list =
            json!({"object": "list", "data": [{"customer": "cus_1"}, {"customer": null}]});
        apply(&mut list, &["data.customer".into()], &s, &none).expect("expands");
        assert_eq!(list["data"][0]["customer"]["id"], "cus_1");
    }

    #[test]
    fn errors() {
        let s = store();
        let mut v = json!({"email": "a@b.c", "n": 1});
        assert!(apply(&mut v, &["email".into()], &s, &none).is_err());
        assert!(apply(&mut v, &["nope".into()], &s, &none).is_err());
        assert!(apply(&mut v, &["n".into()], &s, &none).is_err());
        // An absent field the includable function renders is expanded in place.
        let lines = |_: &Value, f: &str| (f == "line_items").then(|| json!({"object": "list"}));
        let mut cs = json!({"id": "cs_1", "customer": "cus_1"});
        apply(
            &mut cs,
            &["line_items".into(), "customer".into()],
            &s,
            &lines,
        )
        .expect("ok");
        assert_eq!(cs["line_items"]["object"], "list");
        assert!(apply(&mut cs, &["nope".into()], &s, &lines).is_err());
        let p = Params(json!({"expand": ["a.b.c.d.e"]}));
        assert!(paths(&p).is_err());
        let p = Params(json!({"expand": ["data.a.b.c.d"]}));
        assert_eq!(paths(&p).expect("ok").len(), 1);
    }
}
