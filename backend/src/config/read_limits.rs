//! The numeric limits: rate limits and their Redis store, alert thresholds, the server's
//! timeouts and connection limit.

use crate::config::problems::{Reader, read_positive};
use crate::config::settings::{AlertConfig, RateLimits};
use crate::server::ServerLimits;

pub(super) fn read_rate_limits(r: &mut Reader) -> RateLimits {
    let d = RateLimits::default();
    RateLimits {
        window_secs: read_positive(r, "RATE_LIMIT_WINDOW_SECS", d.window_secs, 86_400),
        checkout_per_minute: read_positive(
            r,
            "CHECKOUT_RATE_LIMIT_PER_MINUTE",
            d.checkout_per_minute.into(),
            100_000,
        ) as u32,
        portal_per_minute: read_positive(
            r,
            "PORTAL_RATE_LIMIT_PER_MINUTE",
            d.portal_per_minute.into(),
            100_000,
        ) as u32,
        admin_per_minute: read_positive(
            r,
            "ADMIN_RATE_LIMIT_PER_MINUTE",
            d.admin_per_minute.into(),
            100_000,
        ) as u32,
        redis_url: read_redis_url(r),
    }
}

pub(super) fn read_redis_url(r: &mut Reader) -> Option<String> {
    let url = r.get("REDIS_URL")?.trim().to_string();
    if url.is_empty() {
        return None;
    }
    if url.starts_with("rediss://") {
        r.problem(
            "REDIS_URL",
            "asks for TLS (rediss://), which this build does not speak",
            "reach Redis over a private network or a TLS-terminating proxy with redis://HOST:PORT/DB",
        );
        return None;
    }
    if !url.starts_with("redis://") || redis::Client::open(url.as_str()).is_err() {
        r.problem(
            "REDIS_URL",
            "is not a Redis URL",
            "set it to redis://HOST:PORT/DB, or unset it to keep budgets per process",
        );
        return None;
    }
    Some(url)
}

pub(super) fn read_alerts(r: &mut Reader) -> AlertConfig {
    let d = AlertConfig::default();
    let webhook_url = r.get("ALERT_WEBHOOK_URL").map(str::to_string);
    if let Some(u) = &webhook_url
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        r.problem(
            "ALERT_WEBHOOK_URL",
            "is not an http(s) URL",
            "set it to a Slack-compatible incoming webhook URL, or unset it to disable alerts",
        );
    }
    AlertConfig {
        webhook_url,
        dispute_threshold: read_positive(
            r,
            "ALERT_DISPUTE_THRESHOLD",
            d.dispute_threshold.into(),
            1_000_000,
        ) as u32,
        efw_threshold: read_positive(r, "ALERT_EFW_THRESHOLD", d.efw_threshold.into(), 1_000_000)
            as u32,
        window_secs: read_positive(r, "ALERT_WINDOW_SECONDS", d.window_secs, 30 * 86_400),
    }
}

pub(super) fn read_server_limits(r: &mut Reader) -> ServerLimits {
    let d = ServerLimits::default();
    let secs = |r: &mut Reader, name: &str, default: std::time::Duration, max: u64| {
        std::time::Duration::from_secs(read_positive(r, name, default.as_secs(), max))
    };
    ServerLimits {
        header_read: secs(r, "BILLING_HEADER_READ_TIMEOUT_SECS", d.header_read, 600),
        body_read: secs(r, "BILLING_BODY_READ_TIMEOUT_SECS", d.body_read, 3600),
        keep_alive_idle: secs(
            r,
            "BILLING_KEEP_ALIVE_TIMEOUT_SECS",
            d.keep_alive_idle,
            3600,
        ),
        max_connections: read_positive(
            r,
            "BILLING_MAX_CONNECTIONS",
            d.max_connections as u64,
            1_000_000,
        ) as usize,
    }
}
