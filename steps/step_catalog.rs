//! The step catalog: every step phrase the harness understands, generated from the step
//! definitions themselves (their patterns and doc comments), so QA can write a feature without
//! reading Rust. `golive steps` prints it; `STEPS.md` is the checked-in copy, and a test fails
//! when that copy is out of date.

use std::fmt::Write as _;

use cucumber::codegen::{StepConstructor as _, WorldInventory, inventory};

use crate::steps::world::Rehearsal;

/// The step definition sources, embedded so the catalog can show each step's doc comment.
const SOURCES: &[(&str, &str)] = &[
    (
        "steps/definitions/admin.rs",
        include_str!("definitions/admin.rs"),
    ),
    (
        "steps/definitions/checkout.rs",
        include_str!("definitions/checkout.rs"),
    ),
    (
        "steps/definitions/configuration.rs",
        include_str!("definitions/configuration.rs"),
    ),
    (
        "steps/definitions/delivery.rs",
        include_str!("definitions/delivery.rs"),
    ),
    (
        "steps/definitions/disputes.rs",
        include_str!("definitions/disputes.rs"),
    ),
    (
        "steps/definitions/endpoint_limits.rs",
        include_str!("definitions/endpoint_limits.rs"),
    ),
    (
        "steps/definitions/fraud_warnings.rs",
        include_str!("definitions/fraud_warnings.rs"),
    ),
    (
        "steps/definitions/ledger.rs",
        include_str!("definitions/ledger.rs"),
    ),
    (
        "steps/definitions/monitoring.rs",
        include_str!("definitions/monitoring.rs"),
    ),
    (
        "steps/definitions/page_access.rs",
        include_str!("definitions/page_access.rs"),
    ),
    (
        "steps/definitions/pages/account.rs",
        include_str!("definitions/pages/account.rs"),
    ),
    (
        "steps/definitions/pages/any_page.rs",
        include_str!("definitions/pages/any_page.rs"),
    ),
    (
        "steps/definitions/pages/checkout.rs",
        include_str!("definitions/pages/checkout.rs"),
    ),
    (
        "steps/definitions/pages/dashboard.rs",
        include_str!("definitions/pages/dashboard.rs"),
    ),
    (
        "steps/definitions/pages/keyboard.rs",
        include_str!("definitions/pages/keyboard.rs"),
    ),
    (
        "steps/definitions/pages/warnings.rs",
        include_str!("definitions/pages/warnings.rs"),
    ),
    (
        "steps/definitions/people.rs",
        include_str!("definitions/people.rs"),
    ),
    (
        "steps/definitions/plans.rs",
        include_str!("definitions/plans.rs"),
    ),
    (
        "steps/definitions/portal/cards.rs",
        include_str!("definitions/portal/cards.rs"),
    ),
    (
        "steps/definitions/portal/opening.rs",
        include_str!("definitions/portal/opening.rs"),
    ),
    (
        "steps/definitions/portal/plan_changes.rs",
        include_str!("definitions/portal/plan_changes.rs"),
    ),
    (
        "steps/definitions/portal/settings.rs",
        include_str!("definitions/portal/settings.rs"),
    ),
    (
        "steps/definitions/preflight/database.rs",
        include_str!("definitions/preflight/database.rs"),
    ),
    (
        "steps/definitions/preflight/deployment.rs",
        include_str!("definitions/preflight/deployment.rs"),
    ),
    (
        "steps/definitions/preflight/source_tree.rs",
        include_str!("definitions/preflight/source_tree.rs"),
    ),
    (
        "steps/definitions/preflight/stripe.rs",
        include_str!("definitions/preflight/stripe.rs"),
    ),
    (
        "steps/definitions/preflight/verdict.rs",
        include_str!("definitions/preflight/verdict.rs"),
    ),
    (
        "steps/definitions/rate_limits.rs",
        include_str!("definitions/rate_limits.rs"),
    ),
    (
        "steps/definitions/replicas.rs",
        include_str!("definitions/replicas.rs"),
    ),
    (
        "steps/definitions/responses.rs",
        include_str!("definitions/responses.rs"),
    ),
    (
        "steps/definitions/subscription.rs",
        include_str!("definitions/subscription.rs"),
    ),
    (
        "steps/definitions/time.rs",
        include_str!("definitions/time.rs"),
    ),
    (
        "steps/definitions/webhooks.rs",
        include_str!("definitions/webhooks.rs"),
    ),
];

/// One step definition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StepEntry {
    /// The file defining it.
    pub file: String,
    /// Its line there.
    pub line: u32,
    /// `Given`, `When` or `Then`.
    pub keyword: &'static str,
    /// The phrase a step's text must match: a Cucumber Expression (`{person} subscribes to
    /// {plan} {cycle} …`), or the regular expression of the few steps that need one.
    pub pattern: String,
    /// The definition's doc comment: an example and what the step does.
    pub doc: String,
}

/// Every step definition, ordered by file and line.
pub fn entries() -> Vec<StepEntry> {
    let mut entries = Vec::new();
    let mut add = |keyword: &'static str, location: cucumber::step::Location, regex: String| {
        let pattern = expression_at(location.path, location.line).unwrap_or(regex);
        entries.push(StepEntry {
            // `src/lib.rs` mounts `steps/` by path, so `file!()` says `src/../steps/…`.
            file: location.path.trim_start_matches("src/../").to_string(),
            line: location.line,
            keyword,
            doc: doc_comment_above(location.path, location.line),
            pattern,
        });
    };
    for step in inventory::iter::<<Rehearsal as WorldInventory>::Given> {
        let (location, regex, _) = step.inner();
        add("Given", location, regex().as_str().to_string());
    }
    for step in inventory::iter::<<Rehearsal as WorldInventory>::When> {
        let (location, regex, _) = step.inner();
        add("When", location, regex().as_str().to_string());
    }
    for step in inventory::iter::<<Rehearsal as WorldInventory>::Then> {
        let (location, regex, _) = step.inner();
        add("Then", location, regex().as_str().to_string());
    }
    entries.sort();
    entries
}

/// The Cucumber Expression of the step attribute at or right above line `line` of `file`, as
/// written (`#[given(expr = "…")]`); `None` for a regex step.
fn expression_at(file: &str, line: u32) -> Option<String> {
    let (_, source) = SOURCES.iter().find(|(path, _)| file.ends_with(path))?;
    let lines: Vec<&str> = source.lines().collect();
    let at = usize::try_from(line).ok()?.checked_sub(1)?;
    // The attribute starts at or above the location, and may span a few lines.
    let start = (0..=at.min(lines.len().saturating_sub(1)))
        .rev()
        .find(|&i| {
            let l = lines[i].trim_start();
            l.starts_with("#[given(") || l.starts_with("#[when(") || l.starts_with("#[then(")
        })?;
    let attribute: String = lines[start..]
        .iter()
        .take(4)
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ");
    let rest = attribute.split_once("expr = ")?.1;
    let literal = if let Some(raw) = rest.strip_prefix("r#\"") {
        raw.split_once("\"#")?.0
    } else {
        rest.strip_prefix('"')?.split_once('"')?.0
    };
    Some(literal.to_string())
}

/// The `///` lines right above line `line` of `file` (skipping attributes), joined.
fn doc_comment_above(file: &str, line: u32) -> String {
    let Some((_, source)) = SOURCES.iter().find(|(path, _)| file.ends_with(path)) else {
        return String::new();
    };
    let lines: Vec<&str> = source.lines().collect();
    let mut index = usize::try_from(line)
        .unwrap_or(0)
        .saturating_sub(1)
        .min(lines.len());
    // The location may point at the attribute or at the function; walk up past both.
    while index > 0 {
        let above = lines[index - 1].trim();
        if above.starts_with("#[") || above.starts_with("async fn") || above.starts_with("fn ") {
            index -= 1;
        } else {
            break;
        }
    }
    let mut doc = Vec::new();
    while index > 0 {
        match lines[index - 1].trim().strip_prefix("///") {
            Some(text) => doc.push(text.trim()),
            None => break,
        }
        index -= 1;
    }
    doc.reverse();
    doc.join(" ")
}

/// The catalog as Markdown (the content of `STEPS.md`).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Step catalog\n\n\
         Every step phrase the harness understands, generated from the step definitions by \
         `cargo run -- steps` (regenerate with `cargo run -q -- steps > STEPS.md`; a test fails \
         when this file is out of date). A step's text must match its phrase; the line below \
         it gives an example and says what the step does.\n\n\
         Phrases are Cucumber Expressions: `{plan}` stands for a value of that kind (the \
         glossary below lists them all), `her/his/their` means any one of the words, and \
         `( from ops)` may be left out. A value of the wrong kind (`GOLD` for a `{plan}`) fails \
         the step with the valid values named.\n\n\
         ## Glossary\n\n\
         | parameter | stands for | values |\n\
         | --- | --- | --- |\n",
    );
    for glossed in crate::steps::glossary::glossary() {
        let _ = writeln!(
            out,
            "| `{{{}}}` | {} | {} |",
            glossed.name, glossed.meaning, glossed.values
        );
    }
    let mut current_file = String::new();
    for entry in entries() {
        if entry.file != current_file {
            // `steps/definitions/portal/cards.rs` → `portal/cards`.
            let domain = entry
                .file
                .trim_start_matches("steps/definitions/")
                .trim_end_matches(".rs");
            let _ = write!(out, "\n## {domain} (`{}`)\n\n", entry.file);
            current_file = entry.file.clone();
        }
        let _ = writeln!(out, "- **{}** `{}`", entry.keyword, entry.pattern);
        if !entry.doc.is_empty() {
            let _ = writeln!(out, "  {}", entry.doc);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_md_is_current() {
        let checked_in = include_str!("../STEPS.md");
        assert!(
            checked_in == markdown(),
            "STEPS.md is out of date: run `cargo run -q -- steps > STEPS.md` and commit it"
        );
    }

    #[test]
    fn every_step_definition_file_is_embedded_and_every_step_documented() {
        for entry in entries() {
            assert!(
                SOURCES.iter().any(|(path, _)| entry.file.ends_with(path)),
                "{} is not in step_catalog::SOURCES",
                entry.file
            );
            assert!(
                !entry.doc.is_empty(),
                "the step at {}:{} has no doc comment",
                entry.file,
                entry.line
            );
        }
    }
}
