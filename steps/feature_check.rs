//! Checks every step of every feature in `features/` against the step definitions without
//! running anything: each step's text must match exactly one definition of its kind (none is "a
//! step has no definition", two are ambiguous). This covers the scenarios a run skips (the
//! `@browser` ones on a machine without Chromium), so a phrase that drifted from its definition
//! is caught by `cargo test -p golive --lib` everywhere.

use std::path::{Path, PathBuf};

use cucumber::codegen::{Regex, StepConstructor as _, WorldInventory, inventory};
use cucumber::gherkin::{self, GherkinEnv, StepType};

use crate::steps::world::Rehearsal;

/// A step of a feature that does not match exactly one definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The feature file and the step's line.
    pub at: String,
    /// The step as written (outline placeholders filled in).
    pub step: String,
    /// How many definitions match it.
    pub matches: usize,
}

/// The definitions' regular expressions, by kind.
fn definitions() -> [(StepType, Vec<Regex>); 3] {
    let given = inventory::iter::<<Rehearsal as WorldInventory>::Given>
        .into_iter()
        .map(|s| (s.inner().1)())
        .collect();
    let when = inventory::iter::<<Rehearsal as WorldInventory>::When>
        .into_iter()
        .map(|s| (s.inner().1)())
        .collect();
    let then = inventory::iter::<<Rehearsal as WorldInventory>::Then>
        .into_iter()
        .map(|s| (s.inner().1)())
        .collect();
    [
        (StepType::Given, given),
        (StepType::When, when),
        (StepType::Then, then),
    ]
}

fn feature_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            feature_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "feature") {
            out.push(path);
        }
    }
}

/// Every step of `scenario` (after `background`), once per example row of an outline.
fn texts(
    background: &[gherkin::Step],
    scenario: &gherkin::Scenario,
) -> Vec<(StepType, usize, String)> {
    let steps: Vec<&gherkin::Step> = background.iter().chain(&scenario.steps).collect();
    let mut rows: Vec<Vec<(String, String)>> = Vec::new();
    for examples in &scenario.examples {
        if let Some(table) = &examples.table
            && let Some((header, body)) = table.rows.split_first()
        {
            for row in body {
                rows.push(header.iter().cloned().zip(row.iter().cloned()).collect());
            }
        }
    }
    if rows.is_empty() {
        rows.push(Vec::new());
    }
    let mut out = Vec::new();
    for row in &rows {
        for step in &steps {
            let mut text = step.value.clone();
            for (name, value) in row {
                text = text.replace(&format!("<{name}>"), value);
            }
            out.push((step.ty, step.position.line, text));
        }
    }
    out
}

/// Why the features under a folder could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum FeatureCheckError {
    /// The folder holds no feature.
    #[error("no .feature file under {}", dir.display())]
    NoFeatures {
        /// The folder.
        dir: PathBuf,
    },
    /// A feature file does not parse.
    #[error("{}: {source}", file.display())]
    Parse {
        /// The file.
        file: PathBuf,
        /// What the Gherkin parser said (boxed: it is large).
        #[source]
        source: Box<gherkin::ParseFileError>,
    },
}

/// The steps of the features under `dir` that match no definition or more than one.
pub fn mismatches(dir: &Path) -> Result<Vec<Mismatch>, FeatureCheckError> {
    let definitions = definitions();
    let mut files = Vec::new();
    feature_files(dir, &mut files);
    files.sort();
    if files.is_empty() {
        return Err(FeatureCheckError::NoFeatures {
            dir: dir.to_path_buf(),
        });
    }
    let mut out = Vec::new();
    for file in files {
        let feature =
            gherkin::Feature::parse_path(&file, GherkinEnv::default()).map_err(|source| {
                FeatureCheckError::Parse {
                    file: file.clone(),
                    source: Box::new(source),
                }
            })?;
        let background = feature
            .background
            .as_ref()
            .map(|b| b.steps.clone())
            .unwrap_or_default();
        let mut scenarios: Vec<(Vec<gherkin::Step>, &gherkin::Scenario)> = feature
            .scenarios
            .iter()
            .map(|s| (background.clone(), s))
            .collect();
        for rule in &feature.rules {
            let mut steps = background.clone();
            steps.extend(rule.background.iter().flat_map(|b| b.steps.clone()));
            scenarios.extend(rule.scenarios.iter().map(|s| (steps.clone(), s)));
        }
        for (background, scenario) in scenarios {
            for (ty, line, text) in texts(&background, scenario) {
                let matches = definitions
                    .iter()
                    .filter(|(kind, _)| *kind == ty)
                    .flat_map(|(_, regexes)| regexes)
                    .filter(|re| re.is_match(&text))
                    .count();
                if matches != 1 {
                    out.push(Mismatch {
                        at: format!("{}:{line}", file.display()),
                        step: text,
                        matches,
                    });
                }
            }
        }
    }
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_of_every_feature_has_exactly_one_definition() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
        let found = mismatches(&dir).expect("the features parse");
        assert!(
            found.is_empty(),
            "steps without exactly one definition:\n{}",
            found
                .iter()
                .map(|m| format!("  {} `{}`: {} definitions match", m.at, m.step, m.matches))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn a_step_nobody_defined_is_found() {
        let dir = std::env::temp_dir().join(format!(
            "golive_feature_check_{}",
            crate::steps::actors::random_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("x.feature"),
            "Feature: x\n  Scenario: y\n    Given Ana is signed in\n    When Ana whistles\n",
        )
        .unwrap();
        let found = mismatches(&dir).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].step, "Ana whistles");
        assert_eq!(found[0].matches, 0);
    }
}
