//! `golive`: rehearse a Stripe subscription launch. `cargo run` runs every feature of the go-live
//! checklist against the Stripe simulator, the billing backend and PostgreSQL, and prints a
//! summary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cucumber::codegen::Regex;
use golive::runner::{DEFAULT_CONCURRENCY, RunOptions, parse_tag_expression};

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
    /// Start no new scenario after the first failure.
    #[arg(long)]
    fail_fast: bool,
}

impl Default for RunArgs {
    fn default() -> Self {
        RunArgs {
            features: None,
            tags: None,
            name: None,
            concurrency: DEFAULT_CONCURRENCY,
            junit: None,
            fail_fast: false,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Run(args)) => args,
        Some(Command::Steps) => {
            print!("{}", golive::step_catalog::markdown());
            return ExitCode::SUCCESS;
        }
        None => RunArgs::default(),
    };
    let defaults = RunOptions::default();
    golive::runner::main_with(RunOptions {
        features: args.features.unwrap_or(defaults.features),
        tags: args.tags,
        name: args.name,
        concurrency: args.concurrency,
        junit: args.junit,
        fail_fast: args.fail_fast,
    })
}
