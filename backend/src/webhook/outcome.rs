//! What applying one event did, for the ledger (`stripe_events.outcome`), the metrics' `outcome`
//! label and the event's log line: [`Verdict::Applied`] (`applied`) or
//! [`Verdict::Ignored`] with its reason (`ignored:stale`, …) — the strings the ledger has
//! always stored.

/// Why an event was recorded without changing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IgnoredReason {
    /// The event's `livemode` is not ours (a test event reaching live, or the reverse).
    LivemodeMismatch,
    /// A Checkout session that is not a subscription's.
    NotSubscriptionMode,
    /// A completed Checkout session without a subscription.
    NoSubscription,
    /// An invoice that belongs to no subscription.
    NotASubscriptionInvoice,
    /// A type we do not handle.
    UnhandledType,
    /// A subscription event older than one already applied.
    Stale,
    /// A subscription no user of ours is linked to.
    NoLinkedUser,
    /// A late event about an ended subscription of a user who has a newer one.
    SupersededSubscription,
}

impl IgnoredReason {
    /// The reason as stored after `ignored:`.
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoredReason::LivemodeMismatch => "livemode_mismatch",
            IgnoredReason::NotSubscriptionMode => "not_subscription_mode",
            IgnoredReason::NoSubscription => "no_subscription",
            IgnoredReason::NotASubscriptionInvoice => "not_a_subscription_invoice",
            IgnoredReason::UnhandledType => "unhandled_type",
            IgnoredReason::Stale => "stale",
            IgnoredReason::NoLinkedUser => "no_linked_user",
            IgnoredReason::SupersededSubscription => "superseded_subscription",
        }
    }
}

/// Whether an event changed our state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The event's change was written.
    Applied,
    /// Recorded, nothing changed, for this reason.
    Ignored(IgnoredReason),
}

impl Verdict {
    /// The stored form: `applied` or `ignored:<reason>`.
    pub fn label(self) -> String {
        self.to_string()
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Applied => f.write_str("applied"),
            Verdict::Ignored(r) => write!(f, "ignored:{}", r.as_str()),
        }
    }
}

/// The result of applying an event, for the ledger and the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Applied, or ignored and why.
    pub verdict: Verdict,
    /// The user affected.
    pub user_id: Option<String>,
    /// `cus_…`.
    pub customer_id: Option<String>,
    /// `sub_…`.
    pub subscription_id: Option<String>,
    /// `dp_…` or `issfr_…` for dispute and fraud-warning events.
    pub object_id: Option<String>,
    /// `ch_…` for dispute and fraud-warning events.
    pub charge_id: Option<String>,
}

impl Outcome {
    /// An outcome with `verdict` and no ids yet.
    pub fn new(verdict: Verdict) -> Outcome {
        Outcome {
            verdict,
            user_id: None,
            customer_id: None,
            subscription_id: None,
            object_id: None,
            charge_id: None,
        }
    }

    /// Ignored for `reason`, with no ids.
    pub fn ignored(reason: IgnoredReason) -> Outcome {
        Outcome::new(Verdict::Ignored(reason))
    }

    /// Whether the event's change was written.
    pub fn is_applied(&self) -> bool {
        self.verdict == Verdict::Applied
    }
}

/// How a delivery ended once its transaction committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Processed {
    /// A copy of an event already processed: nothing changed.
    Duplicate,
    /// Processed now, with what it did.
    Applied(Outcome),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_render_as_the_ledger_stores_them() {
        assert_eq!(Verdict::Applied.label(), "applied");
        assert_eq!(
            Verdict::Ignored(IgnoredReason::Stale).label(),
            "ignored:stale"
        );
        assert_eq!(
            Outcome::ignored(IgnoredReason::LivemodeMismatch)
                .verdict
                .label(),
            "ignored:livemode_mismatch"
        );
        assert!(Outcome::new(Verdict::Applied).is_applied());
    }
}
