//! PostgreSQL for a rehearsal run: find a server, build one migrated template database, and
//! hand every scenario its own clone.
//!
//! The server is found in the order ARCHITECTURE.md gives:
//! 1. `DATABASE_URL`, when set (CI points it at its own PostgreSQL);
//! 2. a PostgreSQL container through testcontainers, when a Docker engine answers;
//! 3. the PostgreSQL binaries on this machine (`initdb` / `pg_ctl`), started in a temporary
//!    directory on a free port (as the `postgres` user when we run as root);
//! 4. otherwise one error naming the three ways.
//!
//! Cloning a migrated template (`CREATE DATABASE … TEMPLATE …`) costs a fraction of running the
//! migrations per scenario, and keeps scenarios isolated so they can run concurrently.
//!
//! Cloning and dropping are still the slow part: a clone copies every block of the template,
//! and PostgreSQL checkpoints on every `DROP DATABASE` (about 0.5–1 s here). A finished
//! scenario therefore hands its database to [`TestDatabases::recycle_soon`], which in the
//! background empties it, puts back what the migrations seeded and, once it is proven to be
//! exactly as the template ([`crate::steps::clean_database`]), keeps it for the next scenario;
//! a database it cannot prove clean is dropped instead. The run's teardown waits for both and
//! drops the databases still kept.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use rand::Rng;
use reqwest::Url;
use sqlx::{Connection, Executor, PgConnection};
use tokio::process::Command;
use tokio::sync::Mutex;

use crate::steps::clean_database::CleanState;
use crate::steps::database_url::without_loopback_tls;

/// Why no database could be provided.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// None of the three ways to find PostgreSQL worked.
    #[error(
        "no PostgreSQL for the rehearsal. Give one of: (1) DATABASE_URL=postgres://user@host:port/db \
         pointing at a server where that user may create databases; (2) a running Docker engine \
         (testcontainers starts postgres:16-alpine); (3) PostgreSQL's initdb and pg_ctl on PATH or \
         under /usr/lib/postgresql/*/bin. What was tried: {tried}"
    )]
    NoServer {
        /// One entry per way that was tried, with its failure.
        tried: String,
    },
    /// `DATABASE_URL` is not a URL.
    #[error(
        "DATABASE_URL is not a valid postgres:// URL ({0}); fix: postgres://postgres@127.0.0.1:5432/postgres"
    )]
    BadUrl(String),
    /// A SQL command on the server failed.
    #[error("PostgreSQL at {server} refused `{action}`: {source}")]
    Sql {
        /// The server, without credentials.
        server: String,
        /// What we were doing.
        action: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The backend's migrations failed on the template.
    #[error("migrating the template database failed: {0}")]
    Migrate(String),
    /// The harness was built without the `docker` feature, so it cannot start a container.
    #[error("built without the `docker` feature")]
    NoDocker,
    /// The PostgreSQL container did not start, or its address could not be read.
    #[error(transparent)]
    Container(Box<dyn std::error::Error + Send + Sync>),
    /// Neither `PATH` nor `/usr/lib/postgresql/*/bin` holds `initdb` and `pg_ctl`.
    #[error("initdb/pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin")]
    NoBinaries,
    /// A local step of starting a temporary cluster failed.
    #[error("{action}: {source}")]
    Io {
        /// What was tried (`cannot create /tmp/golive_pg_…`, `chown`).
        action: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// Running as root, the data directory could not be handed to the `postgres` user.
    #[error("running as root, but cannot hand the data directory to a `postgres` user")]
    NotOwnable,
    /// `initdb` or `pg_ctl` exited with a failure.
    #[error("{tool} failed: {stderr}")]
    Tool {
        /// The program.
        tool: String,
        /// What it printed on stderr, trimmed.
        stderr: String,
    },
}

/// Where the server came from; kept alive for as long as the run needs it.
enum ServerSource {
    /// A server we were given; we only create and drop our own databases on it.
    Given,
    /// A container we started; removed at teardown.
    #[cfg(feature = "docker")]
    Container(
        Box<
            testcontainers_modules::testcontainers::ContainerAsync<
                testcontainers_modules::postgres::Postgres,
            >,
        >,
    ),
    /// A throw-away cluster in a temporary directory; stopped and deleted at teardown.
    LocalCluster(LocalCluster),
}

/// A PostgreSQL server for this run, with one migrated template database on it.
pub struct TestDatabases {
    /// URL of the server's maintenance database (where CREATE/DROP DATABASE are issued).
    admin_url: Url,
    /// Name of the migrated template every scenario database is cloned from.
    template: String,
    /// Taken at teardown.
    source: Mutex<Option<ServerSource>>,
    /// PostgreSQL refuses to clone a template while another clone reads it; one at a time.
    clone_lock: Mutex<()>,
    /// Drops and recyclings started in the background, awaited at teardown.
    pending_drops: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// What a clean database holds, read from the template (`None`: it could not be read, so
    /// every scenario gets a fresh clone).
    clean: Option<CleanState>,
    /// Finished scenarios' databases, proven clean, for the next scenarios.
    recycled: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl TestDatabases {
    /// Finds a server (see the module docs) and builds the migrated template on it.
    pub async fn provision() -> Result<Self, DatabaseError> {
        let mut tried = Vec::new();
        let (admin_url, source) = match std::env::var("DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => {
                let url =
                    Url::parse(url.trim()).map_err(|e| DatabaseError::BadUrl(e.to_string()))?;
                (url, ServerSource::Given)
            }
            _ => {
                tried.push("DATABASE_URL: not set".to_string());
                match Self::try_container().await {
                    Ok(found) => found,
                    Err(why) => {
                        tried.push(format!("Docker: {why}"));
                        match LocalCluster::start().await {
                            Ok(cluster) => {
                                (cluster.admin_url(), ServerSource::LocalCluster(cluster))
                            }
                            Err(why) => {
                                tried.push(format!("local binaries: {why}"));
                                return Err(DatabaseError::NoServer {
                                    tried: tried.join("; "),
                                });
                            }
                        }
                    }
                }
            }
        };
        let template = unique_name("golive_template");
        let mut databases = TestDatabases {
            admin_url: without_loopback_tls(admin_url),
            template,
            source: Mutex::new(Some(source)),
            clone_lock: Mutex::new(()),
            pending_drops: std::sync::Mutex::new(Vec::new()),
            clean: None,
            recycled: Default::default(),
        };
        databases.build_template().await?;
        databases.clean = databases.read_clean_state().await;
        Ok(databases)
    }

    #[cfg(feature = "docker")]
    async fn try_container() -> Result<(Url, ServerSource), DatabaseError> {
        use testcontainers_modules::postgres::Postgres;
        use testcontainers_modules::testcontainers::ImageExt;
        use testcontainers_modules::testcontainers::runners::AsyncRunner;
        // With no Docker engine this fails within milliseconds rather than hanging.
        let container = Postgres::default()
            .with_host_auth()
            .with_tag("16-alpine")
            .start()
            .await
            .map_err(|e| DatabaseError::Container(Box::new(e)))?;
        let port = container
            .get_host_port_ipv4(5432)
            .await
            .map_err(|e| DatabaseError::Container(Box::new(e)))?;
        let host = container
            .get_host()
            .await
            .map_err(|e| DatabaseError::Container(Box::new(e)))?;
        let url = Url::parse(&format!("postgres://postgres@{host}:{port}/postgres"))
            .map_err(|e| DatabaseError::Container(Box::new(e)))?;
        Ok((url, ServerSource::Container(Box::new(container))))
    }

    #[cfg(not(feature = "docker"))]
    async fn try_container() -> Result<(Url, ServerSource), DatabaseError> {
        Err(DatabaseError::NoDocker)
    }

    /// The URL of database `name` on this server.
    pub fn url_of(&self, name: &str) -> String {
        let mut url = self.admin_url.clone();
        url.set_path(&format!("/{name}"));
        url.to_string()
    }

    /// The server's address without credentials, for messages.
    fn server_label(&self) -> String {
        format!(
            "{}:{}",
            self.admin_url.host_str().unwrap_or("?"),
            self.admin_url.port().unwrap_or(5432)
        )
    }

    async fn admin(&self, action: &str) -> Result<PgConnection, DatabaseError> {
        PgConnection::connect(self.admin_url.as_str())
            .await
            .map_err(|source| self.sql_error(action, source))
    }

    fn sql_error(&self, action: &str, source: sqlx::Error) -> DatabaseError {
        DatabaseError::Sql {
            server: self.server_label(),
            action: action.to_string(),
            source,
        }
    }

    async fn execute(&self, sql: String) -> Result<(), DatabaseError> {
        let mut conn = self.admin(&sql).await?;
        conn.execute(sqlx::AssertSqlSafe(sql.clone()))
            .await
            .map_err(|source| self.sql_error(&sql, source))?;
        conn.close().await.ok();
        Ok(())
    }

    async fn build_template(&self) -> Result<(), DatabaseError> {
        self.execute(format!("CREATE DATABASE {}", self.template))
            .await?;
        billing::migrate(&self.url_of(&self.template))
            .await
            .map_err(|e| DatabaseError::Migrate(e.to_string()))?;
        Ok(())
    }

    /// What the template holds, for proving recycled databases clean; `None` (with the reason
    /// on stderr) leaves every scenario a fresh clone.
    async fn read_clean_state(&self) -> Option<CleanState> {
        let read = async {
            let mut conn = PgConnection::connect(&self.url_of(&self.template)).await?;
            let state = CleanState::read(&mut conn).await;
            conn.close().await.ok();
            state
        };
        read.await
            .map_err(|e| eprintln!("golive: scenario databases will not be reused: {e}"))
            .ok()
    }

    /// A database for one scenario, exactly as the migrated template: a finished scenario's,
    /// proven clean, or else a fresh clone of the template.
    pub async fn create_scenario_database(&self) -> Result<String, DatabaseError> {
        let reused = self
            .recycled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop();
        if let Some(name) = reused {
            return Ok(name);
        }
        let name = unique_name("golive_scenario");
        let _one_clone_at_a_time = self.clone_lock.lock().await;
        self.execute(format!("CREATE DATABASE {name} TEMPLATE {}", self.template))
            .await?;
        Ok(name)
    }

    /// Drops a scenario's database, disconnecting whatever still holds it open.
    pub async fn drop_database(&self, name: &str) -> Result<(), DatabaseError> {
        self.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
    }

    /// Drops a finished scenario's database in the background, so the scenario's slot is free
    /// at once; [`TestDatabases::teardown`] waits for it. A failure is reported on stderr.
    pub fn drop_soon(&self, name: String) {
        let admin_url = self.admin_url.clone();
        let server = self.server_label();
        let drop = tokio::spawn(async move { drop_now(&admin_url, &server, &name).await });
        self.track(drop);
    }

    /// Gives a finished scenario's database back its template's state in the background and
    /// keeps it for the next scenario once proven clean; a database that cannot be proven
    /// clean (a step changed its schema) is dropped, as [`TestDatabases::drop_soon`] does.
    pub fn recycle_soon(&self, name: String) {
        let Some(clean) = self.clean.clone() else {
            return self.drop_soon(name);
        };
        let url = self.url_of(&name);
        let recycled = self.recycled.clone();
        let (admin_url, server) = (self.admin_url.clone(), self.server_label());
        let recycle = tokio::spawn(async move {
            let restored = match PgConnection::connect(&url).await {
                Ok(mut conn) => {
                    let restored = clean.restore(&mut conn).await;
                    conn.close().await.ok();
                    restored
                }
                Err(e) => Err(e),
            };
            match restored {
                Ok(true) => {
                    recycled
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(name);
                    return;
                }
                Ok(false) => {}
                Err(e) => eprintln!("golive: scenario database {name} is not reused: {e}"),
            }
            drop_now(&admin_url, &server, &name).await;
        });
        self.track(recycle);
    }

    /// Keeps a background drop or recycling for [`TestDatabases::finish_drops`].
    fn track(&self, task: tokio::task::JoinHandle<()>) {
        let mut pending = self.pending_drops.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|d| !d.is_finished());
        pending.push(task);
    }

    /// Waits for the drops and recyclings started in the background.
    pub async fn finish_drops(&self) {
        let pending =
            std::mem::take(&mut *self.pending_drops.lock().unwrap_or_else(|e| e.into_inner()));
        for drop in pending {
            drop.await.ok();
        }
    }

    /// Waits for pending scenario drops, drops the template and stops whatever server this
    /// run started.
    pub async fn teardown(&self) {
        self.finish_drops().await;
        let kept = std::mem::take(&mut *self.recycled.lock().unwrap_or_else(|e| e.into_inner()));
        for name in kept {
            self.drop_soon(name);
        }
        self.finish_drops().await;
        if let Err(e) = self.drop_database(&self.template).await {
            eprintln!(
                "golive: could not drop template database {}: {e}",
                self.template
            );
        }
        match self.source.lock().await.take() {
            None | Some(ServerSource::Given) => {}
            #[cfg(feature = "docker")]
            Some(ServerSource::Container(container)) => {
                container.rm().await.ok();
            }
            Some(ServerSource::LocalCluster(cluster)) => cluster.stop().await,
        }
    }
}

/// Drops database `name`, disconnecting whatever still holds it open; a failure is reported on
/// stderr (the run goes on; the database is left behind).
async fn drop_now(admin_url: &Url, server: &str, name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    let result = match PgConnection::connect(admin_url.as_str()).await {
        Ok(mut conn) => {
            let dropped = conn.execute(sqlx::AssertSqlSafe(sql)).await.map(|_| ());
            conn.close().await.ok();
            dropped
        }
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        eprintln!("golive: could not drop scenario database {name} on {server}: {e}");
    }
}

/// A database name that no other run or scenario uses: prefix, process id and random suffix.
fn unique_name(prefix: &str) -> String {
    let suffix: u64 = rand::rng().random();
    format!("{prefix}_{}_{suffix:016x}", std::process::id())
}

/// A PostgreSQL cluster initialised in a temporary directory and listening on a free port.
pub struct LocalCluster {
    directory: PathBuf,
    bin: PathBuf,
    port: u16,
    run_as_postgres: bool,
}

impl LocalCluster {
    /// Runs `initdb` and `pg_ctl start`; as root, both run as the `postgres` user, since
    /// PostgreSQL refuses to run as root.
    async fn start() -> Result<Self, DatabaseError> {
        let bin = find_postgres_bin().ok_or(DatabaseError::NoBinaries)?;
        let run_as_postgres = is_root();
        let directory = std::env::temp_dir().join(unique_name("golive_pg"));
        std::fs::create_dir_all(&directory).map_err(|source| DatabaseError::Io {
            action: format!("cannot create {}", directory.display()),
            source,
        })?;
        let cluster = LocalCluster {
            directory,
            bin,
            port: free_port().map_err(|source| DatabaseError::Io {
                action: "no free port".to_string(),
                source,
            })?,
            run_as_postgres,
        };
        if run_as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&cluster.directory)
                .status()
                .await
                .map_err(|source| DatabaseError::Io {
                    action: "chown".to_string(),
                    source,
                })?;
            if !status.success() {
                return Err(DatabaseError::NotOwnable);
            }
        }
        let data = cluster.directory.join("data");
        cluster
            .run(
                "initdb",
                &[
                    "-D",
                    path_str(&data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ],
            )
            .await?;
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            cluster.port,
            cluster.directory.display()
        );
        let log = cluster.directory.join("postgres.log");
        cluster
            .run(
                "pg_ctl",
                &[
                    "-D",
                    path_str(&data),
                    "-l",
                    path_str(&log),
                    "-o",
                    &options,
                    "-w",
                    "start",
                ],
            )
            .await?;
        Ok(cluster)
    }

    fn admin_url(&self) -> Url {
        Url::parse(&format!(
            "postgres://postgres@127.0.0.1:{}/postgres",
            self.port
        ))
        .expect("a well-formed URL")
    }

    async fn run(&self, tool: &str, args: &[&str]) -> Result<(), DatabaseError> {
        let program = self.bin.join(tool);
        let mut command = if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let output = command
            .args(args)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|source| DatabaseError::Io {
                action: program.display().to_string(),
                source,
            })?;
        if output.status.success() {
            Ok(())
        } else {
            Err(DatabaseError::Tool {
                tool: tool.to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            })
        }
    }

    async fn stop(self) {
        let data = self.directory.join("data");
        if let Err(e) = self
            .run(
                "pg_ctl",
                &["-D", path_str(&data), "-m", "immediate", "stop"],
            )
            .await
        {
            eprintln!("golive: stopping the temporary PostgreSQL failed: {e}");
        }
        std::fs::remove_dir_all(&self.directory).ok();
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The directory holding `initdb` and `pg_ctl`: PATH first, then Debian's versioned folders.
fn find_postgres_bin() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    debian.sort();
    debian.reverse(); // newest version first
    on_path
        .into_iter()
        .chain(debian)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}
