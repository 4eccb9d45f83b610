//! `cargo test` runs every feature against the simulator, a fresh backend per scenario and a real
//! PostgreSQL (see README: "How the tests find PostgreSQL"). Its last line is
//! `scenarios: N passed, M failed, K skipped`.

use std::process::ExitCode;

fn main() -> ExitCode {
    golive::runner::main_with(golive::runner::RunOptions::default())
}
