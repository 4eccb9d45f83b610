//! Runs the features: starts the run's environment, runs every scenario (a few at a time), tears
//! the environment down, and prints the closing line CI reads:
//! `scenarios: N passed, M failed, K skipped`.

use std::path::PathBuf;
use std::process::ExitCode;

use cucumber::World as _;
use cucumber::writer::Stats as _;
use futures::FutureExt as _;

use crate::environment;
use crate::world::Rehearsal;

/// Scenarios run at once. Each has its own backend and database, so they are independent; a
/// handful keeps a 2-core machine busy without starving the simulator's webhook deliveries.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// A `.feature` file or a folder of them.
    pub features: PathBuf,
    /// Run only scenarios carrying one of these tags (without `@`); empty means all.
    pub tags: Vec<String>,
    /// Scenarios run at once.
    pub concurrency: usize,
}

impl Default for RunOptions {
    /// Every feature in the repository's `features/` folder.
    fn default() -> Self {
        RunOptions {
            features: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/features")),
            tags: Vec::new(),
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// How a run ended, counted in scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Scenarios whose every step passed.
    pub passed: usize,
    /// Failed scenarios, plus parsing and hook errors (each counts as a failure).
    pub failed: usize,
    /// Scenarios skipped (a step with no definition fails instead: see `fail_on_skipped`).
    pub skipped: usize,
}

impl Outcome {
    /// The closing line CI and people read.
    pub fn line(&self) -> String {
        format!(
            "scenarios: {} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }

    /// True when nothing failed and at least one scenario ran.
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.passed > 0
    }
}

/// Runs the features on a fresh multi-threaded runtime, prints the closing line, and returns
/// the process exit code (non-zero on any failure, or when nothing ran).
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
    let outcome = runtime.block_on(run(options));
    match outcome {
        Ok(outcome) => {
            println!("{}", outcome.line());
            if outcome.succeeded() {
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

/// Starts the environment, runs the features, tears the environment down.
pub async fn run(options: RunOptions) -> Result<Outcome, environment::EnvironmentError> {
    environment::start().await?;
    let tags = options.tags.clone();
    let writer = Rehearsal::cucumber()
        .with_default_cli()
        .max_concurrent_scenarios(options.concurrency.max(1))
        .fail_on_skipped()
        .after(|_feature, _rule, _scenario, _finished, world| {
            async move {
                if let Some(world) = world {
                    world.finish().await;
                }
            }
            .boxed_local()
        })
        .filter_run(options.features.clone(), move |feature, rule, scenario| {
            tags.is_empty()
                || feature
                    .tags
                    .iter()
                    .chain(rule.map(|r| r.tags.iter()).into_iter().flatten())
                    .chain(scenario.tags.iter())
                    .any(|t| tags.iter().any(|wanted| wanted == t))
        })
        .await;
    environment::teardown().await;
    let scenarios = writer.inner_writer().scenarios_stats();
    Ok(Outcome {
        passed: scenarios.passed,
        failed: scenarios.failed + writer.parsing_errors() + writer.hook_errors(),
        skipped: scenarios.skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::Outcome;

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
}
