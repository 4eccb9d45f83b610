//! The statuses that decide what the simulator does — of subscriptions, invoices, payment
//! intents and disputes — as Rust enums. Objects are stored as JSON, so a status is read from
//! an object's `status` field with [`Status::of`] and written with [`Status::set`]; serde
//! renders each variant as Stripe's exact string (`past_due`, `requires_payment_method`, …),
//! so the JSON an object carries is the same as if the string had been written directly.
//! A status named in a request (a list filter) is parsed with [`Status::parse`]; an unknown
//! one is a 400 `parameter_invalid` naming the values allowed ([`Status::invalid`]).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::StripeError;

/// A status enum: Stripe's strings, read from and written to an object's `status` field.
pub(crate) trait Status: Sized + Copy + PartialEq + Serialize + 'static {
    /// Every status, in Stripe's documented order (used in error messages).
    const ALL: &'static [Self];

    /// Stripe's string for this status.
    fn as_str(self) -> &'static str;

    /// The status named `s`, if it is one.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    /// The status an object carries in its `status` field (`None`: missing or unknown).
    fn of(object: &Value) -> Option<Self> {
        object["status"].as_str().and_then(Self::parse)
    }

    /// Writes this status into `object["status"]`.
    fn set(self, object: &mut Value) {
        object["status"] = json!(self);
    }

    /// Whether `object` carries one of `these` statuses.
    fn is_any(object: &Value, these: &[Self]) -> bool {
        Self::of(object).is_some_and(|s| these.contains(&s))
    }

    /// The 400 for an unknown status in parameter `param`: "Invalid status: must be one of
    /// a, b, or c" (Stripe's wording for enum parameters).
    fn invalid(param: &str) -> StripeError {
        let names: Vec<&str> = Self::ALL.iter().map(|s| s.as_str()).collect();
        let list = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{}, or {last}", rest.join(", ")),
            _ => names.join(""),
        };
        StripeError::invalid(param, format!("Invalid {param}: must be one of {list}"))
    }
}

/// Defines a status enum whose serde names are the given strings.
macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $s:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub(crate) enum $name {
            $($(#[$vdoc])* #[serde(rename = $s)] $variant,)+
        }

        impl Status for $name {
            const ALL: &'static [Self] = &[$($name::$variant,)+];

            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)+
                }
            }
        }
    };
}

status_enum! {
    /// A subscription's `status`.
    SubscriptionStatus {
        /// Created; waiting for its first invoice to be paid.
        Incomplete = "incomplete",
        /// The first invoice was never paid.
        IncompleteExpired = "incomplete_expired",
        /// In a free trial.
        Trialing = "trialing",
        /// Paid up.
        Active = "active",
        /// The latest invoice's payment failed; retries are under way.
        PastDue = "past_due",
        /// Ended.
        Canceled = "canceled",
        /// Retries are exhausted and the account leaves it unpaid.
        Unpaid = "unpaid",
        /// Paused (never set by the simulator; accepted as a filter).
        Paused = "paused",
    }
}

impl SubscriptionStatus {
    /// Ended for good (`canceled`, `incomplete_expired`): left out of default lists, never
    /// billed again.
    pub(crate) fn is_ended(self) -> bool {
        matches!(self, Self::Canceled | Self::IncompleteExpired)
    }

    /// Still billed: renewals, trial ends and cancellations at period end fall due.
    pub(crate) fn is_billed(self) -> bool {
        matches!(self, Self::Active | Self::Trialing | Self::PastDue)
    }
}

status_enum! {
    /// An invoice's `status`.
    InvoiceStatus {
        /// Not finalised yet.
        Draft = "draft",
        /// Finalised, waiting for payment.
        Open = "open",
        /// Paid.
        Paid = "paid",
        /// Marked uncollectible.
        Uncollectible = "uncollectible",
        /// Voided.
        Void = "void",
    }
}

status_enum! {
    /// A payment intent's `status`.
    PaymentIntentStatus {
        /// Needs a (working) payment method.
        RequiresPaymentMethod = "requires_payment_method",
        /// Has a payment method, waiting to be confirmed.
        RequiresConfirmation = "requires_confirmation",
        /// Waiting for the customer (3-D Secure; never set by the simulator).
        RequiresAction = "requires_action",
        /// Being processed (never set by the simulator).
        Processing = "processing",
        /// Authorized, waiting for capture (never set by the simulator).
        RequiresCapture = "requires_capture",
        /// Canceled.
        Canceled = "canceled",
        /// Paid.
        Succeeded = "succeeded",
    }
}

impl PaymentIntentStatus {
    /// Final: no more changes to amount or payment method, no confirming or cancelling.
    pub(crate) fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Canceled)
    }

    /// Can be confirmed now.
    pub(crate) fn can_confirm(self) -> bool {
        matches!(
            self,
            Self::RequiresConfirmation | Self::RequiresPaymentMethod | Self::RequiresAction
        )
    }
}

status_enum! {
    /// A dispute's `status`.
    DisputeStatus {
        /// An inquiry waiting for evidence.
        WarningNeedsResponse = "warning_needs_response",
        /// An inquiry whose evidence was submitted.
        WarningUnderReview = "warning_under_review",
        /// An inquiry that is over.
        WarningClosed = "warning_closed",
        /// A chargeback waiting for evidence.
        NeedsResponse = "needs_response",
        /// A chargeback whose evidence was submitted.
        UnderReview = "under_review",
        /// Won by the merchant.
        Won = "won",
        /// Lost by the merchant.
        Lost = "lost",
        /// Prevented before it became a dispute (never set by the simulator).
        Prevented = "prevented",
    }
}

impl DisputeStatus {
    /// Final: `won`, `lost`, `warning_closed` (and `prevented`).
    pub(crate) fn is_closed(self) -> bool {
        matches!(
            self,
            Self::Won | Self::Lost | Self::WarningClosed | Self::Prevented
        )
    }

    /// Evidence was submitted and is being reviewed.
    pub(crate) fn is_under_review(self) -> bool {
        matches!(self, Self::UnderReview | Self::WarningUnderReview)
    }

    /// An inquiry (a `warning_…` status) rather than a chargeback.
    pub(crate) fn is_inquiry(self) -> bool {
        matches!(
            self,
            Self::WarningNeedsResponse | Self::WarningUnderReview | Self::WarningClosed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<S: Status + std::fmt::Debug>() {
        for s in S::ALL {
            let mut o = json!({});
            s.set(&mut o);
            assert_eq!(o["status"], s.as_str(), "serde renders {s:?} as its string");
            assert_eq!(S::of(&o), Some(*s));
            assert_eq!(S::parse(s.as_str()), Some(*s));
        }
        assert_eq!(S::parse("nope"), None);
        assert_eq!(S::of(&json!({"status": 3})), None);
    }

    #[test]
    fn every_status_renders_and_parses_as_stripes_string() {
        round_trip::<SubscriptionStatus>();
        round_trip::<InvoiceStatus>();
        round_trip::<PaymentIntentStatus>();
        round_trip::<DisputeStatus>();
        assert_eq!(json!(SubscriptionStatus::PastDue), json!("past_due"));
        assert_eq!(
            json!(PaymentIntentStatus::RequiresPaymentMethod),
            json!("requires_payment_method")
        );
    }

    #[test]
    fn an_unknown_status_is_a_parameter_invalid_naming_the_values() {
        let e = InvoiceStatus::invalid("status").body();
        assert_eq!(e["error"]["code"], "parameter_invalid");
        assert_eq!(e["error"]["param"], "status");
        assert_eq!(
            e["error"]["message"],
            "Invalid status: must be one of draft, open, paid, uncollectible, or void"
        );
    }
}
