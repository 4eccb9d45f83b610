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
//! The checklist is data (`fixtures/checklist.json`, read by `checklist`), so a new checklist
//! version is a data change; [`evaluate`] (in `evaluation`) joins it with a run's results;
//! `render` writes Markdown, a self-contained HTML page and JSON, and this module writes them
//! to the report folder; [`merge`] joins the runs of several shards and [`junit`] writes their
//! JUnit XML.

mod checklist;
mod evaluation;
pub mod junit;
pub mod merge;
pub(crate) mod render;

use std::path::{Path, PathBuf};

use crate::results::RunRecord;

pub use checklist::{Checklist, ChecklistError, Item, Section};
pub use evaluation::{
    ItemCounts, ItemState, PreflightVerdict, Proof, Report, ReportItem, ReportScenario,
    ReportSection, evaluate,
};

/// Where `golive run` keeps its record and the report, relative to the working directory.
pub const DEFAULT_DIR: &str = "reports";
/// The run record's file name in the report folder.
pub const RUN_FILE: &str = "last-run.json";
/// The preflight verdicts' file name in the report folder (`golive preflight` writes it).
pub const PREFLIGHT_FILE: &str = "preflight.json";

/// The tag a scenario carries when it runs in a real browser, clicking the pages.
pub const BROWSER_TAG: &str = "browser";

/// Why the report's files could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The saved preflight verdicts are not what `golive preflight` writes.
    #[error("{} is not a preflight result: {source}", path.display())]
    Preflight {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The report folder could not be created.
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A report file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The run record could not be saved.
    #[error("cannot save the run in {}: {source}", dir.display())]
    SaveRun {
        /// The report folder.
        dir: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Reads the preflight verdicts saved in `dir`, if a preflight was run.
pub fn load_preflight(dir: &Path) -> Result<Vec<PreflightVerdict>, ReportError> {
    let path = dir.join(PREFLIGHT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|source| ReportError::Preflight { path, source })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(ReportError::Read { path, source }),
    }
}

/// Writes `checklist.md`, `checklist.html` and `checklist.json` into `dir`; returns the counts.
pub fn write(dir: &Path, report: &Report) -> Result<String, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    for (name, content) in [
        ("checklist.md", render::markdown(report)),
        ("checklist.html", render::html(report)),
        ("checklist.json", render::json(report)),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content).map_err(|source| ReportError::Write { path, source })?;
    }
    Ok(render::counts_line(report))
}

/// After `golive run`: saves the run record in `dir` and writes the report from it and from the
/// preflight verdicts found there.
pub fn write_from_run(dir: &Path, record: &RunRecord) -> Result<String, ReportError> {
    record
        .save(&dir.join(RUN_FILE))
        .map_err(|source| ReportError::SaveRun {
            dir: dir.to_path_buf(),
            source,
        })?;
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
mod feature_scan;
#[cfg(test)]
mod tests;
