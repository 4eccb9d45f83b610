//! Opening the Customer Portal for the caller's Stripe customer; 404 `no_billing_profile` when
//! the caller has none (never a 500).

use super::validate::check_redirect_url;
use crate::auth::AuthUser;
use crate::db::subscriptions;
use crate::error::ApiError;
use crate::state::AppState;
use crate::stripe::api;

/// Creates a portal session whose "return" link is `return_url`; returns the portal's URL.
pub async fn open_portal(
    state: &AppState,
    user: &AuthUser,
    return_url: &str,
    attempt: &str,
) -> Result<String, ApiError> {
    let return_url = &check_redirect_url(
        "return_url",
        return_url,
        &state.config.allowed_redirect_origins,
    )?;
    let customer = subscriptions::get_by_user(&state.pool, &user.user_id)
        .await?
        .and_then(|r| r.stripe_customer_id);
    let Some(customer) = customer else {
        return Err(ApiError::NotFound {
            code: "no_billing_profile",
            message: "You have no billing profile yet; subscribe to a plan first.".into(),
        });
    };
    let session = api::create_portal_session(&state.stripe, &customer, return_url, attempt).await?;
    tracing::info!(user_id = %user.user_id, customer_id = %customer, portal_session_id = %session.id, "portal session created");
    Ok(session.url)
}
