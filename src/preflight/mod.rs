//! `golive preflight`: checks one deployment — its environment, its Stripe account (through
//! `STRIPE_API_BASE`) and its database (`DATABASE_URL`) — against the go-live checklist's
//! sections 1–4 and 9, and says for each item PASS, WARN or FAIL, with the fix for a FAIL.
//!
//! One module per checklist section, each a function from what was gathered to [`Check`]s:
//! - [`config`] (§1): the backend's own start-up validation (`billing::Config::from_vars`)
//!   split into the checklist's items, plus admins, `DISABLE_AUTH` and an explicit mode;
//! - [`secrets`] (§1): no Stripe key or webhook secret committed in a source tree;
//! - [`prices`] (§2): every mapped price exists in the account, is active, recurring with the
//!   cycle's interval, and in the deployment's mode;
//! - [`database`] (§3, and §2's plan rows): tables, migrations, a plan row per mapped tier;
//! - [`webhooks`] (§4): an enabled HTTPS endpoint for the backend's public URL with the
//!   checklist's events;
//! - [`live`] (§9): no test key or test price id in a live configuration.
//!
//! [`env`] reads the deployment's environment (the process's, or a dotenv file); [`stripe`]
//! opens the Stripe account; [`render`] prints the report as text or JSON.
//!
//! Bad input never panics: an unreadable env file, an unreachable Stripe API or database, or a
//! key Stripe refuses each give one FAIL line with the cause, and the checks that needed that
//! part are listed as not run (SKIP).

pub mod config;
pub mod database;
pub mod env;
pub mod live;
pub mod prices;
pub mod render;
pub mod secrets;
pub mod stripe;
pub mod webhooks;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;

use self::env::{Deployment, EnvSource};

/// The verdict on one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// The deployment meets the item.
    Pass,
    /// Allowed, but worth a look before launch (a recommendation of the checklist).
    Warn,
    /// The deployment does not meet the item: fix it before launch.
    Fail,
    /// Not run, because a part it needs (Stripe, the database, the environment) is unavailable
    /// or the item does not apply (§9 in a test deployment).
    Skip,
}

impl Status {
    /// `PASS`, `WARN`, `FAIL` or `SKIP`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The checklist section the check proves: `1`, `2`, `3`, `4` or `9`.
    pub item: &'static str,
    /// A stable name for machines and the checklist report (`stripe-keys`, `price`, …).
    pub id: &'static str,
    /// The verdict.
    pub status: Status,
    /// What is checked, in the checklist's words.
    pub title: String,
    /// What was found (never a secret beyond its prefix).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For a FAIL or WARN: what to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    /// A PASS with what was found.
    pub fn pass(
        item: &'static str,
        id: &'static str,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Check {
        Check {
            item,
            id,
            status: Status::Pass,
            title: title.into(),
            detail: Some(detail.into()).filter(|d: &String| !d.is_empty()),
            fix: None,
        }
    }

    /// A FAIL: what was found and the fix.
    pub fn fail(
        item: &'static str,
        id: &'static str,
        title: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            status: Status::Fail,
            fix: Some(fix.into()),
            ..Check::pass(item, id, title, detail)
        }
    }

    /// A WARN: what was found and what to consider.
    pub fn warn(
        item: &'static str,
        id: &'static str,
        title: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            status: Status::Warn,
            ..Check::fail(item, id, title, detail, fix)
        }
    }

    /// Not run, and why.
    pub fn skip(
        item: &'static str,
        id: &'static str,
        title: impl Into<String>,
        reason: impl Into<String>,
    ) -> Check {
        Check {
            status: Status::Skip,
            detail: Some(format!("not run: {}", reason.into())),
            ..Check::pass(item, id, title, "")
        }
    }
}

/// What was checked, for the report's heading (no secrets).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Where the environment came from: `process environment` or the env file's path.
    pub environment: String,
    /// `test` or `live`, when it could be told.
    pub mode: Option<String>,
    /// The Stripe API checked.
    pub stripe_api_base: String,
    /// The database checked, as `host:port/name` (no credentials).
    pub database: Option<String>,
    /// The backend's public URL, when given.
    pub public_url: Option<String>,
}

/// How many checks ended how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// PASS lines.
    pub pass: usize,
    /// WARN lines.
    pub warn: usize,
    /// FAIL lines.
    pub fail: usize,
    /// Checks not run.
    pub skip: usize,
}

/// The preflight's answer: every check, in checklist order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// True when no check failed.
    pub ready: bool,
    /// What was checked.
    pub deployment: Summary,
    /// Counts by status.
    pub counts: Counts,
    /// Every check, ordered by checklist item (stable within an item).
    pub checks: Vec<Check>,
}

impl Report {
    /// Orders `checks` by item and counts them.
    pub fn new(deployment: Summary, mut checks: Vec<Check>) -> Report {
        checks.sort_by_key(|c| c.item.parse::<u32>().unwrap_or(u32::MAX));
        let mut counts = Counts::default();
        for c in &checks {
            match c.status {
                Status::Pass => counts.pass += 1,
                Status::Warn => counts.warn += 1,
                Status::Fail => counts.fail += 1,
                Status::Skip => counts.skip += 1,
            }
        }
        Report {
            ready: counts.fail == 0,
            deployment,
            counts,
            checks,
        }
    }

    /// The checks of checklist item `item`.
    pub fn item<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Check> + 'a {
        self.checks.iter().filter(move |c| c.item == item)
    }

    /// Process exit code: success only when nothing failed.
    pub fn exit_code(&self) -> ExitCode {
        if self.ready {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct Options {
    /// The deployment's environment.
    pub env: EnvSource,
    /// Source trees (or single files) to scan for committed keys; none = the scan is not run.
    pub sources: Vec<PathBuf>,
    /// The backend's public base URL (`https://billing.example.com`); overrides
    /// `BILLING_PUBLIC_URL` of the environment.
    pub public_url: Option<String>,
    /// How long to wait for Stripe or the database before calling them unreachable.
    pub timeout: Duration,
}

impl Default for Options {
    /// The process environment, no source scan, a 15-second timeout.
    fn default() -> Self {
        Options {
            env: EnvSource::Process,
            sources: Vec::new(),
            public_url: None,
            timeout: Duration::from_secs(15),
        }
    }
}

/// The sections whose checks cannot run without an environment.
const SECTIONS: &[(&str, &str)] = &[
    ("1", "Configuration & environment"),
    ("2", "Prices, plans and mapping"),
    ("3", "Database & migrations"),
    ("4", "Webhook setup"),
    ("9", "Final production switch"),
];

/// Runs every check and returns the report; never panics on bad input.
pub async fn run(options: &Options) -> Report {
    // reqwest and sqlx use rustls with the ring provider; install it once for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let loaded = match env::load(&options.env) {
        Ok(loaded) => loaded,
        Err(e) => {
            let mut checks = vec![Check::fail(
                "1",
                "env-file",
                "The deployment's environment can be read",
                e.to_string(),
                e.fix(),
            )];
            for (item, title) in SECTIONS {
                checks.push(Check::skip(
                    item,
                    "section",
                    *title,
                    "no environment to check",
                ));
            }
            let summary = Summary {
                environment: options.env.describe(),
                ..Summary::default()
            };
            return Report::new(summary, checks);
        }
    };
    let mut checks = loaded.problems.clone();
    let deployment = Deployment::new(loaded, options.public_url.clone());
    checks.extend(config::checks(&deployment));
    checks.extend(secrets::checks(
        &options.sources,
        deployment.env_file.as_deref(),
    ));

    let (account_check, account) = stripe::open(&deployment, options.timeout).await;
    checks.push(account_check);
    let (price_checks, price_facts) = prices::checks(&deployment, account.as_ref()).await;
    checks.extend(price_checks);
    checks.extend(database::checks(&deployment, options.timeout).await);
    checks.extend(webhooks::checks(&deployment, account.as_ref()));
    checks.extend(live::checks(&deployment, &price_facts));
    Report::new(deployment.summary(), checks)
}

/// The verdicts as `golive report` reads them (`reports/preflight.json`): an array of
/// `{item, status, description, id, detail?, fix?}`.
pub fn verdicts_json(report: &Report) -> String {
    let verdicts: Vec<serde_json::Value> = report
        .checks
        .iter()
        .map(|c| {
            let mut v = serde_json::json!({
                "item": c.item,
                "status": c.status.label(),
                "description": c.title,
                "id": c.id,
            });
            if let Some(detail) = &c.detail {
                v["detail"] = detail.as_str().into();
            }
            if let Some(fix) = &c.fix {
                v["fix"] = fix.as_str().into();
            }
            v
        })
        .collect();
    serde_json::to_string_pretty(&verdicts).unwrap_or_else(|_| "[]".to_string())
}

/// `golive preflight`: runs [`run`] on a fresh runtime, prints the report (text or JSON), saves
/// the verdicts for `golive report` in `save_dir` (when given) and returns the exit code
/// (non-zero on any FAIL).
pub fn main_with(options: Options, json: bool, save_dir: Option<PathBuf>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("golive preflight: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = runtime.block_on(run(&options));
    if let Some(dir) = save_dir {
        let path = dir.join(crate::report::PREFLIGHT_FILE);
        let saved = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, verdicts_json(&report) + "\n"));
        if let Err(e) = saved {
            eprintln!(
                "golive preflight: could not save the verdicts to {}: {e}",
                path.display()
            );
        }
    }
    if json {
        println!("{}", render::json(&report));
    } else {
        print!("{}", render::text(&report));
    }
    report.exit_code()
}

/// A deployment's variables from `(name, value)` pairs (for tests and the harness).
pub fn vars<I, K, V>(pairs: I) -> BTreeMap<String, String>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

/// An error and its causes, `: `-joined (reqwest and sqlx hide the cause in `source()`).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_orders_by_item_and_fails_on_any_fail() {
        let report = Report::new(
            Summary::default(),
            vec![
                Check::pass("9", "a", "nine", ""),
                Check::warn("2", "b", "two", "d", "f"),
                Check::pass("1", "c", "one", ""),
                Check::skip("3", "d", "three", "why"),
            ],
        );
        let items: Vec<_> = report.checks.iter().map(|c| c.item).collect();
        assert_eq!(items, ["1", "2", "3", "9"]);
        assert!(report.ready, "warnings and skips do not fail");
        assert_eq!(report.counts.warn, 1);
        assert_eq!(report.checks[2].detail.as_deref(), Some("not run: why"));
        let failed = Report::new(
            Summary::default(),
            vec![Check::fail("4", "e", "four", "d", "f")],
        );
        assert!(!failed.ready);
        assert_eq!(failed.exit_code(), ExitCode::FAILURE);
    }

    #[test]
    fn the_saved_verdicts_are_what_golive_report_reads() {
        let report = Report::new(
            Summary::default(),
            vec![
                Check::fail("4", "webhook-https", "The webhook URL uses HTTPS", "d", "f"),
                Check::skip("9", "live-keys", "No test key", "test deployment"),
            ],
        );
        let verdicts: Vec<crate::report::PreflightVerdict> =
            serde_json::from_str(&verdicts_json(&report)).expect("golive report reads them");
        assert_eq!(verdicts.len(), 2);
        assert_eq!(verdicts[0].item, "4");
        assert_eq!(verdicts[0].status, "FAIL");
        assert_eq!(verdicts[0].description, "The webhook URL uses HTTPS");
        assert_eq!(verdicts[1].status, "SKIP");
    }

    #[tokio::test]
    async fn a_missing_env_file_is_one_fail_line_and_nothing_else_runs() {
        let options = Options {
            env: EnvSource::File(PathBuf::from("/nonexistent/golive/deploy.env")),
            ..Options::default()
        };
        let report = run(&options).await;
        let fails: Vec<_> = report
            .checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .collect();
        assert_eq!(fails.len(), 1, "{report:?}");
        assert!(
            fails[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("does not exist")
        );
        assert!(
            report
                .checks
                .iter()
                .all(|c| c.status == Status::Fail || c.status == Status::Skip)
        );
    }
}
