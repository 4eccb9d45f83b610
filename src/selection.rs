//! Which scenarios a run selects — by tag expression, by name, by shard, and for
//! `--rerun-failed` the scenarios that failed in the saved run — and `golive run --list`, which
//! prints the selection without running anything.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cucumber::codegen::Regex;
use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::gherkin::{self, GherkinEnv};
use cucumber::tag::Ext as _;

use crate::results::{RunRecord, RunRecordError, ScenarioStatus};
use crate::shard::Shard;

/// A scenario by its feature's name and its own (an outline's examples share one).
pub type ScenarioKey = (String, String);

/// What a run selects; every part left `None` selects everything.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Scenarios whose tags (their own, their rule's, their feature's) satisfy this.
    pub tags: Option<TagOperation>,
    /// Scenarios whose name matches this regular expression.
    pub name: Option<Regex>,
    /// Scenarios in this slice of the suite.
    pub shard: Option<Shard>,
    /// Only these scenarios (`--rerun-failed`).
    pub only: Option<BTreeSet<ScenarioKey>>,
}

impl Selection {
    /// Whether the run takes this scenario.
    pub fn contains(
        &self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        scenario: &gherkin::Scenario,
    ) -> bool {
        let tags = all_tags(feature, rule, scenario);
        self.tags.as_ref().is_none_or(|t| t.eval(tags.iter()))
            && self
                .name
                .as_ref()
                .is_none_or(|n| n.is_match(&scenario.name))
            && self
                .shard
                .is_none_or(|s| s.contains(&feature.name, &scenario.name))
            && self
                .only
                .as_ref()
                .is_none_or(|only| only.contains(&(feature.name.clone(), scenario.name.clone())))
    }
}

/// A scenario's own tags plus those it inherits from its feature and rule.
pub fn all_tags(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) -> Vec<String> {
    feature
        .tags
        .iter()
        .chain(rule.map(|r| r.tags.iter()).into_iter().flatten())
        .chain(scenario.tags.iter())
        .cloned()
        .collect()
}

/// Why the selection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SelectionError {
    /// `--rerun-failed` with no saved run.
    #[error(
        "--rerun-failed: no saved run in {} (run `golive run` first; `--report-dir` names another folder)",
        .0.display()
    )]
    NoSavedRun(PathBuf),
    /// The saved run could not be read.
    #[error("--rerun-failed: {0}")]
    UnreadableRun(#[source] RunRecordError),
    /// A feature file could not be read or parsed.
    #[error("{}: {message}", path.display())]
    Feature {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// The scenarios that failed in the run saved at `run_file` (empty when none did).
pub fn failed_in(run_file: &Path) -> Result<BTreeSet<ScenarioKey>, SelectionError> {
    if !run_file.exists() {
        return Err(SelectionError::NoSavedRun(run_file.to_path_buf()));
    }
    let run = RunRecord::load(run_file).map_err(SelectionError::UnreadableRun)?;
    Ok(run
        .scenarios
        .into_iter()
        .filter(|s| matches!(s.status, ScenarioStatus::Failed { .. }))
        .map(|s| (s.feature, s.scenario))
        .collect())
}

/// One scenario `--list` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The feature file.
    pub file: PathBuf,
    /// The scenario's line there.
    pub line: usize,
    /// The feature's name.
    pub feature: String,
    /// The scenario's name.
    pub scenario: String,
    /// Its tags, inherited ones included.
    pub tags: Vec<String>,
}

impl std::fmt::Display for Listed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}  {} — {}",
            self.file.display(),
            self.line,
            self.feature,
            self.scenario
        )?;
        if !self.tags.is_empty() {
            let tags: Vec<String> = self.tags.iter().map(|t| format!("@{t}")).collect();
            write!(f, "  {}", tags.join(" "))?;
        }
        Ok(())
    }
}

fn feature_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), SelectionError> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|e| SelectionError::Feature {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            feature_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "feature") {
            out.push(path);
        }
    }
    Ok(())
}

/// The scenarios of the features at `features` (a file or a folder) that `selection` takes, in
/// file and line order.
pub fn list(features: &Path, selection: &Selection) -> Result<Vec<Listed>, SelectionError> {
    let mut files = Vec::new();
    feature_files(features, &mut files)?;
    files.sort();
    let mut listed = Vec::new();
    for file in files {
        let feature = gherkin::Feature::parse_path(&file, GherkinEnv::default()).map_err(|e| {
            SelectionError::Feature {
                path: file.clone(),
                message: e.to_string(),
            }
        })?;
        let scenarios = feature.scenarios.iter().map(|s| (None, s)).chain(
            feature
                .rules
                .iter()
                .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s))),
        );
        for (rule, scenario) in scenarios {
            if selection.contains(&feature, rule, scenario) {
                listed.push(Listed {
                    file: file.clone(),
                    line: scenario.position.line,
                    feature: feature.name.clone(),
                    scenario: scenario.name.clone(),
                    tags: all_tags(&feature, rule, scenario),
                });
            }
        }
    }
    listed.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::ScenarioResult;

    fn features() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("features")
    }

    #[test]
    fn a_tag_expression_lists_only_the_scenarios_it_selects() {
        let all = list(&features(), &Selection::default()).unwrap();
        let selection = Selection {
            tags: Some("@checklist-6.1 and not @browser".parse().unwrap()),
            ..Selection::default()
        };
        let some = list(&features(), &selection).unwrap();
        assert!(!some.is_empty() && some.len() < all.len(), "{some:?}");
        for listed in &some {
            assert!(listed.tags.iter().any(|t| t == "checklist-6.1"), "{listed}");
            assert!(!listed.tags.iter().any(|t| t == "browser"), "{listed}");
            assert!(listed.line > 1, "{listed}");
        }
    }

    #[test]
    fn only_the_failed_scenarios_of_a_saved_run_are_rerun() {
        let dir = std::env::temp_dir().join(format!(
            "golive_rerun_{}",
            crate::steps::actors::random_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let run_file = dir.join("last-run.json");
        assert!(matches!(
            failed_in(&run_file),
            Err(SelectionError::NoSavedRun(_))
        ));
        let result = |scenario: &str, status| ScenarioResult {
            feature: "F".into(),
            scenario: scenario.into(),
            tags: vec![],
            status,
            duration_ms: 1,
            artifacts: vec![],
        };
        let run = RunRecord {
            finished_at: "2026-01-01T00:00:00Z".into(),
            summary: "scenarios: 1 passed, 1 failed, 0 skipped".into(),
            wall_ms: 2,
            scenarios: vec![
                result("passed", ScenarioStatus::Passed),
                result(
                    "failed",
                    ScenarioStatus::Failed {
                        step: None,
                        message: "boom".into(),
                    },
                ),
            ],
            shard: None,
        };
        run.save(&run_file).unwrap();
        let failed = failed_in(&run_file).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(
            failed.into_iter().collect::<Vec<_>>(),
            [("F".to_string(), "failed".to_string())]
        );
    }
}
