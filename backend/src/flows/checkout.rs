//! Starting Checkout: validates the plan and redirect URLs, refuses a second paid subscription
//! (409), creates or reuses the user's Stripe customer (found by our stored id, never by
//! e-mail) and creates a subscription Checkout Session.

use super::validate::check_redirect_url;
use crate::auth::AuthUser;
use crate::db::subscriptions;
use crate::error::ApiError;
use crate::plans::{BillingCycle, PlanKey, Tier};
use crate::state::AppState;
use crate::stripe::api::{self, NewCheckoutSession};
use crate::stripe::types::CheckoutSession;

/// The placeholder Stripe replaces with the session id in `success_url`.
pub const SESSION_PLACEHOLDER: &str = "{CHECKOUT_SESSION_ID}";

/// What the caller asked for.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    /// `basic`, `pro`, …
    pub tier: &'a str,
    /// `monthly` or `yearly`.
    pub billing_cycle: &'a str,
    /// Where Stripe sends the payer after paying.
    pub success_url: &'a str,
    /// Where Stripe sends the payer who leaves Checkout.
    pub cancel_url: &'a str,
    /// The caller's `Idempotency-Key` (`k-…`), if it sent one.
    pub caller_key: Option<&'a str>,
}

/// A Checkout Session to send the payer to.
#[derive(Debug, Clone)]
pub struct StartedCheckout {
    /// The hosted page.
    pub url: String,
    /// `cs_…`.
    pub session_id: String,
}

/// Validates `req` and creates the session (the caller has passed the rate limit).
pub async fn start_checkout(
    state: &AppState,
    user: &AuthUser,
    req: &CheckoutRequest<'_>,
) -> Result<StartedCheckout, ApiError> {
    let mapping = &state.config.stripe.price_mapping;
    let plan_text = format!("{}.{}", req.tier.trim(), req.billing_cycle.trim());
    let not_for_sale = || {
        ApiError::bad_request(
            "unknown_plan",
            format!("{} is not for sale.", printable(&plan_text)),
        )
    };
    let plan = match (
        Tier::parse(req.tier.trim()),
        BillingCycle::parse(req.billing_cycle.trim()),
    ) {
        (Some(tier), Some(cycle)) => PlanKey { tier, cycle },
        _ => return Err(not_for_sale()),
    };
    let price_id = mapping.price_for(plan).ok_or_else(not_for_sale)?;
    let origins = &state.config.allowed_redirect_origins;
    // Checked as Stripe checks them, before a customer or a row is created.
    let success_url = check_redirect_url("success_url", req.success_url, origins)?;
    let success_url = with_session_placeholder(&success_url);
    let success_url = check_redirect_url("success_url", &success_url, origins)?;
    let cancel_url = check_redirect_url("cancel_url", req.cancel_url, origins)?;

    let existing = subscriptions::get_by_user(&state.pool, &user.user_id).await?;
    if let Some(row) = &existing
        && row.is_active
        && row.plan_tier != Tier::Free.as_str()
    {
        return Err(ApiError::Conflict {
            code: "already_subscribed",
            message: format!(
                "You already have an active {} subscription; change it in the billing portal.",
                row.plan_name
            ),
        });
    }
    let customer_id = match existing.and_then(|r| r.stripe_customer_id) {
        Some(id) => id,
        None => {
            let customer =
                api::create_customer(&state.stripe, &user.user_id, user.email.as_deref()).await?;
            subscriptions::ensure_customer(
                &state.pool,
                &user.user_id,
                user.email.as_deref(),
                &customer.id,
            )
            .await?
        }
    };
    let params = NewCheckoutSession {
        user_id: &user.user_id,
        customer_id: &customer_id,
        plan,
        price_id,
        success_url: &success_url,
        cancel_url: &cancel_url,
        attempt_bucket: req.caller_key.unwrap_or(""),
    };
    let session = match req.caller_key {
        Some(_) => api::create_checkout_session(&state.stripe, &params).await?,
        None => create_in_attempt_sequence(state, &user.user_id, params).await?,
    };
    let Some(url) = session.url else {
        return Err(ApiError::Internal(format!(
            "checkout session {} has no url",
            session.id
        )));
    };
    tracing::info!(
        user_id = %user.user_id, plan = %plan, customer_id = %customer_id,
        session_id = %session.id, "checkout session created"
    );
    Ok(StartedCheckout {
        url,
        session_id: session.id,
    })
}

/// Creates the session as the user's current attempt or a new one, under the user's row lock:
/// the last attempt is reused (same key, so Stripe answers its session again) while Stripe says
/// its session is still `open` and it had the same customer, price and URLs; otherwise — it
/// completed, expired, or asked for something else — the attempt number moves on and Stripe
/// creates a new session. A double click therefore makes one session, and paying, leaving and
/// coming back later makes a fresh one.
async fn create_in_attempt_sequence(
    state: &AppState,
    user_id: &str,
    mut params: NewCheckoutSession<'_>,
) -> Result<CheckoutSession, ApiError> {
    let fingerprint = api::checkout_fingerprint(&params);
    let mut tx = state.pool.begin().await?;
    let last = subscriptions::lock_checkout_attempt(&mut tx, user_id)
        .await?
        .unwrap_or_default();
    let reusable = match (
        &last.last_checkout_session_id,
        &last.last_checkout_fingerprint,
    ) {
        (Some(id), Some(fp)) if *fp == fingerprint && last.checkout_attempt > 0 => {
            match api::retrieve_checkout_session(&state.stripe, id).await {
                Ok(s) => s.status.as_deref() == Some("open"),
                Err(e) if e.is_not_found() => false,
                Err(e) => return Err(e.into()),
            }
        }
        _ => false,
    };
    let attempt = if reusable {
        last.checkout_attempt
    } else {
        last.checkout_attempt + 1
    };
    let bucket = format!("a{attempt}");
    params.attempt_bucket = &bucket;
    let session = api::create_checkout_session(&state.stripe, &params).await?;
    subscriptions::record_checkout_attempt(&mut tx, user_id, attempt, &session.id, &fingerprint)
        .await?;
    tx.commit().await?;
    Ok(session)
}

/// Appends `session_id={CHECKOUT_SESSION_ID}` (before any fragment) unless the URL already
/// carries the placeholder.
pub fn with_session_placeholder(url: &str) -> String {
    if url.contains(SESSION_PLACEHOLDER) {
        return url.to_string();
    }
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let sep = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    let mut out = format!("{base}{sep}session_id={SESSION_PLACEHOLDER}");
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// Keeps caller text in messages short and printable.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_is_appended_once() {
        assert_eq!(
            with_session_placeholder("https://a.example/ok"),
            "https://a.example/ok?session_id={CHECKOUT_SESSION_ID}"
        );
        assert_eq!(
            with_session_placeholder("https://a.example/ok?x=1#top"),
            "https://a.example/ok?x=1&session_id={CHECKOUT_SESSION_ID}#top"
        );
        let already = "https://a.example/ok?s={CHECKOUT_SESSION_ID}";
        assert_eq!(with_session_placeholder(already), already);
    }
}
