//! The harness's integration tests in one test binary (one link instead of one per file, which
//! is most of what building the tests costs); the feature suite (`features.rs`) is its own,
//! with cucumber's runner. Each module is one area, as its own doc says; `backend_support` is
//! the stack they share. Run one area with a filter, e.g.
//! `cargo test -p golive --test integration run_cli::`.

mod backend_support;

mod backend_bench;
mod backend_sim;
mod module_graph;
mod preflight_cli;
mod run_cli;
mod stripe_test_target;
