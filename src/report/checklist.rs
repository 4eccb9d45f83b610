//! The go-live checklist as data (`fixtures/checklist.json`): sections, items and each leaf's
//! evidence, read from the embedded file or a newer version, and refused when its evidence
//! could over-claim ([`Checklist::problems`]).

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

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
