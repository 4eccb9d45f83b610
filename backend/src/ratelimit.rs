//! Per-user, per-endpoint rate limiting with `governor`'s GCRA: each
//! endpoint has its own keyed limiter (so checkout and the portal never share a bucket), keyed
//! by user id. A refused attempt does not consume budget (GCRA only advances on acceptance).
//! Refusals answer 429 with `Retry-After`, log one structured `rate_limited` line and count in
//! `billing_rate_limited_requests_total`.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::api::AppState;
use crate::auth::AuthUser;
use crate::config::RateLimits;
use crate::error::ApiError;
use crate::metrics::{Metrics, RATE_LIMITED};

/// A rate-limited endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /create-checkout-session`.
    Checkout,
    /// `POST /create-portal-session`.
    Portal,
    /// Admin writes (evidence, close, refund, ignore).
    AdminWrite,
}

impl Endpoint {
    /// The name used in logs, metrics and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Checkout => "create-checkout-session",
            Endpoint::Portal => "create-portal-session",
            Endpoint::AdminWrite => "admin-write",
        }
    }
}

/// One keyed limiter per endpoint.
pub struct Limiters {
    checkout: DefaultKeyedRateLimiter<String>,
    portal: DefaultKeyedRateLimiter<String>,
    admin: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiters")
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Limiters {
    /// Limiters with the configured quotas (n per minute, bursts of n).
    pub fn new(limits: &RateLimits) -> Limiters {
        Limiters {
            checkout: RateLimiter::keyed(per_minute(limits.checkout_per_minute)),
            portal: RateLimiter::keyed(per_minute(limits.portal_per_minute)),
            admin: RateLimiter::keyed(per_minute(limits.admin_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one unit of `user_id`'s budget at `endpoint`, or says how long to wait.
    pub fn check(&self, endpoint: Endpoint, user_id: &str) -> Result<(), Duration> {
        let limiter = match endpoint {
            Endpoint::Checkout => &self.checkout,
            Endpoint::Portal => &self.portal,
            Endpoint::AdminWrite => &self.admin,
        };
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        limiter
            .check_key(&user_id.to_string())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// Seconds for `Retry-After`: the wait rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

/// Refuses (429) when over budget; logs and counts the refusal.
pub fn enforce(
    limiters: &Limiters,
    metrics: &Metrics,
    endpoint: Endpoint,
    user_id: &str,
    client: Option<SocketAddr>,
) -> Result<(), ApiError> {
    match limiters.check(endpoint, user_id) {
        Ok(()) => Ok(()),
        Err(wait) => {
            let retry_after = retry_after_secs(wait);
            metrics.inc(RATE_LIMITED, &[endpoint.as_str()]);
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

/// Which endpoint a [`Limited`] extractor guards.
pub trait LimitedEndpoint {
    /// The endpoint.
    const ENDPOINT: Endpoint;
}

/// Marker: checkout.
#[derive(Debug)]
pub struct CheckoutLimit;
impl LimitedEndpoint for CheckoutLimit {
    const ENDPOINT: Endpoint = Endpoint::Checkout;
}

/// Marker: portal.
#[derive(Debug)]
pub struct PortalLimit;
impl LimitedEndpoint for PortalLimit {
    const ENDPOINT: Endpoint = Endpoint::Portal;
}

/// An authenticated user within their budget for endpoint `E`: authenticate (401), then the
/// rate limit (429), before the body is validated.
#[derive(Debug)]
pub struct Limited<E>(pub AuthUser, pub std::marker::PhantomData<E>);

impl<E: LimitedEndpoint> FromRequestParts<AppState> for Limited<E> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        enforce(
            &state.limiters,
            &state.metrics,
            E::ENDPOINT,
            &user.user_id,
            client_addr(parts),
        )?;
        Ok(Limited(user, std::marker::PhantomData))
    }
}

/// The peer address, when the server was started with connect info.
pub fn client_addr(parts: &Parts) -> Option<SocketAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_per_user_and_per_endpoint_and_refusals_are_free() {
        let l = Limiters::new(&RateLimits {
            checkout_per_minute: 2,
            portal_per_minute: 2,
            admin_per_minute: 2,
        });
        assert!(l.check(Endpoint::Checkout, "a").is_ok());
        assert!(l.check(Endpoint::Checkout, "a").is_ok());
        let wait = l.check(Endpoint::Checkout, "a").unwrap_err();
        assert!(wait <= Duration::from_secs(30) && wait > Duration::ZERO);
        // Other user, other endpoint: own budgets.
        assert!(l.check(Endpoint::Checkout, "b").is_ok());
        assert!(l.check(Endpoint::Portal, "a").is_ok());
        // Refused attempts do not push the wait further out.
        let w1 = l.check(Endpoint::Checkout, "a").unwrap_err();
        for _ in 0..50 {
            let _ = l.check(Endpoint::Checkout, "a");
        }
        let w2 = l.check(Endpoint::Checkout, "a").unwrap_err();
        assert!(w2 <= w1, "{w2:?} > {w1:?}");
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(29_001)), 30);
    }
}
