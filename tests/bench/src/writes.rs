//! Small writes while a ledger is imported: the release server on a copy of the imported
//! database, next month's ledger sent to `POST /api/v1/imports/binary` on one connection, and
//! meanwhile a fixed number of keep-alive clients each adding follow-ups (`POST
//! /api/v1/projects/{id}/activities`, a random project each time) one after the other. Every
//! write must succeed (a busy database answers 503, which counts as a failure) and the 99th
//! percentile of their latency stay under the target. Without an import (the baseline) the
//! clients write for a fixed time.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::cases::Measured;
use crate::load::{Server, percentile};
use crate::memory;

/// How long the clients write when no import runs.
const WITHOUT_IMPORT: Duration = Duration::from_secs(5);

/// Starts the server on `database_url`; with `ledger`, imports it while `clients` write,
/// else lets them write for [`WITHOUT_IMPORT`].
pub async fn measure(
    server_bin: &Path,
    database_url: &str,
    token: &str,
    ledger: Option<&Path>,
    clients: usize,
    projects: usize,
) -> anyhow::Result<Measured> {
    let server = Server::start(server_bin, database_url).await?;
    let (addr, pid) = (server.addr.clone(), server.pid);
    let result = async {
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        for client in 0..clients {
            let (addr, token, stopped) = (addr.clone(), token.to_string(), stopped.clone());
            tasks.push(tokio::spawn(async move {
                write_follow_ups(client, &addr, &token, projects, stopped).await
            }));
        }
        let started = Instant::now();
        let imported = match ledger {
            Some(ledger) => Some(import(&addr, token, ledger).await?),
            None => {
                tokio::time::sleep(WITHOUT_IMPORT).await;
                None
            }
        };
        let elapsed = started.elapsed().as_secs_f64();
        stop.send(true)?;
        let mut latencies = Vec::new();
        let mut failed = Vec::new();
        for task in tasks {
            let (mut l, mut f) = task.await??;
            latencies.append(&mut l);
            failed.append(&mut f);
        }
        let peak_mib = memory::peak_mib(Some(pid))?;
        Ok::<_, anyhow::Error>((latencies, failed, elapsed, imported, peak_mib))
    }
    .await;
    server.stop().await;
    let (mut latencies, failed, elapsed, imported, peak_mib) = result?;
    ensure!(!latencies.is_empty(), "no write completed");
    latencies.sort_unstable();
    Ok(Measured {
        seconds: elapsed,
        peak_mib,
        detail: serde_json::json!({
            "writes": latencies.len(),
            "failed": failed.len(),
            "first_failures": failed.iter().take(3).collect::<Vec<_>>(),
            "p50_ms": percentile(&latencies, 0.50),
            "p99_ms": percentile(&latencies, 0.99),
            "max_ms": percentile(&latencies, 1.0),
            "clients": clients,
            "import": imported,
        }),
    })
}

/// Sends the ledger and waits for the import's report; returns its counts.
async fn import(addr: &str, token: &str, ledger: &Path) -> anyhow::Result<serde_json::Value> {
    let bytes = std::fs::read(ledger)?;
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, conn) = http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let request = hyper::Request::post("/api/v1/imports/binary?file_name=next-month.xlsx")
        .header("host", addr)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/octet-stream")
        .body(Full::new(Bytes::from(bytes)))?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    let report: serde_json::Value =
        serde_json::from_slice(&body).with_context(|| format!("the import answered {status}"))?;
    if !status.is_success() || report["status"] != "imported" {
        bail!("the import answered {status}: {}", report["message"]);
    }
    Ok(serde_json::json!({
        "updated": report["updated"],
        "unchanged": report["unchanged"],
        "created": report["created"],
    }))
}

/// One keep-alive connection adding follow-ups back to back until told to stop; returns the
/// latencies (µs) of the writes, and for each that failed its status and message.
async fn write_follow_ups(
    client: usize,
    addr: &str,
    token: &str,
    projects: usize,
    mut stopped: watch::Receiver<bool>,
) -> anyhow::Result<(Vec<u32>, Vec<String>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(1000 + client as u64);
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = http1::handshake::<_, Full<Bytes>>(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let authorization = format!("Bearer {token}");
    let body = Bytes::from_static(
        r#"{"occurred_on":"2025-11-20","kind":"call","summary":"电话跟进，了解设备到货情况"}"#.as_bytes(),
    );
    let (mut latencies, mut failed) = (Vec::new(), Vec::new());
    while !*stopped.borrow_and_update() {
        let project = rng.random_range(1..=projects.max(1));
        let request = hyper::Request::post(format!("/api/v1/projects/{project}/activities"))
            .header("host", addr)
            .header("authorization", &authorization)
            .header("content-type", "application/json")
            .body(Full::new(body.clone()))?;
        let sent = Instant::now();
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        let answer = response.into_body().collect().await?.to_bytes();
        latencies.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
        if !status.is_success() {
            failed.push(format!("{status}: {}", String::from_utf8_lossy(&answer)));
        }
    }
    Ok((latencies, failed))
}
