//! The rate limit at the HTTP edge: [`enforce`] turns the core's verdict
//! ([`crate::ratelimit::Limiters::check`]) into 429 with `Retry-After`, one structured
//! `rate_limited` log line and one count in `billing_rate_limited_requests_total`. The JSON
//! routes take it through one extractor, [`Limited`], whose marker names the endpoint and the
//! caller it needs (a user for checkout and the portal, an admin for admin writes); the pages,
//! which show a refusal inside the page, call [`enforce`] themselves at the same point.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::auth::{AdminUser, AuthUser};
use crate::error::ApiError;
use crate::metrics::RATE_LIMITED;
use crate::ratelimit::{Endpoint, retry_after_secs};
use crate::state::AppState;

/// Refuses (429) when `user_id` is over budget at `endpoint`; logs and counts the refusal.
pub async fn enforce(
    state: &AppState,
    endpoint: Endpoint,
    user_id: &str,
    client: Option<SocketAddr>,
) -> Result<(), ApiError> {
    match state
        .limiters
        .check(&state.metrics, endpoint, user_id)
        .await
    {
        Ok(()) => Ok(()),
        Err(wait) => {
            let retry_after = retry_after_secs(wait);
            state.metrics.inc(RATE_LIMITED, &[endpoint.as_str()]);
            tracing::warn!(
                event = "rate_limited",
                user_id,
                endpoint = endpoint.as_str(),
                client_addr = %client.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into()),
                retry_after_secs = retry_after,
                "rate_limited"
            );
            Err(ApiError::RateLimited {
                retry_after_secs: retry_after,
            })
        }
    }
}

/// A caller whose budget is counted by user id.
pub trait Caller: FromRequestParts<AppState, Rejection = ApiError> + Send {
    /// The id the budget is kept under.
    fn user_id(&self) -> &str;
}

impl Caller for AuthUser {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl Caller for AdminUser {
    fn user_id(&self) -> &str {
        &self.user_id
    }
}

/// Which endpoint a [`Limited`] extractor guards, and who may call it.
pub trait LimitedEndpoint {
    /// The endpoint whose budget is taken.
    const ENDPOINT: Endpoint;
    /// Who may call it (authenticated, and authorized when it is an admin).
    type Caller: Caller;
}

/// Marker: `POST /create-checkout-session`, any signed-in user.
#[derive(Debug)]
pub struct CheckoutLimit;
impl LimitedEndpoint for CheckoutLimit {
    const ENDPOINT: Endpoint = Endpoint::Checkout;
    type Caller = AuthUser;
}

/// Marker: `POST /create-portal-session`, any signed-in user.
#[derive(Debug)]
pub struct PortalLimit;
impl LimitedEndpoint for PortalLimit {
    const ENDPOINT: Endpoint = Endpoint::Portal;
    type Caller = AuthUser;
}

/// Marker: the admin writes (evidence, close, refund, ignore), admins only.
#[derive(Debug)]
pub struct AdminWriteLimit;
impl LimitedEndpoint for AdminWriteLimit {
    const ENDPOINT: Endpoint = Endpoint::AdminWrite;
    type Caller = AdminUser;
}

/// The caller of endpoint `E` within their budget: authenticate (401), authorize (403, for
/// admin endpoints), then the rate limit (429) — before the body is read or validated.
pub struct Limited<E: LimitedEndpoint>(pub E::Caller);

impl<E: LimitedEndpoint> std::fmt::Debug for Limited<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Limited").field(&self.0.user_id()).finish()
    }
}

impl<E: LimitedEndpoint> FromRequestParts<AppState> for Limited<E> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = E::Caller::from_request_parts(parts, state).await?;
        enforce(state, E::ENDPOINT, caller.user_id(), client_addr(parts)).await?;
        Ok(Limited(caller))
    }
}

/// The peer address, when the server was started with connect info.
pub fn client_addr(parts: &Parts) -> Option<SocketAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}
