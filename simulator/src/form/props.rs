//! Property tests: arbitrary bytes never panic and are refused exactly when malformed; what a
//! Stripe SDK encodes decodes back to the same parameters.

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
