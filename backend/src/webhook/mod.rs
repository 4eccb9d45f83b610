//! Stripe webhooks: [`signature`] verifies the raw body, [`handler`]
//! is the HTTP endpoint with the idempotency ledger and the one-transaction rule, [`apply`]
//! turns an event into a state change ([`outcome`]: what it did), [`subject`] decodes what an
//! event is about (and which object it locks), [`status`] maps Stripe's subscription statuses;
//! `payload` writes a subscription event's own payload in one database round trip.

pub mod apply;
pub mod handler;
pub mod outcome;
mod payload;
pub mod signature;
pub mod status;
pub mod subject;

/// Largest webhook body accepted (larger → 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
