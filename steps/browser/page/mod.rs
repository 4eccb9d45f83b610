//! One scenario's browser. Lookups poll with a deadline, because the pages render and redirect
//! on their own time; on timeout the error carries the URL and what the page said.
//!
//! - `launch` opens and closes one (its chromedriver session, its own profile folder);
//! - `actions` and `reading` are what a step does with it: click, type, tick, press keys; read
//!   text, attributes, the URL, a screenshot;
//! - `look` holds the waiting every lookup shares, `scripts` the JavaScript lookups run.

mod actions;
mod launch;
mod look;
mod reading;
mod scripts;

use std::path::PathBuf;
use std::time::Duration;

use crate::steps::browser::webdriver::Session;

/// How long a lookup waits for what it looks for, unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The pause between two looks: short, because a look is one loopback round trip.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// One headless Chromium, driven over WebDriver.
pub struct Browser {
    session: Session,
    /// The browser's own profile folder, removed when it closes.
    profile: PathBuf,
    timeout: Duration,
}

impl Browser {
    /// How long lookups wait.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Changes how long lookups wait.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }
}
