//! Typed access to parsed request parameters, with Stripe's errors for missing, unknown,
//! wrongly typed and over-long values. Paths use bracket notation: `recurring[interval]`.

use serde_json::{Map, Value};

use crate::error::StripeError;

/// Longest string Stripe accepts for most fields.
pub(crate) const MAX_STRING: usize = 5000;
/// Metadata limits (Stripe's: 50 keys, keys up to 40 and values up to 500 characters).
pub(crate) const METADATA_MAX_KEYS: usize = 50;
/// Longest metadata key.
pub(crate) const METADATA_MAX_KEY_LEN: usize = 40;
/// Longest metadata value.
pub(crate) const METADATA_MAX_VALUE_LEN: usize = 500;

/// The parameters of one request: a JSON object whose leaves are strings (form bodies) or
/// JSON values (JSON bodies of simulator-only routes).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Params(pub Value);

/// The names of a bracket path (`a[b][0]` → `a`, `b`, `0`), walked without collecting them.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split(['[', ']']).filter(|s| !s.is_empty())
}

impl Params {
    /// The raw value at a bracket path.
    pub(crate) fn get(&self, path: &str) -> Option<&Value> {
        // Most lookups name a top-level parameter: one map lookup, no path to walk.
        if let Value::Object(m) = &self.0
            && !path.is_empty()
            && !path.bytes().any(|b| b == b'[' || b == b']')
        {
            return m.get(path);
        }
        let mut cur = &self.0;
        for seg in segments(path) {
            cur = match cur {
                Value::Object(m) => m.get(seg)?,
                Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Refuses any top-level key not in `allowed` (`expand` is always allowed).
    pub(crate) fn allow_only(&self, allowed: &[&str]) -> Result<(), StripeError> {
        self.allow_keys(|k| allowed.contains(&k))
    }

    /// [`Params::allow_only`] with two lists of allowed keys.
    pub(crate) fn allow_only_with(&self, a: &[&str], b: &[&str]) -> Result<(), StripeError> {
        self.allow_keys(|k| a.contains(&k) || b.contains(&k))
    }

    fn allow_keys(&self, allowed: impl Fn(&str) -> bool) -> Result<(), StripeError> {
        if let Value::Object(m) = &self.0 {
            for k in m.keys() {
                if k != "expand" && !allowed(k) {
                    return Err(StripeError::ParameterUnknown { param: k.clone() });
                }
            }
        }
        Ok(())
    }

    /// Refuses any key under the object at `path` that is not in `allowed`.
    pub(crate) fn allow_only_under(&self, path: &str, allowed: &[&str]) -> Result<(), StripeError> {
        if let Some(Value::Object(m)) = self.get(path) {
            for k in m.keys() {
                if !allowed.contains(&k.as_str()) {
                    return Err(StripeError::ParameterUnknown {
                        param: format!("{path}[{k}]"),
                    });
                }
            }
        }
        Ok(())
    }

    /// An optional string (≤ 5000 chars). A hash or array where a string belongs is a 400.
    pub(crate) fn str(&self, path: &str) -> Result<Option<&str>, StripeError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().count() > MAX_STRING => {
                Err(StripeError::InvalidRequest {
                    code: Some("string_too_long"),
                    param: Some(path.into()),
                    message: format!(
                        "Invalid string: {path} must be at most {MAX_STRING} characters."
                    ),
                })
            }
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(StripeError::invalid(
                path,
                format!("Invalid {path}: expected a string, got a hash or array."),
            )),
        }
    }

    /// An optional non-empty string (an empty string counts as absent).
    pub(crate) fn nonempty(&self, path: &str) -> Result<Option<&str>, StripeError> {
        Ok(self.str(path)?.filter(|s| !s.is_empty()))
    }

    /// A required non-empty string.
    pub(crate) fn required(&self, path: &str) -> Result<&str, StripeError> {
        self.nonempty(path)?
            .ok_or_else(|| StripeError::ParameterMissing { param: path.into() })
    }

    /// An optional integer.
    pub(crate) fn int(&self, path: &str) -> Result<Option<i64>, StripeError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| invalid_int(path, &n.to_string())),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| invalid_int(path, s)),
            Some(_) => Err(invalid_int(path, "a hash")),
        }
    }

    /// An optional boolean (`true`/`false`).
    pub(crate) fn bool(&self, path: &str) -> Result<Option<bool>, StripeError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(_) => Err(StripeError::InvalidRequest {
                code: Some("parameter_invalid_boolean"),
                param: Some(path.into()),
                message: format!(
                    "Invalid boolean: {}",
                    self.get(path).map(short).unwrap_or_default()
                ),
            }),
        }
    }

    /// An optional array of strings (`enabled_events[]`, `expand[]`).
    pub(crate) fn str_list(&self, path: &str) -> Result<Option<Vec<String>>, StripeError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(StripeError::invalid(
                        format!("{path}[{i}]"),
                        format!("Invalid {path}[{i}]: expected a string."),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::String(s)) if s.is_empty() => Ok(Some(Vec::new())),
            Some(_) => Err(StripeError::invalid(
                path,
                format!("Invalid array: {path} must be an array."),
            )),
        }
    }

    /// An optional array of objects (`line_items[0][…]`).
    pub(crate) fn obj_list(&self, path: &str) -> Result<Option<Vec<Params>>, StripeError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::Object(_) => Ok(Params(v.clone())),
                    _ => Err(StripeError::invalid(
                        format!("{path}[{i}]"),
                        format!("Invalid {path}[{i}]: must be a hash."),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(StripeError::invalid(
                path,
                format!("Invalid array: {path} must be an array."),
            )),
        }
    }

    /// Applies a `metadata` update to `current` (Stripe semantics: `key=` deletes the key,
    /// `metadata=` clears all) and enforces the limits. Returns `None` if not given.
    pub(crate) fn metadata(
        &self,
        path: &str,
        current: &Value,
    ) -> Result<Option<Value>, StripeError> {
        let mut out: Map<String, Value> = current.as_object().cloned().unwrap_or_default();
        match self.get(path) {
            None => return Ok(None),
            Some(Value::String(s)) if s.is_empty() => out.clear(),
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => String::new(),
                        _ => {
                            return Err(StripeError::invalid(
                                format!("{path}[{k}]"),
                                format!(
                                    "Invalid value for {path}[{k}]: metadata values must be strings."
                                ),
                            ));
                        }
                    };
                    if k.chars().count() > METADATA_MAX_KEY_LEN {
                        return Err(StripeError::invalid(
                            format!("{path}[{k}]"),
                            format!(
                                "Metadata keys can have up to {METADATA_MAX_KEY_LEN} characters."
                            ),
                        ));
                    }
                    if v.chars().count() > METADATA_MAX_VALUE_LEN {
                        return Err(StripeError::invalid(
                            format!("{path}[{k}]"),
                            format!(
                                "Metadata values can have up to {METADATA_MAX_VALUE_LEN} characters."
                            ),
                        ));
                    }
                    if v.is_empty() {
                        out.remove(k);
                    } else {
                        out.insert(k.clone(), Value::String(v));
                    }
                }
            }
            Some(_) => {
                return Err(StripeError::invalid(
                    path,
                    format!("Invalid {path}: must be a hash."),
                ));
            }
        }
        if out.len() > METADATA_MAX_KEYS {
            return Err(StripeError::invalid(
                path,
                format!("Metadata can have up to {METADATA_MAX_KEYS} keys."),
            ));
        }
        Ok(Some(Value::Object(out)))
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.chars().take(50).collect(),
        other => other.to_string().chars().take(50).collect(),
    }
}

fn invalid_int(path: &str, got: &str) -> StripeError {
    StripeError::InvalidRequest {
        code: Some("parameter_invalid_integer"),
        param: Some(path.into()),
        message: format!(
            "Invalid integer: {}",
            got.chars().take(50).collect::<String>()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_types() {
        let p = Params(
            json!({"recurring": {"interval": "month", "interval_count": "2"},
            "flag": "true", "n": "x", "items": [{"price": "p"}]}),
        );
        assert_eq!(p.str("recurring[interval]").expect("ok"), Some("month"));
        assert_eq!(p.int("recurring[interval_count]").expect("ok"), Some(2));
        assert_eq!(p.bool("flag").expect("ok"), Some(true));
        assert!(p.int("n").is_err());
        assert_eq!(p.str("items[0][price]").expect("ok"), Some("p"));
        assert_eq!(
            p.required("missing").expect_err("missing").body()["error"]["param"],
            "missing"
        );
        assert!(p.str("recurring").is_err());
        assert!(p.allow_only(&["recurring", "flag", "n"]).is_err());
        assert!(p.allow_only(&["recurring", "flag", "n", "items"]).is_ok());
    }

    #[test]
    fn metadata_rules() {
        let p = Params(json!({"metadata": {"a": "", "b": "2"}}));
        let m = p
            .metadata("metadata", &json!({"a": "1", "c": "3"}))
            .expect("ok");
        assert_eq!(m, Some(json!({"b": "2", "c": "3"})));
        let p = Params(json!({"metadata": ""}));
        assert_eq!(
            p.metadata("metadata", &json!({"a": "1"})).expect("ok"),
            Some(json!({}))
        );
        let long_key = "k".repeat(41);
        let p = Params(json!({"metadata": {long_key: "v"}}));
        assert!(p.metadata("metadata", &json!({})).is_err());
    }
}
