//! What a verified event is about, decoded once before any database work: the typed payload
//! and the Stripe object whose advisory lock serialises it with every other event of that
//! object. Knowing the object up front lets the handler take its lock in the same statement
//! that records the event in the ledger (one round trip instead of two).

use super::outcome::IgnoredReason;
use crate::stripe::types::{
    CheckoutSession, Dispute, EarlyFraudWarning, Event, Invoice, Subscription,
};

/// An event's payload, decoded for its type.
#[derive(Debug, Clone)]
pub enum Subject {
    /// Nothing to apply (`ignored:<reason>`): a type we do not handle, the other mode, a
    /// Checkout session that is not a subscription's, an invoice of no subscription.
    Ignored(IgnoredReason),
    /// The payload lacks what its type must carry (the event can never apply).
    Malformed(String),
    /// `checkout.session.completed` of a subscription: sync the subscription.
    Checkout {
        /// `sub_…` the session created.
        subscription_id: String,
        /// `client_reference_id`, else `metadata.user_id`.
        user_hint: Option<String>,
    },
    /// `customer.subscription.*`: the subscription as of the event.
    Subscription(Box<Subscription>),
    /// `invoice.paid|payment_succeeded|payment_failed` of a subscription.
    Invoice {
        /// The invoice.
        invoice: Box<Invoice>,
        /// Its subscription.
        subscription_id: String,
    },
    /// `charge.dispute.*`.
    Dispute(Box<Dispute>),
    /// `radar.early_fraud_warning.*`.
    FraudWarning(Box<EarlyFraudWarning>),
}

impl Subject {
    /// Decodes `event` (`livemode` is this deployment's mode: events of the other mode are
    /// recorded, never applied).
    pub fn of(event: &Event, livemode: bool) -> Subject {
        if event.livemode != livemode {
            return Subject::Ignored(IgnoredReason::LivemodeMismatch);
        }
        match decode(event) {
            Ok(subject) => subject,
            Err(e) => Subject::Malformed(format!("{}: {e}", event.kind)),
        }
    }

    /// The Stripe object every event about it serialises on (`sub_…`, `dp_…`, `issfr_…`);
    /// none when nothing will be applied.
    pub fn lock_key(&self) -> Option<&str> {
        match self {
            Subject::Ignored(_) | Subject::Malformed(_) => None,
            Subject::Checkout {
                subscription_id, ..
            }
            | Subject::Invoice {
                subscription_id, ..
            } => Some(subscription_id),
            Subject::Subscription(s) => Some(&s.id),
            Subject::Dispute(d) => Some(&d.id),
            Subject::FraudWarning(w) => Some(&w.id),
        }
    }
}

fn decode(event: &Event) -> Result<Subject, serde_json::Error> {
    Ok(match event.kind.as_str() {
        "checkout.session.completed" => {
            let session: CheckoutSession = event.object()?;
            if session.mode.as_deref() != Some("subscription") {
                return Ok(Subject::Ignored(IgnoredReason::NotSubscriptionMode));
            }
            let Some(subscription_id) = session.subscription else {
                return Ok(Subject::Ignored(IgnoredReason::NoSubscription));
            };
            let user_hint = session
                .client_reference_id
                .or_else(|| session.metadata.get("user_id").cloned());
            Subject::Checkout {
                subscription_id,
                user_hint,
            }
        }
        "customer.subscription.created"
        | "customer.subscription.updated"
        | "customer.subscription.deleted" => Subject::Subscription(Box::new(event.object()?)),
        "invoice.paid" | "invoice.payment_succeeded" | "invoice.payment_failed" => {
            let invoice: Invoice = event.object()?;
            let Some(subscription_id) = invoice.subscription_id().map(str::to_string) else {
                return Ok(Subject::Ignored(IgnoredReason::NotASubscriptionInvoice));
            };
            Subject::Invoice {
                invoice: Box::new(invoice),
                subscription_id,
            }
        }
        "charge.dispute.created"
        | "charge.dispute.updated"
        | "charge.dispute.closed"
        | "charge.dispute.funds_withdrawn"
        | "charge.dispute.funds_reinstated" => Subject::Dispute(Box::new(event.object()?)),
        "radar.early_fraud_warning.created" | "radar.early_fraud_warning.updated" => {
            Subject::FraudWarning(Box::new(event.object()?))
        }
        _ => Subject::Ignored(IgnoredReason::UnhandledType),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, object: serde_json::Value) -> Event {
        serde_json::from_value(json!({
            "id": "evt_1", "type": kind, "created": 1, "livemode": false,
            "data": {"object": object}
        }))
        .unwrap()
    }

    #[test]
    fn each_type_locks_the_object_its_events_share() {
        let checkout = event(
            "checkout.session.completed",
            json!({"id": "cs_1", "mode": "subscription", "subscription": "sub_1",
                   "metadata": {"user_id": "u_1"}}),
        );
        let subject = Subject::of(&checkout, false);
        assert_eq!(subject.lock_key(), Some("sub_1"));
        assert!(
            matches!(&subject, Subject::Checkout { user_hint: Some(u), .. } if u == "u_1"),
            "{subject:?}"
        );
        let invoice = event(
            "invoice.paid",
            json!({"id": "in_1", "parent": {"subscription_details": {"subscription": "sub_2"}}}),
        );
        assert_eq!(Subject::of(&invoice, false).lock_key(), Some("sub_2"));
        let dispute = event(
            "charge.dispute.created",
            json!({"id": "dp_1", "status": "needs_response"}),
        );
        assert_eq!(Subject::of(&dispute, false).lock_key(), Some("dp_1"));
    }

    #[test]
    fn nothing_to_apply_locks_nothing() {
        let payment = event(
            "checkout.session.completed",
            json!({"id": "cs_1", "mode": "payment"}),
        );
        assert!(matches!(
            Subject::of(&payment, false),
            Subject::Ignored(IgnoredReason::NotSubscriptionMode)
        ));
        let other_mode = event("invoice.paid", json!({"id": "in_1"}));
        assert!(matches!(
            Subject::of(&other_mode, true),
            Subject::Ignored(IgnoredReason::LivemodeMismatch)
        ));
        let broken = event("customer.subscription.updated", json!({"id": 5}));
        let subject = Subject::of(&broken, false);
        assert!(
            matches!(&subject, Subject::Malformed(m) if m.starts_with("customer.subscription.updated: "))
        );
        assert_eq!(subject.lock_key(), None);
        assert_eq!(
            Subject::of(&event("customer.created", json!({})), false).lock_key(),
            None
        );
    }
}
