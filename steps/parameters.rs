//! The domain words a step's text holds, as Cucumber Expression parameter types: `{person}`,
//! `{plan}`, `{cycle}`, `{card}`, `{status}`, … Each one matches a little more than its valid
//! values (a word, an upper-case word, …), so a misspelt value does not silently turn the step
//! into "a step has no definition": it fails when the step is parsed, with a message naming
//! every valid value. `STEPS.md` lists each type with its values (`glossary.rs`).
//!
//! A value reads as the feature wrote it (`Deref<Target = str>`, `Display`), and the typed ones
//! also give the backend's own type (`Plan::tier`, `Cycle::cycle`).

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use billing::plans::{BillingCycle, Tier};
use cucumber::Parameter;

use crate::steps::cards;

/// A value a parameter type does not know, with the values it does. Its `Debug` is its message:
/// cucumber shows a parse failure with `{:?}`, and QA should read a sentence, not a struct.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{seen:?} is not a {{{parameter}}}; write one of: {valid}")]
pub struct UnknownValue {
    /// The parameter type's name (`plan`).
    pub parameter: &'static str,
    /// What the step said.
    pub seen: String,
    /// The valid values, joined for people.
    pub valid: String,
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `value` if it is one of `valid`, else an [`UnknownValue`] naming them.
fn one_of(parameter: &'static str, value: &str, valid: &[&str]) -> Result<String, UnknownValue> {
    if valid.contains(&value) {
        Ok(value.to_string())
    } else {
        Err(UnknownValue {
            parameter,
            seen: value.to_string(),
            valid: valid
                .iter()
                .map(|v| format!("{v:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// Implements `Deref<Target = str>` and `Display` through the type's text field.
macro_rules! reads_as_written {
    ($ty:ident) => {
        impl $ty {
            /// The value as the feature wrote it.
            pub fn as_str(&self) -> &str {
                &self.text
            }
        }
        impl Deref for $ty {
            type Target = str;
            fn deref(&self) -> &str {
                &self.text
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.text)
            }
        }
        compares_as_text!($ty);
    };
}

/// Lets a value be compared with the text it stands for (`status == "ACTIVE"`).
macro_rules! compares_as_text {
    ($ty:ident) => {
        impl PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                &**self == other
            }
        }
        impl PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                &**self == *other
            }
        }
        impl PartialEq<$ty> for &str {
            fn eq(&self, other: &$ty) -> bool {
                *self == &**other
            }
        }
        impl PartialEq<$ty> for String {
            fn eq(&self, other: &$ty) -> bool {
                self.as_str() == &**other
            }
        }
    };
}

/// Defines a parameter type whose values are a fixed list of phrases.
macro_rules! phrase_parameter {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $regex:literal, [$($value:literal),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty {
            text: String,
        }

        impl cucumber::codegen::Parameter for $ty {
            const REGEX: &'static str = $regex;
            const NAME: &'static str = $name;
        }

        impl $ty {
            /// Every value a feature may write.
            pub const VALUES: &'static [&'static str] = &[$($value),+];
        }

        impl FromStr for $ty {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                one_of($name, s, Self::VALUES).map(|text| $ty { text })
            }
        }

        reads_as_written!($ty);
    };
}

/// `{person}`: someone acting in the scenario, by first name (`Ana`, `Omar`). Every name is
/// valid; a step that names someone never signed in fails when it looks them up.
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "person", regex = r"\w+")]
pub struct Person {
    text: String,
}

impl FromStr for Person {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Ok(Person {
            text: s.to_string(),
        })
    }
}

reads_as_written!(Person);

/// `{plan}`: a plan tier as the pricing page names it (`BASIC`), the backend's [`Tier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Parameter)]
#[param(name = "plan", regex = "[A-Z]+")]
pub struct Plan {
    tier: Tier,
}

impl Plan {
    /// The plan's name (`BASIC`).
    pub fn as_str(&self) -> &'static str {
        self.tier.plan_name()
    }

    /// The backend's tier.
    pub fn tier(self) -> Tier {
        self.tier
    }

    /// Every value a feature may write.
    pub fn values() -> Vec<&'static str> {
        Tier::ALL.iter().map(|t| t.plan_name()).collect()
    }
}

impl FromStr for Plan {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        let known = Plan::values();
        one_of("plan", s, &known)?;
        let tier = Tier::ALL
            .into_iter()
            .find(|t| t.plan_name() == s)
            .expect("one_of checked it");
        Ok(Plan { tier })
    }
}

impl Deref for Plan {
    type Target = str;
    fn deref(&self) -> &str {
        self.tier.plan_name()
    }
}

compares_as_text!(Plan);

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tier.plan_name())
    }
}

/// `{plans}`: one or more plans, `BASIC`, `BASIC and PRO`, `BASIC, PRO and ENTERPRISE`.
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "plans", regex = "[A-Z]+(?:(?:, | and )[A-Z]+)*")]
pub struct Plans {
    text: String,
    plans: Vec<Plan>,
}

impl Plans {
    /// The plans, in the order written.
    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }
}

impl FromStr for Plans {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        let plans = s
            .split(", ")
            .flat_map(|part| part.split(" and "))
            .map(str::parse)
            .collect::<Result<Vec<Plan>, _>>()?;
        Ok(Plans {
            text: s.to_string(),
            plans,
        })
    }
}

reads_as_written!(Plans);

/// `{cycle}`: how often a plan is billed (`monthly`, `yearly`), the backend's [`BillingCycle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Parameter)]
#[param(name = "cycle", regex = "[a-z]+")]
pub struct Cycle {
    cycle: BillingCycle,
}

impl Cycle {
    /// The cycle's spelling (`monthly`).
    pub fn as_str(&self) -> &'static str {
        self.cycle.as_str()
    }

    /// The backend's billing cycle.
    pub fn cycle(self) -> BillingCycle {
        self.cycle
    }

    /// Every value a feature may write.
    pub fn values() -> Vec<&'static str> {
        BillingCycle::ALL.iter().map(|c| c.as_str()).collect()
    }
}

impl FromStr for Cycle {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        one_of("cycle", s, &Cycle::values())?;
        let cycle = BillingCycle::parse(s).expect("one_of checked it");
        Ok(Cycle { cycle })
    }
}

impl Deref for Cycle {
    type Target = str;
    fn deref(&self) -> &str {
        self.cycle.as_str()
    }
}

compares_as_text!(Cycle);

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cycle.as_str())
    }
}

phrase_parameter!(
    /// `{cycles}`: the billing cycles put on sale.
    Cycles,
    "cycles",
    "monthly and yearly|[a-z]+",
    ["monthly", "yearly", "monthly and yearly"]
);

/// `{tier}`: a tier as the backend's price mapping spells it (`basic`), the backend's [`Tier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Parameter)]
#[param(name = "tier", regex = "[a-z]+")]
pub struct TierKey {
    tier: Tier,
}

impl TierKey {
    /// The tier's spelling in the mapping (`basic`).
    pub fn as_str(&self) -> &'static str {
        self.tier.as_str()
    }

    /// The backend's tier.
    pub fn tier(self) -> Tier {
        self.tier
    }

    /// Every value a feature may write.
    pub fn values() -> Vec<&'static str> {
        Tier::ALL.iter().map(|t| t.as_str()).collect()
    }
}

impl FromStr for TierKey {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        one_of("tier", s, &TierKey::values())?;
        let tier = Tier::parse(s).expect("one_of checked it");
        Ok(TierKey { tier })
    }
}

impl Deref for TierKey {
    type Target = str;
    fn deref(&self) -> &str {
        self.tier.as_str()
    }
}

compares_as_text!(TierKey);

impl fmt::Display for TierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tier.as_str())
    }
}

/// `{card}`: a Stripe test card by the name Stripe's docs give it (`a card that succeeds`), the
/// same name followed by its number in brackets, or a bare 16-digit number.
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "card", regex = ".+")]
pub struct Card {
    text: String,
    number: String,
}

impl Card {
    /// The card's number, digits only.
    pub fn number(&self) -> &str {
        &self.number
    }
}

impl FromStr for Card {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        match cards::card_number(s) {
            Some(number) => Ok(Card {
                text: s.to_string(),
                number,
            }),
            None => Err(UnknownValue {
                parameter: "card",
                seen: s.to_string(),
                valid: cards::TEST_CARDS
                    .iter()
                    .map(|(name, _)| format!("{name:?}"))
                    .chain(["or a 16-digit card number".to_string()])
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}

reads_as_written!(Card);

phrase_parameter!(
    /// `{status}`: a subscription's status as the backend stores it (Stripe's `active` is
    /// `ACTIVE`, `canceled` is `CANCELLED`, …).
    Status,
    "status",
    "[A-Z_]+",
    [
        "ACTIVE",
        "TRIALING",
        "PAST_DUE",
        "INCOMPLETE",
        "UNPAID",
        "CANCELLED"
    ]
);

/// `{event}`: a Stripe event type the backend's webhook endpoint is subscribed to
/// (`invoice.payment_failed`).
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "event", regex = "[a-z_.]+")]
pub struct EventType {
    text: String,
}

impl FromStr for EventType {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        one_of("event", s, billing::routes::HANDLED_EVENTS).map(|text| EventType { text })
    }
}

reads_as_written!(EventType);

/// `{variable}`: an environment variable of a deployment (`STRIPE_SECRET_KEY`): upper case,
/// digits and underscores.
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "variable", regex = "[A-Z][A-Z0-9_]*")]
pub struct Variable {
    text: String,
}

impl FromStr for Variable {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Ok(Variable {
            text: s.to_string(),
        })
    }
}

reads_as_written!(Variable);

phrase_parameter!(
    /// `{tab}`: a tab of the ops dashboard.
    Tab,
    "tab",
    "[A-Z][a-z]+(?: [A-Z][a-z]+)*",
    ["Disputes", "Fraud Warnings", "Subscriptions"]
);

phrase_parameter!(
    /// `{actionable}`: whether an early fraud warning is one the card network lets ops act on.
    Actionable,
    "actionable",
    "actionable|not actionable",
    ["actionable", "not actionable"]
);

impl Actionable {
    /// True for `actionable`.
    pub fn is_actionable(&self) -> bool {
        self.text == "actionable"
    }
}

phrase_parameter!(
    /// `{cancel_timing}`: when a cancellation in the billing portal takes effect.
    CancelTiming,
    "cancel_timing",
    "at the end of the period|immediately",
    ["at the end of the period", "immediately"]
);

phrase_parameter!(
    /// `{alert_topic}`: what an alert to the ops channel is about.
    AlertTopic,
    "alert_topic",
    "a webhook failure|disputes|early fraud warnings",
    ["a webhook failure", "disputes", "early fraud warnings"]
);

phrase_parameter!(
    /// `{dependency}`: what some preflight checks need to reach.
    Dependency,
    "dependency",
    "Stripe|the database",
    ["Stripe", "the database"]
);

/// `{items}`: checklist sections by number, `1`, `1 and 9`, `1, 2 and 4`.
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "items", regex = "[0-9]+(?:(?:, | and )[0-9]+)*")]
pub struct Items {
    text: String,
}

impl Items {
    /// The numbers, in the order written.
    pub fn numbers(&self) -> Vec<&str> {
        self.text
            .split(", ")
            .flat_map(|part| part.split(" and "))
            .collect()
    }
}

impl FromStr for Items {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Ok(Items {
            text: s.to_string(),
        })
    }
}

reads_as_written!(Items);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_value_names_the_valid_ones() {
        let unknown = "GOLD".parse::<Plan>().unwrap_err();
        assert_eq!(
            format!("{unknown:?}"),
            unknown.to_string(),
            "cucumber shows the Debug form"
        );
        let e = unknown.to_string();
        assert!(
            e.contains("\"GOLD\"") && e.contains("\"BASIC\"") && e.contains("\"PRO\""),
            "{e}"
        );
        let e = "weekly".parse::<Cycle>().unwrap_err().to_string();
        assert!(e.contains("\"monthly\", \"yearly\""), "{e}");
        let e = "a lucky card".parse::<Card>().unwrap_err().to_string();
        assert!(e.contains("\"a card that is declined\""), "{e}");
        let e = "ACTIV".parse::<Status>().unwrap_err().to_string();
        assert!(e.contains("\"PAST_DUE\""), "{e}");
        let e = "invoice.pad".parse::<EventType>().unwrap_err().to_string();
        assert!(e.contains("\"invoice.paid\""), "{e}");
    }

    #[test]
    fn values_parse_into_the_backend_s_types() {
        assert_eq!("BASIC".parse::<Plan>().unwrap().tier(), Tier::Basic);
        assert_eq!(&*"PRO".parse::<Plan>().unwrap(), "PRO");
        assert_eq!(
            "yearly".parse::<Cycle>().unwrap().cycle(),
            BillingCycle::Yearly
        );
        assert_eq!("basic".parse::<TierKey>().unwrap().tier(), Tier::Basic);
        let plans: Plans = "BASIC, PRO and ENTERPRISE".parse().unwrap();
        assert_eq!(plans.plans().len(), 3);
        assert!("BASIC and GOLD".parse::<Plans>().is_err());
        assert_eq!(
            "the card that fails on renewal (4000 0000 0000 0341)"
                .parse::<Card>()
                .unwrap()
                .number(),
            "4000000000000341"
        );
        assert_eq!(
            "1, 2 and 4".parse::<Items>().unwrap().numbers(),
            ["1", "2", "4"]
        );
    }
}
