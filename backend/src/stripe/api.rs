//! The Stripe operations the backend performs, with idempotency keys derived from the
//! operation's identity and sequence — a dispute's action number, a user's checkout attempt, a
//! warning's refund — never from the clock, so a retry of one operation reuses its key and
//! Stripe performs it once, while a new operation gets a new key.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::client::{Form, StripeClient};
use super::error::StripeError;
use super::types::{
    Charge, CheckoutSession, Customer, Dispute, EarlyFraudWarning, Invoice, PortalSession, Refund,
    Subscription,
};
use crate::plans::PlanKey;

/// Parameters of a subscription Checkout Session.
#[derive(Debug, Clone)]
pub struct NewCheckoutSession<'a> {
    /// Our user id (client_reference_id and metadata).
    pub user_id: &'a str,
    /// The Stripe customer to attach (created or reused beforehand).
    pub customer_id: &'a str,
    /// The plan bought.
    pub plan: PlanKey,
    /// Its Stripe price id.
    pub price_id: &'a str,
    /// Where Stripe redirects after payment; must contain `{CHECKOUT_SESSION_ID}`.
    pub success_url: &'a str,
    /// Where Stripe redirects on cancel.
    pub cancel_url: &'a str,
    /// Which attempt this is (`k-…` the caller's `Idempotency-Key`, `a{n}` the user's n-th
    /// attempt); requests of one attempt share the key.
    pub attempt_bucket: &'a str,
}

/// Creates a Stripe customer for `user_id` (metadata `user_id`); never looked up by e-mail.
pub async fn create_customer(
    client: &StripeClient,
    user_id: &str,
    email: Option<&str>,
) -> Result<Customer, StripeError> {
    let mut form: Form = vec![("metadata[user_id]".into(), user_id.into())];
    if let Some(email) = email {
        form.push(("email".into(), email.into()));
    }
    let key = format!(
        "customer:{}:{}",
        key_part(user_id),
        short_hash(&[email.unwrap_or("")])
    );
    client.post("/v1/customers", &form, &key).await
}

/// Creates a `mode=subscription` Checkout Session.
pub async fn create_checkout_session(
    client: &StripeClient,
    p: &NewCheckoutSession<'_>,
) -> Result<CheckoutSession, StripeError> {
    let form: Form = vec![
        ("mode".into(), "subscription".into()),
        ("customer".into(), p.customer_id.into()),
        ("client_reference_id".into(), p.user_id.into()),
        ("line_items[0][price]".into(), p.price_id.into()),
        ("line_items[0][quantity]".into(), "1".into()),
        ("success_url".into(), p.success_url.into()),
        ("cancel_url".into(), p.cancel_url.into()),
        ("metadata[user_id]".into(), p.user_id.into()),
        ("metadata[plan]".into(), p.plan.to_string()),
        (
            "subscription_data[metadata][user_id]".into(),
            p.user_id.into(),
        ),
    ];
    client
        .post("/v1/checkout/sessions", &form, &checkout_idempotency_key(p))
        .await
}

/// `checkout:{user}:{plan}:{fingerprint}:{attempt}`: the same request repeated within an
/// attempt (a double click, a proxy retry) yields the same session; a different plan, URL or
/// customer yields a different key, so Stripe never sees a key reused with other parameters.
pub fn checkout_idempotency_key(p: &NewCheckoutSession<'_>) -> String {
    format!(
        "checkout:{}:{}:{}:{}",
        key_part(p.user_id),
        p.plan,
        checkout_fingerprint(p),
        p.attempt_bucket
    )
}

/// A hash of what makes two Checkout requests the same: customer, price and URLs.
pub fn checkout_fingerprint(p: &NewCheckoutSession<'_>) -> String {
    short_hash(&[p.customer_id, p.price_id, p.success_url, p.cancel_url])
}

/// Retrieves a Checkout Session (to know whether it is still `open`).
pub async fn retrieve_checkout_session(
    client: &StripeClient,
    id: &str,
) -> Result<CheckoutSession, StripeError> {
    client
        .get(&format!("/v1/checkout/sessions/{}", path_segment(id)), &[])
        .await
}

/// Retrieves a subscription (the current state, whatever order events arrive in).
pub async fn retrieve_subscription(
    client: &StripeClient,
    id: &str,
) -> Result<Subscription, StripeError> {
    client
        .get(&format!("/v1/subscriptions/{}", path_segment(id)), &[])
        .await
}

/// Retrieves an invoice.
pub async fn retrieve_invoice(client: &StripeClient, id: &str) -> Result<Invoice, StripeError> {
    client
        .get(&format!("/v1/invoices/{}", path_segment(id)), &[])
        .await
}

/// Creates a Customer Portal session for `customer_id`. `attempt` is the caller's
/// `Idempotency-Key` or a fresh key per request: each request is its own session (a portal
/// session moves no money), and only our client's retries of it share the key.
pub async fn create_portal_session(
    client: &StripeClient,
    customer_id: &str,
    return_url: &str,
    attempt: &str,
) -> Result<PortalSession, StripeError> {
    let form: Form = vec![
        ("customer".into(), customer_id.into()),
        ("return_url".into(), return_url.into()),
    ];
    let key = format!(
        "portal:{}:{}:{}",
        key_part(customer_id),
        short_hash(&[return_url]),
        attempt
    );
    client
        .post("/v1/billing_portal/sessions", &form, &key)
        .await
}

/// Retrieves a charge (to link disputes and fraud warnings to a customer).
pub async fn retrieve_charge(client: &StripeClient, id: &str) -> Result<Charge, StripeError> {
    client
        .get(&format!("/v1/charges/{}", path_segment(id)), &[])
        .await
}

/// Retrieves a dispute's current state, typed and as Stripe's raw JSON.
pub async fn retrieve_dispute(
    client: &StripeClient,
    id: &str,
) -> Result<(Dispute, serde_json::Value), StripeError> {
    let raw: serde_json::Value = client
        .get(&format!("/v1/disputes/{}", path_segment(id)), &[])
        .await?;
    let typed = Dispute::deserialize(&raw).map_err(|e| StripeError::Decode(e.to_string()))?;
    Ok((typed, raw))
}

/// The newest `limit` disputes of the account (Stripe lists newest first), typed and raw.
pub async fn list_recent_disputes(
    client: &StripeClient,
    limit: i64,
) -> Result<Vec<(Dispute, serde_json::Value)>, StripeError> {
    let limit = limit.clamp(1, 100).to_string();
    let page: serde_json::Value = client.get("/v1/disputes", &[("limit", &limit)]).await?;
    page["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|raw| {
            let typed =
                Dispute::deserialize(&raw).map_err(|e| StripeError::Decode(e.to_string()))?;
            Ok((typed, raw))
        })
        .collect()
}

/// Retrieves an early fraud warning's current state.
pub async fn retrieve_early_fraud_warning(
    client: &StripeClient,
    id: &str,
) -> Result<EarlyFraudWarning, StripeError> {
    client
        .get(
            &format!("/v1/radar/early_fraud_warnings/{}", path_segment(id)),
            &[],
        )
        .await
}

/// Stages (`submit=false`) or submits evidence on a dispute as the dispute's action number
/// `seq`. The key is the dispute, `seq`, the flag and a hash of the evidence: our client's
/// retries share it (Stripe applies the update once), while every new action — even one
/// repeating earlier evidence — has its own.
pub async fn update_dispute_evidence(
    client: &StripeClient,
    id: &str,
    seq: i64,
    evidence: &[(String, String)],
    submit: bool,
) -> Result<Dispute, StripeError> {
    let mut form: Form = evidence
        .iter()
        .map(|(k, v)| (format!("evidence[{k}]"), v.clone()))
        .collect();
    form.push(("submit".into(), submit.to_string()));
    let mut parts: Vec<&str> = Vec::new();
    for (k, v) in evidence {
        parts.push(k);
        parts.push(v);
    }
    let key = format!(
        "dispute-evidence:{}:{}:{seq}:{}",
        path_segment(id),
        if submit { "submit" } else { "stage" },
        short_hash(&parts)
    );
    client
        .post(&format!("/v1/disputes/{}", path_segment(id)), &form, &key)
        .await
}

/// Closes (concedes) a dispute; one key per dispute, as closing is irreversible.
pub async fn close_dispute(client: &StripeClient, id: &str) -> Result<Dispute, StripeError> {
    let key = format!("dispute-close:{}", path_segment(id));
    client
        .post(
            &format!("/v1/disputes/{}/close", path_segment(id)),
            &Vec::new(),
            &key,
        )
        .await
}

/// Fully refunds `charge_id` because of early fraud warning `warning_id`. The key is the
/// warning's, so however often an admin retries, Stripe refunds once.
pub async fn refund_for_fraud_warning(
    client: &StripeClient,
    warning_id: &str,
    charge_id: &str,
) -> Result<Refund, StripeError> {
    let form: Form = vec![
        ("charge".into(), charge_id.into()),
        ("reason".into(), "fraudulent".into()),
        ("metadata[early_fraud_warning]".into(), warning_id.into()),
    ];
    client
        .post(
            "/v1/refunds",
            &form,
            &fraud_refund_idempotency_key(warning_id),
        )
        .await
}

/// `efw-refund:{issfr_…}`.
pub fn fraud_refund_idempotency_key(warning_id: &str) -> String {
    format!("efw-refund:{}", path_segment(warning_id))
}

/// Ids come from Stripe payloads; keep them to safe characters so they can't alter the path.
fn path_segment(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// A user id as a key component: itself when short and plain, else its hash (keys ≤ 255).
fn key_part(s: &str) -> String {
    if s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
    {
        s.to_string()
    } else {
        short_hash(&[s])
    }
}

/// First 16 hex digits of SHA-256 over the parts (separated so `("ab","c") != ("a","bc")`).
fn short_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::{BillingCycle, Tier};

    fn params<'a>(success: &'a str, bucket: &'a str) -> NewCheckoutSession<'a> {
        NewCheckoutSession {
            user_id: "user_1",
            customer_id: "cus_1",
            plan: PlanKey {
                tier: Tier::Basic,
                cycle: BillingCycle::Monthly,
            },
            price_id: "price_1",
            success_url: success,
            cancel_url: "https://a/c",
            attempt_bucket: bucket,
        }
    }

    #[test]
    fn checkout_key_is_stable_for_a_retry_and_differs_otherwise() {
        let a = checkout_idempotency_key(&params("https://a/s", "29000001"));
        assert_eq!(
            a,
            checkout_idempotency_key(&params("https://a/s", "29000001"))
        );
        assert!(a.starts_with("checkout:user_1:basic.monthly:"));
        assert_ne!(
            a,
            checkout_idempotency_key(&params("https://a/t", "29000001"))
        );
        assert_ne!(
            a,
            checkout_idempotency_key(&params("https://a/s", "29000002"))
        );
        assert!(a.len() <= 255);
    }

    #[test]
    fn long_user_ids_are_hashed_and_paths_sanitised() {
        assert_eq!(key_part(&"x".repeat(65)).len(), 16);
        assert_eq!(key_part("user_2abc"), "user_2abc");
        assert_eq!(path_segment("sub_1/../x?y"), "sub_1xy");
    }
}
