//! `golive report --merge DIR…`: joins the runs that shards of one suite saved (each shard's
//! `last-run.json`) into one run, so one checklist report and one JUnit file cover them all.

use std::path::PathBuf;

use super::RUN_FILE;
use crate::results::Outcome;
use crate::results::{RunRecord, RunRecordError};

/// Why the shards' runs could not be joined.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No folder was given.
    #[error("--merge needs at least one folder holding a shard's last-run.json")]
    NoFolders,
    /// A shard's saved run could not be read.
    #[error(transparent)]
    Run(#[from] RunRecordError),
    /// One scenario ran in two shards: they were not slices of one suite.
    #[error(
        "{feature} — {scenario} is in both {} and {}: were they shards of the same run?",
        first.display(),
        second.display()
    )]
    InTwoShards {
        /// The scenario's feature.
        feature: String,
        /// The scenario.
        scenario: String,
        /// The folder it was found in first.
        first: PathBuf,
        /// The other folder.
        second: PathBuf,
    },
}

/// Reads `dir/last-run.json` of every folder and joins them: every scenario once (a scenario
/// found in two shards is an error: the shards were not of one suite), the latest finish time,
/// the slowest shard's wall time, and the closing line recounted.
pub fn merge(dirs: &[PathBuf]) -> Result<RunRecord, MergeError> {
    if dirs.is_empty() {
        return Err(MergeError::NoFolders);
    }
    let mut records = Vec::new();
    for dir in dirs {
        records.push((dir.clone(), RunRecord::load(&dir.join(RUN_FILE))?));
    }
    join(records)
}

fn join(records: Vec<(PathBuf, RunRecord)>) -> Result<RunRecord, MergeError> {
    let mut seen: std::collections::BTreeMap<(String, String, String), PathBuf> =
        Default::default();
    let mut merged = RunRecord {
        finished_at: String::new(),
        summary: String::new(),
        wall_ms: 0,
        scenarios: Vec::new(),
        shard: None,
    };
    for (dir, record) in records {
        for s in &record.scenarios {
            // Outline examples share a name: the tags tell them apart.
            let key = (s.feature.clone(), s.scenario.clone(), s.tags.join(" "));
            if let Some(other) = seen.insert(key, dir.clone())
                && other != dir
            {
                return Err(MergeError::InTwoShards {
                    feature: s.feature.clone(),
                    scenario: s.scenario.clone(),
                    first: other,
                    second: dir,
                });
            }
        }
        merged.finished_at = merged.finished_at.max(record.finished_at);
        merged.wall_ms = merged.wall_ms.max(record.wall_ms);
        merged.scenarios.extend(record.scenarios);
    }
    merged.summary = Outcome::count(&merged.scenarios, 0).line();
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{ScenarioResult, ScenarioStatus};

    fn record(finished: &str, wall: u64, scenarios: &[(&str, ScenarioStatus)]) -> RunRecord {
        RunRecord {
            finished_at: finished.into(),
            summary: String::new(),
            wall_ms: wall,
            scenarios: scenarios
                .iter()
                .map(|(name, status)| ScenarioResult {
                    feature: "F".into(),
                    scenario: name.to_string(),
                    tags: vec![],
                    status: status.clone(),
                    duration_ms: 1,
                    artifacts: vec![],
                })
                .collect(),
            shard: Some("1/2".into()),
        }
    }

    #[test]
    fn shards_join_into_one_run_and_overlaps_are_refused() {
        let failed = ScenarioStatus::Failed {
            step: None,
            message: "x".into(),
        };
        let a = record(
            "2026-12-01T10:00:00Z",
            30,
            &[("one", ScenarioStatus::Passed)],
        );
        let b = record(
            "2026-12-01T10:05:00Z",
            20,
            &[("two", failed.clone()), ("three", ScenarioStatus::Passed)],
        );
        let merged = join(vec![("a".into(), a.clone()), ("b".into(), b)]).unwrap();
        assert_eq!(merged.scenarios.len(), 3);
        assert_eq!(merged.summary, "scenarios: 2 passed, 1 failed, 0 skipped");
        assert_eq!(merged.finished_at, "2026-12-01T10:05:00Z");
        assert_eq!(merged.wall_ms, 30);
        let overlap = join(vec![("a".into(), a.clone()), ("c".into(), a)])
            .unwrap_err()
            .to_string();
        assert!(overlap.contains("F — one is in both a and c"), "{overlap}");
        assert!(merge(&[]).is_err());
    }
}
