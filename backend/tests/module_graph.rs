//! The backend's modules import each other without a circle, checked mechanically: every
//! `crate::…` path in `src/` (in `use` lines and inline, grouped `{…}` imports expanded;
//! comments and `#[cfg(test)]` modules left out) is an edge from the file that names it to
//! the module it names. Two graphs must be acyclic: top-level modules (`api`, `pages`,
//! `webhook`, …) and single files (`webhook::handler`, `api::checkout`, …). The crate root
//! (`lib.rs`, which wires everything) is not a node.

#[path = "../../tests/support/module_graph.rs"]
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
        top.contains_key("api") && top.contains_key("webhook"),
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
    // The JSON API and the pages are two faces of the same flows: neither uses the other.
    assert!(!imports("api", "pages"), "api imports pages");
    assert!(!imports("pages", "api"), "pages imports api");
    // Only the router knows every face.
    for face in ["api", "pages", "router"] {
        for low in [
            "state",
            "flows",
            "webhook",
            "ratelimit",
            "db",
            "stripe",
            "auth",
            "edge",
        ] {
            assert!(!imports(low, face), "{low} imports {face}");
        }
    }
    // The rate-limit core and the storage know nothing of HTTP's edge.
    for low in ["ratelimit", "db", "stripe", "plans", "config"] {
        assert!(!imports(low, "edge"), "{low} imports edge");
        assert!(!imports(low, "error"), "{low} imports error");
    }
}
