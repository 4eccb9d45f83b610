//! The backend's log lines, as ops would search them in the logging system: every backend this
//! process runs logs JSON through `tracing` into a bounded in-memory buffer, and steps look for
//! the lines of their own scenario (by its users' ids, which no other scenario shares).

use std::collections::VecDeque;
use std::io::Write;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// How many lines the buffer keeps; older lines are dropped first.
const CAPACITY: usize = 200_000;

static LINES: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

/// Captures the log lines of every backend started in this process (JSON, level INFO and up).
/// Installing twice, or after another subscriber, is harmless: the first one stays.
pub fn install() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::new("info"))
        .with_writer(Capture)
        .with_ansi(false)
        .try_init();
}

/// Every captured line that contains all of `needles`, oldest first.
pub fn lines_with(needles: &[&str]) -> Vec<String> {
    LINES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|line| needles.iter().all(|n| line.contains(n)))
        .cloned()
        .collect()
}

/// The `MakeWriter` that feeds the buffer.
#[derive(Clone, Copy)]
struct Capture;

/// Collects one event's output and stores it as lines when dropped.
struct LineWriter(Vec<u8>);

impl<'a> MakeWriter<'a> for Capture {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter(Vec::new())
    }
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let mut lines = LINES.lock().unwrap_or_else(|e| e.into_inner());
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if lines.len() == CAPACITY {
                lines.pop_front();
            }
            lines.push_back(line.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_lines_are_found_by_their_contents() {
        install();
        let marker = crate::steps::actors::random_suffix();
        tracing::info!(user_id = %marker, event = "rate_limited", "rate_limited");
        let found = lines_with(&[&marker, "rate_limited"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with('{'), "JSON lines: {found:?}");
    }
}
