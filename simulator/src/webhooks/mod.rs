//! Webhook delivery: it drains each account's outbox (`outbox.rs`) into one ordered queue
//! per endpoint (`delivery`), orders first attempts by the account's delivery mode (`modes`),
//! signs each attempt (`signing`) with the secrets of `secrets.rs`, and shows the delivery
//! log (`log`). Nothing else in the crate imports this module except the wiring in `lib.rs`
//! and the control plane's views of the log.

pub(crate) mod delivery;
pub(crate) mod job;
pub(crate) mod log;
pub(crate) mod modes;
pub mod signing;
