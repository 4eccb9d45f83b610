//! The deployment's environment: the process's own, a dotenv file (`--env-file`), or a map the
//! harness builds; and what the checks derive from it (mode, key, mapping, URLs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use billing::config::StripeMode;

use super::{Check, Summary};

/// Where the deployment's variables come from.
#[derive(Debug, Clone)]
pub enum EnvSource {
    /// The environment `golive preflight` runs in.
    Process,
    /// A dotenv file (`NAME=value` lines, `#` comments, optional `export`, quotes).
    File(PathBuf),
    /// Given variables (the harness, tests).
    Vars(BTreeMap<String, String>),
}

impl EnvSource {
    /// For the report's heading.
    pub fn describe(&self) -> String {
        match self {
            EnvSource::Process => "process environment".to_string(),
            EnvSource::File(path) => format!("env file {}", path.display()),
            EnvSource::Vars(_) => "given variables".to_string(),
        }
    }
}

/// The env file could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// No such file.
    #[error("the env file {0} does not exist")]
    Missing(PathBuf),
    /// It exists but cannot be read (permissions, a directory, not text).
    #[error("the env file {path} cannot be read: {cause}")]
    Unreadable {
        /// The path given.
        path: PathBuf,
        /// Why.
        cause: String,
    },
}

impl EnvError {
    /// What to do about it.
    pub fn fix(&self) -> String {
        match self {
            EnvError::Missing(_) => {
                "check the --env-file path (or omit it to check the process environment)".into()
            }
            EnvError::Unreadable { .. } => {
                "make the file readable by this user, or export the variables and omit --env-file"
                    .into()
            }
        }
    }
}

/// The variables, plus problems with lines that could not be read.
#[derive(Debug, Clone, Default)]
pub struct LoadedEnv {
    /// Name → value.
    pub vars: BTreeMap<String, String>,
    /// Heading text: where the variables came from.
    pub origin: String,
    /// The env file, when one was read.
    pub file: Option<PathBuf>,
    /// FAIL lines for malformed lines of the env file.
    pub problems: Vec<Check>,
}

/// Reads the variables from `source`.
pub fn load(source: &EnvSource) -> Result<LoadedEnv, EnvError> {
    match source {
        EnvSource::Process => Ok(LoadedEnv {
            // `std::env::vars()` panics on a non-UTF-8 variable; read them lossily instead.
            vars: std::env::vars_os()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        v.to_string_lossy().into_owned(),
                    )
                })
                .collect(),
            origin: source.describe(),
            file: None,
            problems: Vec::new(),
        }),
        EnvSource::Vars(vars) => Ok(LoadedEnv {
            vars: vars.clone(),
            origin: source.describe(),
            file: None,
            problems: Vec::new(),
        }),
        EnvSource::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => EnvError::Missing(path.clone()),
                _ => EnvError::Unreadable {
                    path: path.clone(),
                    cause: e.to_string(),
                },
            })?;
            let text = String::from_utf8(bytes).map_err(|_| EnvError::Unreadable {
                path: path.clone(),
                cause: "it is not UTF-8 text".into(),
            })?;
            let (vars, bad) = parse_dotenv(&text);
            let problems = if bad.is_empty() {
                Vec::new()
            } else {
                let lines: Vec<String> =
                    bad.iter().map(|(n, why)| format!("{n} ({why})")).collect();
                vec![Check::fail(
                    "1",
                    "env-file",
                    "The deployment's environment can be read",
                    format!(
                        "{} has lines that are not NAME=value, which were ignored: line {}",
                        path.display(),
                        lines.join(", line ")
                    ),
                    "write one NAME=value per line; quote values with spaces or # in them",
                )]
            };
            Ok(LoadedEnv {
                vars,
                origin: source.describe(),
                file: Some(path.clone()),
                problems,
            })
        }
    }
}

/// Parses dotenv text: `NAME=value`, `export NAME=value`, blank lines and `#` comments;
/// values may be `'single'` (literal) or `"double"` quoted (`\n`, `\"`, `\\` escapes) or bare
/// (a ` #` starts a comment). Returns the variables and the malformed lines (1-based, why).
pub fn parse_dotenv(text: &str) -> (BTreeMap<String, String>, Vec<(usize, &'static str)>) {
    let mut vars = BTreeMap::new();
    let mut bad = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            bad.push((index + 1, "no `=`"));
            continue;
        };
        let name = name.trim();
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            bad.push((index + 1, "not a variable name"));
            continue;
        }
        match parse_value(value.trim_start()) {
            Some(value) => {
                vars.insert(name.to_string(), value);
            }
            None => bad.push((index + 1, "unterminated quote")),
        }
    }
    (vars, bad)
}

fn parse_value(value: &str) -> Option<String> {
    if let Some(rest) = value.strip_prefix('\'') {
        let end = rest.find('\'')?;
        return Some(rest[..end].to_string());
    }
    if let Some(rest) = value.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        return None;
    }
    let bare = match value.find(" #") {
        Some(at) => &value[..at],
        None => value,
    };
    Some(bare.trim_end().to_string())
}

/// The deployment as the checks see it: its variables and what follows from them. Derived
/// leniently, so later sections can run even when §1 finds problems.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Every variable.
    pub vars: BTreeMap<String, String>,
    /// Where they came from.
    pub origin: String,
    /// The env file, when one was read (the secret scan skips it).
    pub env_file: Option<PathBuf>,
    /// `STRIPE_MODE` when it is `test` or `live`.
    pub declared_mode: Option<StripeMode>,
    /// The mode `STRIPE_SECRET_KEY`'s prefix implies.
    pub key_mode: Option<StripeMode>,
    /// The mode the deployment means to run in: `STRIPE_MODE`, else the key's.
    pub mode: Option<StripeMode>,
    /// The variable holding the mapping the mode uses, and its JSON.
    pub mapping: Option<(&'static str, String)>,
    /// `STRIPE_API_BASE` (default `https://api.stripe.com`), no trailing slash.
    pub api_base: String,
    /// `--public-url`, else `BILLING_PUBLIC_URL`, without a trailing slash.
    pub public_url: Option<String>,
}

impl Deployment {
    /// Derives the facts from the loaded variables.
    pub fn new(loaded: LoadedEnv, public_url: Option<String>) -> Deployment {
        let mut d = Deployment {
            vars: loaded.vars,
            origin: loaded.origin,
            env_file: loaded.file,
            declared_mode: None,
            key_mode: None,
            mode: None,
            mapping: None,
            api_base: String::new(),
            public_url: None,
        };
        d.declared_mode = match d.get("STRIPE_MODE") {
            Some("test") => Some(StripeMode::Test),
            Some("live") => Some(StripeMode::Live),
            _ => None,
        };
        d.key_mode = d.get("STRIPE_SECRET_KEY").and_then(StripeMode::of_key);
        d.mode = d.declared_mode.or(d.key_mode);
        // The same order the backend uses: the mode's own mapping, then the shared fallback.
        let candidates: &[&'static str] = match d.mode {
            Some(StripeMode::Live) => &[
                "STRIPE_PLAN_PRICE_MAPPING_LIVE",
                "STRIPE_PLAN_PRICE_MAPPING",
            ],
            Some(StripeMode::Test) => &[
                "STRIPE_PLAN_PRICE_MAPPING_TEST",
                "STRIPE_PLAN_PRICE_MAPPING",
            ],
            None => &[],
        };
        d.mapping = candidates
            .iter()
            .find_map(|name| d.get(name).map(|json| (*name, json.to_string())));
        d.api_base = d
            .get("STRIPE_API_BASE")
            .unwrap_or("https://api.stripe.com")
            .trim_end_matches('/')
            .to_string();
        d.public_url = public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .or_else(|| d.get("BILLING_PUBLIC_URL"))
            .map(|u| u.trim_end_matches('/').to_string());
        d
    }

    /// A set, non-blank variable, trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// `test`, `live` or `unknown`.
    pub fn mode_name(&self) -> &'static str {
        self.mode.map(StripeMode::as_str).unwrap_or("unknown")
    }

    /// True when the deployment means to run in live mode.
    pub fn is_live(&self) -> bool {
        self.mode == Some(StripeMode::Live)
    }

    /// `DATABASE_URL`.
    pub fn database_url(&self) -> Option<&str> {
        self.get("DATABASE_URL")
    }

    /// The report's heading.
    pub fn summary(&self) -> Summary {
        Summary {
            environment: self.origin.clone(),
            mode: self.mode.map(|m| m.as_str().to_string()),
            stripe_api_base: self.api_base.clone(),
            database: self.database_url().map(database_label),
            public_url: self.public_url.clone(),
        }
    }
}

/// `postgres://user:pw@host:5432/db?x` → `host:5432/db`: where, never who or the password.
pub fn database_label(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let rest = rest.rsplit_once('@').map(|(_, r)| r).unwrap_or(rest);
    rest.split('?').next().unwrap_or(rest).to_string()
}

/// True when `path` is `root` or lies under it (both canonicalised when possible).
pub fn is_within(path: &Path, root: &Path) -> bool {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    path.starts_with(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_reads_what_platforms_write() {
        let text = "# billing\n\
                    export STRIPE_MODE=live\n\
                    STRIPE_SECRET_KEY = sk_live_x   # the key\n\
                    MAPPING='{\"basic\":{\"monthly\":\"price_1\"}}'\n\
                    GREETING=\"a \\\"b\\\"\\nc\"\n\
                    EMPTY=\n\
                    \n\
                    not a line\n\
                    9BAD=x\n\
                    OPEN=\"never closed\n";
        let (vars, bad) = parse_dotenv(text);
        assert_eq!(vars["STRIPE_MODE"], "live");
        assert_eq!(vars["STRIPE_SECRET_KEY"], "sk_live_x");
        assert_eq!(vars["MAPPING"], "{\"basic\":{\"monthly\":\"price_1\"}}");
        assert_eq!(vars["GREETING"], "a \"b\"\nc");
        assert_eq!(vars["EMPTY"], "");
        assert_eq!(
            bad,
            [
                (8, "no `=`"),
                (9, "not a variable name"),
                (10, "unterminated quote")
            ]
        );
    }

    #[test]
    fn an_unreadable_env_file_is_an_error_not_a_panic() {
        let dir = std::env::temp_dir();
        match load(&EnvSource::File(dir.clone())) {
            Err(EnvError::Unreadable { path, .. }) => assert_eq!(path, dir),
            other => panic!("a directory is not an env file: {other:?}"),
        }
        assert!(matches!(
            load(&EnvSource::File("/nonexistent/x.env".into())),
            Err(EnvError::Missing(_))
        ));
    }

    #[test]
    fn mode_and_mapping_follow_the_backend_rules() {
        let loaded = LoadedEnv {
            vars: crate::preflight::vars([
                ("STRIPE_SECRET_KEY", "sk_test_x"),
                ("STRIPE_MODE", "live"),
                ("STRIPE_PLAN_PRICE_MAPPING", "{}"),
                ("STRIPE_PLAN_PRICE_MAPPING_TEST", "{\"t\":1}"),
                ("BILLING_PUBLIC_URL", "https://b.example.com/"),
            ]),
            ..LoadedEnv::default()
        };
        let d = Deployment::new(loaded, None);
        assert_eq!(d.mode, Some(StripeMode::Live), "STRIPE_MODE wins");
        assert_eq!(d.key_mode, Some(StripeMode::Test));
        assert_eq!(d.mapping.as_ref().unwrap().0, "STRIPE_PLAN_PRICE_MAPPING");
        assert_eq!(d.api_base, "https://api.stripe.com");
        assert_eq!(d.public_url.as_deref(), Some("https://b.example.com"));
        assert_eq!(
            database_label("postgres://u:secret@db.example.com:5432/billing?sslmode=require"),
            "db.example.com:5432/billing"
        );
    }
}
