//! Slow and idle clients against the real accept loop, over raw TCP: a half-sent request head is
//! cut off after the header read timeout, a slow body gets 408, and
//! at the connection limit a well-formed request is served once an idle connection is gone.

use crate::common;

use std::time::{Duration, Instant};

use common::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SHORT: &[(&str, &str)] = &[
    ("BILLING_HEADER_READ_TIMEOUT_SECS", "1"),
    ("BILLING_BODY_READ_TIMEOUT_SECS", "1"),
    ("BILLING_KEEP_ALIVE_TIMEOUT_SECS", "1"),
];

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.backend.as_ref().unwrap().addr)
        .await
        .unwrap()
}

/// Reads until the peer closes or `deadline` passes; returns what was read and whether the
/// connection was closed.
async fn read_until_closed(s: &mut TcpStream, deadline: Duration) -> (String, bool) {
    let end = Instant::now() + deadline;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (String::from_utf8_lossy(&out).into_owned(), false);
        }
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_half_sent_request_line_is_closed_after_the_header_timeout() {
    let app = TestApp::start_with(SHORT).await;
    let mut s = connect(&app).await;
    let started = Instant::now();
    s.write_all(b"GET /heal").await.unwrap();
    let (_, closed) = read_until_closed(&mut s, Duration::from_secs(8)).await;
    assert!(closed, "the half-open connection was still open after 8 s");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed too early: {:?}",
        started.elapsed()
    );
    // A silent connection fares the same.
    let mut silent = connect(&app).await;
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(8)).await;
    assert!(closed, "a silent connection was still open after 8 s");
    app.stop().await;
}

#[tokio::test]
async fn a_slow_body_gets_408() {
    let app = TestApp::start_with(SHORT).await;
    for path in [
        "/api/subscription/webhook",
        "/api/subscription/create-checkout-session",
    ] {
        let mut s = connect(&app).await;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nAuthorization: Bearer {}\r\n\r\n{{\"a\":",
            app.token("user_slow", "slow@example.com")
        );
        s.write_all(head.as_bytes()).await.unwrap();
        let (text, closed) = read_until_closed(&mut s, Duration::from_secs(8)).await;
        assert!(
            text.starts_with("HTTP/1.1 408"),
            "{path}: expected 408, got {text:?} (closed: {closed})"
        );
        if !text.is_empty() {
            assert!(text.contains("request_timeout"), "{text}");
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn at_the_connection_limit_a_request_is_served_once_an_idle_connection_is_gone() {
    let mut vars = SHORT.to_vec();
    vars.push(("BILLING_MAX_CONNECTIONS", "2"));
    let app = TestApp::start_with(&vars).await;
    // Two connections take both slots and send nothing.
    let mut idle_a = connect(&app).await;
    let mut idle_b = connect(&app).await;
    idle_a.write_all(b"GE").await.unwrap();
    let started = Instant::now();
    let mut s = connect(&app).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (text, _) = read_until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(
        text.starts_with("HTTP/1.1 200"),
        "the third client was not served: {text:?}"
    );
    // It waited for a slot: the idle connections held both until their timeout.
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "served after {:?}, before any slot was free",
        started.elapsed()
    );
    let (_, a_closed) = read_until_closed(&mut idle_a, Duration::from_secs(5)).await;
    let (_, b_closed) = read_until_closed(&mut idle_b, Duration::from_secs(5)).await;
    assert!(a_closed && b_closed);
    app.stop().await;
}

#[tokio::test]
async fn a_kept_alive_connection_serves_several_requests_then_closes_when_idle() {
    let app = TestApp::start_with(SHORT).await;
    let mut s = connect(&app).await;
    for _ in 0..3 {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    }
    let (_, closed) = read_until_closed(&mut s, Duration::from_secs(8)).await;
    assert!(closed, "an idle kept-alive connection stayed open");
    // The rate limiter still sees the client's address, and shutdown still completes.
    let r = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}
