//! The backend's integration tests in one test binary (one link instead of one per file, which
//! is most of what building the tests costs). Each module is one area, as its own doc says; the
//! shared kit is [`common`]. Run one area with a filter, e.g.
//! `cargo test -p billing --test integration faults::`.

mod common;

mod admin;
mod auth_jwks;
mod backend;
mod check_config;
mod checkout;
mod errors;
mod faults;
mod idempotency;
mod lifecycle;
mod module_graph;
mod monitoring;
mod pages;
mod properties;
mod server;
mod stripe_client;
mod unprocessable;
mod webhook_order;
