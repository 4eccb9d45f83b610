//! The harness's real browser: headless Chromium driven over W3C WebDriver, for `@browser`
//! scenarios that use the backend's pages as a person would.
//!
//! - [`webdriver`] is a thin WebDriver client (JSON over HTTP to chromedriver);
//! - [`driver`] finds Chromium and chromedriver and runs the one chromedriver of a run;
//! - [`Browser`] is one scenario's browser: every lookup waits, and every error says what was
//!   tried, on which page, and what WebDriver answered;
//! - [`gate`] decides whether a `@browser` scenario runs, is skipped (no browser installed) or
//!   fails (`GOLIVE_BROWSER=required`);
//! - [`artifacts`] keeps a failed scenario's screenshot and page for the report.

pub mod artifacts;
mod base64;
pub mod driver;
pub mod gate;
mod page;
pub mod webdriver;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::Duration;

pub use driver::{Binaries, find_binaries, shutdown};
pub use page::{Browser, DEFAULT_TIMEOUT};
use webdriver::Answer;

/// A key to press on the focused element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// Moves focus to the next focusable element.
    Tab,
    /// Shift+Tab: moves focus to the previous focusable element.
    ShiftTab,
    /// Enter: activates a link or button, submits a form from a text field.
    Enter,
    /// Space: activates a button, ticks a checkbox.
    Space,
    /// Escape: closes a dialog.
    Escape,
    /// Types this text.
    Text(String),
}

impl Key {
    /// `(hold Shift, what to press)` in WebDriver's key codes.
    fn stroke(&self) -> (bool, String) {
        use webdriver::keys;
        match self {
            Key::Tab => (false, keys::TAB.to_string()),
            Key::ShiftTab => (true, keys::TAB.to_string()),
            Key::Enter => (false, keys::ENTER.to_string()),
            Key::Space => (false, keys::SPACE.to_string()),
            Key::Escape => (false, keys::ESCAPE.to_string()),
            Key::Text(text) => (false, text.clone()),
        }
    }
}

/// Why something a browser step tried did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// Chromium or chromedriver is not installed where the harness looks: each missing one,
    /// and the packages to install.
    #[error(
        "needs a browser: {}; install them with `{}`",
        missing.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        driver::INSTALL_HINT
    )]
    NotInstalled {
        /// What is missing (at least one of the two programs).
        missing: Vec<driver::Missing>,
    },
    /// There is no browser this time: chromedriver could not be started earlier in this run,
    /// or it was stopped at the run's teardown.
    #[error("{0}")]
    Unavailable(String),
    /// chromedriver did not start.
    #[error("starting chromedriver ({}) failed: {reason}", driver.display())]
    DriverStart {
        /// The chromedriver executable.
        driver: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A WebDriver command failed.
    #[error("{action} on {page}: {answer}")]
    Command {
        /// What was tried (`clicking "#pay"`).
        action: String,
        /// The page the browser was on (or was asked to load).
        page: String,
        /// What WebDriver answered.
        answer: Answer,
    },
    /// A wait ran out: what was awaited, where, and what the page showed instead.
    #[error("{action}: not done after {waited:?} on {page}: {seen}; the page says: {text}")]
    Timeout {
        /// What was tried.
        action: String,
        /// The page's URL at the last look.
        page: String,
        /// How long it waited.
        waited: Duration,
        /// The last observation (`no button labelled "Pay"; buttons: "Cancel"`).
        seen: String,
        /// An excerpt of the page's visible text.
        text: String,
    },
    /// A local file (the browser's profile, an artifact) could not be written or removed.
    #[error("{action}: {source}")]
    Io {
        /// What was tried.
        action: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// An HTTP client for talking to chromedriver on loopback: no proxy (a CI proxy must not see
/// WebDriver traffic), and TLS set up the way the rest of the harness does it even though
/// WebDriver is plain HTTP, because reqwest refuses to build without a crypto provider.
pub(crate) fn http_client() -> Result<reqwest::Client, BrowserError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(webdriver::COMMAND_TIMEOUT)
        .build()
        .map_err(|e| BrowserError::Unavailable(format!("no HTTP client for WebDriver: {e}")))
}

/// Collapses runs of whitespace to one space and trims, as label matching compares text.
pub(crate) fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
