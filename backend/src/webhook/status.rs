//! Stripe subscription status → our stored status and entitlement (§7: only ACTIVE and
//! TRIALING are active; an `incomplete` subscription — a paid plan not yet paid — is not).

/// Our status for a Stripe subscription status, and whether it entitles the user.
pub fn map_status(stripe_status: &str) -> (&'static str, bool) {
    match stripe_status {
        "active" => ("ACTIVE", true),
        "trialing" => ("TRIALING", true),
        "past_due" => ("PAST_DUE", false),
        "canceled" => ("CANCELLED", false),
        // Terminal: the first payment never happened.
        "incomplete_expired" => ("CANCELLED", false),
        "incomplete" => ("INCOMPLETE", false),
        "unpaid" => ("UNPAID", false),
        // Guess: a paused subscription collects no payment, so it grants nothing. Unknown
        // future statuses fail closed the same way.
        _ => ("UNPAID", false),
    }
}

/// Whether a Stripe subscription status is final (it can never become active again).
pub fn is_terminal(stripe_status: &str) -> bool {
    matches!(stripe_status, "canceled" | "incomplete_expired")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_and_trialing_entitle() {
        assert_eq!(map_status("active"), ("ACTIVE", true));
        assert_eq!(map_status("trialing"), ("TRIALING", true));
        for s in [
            "incomplete",
            "incomplete_expired",
            "past_due",
            "canceled",
            "unpaid",
            "paused",
            "something_new",
        ] {
            assert!(!map_status(s).1, "{s} must not be active");
        }
        assert_eq!(map_status("canceled").0, "CANCELLED");
        assert_eq!(map_status("incomplete").0, "INCOMPLETE");
        assert_eq!(map_status("past_due").0, "PAST_DUE");
        assert!(is_terminal("canceled") && !is_terminal("past_due"));
    }
}
