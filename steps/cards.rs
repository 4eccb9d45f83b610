//! Stripe's test cards, named the way Stripe's docs name them, so a feature can say "a card that
//! is declined" and a reader can repeat the step by hand in test mode.

/// Every test card a feature may name, with its number.
pub const TEST_CARDS: &[(&str, &str)] = &[
    ("a card that succeeds", "4242424242424242"),
    ("the Visa test card", "4242424242424242"),
    ("a card that is declined", "4000000000000002"),
    ("a card with insufficient funds", "4000000000009995"),
    ("a card that is reported lost", "4000000000009987"),
    ("a card that is reported stolen", "4000000000009979"),
    ("an expired card", "4000000000000069"),
    ("the card that fails on renewal", "4000000000000341"),
    ("the card that creates a dispute", "4000000000000259"),
    ("the card that creates an inquiry", "4000000000001976"),
    (
        "the card that triggers an early fraud warning",
        "4000000000005423",
    ),
];

/// Card number for a phrase used in a feature: either one of the names below, or a literal
/// 16-digit number (spaces allowed, as printed on Stripe's test-card page).
pub fn card_number(phrase: &str) -> Option<String> {
    let phrase = phrase.trim();
    let known = TEST_CARDS
        .iter()
        .find(|(name, _)| *name == phrase)
        .map(|(_, number)| *number);
    if let Some(number) = known {
        return Some(number.to_string());
    }
    // "the card that fails on renewal (4000 0000 0000 0341)" or a bare number.
    let digits: String = phrase
        .rsplit('(')
        .next()
        .unwrap_or(phrase)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ')')
        .collect();
    (digits.len() == 16 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::card_number;

    #[test]
    fn names_and_literal_numbers_resolve() {
        assert_eq!(
            card_number("a card that succeeds").as_deref(),
            Some("4242424242424242")
        );
        assert_eq!(
            card_number("the card that fails on renewal (4000 0000 0000 0341)").as_deref(),
            Some("4000000000000341")
        );
        assert_eq!(
            card_number("4000 0000 0000 0002").as_deref(),
            Some("4000000000000002")
        );
        assert_eq!(card_number("a lucky card"), None);
    }
}
