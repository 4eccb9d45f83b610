//! Simulated time: each account has its own clock (the wall clock plus an offset,
//! `AccountState::clock_offset`), and Stripe test clocks (`clock_…`) give the customers
//! created on them a clock of their own.
//!
//! This module is the clock itself: the wall clock and calendar arithmetic ([`clock`]) and
//! the per-account time settings and bookkeeping ([`TimeState`]). It depends on nothing
//! else in the crate. Advancing a clock runs what falls due, which is billing work and so
//! lives in the domain layer (`engine/scheduler.rs`, `engine/renewals.rs`).

pub mod clock;

use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What happens to a subscription when the last payment retry of an invoice fails
/// (Stripe's "Manage failed payments" setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FinalFailure {
    /// `canceled` (`customer.subscription.deleted`, reason `payment_failed`).
    #[default]
    Cancel,
    /// `unpaid` (`customer.subscription.updated`).
    Unpaid,
    /// Stays `past_due`.
    PastDue,
}

impl FinalFailure {
    /// Parses `cancel`, `unpaid`, `past_due`.
    pub(crate) fn parse(s: &str) -> Option<FinalFailure> {
        Some(match s {
            "cancel" => FinalFailure::Cancel,
            "unpaid" => FinalFailure::Unpaid,
            "past_due" => FinalFailure::PastDue,
            _ => return None,
        })
    }
}

/// Per-account renewal settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct RenewalSettings {
    /// Days between a failed attempt and the next retry, one entry per retry. Default
    /// `[1, 2, 4]`: three retries within seven days of the first attempt (Stripe's smart
    /// retries are configurable; this default is the simulator's own choice).
    pub(crate) retry_days: Vec<i64>,
    /// What the last failed retry does to the subscription.
    pub(crate) after_final_failure: FinalFailure,
    /// Seconds a renewal invoice stays draft before it is finalized and charged (Stripe: ~1 h).
    pub(crate) finalize_after_secs: i64,
    /// Days before a renewal that `invoice.upcoming` is sent (Stripe's "Upcoming renewal
    /// events" setting). Default 3.
    pub(crate) upcoming_days: i64,
}

impl Default for RenewalSettings {
    fn default() -> Self {
        RenewalSettings {
            retry_days: vec![1, 2, 4],
            after_final_failure: FinalFailure::Cancel,
            finalize_after_secs: 3600,
            upcoming_days: 3,
        }
    }
}

/// The time side of an account.
#[derive(Debug, Default)]
pub(crate) struct TimeState {
    /// The simulated instant of the due job being run (read by `AccountState::now`).
    pub(crate) now_override: Option<i64>,
    /// Retry schedule and the final-failure action.
    pub(crate) settings: RenewalSettings,
    /// Subscriptions already sent `customer.subscription.trial_will_end` for their trial.
    pub(crate) trial_notified: HashSet<String>,
    /// Deleted test clocks (advancing one is a 400; retrieving it a 404).
    pub(crate) deleted_clocks: HashSet<String>,
    /// Per subscription, the period end whose `invoice.upcoming` was sent.
    pub(crate) upcoming_sent: HashMap<String, i64>,
    /// The payment intent of each renewal invoice, confirmed again by retries.
    pub(crate) invoice_payment_intents: HashMap<String, String>,
    /// Legacy charges authorised but not captured (`capture=false`), with their `created`:
    /// each expires seven days later (`charge.expired`) unless captured first.
    pub(crate) authorizations: HashMap<String, i64>,
}
