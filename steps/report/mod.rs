//! The checklist report: every item of the go-live checklist, in its order and wording, with
//! what proved it in the last rehearsal (scenarios by tag, preflight checks by section) or, where
//! no machine can check, what a person must do.
//!
//! The checklist is data (`fixtures/checklist.json`), so a new checklist version is a data
//! change; [`evaluate`] joins it with a run's results; [`render`] writes Markdown, a
//! self-contained HTML page and JSON.

pub mod render;

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::results::{RunRecord, ScenarioResult, ScenarioStatus};

/// Where `golive run` keeps its record and the report, relative to the working directory.
pub const DEFAULT_DIR: &str = "reports";
/// The run record's file name in the report folder.
pub const RUN_FILE: &str = "last-run.json";
/// The preflight verdicts' file name in the report folder (`golive preflight` writes it).
pub const PREFLIGHT_FILE: &str = "preflight.json";

/// The checklist shipped with the harness.
const CHECKLIST_JSON: &str = include_str!("../../fixtures/checklist.json");

/// The checklist as data.
#[derive(Debug, Clone, Deserialize)]
pub struct Checklist {
    /// Its title.
    pub title: String,
    /// Its numbered sections.
    pub sections: Vec<Section>,
}

/// A numbered section (`1. Configuration & Environment`).
#[derive(Debug, Clone, Deserialize)]
pub struct Section {
    /// `1`, `2`, …
    pub number: String,
    /// The section's title.
    pub title: String,
    /// Its items.
    pub items: Vec<Item>,
}

/// One item; an item with children is a heading for them.
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    /// Position in the checklist (`1.2.3`), stable for a checklist version.
    pub id: String,
    /// The checklist's wording (inline Markdown).
    pub text: String,
    /// What proves it: `scenarios:TAG` or `preflight:SECTION`.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// What a person does, where a machine cannot check (all of it, or the live-mode part).
    #[serde(default)]
    pub manual: Option<String>,
    /// Sub-items.
    #[serde(default)]
    pub children: Vec<Item>,
}

/// Why the checklist could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    /// The file could not be read.
    #[error("cannot read the checklist {path}: {source}")]
    Read {
        /// The path given.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a checklist.
    #[error("the checklist {path} is not valid: {source}")]
    Parse {
        /// The path given.
        path: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

impl Checklist {
    /// The checklist in `fixtures/checklist.json`, embedded in the binary.
    pub fn embedded() -> Self {
        serde_json::from_str(CHECKLIST_JSON)
            .expect("fixtures/checklist.json is valid (checked by a unit test)")
    }

    /// A checklist from a file (a newer version than the embedded one).
    pub fn from_file(path: &Path) -> Result<Self, ChecklistError> {
        let text = std::fs::read_to_string(path).map_err(|source| ChecklistError::Read {
            path: path.display().to_string(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| ChecklistError::Parse {
            path: path.display().to_string(),
            source,
        })
    }
}

/// One preflight check's verdict, as `golive preflight --json` reports it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreflightVerdict {
    /// The checklist section or item it checks (`4`, `1.2`).
    pub item: String,
    /// `PASS`, `WARN` or `FAIL`.
    pub status: String,
    /// What was checked.
    pub description: String,
}

/// One piece of evidence for an item.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Proof {
    /// `scenario` or `preflight`.
    pub kind: &'static str,
    /// The scenario's name (with its feature) or the check's description.
    pub name: String,
    /// `passed`, `failed`, `warn` or `skipped`.
    pub verdict: String,
}

/// An item's state in the report.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Every proof found passed.
    Verified,
    /// A proof failed.
    Failed,
    /// A machine could check it, but nothing did in this run.
    NotRun,
    /// Only a person can check it.
    Manual,
}

/// An item with its state and proofs.
#[derive(Debug, Clone, Serialize)]
pub struct ReportItem {
    /// Checklist position.
    pub id: String,
    /// Checklist wording.
    pub text: String,
    /// Its state (for headings: derived from the children).
    pub state: ItemState,
    /// What proved (or disproved) it.
    pub proofs: Vec<Proof>,
    /// What a person must still do, if anything.
    pub manual: Option<String>,
    /// Sub-items.
    pub children: Vec<ReportItem>,
}

/// A section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSection {
    /// Section number.
    pub number: String,
    /// Section title.
    pub title: String,
    /// Its items.
    pub items: Vec<ReportItem>,
}

/// How many leaf items are in each state.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct ItemCounts {
    /// Verified by this run.
    pub verified: usize,
    /// Disproved by this run.
    pub failed: usize,
    /// Machine-checkable, not checked in this run.
    pub not_run: usize,
    /// For a person.
    pub manual: usize,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The checklist's title.
    pub title: String,
    /// When the run finished (RFC 3339), if a run was found.
    pub run_finished_at: Option<String>,
    /// The closing line of the run.
    pub run_summary: Option<String>,
    /// Leaf items per state.
    pub counts: ItemCounts,
    /// The sections.
    pub sections: Vec<ReportSection>,
}

/// Joins the checklist with a run's scenario results and preflight verdicts.
pub fn evaluate(
    checklist: &Checklist,
    scenarios: &[ScenarioResult],
    preflight: &[PreflightVerdict],
    run_finished_at: Option<String>,
    run_summary: Option<String>,
) -> Report {
    let mut counts = ItemCounts::default();
    let sections = checklist
        .sections
        .iter()
        .map(|section| ReportSection {
            number: section.number.clone(),
            title: section.title.clone(),
            items: section
                .items
                .iter()
                .map(|item| evaluate_item(item, scenarios, preflight, &mut counts))
                .collect(),
        })
        .collect();
    Report {
        title: checklist.title.clone(),
        run_finished_at,
        run_summary,
        counts,
        sections,
    }
}

fn evaluate_item(
    item: &Item,
    scenarios: &[ScenarioResult],
    preflight: &[PreflightVerdict],
    counts: &mut ItemCounts,
) -> ReportItem {
    let children: Vec<ReportItem> = item
        .children
        .iter()
        .map(|child| evaluate_item(child, scenarios, preflight, counts))
        .collect();
    let proofs: Vec<Proof> = item
        .evidence
        .iter()
        .flat_map(|evidence| proofs_for(evidence, scenarios, preflight))
        .collect();
    let state = if children.is_empty() {
        let state = leaf_state(item, &proofs);
        match state {
            ItemState::Verified => counts.verified += 1,
            ItemState::Failed => counts.failed += 1,
            ItemState::NotRun => counts.not_run += 1,
            ItemState::Manual => counts.manual += 1,
        }
        state
    } else {
        heading_state(&children)
    };
    ReportItem {
        id: item.id.clone(),
        text: item.text.clone(),
        state,
        proofs,
        manual: item.manual.clone(),
        children,
    }
}

fn leaf_state(item: &Item, proofs: &[Proof]) -> ItemState {
    let ran: Vec<&Proof> = proofs.iter().filter(|p| p.verdict != "skipped").collect();
    if ran.iter().any(|p| p.verdict == "failed") {
        ItemState::Failed
    } else if !ran.is_empty() {
        ItemState::Verified
    } else if item.evidence.is_empty() {
        ItemState::Manual
    } else {
        ItemState::NotRun
    }
}

/// A heading is failed if any child failed, verified if every machine-checkable child was.
fn heading_state(children: &[ReportItem]) -> ItemState {
    let states: Vec<ItemState> = children.iter().map(|c| c.state).collect();
    if states.contains(&ItemState::Failed) {
        ItemState::Failed
    } else if states.contains(&ItemState::NotRun) {
        ItemState::NotRun
    } else if states.contains(&ItemState::Verified) {
        ItemState::Verified
    } else {
        ItemState::Manual
    }
}

fn proofs_for(
    evidence: &str,
    scenarios: &[ScenarioResult],
    preflight: &[PreflightVerdict],
) -> Vec<Proof> {
    if let Some(tag) = evidence.strip_prefix("scenarios:") {
        scenarios
            .iter()
            .filter(|s| s.tags.iter().any(|t| t == tag))
            .map(|s| Proof {
                kind: "scenario",
                name: format!("{} — {}", s.feature, s.scenario),
                verdict: match s.status {
                    ScenarioStatus::Passed => "passed",
                    ScenarioStatus::Failed { .. } => "failed",
                    ScenarioStatus::Skipped { .. } => "skipped",
                }
                .to_string(),
            })
            .collect()
    } else if let Some(section) = evidence.strip_prefix("preflight:") {
        preflight
            .iter()
            .filter(|v| v.item == section || v.item.starts_with(&format!("{section}.")))
            .map(|v| Proof {
                kind: "preflight",
                name: format!("{} {}", v.item, v.description),
                verdict: match v.status.as_str() {
                    "PASS" => "passed",
                    "WARN" => "warn",
                    "FAIL" => "failed",
                    _ => "skipped",
                }
                .to_string(),
            })
            .collect()
    } else {
        Vec::new()
    }
}

/// Reads the preflight verdicts saved in `dir`, if a preflight was run.
pub fn load_preflight(dir: &Path) -> Result<Vec<PreflightVerdict>, String> {
    let path = dir.join(PREFLIGHT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a preflight result: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Writes `checklist.md`, `checklist.html` and `checklist.json` into `dir`; returns the counts.
pub fn write(dir: &Path, report: &Report) -> Result<String, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (name, content) in [
        ("checklist.md", render::markdown(report)),
        ("checklist.html", render::html(report)),
        ("checklist.json", render::json(report)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(render::counts_line(report))
}

/// After `golive run`: saves the run record in `dir` and writes the report from it and from the
/// preflight verdicts found there.
pub fn write_from_run(dir: &Path, record: &RunRecord) -> Result<String, String> {
    record
        .save(&dir.join(RUN_FILE))
        .map_err(|e| format!("cannot save the run in {}: {e}", dir.display()))?;
    let preflight = load_preflight(dir)?;
    let report = evaluate(
        &Checklist::embedded(),
        &record.scenarios,
        &preflight,
        Some(record.finished_at.clone()),
        Some(record.summary.clone()),
    );
    write(dir, &report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_leaves(items: &[Item]) -> usize {
        items
            .iter()
            .map(|i| {
                if i.children.is_empty() {
                    1
                } else {
                    count_leaves(&i.children)
                }
            })
            .sum()
    }

    #[test]
    fn the_embedded_checklist_has_every_section_and_a_way_to_check_every_item() {
        let checklist = Checklist::embedded();
        let numbers: Vec<&str> = checklist
            .sections
            .iter()
            .map(|s| s.number.as_str())
            .collect();
        assert_eq!(numbers, ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        fn check(items: &[Item]) {
            for item in items {
                if item.children.is_empty() {
                    assert!(
                        !item.evidence.is_empty() || item.manual.is_some(),
                        "item {} has neither evidence nor manual instructions",
                        item.id
                    );
                }
                check(&item.children);
            }
        }
        for section in &checklist.sections {
            check(&section.items);
        }
        let leaves: usize = checklist
            .sections
            .iter()
            .map(|s| count_leaves(&s.items))
            .sum();
        assert!(leaves > 100, "the checklist has {leaves} items");
    }

    fn scenario(tag: &str, status: ScenarioStatus) -> ScenarioResult {
        ScenarioResult {
            feature: "New subscription".into(),
            scenario: "pays".into(),
            tags: vec![tag.into()],
            status,
            duration_ms: 5,
            artifacts: vec![],
        }
    }

    #[test]
    fn items_take_the_state_of_their_evidence() {
        let checklist = Checklist::embedded();
        let passed = scenario("checklist-6.1", ScenarioStatus::Passed);
        let report = evaluate(&checklist, &[passed], &[], None, None);
        let section6 = &report.sections[5];
        assert_eq!(section6.items[0].id, "6.1");
        assert_eq!(section6.items[0].state, ItemState::Verified);
        assert_eq!(
            section6.items[1].state,
            ItemState::NotRun,
            "6.2 had no scenario"
        );
        let failed = scenario(
            "checklist-6.1",
            ScenarioStatus::Failed {
                step: None,
                message: "x".into(),
            },
        );
        let report = evaluate(&checklist, &[failed], &[], None, None);
        assert_eq!(report.sections[5].items[0].state, ItemState::Failed);
        assert!(report.counts.failed >= 9);
    }

    #[test]
    fn preflight_verdicts_prove_their_section() {
        let checklist = Checklist::embedded();
        let fail = PreflightVerdict {
            item: "4".into(),
            status: "FAIL".into(),
            description: "webhook endpoint uses HTTPS".into(),
        };
        let report = evaluate(&checklist, &[], &[fail], None, None);
        let https = &report.sections[3].items[0].children[2];
        assert_eq!(https.id, "4.1.3");
        assert_eq!(https.state, ItemState::Failed);
        let manual = &report.sections[8].items[1].children[0];
        assert_eq!(
            manual.state,
            ItemState::Manual,
            "a live test charge is for a person"
        );
    }

    #[test]
    fn a_run_record_becomes_three_report_files_and_reads_back() {
        let dir = std::env::temp_dir().join(format!(
            "golive-report-test-{}",
            crate::actors::random_suffix()
        ));
        let record = RunRecord {
            finished_at: "2026-11-27T23:00:00Z".into(),
            summary: "scenarios: 1 passed, 0 failed, 0 skipped".into(),
            wall_ms: 10,
            scenarios: vec![scenario("checklist-6.1", ScenarioStatus::Passed)],
        };
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(PREFLIGHT_FILE),
            r#"[{"item":"4","status":"PASS","description":"webhook endpoint uses HTTPS"}]"#,
        )
        .unwrap();
        let line = write_from_run(&dir, &record).unwrap();
        assert!(line.starts_with("checklist: "), "{line}");
        let markdown = std::fs::read_to_string(dir.join("checklist.md")).unwrap();
        assert!(
            markdown.contains("preflight passed (1): 4 webhook endpoint uses HTTPS"),
            "{markdown}"
        );
        assert!(dir.join("checklist.html").exists() && dir.join("checklist.json").exists());
        assert_eq!(
            RunRecord::load(&dir.join(RUN_FILE))
                .unwrap()
                .scenarios
                .len(),
            1
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
