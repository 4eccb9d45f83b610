//! Stripe subscription status → our stored status ([`SubscriptionStatus`], which says whether
//! it entitles the user), and which Stripe statuses are final.

use crate::entitlement::SubscriptionStatus;

/// Our status for a Stripe subscription status.
pub fn map_status(stripe_status: &str) -> SubscriptionStatus {
    SubscriptionStatus::from_stripe(stripe_status)
}

/// Whether a Stripe subscription status is final (it can never become active again).
pub fn is_terminal(stripe_status: &str) -> bool {
    matches!(stripe_status, "canceled" | "incomplete_expired")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_statuses_are_the_ended_ones() {
        assert_eq!(map_status("past_due"), SubscriptionStatus::PastDue);
        assert!(is_terminal("canceled") && is_terminal("incomplete_expired"));
        assert!(!is_terminal("past_due") && !is_terminal("active"));
    }
}
