//! Stripe's test cards: card numbers, `pm_card_*` payment methods and
//! `tok_*` tokens mapped to what happens when they are attached or charged.
//!
//! The behaviour is recorded per payment method (see `AccountState::pm_behaviour`), so later
//! charges, disputes, early fraud warnings and failing renewals follow the card that was
//! attached. The cards themselves are listed once, in [`table`]; `simulator/docs/test-cards.md`
//! shows the same list.

mod table;
#[cfg(test)]
mod tests;

pub(crate) use table::{Checks, TEST_CARDS, TestCard};

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
    /// `card_declined` / `card_velocity_exceeded`
    VelocityExceeded,
    /// `authentication_required` / `authentication_required`: the card needs 3-D Secure,
    /// which the simulator does not simulate (charged as Stripe charges it off session).
    AuthenticationRequired,
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
            Decline::VelocityExceeded => (
                "card_declined",
                Some("card_velocity_exceeded"),
                "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
            ),
            Decline::AuthenticationRequired => (
                "authentication_required",
                Some("authentication_required"),
                "Your card was declined. This transaction requires authentication.",
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
    /// 4000000000009235: charge succeeds with Radar's risk level `elevated`.
    ElevatedRisk,
    /// 3-D Secure cards: attaching succeeds, every charge fails with
    /// `authentication_required` (authentication is not simulated).
    AuthenticationRequired,
}

impl Behaviour {
    /// The decline to report when this card is charged at Checkout, if any. Checkout charges
    /// immediately, so a card that only fails later charges (0341) is declined there too.
    pub(crate) fn checkout_decline(self) -> Option<Decline> {
        self.charge_decline()
    }

    /// The decline to report when this card is saved without a charge (Checkout's setup
    /// mode), if any (a guess, see `docs/guesses.md`): declining cards are refused as at attach, and cards that require 3-D
    /// Secure fail because authentication is not simulated; 0341 saves fine.
    pub(crate) fn setup_decline(self) -> Option<Decline> {
        match self {
            Behaviour::Declined(d) => Some(d),
            Behaviour::AuthenticationRequired => Some(Decline::AuthenticationRequired),
            _ => None,
        }
    }

    /// The decline every charge of this card meets, if any.
    pub(crate) fn charge_decline(self) -> Option<Decline> {
        match self {
            Behaviour::Declined(d) => Some(d),
            Behaviour::AttachOkChargeFails => Some(Decline::Generic),
            Behaviour::AuthenticationRequired => Some(Decline::AuthenticationRequired),
            _ => None,
        }
    }
}

/// A card resolved from user input: number, brand, last4 and behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedCard {
    /// Digits only.
    pub(crate) number: String,
    /// `visa`, `mastercard`, `amex`, `discover`, `diners`, `jcb`, `unionpay` or `unknown`.
    pub(crate) brand: &'static str,
    /// `credit`, `debit` or `prepaid`.
    pub(crate) funding: &'static str,
    /// Two-letter country of the issuer.
    pub(crate) country: &'static str,
    /// Address and CVC check results.
    pub(crate) checks: Checks,
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
            .find(|c| c.pm.contains(&input) || c.tok.contains(&input))?;
        return Some(from_card(c));
    }
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.len() < 12 || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(c) = TEST_CARDS.iter().find(|c| c.number == digits) {
        return Some(from_card(c));
    }
    let behaviour = if luhn_ok(&digits) {
        Behaviour::Succeeds
    } else {
        Behaviour::Declined(Decline::IncorrectNumber)
    };
    Some(ResolvedCard {
        brand: brand_of(&digits),
        funding: "credit",
        country: "US",
        checks: table::CHECKS_OK,
        last4: last4(&digits),
        number: digits,
        behaviour,
    })
}

fn last4(number: &str) -> String {
    number[number.len().saturating_sub(4)..].to_string()
}

fn from_card(c: &TestCard) -> ResolvedCard {
    ResolvedCard {
        number: c.number.to_string(),
        brand: c.brand,
        funding: c.funding,
        country: c.country,
        checks: c.checks,
        last4: last4(c.number),
        behaviour: c.behaviour,
    }
}

/// The card brand from the number's prefix.
pub(crate) fn brand_of(number: &str) -> &'static str {
    let two: u32 = number.get(..2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let three: u32 = number.get(..3).and_then(|s| s.parse().ok()).unwrap_or(0);
    if number.starts_with('4') {
        "visa"
    } else if (51..=55).contains(&two) || number.starts_with('2') {
        "mastercard"
    } else if two == 34 || two == 37 {
        "amex"
    } else if number.starts_with("6011") || number.starts_with("65") {
        "discover"
    } else if two == 36 || two == 38 || (300..=305).contains(&three) {
        "diners"
    } else if two == 35 {
        "jcb"
    } else if two == 62 {
        "unionpay"
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
