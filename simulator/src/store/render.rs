//! Answers as JSON text, reusing what the store has already serialized.

use std::sync::Arc;

use serde_json::Value;

use super::Store;
use super::slot::to_text;

impl Store {
    /// `v` as JSON text, reusing the stored text of each warm object it is equal to — the
    /// answer itself, or each item of a list answer — so answering an object just written or
    /// read serializes nothing. Anything else (expanded, changed, not stored) is serialized.
    pub(crate) fn render(&self, v: &Value) -> String {
        let mut out = String::new();
        self.render_into(v, &mut out, true);
        out
    }

    fn render_into(&self, v: &Value, out: &mut String, top: bool) {
        if let Some(text) = self.warm_text(v) {
            out.push_str(&text);
            return;
        }
        match v {
            Value::Object(m) if top && m.get("object").and_then(Value::as_str) == Some("list") => {
                out.push('{');
                for (i, (k, val)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&to_text(&Value::String(k.clone())));
                    out.push(':');
                    match (k.as_str(), val) {
                        ("data", Value::Array(items)) => {
                            out.push('[');
                            for (j, item) in items.iter().enumerate() {
                                if j > 0 {
                                    out.push(',');
                                }
                                self.render_into(item, out, false);
                            }
                            out.push(']');
                        }
                        _ => out.push_str(&to_text(val)),
                    }
                }
                out.push('}');
            }
            _ => out.push_str(&to_text(v)),
        }
    }

    /// The stored text of `v` when its stored copy is warm and equal to it.
    fn warm_text(&self, v: &Value) -> Option<Arc<str>> {
        let id = v.get("id")?.as_str()?;
        self.objects.get(id)?.0.text_if_parsed_equal(v)
    }
}
