//! One scanner for the workspace's module-graph tests (the harness's, the backend's and the
//! simulator's each include it by `#[path]`): every `crate::…` path in a crate's sources (in
//! `use` lines and inline, grouped `{…}` imports expanded; comments and `#[cfg(test)]`
//! modules left out) is an edge from the file that names it to the module it names. The
//! crate roots (`lib.rs`, `main.rs`) are not nodes.

#![allow(dead_code)] // each test uses the part it needs

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Who imports whom: between top-level modules, and between single files.
pub struct Graph {
    /// `engine` → {`objects`, `store`, …}.
    pub by_top: BTreeMap<String, BTreeSet<String>>,
    /// `engine::invoices` → {`objects`, `engine::payments`, …}.
    pub by_file: BTreeMap<String, BTreeSet<String>>,
}

/// Every `.rs` file under `dir`, into `out`.
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the sources") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A folder of sources and the module it is mounted as (`None`: the crate root's folder).
pub struct Source<'a> {
    /// The folder, e.g. `<crate>/src`.
    pub dir: PathBuf,
    /// `Some("steps")` when the crate root mounts the folder as `crate::steps`.
    pub mount: Option<&'a str>,
}

/// `src/engine/invoices.rs` → `engine::invoices`, `src/api/mod.rs` → `api`, a file of a
/// folder mounted as `steps` → `steps::…`; `None` for the crate roots.
fn module_of(sources: &[Source<'_>], file: &Path) -> Option<String> {
    let (source, rel) = sources
        .iter()
        .find_map(|s| Some((s, file.strip_prefix(&s.dir).ok()?.with_extension(""))))?;
    let mut parts: Vec<String> = source
        .mount
        .map(str::to_string)
        .into_iter()
        .chain(
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        )
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    match parts.as_slice() {
        [] => None,
        [one] if source.mount.is_none() && (one == "lib" || one == "main") => None,
        _ => Some(parts.join("::")),
    }
}

/// The code of a file without comments and without its `#[cfg(test)]` module.
pub fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &[u8], mut i: usize) -> (String, usize) {
    let start = i;
    while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
        i += 1;
    }
    (String::from_utf8_lossy(&s[start..i]).into_owned(), i)
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Parses a path (after `crate::`) with `{…}` groups into full segment lists.
fn paths(s: &[u8], i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut i = skip_ws(s, i);
    let mut segs = prefix;
    loop {
        if i < s.len() && s[i] == b'{' {
            i += 1;
            loop {
                i = skip_ws(s, i);
                if i >= s.len() || s[i] == b'}' {
                    return i + 1;
                }
                i = paths(s, i, segs.clone(), out);
                i = skip_ws(s, i);
                if i < s.len() && s[i] == b',' {
                    i += 1;
                }
            }
        }
        let (id, next) = ident(s, i);
        if id.is_empty() {
            out.push(segs);
            return i;
        }
        if id != "self" {
            segs.push(id);
        }
        i = next;
        if s[i..].starts_with(b"::") {
            i += 2;
            continue;
        }
        // `as name`, `;`, `,`, `}` or the rest of an expression.
        out.push(segs);
        let j = skip_ws(s, i);
        if s[j..].starts_with(b"as ") {
            let (_, k) = ident(s, skip_ws(s, j + 3));
            return k;
        }
        return i;
    }
}

/// The import graph of the crate made of `sources`.
pub fn graph(sources: &[Source<'_>]) -> Graph {
    let mut files = Vec::new();
    for s in sources {
        rust_files(&s.dir, &mut files);
    }
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(sources, f)).collect();
    let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut by_top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(from) = module_of(sources, f) else {
            continue;
        };
        let text = code(&std::fs::read_to_string(f).expect("read"));
        let s = text.as_bytes();
        let mut found = Vec::new();
        let mut at = 0;
        while let Some(k) = text[at..].find("crate::") {
            let i = at + k;
            let preceded = i > 0 && (s[i - 1].is_ascii_alphanumeric() || s[i - 1] == b'_');
            at = if preceded {
                i + 7
            } else {
                paths(s, i + 7, Vec::new(), &mut found).max(i + 7)
            };
        }
        for segs in found {
            // The longest prefix that is a module file.
            let to = (1..=segs.len())
                .rev()
                .map(|n| segs[..n].join("::"))
                .find(|m| modules.contains(m));
            let Some(to) = to else { continue };
            if to != from && !from.starts_with(&format!("{to}::")) {
                by_file.entry(from.clone()).or_default().insert(to.clone());
            }
            let (a, b) = (top(&from), top(&to));
            if a != b {
                by_top
                    .entry(a.to_string())
                    .or_default()
                    .insert(b.to_string());
            }
        }
    }
    Graph { by_top, by_file }
}

/// The top-level module of `m` (`engine::invoices` → `engine`).
pub fn top(m: &str) -> &str {
    m.split("::").next().unwrap_or(m)
}

/// A circle in `g`, if any, as the modules along it.
pub fn circle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        n: &str,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()) {
                Some(1) => {
                    let i = stack.iter().position(|x| x == m).unwrap_or(0);
                    let mut c = stack[i..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(g, m, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if !state.contains_key(n.as_str())
            && let Some(c) = visit(g, n, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}
