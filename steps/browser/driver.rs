//! Finding Chromium and chromedriver, and the run's one chromedriver process: started on first
//! use on a free loopback port, shared by every scenario's browser, stopped at teardown.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::Method;
use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::BrowserError;
use super::webdriver::call;

/// The Debian packages that provide the two programs, as the skip reason names them.
pub const INSTALL_HINT: &str = "apt-get install chromium chromium-driver";

/// Overrides the Chromium binary.
pub const CHROMIUM_VAR: &str = "GOLIVE_CHROMIUM";
/// Overrides the chromedriver binary.
pub const CHROMEDRIVER_VAR: &str = "GOLIVE_CHROMEDRIVER";

/// How long chromedriver may take to answer `/status` after it was spawned.
const START_DEADLINE: Duration = Duration::from_secs(15);
/// How long chromedriver may take to exit after `/shutdown` before it is killed.
const STOP_DEADLINE: Duration = Duration::from_secs(5);
/// The pause between two looks while waiting for chromedriver.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Where the browser and its driver are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binaries {
    /// The Chromium executable.
    pub chromium: PathBuf,
    /// The chromedriver executable.
    pub chromedriver: PathBuf,
}

/// One program the harness could not find.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Missing {
    /// The variable that overrides it names something that is not an executable file.
    #[error("{variable}={} is not an executable file", path.display())]
    NotExecutable {
        /// `GOLIVE_CHROMIUM` or `GOLIVE_CHROMEDRIVER`.
        variable: String,
        /// What it names.
        path: PathBuf,
    },
    /// Not on `PATH`, nor in `/usr/bin`.
    #[error("{program} not found on PATH or in /usr/bin")]
    NotFound {
        /// `chromium` or `chromedriver`.
        program: String,
    },
}

/// Finds Chromium and chromedriver: `GOLIVE_CHROMIUM` / `GOLIVE_CHROMEDRIVER` when set, else
/// `chromium` / `chromedriver` on `PATH`, else `/usr/bin`. The error
/// ([`BrowserError::NotInstalled`]) is one line naming what is missing and the packages to
/// install.
pub fn find_binaries() -> Result<Binaries, BrowserError> {
    find_with(&|name| std::env::var_os(name), std::env::var_os("PATH"))
}

/// [`find_binaries`] with the environment passed in, so tests need not change the process's.
pub(crate) fn find_with(
    var: &dyn Fn(&str) -> Option<OsString>,
    path: Option<OsString>,
) -> Result<Binaries, BrowserError> {
    let search: Vec<PathBuf> = path
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    let one = |variable: &str, program: &str| -> Result<PathBuf, Missing> {
        if let Some(chosen) = var(variable).filter(|v| !v.is_empty()) {
            let chosen = PathBuf::from(chosen);
            return if is_executable(&chosen) {
                Ok(chosen)
            } else {
                Err(Missing::NotExecutable {
                    variable: variable.to_string(),
                    path: chosen,
                })
            };
        }
        search
            .iter()
            .map(|dir| dir.join(program))
            .chain([Path::new("/usr/bin").join(program)])
            .find(|candidate| is_executable(candidate))
            .ok_or_else(|| Missing::NotFound {
                program: program.to_string(),
            })
    };
    let chromium = one(CHROMIUM_VAR, "chromium");
    let chromedriver = one(CHROMEDRIVER_VAR, "chromedriver");
    match (chromium, chromedriver) {
        (Ok(chromium), Ok(chromedriver)) => Ok(Binaries {
            chromium,
            chromedriver,
        }),
        (chromium, chromedriver) => Err(BrowserError::NotInstalled {
            missing: [chromium.err(), chromedriver.err()]
                .into_iter()
                .flatten()
                .collect(),
        }),
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A running chromedriver.
pub(crate) struct Driver {
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    /// What the browsers it starts run.
    pub(crate) binaries: Binaries,
    /// The process, until it is stopped.
    child: Mutex<Option<Child>>,
}

impl Driver {
    /// Spawns chromedriver on a free loopback port and waits until its `/status` says ready.
    pub(crate) async fn launch(binaries: Binaries) -> Result<Driver, BrowserError> {
        let failed = |reason: String| BrowserError::DriverStart {
            driver: binaries.chromedriver.clone(),
            reason,
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| failed(format!("no free port: {e}")))?;
        // Output goes nowhere: a pipe nobody reads would block chromedriver once full, and what
        // matters (why a command failed) comes back in WebDriver's answers.
        let child = Command::new(&binaries.chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| failed(format!("cannot run it: {e}")))?;
        let driver = Driver {
            url: format!("http://127.0.0.1:{port}"),
            binaries: binaries.clone(),
            child: Mutex::new(Some(child)),
        };
        match driver.wait_until_ready().await {
            Ok(()) => Ok(driver),
            Err(e) => {
                driver.kill();
                Err(e)
            }
        }
    }

    /// Polls `/status` until chromedriver says ready; the error is a [`BrowserError::DriverStart`]
    /// saying what was seen last.
    async fn wait_until_ready(&self) -> Result<(), BrowserError> {
        let failed = |reason: String| BrowserError::DriverStart {
            driver: self.binaries.chromedriver.clone(),
            reason,
        };
        let http = super::http_client().map_err(|e| failed(e.to_string()))?;
        let give_up_at = Instant::now() + START_DEADLINE;
        loop {
            if let Some(status) = self.exit_status() {
                return Err(failed(format!("it exited at start ({status})")));
            }
            let seen = match call(&http, Method::GET, &format!("{}/status", self.url), None).await {
                Ok(value) if value.get("ready").and_then(|r| r.as_bool()) == Some(true) => {
                    return Ok(());
                }
                Ok(value) => format!("it answered {value}"),
                Err(answer) => answer.to_string(),
            };
            if Instant::now() >= give_up_at {
                return Err(failed(format!(
                    "{} did not say ready within {START_DEADLINE:?}; last: {seen}",
                    self.url
                )));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Whether [`Driver::stop`] already ran.
    fn stopped(&self) -> bool {
        self.child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }

    fn exit_status(&self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    /// Asks chromedriver to quit (it closes any browser still open), and kills it if it has not
    /// exited by the deadline. Idempotent.
    pub(crate) async fn stop(&self) {
        if self.stopped() {
            return;
        }
        if let Ok(http) = super::http_client() {
            // Best effort: a driver that does not answer is killed below anyway.
            let _ = call(&http, Method::GET, &format!("{}/shutdown", self.url), None).await;
        }
        let give_up_at = Instant::now() + STOP_DEADLINE;
        while self.exit_status().is_none() && Instant::now() < give_up_at {
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        self.kill();
    }

    /// Kills the process (if still running) and reaps it.
    fn kill(&self) {
        let taken = self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut child) = taken {
            if child.try_wait().ok().flatten().is_none() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
    }
}

impl Drop for Driver {
    /// A driver the test or run forgot to stop must not outlive it.
    fn drop(&mut self) {
        self.kill();
    }
}

/// The run's chromedriver, or why there is none (remembered, so every scenario gets the same
/// answer without trying again).
static SHARED: OnceCell<Result<Driver, BrowserError>> = OnceCell::const_new();

/// The run's chromedriver, started on first use.
pub(crate) async fn shared() -> Result<&'static Driver, BrowserError> {
    let started = SHARED
        .get_or_init(|| async {
            let binaries = find_binaries()?;
            Driver::launch(binaries).await
        })
        .await;
    match started {
        Ok(driver) if driver.stopped() => Err(BrowserError::Unavailable(
            "the run's chromedriver was already stopped at teardown".to_string(),
        )),
        Ok(driver) => Ok(driver),
        // The first answer, for every scenario of the run (an io::Error cannot be cloned).
        Err(reason) => Err(BrowserError::Unavailable(reason.to_string())),
    }
}

/// Stops the run's chromedriver, if one was started. Called at the run's teardown; browsers
/// asked for afterwards in the same process get an error, not a new driver.
pub async fn shutdown() {
    if let Some(Ok(driver)) = SHARED.get() {
        driver.stop().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_bin(dir: &Path, name: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join(name);
        std::fs::write(&path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn finds_overrides_first_and_names_the_packages_when_something_is_missing() {
        let dir = std::env::temp_dir().join(format!(
            "golive_find_{}_{}",
            std::process::id(),
            crate::steps::actors::random_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let chromium = fake_bin(&dir, "my-chromium");
        let driver = fake_bin(&dir, "my-driver");
        let vars = |name: &str| match name {
            CHROMIUM_VAR => Some(chromium.clone().into_os_string()),
            CHROMEDRIVER_VAR => Some(driver.clone().into_os_string()),
            _ => None,
        };
        assert_eq!(
            find_with(&vars, None).expect("both overrides are executables"),
            Binaries {
                chromium: chromium.clone(),
                chromedriver: driver.clone()
            }
        );
        let nowhere = |name: &str| match name {
            CHROMIUM_VAR => Some(OsString::from("/nonexistent/chromium")),
            CHROMEDRIVER_VAR => Some(OsString::from("/nonexistent/chromedriver")),
            _ => None,
        };
        let reason = find_with(&nowhere, None).unwrap_err().to_string();
        assert!(
            reason.contains("GOLIVE_CHROMIUM=/nonexistent/chromium"),
            "{reason}"
        );
        assert!(reason.contains("GOLIVE_CHROMEDRIVER"), "{reason}");
        assert!(reason.contains(INSTALL_HINT), "{reason}");
        assert!(!reason.contains('\n'), "{reason}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
