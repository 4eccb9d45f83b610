//! §1 "No Stripe keys are committed to the repo": scans a source tree's text files for Stripe
//! secret keys (`sk_live_`, `sk_test_`, restricted `rk_live_` / `rk_test_`) and webhook signing
//! secrets (`whsec_`) followed by key-like characters, and reports `file:line` with the key's
//! kind prefix — never the key itself.
//!
//! It scans the working tree, not the Git history; `.git/`, `target/` and `node_modules/` are
//! skipped, as are symbolic links, binary files (a NUL byte near the start) and files over
//! 10 MiB. Placeholders such as `sk_live_…` or `sk_test_xxx` are too short to count: a match
//! needs at least [`MIN_KEY_CHARS`] letters or digits after the prefix (Stripe's keys have 24 or
//! more; webhook secrets 32).

use std::path::{Path, PathBuf};

use super::Check;

/// The prefixes looked for.
pub const PREFIXES: &[&str] = &["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"];

/// Letters or digits needed after a prefix for a match to look like a real key.
pub const MIN_KEY_CHARS: usize = 20;

/// Folders never scanned.
const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules"];

/// Files larger than this are not scanned.
const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// One committed secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file, relative to the scanned root.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// The key's kind (`sk_live_`): all that is ever shown of it.
    pub prefix: &'static str,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{} ({}…)",
            self.path.display(),
            self.line,
            self.prefix
        )
    }
}

/// The (line, prefix) of every key-like secret in `text`.
pub fn scan_text(text: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        for prefix in PREFIXES {
            let mut from = 0;
            while let Some(at) = line[from..].find(prefix) {
                let start = from + at;
                let after = &line[start + prefix.len()..];
                let key_chars = after
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .count();
                // `mask_live_…` is not `sk_live_…`: the prefix must start a word.
                let starts_word = line[..start]
                    .bytes()
                    .last()
                    .is_none_or(|b| !b.is_ascii_alphanumeric() && b != b'_');
                if starts_word && key_chars >= MIN_KEY_CHARS {
                    found.push((index + 1, *prefix));
                }
                from = start + prefix.len();
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// What a scan saw.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Every secret found, by path and line.
    pub findings: Vec<Finding>,
    /// Text files read.
    pub files: usize,
    /// True when the env file lay inside the tree and was left out.
    pub skipped_env_file: bool,
}

/// Scans `root` (a folder or one file), leaving out `skip` (the deployment's env file).
pub fn scan(root: &Path, skip: Option<&Path>) -> std::io::Result<Scan> {
    let skip = skip.and_then(|p| p.canonicalize().ok());
    let mut scan = Scan::default();
    let metadata = std::fs::metadata(root)?;
    if metadata.is_file() {
        let name = root.file_name().map(PathBuf::from).unwrap_or_default();
        scan_file(root, &name, &mut scan);
        return Ok(scan);
    }
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let mut entries: Vec<_> = match std::fs::read_dir(&folder) {
            Ok(entries) => entries.filter_map(Result::ok).collect(),
            // An unreadable sub-folder is left out rather than ending the scan.
            Err(_) => continue,
        };
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let name = entry.file_name();
                if !SKIPPED_DIRS.iter().any(|s| name == *s) {
                    folders.push(path);
                }
            } else if kind.is_file() {
                if skip.is_some() && path.canonicalize().ok() == skip {
                    scan.skipped_env_file = true;
                    continue;
                }
                let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                scan_file(&path, &relative, &mut scan);
            }
        }
    }
    scan.findings
        .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    Ok(scan)
}

fn scan_file(path: &Path, shown: &Path, scan: &mut Scan) {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_FILE_BYTES) {
        return;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return; // binary
    }
    scan.files += 1;
    let text = String::from_utf8_lossy(&bytes);
    for (line, prefix) in scan_text(&text) {
        scan.findings.push(Finding {
            path: shown.to_path_buf(),
            line,
            prefix,
        });
    }
}

const TITLE: &str = "No Stripe key or webhook secret is committed to the source tree";

/// How many findings a FAIL line lists before "and N more".
const SHOWN: usize = 8;

/// The §1 secret-scan checks of `sources` (none given: the scan is reported as not run).
pub fn checks(sources: &[PathBuf], env_file: Option<&Path>) -> Vec<Check> {
    if sources.is_empty() {
        return vec![Check::skip(
            "1",
            "committed-secrets",
            TITLE,
            "no source tree given (--source DIR)",
        )];
    }
    let mut out = Vec::new();
    for root in sources {
        let scan = match scan(root, env_file) {
            Ok(scan) => scan,
            Err(e) => {
                out.push(Check::fail(
                    "1",
                    "committed-secrets",
                    TITLE,
                    format!("cannot read the source tree {}: {e}", root.display()),
                    "pass an existing folder or file to --source",
                ));
                continue;
            }
        };
        if scan.findings.is_empty() {
            out.push(Check::pass(
                "1",
                "committed-secrets",
                TITLE,
                format!(
                    "{}: {} text files scanned, no key found",
                    root.display(),
                    scan.files
                ),
            ));
        } else {
            let mut listed: Vec<String> = scan
                .findings
                .iter()
                .take(SHOWN)
                .map(Finding::to_string)
                .collect();
            if scan.findings.len() > SHOWN {
                listed.push(format!("and {} more", scan.findings.len() - SHOWN));
            }
            out.push(Check::fail(
                "1",
                "committed-secrets",
                TITLE,
                format!(
                    "{} key(s) in {}: {}",
                    scan.findings.len(),
                    root.display(),
                    listed.join(", ")
                ),
                "roll every key found in the Stripe Dashboard (a committed key is compromised), remove it from the files and their Git history, and read it from the secret manager",
            ));
        }
        if scan.skipped_env_file {
            out.push(Check::warn(
                "1",
                "committed-secrets",
                "The deployment's env file is kept out of the repository",
                "the --env-file lies inside the source tree (it was not scanned)",
                "make sure it is listed in .gitignore and never committed",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preflight::Status;

    /// A key-like value built at run time, so this file itself holds no key to find.
    fn key(prefix: &str) -> String {
        format!("{prefix}{}", "a1B2".repeat(8))
    }

    #[test]
    fn finds_every_kind_of_key_and_ignores_placeholders() {
        let text = format!(
            "STRIPE_SECRET_KEY={}\n\
             placeholder sk_live_… and sk_test_xxx and whsec_YOUR_SECRET\n\
             api_key = \"{}\"; hook = '{}'\n\
             restricted {}\n\
             mask_live_{}\n",
            key("sk_live_"),
            key("sk_test_"),
            key("whsec_"),
            key("rk_live_"),
            "a1B2".repeat(8),
        );
        assert_eq!(
            scan_text(&text),
            [
                (1, "sk_live_"),
                (3, "sk_test_"),
                (3, "whsec_"),
                (4, "rk_live_")
            ]
        );
    }

    #[test]
    fn a_tree_scan_reports_file_and_line_and_never_the_key() {
        let root = std::env::temp_dir().join(format!(
            "golive_scan_{}",
            crate::steps::actors::random_suffix()
        ));
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::create_dir_all(root.join("target")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        let live = key("sk_live_");
        std::fs::write(
            root.join("config/settings.py"),
            format!("# settings\nDEBUG = False\nSTRIPE_KEY = '{live}'\n"),
        )
        .unwrap();
        std::fs::write(root.join("target/out.txt"), key("sk_live_")).unwrap();
        std::fs::write(root.join(".git/config"), key("whsec_")).unwrap();
        std::fs::write(root.join("logo.png"), [0u8, 1, 2, 3]).unwrap();
        std::fs::write(root.join(".env"), format!("STRIPE_SECRET_KEY={live}\n")).unwrap();

        let checks = checks(std::slice::from_ref(&root), Some(&root.join(".env")));
        std::fs::remove_dir_all(&root).ok();
        assert_eq!(checks[0].status, Status::Fail, "{checks:#?}");
        let detail = checks[0].detail.as_deref().unwrap();
        assert!(
            detail.contains("config/settings.py:3 (sk_live_…)"),
            "{detail}"
        );
        assert!(
            detail.starts_with("1 key(s)"),
            "target/ and .git/ are skipped: {detail}"
        );
        assert!(!detail.contains(&live[8..]), "the key leaked: {detail}");
        assert_eq!(checks[1].status, Status::Warn, "the env file in the tree");
    }

    #[test]
    fn no_source_is_not_run_and_a_missing_source_fails() {
        assert_eq!(checks(&[], None)[0].status, Status::Skip);
        let missing = checks(&[PathBuf::from("/nonexistent/golive-src")], None);
        assert_eq!(missing[0].status, Status::Fail);
    }
}
