//! `golive`: rehearse a Stripe subscription launch. `cargo run` runs every feature of the go-live
//! checklist against the Stripe simulator, the billing backend and PostgreSQL, and prints a
//! summary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use golive::runner::{DEFAULT_CONCURRENCY, RunOptions};

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
}

#[derive(clap::Args, Default)]
struct RunArgs {
    /// A .feature file or a folder of them [default: the repository's features/].
    #[arg(long = "features", value_name = "PATH")]
    features: Option<PathBuf>,
    /// Run only scenarios with this tag (repeatable; without the @), e.g. --tag checklist-6.1.
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Scenarios run at once.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    concurrency: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Run(args)) => args,
        None => RunArgs {
            concurrency: DEFAULT_CONCURRENCY,
            ..RunArgs::default()
        },
    };
    let mut options = RunOptions {
        tags: args
            .tags
            .iter()
            .map(|t| t.trim_start_matches('@').to_string())
            .collect(),
        concurrency: args.concurrency,
        ..RunOptions::default()
    };
    if let Some(features) = args.features {
        options.features = features;
    }
    golive::runner::main_with(options)
}
