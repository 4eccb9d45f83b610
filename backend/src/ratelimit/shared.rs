//! Budgets kept in Redis, shared by every replica of the backend: one Lua script per check
//! runs the same GCRA as the in-process limiter (a burst of n, then one attempt back every
//! window/n, refusals free) atomically on Redis's own clock, so replicas with skewed clocks
//! still agree.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// How long one check may wait for Redis before this process's own budget decides.
const CHECK_TIMEOUT: Duration = Duration::from_millis(250);
/// After a failure, how long checks skip Redis (so a dead Redis costs no latency).
const BACKOFF: Duration = Duration::from_secs(2);

/// `KEYS[1]`: the budget; `ARGV[1]`: microseconds between two attempts; `ARGV[2]`: the
/// burst. Answers 0 when the attempt is taken, else the microseconds to wait.
const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat - (burst - 1) * interval
if now < allow_at then return allow_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return 0
"#;

/// Why the shared store could not decide.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis did not answer in time, or refused.
    #[error("redis: {0}")]
    Redis(String),
    /// A recent failure: Redis is skipped for a moment.
    #[error("redis is backing off after a failure")]
    BackingOff,
}

/// The shared budgets.
pub struct SharedBudgets {
    client: redis::Client,
    connection: tokio::sync::Mutex<Option<ConnectionManager>>,
    failed_at: Mutex<Option<Instant>>,
    script: redis::Script,
}

impl std::fmt::Debug for SharedBudgets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedBudgets")
    }
}

impl SharedBudgets {
    /// Budgets in the Redis at `url` (validated by the configuration). Connects on first use.
    pub fn new(url: &str) -> Result<SharedBudgets, StoreError> {
        let client = redis::Client::open(url).map_err(|e| StoreError::Redis(e.to_string()))?;
        Ok(SharedBudgets {
            client,
            connection: tokio::sync::Mutex::new(None),
            failed_at: Mutex::new(None),
            script: redis::Script::new(GCRA),
        })
    }

    /// Takes one attempt from `key`'s budget of `per_window` attempts every `window_secs`:
    /// `Ok(None)` when taken, `Ok(Some(wait))` when refused.
    pub async fn take(
        &self,
        key: &str,
        per_window: u32,
        window_secs: u64,
    ) -> Result<Option<Duration>, StoreError> {
        if self
            .failed_at
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|at| at.elapsed() < BACKOFF)
        {
            return Err(StoreError::BackingOff);
        }
        let result =
            tokio::time::timeout(CHECK_TIMEOUT, self.run(key, per_window, window_secs)).await;
        let outcome = match result {
            Ok(Ok(wait_us)) => Ok((wait_us > 0).then(|| Duration::from_micros(wait_us))),
            Ok(Err(e)) => Err(StoreError::Redis(e.to_string())),
            Err(_) => Err(StoreError::Redis(format!(
                "no answer within {} ms",
                CHECK_TIMEOUT.as_millis()
            ))),
        };
        if outcome.is_err() {
            *self.failed_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            // A broken connection is rebuilt on the next try.
            *self.connection.lock().await = None;
        }
        outcome
    }

    async fn run(&self, key: &str, per_window: u32, window_secs: u64) -> redis::RedisResult<u64> {
        let mut conn = {
            let mut slot = self.connection.lock().await;
            match slot.as_ref() {
                Some(c) => c.clone(),
                None => {
                    let c = ConnectionManager::new(self.client.clone()).await?;
                    *slot = Some(c.clone());
                    c
                }
            }
        };
        let n = per_window.max(1);
        let interval_us = window_secs.max(1) * 1_000_000 / u64::from(n);
        self.script
            .key(key)
            .arg(interval_us)
            .arg(n)
            .invoke_async::<u64>(&mut conn)
            .await
    }
}
