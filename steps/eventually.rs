//! Waiting without sleeping blindly: poll an observable condition until it holds or a deadline
//! passes, and on timeout say what was last seen.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// How long a step waits for something asynchronous (a webhook delivered and applied) by default.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(15);

/// The pause between two looks; short, because every look is a cheap query.
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// A wait that ran out: how long it waited and what the last look saw, so a failing step
/// explains itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("still not true after {waited:?}; last seen: {last_seen}")]
pub struct TimedOut<E> {
    /// How long it waited.
    pub waited: Duration,
    /// What the last look saw instead of what it waited for.
    pub last_seen: E,
}

/// Runs `check` until it returns `Ok`, or until `deadline` has passed; then returns the last
/// `Err` (what was seen) with how long we waited.
pub async fn eventually<T, E, F, Fut>(deadline: Duration, mut check: F) -> Result<T, TimedOut<E>>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let give_up_at = Instant::now() + deadline;
    loop {
        match check().await {
            Ok(value) => return Ok(value),
            Err(last_seen) if Instant::now() >= give_up_at => {
                return Err(TimedOut {
                    waited: deadline,
                    last_seen,
                });
            }
            Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn returns_as_soon_as_the_condition_holds() {
        let looks = AtomicU32::new(0);
        let result = eventually(Duration::from_secs(5), || async {
            let n = looks.fetch_add(1, Ordering::SeqCst);
            if n >= 2 {
                Ok(n)
            } else {
                Err(format!("look {n}"))
            }
        })
        .await;
        assert_eq!(result, Ok(2));
    }

    #[tokio::test]
    async fn reports_the_last_observation_on_timeout() {
        let result = eventually(Duration::from_millis(60), || async {
            Err::<(), _>("no webhook yet".to_string())
        })
        .await;
        let timed_out = result.unwrap_err();
        assert_eq!(timed_out.last_seen, "no webhook yet");
        let message = timed_out.to_string();
        assert!(message.contains("no webhook yet"), "{message}");
        assert!(message.contains("60ms"), "{message}");
    }
}
