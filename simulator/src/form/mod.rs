//! Parser for Stripe's form bodies and query strings with Rack-style bracket nesting.
//!
//! `a[b][0][c]=v` builds nested objects and arrays; `expand[]=x` appends to an array,
//! `expand[0]=x` sets an index (both forms are sent by real SDKs); brackets may arrive
//! percent-encoded. The result is a JSON object whose leaves are strings: handlers convert
//! integers and booleans themselves so they can name the parameter in errors.
//!
//! Decoding is strict, as Stripe's is: instead of guessing what a broken body meant, it is
//! refused with a 400 `invalid_request_error` when it has an invalid or truncated percent
//! escape (`%zz`, `a=%`, `a=%4`), bytes that are not UTF-8 once decoded (`%ff`), a NUL byte
//! (raw or `%00`), a parameter without a name (`=x`) or unbalanced brackets (`a[b`, `a]b`).
//! `+` is a space, an empty value is an empty string, a name without `=` has an empty value,
//! and empty pieces (`a=1&&b=2`, a trailing `&`) are skipped.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::StripeError;

/// Highest array index accepted (`items[1000]` is refused) so a tiny body cannot make the
/// parser allocate a huge array.
pub(crate) const MAX_INDEX: usize = 999;
/// Deepest nesting accepted (Stripe's own limit is lower in practice).
pub(crate) const MAX_DEPTH: usize = 10;

/// A node while the tree is being built: arrays stay sparse until the end.
#[derive(Debug)]
enum Node {
    Leaf(String),
    Map(Vec<(String, Node)>),
    Array(BTreeMap<usize, Node>),
}

/// One bracket segment of a key.
#[derive(Debug, PartialEq)]
enum Seg {
    Name(String),
    Index(usize),
    Append,
}

/// Parses an `application/x-www-form-urlencoded` body or query string into a JSON object.
pub fn parse(input: &[u8]) -> Result<Value, StripeError> {
    let mut root: Vec<(String, Node)> = Vec::new();
    for (key, value) in pairs(input) {
        let (key, value) = (key?, value?);
        let (base, segs) = split_key(&key)?;
        insert_map(&mut root, base, &segs, value, &key)?;
    }
    Ok(Value::Object(finish_map(root)))
}

/// Splits `input` at `&` and decodes each `name=value` piece strictly; empty pieces are skipped.
fn pairs(
    input: &[u8],
) -> impl Iterator<Item = (Result<String, StripeError>, Result<String, StripeError>)> {
    input
        .split(|b| *b == b'&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = match piece.iter().position(|b| *b == b'=') {
                Some(i) => (&piece[..i], &piece[i + 1..]),
                None => (piece, &b""[..]),
            };
            let name = if name.is_empty() {
                Err(malformed(
                    piece,
                    "a parameter has no name. Every parameter needs a name before its `=`",
                ))
            } else {
                decode(name, piece)
            };
            // The name's error is reported first; the value is only decoded when it is needed.
            let value = match name {
                Ok(_) => decode(value, piece),
                Err(_) => Ok(String::new()),
            };
            (name, value)
        })
}

/// Percent-decodes one name or value (`+` is a space) into UTF-8 text without NUL bytes.
fn decode(raw: &[u8], piece: &[u8]) -> Result<String, StripeError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).and_then(|b| hex_digit(*b));
                let lo = raw.get(i + 2).and_then(|b| hex_digit(*b));
                match (hi, lo) {
                    (Some(h), Some(l)) => {
                        out.push((h << 4) | l);
                        i += 2;
                    }
                    _ if raw.len() - i < 3
                        && raw[i + 1..].iter().all(|b| hex_digit(*b).is_some()) =>
                    {
                        return Err(malformed(
                            piece,
                            "a percent escape is truncated: `%` must be followed by two hexadecimal digits (send a literal `%` as `%25`)",
                        ));
                    }
                    _ => {
                        let end = (i + 3).min(raw.len());
                        return Err(malformed(
                            piece,
                            &format!(
                                "`{}` is not a valid percent escape: `%` must be followed by two hexadecimal digits (send a literal `%` as `%25`)",
                                shown(&raw[i..end])
                            ),
                        ));
                    }
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    let text = String::from_utf8(out).map_err(|_| {
        malformed(
            piece,
            "it is not valid UTF-8 once percent-decoded. Encode text as UTF-8 before percent-encoding it",
        )
    })?;
    if text.contains('\0') {
        return Err(malformed(
            piece,
            "it contains a NUL byte (`%00`), which is not accepted",
        ));
    }
    Ok(text)
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Longest excerpt of the offending piece quoted in an error message.
const SHOWN_MAX: usize = 40;

/// A printable excerpt of raw input: printable ASCII as is, other bytes as `\xNN`.
fn shown(raw: &[u8]) -> String {
    let mut s = String::new();
    for &b in raw.iter().take(SHOWN_MAX) {
        if b.is_ascii_graphic() || b == b' ' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    if raw.len() > SHOWN_MAX {
        s.push('…');
    }
    s
}

fn malformed(piece: &[u8], why: &str) -> StripeError {
    StripeError::bad_request(format!(
        "Invalid application/x-www-form-urlencoded parameter `{}`: {why}.",
        shown(piece)
    ))
}

fn split_key(key: &str) -> Result<(String, Vec<Seg>), StripeError> {
    let bad = || {
        StripeError::bad_request(format!(
            "Invalid parameter name `{key}`: brackets must be balanced, like `a[b][0]`."
        ))
    };
    let (base, mut rest) = match key.find('[') {
        Some(0) => return Err(bad()),
        Some(i) => (&key[..i], &key[i..]),
        None => {
            if key.contains(']') {
                return Err(bad());
            }
            return Ok((key.to_string(), Vec::new()));
        }
    };
    if base.contains(']') {
        return Err(bad());
    }
    let mut segs = Vec::new();
    while !rest.is_empty() {
        let inner_end = rest.find(']').ok_or_else(bad)?;
        if !rest.starts_with('[') {
            return Err(bad());
        }
        let inner = &rest[1..inner_end];
        if inner.contains('[') {
            return Err(bad());
        }
        let seg = if inner.is_empty() {
            Seg::Append
        } else if inner.bytes().all(|b| b.is_ascii_digit()) {
            let idx: usize = inner.parse().map_err(|_| bad())?;
            if idx > MAX_INDEX {
                return Err(StripeError::bad_request(format!(
                    "Invalid array index in `{key}`: indexes must be at most {MAX_INDEX}."
                )));
            }
            Seg::Index(idx)
        } else {
            Seg::Name(inner.to_string())
        };
        segs.push(seg);
        rest = &rest[inner_end + 1..];
    }
    if segs.len() > MAX_DEPTH {
        return Err(StripeError::bad_request(format!(
            "Invalid parameter name `{key}`: nested more than {MAX_DEPTH} levels."
        )));
    }
    Ok((base.to_string(), segs))
}

fn conflict(key: &str) -> StripeError {
    StripeError::bad_request(format!(
        "Invalid parameters: `{key}` conflicts with another parameter of the same name that has a different shape (a value, a hash and an array cannot be mixed)."
    ))
}

fn new_node(segs: &[Seg], value: String) -> Node {
    match segs.first() {
        None => Node::Leaf(value),
        Some(Seg::Name(n)) => Node::Map(vec![(n.clone(), new_node(&segs[1..], value))]),
        Some(Seg::Index(i)) => Node::Array(BTreeMap::from([(*i, new_node(&segs[1..], value))])),
        Some(Seg::Append) => Node::Array(BTreeMap::from([(0, new_node(&segs[1..], value))])),
    }
}

fn insert_map(
    map: &mut Vec<(String, Node)>,
    name: String,
    rest: &[Seg],
    value: String,
    key: &str,
) -> Result<(), StripeError> {
    match map.iter_mut().find(|(k, _)| *k == name) {
        None => {
            let node = new_node(rest, value);
            map.push((name, node));
            Ok(())
        }
        Some((_, existing)) => insert_into(existing, rest, value, key),
    }
}

fn insert_into(node: &mut Node, segs: &[Seg], value: String, key: &str) -> Result<(), StripeError> {
    match (node, segs.first()) {
        // A repeated scalar: the last value wins, as in Rack.
        (Node::Leaf(v), None) => {
            *v = value;
            Ok(())
        }
        (Node::Map(m), Some(Seg::Name(n))) => insert_map(m, n.clone(), &segs[1..], value, key),
        (Node::Array(a), Some(Seg::Index(i))) => match a.get_mut(i) {
            Some(child) => insert_into(child, &segs[1..], value, key),
            None => {
                a.insert(*i, new_node(&segs[1..], value));
                Ok(())
            }
        },
        (Node::Array(a), Some(Seg::Append)) => {
            // Rack: `items[][a]=1&items[][b]=2` fills the last element while its key is new.
            if let (Some(Seg::Name(n)), Some((_, Node::Map(last)))) =
                (segs.get(1), a.iter_mut().next_back())
                && !last.iter().any(|(k, _)| k == n)
            {
                return insert_map(last, n.clone(), &segs[2..], value, key);
            }
            let next = a.keys().next_back().map_or(0, |k| k + 1);
            if next > MAX_INDEX {
                return Err(StripeError::bad_request(format!(
                    "Too many values for `{key}`: at most {} are accepted.",
                    MAX_INDEX + 1
                )));
            }
            a.insert(next, new_node(&segs[1..], value));
            Ok(())
        }
        _ => Err(conflict(key)),
    }
}

fn finish(node: Node) -> Value {
    match node {
        Node::Leaf(s) => Value::String(s),
        Node::Map(m) => Value::Object(finish_map(m)),
        Node::Array(a) => Value::Array(a.into_values().map(finish).collect()),
    }
}

fn finish_map(m: Vec<(String, Node)>) -> Map<String, Value> {
    m.into_iter().map(|(k, v)| (k, finish(v))).collect()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod props;
