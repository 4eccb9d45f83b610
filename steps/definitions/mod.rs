//! Step definitions, one module per domain. A phrase means one thing everywhere; the step
//! catalog (`golive steps`, coming with the feature-suite issue) is the dictionary.
//!
//! Steps fail by panicking with a message that says what was expected and what was seen.

pub mod admin;
pub mod checkout;
pub mod configuration;
pub mod delivery;
pub mod disputes;
pub mod endpoint_limits;
pub mod fraud_warnings;
pub mod ledger;
pub mod monitoring;
pub mod page_access;
pub mod pages;
pub mod people;
pub mod plans;
pub mod portal;
pub mod preflight;
pub mod rate_limits;
pub mod replicas;
pub mod responses;
pub mod subscription;
pub mod time;
pub mod webhooks;

/// `BASIC` → `basic`: how a feature names a tier versus how the backend's mapping keys it.
pub fn tier_key(tier: &str) -> String {
    tier.trim().to_ascii_lowercase()
}
