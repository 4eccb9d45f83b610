//! The simulator's modules import each other without a circle, checked mechanically: every
//! `crate::…` path in `src/` (in `use` lines and inline, grouped `{…}` imports expanded;
//! comments and `#[cfg(test)]` modules left out) is an edge from the file that names it to
//! the module it names. Two graphs must be acyclic: top-level modules (`engine`, `api`,
//! `account`, …) and single files (`engine::invoices`, `api::invoices`, …). The crate root
//! (`lib.rs`, which wires everything) is not a node. A third check reads the handlers
//! (`api/`, `hosted/`, `control/`): none of them writes the store or emits an event itself.

#[path = "../../tests/support/module_graph.rs"]
mod scan;

use scan::{Source, circle};
use scan::{code, rust_files};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// (imports between top-level modules, imports between files).
fn graph() -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, BTreeSet<String>>,
) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let g = scan::graph(&[Source {
        dir: root.join("src"),
        mount: None,
    }]);
    (g.by_top, g.by_file)
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let (top, files) = graph();
    assert!(
        top.contains_key("api"),
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
fn the_layers_point_one_way() {
    let (top, _) = graph();
    let imports = |a: &str, b: &str| top.get(a).is_some_and(|s| s.contains(b));
    // The domain knows nothing of HTTP, pages, the control plane or delivery.
    for edge in [
        "api", "hosted", "control", "pipeline", "request", "routes", "webhooks",
    ] {
        assert!(!imports("engine", edge), "engine imports {edge}");
    }
    // State knows nothing of the domain or delivery.
    for low in ["account", "app", "store", "outbox", "secrets", "time"] {
        for high in ["engine", "api", "hosted", "control", "webhooks"] {
            assert!(!imports(low, high), "{low} imports {high}");
        }
    }
    // Handlers do not call each other: the API and the pages use the domain.
    assert!(!imports("hosted", "api"), "hosted imports api");
    assert!(!imports("control", "api"), "control imports api");
    assert!(!imports("api", "hosted") && !imports("api", "control"));
    // The Rust client speaks HTTP only: it uses nothing else of the simulator, and nothing
    // of the simulator uses it.
    assert!(
        !top.contains_key("client"),
        "client imports {:?}",
        top.get("client")
    );
    for (module, imported) in &top {
        assert!(!imported.contains("client"), "{module} imports client");
    }
}

#[test]
fn only_the_domain_changes_objects_and_emits_events() {
    // The handlers, the pages and the control plane call the domain (`engine/`) for every
    // change; they read the store but never write it or append to the outbox themselves.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for dir in ["api", "hosted", "control"] {
        rust_files(&src.join(dir), &mut files);
    }
    assert!(files.len() > 10, "the scan found the handlers: {files:?}");
    let writes = [
        ".emit(",
        "store.put(",
        "store.remove(",
        "get_kind_mut(",
        "get_mut(",
        "secrets.set(",
        "secrets.remove(",
    ];
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        for (n, line) in code(&text).lines().enumerate() {
            for w in writes {
                if line.contains(w) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "handlers change objects themselves:\n{}",
        found.join("\n")
    );
}
