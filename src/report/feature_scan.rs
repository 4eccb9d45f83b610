//! The evidence cannot lie: the checklist's evidence is checked against the scenarios of the
//! repository's `features/*.feature`, read with the Gherkin parser the runner uses.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cucumber::gherkin::{Feature, GherkinEnv};

use super::{BROWSER_TAG, Checklist};

/// One scenario as the runner would run it: an outline once per examples block, with the tags
/// it inherits (feature, rule, scenario, examples), without `@`.
struct Scanned {
    /// `features/x.feature: Scenario name`.
    name: String,
    tags: Vec<String>,
}

fn features_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("features")
}

fn scan() -> Vec<Scanned> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(features_dir())
        .expect("features/ exists")
        .map(|entry| entry.expect("features/ is readable").path())
        .filter(|path| path.extension().is_some_and(|e| e == "feature"))
        .collect();
    files.sort();
    let mut scanned = Vec::new();
    for file in files {
        let feature = Feature::parse_path(&file, GherkinEnv::default())
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        let short = format!(
            "features/{}",
            file.file_name().unwrap_or_default().to_string_lossy()
        );
        let rules = feature
            .rules
            .iter()
            .flat_map(|rule| rule.scenarios.iter().map(move |s| (Some(rule), s)));
        for (rule, scenario) in feature.scenarios.iter().map(|s| (None, s)).chain(rules) {
            let inherited: Vec<String> = feature
                .tags
                .iter()
                .chain(rule.map(|r| r.tags.iter()).into_iter().flatten())
                .chain(scenario.tags.iter())
                .cloned()
                .collect();
            let name = format!("{short}: {}", scenario.name);
            if scenario.examples.is_empty() {
                scanned.push(Scanned {
                    name,
                    tags: inherited,
                });
            } else {
                for examples in &scenario.examples {
                    let mut tags = inherited.clone();
                    tags.extend(examples.tags.iter().cloned());
                    scanned.push(Scanned {
                        name: name.clone(),
                        tags,
                    });
                }
            }
        }
    }
    assert!(scanned.len() > 50, "found {} scenarios", scanned.len());
    scanned
}

/// `(item id, tag)` for every `scenarios:TAG` evidence of a leaf, `page` leaves only if asked.
fn scenario_evidence(checklist: &Checklist, pages_only: bool) -> Vec<(String, String)> {
    checklist
        .items()
        .into_iter()
        .filter(|item| item.children.is_empty() && (item.page || !pages_only))
        .flat_map(|item| {
            item.evidence
                .iter()
                .filter_map(|e| e.strip_prefix("scenarios:"))
                .map(|tag| (item.id.clone(), tag.to_string()))
        })
        .collect()
}

#[test]
fn every_evidence_tag_is_carried_by_a_scenario() {
    let scanned = scan();
    let missing: Vec<String> = scenario_evidence(&Checklist::embedded(), false)
        .into_iter()
        .filter(|(_, tag)| !scanned.iter().any(|s| s.tags.contains(tag)))
        .map(|(id, tag)| format!("{id}: @{tag}"))
        .collect();
    assert!(
        missing.is_empty(),
        "checklist evidence that no scenario in features/ carries (tag a scenario that proves \
         the item, or remove the evidence):\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn every_page_item_is_proved_by_a_browser_scenario() {
    let scanned = scan();
    let missing: Vec<String> = scenario_evidence(&Checklist::embedded(), true)
        .into_iter()
        .filter(|(_, tag)| {
            !scanned
                .iter()
                .any(|s| s.tags.contains(tag) && s.tags.iter().any(|t| t == BROWSER_TAG))
        })
        .map(|(id, tag)| format!("{id}: @{tag}"))
        .collect();
    assert!(
        missing.is_empty(),
        "page items whose evidence tag no @browser scenario in features/ carries ({} of them; \
         API scenarios do not verify a page):\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

#[test]
fn every_checklist_tag_names_an_item_of_the_checklist() {
    let checklist = Checklist::embedded();
    let ids: BTreeSet<&str> = checklist
        .items()
        .into_iter()
        .map(|i| i.id.as_str())
        .chain(checklist.sections.iter().map(|s| s.number.as_str()))
        .collect();
    let scanned = scan();
    let unknown: BTreeSet<String> = scanned
        .iter()
        .flat_map(|s| {
            s.tags
                .iter()
                .filter_map(|t| t.strip_prefix("checklist-"))
                .filter(|id| !ids.contains(id))
                .map(move |id| format!("{}: @checklist-{id}", s.name))
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "scenarios tagged for checklist items that do not exist:\n  {}",
        unknown.into_iter().collect::<Vec<_>>().join("\n  ")
    );
}

#[test]
fn every_leaf_has_evidence_or_manual_steps_and_scenario_evidence_is_its_own_tag() {
    assert_eq!(Checklist::embedded().problems(), Vec::<String>::new());
}
