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

/// Why the backend could not be started or restarted.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The listener the caller bound has no address.
    #[error("the backend's listener has no address: {0}")]
    NoAddress(#[source] std::io::Error),
    /// The address was not free again within the restart's deadline.
    #[error("the backend's address {addr} stayed busy: {source}")]
    Busy {
        /// The backend's fixed address.
        addr: SocketAddr,
        /// The last bind's error.
        #[source]
        source: std::io::Error,
    },
    /// No runtime could be built for a life.
    #[error("no runtime for the backend: {0}")]
    Runtime(#[source] std::io::Error),
    /// The listener could not be handed to the runtime.
    #[error("listener: {0}")]
    Listener(#[source] std::io::Error),
    /// The backend itself refused to start.
    #[error("the backend did not start: {0}")]
    Start(#[source] billing::StartError),
    /// The life's thread ended before saying whether it started.
    #[error("the backend's thread ended before it started")]
    ThreadEnded,
}

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
    ) -> Result<Self, BackendError> {
        let addr = listener.local_addr().map_err(BackendError::NoAddress)?;
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
    pub(crate) async fn restart(&mut self) -> Result<(), BackendError> {
        self.kill().await;
        let give_up = Instant::now() + RESTART_DEADLINE;
        let listener = loop {
            match std::net::TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(source) if Instant::now() >= give_up => {
                    return Err(BackendError::Busy {
                        addr: self.addr,
                        source,
                    });
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

async fn spawn(
    config: billing::Config,
    listener: std::net::TcpListener,
) -> Result<Life, BackendError> {
    let (ready_tx, ready_rx) = oneshot::channel::<Result<(), BackendError>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(BackendError::Runtime(e)));
                return;
            }
        };
        let running = runtime.block_on(async move {
            let started = async {
                listener
                    .set_nonblocking(true)
                    .map_err(BackendError::Listener)?;
                let listener =
                    tokio::net::TcpListener::from_std(listener).map_err(BackendError::Listener)?;
                billing::start(config, listener)
                    .await
                    .map_err(BackendError::Start)
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
        Err(_) => Err(BackendError::ThreadEnded),
    }
}
