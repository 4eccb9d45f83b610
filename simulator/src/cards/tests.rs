//! Unit tests of the test cards: resolving numbers and names, Luhn and brands, decline
//! errors, and the docs table against the code's table.

use super::*;

#[test]
fn table_numbers() {
    assert_eq!(
        resolve("4242 4242 4242 4242").map(|c| c.behaviour),
        Some(Behaviour::Succeeds)
    );
    let c = resolve("4000000000000002").expect("known");
    assert_eq!(c.behaviour, Behaviour::Declined(Decline::Generic));
    assert_eq!(c.last4, "0002");
    assert_eq!(c.brand, "visa");
    assert_eq!(
        resolve("4000000000009995").map(|c| c.behaviour),
        Some(Behaviour::Declined(Decline::InsufficientFunds))
    );
    assert_eq!(
        resolve("4242424242424241").map(|c| c.behaviour),
        Some(Behaviour::Declined(Decline::IncorrectNumber))
    );
    assert_eq!(
        resolve("4000000000000341").map(|c| c.behaviour),
        Some(Behaviour::AttachOkChargeFails)
    );
    assert_eq!(
        resolve("4000000000005423").map(|c| c.behaviour),
        Some(Behaviour::EarlyFraudWarning)
    );
    assert!(matches!(
        resolve("4000000000001976").map(|c| c.behaviour),
        Some(Behaviour::Dispute { inquiry: true, .. })
    ));
}

#[test]
fn names_and_tokens() {
    assert_eq!(
        resolve("pm_card_visa").map(|c| c.last4),
        Some("4242".to_string())
    );
    assert_eq!(
        resolve("tok_chargeDeclined").map(|c| c.behaviour),
        Some(Behaviour::Declined(Decline::Generic))
    );
    assert_eq!(
        resolve("pm_card_radarBlock").map(|c| c.behaviour),
        Some(Behaviour::Declined(Decline::RadarBlock))
    );
    assert_eq!(resolve("pm_card_nope"), None);
    assert_eq!(resolve("hello"), None);
}

#[test]
fn luhn_and_brands() {
    assert!(luhn_ok("4242424242424242"));
    assert!(!luhn_ok("4242424242424241"));
    assert_eq!(
        resolve("4111111111111111").map(|c| c.behaviour),
        Some(Behaviour::Succeeds)
    );
    assert_eq!(brand_of("5555555555554444"), "mastercard");
    assert_eq!(brand_of("378282246310005"), "amex");
    assert!(
        TEST_CARDS
            .iter()
            .filter(|c| c.number != "4242424242424241")
            .all(|c| luhn_ok(c.number))
    );
}

#[test]
fn decline_errors() {
    let e = Decline::InsufficientFunds.error(None);
    assert_eq!(e.body()["error"]["decline_code"], "insufficient_funds");
    assert_eq!(e.body()["error"]["code"], "card_declined");
    assert_eq!(
        Behaviour::AttachOkChargeFails.checkout_decline(),
        Some(Decline::Generic)
    );
    assert_eq!(Behaviour::EarlyFraudWarning.checkout_decline(), None);
}

/// The result column of the docs table: what the integration test `tests/test_cards.rs`
/// checks for the row.
fn expectation(c: &TestCard) -> String {
    let code = |d: Decline| {
        let body = d.error(None).body();
        let e = &body["error"];
        match e["decline_code"].as_str() {
            Some(dc) => format!("{}/{dc}", e["code"].as_str().unwrap_or_default()),
            None => e["code"].as_str().unwrap_or_default().to_string(),
        }
    };
    let mut out = match c.behaviour {
        Behaviour::Succeeds => "ok".to_string(),
        Behaviour::ElevatedRisk => "ok risk=elevated".to_string(),
        Behaviour::Declined(Decline::RadarBlock) => {
            format!("blocked {}", code(Decline::RadarBlock))
        }
        Behaviour::Declined(d) => format!("declined {}", code(d)),
        Behaviour::AttachOkChargeFails => format!("charge_fails {}", code(Decline::Generic)),
        Behaviour::AuthenticationRequired => {
            format!("charge_fails {}", code(Decline::AuthenticationRequired))
        }
        Behaviour::Dispute { reason, inquiry } => {
            format!("{} {reason}", if inquiry { "inquiry" } else { "dispute" })
        }
        Behaviour::EarlyFraudWarning => "efw".to_string(),
    };
    if c.checks.cvc != "pass" {
        out.push_str(&format!(" cvc={}", c.checks.cvc));
    }
    if let Some(l) = c.checks.line1 {
        out.push_str(&format!(" line1={l}"));
    }
    if let Some(p) = c.checks.postal {
        out.push_str(&format!(" postal={p}"));
    }
    out
}

fn names(list: &[&str]) -> String {
    if list.is_empty() {
        return "—".to_string();
    }
    list.iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One row of the docs table, as `simulator/docs/test-cards.md` must show it.
fn doc_row(c: &TestCard) -> String {
    format!(
        "| `{}` | {} | {} | {} | {} | {} | `{}` |",
        c.number,
        names(c.pm),
        names(c.tok),
        c.brand,
        c.funding,
        c.country,
        expectation(c)
    )
}

#[test]
fn the_docs_table_is_the_code_table() {
    let doc = include_str!("../../docs/test-cards.md");
    let shown: Vec<&str> = doc
        .lines()
        .skip_while(|l| !l.starts_with("<!-- cards:begin"))
        .take_while(|l| !l.starts_with("<!-- cards:end"))
        .filter(|l| l.starts_with("| `"))
        .collect();
    let wanted: Vec<String> = TEST_CARDS.iter().map(doc_row).collect();
    if shown != wanted {
        let first = shown
            .iter()
            .zip(&wanted)
            .position(|(a, b)| *a != b.as_str())
            .unwrap_or(shown.len().min(wanted.len()));
        panic!(
            "docs/test-cards.md differs from cards/table.rs at row {} ({} rows shown, {} in the code).\nThe rows the code implies:\n{}",
            first + 1,
            shown.len(),
            wanted.len(),
            wanted.join("\n")
        );
    }
}

#[test]
fn every_name_is_unique_and_resolves_to_its_row() {
    let mut seen = std::collections::HashSet::new();
    for c in TEST_CARDS {
        assert!(seen.insert(c.number), "{} listed twice", c.number);
        for n in c.pm.iter().chain(c.tok) {
            assert!(seen.insert(n), "{n} listed twice");
            let r = resolve(n).expect(n);
            assert_eq!((r.number.as_str(), r.brand), (c.number, c.brand), "{n}");
        }
        assert!(c.pm.iter().all(|n| n.starts_with("pm_card_")));
        assert!(c.tok.iter().all(|n| n.starts_with("tok_")));
        assert_eq!(resolve(c.number).map(|r| r.behaviour), Some(c.behaviour));
    }
}
