//! `POST /api/subscription/create-checkout-session`: validates the plan and redirect URLs,
//! refuses a second paid subscription (409), creates or reuses the user's Stripe customer
//! (found by our stored id, never by e-mail) and creates a subscription Checkout Session.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::extract::ApiJson;
use crate::config::url_within_origins;
use crate::db::subscriptions;
use crate::error::ApiError;
use crate::plans::{BillingCycle, PlanKey, Tier};
use crate::ratelimit::{CheckoutLimit, Limited};
use crate::stripe::api::{self, NewCheckoutSession};

/// The request body.
#[derive(Debug, Deserialize)]
pub struct CreateCheckoutSession {
    /// `basic`, `pro`, …
    pub tier: String,
    /// `monthly` or `yearly`.
    pub billing_cycle: String,
    /// Where to return after paying.
    pub success_url: String,
    /// Where to return on cancel.
    pub cancel_url: String,
}

/// The placeholder Stripe replaces with the session id in `success_url`.
pub const SESSION_PLACEHOLDER: &str = "{CHECKOUT_SESSION_ID}";

/// Creates the session; returns `{url, session_id}`.
pub async fn create_checkout_session(
    Limited(user, _): Limited<CheckoutLimit>,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateCheckoutSession>,
) -> Result<Json<Value>, ApiError> {
    // Validate.
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
    for (name, url) in [
        ("success_url", &req.success_url),
        ("cancel_url", &req.cancel_url),
    ] {
        if !url_within_origins(url, origins) {
            return Err(ApiError::bad_request(
                "invalid_redirect_url",
                format!(
                    "{name} must start with one of the allowed origins: {}.",
                    origins.join(", ")
                ),
            ));
        }
    }
    let success_url = with_session_placeholder(&req.success_url);

    // Act.
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
    let bucket = attempt_bucket(&headers);
    let session = api::create_checkout_session(
        &state.stripe,
        &NewCheckoutSession {
            user_id: &user.user_id,
            customer_id: &customer_id,
            plan,
            price_id,
            success_url: &success_url,
            cancel_url: &req.cancel_url,
            attempt_bucket: &bucket,
        },
    )
    .await?;
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
    Ok(Json(json!({"url": url, "session_id": session.id})))
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

/// The caller's `Idempotency-Key` header (a client retry of one click), or else the current
/// minute: repeats within a minute reuse one Checkout Session.
pub fn attempt_bucket(headers: &HeaderMap) -> String {
    if let Some(k) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| {
            k.chars()
                .filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                .take(64)
                .collect::<String>()
        })
        .filter(|k| !k.is_empty())
    {
        return format!("k-{k}");
    }
    let minute = time::OffsetDateTime::now_utc().unix_timestamp() / 60;
    format!("m-{minute}")
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

    #[test]
    fn bucket_prefers_the_callers_key() {
        let mut h = HeaderMap::new();
        assert!(attempt_bucket(&h).starts_with("m-"));
        h.insert("idempotency-key", "abc-123/../x".parse().unwrap());
        assert_eq!(attempt_bucket(&h), "k-abc-123x");
    }
}
