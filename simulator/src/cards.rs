//! Stripe's test cards: card numbers, `pm_card_*` payment methods and
//! `tok_*` tokens mapped to what happens when they are attached or charged.
//!
//! The behaviour is recorded per payment method (see `AccountState::pm_behaviour`), so later
//! charges, disputes, early fraud warnings and failing renewals follow the card that was
//! attached.

use crate::error::StripeError;

/// Why a card is declined, with Stripe's `code`, `decline_code` and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decline {
    /// `card_declined` / `generic_decline`
    Generic,
    /// `card_declined` / `insufficient_funds`
    InsufficientFunds,
    /// `card_declined` / `lost_card`
    LostCard,
    /// `card_declined` / `stolen_card`
    StolenCard,
    /// `expired_card`
    ExpiredCard,
    /// `incorrect_cvc`
    IncorrectCvc,
    /// `processing_error`
    ProcessingError,
    /// `incorrect_number`
    IncorrectNumber,
    /// Blocked by Radar: code `card_declined`, decline_code `fraudulent` (a guess, see
    /// `simulator/docs/guesses.md`).
    RadarBlock,
}

impl Decline {
    /// The Stripe `card_error` for this decline.
    pub(crate) fn error(self, param: Option<&str>) -> StripeError {
        // Guess: for expired_card / incorrect_cvc / processing_error Stripe sets `code` to the
        // reason and repeats it as decline_code; incorrect_number has no decline_code.
        let (code, decline_code, message) = match self {
            Decline::Generic => (
                "card_declined",
                Some("generic_decline"),
                "Your card was declined.",
            ),
            Decline::InsufficientFunds => (
                "card_declined",
                Some("insufficient_funds"),
                "Your card has insufficient funds.",
            ),
            Decline::LostCard => (
                "card_declined",
                Some("lost_card"),
                "Your card was declined.",
            ),
            Decline::StolenCard => (
                "card_declined",
                Some("stolen_card"),
                "Your card was declined.",
            ),
            Decline::ExpiredCard => (
                "expired_card",
                Some("expired_card"),
                "Your card has expired.",
            ),
            Decline::IncorrectCvc => (
                "incorrect_cvc",
                Some("incorrect_cvc"),
                "Your card's security code is incorrect.",
            ),
            Decline::ProcessingError => (
                "processing_error",
                Some("processing_error"),
                "An error occurred while processing your card. Try again in a little bit.",
            ),
            Decline::IncorrectNumber => {
                ("incorrect_number", None, "Your card number is incorrect.")
            }
            Decline::RadarBlock => (
                "card_declined",
                Some("fraudulent"),
                "Your card was declined.",
            ),
        };
        StripeError::Card {
            code,
            decline_code,
            message: message.into(),
            param: param.map(str::to_string),
        }
    }
}

/// What a test card does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Attaches and charges successfully.
    Succeeds,
    /// Refused at attach and at charge.
    Declined(Decline),
    /// 4000000000000341: attaching succeeds, every later charge fails (generic_decline).
    AttachOkChargeFails,
    /// Charge succeeds, then a dispute with this reason opens (`inquiry` → warning_needs_response).
    Dispute {
        /// Dispute reason (`fraudulent`, `product_not_received`, `general`).
        reason: &'static str,
        /// Whether the dispute is an inquiry.
        inquiry: bool,
    },
    /// 4000000000005423: charge succeeds, then an early fraud warning is raised.
    EarlyFraudWarning,
}

impl Behaviour {
    /// The decline to report when this card is charged at Checkout, if any. Checkout charges
    /// immediately, so a card that only fails later charges (0341) is declined there too.
    pub(crate) fn checkout_decline(self) -> Option<Decline> {
        match self {
            Behaviour::Declined(d) => Some(d),
            Behaviour::AttachOkChargeFails => Some(Decline::Generic),
            _ => None,
        }
    }
}

/// A test card: its number, names and behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TestCard {
    /// The full card number.
    pub(crate) number: &'static str,
    /// `pm_card_…` name, if Stripe has one.
    pub(crate) pm: Option<&'static str>,
    /// `tok_…` name, if Stripe has one.
    pub(crate) tok: Option<&'static str>,
    /// What happens when it is used.
    pub(crate) behaviour: Behaviour,
}

const fn card(
    number: &'static str,
    pm: Option<&'static str>,
    tok: Option<&'static str>,
    behaviour: Behaviour,
) -> TestCard {
    TestCard {
        number,
        pm,
        tok,
        behaviour,
    }
}

/// The test cards, as in the README's Payments table.
pub(crate) const TEST_CARDS: &[TestCard] = &[
    card(
        "4242424242424242",
        Some("pm_card_visa"),
        Some("tok_visa"),
        Behaviour::Succeeds,
    ),
    card(
        "5555555555554444",
        Some("pm_card_mastercard"),
        Some("tok_mastercard"),
        Behaviour::Succeeds,
    ),
    card(
        "378282246310005",
        Some("pm_card_amex"),
        Some("tok_amex"),
        Behaviour::Succeeds,
    ),
    card(
        "4000000000000002",
        Some("pm_card_chargeDeclined"),
        Some("tok_chargeDeclined"),
        Behaviour::Declined(Decline::Generic),
    ),
    card(
        "4000000000009995",
        Some("pm_card_chargeDeclinedInsufficientFunds"),
        Some("tok_chargeDeclinedInsufficientFunds"),
        Behaviour::Declined(Decline::InsufficientFunds),
    ),
    card(
        "4000000000009987",
        Some("pm_card_chargeDeclinedLostCard"),
        Some("tok_chargeDeclinedLostCard"),
        Behaviour::Declined(Decline::LostCard),
    ),
    card(
        "4000000000009979",
        Some("pm_card_chargeDeclinedStolenCard"),
        Some("tok_chargeDeclinedStolenCard"),
        Behaviour::Declined(Decline::StolenCard),
    ),
    card(
        "4000000000000069",
        Some("pm_card_chargeDeclinedExpiredCard"),
        Some("tok_chargeDeclinedExpiredCard"),
        Behaviour::Declined(Decline::ExpiredCard),
    ),
    card(
        "4000000000000127",
        Some("pm_card_chargeDeclinedIncorrectCvc"),
        Some("tok_chargeDeclinedIncorrectCvc"),
        Behaviour::Declined(Decline::IncorrectCvc),
    ),
    card(
        "4000000000000119",
        Some("pm_card_chargeDeclinedProcessingError"),
        Some("tok_chargeDeclinedProcessingError"),
        Behaviour::Declined(Decline::ProcessingError),
    ),
    card(
        "4242424242424241",
        None,
        None,
        Behaviour::Declined(Decline::IncorrectNumber),
    ),
    card(
        "4000000000000341",
        Some("pm_card_chargeCustomerFail"),
        Some("tok_chargeCustomerFail"),
        Behaviour::AttachOkChargeFails,
    ),
    card(
        "4000000000000259",
        Some("pm_card_createDispute"),
        Some("tok_createDispute"),
        Behaviour::Dispute {
            reason: "fraudulent",
            inquiry: false,
        },
    ),
    card(
        "4000000000002685",
        Some("pm_card_createDisputeProductNotReceived"),
        Some("tok_createDisputeProductNotReceived"),
        Behaviour::Dispute {
            reason: "product_not_received",
            inquiry: false,
        },
    ),
    card(
        "4000000000001976",
        Some("pm_card_createDisputeInquiry"),
        Some("tok_createDisputeInquiry"),
        Behaviour::Dispute {
            reason: "fraudulent",
            inquiry: true,
        },
    ),
    card(
        "4000000000005423",
        Some("pm_card_createIssuerFraudRecord"),
        Some("tok_createIssuerFraudRecord"),
        Behaviour::EarlyFraudWarning,
    ),
    card(
        "4100000000000019",
        Some("pm_card_radarBlock"),
        Some("tok_radarBlock"),
        Behaviour::Declined(Decline::RadarBlock),
    ),
];

/// A card resolved from user input: number, brand, last4 and behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedCard {
    /// Digits only.
    pub(crate) number: String,
    /// `visa`, `mastercard`, `amex`, `discover` or `unknown`.
    pub(crate) brand: &'static str,
    /// Last four digits.
    pub(crate) last4: String,
    /// What happens when it is used.
    pub(crate) behaviour: Behaviour,
}

/// Resolves a card number (spaces and dashes allowed), a `pm_card_*` name or a `tok_*` name.
/// Unknown numbers that pass the Luhn check succeed; others are `incorrect_number`.
/// Returns `None` for input that is neither a number nor a known test name.
pub(crate) fn resolve(input: &str) -> Option<ResolvedCard> {
    let input = input.trim();
    if input.starts_with("pm_") || input.starts_with("tok_") {
        let c = TEST_CARDS
            .iter()
            .find(|c| c.pm == Some(input) || c.tok == Some(input))?;
        return Some(from_number(c.number, c.behaviour));
    }
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.len() < 12 || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let behaviour = match TEST_CARDS.iter().find(|c| c.number == digits) {
        Some(c) => c.behaviour,
        None if luhn_ok(&digits) => Behaviour::Succeeds,
        None => Behaviour::Declined(Decline::IncorrectNumber),
    };
    Some(from_number(&digits, behaviour))
}

fn from_number(number: &str, behaviour: Behaviour) -> ResolvedCard {
    ResolvedCard {
        number: number.to_string(),
        brand: brand_of(number),
        last4: number[number.len().saturating_sub(4)..].to_string(),
        behaviour,
    }
}

/// The card brand from the number's prefix.
pub(crate) fn brand_of(number: &str) -> &'static str {
    let two: u32 = number.get(..2).and_then(|s| s.parse().ok()).unwrap_or(0);
    if number.starts_with('4') {
        "visa"
    } else if (51..=55).contains(&two) || number.starts_with('2') {
        "mastercard"
    } else if two == 34 || two == 37 {
        "amex"
    } else if number.starts_with("6011") || number.starts_with("65") {
        "discover"
    } else {
        "unknown"
    }
}

/// The Luhn checksum used by card numbers.
pub(crate) fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
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
}
