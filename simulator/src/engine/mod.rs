//! The domain layer: every change to an account's objects happens here. HTTP handlers
//! (`api/`), the hosted pages (`hosted/`), the control plane (`control/`) and clock advances
//! call these functions with the account locked; none of them changes objects itself, and
//! nothing here knows about HTTP. Each function emits its events through
//! `AccountState::emit`, which appends them to the account's outbox; webhook delivery drains
//! the outbox afterwards (`webhooks/`).
//!
//! Which flow emits which events, in which order, is described in `simulator/docs/flows.md`.

pub mod catalog;
pub mod charges;
pub mod checkout;
pub mod customers;
pub mod disputes;
pub mod follow_up;
pub mod invoices;
pub mod payment_methods;
pub mod payments;
pub mod portal;
pub mod radar;
pub mod refunds;
pub mod renewals;
pub mod scheduler;
pub mod subscriptions;
pub mod test_clocks;
pub mod webhook_endpoints;
