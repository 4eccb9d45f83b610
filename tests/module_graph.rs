//! The harness's modules import each other without a circle, checked mechanically: every
//! `crate::…` path in `src/` and `steps/` (in `use` lines and inline, grouped `{…}` imports
//! expanded; comments and `#[cfg(test)]` modules left out) is an edge from the file that names
//! it to the module it names. `steps/` is the `steps` module (`src/lib.rs` mounts it). Two
//! graphs must be acyclic: top-level modules (`steps`, `runner`, `report`, `preflight`, …) and
//! single files (`steps::world`, `steps::definitions::checkout`, `report::merge`, …). The crate
//! roots (`lib.rs`, `main.rs`) are not nodes.

#[path = "support/module_graph.rs"]
mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use scan::{Source, circle};

/// (imports between top-level modules, imports between files).
fn graph() -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, BTreeSet<String>>,
) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let g = scan::graph(&[
        Source {
            dir: root.join("src"),
            mount: None,
        },
        Source {
            dir: root.join("steps"),
            mount: Some("steps"),
        },
    ]);
    (g.by_top, g.by_file)
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let (top, files) = graph();
    assert!(
        top.get("runner").is_some_and(|s| s.contains("steps")),
        "the scan found the imports: {top:?}"
    );
    if let Some(c) = circle(&top) {
        panic!(
            "top-level modules import each other in a circle: {}",
            c.join(" → ")
        );
    }
    if let Some(c) = circle(&files) {
        panic!("files import each other in a circle: {}", c.join(" → "));
    }
}

#[test]
fn the_deployment_tooling_stays_out_of_the_steps_reach() {
    let (top, _) = graph();
    let imports = |a: &str, b: &str| top.get(a).is_some_and(|s| s.contains(b));
    // The World and the steps know nothing of how a run is driven or reported.
    for run_mode in ["runner", "report", "results", "shard", "soak"] {
        assert!(!imports("steps", run_mode), "steps imports {run_mode}");
    }
    // The deployment checks and the report stand without the World.
    for tool in ["preflight", "report", "results"] {
        assert!(!imports(tool, "steps"), "{tool} imports steps");
    }
}
