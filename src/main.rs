//! `golive`: rehearse a Stripe subscription launch. `cargo run` runs every feature of the go-live
//! checklist against the Stripe simulator, the billing backend and PostgreSQL, and prints a
//! summary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cucumber::codegen::Regex;
use golive::runner::{DEFAULT_CONCURRENCY, RunOptions, parse_tag_expression};
use golive::steps::target::{Target, stripe_test_from_env};

#[derive(Parser)]
#[command(
    name = "golive",
    version,
    about = "Rehearse a Stripe subscription launch before real money moves"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the features (the default when no command is given).
    Run(RunArgs),
    /// Print the step catalog: every step phrase the features may use (Markdown).
    Steps,
    /// Write the checklist report (Markdown, HTML, JSON) from the last run and preflight.
    Report(ReportArgs),
    /// Check a deployment (environment, Stripe account, database) against checklist §1–4 and §9.
    Preflight(PreflightArgs),
    /// Chaos soak: run seeded flows twice, once while deliveries are dropped, duplicated,
    /// delayed and reordered and the backend is killed, and compare the final tables.
    Soak(SoakArgs),
}

#[derive(clap::Args)]
struct SoakArgs {
    /// Users, each with a flow (subscribe, renew, fail, cancel, dispute, fraud warning); about
    /// nine events each.
    #[arg(long, default_value_t = 120)]
    flows: usize,
    /// Seed of the flows and the fault schedule (the same seed replays the same soak).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Times the backend is killed and restarted during the faulty run.
    #[arg(long, default_value_t = 4)]
    restarts: usize,
    /// Users acting at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

#[derive(clap::Args)]
struct PreflightArgs {
    /// Read the deployment's variables from this dotenv file [default: the process environment].
    #[arg(long, value_name = "FILE")]
    env_file: Option<PathBuf>,
    /// A source tree (or file) to scan for committed Stripe keys; may be repeated.
    #[arg(long = "source", value_name = "DIR")]
    sources: Vec<PathBuf>,
    /// The backend's public base URL, e.g. https://billing.example.com [default: BILLING_PUBLIC_URL].
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Where to save the verdicts (preflight.json) for `golive report`.
    #[arg(long, value_name = "DIR", default_value = golive::report::DEFAULT_DIR)]
    report_dir: PathBuf,
    /// Do not save the verdicts.
    #[arg(long)]
    no_save: bool,
    /// Seconds to wait for Stripe or the database before calling them unreachable.
    #[arg(long, value_name = "SECONDS", default_value_t = 15)]
    timeout: u64,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// The folder holding last-run.json and preflight.json; the report is written there too.
    #[arg(long, value_name = "DIR", default_value = golive::report::DEFAULT_DIR)]
    dir: PathBuf,
    /// A checklist file to use instead of the built-in one (a newer checklist version).
    #[arg(long, value_name = "FILE")]
    checklist: Option<PathBuf>,
    /// Join the runs saved in these folders (one per shard) into one report in --dir.
    #[arg(long, value_name = "DIR", num_args = 1..)]
    merge: Vec<PathBuf>,
    /// With --merge: also write the joined JUnit XML here [default: DIR/junit.xml].
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RunArgs {
    /// A .feature file or a folder of them [default: the repository's features/].
    #[arg(long = "features", value_name = "PATH")]
    features: Option<PathBuf>,
    /// Run only scenarios whose tags match, e.g. "@checklist-6.1" or "@smoke and not @sim-only".
    #[arg(long, value_name = "EXPRESSION", value_parser = parse_tag_expression)]
    tags: Option<cucumber::gherkin::tagexpr::TagOperation>,
    /// Run only scenarios whose name matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    name: Option<Regex>,
    /// Scenarios run at once.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write a Cucumber JSON report to this file (for the reporting tools that read
    /// cucumber's `--format json`).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Start no new scenario after the first failure.
    #[arg(long)]
    fail_fast: bool,
    /// Print the scenarios the filters select (file:line, feature, name, tags) and run nothing.
    #[arg(long)]
    list: bool,
    /// Run only the scenarios that failed in the run saved in --report-dir (last-run.json).
    #[arg(long)]
    rerun_failed: bool,
    /// Run only slice I of N of the selected scenarios (e.g. 2/4), for CI runners working in
    /// parallel; each shard saves its run, and `golive report --merge` joins them.
    #[arg(long, value_name = "I/N", value_parser = golive::shard::Shard::parse)]
    shard: Option<golive::shard::Shard>,
    /// Where to save the run and write the checklist report.
    #[arg(long, value_name = "DIR", default_value = golive::report::DEFAULT_DIR)]
    report_dir: PathBuf,
    /// Do not write the checklist report.
    #[arg(long)]
    no_report: bool,
    /// Where to run: `sim` (the in-process simulator) or `stripe-test` (Stripe test mode, with
    /// STRIPE_SECRET_KEY=sk_test_…; only @smoke scenarios run).
    #[arg(long, value_enum, default_value_t = TargetName::Sim)]
    target: TargetName,
    /// stripe-test: a deployed backend to test (staging) instead of starting one here; tokens are
    /// signed with JWT_SECRET, and DATABASE_URL (optional) lets steps read its records.
    #[arg(long, value_name = "URL")]
    backend_url: Option<String>,
    /// stripe-test: where the backend started here listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    backend_listen: std::net::SocketAddr,
    /// stripe-test: the public URL Stripe reaches that backend at (a tunnel); without it, run
    /// `stripe listen --forward-to 127.0.0.1:8080/api/subscription/webhook` and export its
    /// secret as STRIPE_WEBHOOK_SECRET.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

/// The targets `--target` accepts.
#[derive(Clone, Copy, clap::ValueEnum)]
enum TargetName {
    /// The in-process Stripe simulator (the default).
    Sim,
    /// Stripe test mode.
    StripeTest,
}

impl Default for RunArgs {
    fn default() -> Self {
        RunArgs {
            features: None,
            tags: None,
            name: None,
            concurrency: DEFAULT_CONCURRENCY,
            junit: None,
            json: None,
            fail_fast: false,
            list: false,
            rerun_failed: false,
            shard: None,
            report_dir: PathBuf::from(golive::report::DEFAULT_DIR),
            no_report: false,
            target: TargetName::Sim,
            backend_url: None,
            backend_listen: std::net::SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
        }
    }
}

/// `golive report`: the checklist with what the last run and preflight proved.
fn report(args: ReportArgs) -> ExitCode {
    use golive::report::{self, Checklist};
    let checklist = match &args.checklist {
        Some(path) => match Checklist::from_file(path) {
            Ok(checklist) => checklist,
            Err(e) => {
                eprintln!("golive: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => Checklist::embedded(),
    };
    let run_file = args.dir.join(report::RUN_FILE);
    let run = if !args.merge.is_empty() {
        let merged = match report::merge::merge(&args.merge) {
            Ok(merged) => merged,
            Err(e) => {
                eprintln!("golive: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = merged.save(&run_file) {
            eprintln!(
                "golive: cannot save the joined run in {}: {e}",
                run_file.display()
            );
            return ExitCode::FAILURE;
        }
        let junit = args
            .junit
            .clone()
            .unwrap_or_else(|| args.dir.join("junit.xml"));
        if let Err(e) = std::fs::write(&junit, report::junit::junit_xml(&merged.scenarios)) {
            eprintln!("golive: cannot write {}: {e}", junit.display());
            return ExitCode::FAILURE;
        }
        println!(
            "joined {} shard runs: {} (JUnit: {})",
            args.merge.len(),
            merged.summary,
            junit.display()
        );
        Some(merged)
    } else if run_file.exists() {
        match golive::results::RunRecord::load(&run_file) {
            Ok(run) => Some(run),
            Err(e) => {
                eprintln!("golive: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        eprintln!(
            "golive: no run recorded in {} yet (run `golive run` first); reporting without one",
            args.dir.display()
        );
        None
    };
    let preflight = match report::load_preflight(&args.dir) {
        Ok(verdicts) => verdicts,
        Err(e) => {
            eprintln!("golive: {e}");
            return ExitCode::FAILURE;
        }
    };
    let evaluated = report::evaluate(
        &checklist,
        run.as_ref()
            .map(|r| r.scenarios.as_slice())
            .unwrap_or_default(),
        &preflight,
        run.as_ref().map(|r| r.finished_at.clone()),
        run.as_ref().map(|r| r.summary.clone()),
    );
    match report::write(&args.dir, &evaluated) {
        Ok(line) => {
            println!("{line}");
            println!("report: {}", args.dir.join("checklist.html").display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("golive: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Run(args)) => args,
        Some(Command::Report(args)) => return report(args),
        Some(Command::Soak(args)) => {
            let options = golive::soak::SoakOptions {
                flows: args.flows.max(1),
                seed: args.seed,
                restarts: args.restarts,
                concurrency: args.concurrency.max(1),
                ..golive::soak::SoakOptions::default()
            };
            return golive::soak::main_with(&options);
        }
        Some(Command::Preflight(args)) => {
            let options = golive::preflight::Options {
                env: match args.env_file {
                    Some(file) => golive::preflight::env::EnvSource::File(file),
                    None => golive::preflight::env::EnvSource::Process,
                },
                sources: args.sources,
                public_url: args.public_url,
                timeout: std::time::Duration::from_secs(args.timeout.max(1)),
            };
            let save = (!args.no_save).then_some(args.report_dir);
            return golive::preflight::main_with(options, args.json, save);
        }
        Some(Command::Steps) => {
            print!("{}", golive::steps::step_catalog::markdown());
            return ExitCode::SUCCESS;
        }
        None => RunArgs::default(),
    };
    let only = if args.rerun_failed {
        let run_file = args.report_dir.join(golive::report::RUN_FILE);
        match golive::selection::failed_in(&run_file) {
            Ok(failed) if failed.is_empty() => {
                println!(
                    "golive: nothing failed in the run saved in {}; nothing to rerun",
                    run_file.display()
                );
                return ExitCode::SUCCESS;
            }
            Ok(failed) => {
                println!(
                    "golive: rerunning the {} scenarios that failed in the run saved in {}",
                    failed.len(),
                    run_file.display()
                );
                Some(failed)
            }
            Err(e) => {
                eprintln!("golive: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };
    let defaults = RunOptions::default();
    let features = args.features.clone().unwrap_or(defaults.features.clone());
    if args.list {
        return list(
            &features,
            golive::selection::Selection {
                tags: args.tags,
                name: args.name,
                shard: args.shard,
                only,
            },
        );
    }
    let target = match args.target {
        TargetName::Sim => Target::Simulator,
        TargetName::StripeTest => {
            let vars = |name: &str| std::env::var(name).ok();
            match stripe_test_from_env(
                &vars,
                args.backend_url,
                args.backend_listen,
                args.public_url,
            ) {
                Ok(target) => target,
                Err(e) => {
                    eprintln!("golive: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    golive::runner::main_with(RunOptions {
        features,
        tags: args.tags,
        name: args.name,
        concurrency: args.concurrency,
        junit: args.junit,
        fail_fast: args.fail_fast,
        report_dir: (!args.no_report).then_some(args.report_dir),
        target,
        shard: args.shard,
        only,
        json: args.json,
    })
}

/// `golive run --list`: the selected scenarios, one a line, and how many; nothing runs.
fn list(features: &std::path::Path, selection: golive::selection::Selection) -> ExitCode {
    match golive::selection::list(features, &selection) {
        Ok(mut listed) => {
            // Paths as people type them: relative to where golive runs, when under it.
            if let Ok(here) = std::env::current_dir() {
                for scenario in &mut listed {
                    if let Ok(relative) = scenario.file.strip_prefix(&here) {
                        scenario.file = relative.to_path_buf();
                    }
                }
            }
            for scenario in &listed {
                println!("{scenario}");
            }
            println!("{} scenarios selected (none run)", listed.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("golive: {e}");
            ExitCode::from(2)
        }
    }
}
