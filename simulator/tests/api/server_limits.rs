//! Slow clients and the connection limit: header and body timeouts, waiting at the limit,
//! idle sockets, graceful shutdown, `/healthz`.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;
use stripe_sim::{RunningSimulator, SimOptions, start};
use tokio::time::{Instant, timeout};

use super::common::*;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn sim_with(options: SimOptions) -> RunningSimulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    start(listener, options).await.expect("start sim")
}

/// Sends one keep-alive `GET` on `stream` and reads the whole response (by Content-Length);
/// returns the status code, or `None` if no complete response arrives before `deadline`.
async fn keep_alive_get(
    stream: &mut TcpStream,
    path: &str,
    key: &str,
    deadline: Instant,
) -> Option<u16> {
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n");
    stream.write_all(req.as_bytes()).await.ok()?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if seen.len() >= end + 4 + len {
                return head.get(9..12).and_then(|s| s.parse().ok());
            }
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => return None,
        }
    }
}

#[tokio::test]
async fn half_sent_request_head_is_cut_off_after_the_header_timeout() {
    let header = Duration::from_millis(300);
    let sim = sim_with(SimOptions {
        header_read_timeout: Some(header),
        idle_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    })
    .await;
    let mut s = TcpStream::connect(sim.addr).await.expect("connect");
    let sent = Instant::now();
    s.write_all(b"POST /v1/customers HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let closed = read_until_closed(&mut s, sent + Duration::from_secs(5)).await;
    let waited = sent.elapsed();
    assert!(
        closed.is_some(),
        "a half-sent head is still open after {waited:?}"
    );
    assert_eq!(
        closed.as_deref(),
        Some(&b""[..]),
        "closed without an answer"
    );
    assert!(
        waited >= header - Duration::from_millis(50),
        "closed too early: {waited:?}"
    );
    // A well-behaved client on a new connection is served as usual.
    let mut s = TcpStream::connect(sim.addr).await.expect("connect");
    let status = keep_alive_get(&mut s, "/v1/customers", &key(), Instant::now() + DEADLINE).await;
    assert_eq!(status, Some(200));
    sim.shutdown().await;
}

#[tokio::test]
async fn body_slower_than_the_body_timeout_is_cut_off() {
    let body = Duration::from_millis(300);
    let sim = sim_with(SimOptions {
        body_read_timeout: Some(body),
        idle_timeout: Some(Duration::from_secs(30)),
        ..Default::default()
    })
    .await;
    let key = key();
    // Headers at once, then the body a byte every 50 ms: 60 bytes would take 3 s.
    let mut s = TcpStream::connect(sim.addr).await.expect("connect");
    let head = format!(
        "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60\r\n\r\nname="
    );
    s.write_all(head.as_bytes()).await.expect("write head");
    let sent = Instant::now();
    let (mut rd, mut wr) = s.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..55 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if wr.write_all(b"x").await.is_err() {
                return;
            }
        }
    });
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = sent + Duration::from_secs(5);
    let closed = loop {
        match tokio::time::timeout_at(deadline, rd.read(&mut buf)).await {
            Err(_) => break false,
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    };
    let waited = sent.elapsed();
    trickle.abort();
    let text = String::from_utf8_lossy(&seen).to_string();
    assert!(closed, "still open after {waited:?}; got {text:?}");
    assert!(
        waited >= body - Duration::from_millis(50),
        "cut off too early: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(2),
        "cut off too late: {waited:?}"
    );
    // A 408 when the server could still answer (a reset may swallow it: then nothing).
    if !text.is_empty() {
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("\"invalid_request_error\""), "{text}");
    }
    // A whole body sent at once is served on a new connection.
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key,
    };
    let (st, c) = api.post("/v1/customers", &[("name", "Ada")]).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let (st, list) = api.get("/v1/customers").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(1),
        "the slow one created nothing"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn at_the_connection_limit_new_connections_wait_and_existing_ones_keep_working() {
    let sim = sim_with(SimOptions {
        max_connections: Some(2),
        header_read_timeout: Some(Duration::from_secs(20)),
        idle_timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    })
    .await;
    let key = key();
    // A: a kept-alive client that has made a request; B: an idle socket. The limit is full.
    let mut a = TcpStream::connect(sim.addr).await.expect("connect a");
    let status = keep_alive_get(&mut a, "/v1/customers", &key, Instant::now() + DEADLINE).await;
    assert_eq!(status, Some(200));
    let b = TcpStream::connect(sim.addr).await.expect("connect b");
    // C: a well-formed request on a third connection waits, unanswered.
    let mut c = TcpStream::connect(sim.addr)
        .await
        .expect("connect c (backlog)");
    let early = keep_alive_get(
        &mut c,
        "/v1/customers",
        &key,
        Instant::now() + Duration::from_millis(300),
    )
    .await;
    assert_eq!(early, None, "a connection over the limit was served");
    // A keeps working while C waits.
    let status = keep_alive_get(&mut a, "/v1/customers", &key, Instant::now() + DEADLINE).await;
    assert_eq!(
        status,
        Some(200),
        "an existing client is blocked by the limit"
    );
    // Dropping the idle socket frees its slot: C's request (already sent) is answered.
    drop(b);
    let mut buf = Vec::new();
    let got = read_until_closed_or_response(&mut c, &mut buf, Instant::now() + DEADLINE).await;
    assert!(
        got,
        "the waiting connection was not served after a slot freed: {buf:?}"
    );
    assert!(
        buf.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf)
    );
    sim.shutdown().await;
}

/// Reads until a response head has arrived (true) or the deadline passes (false).
async fn read_until_closed_or_response(
    s: &mut TcpStream,
    seen: &mut Vec<u8>,
    deadline: Instant,
) -> bool {
    let mut buf = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => seen.extend_from_slice(&buf[..n]),
            _ => return false,
        }
    }
    true
}

#[tokio::test]
async fn idle_sockets_over_the_limit_time_out_and_a_new_request_is_served() {
    let limit = 3;
    let sim = sim_with(SimOptions {
        max_connections: Some(limit),
        header_read_timeout: Some(Duration::from_millis(400)),
        idle_timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    })
    .await;
    // limit + 1 sockets that never send a byte (the last one waits in the backlog).
    let mut idle = Vec::new();
    for _ in 0..=limit {
        idle.push(TcpStream::connect(sim.addr).await.expect("connect idle"));
    }
    let started = Instant::now();
    let mut s = TcpStream::connect(sim.addr).await.expect("connect");
    let status = keep_alive_get(&mut s, "/v1/customers", &key(), started + DEADLINE).await;
    assert_eq!(status, Some(200), "idle sockets starved a real client");
    // The idle ones were closed by the server, not left open.
    for (i, sock) in idle.iter_mut().enumerate() {
        let closed = read_until_closed(sock, Instant::now() + DEADLINE).await;
        assert!(closed.is_some(), "idle socket {i} still open");
    }
    // A kept-alive connection is closed after the idle timeout too, once its response is read.
    let closed = read_until_closed(&mut s, Instant::now() + DEADLINE).await;
    assert!(
        closed.is_some(),
        "an idle kept-alive connection stayed open"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_graceful_with_idle_and_half_open_connections() {
    let sim = sim_with(SimOptions {
        header_read_timeout: Some(Duration::from_secs(20)),
        idle_timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    })
    .await;
    let mut kept = TcpStream::connect(sim.addr).await.expect("connect");
    let status = keep_alive_get(
        &mut kept,
        "/v1/customers",
        &key(),
        Instant::now() + DEADLINE,
    )
    .await;
    assert_eq!(status, Some(200));
    let mut half = TcpStream::connect(sim.addr).await.expect("connect");
    half.write_all(b"GET /v1/customers HTTP/1.1\r\nHo")
        .await
        .expect("write");
    let addr = sim.addr;
    timeout(Duration::from_secs(5), sim.shutdown())
        .await
        .expect("shutdown waits for neither idle nor half-sent connections");
    assert!(
        read_until_closed(&mut kept, Instant::now() + DEADLINE)
            .await
            .is_some()
    );
    assert!(
        read_until_closed(&mut half, Instant::now() + DEADLINE)
            .await
            .is_some()
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}

#[tokio::test]
async fn healthz_answers_without_a_key_and_shutdown_delivers_what_is_owed_first() {
    // The endpoint fails the first attempt, so the event is still owed (waiting for its retry)
    // when shutdown begins.
    let mut rcv = receiver(1).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    let sim = start(
        listener,
        SimOptions {
            retry_schedule: Some(vec![Duration::from_millis(300)]),
            ..Default::default()
        },
    )
    .await
    .expect("start");
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    api.post(
        "/v1/webhook_endpoints",
        &[("url", &rcv.url), ("enabled_events[0]", "customer.created")],
    )
    .await;
    let (s, _) = api
        .post("/v1/customers", &[("email", "d@example.com")])
        .await;
    assert_eq!(s, StatusCode::OK);
    let (first, _) = timeout(DEADLINE, rcv.rx.recv())
        .await
        .expect("first attempt")
        .expect("open");
    assert!(first.starts_with("FAILED "), "{first}");
    let health: Value = api
        .http
        .get(format!("{}/healthz", sim.base_url))
        .send()
        .await
        .expect("healthz")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["outstanding_deliveries"], 1, "{health}");
    sim.shutdown().await;
    // The retry went out before the simulator stopped.
    let (second, body) = timeout(Duration::from_millis(100), rcv.rx.recv())
        .await
        .expect("the owed delivery was made before shutdown returned")
        .expect("open");
    assert!(!second.starts_with("FAILED "), "{second}");
    assert!(body.contains("customer.created"), "{body}");
}
