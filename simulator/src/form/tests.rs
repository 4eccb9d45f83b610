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
