//! Opening and closing a browser: a chromedriver session on a fresh profile folder, removed
//! again when the browser closes.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use super::{Browser, DEFAULT_TIMEOUT, POLL_INTERVAL};
use crate::steps::browser::driver::{self, Driver};
use crate::steps::browser::webdriver::Session;
use crate::steps::browser::{BrowserError, http_client};

/// The window every browser opens with, so layouts (and screenshots) are the same everywhere.
const WINDOW_SIZE: &str = "1280,900";

/// The chromium flags every browser starts with: headless, and nothing that reaches out to the
/// internet or to shared state on the machine (sync, updates, first-run pages, /dev/shm).
fn chromium_args(profile: &std::path::Path) -> Vec<String> {
    [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--lang=en-US",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        format!("--window-size={WINDOW_SIZE}"),
        format!("--user-data-dir={}", profile.display()),
    ])
    .collect()
}

impl Browser {
    /// Opens a browser on the run's chromedriver (started on the first call of the run).
    pub async fn start() -> Result<Browser, BrowserError> {
        let driver = driver::shared().await?;
        Browser::start_on(driver).await
    }

    /// Opens a browser on a given chromedriver, with a fresh profile.
    pub(crate) async fn start_on(driver: &Driver) -> Result<Browser, BrowserError> {
        let profile = std::env::temp_dir().join(format!(
            "golive_chromium_{}_{}",
            std::process::id(),
            crate::steps::actors::random_suffix()
        ));
        std::fs::create_dir_all(&profile).map_err(|source| BrowserError::Io {
            action: format!("creating the browser profile {}", profile.display()),
            source,
        })?;
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            // Waiting is ours to do (with messages); WebDriver's implicit wait would hide it.
            "timeouts": { "implicit": 0, "pageLoad": 30_000, "script": 10_000 },
            "goog:chromeOptions": {
                "binary": driver.binaries.chromium,
                "args": chromium_args(&profile),
            },
        });
        let opened = match http_client() {
            Ok(http) => Session::create(http, &driver.url, capabilities)
                .await
                .map_err(|answer| BrowserError::Command {
                    action: format!(
                        "starting {} through chromedriver",
                        driver.binaries.chromium.display()
                    ),
                    page: driver.url.clone(),
                    answer,
                }),
            Err(e) => Err(e),
        };
        match opened {
            Ok(session) => Ok(Browser {
                session,
                profile,
                timeout: DEFAULT_TIMEOUT,
            }),
            Err(e) => {
                remove_profile(&profile).await;
                Err(e)
            }
        }
    }

    /// Closes the browser and removes its profile. Problems are printed, not returned: a
    /// scenario's verdict does not depend on how its browser went away.
    pub async fn close(self) {
        if let Err(answer) = self.session.delete().await {
            eprintln!("golive: closing the browser: {answer}");
        }
        remove_profile(&self.profile).await;
    }
}

/// Removes a browser profile. Chromium may still be writing to it for a moment after its
/// session ended, so removal is retried until a deadline.
async fn remove_profile(profile: &std::path::Path) {
    let give_up_at = Instant::now() + Duration::from_secs(5);
    loop {
        match std::fs::remove_dir_all(profile) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) if Instant::now() >= give_up_at => {
                eprintln!(
                    "golive: could not remove the browser profile {}: {e}",
                    profile.display()
                );
                return;
            }
            Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}
