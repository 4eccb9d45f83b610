//! `golive soak`: a chaos soak that proves no event is lost.
//!
//! The same seeded plan of users (subscribing, renewing, failing a renewal, cancelling in the
//! portal, being disputed, drawing an early fraud warning, with ops answering) runs twice
//! against the simulator, each run with its own Stripe account, database and backend: once
//! without faults, once while the simulator drops answers, fails first attempts, duplicates,
//! delays and reorders deliveries, and the backend is killed (its runtime dropped mid-request)
//! and started again at scheduled moments. Then the faulty run's final tables must equal the
//! clean run's, row for row; any difference fails the soak with the rows that differ.
//!
//! - [`plan`]: the seeded flows and fault schedule, printed so a failure can be replayed;
//! - [`run`]: one run of the plan (its account, database and backend; faults, phases, the
//!   finish), and [`users`]: what its users and ops do through the backend and Stripe;
//! - [`backend`]: a backend that can be killed and restarted on the same address;
//! - [`snapshot`]: the tables, keyed so two runs compare;
//! - [`error`]: why a soak could not run.

mod backend;
mod error;
mod plan;
mod run;
mod snapshot;
mod users;

pub use backend::BackendError;
pub use error::SoakError;

use std::time::{Duration, Instant};

use crate::steps::database::TestDatabases;
use plan::Plan;
use run::Run;

/// What a soak run is asked to do.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// How many users (flows). About nine events each.
    pub flows: usize,
    /// The seed of the plan and the fault schedule.
    pub seed: u64,
    /// How many times the backend is killed during the faulty run.
    pub restarts: usize,
    /// Users per batch (each batch has its own delivery mode).
    pub batch_size: usize,
    /// Users acting at once within a batch.
    pub concurrency: usize,
}

impl Default for SoakOptions {
    fn default() -> Self {
        SoakOptions {
            flows: 120,
            seed: 1,
            restarts: 4,
            batch_size: 10,
            concurrency: 8,
        }
    }
}

/// What a soak found.
#[derive(Debug, Clone)]
pub struct SoakReport {
    /// The plan and fault schedule, in words.
    pub schedule: String,
    /// Distinct events the backend processed in the clean run.
    pub events: u64,
    /// Distinct events Stripe sent in the clean run.
    pub sent: u64,
    /// Distinct events Stripe sent in the faulty run.
    pub faulty_events: u64,
    /// Delivery attempts in the faulty run.
    pub attempts: u64,
    /// Failed attempts (dropped answers, refused connections, 5xx) in the faulty run.
    pub failed_attempts: u64,
    /// Events the simulator gave up on in the faulty run (lost: must be 0).
    pub given_up: u64,
    /// Times the backend was killed and restarted.
    pub restarts: usize,
    /// Rows compared.
    pub rows_compared: usize,
    /// Rows that differ between the runs.
    pub differences: Vec<String>,
    /// Wall time of the two runs.
    pub wall: Duration,
}

impl SoakReport {
    /// The report in a few lines; the last one says whether the soak passed.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "events: {} sent and {} processed in the fault-free run, {} sent in the faulty run\nfaulty run: {} delivery attempts, {} failed, {} given up, {} backend restarts\nrows compared: {}, differences: {}\nwall time: {:.1} s\n",
            self.sent,
            self.events,
            self.faulty_events,
            self.attempts,
            self.failed_attempts,
            self.given_up,
            self.restarts,
            self.rows_compared,
            self.differences.len(),
            self.wall.as_secs_f64()
        );
        for d in &self.differences {
            out.push_str(&format!("  differs: {d}\n"));
        }
        out
    }

    /// Whether nothing was lost or changed.
    pub fn passed(&self) -> bool {
        self.differences.is_empty() && self.given_up == 0 && self.events > 0
    }
}

/// `golive soak`: runs the soak on a runtime of its own, prints the report, and exits non-zero
/// when anything differs, was lost, or the soak could not run.
pub fn main_with(options: &SoakOptions) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("golive soak: no runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(run(options)) {
        Ok(report) => {
            print!("{}", report.describe());
            if report.passed() {
                println!("soak: passed");
                std::process::ExitCode::SUCCESS
            } else {
                println!("soak: FAILED");
                std::process::ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("golive soak: {e}");
            println!("soak: FAILED");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs the soak: the plan once without faults, once with them, and compares.
pub async fn run(options: &SoakOptions) -> Result<SoakReport, SoakError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let started = Instant::now();
    let plan = Plan::new(
        options.seed,
        options.flows,
        options.restarts,
        options.batch_size,
    );
    let schedule = plan.describe();
    println!("{schedule}");
    let databases = TestDatabases::provision().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(SoakError::io("the simulator could not listen"))?;
    let simulator = stripe_sim::start(listener, stripe_sim::SimOptions::default())
        .await
        .map_err(SoakError::io("the simulator did not start"))?;
    let result = async {
        let clean = Run::prepare(&databases, &simulator.base_url, options).await?;
        let clean_outcome = clean.execute(&plan, false).await;
        let clean_snapshot = clean.finish(&databases, clean_outcome).await?;
        let clean_counts = clean.delivery_counts().await?;
        println!("fault-free run done: {} rows", clean_snapshot.rows.len());
        let faulty = Run::prepare(&databases, &simulator.base_url, options).await?;
        let faulty_outcome = faulty.execute(&plan, true).await;
        let faulty_snapshot = faulty.finish(&databases, faulty_outcome).await?;
        let counts = faulty.delivery_counts().await?;
        let differences = faulty_snapshot.differences(&clean_snapshot);
        Ok::<_, SoakError>(SoakReport {
            schedule: schedule.clone(),
            events: clean_snapshot.processed_events(),
            sent: clean_counts.events,
            faulty_events: counts.events,
            attempts: counts.attempts,
            failed_attempts: counts.failed,
            given_up: counts.given_up + clean_counts.given_up,
            restarts: plan.kills(),
            rows_compared: clean_snapshot.rows.len().max(faulty_snapshot.rows.len()),
            differences,
            wall: started.elapsed(),
        })
    }
    .await;
    simulator.shutdown().await;
    databases.teardown().await;
    result
}
