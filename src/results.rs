//! What happened to each scenario of a run: collected by the runner's after-scenario hook, then
//! counted for the closing line, ranked for "slowest scenarios", and saved for the checklist
//! report.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How one scenario ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ScenarioStatus {
    /// Every step passed.
    Passed,
    /// A step (or the world's set-up) failed; the message says what was expected and seen.
    Failed {
        /// The failing step's text, when known.
        step: Option<String>,
        /// The failure message.
        message: String,
    },
    /// Not run, and why (for example: needs the simulator, but the target is real Stripe).
    Skipped {
        /// Why it was not run.
        reason: String,
    },
}

/// One scenario's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// The feature's name.
    pub feature: String,
    /// The scenario's name.
    pub scenario: String,
    /// Feature, rule and scenario tags, without `@`.
    pub tags: Vec<String>,
    /// How it ended.
    #[serde(flatten)]
    pub status: ScenarioStatus,
    /// How long it took, in milliseconds (0 when not run).
    pub duration_ms: u64,
    /// Files a failed browser scenario left for the reader (its screenshot and page HTML),
    /// relative to the report folder: `artifacts/<scenario slug>/screenshot.png`.
    #[serde(default)]
    pub artifacts: Vec<String>,
}

impl ScenarioResult {
    /// The checklist items (`@checklist-6.1` → `6.1`) this scenario proves.
    pub fn checklist_items(&self) -> impl Iterator<Item = &str> {
        self.tags
            .iter()
            .filter_map(|t| t.strip_prefix("checklist-"))
    }
}

static RESULTS: Mutex<Vec<ScenarioResult>> = Mutex::new(Vec::new());

/// Records one scenario's result (called from the after-scenario hook and the filter).
pub fn record(result: ScenarioResult) {
    RESULTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(result);
}

/// Takes every result recorded so far, in the order scenarios finished.
pub fn take_all() -> Vec<ScenarioResult> {
    std::mem::take(&mut *RESULTS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The `n` slowest scenarios that ran, slowest first.
pub fn slowest(results: &[ScenarioResult], n: usize) -> Vec<&ScenarioResult> {
    let mut ran: Vec<&ScenarioResult> = results
        .iter()
        .filter(|r| !matches!(r.status, ScenarioStatus::Skipped { .. }))
        .collect();
    ran.sort_by_key(|r| std::cmp::Reverse(r.duration_ms));
    ran.truncate(n);
    ran
}

/// Milliseconds of a duration, saturating.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// How a run ended, counted in scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Scenarios whose every step passed.
    pub passed: usize,
    /// Failed scenarios (a step with no definition counts as a failure), plus parsing and hook
    /// errors.
    pub failed: usize,
    /// Scenarios the target cannot run, each recorded with its reason.
    pub skipped: usize,
}

impl Outcome {
    /// Counts recorded results, adding errors that are not scenarios (parsing, hooks).
    pub fn count(results: &[ScenarioResult], other_errors: usize) -> Self {
        let mut outcome = Outcome {
            passed: 0,
            failed: other_errors,
            skipped: 0,
        };
        for result in results {
            match result.status {
                ScenarioStatus::Passed => outcome.passed += 1,
                ScenarioStatus::Failed { .. } => outcome.failed += 1,
                ScenarioStatus::Skipped { .. } => outcome.skipped += 1,
            }
        }
        outcome
    }

    /// The closing line CI and people read.
    pub fn line(&self) -> String {
        format!(
            "scenarios: {} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }

    /// True when nothing failed and at least one scenario ran.
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.passed > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, ms: u64, status: ScenarioStatus) -> ScenarioResult {
        ScenarioResult {
            feature: "f".into(),
            scenario: name.into(),
            tags: vec!["checklist-6.1".into(), "smoke".into()],
            status,
            duration_ms: ms,
            artifacts: vec![],
        }
    }

    #[test]
    fn slowest_ranks_the_scenarios_that_ran() {
        let results = vec![
            result("quick", 10, ScenarioStatus::Passed),
            result("slow", 900, ScenarioStatus::Passed),
            result(
                "not run",
                0,
                ScenarioStatus::Skipped {
                    reason: "sim-only".into(),
                },
            ),
            result(
                "broken",
                300,
                ScenarioStatus::Failed {
                    step: None,
                    message: "x".into(),
                },
            ),
        ];
        let names: Vec<&str> = slowest(&results, 2)
            .iter()
            .map(|r| r.scenario.as_str())
            .collect();
        assert_eq!(names, ["slow", "broken"]);
    }

    #[test]
    fn records_saved_before_artifacts_existed_still_load() {
        let json = r#"{"feature":"f","scenario":"s","tags":[],"status":"passed","duration_ms":3}"#;
        let loaded: ScenarioResult = serde_json::from_str(json).unwrap();
        assert!(loaded.artifacts.is_empty());
    }

    #[test]
    fn checklist_items_come_from_the_tags() {
        let r = result("a", 1, ScenarioStatus::Passed);
        assert_eq!(r.checklist_items().collect::<Vec<_>>(), ["6.1"]);
    }
}

/// A finished run, as `golive run` saves it for `golive report`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// When the run finished (RFC 3339, UTC).
    pub finished_at: String,
    /// The closing line (`scenarios: N passed, …`).
    pub summary: String,
    /// The run's wall time in milliseconds.
    pub wall_ms: u64,
    /// Every scenario's result.
    pub scenarios: Vec<ScenarioResult>,
    /// The slice of the suite this run was (`2/4`), when it was one of several.
    #[serde(default)]
    pub shard: Option<String>,
}

impl RunRecord {
    /// Writes the record as JSON, creating the folder if needed.
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, json + "\n")
    }

    /// Reads a record saved by [`RunRecord::save`].
    pub fn load(path: &std::path::Path) -> Result<Self, RunRecordError> {
        let text = std::fs::read_to_string(path).map_err(|source| RunRecordError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| RunRecordError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// Why a saved run could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RunRecordError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a run record.
    #[error("{} is not a golive run record: {source}", path.display())]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}
