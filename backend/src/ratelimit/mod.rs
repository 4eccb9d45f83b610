//! Per-user, per-endpoint rate limiting with a GCRA: each endpoint has its own budget per user
//! (so checkout and the portal never share one): a burst of n, then one attempt back every
//! window/n seconds (the window is a minute unless `RATE_LIMIT_WINDOW_SECS` sets it). A refused
//! attempt does not consume budget. This is the plain core — a user id and an endpoint in, "go"
//! or "wait this long" out, no HTTP; the edge ([`crate::edge::limit`]) answers a refusal with
//! 429 and `Retry-After`.
//!
//! With `REDIS_URL` the budgets live in Redis ([`shared`]), so replicas behind a load balancer
//! share them. When Redis does not answer (within 250 ms), this process's own budget decides —
//! the backend keeps selling and keeps limiting, each replica on its own until Redis is back —
//! and the fallback is logged (`rate_limit_store_unavailable`) and counted
//! (`billing_rate_limit_store_errors_total`). Without `REDIS_URL` the process's own budget is
//! the only one: right for a single instance.

pub mod shared;

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimits;
use crate::metrics::{Metrics, RATE_LIMIT_STORE_ERRORS};

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

/// One budget per endpoint and user: in Redis when configured, else (and as the fallback) in
/// this process.
pub struct Limiters {
    checkout: DefaultKeyedRateLimiter<String>,
    portal: DefaultKeyedRateLimiter<String>,
    admin: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
    quotas: RateLimits,
    shared: Option<shared::SharedBudgets>,
}

impl std::fmt::Debug for Limiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiters")
    }
}

/// n attempts per `window_secs`: a burst of n, then one back every window/n.
fn per_window(n: u32, window_secs: u64) -> Quota {
    let burst = NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
    let period = Duration::from_secs(window_secs.max(1)) / burst.get();
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

impl Limiters {
    /// Limiters with the configured quotas (n per window, bursts of n), shared through Redis
    /// when `limits.redis_url` is set.
    pub fn new(limits: &RateLimits) -> Limiters {
        let shared = limits.redis_url.as_deref().and_then(|url| {
            shared::SharedBudgets::new(url)
                .inspect_err(
                    |e| tracing::error!(error = %e, "REDIS_URL unusable; budgets per process"),
                )
                .ok()
        });
        Limiters {
            checkout: RateLimiter::keyed(per_window(
                limits.checkout_per_minute,
                limits.window_secs,
            )),
            portal: RateLimiter::keyed(per_window(limits.portal_per_minute, limits.window_secs)),
            admin: RateLimiter::keyed(per_window(limits.admin_per_minute, limits.window_secs)),
            clock: DefaultClock::default(),
            quotas: limits.clone(),
            shared,
        }
    }

    /// Whether budgets are shared between replicas (Redis configured).
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Takes one unit of `user_id`'s budget at `endpoint`, or says how long to wait: from
    /// Redis when configured, else — or when Redis does not answer — from this process.
    pub async fn check(
        &self,
        metrics: &Metrics,
        endpoint: Endpoint,
        user_id: &str,
    ) -> Result<(), Duration> {
        if let Some(store) = &self.shared {
            let per_window = match endpoint {
                Endpoint::Checkout => self.quotas.checkout_per_minute,
                Endpoint::Portal => self.quotas.portal_per_minute,
                Endpoint::AdminWrite => self.quotas.admin_per_minute,
            };
            let key = format!("billing:ratelimit:{}:{user_id}", endpoint.as_str());
            match store.take(&key, per_window, self.quotas.window_secs).await {
                Ok(None) => return Ok(()),
                Ok(Some(wait)) => return Err(wait),
                Err(e) => {
                    metrics.inc(RATE_LIMIT_STORE_ERRORS, &[endpoint.as_str()]);
                    if !matches!(e, shared::StoreError::BackingOff) {
                        tracing::warn!(
                            event = "rate_limit_store_unavailable",
                            endpoint = endpoint.as_str(),
                            error = %e,
                            "Redis did not answer; this process's own budget decides"
                        );
                    }
                }
            }
        }
        self.check_local(endpoint, user_id)
    }

    /// Takes one unit of this process's own budget.
    fn check_local(&self, endpoint: Endpoint, user_id: &str) -> Result<(), Duration> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(n: u32, redis_url: Option<&str>) -> RateLimits {
        RateLimits {
            window_secs: 60,
            checkout_per_minute: n,
            portal_per_minute: n,
            admin_per_minute: n,
            redis_url: redis_url.map(str::to_string),
        }
    }

    /// The Redis the tests use (`REDIS_URL`, default the local one CI starts).
    fn redis_url() -> String {
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
    }

    fn user() -> String {
        format!("user_{}", rand::random::<u64>())
    }

    /// The GCRA's promises, for one limiter: a burst of n, per user and per endpoint, and
    /// refusals that do not push the wait further out.
    async fn keeps_its_promises(l: &Limiters, m: &Metrics) {
        let (a, b) = (user(), user());
        assert!(l.check(m, Endpoint::Checkout, &a).await.is_ok());
        assert!(l.check(m, Endpoint::Checkout, &a).await.is_ok());
        let wait = l.check(m, Endpoint::Checkout, &a).await.unwrap_err();
        assert!(
            wait <= Duration::from_secs(30) && wait > Duration::from_secs(25),
            "{wait:?}"
        );
        // Other user, other endpoint: own budgets.
        assert!(l.check(m, Endpoint::Checkout, &b).await.is_ok());
        assert!(l.check(m, Endpoint::Portal, &a).await.is_ok());
        // Refused attempts do not push the wait further out.
        let w1 = l.check(m, Endpoint::Checkout, &a).await.unwrap_err();
        for _ in 0..50 {
            let _ = l.check(m, Endpoint::Checkout, &a).await;
        }
        let w2 = l.check(m, Endpoint::Checkout, &a).await.unwrap_err();
        assert!(w2 <= w1, "{w2:?} > {w1:?}");
    }

    #[tokio::test]
    async fn the_process_budget_keeps_its_promises() {
        let m = Metrics::default();
        keeps_its_promises(&Limiters::new(&limits(2, None)), &m).await;
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(29_001)), 30);
    }

    #[tokio::test]
    async fn the_redis_budget_keeps_the_same_promises() {
        let m = Metrics::default();
        let l = Limiters::new(&limits(2, Some(&redis_url())));
        assert!(l.is_shared());
        keeps_its_promises(&l, &m).await;
        assert!(
            !m.render()
                .contains("billing_rate_limit_store_errors_total{"),
            "Redis at {} did not answer (start it: redis-server --daemonize yes): {}",
            redis_url(),
            m.render()
        );
    }

    /// A deployment's window (`RATE_LIMIT_WINDOW_SECS`) scales the refill, in both stores.
    #[tokio::test]
    async fn a_shorter_window_gives_attempts_back_sooner() {
        let m = Metrics::default();
        for redis in [None, Some(redis_url())] {
            let mut limits = limits(4, redis.as_deref());
            limits.window_secs = 2;
            let l = Limiters::new(&limits);
            let u = user();
            for _ in 0..4 {
                assert!(l.check(&m, Endpoint::Checkout, &u).await.is_ok());
            }
            // One attempt back every 2 s / 4 = 500 ms.
            let wait = l.check(&m, Endpoint::Checkout, &u).await.unwrap_err();
            assert!(
                wait <= Duration::from_millis(500) && wait > Duration::from_millis(300),
                "shared: {}: {wait:?}",
                redis.is_some()
            );
        }
    }

    #[tokio::test]
    async fn replicas_on_one_redis_share_one_budget() {
        let m = Metrics::default();
        let (one, two) = (
            Limiters::new(&limits(3, Some(&redis_url()))),
            Limiters::new(&limits(3, Some(&redis_url()))),
        );
        let u = user();
        // Alternating replicas: three attempts in all, not three each.
        assert!(one.check(&m, Endpoint::Checkout, &u).await.is_ok());
        assert!(two.check(&m, Endpoint::Checkout, &u).await.is_ok());
        assert!(one.check(&m, Endpoint::Checkout, &u).await.is_ok());
        assert!(two.check(&m, Endpoint::Checkout, &u).await.is_err());
        assert!(one.check(&m, Endpoint::Checkout, &u).await.is_err());
    }

    #[tokio::test]
    async fn an_unreachable_redis_leaves_the_process_budget_in_charge_and_says_so() {
        // A port nothing listens on.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("redis://{}/0", closed.local_addr().unwrap());
        drop(closed);
        let m = Metrics::default();
        let l = Limiters::new(&limits(2, Some(&url)));
        let u = user();
        let started = std::time::Instant::now();
        assert!(l.check(&m, Endpoint::Checkout, &u).await.is_ok());
        assert!(l.check(&m, Endpoint::Checkout, &u).await.is_ok());
        assert!(
            l.check(&m, Endpoint::Checkout, &u).await.is_err(),
            "still limited"
        );
        assert!(
            m.render().contains(
                "billing_rate_limit_store_errors_total{endpoint=\"create-checkout-session\"} 3"
            ),
            "{}",
            m.render()
        );
        // The first check found Redis down; the others skipped it without waiting.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
}
