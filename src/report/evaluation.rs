//! [`evaluate`]: joins the checklist with a run's scenario results and the preflight's verdicts
//! into the report — each leaf's proofs (each scenario once, its runs merged) and state, each
//! heading's state from its children, the counts per state, and the scenario list.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::BROWSER_TAG;
use super::checklist::{Checklist, Item};
use crate::results::{ScenarioResult, ScenarioStatus};

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
pub(super) fn heading_state(children: &[ReportItem]) -> ItemState {
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
