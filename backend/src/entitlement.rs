//! A subscription's status as we store, log and show it (`ACTIVE`, `PAST_DUE`, …), and whether
//! it entitles the user to the paid plan: only [`SubscriptionStatus::Active`] and
//! [`SubscriptionStatus::Trialing`] do (an `INCOMPLETE` subscription — a paid plan not yet paid
//! — does not). The stored strings are the ones `user_subscriptions.status` has always held.

/// Our status of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    /// Paid and running (`ACTIVE`).
    Active,
    /// In a trial (`TRIALING`).
    Trialing,
    /// A renewal payment failed; Stripe is retrying (`PAST_DUE`).
    PastDue,
    /// Ended, or never paid and expired (`CANCELLED`).
    Cancelled,
    /// Created but the first payment has not happened yet (`INCOMPLETE`).
    Incomplete,
    /// Stripe stopped retrying without cancelling, paused, or a status we do not know
    /// (`UNPAID`).
    Unpaid,
}

impl SubscriptionStatus {
    /// Every status, in the order the docs list them.
    pub const ALL: [SubscriptionStatus; 6] = [
        SubscriptionStatus::Active,
        SubscriptionStatus::Trialing,
        SubscriptionStatus::PastDue,
        SubscriptionStatus::Cancelled,
        SubscriptionStatus::Incomplete,
        SubscriptionStatus::Unpaid,
    ];

    /// The stored and rendered form (`ACTIVE`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "ACTIVE",
            SubscriptionStatus::Trialing => "TRIALING",
            SubscriptionStatus::PastDue => "PAST_DUE",
            SubscriptionStatus::Cancelled => "CANCELLED",
            SubscriptionStatus::Incomplete => "INCOMPLETE",
            SubscriptionStatus::Unpaid => "UNPAID",
        }
    }

    /// The status stored as `s`, if it is one of ours.
    pub fn parse(s: &str) -> Option<SubscriptionStatus> {
        SubscriptionStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// Whether it entitles the user to the paid plan.
    pub fn entitles(self) -> bool {
        matches!(
            self,
            SubscriptionStatus::Active | SubscriptionStatus::Trialing
        )
    }

    /// Our status for a Stripe subscription status.
    pub fn from_stripe(stripe_status: &str) -> SubscriptionStatus {
        match stripe_status {
            "active" => SubscriptionStatus::Active,
            "trialing" => SubscriptionStatus::Trialing,
            "past_due" => SubscriptionStatus::PastDue,
            "canceled" => SubscriptionStatus::Cancelled,
            // Terminal: the first payment never happened.
            "incomplete_expired" => SubscriptionStatus::Cancelled,
            "incomplete" => SubscriptionStatus::Incomplete,
            "unpaid" => SubscriptionStatus::Unpaid,
            // Guess: a paused subscription collects no payment, so it grants nothing. Unknown
            // future statuses fail closed the same way.
            _ => SubscriptionStatus::Unpaid,
        }
    }
}

impl std::fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_and_trialing_entitle() {
        assert_eq!(
            SubscriptionStatus::from_stripe("active"),
            SubscriptionStatus::Active
        );
        assert!(SubscriptionStatus::from_stripe("active").entitles());
        assert!(SubscriptionStatus::from_stripe("trialing").entitles());
        for s in [
            "incomplete",
            "incomplete_expired",
            "past_due",
            "canceled",
            "unpaid",
            "paused",
            "something_new",
        ] {
            assert!(
                !SubscriptionStatus::from_stripe(s).entitles(),
                "{s} must not be active"
            );
        }
        assert_eq!(
            SubscriptionStatus::from_stripe("canceled").as_str(),
            "CANCELLED"
        );
        assert_eq!(
            SubscriptionStatus::from_stripe("incomplete").as_str(),
            "INCOMPLETE"
        );
        assert_eq!(
            SubscriptionStatus::from_stripe("past_due").as_str(),
            "PAST_DUE"
        );
    }

    #[test]
    fn the_stored_strings_read_back() {
        for s in SubscriptionStatus::ALL {
            assert_eq!(SubscriptionStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(SubscriptionStatus::parse("active"), None);
    }
}
