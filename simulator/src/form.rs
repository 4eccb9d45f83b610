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
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Value {
        parse(s.as_bytes()).expect("parses")
    }

    #[test]
    fn flat_and_nested() {
        assert_eq!(p("a=1&b=x%20y"), json!({"a":"1","b":"x y"}));
        assert_eq!(
            p("recurring[interval]=month&metadata[k]=v"),
            json!({"recurring":{"interval":"month"},"metadata":{"k":"v"}})
        );
        assert_eq!(
            p("a[b][0][c]=v&a[b][0][d]=w&a[b][1][c]=z"),
            json!({"a":{"b":[{"c":"v","d":"w"},{"c":"z"}]}})
        );
    }

    #[test]
    fn arrays_append_and_index() {
        assert_eq!(p("expand[]=a&expand[]=b"), json!({"expand":["a","b"]}));
        assert_eq!(p("expand[0]=a&expand[1]=b"), json!({"expand":["a","b"]}));
        assert_eq!(p("expand[1]=b&expand[0]=a"), json!({"expand":["a","b"]}));
        assert_eq!(
            p("items[][price]=p1&items[][quantity]=2&items[][price]=p2"),
            json!({"items":[{"price":"p1","quantity":"2"},{"price":"p2"}]})
        );
    }

    #[test]
    fn percent_encoded_brackets() {
        assert_eq!(
            p("line_items%5B0%5D%5Bprice%5D=price_1&expand%5B%5D=x"),
            json!({"line_items":[{"price":"price_1"}],"expand":["x"]})
        );
    }

    #[test]
    fn empty_values_and_repeats() {
        assert_eq!(
            p("metadata[a]=&x=1&x=2"),
            json!({"metadata":{"a":""},"x":"2"})
        );
        assert_eq!(p(""), json!({}));
        assert_eq!(p("&&"), json!({}));
        assert_eq!(p("flag"), json!({"flag":""}));
    }

    #[test]
    fn conflicting_shapes_are_400() {
        for bad in [
            "a=1&a[b]=2",
            "a[b]=2&a=1",
            "a[b]=1&a[0]=2",
            "a[0]=1&a[b]=2",
            "a[]=1&a[x]=2",
        ] {
            let err = parse(bad.as_bytes()).expect_err(bad);
            assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST, "{bad}");
        }
    }

    #[test]
    fn malformed_keys_are_400() {
        for bad in ["a[b", "a]b", "[a]=1", "a[b]c]=1", "a[[b]]=1", "a[1000]=x"] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    /// Malformed encodings Stripe refuses with a 400 instead of guessing what was meant.
    const MALFORMED: [(&[u8], &str); 16] = [
        (b"a=%zz", "percent"),
        (b"a=%", "percent"),
        (b"a=%4", "percent"),
        (b"a=1&b=x%4", "percent"),
        (b"a%=1", "percent"),
        (b"a=%ff", "UTF-8"),
        (b"a=%c3%28", "UTF-8"),
        (b"a=\xff", "UTF-8"),
        (b"a=%00", "NUL"),
        (b"a=x\x00y", "NUL"),
        (b"a%00b=1", "NUL"),
        (b"=x", "no name"),
        (b"a=1&=x", "no name"),
        (b"=", "no name"),
        (b"[a]=1", "brackets"),
        (b"a[b=1", "brackets"),
    ];

    #[test]
    fn malformed_encodings_are_400_with_a_clear_message() {
        let more: [(&[u8], &str); 3] = [
            (b"a]b=1", "brackets"),
            (b"%5Ba%5D=1", "brackets"),
            (b"a%5Bb=1", "brackets"),
        ];
        for (bad, word) in MALFORMED.iter().chain(more.iter()) {
            let shown = String::from_utf8_lossy(bad);
            let err = parse(bad).expect_err(&shown);
            assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST, "{shown}");
            let body = err.body();
            assert_eq!(body["error"]["type"], "invalid_request_error", "{shown}");
            let msg = body["error"]["message"].as_str().expect("message");
            assert!(msg.contains(word), "{shown}: {msg}");
            assert!(!msg.contains('\0'), "{shown}: {msg}");
        }
    }

    #[test]
    fn what_sdks_send_still_parses() {
        assert_eq!(p("a=x+y&b=%2B1"), json!({"a":"x y","b":"+1"}));
        assert_eq!(p("a=%E2%82%AC%25"), json!({"a":"€%"}));
        assert_eq!(
            p("a%5Bb%5D=1&a%5Bc%5D%5Bd%5D=2"),
            json!({"a":{"b":"1","c":{"d":"2"}}})
        );
        assert_eq!(p("a=&b=x=y"), json!({"a":"","b":"x=y"}));
        assert_eq!(p("a=1&"), json!({"a":"1"}));
        assert_eq!(
            p("metadata[k%20x]=%5B%5D"),
            json!({"metadata":{"k x":"[]"}})
        );
        assert_eq!(p("a=é"), json!({"a":"é"}));
    }

    #[test]
    fn never_panics_on_noise() {
        let samples: [&[u8]; 8] = [
            b"%",
            b"%ZZ=%",
            b"a[%5D=1",
            b"\xff\xfe=\x00",
            b"%%%%",
            b"&=&=&",
            b"=x",
            b"a[][][]=1",
        ];
        for s in samples {
            let _ = parse(s);
        }
        // Simple pseudo-random fuzz over a small alphabet.
        let alphabet = b"ab[]0=&%5B";
        let mut seed: u64 = 42;
        for _ in 0..5000 {
            let mut buf = Vec::new();
            for _ in 0..(seed % 24) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                buf.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let _ = parse(&buf);
        }
    }
}

/// Property tests: arbitrary bytes never panic and are refused exactly when malformed; what a
/// Stripe SDK encodes decodes back to the same parameters.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Pieces that make structure likely: separators, brackets, escapes good and bad.
    const TOKENS: &[&[u8]] = &[
        b"a",
        b"b",
        b"0",
        b"1",
        b"=",
        b"&",
        b"[",
        b"]",
        b"[]",
        b"%",
        b"%5B",
        b"%5D",
        b"%5b",
        b"%2",
        b"%zz",
        b"%ff",
        b"%00",
        b"%c3%a9",
        b"%e2%82",
        b"+",
        b"\x00",
        b"\xff",
        b"\xc3\xa9",
        b"metadata",
        b"[0]",
        b"[x]",
    ];

    fn noisy_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            prop::collection::vec(prop::sample::select(TOKENS), 0..24).prop_map(|t| t.concat()),
        ]
    }

    /// An independent statement of the encoding rules: each non-empty `&` piece has a
    /// non-empty name, only complete `%XX` escapes, and decodes to UTF-8 without NUL.
    fn well_encoded(input: &[u8]) -> bool {
        input
            .split(|b| *b == b'&')
            .filter(|p| !p.is_empty())
            .all(|piece| {
                if piece[0] == b'=' {
                    return false;
                }
                let mut out = Vec::new();
                let mut i = 0;
                while i < piece.len() {
                    if piece[i] == b'%' {
                        let Some(hex) = piece.get(i + 1..i + 3) else {
                            return false;
                        };
                        let Ok(hex) = std::str::from_utf8(hex) else {
                            return false;
                        };
                        let Ok(b) = u8::from_str_radix(hex, 16) else {
                            return false;
                        };
                        if hex.starts_with('+') {
                            return false;
                        }
                        out.push(b);
                        i += 3;
                    } else {
                        out.push(piece[i]);
                        i += 1;
                    }
                }
                // `=` splits name from value, so it must be checked per part; a decoded `=`
                // (`%3D`) cannot be confused with it here because only the UTF-8/NUL checks
                // look at the decoded bytes.
                std::str::from_utf8(&out).is_ok() && !out.contains(&0)
            })
    }

    /// Keys as Stripe's SDKs produce them: never all digits (that would be an index), never
    /// brackets; anything else, percent-encoded.
    fn key() -> impl Strategy<Value = String> {
        "[a-z_é][a-z0-9_ .é%+=&€-]{0,8}"
    }

    fn tree() -> impl Strategy<Value = Value> {
        let leaf = "[^\\x00]{0,12}".prop_map(Value::String);
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::btree_map(key(), inner.clone(), 1..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
                prop::collection::vec(inner, 1..4).prop_map(Value::Array),
            ]
        })
    }

    /// How a client spells the encoding: brackets literal or `%5B…%5D`, space as `+` or `%20`.
    #[derive(Debug, Clone, Copy)]
    struct Style {
        encode_brackets: bool,
        space_as_plus: bool,
    }

    fn component(s: &str, style: Style) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                b' ' if style.space_as_plus => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    }

    /// Encodes like stripe-python / stripe-node: `a[b][0][c]=v`, arrays with indices.
    fn encode(path: &mut Vec<String>, v: &Value, style: Style, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    path.push(k.clone());
                    encode(path, v, style, out);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    path.push(i.to_string());
                    encode(path, v, style, out);
                    path.pop();
                }
            }
            Value::String(s) => {
                let (open, close) = if style.encode_brackets {
                    ("%5B", "%5D")
                } else {
                    ("[", "]")
                };
                let mut name = component(&path[0], style);
                for seg in &path[1..] {
                    name.push_str(open);
                    name.push_str(&component(seg, style));
                    name.push_str(close);
                }
                out.push(format!("{name}={}", component(s, style)));
            }
            other => unreachable!("only strings, maps and arrays are generated: {other}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_bytes_are_ok_or_a_400_never_a_panic(input in noisy_bytes()) {
            match parse(&input) {
                Ok(v) => prop_assert!(v.is_object()),
                Err(e) => {
                    prop_assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
                    prop_assert_eq!(&e.body()["error"]["type"], "invalid_request_error");
                }
            }
        }

        #[test]
        fn malformed_encodings_are_always_refused(input in noisy_bytes()) {
            if !well_encoded(&input) {
                let result = parse(&input);
                prop_assert!(result.is_err(), "accepted {:?} as {:?}", String::from_utf8_lossy(&input), result);
            }
        }

        #[test]
        fn what_an_sdk_encodes_decodes_back(
            params in prop::collection::btree_map(key(), tree(), 0..5),
            encode_brackets in any::<bool>(),
            space_as_plus in any::<bool>(),
        ) {
            let params = Value::Object(params.into_iter().collect());
            let style = Style { encode_brackets, space_as_plus };
            let mut pieces = Vec::new();
            encode(&mut Vec::new(), &params, style, &mut pieces);
            let body = pieces.join("&");
            let decoded = parse(body.as_bytes());
            prop_assert_eq!(decoded.as_ref().ok(), Some(&params), "body {}", body);
        }
    }
}
