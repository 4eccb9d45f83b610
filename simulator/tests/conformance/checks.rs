//! Checks (b) and (c): every declared create / update / list parameter is known to the
//! simulator (an undeclared one is a 400 `parameter_unknown`), and every declared
//! expandable field expands.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::client::{Answer, Client};
use super::fixtures::Fixture;

/// A parameter name nobody declares.
pub const UNDECLARED: &str = "conformance_undeclared_param";

/// What check (b) found for one operation of one resource.
pub struct ParamReport {
    /// Declared parameters.
    pub declared: usize,
    /// Declared parameters the simulator does not refuse as unknown.
    pub accepted: usize,
    /// `param (or nested param): problem`.
    pub problems: BTreeMap<String, String>,
    /// Whether the undeclared parameter got 400 `parameter_unknown`.
    pub undeclared_refused: bool,
    /// Accepted parameters named like a field of the answer (so Stripe shows them back).
    pub reflectable: usize,
    /// Of those, shown back as sent.
    pub reflected: usize,
}

/// Whether `got` shows `sent`: equal scalars, every key of a sent hash (arrays not compared).
fn reflects(sent: &Value, got: &Value) -> bool {
    match (sent, got) {
        (Value::Object(s), Value::Object(g)) => s
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|x| reflects(v, x))),
        (Value::Object(_), _) => false,
        (Value::Array(_), _) => true,
        // A test card alias is replaced by the payment method made from it, as on Stripe.
        (Value::String(a), Value::String(b)) if a.starts_with("pm_card_") => b.starts_with("pm_"),
        (Value::String(a), Value::String(b)) => a == b,
        (Value::String(a), Value::Number(b)) | (Value::Number(b), Value::String(a)) => {
            a == &b.to_string()
        }
        (a, b) => a == b,
    }
}

fn substitute(v: &mut Value, name: &str, ids: &BTreeMap<&'static str, String>) {
    match v {
        Value::String(s) => {
            if let Some(id) = ids.get(name) {
                *s = id.clone();
            }
        }
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                substitute(x, k, ids);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, name, ids)),
        _ => {}
    }
}

/// Removes the value at a bracketed parameter name (`a[b][0][c]`); false when absent.
fn remove(root: &mut Value, param: &str) -> bool {
    let segs: Vec<&str> = param.split(['[', ']']).filter(|s| !s.is_empty()).collect();
    let Some((last, path)) = segs.split_last() else {
        return false;
    };
    let mut cur = root;
    for s in path {
        cur = match cur {
            Value::Object(m) => match m.get_mut(*s) {
                Some(x) => x,
                None => return false,
            },
            Value::Array(a) => match s.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(x) => x,
                None => return false,
            },
            _ => return false,
        };
    }
    match cur {
        Value::Object(m) => m.remove(*last).is_some(),
        Value::Array(a) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => {
                a.remove(i);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Where and how an operation is sent.
#[derive(Clone, Copy, PartialEq)]
pub enum Op {
    Create,
    Update,
    List,
}

impl Op {
    /// The contract's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::List => "list",
        }
    }
}

async fn send(c: &Client, f: &Fixture, op: Op, params: &Value) -> Answer {
    match op {
        Op::Create => c.post(f.path, params).await,
        Op::Update => c.post(&format!("{}/{}", f.path, f.id), params).await,
        Op::List => c.get(f.path, params).await,
    }
}

fn base(f: &Fixture, op: Op) -> Value {
    match (op, &f.create_base) {
        (Op::Create, b @ Value::Object(_)) => b.clone(),
        _ => json!({}),
    }
}

/// Check (b) for one operation; `None` when the simulator does not route it.
pub async fn check_params(
    c: &Client,
    f: &Fixture,
    op: Op,
    declared: &[Value],
    ids: &BTreeMap<&'static str, String>,
) -> Option<ParamReport> {
    if op == Op::Create && f.create_base.is_null() {
        return None;
    }
    let mut probe = base(f, op);
    probe[UNDECLARED] = json!("x");
    let a = send(c, f, op, &probe).await;
    if a.unrouted() {
        return None;
    }
    let mut r = ParamReport {
        declared: declared.len(),
        accepted: 0,
        problems: BTreeMap::new(),
        undeclared_refused: a.unknown_param() == Some(UNDECLARED),
        reflectable: 0,
        reflected: 0,
    };
    let mut ids = ids.clone();
    let own_id = f.id.clone();
    ids.insert("starting_after", own_id.clone());
    ids.insert("ending_before", own_id);
    for p in declared {
        let name = p["name"].as_str().expect("name");
        let mut value = p["example"].clone();
        substitute(&mut value, name, &ids);
        let mut params = base(f, op);
        params[name] = value;
        let mut refused = false;
        for _ in 0..60 {
            let a = send(c, f, op, &params).await;
            if a.status >= 500 {
                r.problems
                    .insert(name.to_string(), format!("{} {}", a.status, a.body));
                break;
            }
            match a.unknown_param() {
                Some(u) if u == name => {
                    refused = true;
                    r.problems.insert(name.to_string(), "unknown".to_string());
                    break;
                }
                Some(u) if u.starts_with(&format!("{name}[")) => {
                    r.problems.insert(u.to_string(), "unknown".to_string());
                    if !remove(&mut params, u) {
                        break;
                    }
                }
                Some(u) => {
                    r.problems
                        .insert(name.to_string(), format!("refused as unknown: {u}"));
                    refused = true;
                    break;
                }
                None => {
                    let shown = a.body.get(name).filter(|g| !g.is_array());
                    let sent = &params[name];
                    if op != Op::List
                        && a.status == 200
                        && !sent.is_array()
                        && let Some(got) = shown
                    {
                        r.reflectable += 1;
                        if reflects(sent, got) {
                            r.reflected += 1;
                        } else {
                            r.problems.insert(
                                name.to_string(),
                                format!("not shown back: sent {sent}, got {got}"),
                            );
                        }
                    }
                    break;
                }
            }
        }
        if !refused {
            r.accepted += 1;
        }
    }
    Some(r)
}

/// What check (c) found for one resource: `path → None` (expands) or `Some(problem)`.
pub async fn check_expand(
    c: &Client,
    f: &Fixture,
    paths: &[Value],
) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    for p in paths {
        let path = p.as_str().expect("path");
        let a = if f.retrievable {
            c.get(&format!("{}/{}", f.path, f.id), &json!({"expand": [path]}))
                .await
        } else {
            let mut params = f.create_base.clone();
            params["expand"] = json!([path]);
            c.post(f.path, &params).await
        };
        let problem = if a.status != 200 {
            Some(format!(
                "{} {}",
                a.status,
                a.body["error"]["message"].as_str().unwrap_or_default()
            ))
        } else {
            let mut cur = &a.body;
            let mut problem = None;
            for seg in path.split('.') {
                match cur.get(seg) {
                    Some(Value::Null) => break,
                    Some(v) => cur = v,
                    None => {
                        problem = Some("absent after expansion".to_string());
                        break;
                    }
                }
            }
            if problem.is_none() && cur.is_string() {
                problem = Some("still an id after expansion".to_string());
            }
            problem
        };
        out.insert(path.to_string(), problem);
    }
    out
}
