//! The simulator's integration tests in one test binary (one link instead of one per file,
//! which is most of what building the tests costs). Each module is one area, as its own doc
//! says; `api_common` and `time_common` are the two shared kits. Run one area with a filter,
//! e.g. `cargo test -p stripe-sim --test integration conformance::`. The compatibility test
//! with Stripe's official SDKs (`compat.rs`) stays its own binary: it needs the SDKs installed
//! and is run on its own (`cargo test --test compat -- --ignored`).

mod api_common;
mod time_common;

mod api;
mod api_payments;
mod charges;
mod client;
mod conformance;
mod control_plane;
mod delivery_modes;
mod delivery_promises;
mod invoice_paths;
mod legacy_sources;
mod module_graph;
mod test_cards;
mod time_clocks;
mod time_notices;
mod time_prorations;
mod time_renewals;
