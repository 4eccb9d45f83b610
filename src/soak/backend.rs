//! A billing backend the soak can kill and start again on the same address, as an orchestrator
//! does with a crashed replica. Each life runs on a runtime of its own; killing it drops that
//! runtime with every connection and half-done request in it — no graceful shutdown, no
//! flushing, open transactions aborted by PostgreSQL when their connections vanish — which is
//! what `kill -9` does to a process.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

/// How long a restart may take to get its address back and answer.
const RESTART_DEADLINE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(20);

/// One life of the backend.
struct Life {
    stop: oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

/// A backend with a fixed address that can be killed and restarted.
pub(crate) struct KillableBackend {
    /// Where it listens, across restarts.
    pub(crate) addr: SocketAddr,
    config: billing::Config,
    life: Option<Life>,
}

impl KillableBackend {
    /// Starts the backend on `listener` (bound by the caller, whose port the webhook
    /// endpoint already names).
    pub(crate) async fn start(
        config: billing::Config,
        listener: std::net::TcpListener,
    ) -> Result<Self, String> {
        let addr = listener
            .local_addr()
            .map_err(|e| format!("the backend's listener has no address: {e}"))?;
        let life = spawn(config.clone(), listener).await?;
        Ok(KillableBackend {
            addr,
            config,
            life: Some(life),
        })
    }

    /// Kills the running backend at once (no-op when it is down).
    pub(crate) async fn kill(&mut self) {
        if let Some(life) = self.life.take() {
            let _ = life.stop.send(());
            let _ = tokio::task::spawn_blocking(move || life.thread.join()).await;
        }
    }

    /// Starts it again on the same address (waiting, with a deadline, for the address to be
    /// free again).
    pub(crate) async fn restart(&mut self) -> Result<(), String> {
        self.kill().await;
        let give_up = Instant::now() + RESTART_DEADLINE;
        let listener = loop {
            match std::net::TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) if Instant::now() >= give_up => {
                    return Err(format!(
                        "the backend's address {} stayed busy: {e}",
                        self.addr
                    ));
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        };
        self.life = Some(spawn(self.config.clone(), listener).await?);
        Ok(())
    }

    /// Whether a life is running.
    pub(crate) fn is_up(&self) -> bool {
        self.life.is_some()
    }
}

async fn spawn(config: billing::Config, listener: std::net::TcpListener) -> Result<Life, String> {
    let (ready_tx, ready_rx) = oneshot::channel::<Result<(), String>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(format!("no runtime for the backend: {e}")));
                return;
            }
        };
        let running = runtime.block_on(async move {
            let started = async {
                listener
                    .set_nonblocking(true)
                    .map_err(|e| format!("listener: {e}"))?;
                let listener = tokio::net::TcpListener::from_std(listener)
                    .map_err(|e| format!("listener: {e}"))?;
                billing::start(config, listener)
                    .await
                    .map_err(|e| format!("the backend did not start: {e}"))
            }
            .await;
            match started {
                Ok(running) => {
                    let _ = ready_tx.send(Ok(()));
                    let _ = stop_rx.await;
                    Some(running)
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    None
                }
            }
        });
        // Every task of this life (connections, handlers mid-transaction) is dropped here,
        // with no graceful shutdown: a killed process gets none.
        runtime.shutdown_background();
        // Only now the handle: its database pool's idle connections close (as a dead
        // process's would), and no graceful shutdown can start since nothing runs any more.
        drop(running);
    });
    match ready_rx.await {
        Ok(Ok(())) => Ok(Life {
            stop: stop_tx,
            thread,
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("the backend's thread ended before it started".into()),
    }
}
