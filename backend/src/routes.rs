//! Every path the backend serves and every Stripe event type its webhook endpoint handles,
//! named once: the routers use these constants, and so do clients (the rehearsal harness, the
//! preflight that checks a deployment's webhook endpoint), so a path cannot drift between them.
//! A `{id}` segment is filled in with [`with_id`].

/// Starts Checkout for a plan (`POST`, JSON `{tier, cycle}`).
pub const CHECKOUT_SESSION: &str = "/api/subscription/create-checkout-session";
/// Opens the Stripe billing portal for the signed-in user (`POST`).
pub const PORTAL_SESSION: &str = "/api/subscription/create-portal-session";
/// The signed-in user's subscription status (`GET`).
pub const STATUS: &str = "/api/subscription/status";
/// The plans on sale (`GET`, no sign-in).
pub const PLANS: &str = "/api/subscription/plans";
/// The disputes (`GET`, admins).
pub const DISPUTES: &str = "/api/subscription/disputes";
/// One dispute (`GET`, admins).
pub const DISPUTE: &str = "/api/subscription/disputes/{id}";
/// Submits evidence for a dispute (`POST`, admins).
pub const DISPUTE_EVIDENCE: &str = "/api/subscription/disputes/{id}/evidence";
/// Concedes a dispute (`POST`, admins).
pub const DISPUTE_CLOSE: &str = "/api/subscription/disputes/{id}/close";
/// The early fraud warnings (`GET`, admins).
pub const FRAUD_WARNINGS: &str = "/api/subscription/fraud-warnings";
/// One early fraud warning (`GET`, admins).
pub const FRAUD_WARNING: &str = "/api/subscription/fraud-warnings/{id}";
/// Refunds the charge an early fraud warning is about (`POST`, admins).
pub const FRAUD_WARNING_REFUND: &str = "/api/subscription/fraud-warnings/{id}/refund";
/// Marks an early fraud warning as handled without a refund (`POST`, admins).
pub const FRAUD_WARNING_IGNORE: &str = "/api/subscription/fraud-warnings/{id}/ignore";
/// Where Stripe delivers signed webhook events (`POST`).
pub const WEBHOOK_PATH: &str = "/api/subscription/webhook";
/// Liveness and readiness (`GET`).
pub const HEALTHZ: &str = "/healthz";
/// Prometheus metrics (`GET`).
pub const METRICS: &str = "/metrics";

/// The pricing page (`GET`).
pub const PRICING_PAGE: &str = "/pricing";
/// The pricing page's form that starts Checkout (`POST`).
pub const PRICING_CHECKOUT: &str = "/pricing/checkout";
/// Where Checkout sends a user who paid (`GET`).
pub const BILLING_SUCCESS: &str = "/billing/success";
/// Where Checkout sends a user who cancelled (`GET`).
pub const BILLING_CANCELLED: &str = "/billing/cancelled";
/// The account page (`GET`).
pub const ACCOUNT_PAGE: &str = "/account";
/// The account page's form that opens the billing portal (`POST`).
pub const ACCOUNT_BILLING_PORTAL: &str = "/account/billing-portal";
/// The ops dashboard (`GET`, admins).
pub const OPS_DASHBOARD: &str = "/stripe-disputes";
/// The Ops Guide (`GET`, admins).
pub const OPS_GUIDE: &str = "/stripe-disputes/guide";
/// The dashboard's evidence form (`POST`, admins).
pub const OPS_DISPUTE_EVIDENCE: &str = "/stripe-disputes/disputes/{id}/evidence";
/// The dashboard's concede button (`POST`, admins).
pub const OPS_DISPUTE_CLOSE: &str = "/stripe-disputes/disputes/{id}/close";
/// The dashboard's refund button (`POST`, admins).
pub const OPS_FRAUD_WARNING_REFUND: &str = "/stripe-disputes/fraud-warnings/{id}/refund";
/// The dashboard's ignore button (`POST`, admins).
pub const OPS_FRAUD_WARNING_IGNORE: &str = "/stripe-disputes/fraud-warnings/{id}/ignore";

/// The Stripe event types the webhook endpoint applies; any other type is recorded and ignored.
/// An endpoint registered for the backend subscribes to these.
pub const HANDLED_EVENTS: &[&str] = &[
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "radar.early_fraud_warning.created",
    "radar.early_fraud_warning.updated",
];

/// `route` with its `{id}` segment replaced by `id` (`with_id(DISPUTE, "dp_1")`).
pub fn with_id(route: &str, id: &str) -> String {
    route.replace("{id}", id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fill_the_segment() {
        assert_eq!(
            with_id(DISPUTE_CLOSE, "dp_1"),
            "/api/subscription/disputes/dp_1/close"
        );
    }
}
