//! The accept loop: HTTP/1 connections served by hyper with the limits `axum::serve` lacks.
//!
//! - At most [`ServerLimits::max_connections`] connections are served at once: the loop takes
//!   a semaphore permit *before* accepting, so further clients wait in the kernel's backlog
//!   (they are served as soon as a slot frees) instead of costing a task and a buffer each.
//! - A request head must arrive within [`ServerLimits::header_read`]: counted from the accept
//!   for a new connection, and from the first byte of each later request on a kept-alive one.
//! - A kept-alive connection with no request in flight is closed after
//!   [`ServerLimits::keep_alive_idle`] without a byte from the client.
//! - A request body must be read completely within [`ServerLimits::body_read`] of its head;
//!   reading it after that fails with [`BodyTimedOut`] (the routes answer 408).
//!
//! hyper's own `header_read_timeout` runs as a backstop: its clock starts when the connection
//! starts waiting for a request, so it is set to the idle time plus the header time.
//! Shutdown stops accepting, asks every connection to finish its current request and close,
//! and waits for them. Every request carries `ConnectInfo<SocketAddr>` (the rate limiter logs
//! the client's address).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// The connection limits (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// `BILLING_HEADER_READ_TIMEOUT_SECS` (default 10 s).
    pub header_read: Duration,
    /// `BILLING_BODY_READ_TIMEOUT_SECS` (default 30 s).
    pub body_read: Duration,
    /// `BILLING_KEEP_ALIVE_TIMEOUT_SECS` (default 75 s).
    pub keep_alive_idle: Duration,
    /// `BILLING_MAX_CONNECTIONS` (default 1,024).
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(30),
            keep_alive_idle: Duration::from_secs(75),
            max_connections: 1024,
        }
    }
}

/// The error a request body yields once [`ServerLimits::body_read`] has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request body was not received within the body read timeout")]
pub struct BodyTimedOut;

/// Whether `err` (a body or extractor error) is, at its root, a [`BodyTimedOut`].
pub fn is_body_timeout(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if e.downcast_ref::<BodyTimedOut>().is_some() {
            return true;
        }
        cur = e.source();
    }
    false
}

/// A request body that fails with [`BodyTimedOut`] after its deadline.
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(r) => Poll::Ready(r.map(|f| f.map_err(Into::into))),
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimedOut)))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// What the watchdog of one connection knows about it.
#[derive(Debug)]
struct Activity {
    /// Requests whose handler is running.
    in_flight: AtomicUsize,
    times: Mutex<Times>,
}

#[derive(Debug, Clone, Copy)]
struct Times {
    /// The last byte read or written.
    last: Instant,
    /// When the head of the request being received began (the accept, for the first one).
    head_started: Option<Instant>,
}

impl Activity {
    fn new() -> Activity {
        let now = Instant::now();
        Activity {
            in_flight: AtomicUsize::new(0),
            times: Mutex::new(Times {
                last: now,
                head_started: Some(now),
            }),
        }
    }

    fn times(&self) -> std::sync::MutexGuard<'_, Times> {
        self.times.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) {
        let idle = self.in_flight.load(Ordering::SeqCst) == 0;
        let mut t = self.times();
        t.last = Instant::now();
        if idle && t.head_started.is_none() {
            t.head_started = Some(t.last);
        }
    }

    fn wrote(&self) {
        self.times().last = Instant::now();
    }

    fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.times().head_started = None;
    }

    fn request_finished(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.times().last = Instant::now();
    }

    /// Why the connection should end now, if it should.
    fn expired(&self, limits: &ServerLimits, now: Instant) -> Option<&'static str> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let t = *self.times();
        match t.head_started {
            Some(h) if now.duration_since(h) >= limits.header_read => Some("header_read_timeout"),
            Some(_) => None,
            None if now.duration_since(t.last) >= limits.keep_alive_idle => Some("idle_timeout"),
            None => None,
        }
    }
}

struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A TCP stream that reports its reads and writes to the watchdog.
struct TrackedStream {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for TrackedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        r
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serves `app` on `listener` with `limits` until `shutdown` resolves, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read + limits.keep_alive_idle)
        .keep_alive(true);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        // Reap finished connection tasks so the set does not grow without bound.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, remote) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and similar: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let builder = builder.clone();
        let stop = stop_rx.clone();
        connections.spawn(async move {
            serve_connection(stream, remote, app, &builder, limits, stop).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

async fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    app: Router,
    builder: &hyper::server::conn::http1::Builder,
    limits: ServerLimits,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(TrackedStream {
        inner: stream,
        activity: activity.clone(),
    });
    let service_activity = activity.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        service_activity.request_started();
        let guard = InFlight(service_activity.clone());
        let (mut parts, body) = req.into_parts();
        parts.extensions.insert(ConnectInfo(remote));
        let body = Body::new(DeadlineBody {
            inner: body,
            deadline: Box::pin(tokio::time::sleep(limits.body_read)),
        });
        let app = app.clone();
        async move {
            let response = app.oneshot(Request::from_parts(parts, body)).await;
            drop(guard);
            response
        }
    });
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let tick = limits
        .header_read
        .min(limits.keep_alive_idle)
        .div_f32(4.0)
        .max(Duration::from_millis(10));
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, client_addr = %remote, "connection ended with an error");
                }
                return;
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() || *stop.borrow() {
                    conn.as_mut().graceful_shutdown();
                }
            }
            _ = tokio::time::sleep(tick) => {
                if let Some(why) = activity.expired(&limits, Instant::now()) {
                    tracing::debug!(client_addr = %remote, reason = why, "closing connection");
                    // Nothing is in flight: dropping the connection closes the socket.
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_found_through_error_sources() {
        let e = axum::Error::new(BodyTimedOut);
        assert!(is_body_timeout(&e));
        let other = io::Error::other("x");
        assert!(!is_body_timeout(&other));
    }
}
