//! The checklist report: every item of the go-live checklist, in its order and wording, with
//! what proved it in the last rehearsal or, where no machine can check, what a person must do.
//!
//! Evidence is per item: a leaf item `6.1.7` is proved by the scenarios tagged
//! `@checklist-6.1.7` (evidence `scenarios:checklist-6.1.7`) and by the preflight checks of a
//! section (`preflight:1`). Section tags (`@checklist-6.1`) select scenarios for a run; they are
//! never evidence. An item about a page a person clicks (`"page": true`) is verified only by a
//! passed scenario tagged `@browser`; API-level scenarios tagged for it are shown as its "API
//! contract" and do not verify it (a failed one still fails it). An item with children is a
//! heading: its state comes from its children, and only leaves are counted.
//!
//! The checklist is data (`fixtures/checklist.json`), so a new checklist version is a data
//! change; [`evaluate`] joins it with a run's results; `render` writes Markdown, a
//! self-contained HTML page and JSON; [`merge`] joins the runs of several shards and
//! [`junit`] writes their JUnit XML.

pub mod junit;
pub mod merge;
pub(crate) mod render;

#[cfg(test)]
mod feature_scan;

use std::collections::HashSet;
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

/// The tag a scenario carries when it runs in a real browser, clicking the pages.
pub const BROWSER_TAG: &str = "browser";

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
    /// What proves this leaf: `scenarios:checklist-<its own id>` (the scenarios tagged for it)
    /// or `preflight:SECTION` (the preflight's checks of that section). Headings have none.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The item is about a page a person clicks: only a passed `@browser` scenario verifies it.
    /// On a heading it only says that its children are pages.
    #[serde(default)]
    pub page: bool,
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
    /// The file is a checklist whose evidence could over-claim.
    #[error("the checklist {path} is not valid: {}", problems.join("; "))]
    Invalid {
        /// The path given.
        path: String,
        /// Every problem found (see [`Checklist::problems`]).
        problems: Vec<String>,
    },
}

impl Checklist {
    /// The checklist in `fixtures/checklist.json`, embedded in the binary.
    pub fn embedded() -> Self {
        serde_json::from_str(CHECKLIST_JSON)
            .expect("fixtures/checklist.json is valid (checked by a unit test)")
    }

    /// A checklist from a file (a newer version than the embedded one); refused when
    /// [`Checklist::problems`] finds any.
    pub fn from_file(path: &Path) -> Result<Self, ChecklistError> {
        let text = std::fs::read_to_string(path).map_err(|source| ChecklistError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let checklist: Checklist =
            serde_json::from_str(&text).map_err(|source| ChecklistError::Parse {
                path: path.display().to_string(),
                source,
            })?;
        let problems = checklist.problems();
        if problems.is_empty() {
            Ok(checklist)
        } else {
            Err(ChecklistError::Invalid {
                path: path.display().to_string(),
                problems,
            })
        }
    }

    /// Every item, headings and leaves, depth first in the checklist's order.
    pub(crate) fn items(&self) -> Vec<&Item> {
        fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
            for item in items {
                out.push(item);
                walk(&item.children, out);
            }
        }
        let mut out = Vec::new();
        for section in &self.sections {
            walk(&section.items, &mut out);
        }
        out
    }

    /// What makes this checklist unfit to report from, one line each: a leaf with neither
    /// evidence nor manual steps, evidence on a heading (it would be ignored), scenario evidence
    /// that is not the leaf's own item tag (a section tag would let every scenario of a flow
    /// prove every item of it), evidence of an unknown kind, an id used twice.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = HashSet::new();
        for item in self.items() {
            if !seen.insert(item.id.as_str()) {
                problems.push(format!("item {} appears twice", item.id));
            }
            if !item.children.is_empty() {
                if !item.evidence.is_empty() {
                    problems.push(format!(
                        "heading {} has evidence; its state comes from its children",
                        item.id
                    ));
                }
                continue;
            }
            if item.evidence.is_empty() && item.manual.is_none() {
                problems.push(format!(
                    "item {} has neither evidence nor manual instructions",
                    item.id
                ));
            }
            let own = format!("scenarios:checklist-{}", item.id);
            for evidence in &item.evidence {
                if evidence.starts_with("scenarios:") {
                    if *evidence != own {
                        problems.push(format!(
                            "item {} names `{evidence}`: a leaf's scenario evidence is `{own}`",
                            item.id
                        ));
                    }
                } else if !evidence.starts_with("preflight:") {
                    problems.push(format!(
                        "item {} has evidence of no known kind: `{evidence}`",
                        item.id
                    ));
                }
            }
        }
        problems
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

/// One piece of evidence for an item: one preflight check, or one scenario (all its runs: the
/// examples of an outline share a name).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Proof {
    /// `scenario` or `preflight`.
    pub kind: &'static str,
    /// The scenario's name (with its feature) or the check's description.
    pub name: String,
    /// `passed`, `failed`, `warn` or `skipped`.
    pub verdict: String,
    /// The scenario runs in a browser (`@browser`).
    pub browser: bool,
    /// It counts toward the item's verification; `false` for an API-level scenario of a page
    /// item, shown as the page's "API contract" (a failed one still fails the item).
    pub verifies: bool,
    /// The scenario's entries in the report's scenario list ([`ReportScenario::anchor`]).
    pub runs: Vec<String>,
    /// The files its runs left (paths relative to the report folder).
    pub artifacts: Vec<String>,
}

/// An item's state in the report.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// A proof that counts passed, and none failed.
    Verified,
    /// A proof failed.
    Failed,
    /// A machine could check it, but nothing that counts did in this run.
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
    /// About a page a person clicks.
    pub page: bool,
    /// Its state (for headings: derived from the children).
    pub state: ItemState,
    /// What proved (or disproved) it, each scenario once.
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

/// One scenario run, as the report's scenario list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportScenario {
    /// Its id in the report (an HTML anchor), unique in the list.
    pub anchor: String,
    /// The feature's name.
    pub feature: String,
    /// The scenario's name.
    pub scenario: String,
    /// `passed`, `failed` or `skipped`.
    pub status: &'static str,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// Its tags (feature, rule, scenario and examples), without `@`.
    pub tags: Vec<String>,
    /// The failing step, when known.
    pub failed_step: Option<String>,
    /// Why it failed, or why it was skipped.
    pub message: Option<String>,
    /// The files it left (paths relative to the report folder).
    pub artifacts: Vec<String>,
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
    /// Every scenario of the run, in the order they finished.
    pub scenarios: Vec<ReportScenario>,
}

fn status_name(status: &ScenarioStatus) -> &'static str {
    match status {
        ScenarioStatus::Passed => "passed",
        ScenarioStatus::Failed { .. } => "failed",
        ScenarioStatus::Skipped { .. } => "skipped",
    }
}

/// The files a failed browser scenario left for the report (its screenshot and page).
fn artifacts_of(result: &ScenarioResult) -> Vec<String> {
    result.artifacts.clone()
}

/// `New subscription` + `Pays` → `scenario-new-subscription--pays`.
fn slug(feature: &str, scenario: &str) -> String {
    let part = |text: &str| {
        let mut out = String::new();
        for c in text.chars() {
            if c.is_alphanumeric() {
                out.extend(c.to_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.trim_end_matches('-').to_string()
    };
    format!("scenario-{}--{}", part(feature), part(scenario))
}

/// The scenario list, with an anchor per run (outline examples share a name: `-2`, `-3`, …).
fn report_scenarios(scenarios: &[ScenarioResult]) -> Vec<ReportScenario> {
    let mut used = HashSet::new();
    scenarios
        .iter()
        .map(|s| {
            let base = slug(&s.feature, &s.scenario);
            let mut anchor = base.clone();
            let mut n = 1;
            while !used.insert(anchor.clone()) {
                n += 1;
                anchor = format!("{base}-{n}");
            }
            let (failed_step, message) = match &s.status {
                ScenarioStatus::Passed => (None, None),
                ScenarioStatus::Failed { step, message } => (step.clone(), Some(message.clone())),
                ScenarioStatus::Skipped { reason } => (None, Some(reason.clone())),
            };
            ReportScenario {
                anchor,
                feature: s.feature.clone(),
                scenario: s.scenario.clone(),
                status: status_name(&s.status),
                duration_ms: s.duration_ms,
                tags: s.tags.clone(),
                failed_step,
                message,
                artifacts: artifacts_of(s),
            }
        })
        .collect()
}

/// Joins the checklist with a run's scenario results and preflight verdicts.
pub fn evaluate(
    checklist: &Checklist,
    scenarios: &[ScenarioResult],
    preflight: &[PreflightVerdict],
    run_finished_at: Option<String>,
    run_summary: Option<String>,
) -> Report {
    let runs = report_scenarios(scenarios);
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
                .map(|item| evaluate_item(item, &runs, preflight, &mut counts))
                .collect(),
        })
        .collect();
    Report {
        title: checklist.title.clone(),
        run_finished_at,
        run_summary,
        counts,
        sections,
        scenarios: runs,
    }
}

fn evaluate_item(
    item: &Item,
    runs: &[ReportScenario],
    preflight: &[PreflightVerdict],
    counts: &mut ItemCounts,
) -> ReportItem {
    let children: Vec<ReportItem> = item
        .children
        .iter()
        .map(|child| evaluate_item(child, runs, preflight, counts))
        .collect();
    let mut proofs: Vec<Proof> = Vec::new();
    if children.is_empty() {
        for evidence in &item.evidence {
            for proof in proofs_for(item, evidence, runs, preflight) {
                let known = proofs
                    .iter()
                    .any(|p| p.kind == proof.kind && p.name == proof.name);
                if !known {
                    proofs.push(proof);
                }
            }
        }
    }
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
        page: item.page,
        state,
        proofs,
        manual: item.manual.clone(),
        children,
    }
}

/// Failed if any proof failed (an API contract too: the page cannot work without it); verified
/// if a proof that counts passed (or warned); manual if nothing could prove it; else not run.
fn leaf_state(item: &Item, proofs: &[Proof]) -> ItemState {
    if proofs.iter().any(|p| p.verdict == "failed") {
        ItemState::Failed
    } else if proofs
        .iter()
        .any(|p| p.verifies && (p.verdict == "passed" || p.verdict == "warn"))
    {
        ItemState::Verified
    } else if item.evidence.is_empty() {
        ItemState::Manual
    } else {
        ItemState::NotRun
    }
}

/// A heading is failed if any child failed, not run if any child was not run, manual if a
/// person still has a child to check, and verified only when every child was verified — a
/// heading never claims more than its least-proven child.
fn heading_state(children: &[ReportItem]) -> ItemState {
    let states: Vec<ItemState> = children.iter().map(|c| c.state).collect();
    if states.contains(&ItemState::Failed) {
        ItemState::Failed
    } else if states.contains(&ItemState::NotRun) {
        ItemState::NotRun
    } else if states.contains(&ItemState::Manual) || states.is_empty() {
        ItemState::Manual
    } else {
        ItemState::Verified
    }
}

/// The proofs one piece of evidence finds: each scenario once (its runs merged: failed if one
/// failed, passed if one passed, else skipped), each preflight check once.
fn proofs_for(
    item: &Item,
    evidence: &str,
    runs: &[ReportScenario],
    preflight: &[PreflightVerdict],
) -> Vec<Proof> {
    if let Some(tag) = evidence.strip_prefix("scenarios:") {
        let mut proofs: Vec<Proof> = Vec::new();
        for run in runs.iter().filter(|r| r.tags.iter().any(|t| t == tag)) {
            let name = format!("{} — {}", run.feature, run.scenario);
            let browser = run.tags.iter().any(|t| t == BROWSER_TAG);
            let index = match proofs.iter().position(|p| p.name == name) {
                Some(index) => index,
                None => {
                    proofs.push(Proof {
                        kind: "scenario",
                        name,
                        verdict: "skipped".into(),
                        browser,
                        verifies: false,
                        runs: Vec::new(),
                        artifacts: Vec::new(),
                    });
                    proofs.len() - 1
                }
            };
            let proof = &mut proofs[index];
            proof.browser &= browser;
            proof.verifies = !item.page || proof.browser;
            proof.runs.push(run.anchor.clone());
            proof.artifacts.extend(run.artifacts.iter().cloned());
            proof.verdict = match (proof.verdict.as_str(), run.status) {
                ("failed", _) | (_, "failed") => "failed",
                ("passed", _) | (_, "passed") => "passed",
                _ => "skipped",
            }
            .to_string();
        }
        proofs
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
                browser: false,
                verifies: true,
                runs: Vec::new(),
                artifacts: Vec::new(),
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

    #[test]
    fn a_heading_claims_no_more_than_its_least_proven_child() {
        let item = |state| ReportItem {
            id: "x".into(),
            text: "x".into(),
            page: false,
            state,
            proofs: vec![],
            manual: None,
            children: vec![],
        };
        use ItemState::*;
        let heading = |states: &[ItemState]| {
            heading_state(&states.iter().map(|s| item(*s)).collect::<Vec<_>>())
        };
        assert_eq!(heading(&[Verified, Verified]), Verified);
        assert_eq!(heading(&[Verified, Manual]), Manual);
        assert_eq!(heading(&[Verified, NotRun, Manual]), NotRun);
        assert_eq!(heading(&[Verified, Failed, Manual]), Failed);
        assert_eq!(heading(&[]), Manual);
    }

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
        assert_eq!(checklist.problems(), Vec::<String>::new());
        let leaves: usize = checklist
            .sections
            .iter()
            .map(|s| count_leaves(&s.items))
            .sum();
        assert!(leaves > 100, "the checklist has {leaves} items");
    }

    #[test]
    fn the_page_items_are_the_pages_people_click() {
        let checklist = Checklist::embedded();
        let pages: Vec<&str> = checklist
            .items()
            .into_iter()
            .filter(|i| i.page && i.children.is_empty())
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(
            pages,
            [
                "5.1.1", "5.2.1", "5.2.3", "5.2.4", "5.2.5", "5.2.6", "5.3.1", "5.3.2", "5.3.4",
                "5.3.5", "5.3.6", "5.3.8", "5.3.9", "6.1.2", "6.1.3", "6.1.4", "6.1.5", "6.2.1",
                "6.2.4", "6.2.5", "6.2.6", "6.4.3", "6.4.4", "6.5.3", "6.5.4", "6.5.5", "9.2.4"
            ]
        );
    }

    fn checklist(json: &str) -> Checklist {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn problems_name_leaves_without_a_way_to_check_and_borrowed_tags() {
        let c = checklist(
            r#"{"title":"t","sections":[{"number":"6","title":"s","items":[
              {"id":"6.1","text":"flow","evidence":["scenarios:checklist-6.1"],"children":[
                {"id":"6.1.1","text":"a","evidence":["scenarios:checklist-6.1"]},
                {"id":"6.1.2","text":"b"},
                {"id":"6.1.3","text":"c","evidence":["people:ops"]},
                {"id":"6.1.3","text":"d","manual":"by hand"}]}]}]}"#,
        );
        assert_eq!(
            c.problems(),
            [
                "heading 6.1 has evidence; its state comes from its children",
                "item 6.1.1 names `scenarios:checklist-6.1`: a leaf's scenario evidence is \
                 `scenarios:checklist-6.1.1`",
                "item 6.1.2 has neither evidence nor manual instructions",
                "item 6.1.3 has evidence of no known kind: `people:ops`",
                "item 6.1.3 appears twice",
            ]
        );
    }

    #[test]
    fn a_checklist_file_that_could_over_claim_is_refused() {
        let path = std::env::temp_dir().join(format!(
            "golive-checklist-{}.json",
            crate::steps::actors::random_suffix()
        ));
        std::fs::write(
            &path,
            r#"{"title":"t","sections":[{"number":"6","title":"s","items":[
              {"id":"6.1.1","text":"a","evidence":["scenarios:checklist-6.1"]}]}]}"#,
        )
        .unwrap();
        let error = Checklist::from_file(&path).unwrap_err().to_string();
        std::fs::remove_file(&path).ok();
        assert!(error.contains("scenarios:checklist-6.1.1"), "{error}");
    }

    fn result(feature: &str, name: &str, tags: &[&str], status: ScenarioStatus) -> ScenarioResult {
        ScenarioResult {
            feature: feature.into(),
            scenario: name.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            status,
            duration_ms: 5,
            artifacts: vec![],
        }
    }

    fn failed() -> ScenarioStatus {
        ScenarioStatus::Failed {
            step: Some("Then Stripe shows Ana's charge as fully refunded".into()),
            message: "charge not refunded".into(),
        }
    }

    /// A page item (5.3.8, the "Refund Full Amount" button) and an API item (6.1.8).
    fn small() -> Checklist {
        checklist(
            r#"{"title":"t","sections":[{"number":"5","title":"s","items":[
              {"id":"5.3.7","text":"Buttons:","page":true,"children":[
                {"id":"5.3.8","text":"Refund works","page":true,
                 "evidence":["scenarios:checklist-5.3.8","scenarios:checklist-5.3.8"]}]},
              {"id":"6.1.8","text":"ids recorded","evidence":["scenarios:checklist-6.1.8"]}]}]}"#,
        )
    }

    fn item<'a>(report: &'a Report, id: &str) -> &'a ReportItem {
        fn find<'a>(items: &'a [ReportItem], id: &str) -> Option<&'a ReportItem> {
            items
                .iter()
                .find_map(|i| (i.id == id).then_some(i).or_else(|| find(&i.children, id)))
        }
        report
            .sections
            .iter()
            .find_map(|s| find(&s.items, id))
            .unwrap_or_else(|| panic!("no item {id}"))
    }

    #[test]
    fn a_page_item_proved_only_through_the_api_is_not_verified() {
        let api = result(
            "Early fraud warnings",
            "Ops refunds",
            &["checklist-6.5", "checklist-5.3.8"],
            ScenarioStatus::Passed,
        );
        let report = evaluate(&small(), &[api], &[], None, None);
        let refund = item(&report, "5.3.8");
        assert_eq!(refund.state, ItemState::NotRun);
        assert_eq!(refund.proofs.len(), 1);
        assert!(!refund.proofs[0].verifies && !refund.proofs[0].browser);
        assert_eq!(refund.proofs[0].verdict, "passed");
        assert_eq!(item(&report, "5.3.7").state, ItemState::NotRun, "heading");
        assert_eq!(
            report.counts.not_run, 2,
            "5.3.8 and 6.1.8; the heading is no leaf"
        );
    }

    #[test]
    fn a_page_item_is_verified_by_a_passed_browser_scenario() {
        let page = result(
            "Pages: fraud warnings",
            "Refund Full Amount",
            &["browser", "checklist-5.3.8"],
            ScenarioStatus::Passed,
        );
        let report = evaluate(&small(), &[page], &[], None, None);
        let refund = item(&report, "5.3.8");
        assert_eq!(refund.state, ItemState::Verified);
        assert!(refund.proofs[0].verifies && refund.proofs[0].browser);
        assert_eq!(item(&report, "5.3.7").state, ItemState::Verified);
    }

    #[test]
    fn a_failed_browser_scenario_or_api_contract_fails_the_page_item() {
        let page = result(
            "Pages: fraud warnings",
            "Refund Full Amount",
            &["browser", "checklist-5.3.8"],
            failed(),
        );
        let report = evaluate(&small(), &[page], &[], None, None);
        assert_eq!(item(&report, "5.3.8").state, ItemState::Failed);
        assert_eq!(report.counts.failed, 1);
        let passed_page = result(
            "P",
            "clicks",
            &["browser", "checklist-5.3.8"],
            ScenarioStatus::Passed,
        );
        let broken_api = result("API", "refunds", &["checklist-5.3.8"], failed());
        let report = evaluate(&small(), &[passed_page, broken_api], &[], None, None);
        assert_eq!(item(&report, "5.3.8").state, ItemState::Failed);
    }

    #[test]
    fn an_api_item_is_verified_by_an_api_scenario_and_skipped_ones_prove_nothing() {
        let api = result(
            "New subscription",
            "pays",
            &["checklist-6.1.8"],
            ScenarioStatus::Passed,
        );
        let report = evaluate(&small(), &[api], &[], None, None);
        assert_eq!(item(&report, "6.1.8").state, ItemState::Verified);
        let skipped = result(
            "New subscription",
            "pays",
            &["checklist-6.1.8"],
            ScenarioStatus::Skipped {
                reason: "sim-only".into(),
            },
        );
        let report = evaluate(&small(), &[skipped], &[], None, None);
        assert_eq!(item(&report, "6.1.8").state, ItemState::NotRun);
    }

    #[test]
    fn each_scenario_is_listed_once_with_every_run_linked() {
        let examples = [
            result(
                "P",
                "refunds <card>",
                &["browser", "checklist-5.3.8"],
                ScenarioStatus::Passed,
            ),
            result(
                "P",
                "refunds <card>",
                &["browser", "checklist-5.3.8"],
                failed(),
            ),
            result(
                "P",
                "other",
                &["browser", "checklist-5.3.8"],
                ScenarioStatus::Passed,
            ),
        ];
        let report = evaluate(&small(), &examples, &[], None, None);
        let refund = item(&report, "5.3.8");
        let names: Vec<&str> = refund.proofs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["P — refunds <card>", "P — other"],
            "evidence named twice"
        );
        assert_eq!(refund.proofs[0].verdict, "failed");
        assert_eq!(
            refund.proofs[0].runs,
            ["scenario-p--refunds-card", "scenario-p--refunds-card-2"]
        );
        assert_eq!(refund.state, ItemState::Failed);
        assert_eq!(report.scenarios.len(), 3);
        assert_eq!(
            report.scenarios[1].message.as_deref(),
            Some("charge not refunded")
        );
    }

    #[test]
    fn section_tags_prove_no_item() {
        let checklist = Checklist::embedded();
        let flow = result(
            "New subscription",
            "pays",
            &["checklist-6.1", "checklist-5"],
            ScenarioStatus::Passed,
        );
        let report = evaluate(&checklist, &[flow], &[], None, None);
        assert_eq!(report.counts.verified, 0, "{:?}", report.counts);
        assert!(item(&report, "6.1.8").proofs.is_empty());
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
        let https = item(&report, "4.1.3");
        assert_eq!(https.state, ItemState::Failed);
        let manual = item(&report, "9.2.1");
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
            crate::steps::actors::random_suffix()
        ));
        let record = RunRecord {
            finished_at: "2026-11-27T23:00:00Z".into(),
            summary: "scenarios: 1 passed, 0 failed, 0 skipped".into(),
            wall_ms: 10,
            scenarios: vec![result(
                "New subscription",
                "pays",
                &["checklist-6.1", "checklist-6.1.8"],
                ScenarioStatus::Passed,
            )],
            shard: None,
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
        assert!(
            markdown.contains("[New subscription — pays](#scenario-new-subscription--pays)"),
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
