//! CPU time of one phase of a bench, split between this process (the client, the backend and
//! the simulator all run in it) and the PostgreSQL backends serving one database, read from
//! `/proc` (Linux only; on a server this machine cannot see, the PostgreSQL share reads 0).
//! CPU time is what a shared 2-core machine runs out of, and it moves far less with the load
//! than wall-clock figures do.

use std::collections::BTreeMap;

/// Linux reports `/proc/<pid>/stat` times in `USER_HZ` ticks, fixed at 100 on every
/// architecture's user ABI.
const TICKS_PER_SEC: f64 = 100.0;

/// CPU seconds (user + system) of `pid` so far, if it is visible.
fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after its closing parenthesis are fixed.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SEC)
}

/// The PostgreSQL backends connected to `db`'s database and their CPU seconds so far.
async fn server_backends(db: &sqlx::PgPool) -> BTreeMap<u32, f64> {
    let pids: Vec<i32> =
        sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            .fetch_all(db)
            .await
            .unwrap_or_default();
    pids.into_iter()
        .filter_map(|p| {
            let p = u32::try_from(p).ok()?;
            Some((p, cpu_secs(p)?))
        })
        .collect()
}

/// A reading taken at the start of a phase.
pub struct CpuMark {
    process: f64,
    server: BTreeMap<u32, f64>,
}

/// What a phase cost, in CPU seconds.
pub struct CpuSpent {
    /// This process: client, backend and simulator together.
    pub process: f64,
    /// The PostgreSQL backends of the database (a backend that left during the phase is lost).
    pub server: f64,
    /// How many PostgreSQL backends served the database at the end of the phase.
    pub server_backends: usize,
}

impl CpuMark {
    /// Reads this process and the PostgreSQL backends of `db` now.
    pub async fn now(db: &sqlx::PgPool) -> CpuMark {
        CpuMark {
            process: cpu_secs(std::process::id()).unwrap_or(0.0),
            server: server_backends(db).await,
        }
    }

    /// The CPU spent since this mark (a backend that connected since counts from zero).
    pub async fn spent(&self, db: &sqlx::PgPool) -> CpuSpent {
        let process = cpu_secs(std::process::id()).unwrap_or(0.0) - self.process;
        let end = server_backends(db).await;
        let server = end
            .iter()
            .map(|(pid, t)| t - self.server.get(pid).copied().unwrap_or(0.0))
            .sum();
        CpuSpent {
            process,
            server,
            server_backends: end.len(),
        }
    }
}
