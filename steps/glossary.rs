//! The step catalog's glossary: every parameter type a step phrase may hold, what it stands
//! for, and its values (from the same lists the types parse with).

use crate::steps::cards;
use crate::steps::parameters::{
    Actionable, AlertTopic, CancelTiming, Cycle, Cycles, Dependency, Plan, Status, Tab, TierKey,
};

/// One parameter type in the step catalog's glossary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glossed {
    /// Its name in a step phrase, without the braces (`plan`).
    pub name: &'static str,
    /// What it stands for.
    pub meaning: &'static str,
    /// Its values, or how they are formed.
    pub values: String,
}

fn listed(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every parameter type the steps use, with its values (the catalog's glossary).
pub fn glossary() -> Vec<Glossed> {
    let cards: Vec<&str> = cards::TEST_CARDS.iter().map(|(name, _)| *name).collect();
    vec![
        Glossed {
            name: "person",
            meaning: "someone acting in the scenario, by first name",
            values:
                "any name (`Ana`, `Omar`); a person must be signed in before other steps name them"
                    .into(),
        },
        Glossed {
            name: "plan",
            meaning: "a plan tier, as the pricing page names it",
            values: listed(&Plan::values()),
        },
        Glossed {
            name: "plans",
            meaning: "one or more plans",
            values: "`{plan}`, `{plan} and {plan}`, `{plan}, {plan} and {plan}`".into(),
        },
        Glossed {
            name: "cycle",
            meaning: "how often a plan is billed",
            values: listed(&Cycle::values()),
        },
        Glossed {
            name: "cycles",
            meaning: "the billing cycles put on sale",
            values: listed(Cycles::VALUES),
        },
        Glossed {
            name: "tier",
            meaning: "a tier as the price mapping spells it",
            values: listed(&TierKey::values()),
        },
        Glossed {
            name: "card",
            meaning: "a Stripe test card, named as in Stripe's docs",
            values: format!(
                "{}; a name may be followed by its number in brackets (`the card that fails on renewal (4000 0000 0000 0341)`), or a bare 16-digit number",
                listed(&cards)
            ),
        },
        Glossed {
            name: "status",
            meaning: "a subscription's status as the backend stores it",
            values: listed(Status::VALUES),
        },
        Glossed {
            name: "event",
            meaning: "a Stripe event type the backend handles",
            values: listed(billing::routes::HANDLED_EVENTS),
        },
        Glossed {
            name: "variable",
            meaning: "a deployment's environment variable",
            values: "upper case, digits and `_` (`STRIPE_SECRET_KEY`)".into(),
        },
        Glossed {
            name: "tab",
            meaning: "a tab of the ops dashboard",
            values: listed(Tab::VALUES),
        },
        Glossed {
            name: "actionable",
            meaning: "whether a fraud warning can be acted on",
            values: listed(Actionable::VALUES),
        },
        Glossed {
            name: "cancel_timing",
            meaning: "when a cancellation takes effect",
            values: listed(CancelTiming::VALUES),
        },
        Glossed {
            name: "alert_topic",
            meaning: "what an ops alert is about",
            values: listed(AlertTopic::VALUES),
        },
        Glossed {
            name: "dependency",
            meaning: "what a preflight check needs to reach",
            values: listed(Dependency::VALUES),
        },
        Glossed {
            name: "items",
            meaning: "checklist sections by number",
            values: "`1`, `1 and 9`, `1, 2 and 4`".into(),
        },
        Glossed {
            name: "string",
            meaning: "a value in double quotes, as Stripe or the backend spells it",
            values: "`\"fraudulent\"`, `\"needs_response\"`, …".into(),
        },
        Glossed {
            name: "word",
            meaning: "one word, as the backend spells it",
            values: "`fraud_warnings` (a table)".into(),
        },
        Glossed {
            name: "int",
            meaning: "a whole number",
            values: "`3`, `429`".into(),
        },
        Glossed {
            name: "",
            meaning: "free text (written `{}`): the rest of the phrase, checked by the step",
            values: "see the step's description".into(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::parameters::{Card, EventType, Items, Person, Plans, Variable};

    #[test]
    fn every_parameter_type_is_in_the_glossary() {
        let names: Vec<&str> = glossary().iter().map(|g| g.name).collect();
        for name in [
            <Person as cucumber::codegen::Parameter>::NAME,
            <Plan as cucumber::codegen::Parameter>::NAME,
            <Plans as cucumber::codegen::Parameter>::NAME,
            <Cycle as cucumber::codegen::Parameter>::NAME,
            <Cycles as cucumber::codegen::Parameter>::NAME,
            <TierKey as cucumber::codegen::Parameter>::NAME,
            <Card as cucumber::codegen::Parameter>::NAME,
            <Status as cucumber::codegen::Parameter>::NAME,
            <EventType as cucumber::codegen::Parameter>::NAME,
            <Variable as cucumber::codegen::Parameter>::NAME,
            <Tab as cucumber::codegen::Parameter>::NAME,
            <Actionable as cucumber::codegen::Parameter>::NAME,
            <CancelTiming as cucumber::codegen::Parameter>::NAME,
            <AlertTopic as cucumber::codegen::Parameter>::NAME,
            <Dependency as cucumber::codegen::Parameter>::NAME,
            <Items as cucumber::codegen::Parameter>::NAME,
        ] {
            assert!(names.contains(&name), "{name} is not in the glossary");
        }
    }
}
