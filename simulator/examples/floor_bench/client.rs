//! The load client both servers get: one keep-alive HTTP/1.1 connection per worker, requests
//! written as prepared bytes, responses read by `Content-Length` and not parsed, so the
//! client spends as little of the shared CPU as it can.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One kept-alive connection.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// A response: status and body bytes.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Conn {
    pub async fn open(addr: std::net::SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends one request and reads its whole response.
    pub async fn send(&mut self, request: &[u8]) -> io::Result<Answer> {
        self.stream.write_all(request).await?;
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "head not UTF-8"))?;
        let status = head
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no status"))?;
        let len: usize = head
            .split("\r\n")
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no content-length"))?;
        while self.buf.len() < head_end + len {
            self.fill().await?;
        }
        let body = self.buf[head_end..head_end + len].to_vec();
        self.buf.drain(..head_end + len);
        Ok(Answer { status, body })
    }

    async fn fill(&mut self) -> io::Result<()> {
        // Reads into the buffer's spare room (no zeroed scratch buffer per read).
        self.buf.reserve(16 * 1024);
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
        }
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A request as bytes: `method path`, bearer key, optional form body.
pub fn request(method: &str, path: &str, key: &str, form: Option<&str>) -> Vec<u8> {
    let mut r =
        format!("{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {key}\r\n");
    if let Some(body) = form {
        r.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        r.push_str("\r\n");
    }
    r.into_bytes()
}

/// When a load run stops.
#[derive(Clone, Copy)]
pub enum Until {
    /// After this long.
    Elapsed(Duration),
    /// After this many requests (for profiling: the same work every run).
    Count(usize),
}

/// What a load run measured.
pub struct Stats {
    pub requests: usize,
    pub elapsed: Duration,
    /// Sorted.
    pub latencies: Vec<Duration>,
    /// Bodies of the answers, when asked to keep them.
    pub bodies: Vec<Vec<u8>>,
}

impl Stats {
    pub fn per_sec(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    pub fn pct_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len() - 1);
        self.latencies[i].as_secs_f64() * 1e3
    }
}

/// The `i`-th request of a run, or `None` when the run has no more work (e.g. no session
/// left to pay).
pub type MakeRequest = Arc<dyn Fn(usize) -> Option<Vec<u8>> + Send + Sync>;

/// Runs `make` with `workers` connections until `until`; every answer must be a 2xx.
pub async fn load(
    addr: std::net::SocketAddr,
    workers: usize,
    until: Until,
    make: MakeRequest,
    keep_bodies: bool,
) -> Stats {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (next, make) = (next.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await.expect("connect");
            let mut lat = Vec::new();
            let mut bodies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let more = match until {
                    Until::Elapsed(d) => started.elapsed() < d,
                    Until::Count(n) => i < n,
                };
                let Some(req) = make(i).filter(|_| more) else {
                    break;
                };
                let t = Instant::now();
                let answer = conn.send(&req).await.expect("request");
                lat.push(t.elapsed());
                assert!(
                    (200..300).contains(&answer.status),
                    "{} → {}: {}",
                    String::from_utf8_lossy(&req[..req.len().min(80)]),
                    answer.status,
                    String::from_utf8_lossy(&answer.body)
                );
                if keep_bodies {
                    bodies.push(answer.body);
                }
            }
            (lat, bodies)
        }));
    }
    let mut latencies = Vec::new();
    let mut bodies = Vec::new();
    for t in tasks {
        let (l, b) = t.await.expect("worker");
        latencies.extend(l);
        bodies.extend(b);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Stats {
        requests: latencies.len(),
        elapsed,
        latencies,
        bodies,
    }
}
