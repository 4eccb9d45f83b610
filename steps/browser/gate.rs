//! Whether a scenario that needs a browser (`@browser`) runs: it does when Chromium and
//! chromedriver are installed; otherwise it is skipped with the packages to install, or, with
//! `GOLIVE_BROWSER=required` (CI), it fails, so a machine without a browser cannot pass quietly.

use super::BrowserError;
use super::driver::Binaries;

/// The tag (without `@`) of scenarios that drive pages in a real browser.
pub const BROWSER_TAG: &str = "browser";

/// The variable that makes a missing browser a failure: `GOLIVE_BROWSER=required`.
pub const POLICY_VAR: &str = "GOLIVE_BROWSER";

/// What a missing browser means for `@browser` scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Skip them, with the reason (the default: a laptop without Chromium still runs the rest).
    SkipWhenMissing,
    /// Fail them (`GOLIVE_BROWSER=required`).
    Required,
}

impl Policy {
    /// The policy `GOLIVE_BROWSER` asks for.
    pub fn from_env() -> Policy {
        let (policy, warning) = Policy::parse(std::env::var(POLICY_VAR).ok().as_deref());
        if let Some(warning) = warning {
            eprintln!("golive: {warning}");
        }
        policy
    }

    /// `required` → required; unset, empty or `optional` → skip when missing. Any other value
    /// is most likely a mistyped `required`, so it is treated as required, with a warning.
    pub(crate) fn parse(value: Option<&str>) -> (Policy, Option<String>) {
        match value.map(str::trim) {
            None | Some("") => (Policy::SkipWhenMissing, None),
            Some(v) if v.eq_ignore_ascii_case("optional") => (Policy::SkipWhenMissing, None),
            Some(v) if v.eq_ignore_ascii_case("required") => (Policy::Required, None),
            Some(other) => (
                Policy::Required,
                Some(format!(
                    "{POLICY_VAR}={other:?} is not `required` or `optional`; treating it as required"
                )),
            ),
        }
    }
}

/// What the runner does with one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Run it.
    Run,
    /// Record it as skipped, with this reason.
    Skip(String),
    /// Record it as failed, with this message.
    Fail(String),
}

/// The decision for a scenario with these tags (feature, rule and own; without `@`), given
/// whether the browser was found (`Err` says what is missing) and the policy.
pub fn gate(tags: &[String], found: &Result<Binaries, BrowserError>, policy: Policy) -> Gate {
    if !tags.iter().any(|t| t == BROWSER_TAG) {
        return Gate::Run;
    }
    match (found, policy) {
        (Ok(_), _) => Gate::Run,
        (Err(reason), Policy::SkipWhenMissing) => Gate::Skip(reason.to_string()),
        (Err(reason), Policy::Required) => Gate::Fail(format!("{reason} ({POLICY_VAR}=required)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::browser::driver::Missing;
    use std::path::PathBuf;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| t.to_string()).collect()
    }

    fn found() -> Result<Binaries, BrowserError> {
        Ok(Binaries {
            chromium: PathBuf::from("/usr/bin/chromium"),
            chromedriver: PathBuf::from("/usr/bin/chromedriver"),
        })
    }

    fn missing() -> Result<Binaries, BrowserError> {
        Err(BrowserError::NotInstalled {
            missing: vec![Missing::NotFound {
                program: "chromium".to_string(),
            }],
        })
    }

    #[test]
    fn scenarios_without_the_tag_always_run() {
        for policy in [Policy::SkipWhenMissing, Policy::Required] {
            assert_eq!(gate(&tags(&["smoke"]), &missing(), policy), Gate::Run);
        }
    }

    #[test]
    fn browser_scenarios_run_when_the_browser_is_found() {
        for policy in [Policy::SkipWhenMissing, Policy::Required] {
            assert_eq!(
                gate(&tags(&["checklist-6.1", "browser"]), &found(), policy),
                Gate::Run
            );
        }
    }

    #[test]
    fn a_missing_browser_skips_with_the_packages_or_fails_when_required() {
        let browser = tags(&["browser"]);
        match gate(&browser, &missing(), Policy::SkipWhenMissing) {
            Gate::Skip(reason) => {
                assert!(
                    reason.contains("apt-get install chromium chromium-driver"),
                    "{reason}"
                );
                assert!(!reason.contains('\n'), "{reason}");
            }
            other => panic!("expected a skip, got {other:?}"),
        }
        match gate(&browser, &missing(), Policy::Required) {
            Gate::Fail(message) => {
                assert!(
                    message.contains("apt-get install chromium chromium-driver"),
                    "{message}"
                );
                assert!(message.contains("GOLIVE_BROWSER=required"), "{message}");
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn the_policy_comes_from_golive_browser() {
        assert_eq!(Policy::parse(None), (Policy::SkipWhenMissing, None));
        assert_eq!(Policy::parse(Some("")), (Policy::SkipWhenMissing, None));
        assert_eq!(
            Policy::parse(Some("optional")),
            (Policy::SkipWhenMissing, None)
        );
        assert_eq!(Policy::parse(Some("required")), (Policy::Required, None));
        assert_eq!(Policy::parse(Some(" Required ")), (Policy::Required, None));
        let (policy, warning) = Policy::parse(Some("requried"));
        assert_eq!(policy, Policy::Required);
        assert!(warning.unwrap().contains("requried"));
    }
}
