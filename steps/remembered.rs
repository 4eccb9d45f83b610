//! What earlier steps of a scenario found out, for later steps to use: typed fields in place of
//! a free-form map. A step that needs something an earlier step should have found says which
//! step that is.

use std::collections::BTreeMap;

/// What the scenario's steps remembered, kept in the World.
#[derive(Debug, Default)]
pub struct Remembered {
    /// The name of the admin `… is signed in as an admin` signed in.
    pub admin: Option<String>,
    /// The `dp_…` id of the dispute that reached the backend.
    pub dispute: Option<String>,
    /// The `issfr_…` id of the early fraud warning that reached the backend.
    pub fraud_warning: Option<String>,
    /// The evidence text ops staged on the dispute.
    pub staged_evidence: Option<String>,
    /// The `we_…` id of a second webhook endpoint registered for the backend.
    pub second_endpoint: Option<String>,
    /// Who the browser is signed in as.
    pub browser_person: Option<String>,
    /// The token the browser's session cookie holds.
    pub browser_token: Option<String>,
    /// What each person did, by name.
    people: BTreeMap<String, PersonMemory>,
}

/// What one person's steps remembered.
#[derive(Debug, Default, Clone)]
pub struct PersonMemory {
    /// The billing portal link the backend gave them.
    pub portal_url: Option<String>,
    /// Their default card's id before they replaced it.
    pub card_before: Option<String>,
    /// The card number they typed into the portal.
    pub card_typed: Option<String>,
    /// The portal's answer to a card change (`"<status> <html>"`).
    pub portal_answer: Option<String>,
}

impl Remembered {
    /// What `name`'s steps remembered, for writing.
    pub fn person(&mut self, name: &str) -> &mut PersonMemory {
        self.people.entry(name.to_string()).or_default()
    }

    /// What `name`'s steps remembered (nothing yet: all empty).
    pub fn of(&self, name: &str) -> PersonMemory {
        self.people.get(name).cloned().unwrap_or_default()
    }

    /// The dispute's id; a feature must first say `the dispute has reached the backend`.
    pub fn dispute(&self) -> String {
        required(&self.dispute, "the dispute has reached the backend")
    }

    /// The fraud warning's id; a feature must first say `the fraud warning has reached the
    /// backend`.
    pub fn fraud_warning(&self) -> String {
        required(
            &self.fraud_warning,
            "the fraud warning has reached the backend",
        )
    }

    /// Who the browser is signed in as; a step must first open a page as someone.
    pub fn browser_person(&self) -> String {
        required(&self.browser_person, "someone opened a page")
    }
}

/// `value`, or a failure naming the step that sets it.
fn required(value: &Option<String>, step: &str) -> String {
    value
        .clone()
        .unwrap_or_else(|| panic!("a step like `{step}` comes first"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_person_has_their_own_memory() {
        let mut remembered = Remembered::default();
        remembered.person("Ana").portal_url = Some("https://portal".into());
        assert_eq!(
            remembered.of("Ana").portal_url.as_deref(),
            Some("https://portal")
        );
        assert_eq!(remembered.of("Ann").portal_url, None);
        remembered.dispute = Some("dp_1".into());
        assert_eq!(remembered.dispute(), "dp_1");
    }
}
