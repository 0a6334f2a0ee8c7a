//! The HTTP load: the release server (`zhaoshang serve`) started on its own database, then
//! a fixed number of keep-alive HTTP/1.1 connections over loopback, each sending one request
//! after the other for a fixed time. Reports requests per second, the median and 99th
//! percentile latency, and the server's peak memory.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;

use crate::cases::Measured;
use crate::memory;

/// What the clients ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `GET /health`: the trivial endpoint (one `SELECT 1`, no authentication).
    Health,
    /// `GET /api/v1/projects/{id}`, a random project each time.
    Project,
    /// `GET /api/v1/projects?team_id=…&stage=signed&sort=signed_on&per_page=20`, a random
    /// team each time.
    FilteredList,
}

impl Endpoint {
    fn path(self, rng: &mut ChaCha8Rng, projects: usize) -> String {
        match self {
            Self::Health => "/health".into(),
            Self::Project => format!("/api/v1/projects/{}", rng.random_range(1..=projects.max(1))),
            Self::FilteredList => format!(
                "/api/v1/projects?team_id={}&stage=signed&sort=signed_on&per_page=20",
                rng.random_range(1..=24)
            ),
        }
    }
}

/// Time the clients send before the measured window, to open connections and warm caches.
const WARM_UP: Duration = Duration::from_secs(1);

/// The release server, started on its own database, killed when dropped.
pub struct Server {
    child: tokio::process::Child,
    pub addr: String,
    pub pid: u32,
}

impl Server {
    /// Starts `server_bin` on `database_url` on a free loopback port and waits until it answers.
    pub async fn start(server_bin: &Path, database_url: &str) -> anyhow::Result<Self> {
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?.port()
        };
        let addr = format!("127.0.0.1:{port}");
        let child = tokio::process::Command::new(server_bin)
            .args(["--database-url", database_url, "serve", "--bind", &addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", server_bin.display()))?;
        let pid = child.id().context("the server has no pid")?;
        let server = Self { child, addr, pid };
        wait_until_up(&server.addr).await?;
        Ok(server)
    }

    pub async fn stop(mut self) {
        self.child.kill().await.ok();
    }
}

/// Starts the server on `database_url`, loads it, stops it.
pub async fn measure(
    server_bin: &Path,
    database_url: &str,
    token: &str,
    endpoint: Endpoint,
    seconds: u64,
    clients: usize,
    projects: usize,
) -> anyhow::Result<Measured> {
    let server = Server::start(server_bin, database_url).await?;
    let (addr, pid) = (server.addr.clone(), server.pid);
    let result = async {
        let started = Instant::now() + WARM_UP;
        let until = started + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for client in 0..clients {
            let (addr, token) = (addr.clone(), token.to_string());
            tasks.push(tokio::spawn(async move {
                run_client(client, &addr, &token, endpoint, projects, started, until).await
            }));
        }
        let mut latencies = Vec::new();
        let mut errors = 0u64;
        for task in tasks {
            let (mut l, e) = task.await??;
            latencies.append(&mut l);
            errors += e;
        }
        let elapsed = until.saturating_duration_since(started).as_secs_f64();
        let peak_mib = memory::peak_mib(Some(pid))?;
        Ok::<_, anyhow::Error>((latencies, errors, elapsed, peak_mib))
    }
    .await;
    server.stop().await;
    let (mut latencies, errors, elapsed, peak_mib) = result?;
    if latencies.is_empty() {
        bail!("no request completed");
    }
    if errors > 0 {
        bail!("{errors} requests failed");
    }
    latencies.sort_unstable();
    let requests = latencies.len();
    Ok(Measured {
        seconds: elapsed,
        peak_mib,
        detail: serde_json::json!({
            "requests": requests,
            "requests_per_second": requests as f64 / elapsed,
            "p50_ms": percentile(&latencies, 0.50),
            "p99_ms": percentile(&latencies, 0.99),
            "clients": clients,
        }),
    })
}

/// The `p` quantile of sorted latencies (µs), in ms.
pub fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[at] as f64 / 1000.0
}

pub async fn wait_until_up(addr: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(stream) = TcpStream::connect(addr).await
            && let Ok((mut sender, conn)) = http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream)).await
        {
            tokio::spawn(conn);
            let request = hyper::Request::get("/health").header("host", addr).body(Empty::new())?;
            if let Ok(response) = sender.send_request(request).await
                && response.status().is_success()
            {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server at {addr} did not come up")
}

/// One keep-alive connection sending requests back to back; returns the latencies (µs) of
/// the requests sent inside the window, and how many of them failed.
async fn run_client(
    client: usize,
    addr: &str,
    token: &str,
    endpoint: Endpoint,
    projects: usize,
    started: Instant,
    until: Instant,
) -> anyhow::Result<(Vec<u32>, u64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(client as u64);
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let authorization = format!("Bearer {token}");
    let mut latencies = Vec::with_capacity(64 * 1024);
    let mut errors = 0;
    loop {
        let sent = Instant::now();
        if sent >= until {
            break;
        }
        let request = hyper::Request::get(endpoint.path(&mut rng, projects))
            .header("host", addr)
            .header("authorization", &authorization)
            .body(Empty::new())?;
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let ok = response.status().is_success();
        response.into_body().collect().await?;
        let done = Instant::now();
        if sent >= started {
            latencies.push(u32::try_from((done - sent).as_micros()).unwrap_or(u32::MAX));
            if !ok {
                errors += 1;
            }
        }
    }
    Ok((latencies, errors))
}
