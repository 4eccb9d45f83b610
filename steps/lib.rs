//! The rehearsal harness: runs the go-live checklist's flows, written as Gherkin features, against
//! the billing backend, the Stripe simulator and a real PostgreSQL.
//!
//! How the parts fit:
//! - [`runner`] finds the features, runs them with cucumber and prints the closing count;
//!   [`shard`] picks a run's deterministic slice for CI runners (`--shard I/N`);
//! - [`soak`] is the chaos soak (`golive soak`): the same flows with and without faults;
//! - [`environment`] holds what one run shares: the database server and its migrated template,
//!   the in-process simulator, the token-signing secret; [`target`] says where the run takes
//!   place (the simulator, or Stripe test mode with a local or staging backend);
//! - [`backend_under_test`] starts or reaches the billing backend a scenario exercises;
//! - [`world`] is one scenario's world: its own simulator account, database and backend
//!   instance, and the people acting in it;
//! - [`definitions`] are the step definitions, one module per domain;
//! - [`database`] provisions PostgreSQL; [`sim_client`] and [`backend_client`] speak HTTP to the
//!   simulator and the backend; [`actors`], [`cards`], [`catalog`] and [`eventually`] are the
//!   small vocabularies the steps share; [`records`] reads what the backend stored, [`logs`]
//!   what it logged;
//! - [`browser`] drives headless Chromium over WebDriver for `@browser` scenarios (one
//!   chromedriver per run, one browser per scenario).

pub mod actors;
pub mod backend_client;
pub mod backend_under_test;
pub mod browser;
pub mod cards;
pub mod catalog;
pub mod database;
pub mod definitions;
pub mod environment;
pub mod eventually;
pub mod logs;
pub mod preflight;
pub mod records;
pub mod report;
pub mod results;
pub mod runner;
pub mod shard;
pub mod sim_client;
pub mod soak;
pub mod step_catalog;
pub mod target;
pub mod world;
