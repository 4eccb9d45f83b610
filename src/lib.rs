//! The rehearsal harness: runs the go-live checklist's flows, written as Gherkin features, against
//! the billing backend, the Stripe simulator and a real PostgreSQL — and the deployment tooling
//! built on the same parts.
//!
//! How the parts fit:
//! - [`steps`] is what a scenario runs on: the World (one scenario's simulator account,
//!   database, backend and people), what it is made of, and the step definitions;
//! - [`runner`] finds the features, runs them with cucumber and prints the closing count;
//!   [`selection`] says which scenarios a run takes (tags, name, `--rerun-failed`) and lists
//!   them (`--list`); [`shard`] picks a run's deterministic slice for CI runners (`--shard I/N`); [`results`] is
//!   what a run records about each scenario;
//! - [`report`] turns a saved run and the preflight's verdicts into the checklist report;
//! - [`preflight`] checks a real deployment (`golive preflight`);
//! - [`soak`] is the chaos soak (`golive soak`): the same flows with and without faults, a run
//!   mode rather than step definitions;
//! - Stripe's API (the simulator's or Stripe test mode's) and the simulator's control plane
//!   are called through the simulator crate's client, `stripe_sim::client` (`Stripe`,
//!   `Control`, one error type `ApiError`), for the steps, the preflight and the soak alike.
//!
//! Dependencies point one way: `runner` → `report`, `steps` → `preflight` → `report` →
//! `results`.

pub mod preflight;
pub mod report;
pub mod results;
pub mod runner;
pub mod selection;
pub mod shard;
pub mod soak;
#[path = "../steps/mod.rs"]
pub mod steps;
