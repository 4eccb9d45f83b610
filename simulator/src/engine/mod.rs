//! The domain layer: every change to an account's objects happens here. HTTP handlers
//! (`api/`), the hosted pages (`hosted/`), the control plane (`control/`) and clock advances
//! call these functions with the account locked; none of them changes objects itself, and
//! nothing here knows about HTTP. Each function emits its events through
//! `AccountState::emit`, which appends them to the account's outbox; webhook delivery drains
//! the outbox afterwards (`webhooks/`).
//!
//! Which flow emits which events, in which order, is described in `simulator/docs/flows.md`.

pub(crate) mod balance;
pub(crate) mod catalog;
pub(crate) mod charges;
pub(crate) mod checkout;
pub(crate) mod checkout_finish;
pub(crate) mod checkout_modes;
pub(crate) mod customers;
pub(crate) mod disputes;
pub(crate) mod events;
pub(crate) mod follow_up;
pub(crate) mod includable;
pub(crate) mod invoice_payments;
pub(crate) mod invoices;
pub(crate) mod legacy_charges;
pub(crate) mod outcomes;
pub(crate) mod payment_intents;
pub(crate) mod payment_methods;
pub(crate) mod payments;
pub(crate) mod portal;
pub(crate) mod portal_config;
pub(crate) mod prorations;
pub(crate) mod radar;
pub(crate) mod raw_events;
pub(crate) mod refunds;
pub(crate) mod renewals;
pub(crate) mod scheduler;
pub(crate) mod setup_intents;
pub(crate) mod sources;
pub(crate) mod subscriptions;
pub(crate) mod test_clocks;
pub(crate) mod tokens;
pub(crate) mod updates;
pub(crate) mod webhook_endpoints;
