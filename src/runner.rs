//! Runs the features: starts the run's environment, runs the chosen scenarios (a few at a time),
//! tears the environment down, and prints the wall time, the slowest scenarios and the closing
//! line CI reads: `scenarios: N passed, M failed, K skipped`.

use std::fs::File;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use cucumber::codegen::Regex;
use cucumber::event::ScenarioFinished;
use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::writer::Stats as _;
use cucumber::{World as _, WriterExt as _, writer};
use futures::FutureExt as _;

use crate::report;
use crate::results::{self, Outcome, RunRecord, ScenarioResult, ScenarioStatus};
use crate::selection::all_tags;
use crate::steps::browser::{self, artifacts, gate};
use crate::steps::environment;
use crate::steps::target::Target;
use crate::steps::world::Rehearsal;

/// Scenarios run at once. Each has its own backend and database, so they are independent; a
/// handful keeps a 2-core machine busy without starving the simulator's webhook deliveries.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// How many of the slowest scenarios the summary lists.
const SLOWEST_SHOWN: usize = 5;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// A `.feature` file or a folder of them.
    pub features: PathBuf,
    /// Run only scenarios whose tags satisfy this expression (`@smoke and not @sim-only`).
    pub tags: Option<TagOperation>,
    /// Run only scenarios whose name matches this regular expression.
    pub name: Option<Regex>,
    /// Scenarios run at once.
    pub concurrency: usize,
    /// Also write a JUnit XML report here (for CI dashboards).
    pub junit: Option<PathBuf>,
    /// Stop starting new scenarios after the first failure.
    pub fail_fast: bool,
    /// Save the run and write the checklist report into this folder (`golive run` does).
    pub report_dir: Option<PathBuf>,
    /// Where the scenarios run.
    pub target: Target,
    /// Run only this slice of the selected scenarios (the others belong to other runners and
    /// are not recorded).
    pub shard: Option<crate::shard::Shard>,
    /// Run only these scenarios (`--rerun-failed`: the ones that failed in the saved run).
    pub only: Option<std::collections::BTreeSet<crate::selection::ScenarioKey>>,
    /// Also write a Cucumber JSON report here (for the reporting tools teams already use).
    pub json: Option<PathBuf>,
}

impl Default for RunOptions {
    /// Every feature in the repository's `features/` folder, four at a time.
    fn default() -> Self {
        RunOptions {
            features: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/features")),
            tags: None,
            name: None,
            concurrency: DEFAULT_CONCURRENCY,
            junit: None,
            fail_fast: false,
            report_dir: None,
            target: Target::Simulator,
            shard: None,
            only: None,
            json: None,
        }
    }
}

/// A tag expression as people write it (`@smoke and not @sim-only`), with a clear error.
pub fn parse_tag_expression(expression: &str) -> Result<TagOperation, BadTagExpression> {
    TagOperation::from_str(expression).map_err(|e| BadTagExpression {
        expression: expression.to_string(),
        reason: e.to_string(),
    })
}

/// A `--tags` value that is no tag expression.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid tag expression {expression:?}: {reason}")]
pub struct BadTagExpression {
    /// The text given.
    pub expression: String,
    /// Where and why the parser stopped.
    pub reason: String,
}

/// Runs the features on a fresh multi-threaded runtime, prints the summary and the closing line,
/// and returns the process exit code (non-zero on any failure, or when nothing ran).
pub fn main_with(options: RunOptions) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("golive: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let report_dir = options.report_dir.clone();
    let shard = options.shard.map(|s| s.to_string());
    let shard_name = shard.clone();
    let artifacts_base = report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(report::DEFAULT_DIR));
    match runtime.block_on(run(options)) {
        Ok((outcome, results)) => {
            print_summary(&results, started.elapsed(), &artifacts_base);
            if let Some(dir) = report_dir {
                let record = RunRecord {
                    finished_at: now_rfc3339(),
                    summary: outcome.line(),
                    wall_ms: results::millis(started.elapsed()),
                    scenarios: results,
                    shard: shard_name,
                };
                match report::write_from_run(&dir, &record) {
                    Ok(line) => {
                        println!("{line} (report: {})", dir.join("checklist.html").display())
                    }
                    Err(e) => eprintln!("golive: the checklist report was not written: {e}"),
                }
            }
            // A shard may hold none of a small selection; the other shards ran it.
            let empty_shard = shard.is_some() && outcome.passed + outcome.failed == 0;
            if empty_shard {
                println!("golive: this shard holds none of the selected scenarios");
            }
            println!("{}", outcome.line());
            if outcome.succeeded() || empty_shard {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("golive: {e}");
            println!(
                "{}",
                Outcome {
                    passed: 0,
                    failed: 1,
                    skipped: 0
                }
                .line()
            );
            ExitCode::FAILURE
        }
    }
}

fn print_summary(
    results: &[ScenarioResult],
    wall: std::time::Duration,
    report_dir: &std::path::Path,
) {
    // Listed again here because the hook's lines are lost among the scenarios' output.
    let with_artifacts: Vec<&ScenarioResult> =
        results.iter().filter(|r| !r.artifacts.is_empty()).collect();
    if !with_artifacts.is_empty() {
        println!("what the browser showed when these scenarios failed:");
        for result in with_artifacts {
            println!("  {} — {}:", result.feature, result.scenario);
            for file in &result.artifacts {
                println!("    {}", report_dir.join(file).display());
            }
        }
    }
    println!("suite wall time: {:.1} s", wall.as_secs_f64());
    let slowest = results::slowest(results, SLOWEST_SHOWN);
    if !slowest.is_empty() {
        println!("slowest scenarios:");
        for result in slowest {
            println!(
                "  {:>6} ms  {} — {}",
                result.duration_ms, result.feature, result.scenario
            );
        }
    }
}

/// Why a run could not take place.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The environment (database, simulator) did not start.
    #[error(transparent)]
    Environment(#[from] environment::EnvironmentError),
    /// A report file (JUnit, Cucumber JSON) could not be created.
    #[error("cannot write the report {path}: {source}")]
    Junit {
        /// The path asked for.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Creates a report file and its folder.
fn create_report_file(path: &std::path::Path) -> Result<Box<dyn std::io::Write>, RunError> {
    let failed = |source| RunError::Junit {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    Ok(Box::new(File::create(path).map_err(failed)?))
}

/// Starts the environment, runs the features, tears the environment down; returns the counts
/// and every scenario's result.
pub async fn run(options: RunOptions) -> Result<(Outcome, Vec<ScenarioResult>), RunError> {
    let junit: Box<dyn std::io::Write> = match &options.junit {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| RunError::Junit {
                    path: path.clone(),
                    source,
                })?;
            }
            Box::new(File::create(path).map_err(|source| RunError::Junit {
                path: path.clone(),
                source,
            })?)
        }
        None => Box::new(std::io::sink()),
    };
    let json: Box<dyn std::io::Write> = match &options.json {
        Some(path) => create_report_file(path)?,
        None => Box::new(std::io::sink()),
    };
    environment::start(&options.target).await?;
    results::take_all(); // a fresh record for this run
    let mut cucumber = Rehearsal::cucumber()
        .with_writer(
            writer::Basic::raw(std::io::stdout(), writer::Coloring::Auto, 0)
                .summarized()
                .tee::<Rehearsal, _>(writer::JUnit::for_tee(junit, 0))
                .tee::<Rehearsal, _>(writer::Json::for_tee(json))
                .normalized(),
        )
        .with_default_cli()
        .max_concurrent_scenarios(options.concurrency.max(1));
    if options.fail_fast {
        cucumber = cucumber.fail_fast();
    }
    let selection = crate::selection::Selection {
        tags: options.tags.clone(),
        name: options.name.clone(),
        shard: options.shard,
        only: options.only.clone(),
    };
    let target = options.target.clone();
    // Looked up once: whether @browser scenarios can run here, and what a missing browser means.
    let (browsers, browser_policy) = (browser::find_binaries(), gate::Policy::from_env());
    // A failed browser scenario's screenshot and page go next to the report, even when this run
    // writes none (`cargo test`), so there is one place to look.
    let report_dir = options
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(report::DEFAULT_DIR));
    let writer = cucumber
        .fail_on_skipped()
        .after(move |feature, rule, scenario, finished, world| {
            let report_dir = report_dir.clone();
            async move {
                let duration_ms = world
                    .as_ref()
                    .map(|w| results::millis(w.started.elapsed()))
                    .unwrap_or(0);
                let status = status_of(finished);
                let mut saved = Vec::new();
                if let Some(world) = world {
                    // Before the world is finished: finishing closes the browser.
                    if matches!(status, ScenarioStatus::Failed { .. })
                        && let Some(browser) = world.open_browser()
                    {
                        let slug = artifacts::scenario_slug(
                            &feature.name,
                            &scenario.name,
                            scenario.position.line,
                        );
                        saved = save_artifacts(browser, &report_dir, &slug, &scenario.name).await;
                    }
                    world.finish().await;
                }
                results::record(ScenarioResult {
                    feature: feature.name.clone(),
                    scenario: scenario.name.clone(),
                    tags: all_tags(feature, rule, scenario),
                    status,
                    duration_ms,
                    artifacts: saved,
                });
            }
            .boxed_local()
        })
        .filter_run(options.features.clone(), move |feature, rule, scenario| {
            if !selection.contains(feature, rule, scenario) {
                return false;
            }
            let scenario_tags = all_tags(feature, rule, scenario);
            let status = match target.runs(&scenario_tags) {
                Err(reason) => ScenarioStatus::Skipped { reason },
                Ok(()) => match gate::gate(&scenario_tags, &browsers, browser_policy) {
                    gate::Gate::Run => return true,
                    gate::Gate::Skip(reason) => ScenarioStatus::Skipped { reason },
                    gate::Gate::Fail(message) => {
                        // Not run, so cucumber's output will not show it; say it here.
                        println!(
                            "golive: {} — {}: failed without running: {message}",
                            feature.name, scenario.name
                        );
                        ScenarioStatus::Failed {
                            step: None,
                            message,
                        }
                    }
                },
            };
            results::record(ScenarioResult {
                feature: feature.name.clone(),
                scenario: scenario.name.clone(),
                tags: scenario_tags,
                status,
                duration_ms: 0,
                artifacts: vec![],
            });
            false
        })
        .await;
    environment::teardown().await;
    browser::shutdown().await;
    let results = results::take_all();
    let outcome = Outcome::count(&results, writer.parsing_errors() + writer.hook_errors());
    Ok((outcome, results))
}

/// Saves a failed scenario's screenshot and page, prints where, and returns the paths relative
/// to the report folder for its result.
async fn save_artifacts(
    browser: &browser::Browser,
    report_dir: &std::path::Path,
    slug: &str,
    scenario: &str,
) -> Vec<String> {
    let (saved, problems) = artifacts::save(browser, report_dir, slug).await;
    for problem in problems {
        eprintln!("golive: {scenario}: {problem}");
    }
    if !saved.is_empty() {
        let shown: Vec<String> = saved
            .iter()
            .map(|file| report_dir.join(file).display().to_string())
            .collect();
        println!(
            "golive: {scenario} failed; the browser showed: {}",
            shown.join(", ")
        );
    }
    saved
}

/// Our record of cucumber's verdict. A step with no definition fails the scenario: an undefined
/// step in a feature is a mistake, not something to skip quietly.
fn status_of(finished: &ScenarioFinished) -> ScenarioStatus {
    match finished {
        ScenarioFinished::StepPassed => ScenarioStatus::Passed,
        ScenarioFinished::StepSkipped => ScenarioStatus::Failed {
            step: None,
            message: "a step has no definition (see STEPS.md for the phrases that exist)"
                .to_string(),
        },
        ScenarioFinished::StepFailed(_, location, error) => ScenarioStatus::Failed {
            step: location.map(|l| format!("{}:{}", l.path, l.line)),
            message: error.to_string(),
        },
        ScenarioFinished::BeforeHookFailed(_) => ScenarioStatus::Failed {
            step: None,
            message: "the scenario's set-up failed".to_string(),
        },
    }
}

/// The current time as RFC 3339 (UTC).
fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cucumber::tag::Ext as _;

    #[test]
    fn the_closing_line_has_the_shape_ci_reads() {
        let outcome = Outcome {
            passed: 5,
            failed: 1,
            skipped: 0,
        };
        assert_eq!(outcome.line(), "scenarios: 5 passed, 1 failed, 0 skipped");
        assert!(!outcome.succeeded());
        assert!(
            !Outcome {
                passed: 0,
                failed: 0,
                skipped: 0
            }
            .succeeded()
        );
    }

    #[test]
    fn parse_errors_and_hook_errors_count_as_failures() {
        let passed = ScenarioResult {
            feature: "f".into(),
            scenario: "s".into(),
            tags: vec![],
            status: ScenarioStatus::Passed,
            duration_ms: 1,
            artifacts: vec![],
        };
        let outcome = Outcome::count(&[passed], 2);
        assert_eq!(
            outcome,
            Outcome {
                passed: 1,
                failed: 2,
                skipped: 0
            }
        );
    }

    #[test]
    fn tag_expressions_select_by_feature_and_scenario_tags() {
        let expression = parse_tag_expression("@smoke and not @sim-only").unwrap();
        assert!(expression.eval(["checklist-6.1", "smoke"].iter()));
        assert!(!expression.eval(["smoke", "sim-only"].iter()));
        assert!(parse_tag_expression("@smoke and and").is_err());
    }
}
