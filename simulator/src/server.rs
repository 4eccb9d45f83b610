//! The HTTP/1 server loop, hardened against slow and idle clients.
//!
//! `axum::serve` has no timeouts and accepts without bound, so a few hundred sockets that
//! send half a request and stop would hold a file descriptor each forever. This loop serves
//! the same router through hyper's HTTP/1 connection builder with:
//! - a **header read timeout** (hyper's own: from the moment a request head is awaited until it
//!   is complete — a client that sends half a request line and stops is disconnected);
//! - an **idle timeout**: a connection with no handler running on which nothing is read or
//!   written for that long is closed (idle keep-alive connections, never-speaking sockets, and
//!   clients that stop reading a response);
//! - a **connection limit**: a semaphore permit per served connection; at the limit the loop
//!   stops accepting, so new connections wait in the kernel's listen backlog while the
//!   connections already served keep working;
//! - graceful shutdown: stop accepting, close connections with nothing in flight at once, let
//!   in-flight requests finish, then return.
//!
//! The body read timeout is a middleware ([`read_body`]) so the answer can be a
//! Stripe-shaped 408.

use std::future::poll_fn;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

use crate::app::App;
use crate::error::StripeError;
use crate::request::MAX_BODY;

/// Default time to send a complete request head.
pub(crate) const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time to send a whole request body, counted from the end of its head.
pub(crate) const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time a connection may sit with nothing moving and no request being handled.
pub(crate) const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Default number of connections served at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// The limits one server applies (from [`crate::SimOptions`], defaults filled in).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// See [`crate::SimOptions::header_read_timeout`].
    pub(crate) header_read_timeout: Duration,
    /// See [`crate::SimOptions::idle_timeout`].
    pub(crate) idle_timeout: Duration,
    /// See [`crate::SimOptions::max_connections`].
    pub(crate) max_connections: usize,
}

impl Limits {
    /// The limits `options` asks for; an error for a zero limit or timeout.
    pub(crate) fn from_options(options: &crate::SimOptions) -> io::Result<Limits> {
        let limits = Limits {
            header_read_timeout: options
                .header_read_timeout
                .unwrap_or(DEFAULT_HEADER_READ_TIMEOUT),
            idle_timeout: options.idle_timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT),
            max_connections: options.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS),
        };
        let body = options
            .body_read_timeout
            .unwrap_or(DEFAULT_BODY_READ_TIMEOUT);
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_string());
        if limits.header_read_timeout.is_zero() || limits.idle_timeout.is_zero() || body.is_zero() {
            return Err(invalid(
                "the header, body and idle timeouts must be above zero",
            ));
        }
        if limits.max_connections == 0 || limits.max_connections > u32::MAX as usize {
            return Err(invalid("max_connections must be between 1 and 4294967295"));
        }
        Ok(limits)
    }
}

/// Serves `router` on `listener` until `stop` turns true (or its sender is dropped), then
/// finishes in-flight requests and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    loop {
        // At the limit, stop accepting: newcomers wait in the backlog, served ones go on.
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = stop.wait_for(|v| *v) => break,
        };
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = stop.wait_for(|v| *v) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if is_per_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors or similar: back off instead of spinning.
                tracing::error!(error = %e, "stripe-sim cannot accept a connection");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    _ = stop.wait_for(|v| *v) => break,
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let builder = builder.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            connection(stream, router, builder, limits.idle_timeout, stop).await;
            drop(permit);
        });
    }
    drop(listener);
    // Every open connection holds a permit: having them all back means all are done.
    let _ = slots.acquire_many(limits.max_connections as u32).await;
}

/// Errors that concern one incoming connection only (the next accept may well succeed).
fn is_per_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Serves one connection: hyper's HTTP/1 state machine plus the idle watchdog and shutdown.
async fn connection(
    stream: TcpStream,
    router: Router,
    builder: http1::Builder,
    idle: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let service = TowerToHyperService::new(router);
    let tracked = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let handling = InFlight::enter(tracked.clone(), Counter::Handling);
        let responding = InFlight::enter(tracked.clone(), Counter::Responding);
        let fut = hyper::service::Service::call(&service, req);
        async move {
            let resp = fut.await?;
            drop(handling);
            // The response counts as in flight until hyper has written (dropped) its body.
            Ok::<_, std::convert::Infallible>(resp.map(|body| {
                Body::new(GuardedBody {
                    body,
                    _guard: responding,
                })
            }))
        }
    });
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut draining = false;
    loop {
        let check_at = if activity.handling() > 0 {
            Instant::now() + idle
        } else {
            activity.last() + idle
        };
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = stop.wait_for(|v| *v), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
                if activity.in_flight() == 0 {
                    // Idle, or a request head not yet complete: nothing to finish.
                    return;
                }
            }
            _ = tokio::time::sleep_until(check_at) => {
                if activity.handling() == 0 && activity.last().elapsed() >= idle {
                    tracing::debug!(?idle, "closing an idle connection");
                    return;
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Counter {
    Handling,
    Responding,
}

/// What the watchdog knows about a connection: when bytes last moved, and what is in flight.
struct Activity {
    epoch: Instant,
    last_ms: AtomicU64,
    handling: AtomicUsize,
    responding: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            epoch: Instant::now(),
            last_ms: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
            responding: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64;
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.epoch + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// Requests whose handler is running.
    fn handling(&self) -> usize {
        self.handling.load(Ordering::Relaxed)
    }

    /// Requests being handled or whose response is not yet written.
    fn in_flight(&self) -> usize {
        self.handling() + self.responding.load(Ordering::Relaxed)
    }

    fn counter(&self, c: Counter) -> &AtomicUsize {
        match c {
            Counter::Handling => &self.handling,
            Counter::Responding => &self.responding,
        }
    }
}

/// Counts one request in a counter while alive; leaving counts as activity.
struct InFlight {
    activity: Arc<Activity>,
    counter: Counter,
}

impl InFlight {
    fn enter(activity: Arc<Activity>, counter: Counter) -> InFlight {
        activity.counter(counter).fetch_add(1, Ordering::Relaxed);
        InFlight { activity, counter }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.activity
            .counter(self.counter)
            .fetch_sub(1, Ordering::Relaxed);
        self.activity.touch();
    }
}

/// A response body that keeps the request counted as in flight until hyper drops it.
struct GuardedBody {
    body: Body,
    _guard: InFlight,
}

impl HttpBody for GuardedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// A socket that records when bytes last moved in either direction.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Middleware: reads the whole request body within the body read timeout (counted from the
/// end of the head), so no handler waits on a slow client. Too slow → 408 and the connection
/// is closed; too large → 413; a broken body → 400. Always Stripe-shaped JSON.
pub(crate) async fn read_body(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let limit = app
        .options
        .body_read_timeout
        .unwrap_or(DEFAULT_BODY_READ_TIMEOUT);
    let (parts, mut body) = req.into_parts();
    let deadline = Instant::now() + limit;
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let frame = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx));
        match tokio::time::timeout_at(deadline, frame).await {
            Err(_) => {
                let mut resp = StripeError::RequestTimeout {
                    message: format!(
                        "The request body did not arrive within {} s (received {} bytes). Send the whole body at once.",
                        secs(limit),
                        buf.len()
                    ),
                }
                .into_response();
                resp.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                return resp;
            }
            Ok(None) => break,
            Ok(Some(Err(_))) => {
                return StripeError::bad_request(
                    "The request body could not be read (the connection broke or its chunked encoding is invalid).",
                )
                .into_response();
            }
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > MAX_BODY {
                        let mut resp = StripeError::PayloadTooLarge {
                            message: format!(
                                "Request body too large: the limit is {MAX_BODY} bytes."
                            ),
                        }
                        .into_response();
                        resp.headers_mut()
                            .insert(header::CONNECTION, HeaderValue::from_static("close"));
                        return resp;
                    }
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
    next.run(Request::from_parts(parts, Body::from(buf))).await
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}
