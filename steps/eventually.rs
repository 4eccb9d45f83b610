//! Waiting without sleeping blindly: poll an observable condition until it holds or a deadline
//! passes, and on timeout say what was last seen.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// How long a step waits for something asynchronous (a webhook delivered and applied) by default.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(15);

/// The pause between two looks; short, because every look is a cheap query.
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// Runs `check` until it returns `Ok`, or until `deadline` has passed; then returns the last
/// `Err`, prefixed with how long we waited, so a failing step explains itself.
pub async fn eventually<T, F, Fut>(deadline: Duration, mut check: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let give_up_at = Instant::now() + deadline;
    loop {
        match check().await {
            Ok(value) => return Ok(value),
            Err(seen) if Instant::now() >= give_up_at => {
                return Err(format!(
                    "still not true after {deadline:?}; last seen: {seen}"
                ));
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
        let result: Result<(), String> = eventually(Duration::from_millis(60), || async {
            Err("no webhook yet".to_string())
        })
        .await;
        let message = result.unwrap_err();
        assert!(message.contains("no webhook yet"), "{message}");
        assert!(message.contains("60ms"), "{message}");
    }
}
