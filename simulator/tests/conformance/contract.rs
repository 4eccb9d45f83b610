//! The contract generated from stripe-node's declarations (`conformance/contract.json`), the
//! allow-list (`conformance/allow.toml`), and check (a): declared fields against an object.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

/// The simulator crate's `conformance/` folder.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

/// The generated contract.
pub fn load() -> Value {
    let path = dir().join("contract.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// `resource → field path → reason`, read from `allow.toml`: sections `["resource"]` and
/// lines `"field.path" = "reason"`; `#` starts a comment. Anything else is refused.
pub fn allow_list() -> BTreeMap<String, BTreeMap<String, String>> {
    let path = dir().join("allow.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section: Option<String> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || panic!("{}:{}: cannot read {raw:?}", path.display(), n + 1);
        if let Some(name) = line.strip_prefix("[\"").and_then(|l| l.strip_suffix("\"]")) {
            section = Some(name.to_string());
            continue;
        }
        let Some((key, reason)) = line.split_once(" = ") else {
            bad()
        };
        let (Some(key), Some(reason)) = (unquote(key), unquote(reason)) else {
            bad()
        };
        let Some(sec) = &section else { bad() };
        assert!(
            reason.len() >= 10,
            "{}:{}: {key} needs a reason",
            path.display(),
            n + 1
        );
        out.entry(sec.clone()).or_default().insert(key, reason);
    }
    out
}

fn unquote(s: &str) -> Option<String> {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .filter(|s| !s.contains('"'))
        .map(str::to_string)
}

/// What check (a) found for one resource.
#[derive(Default)]
pub struct FieldReport {
    /// Required fields checked (their parent object was there).
    pub required: usize,
    /// Of those, present with a declared type.
    pub required_ok: usize,
    /// Fields (required or not) present with a JSON type the declaration does not allow.
    pub wrong_type: usize,
    /// `path: problem`, one per field path.
    pub problems: BTreeMap<String, String>,
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The values at `segments` in `v`: `x[]` walks an array's elements, `data[]` a list's.
fn parents<'a>(v: &'a Value, segments: &[&str]) -> Vec<&'a Value> {
    let Some((first, rest)) = segments.split_first() else {
        return vec![v];
    };
    let (name, each) = match first.strip_suffix("[]") {
        Some(n) => (n, true),
        None => (*first, false),
    };
    let Some(child) = v.get(name) else {
        return vec![];
    };
    if each {
        child
            .as_array()
            .map(|a| a.iter().flat_map(|e| parents(e, rest)).collect())
            .unwrap_or_default()
    } else {
        parents(child, rest)
    }
}

/// Check (a) for one object: every declared required field whose parent is present must be
/// there, and every declared field that is there must have a declared JSON type.
pub fn check_fields(object: &Value, declared: &[Value]) -> FieldReport {
    let mut r = FieldReport::default();
    for f in declared {
        let path = f["path"].as_str().expect("path");
        let required = f["required"].as_bool().unwrap_or(false);
        let nullable = f["nullable"].as_bool().unwrap_or(false);
        let types: Vec<&str> = f["types"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let segments: Vec<&str> = path.split('.').collect();
        let (name, parent_path) = segments.split_last().expect("a path has a name");
        let holders: Vec<&Value> = parents(object, parent_path)
            .into_iter()
            .filter(|p| p.is_object())
            .collect();
        if holders.is_empty() {
            continue;
        }
        if required {
            r.required += 1;
        }
        let mut missing = false;
        let mut bad_type = None;
        for h in &holders {
            match h.get(*name) {
                None => missing = true,
                Some(Value::Null) if nullable => {}
                Some(v) => {
                    let t = json_type(v);
                    if !types.contains(&t) && !types.contains(&"any") {
                        bad_type = Some(t);
                    }
                }
            }
        }
        if let Some(t) = bad_type {
            r.wrong_type += 1;
            let null = if nullable { " or null" } else { "" };
            r.problems.insert(
                path.to_string(),
                format!("is {t}, declared {}{null}", types.join(" | ")),
            );
        } else if required && missing {
            r.problems.insert(path.to_string(), "missing".to_string());
        } else if required {
            r.required_ok += 1;
        }
    }
    r
}
