//! Crash safety: the real binary is killed with SIGKILL in the middle of a burst of
//! concurrent writes; after a restart every acknowledged write is there and the database
//! passes its integrity check.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

/// A database the server process can open: a SQLite file, or a fresh PostgreSQL schema when
/// `TEST_DATABASE_URL` names a server.
pub struct ProcessDatabase {
    pub url: String,
    dir: Option<std::path::PathBuf>,
    pg: Option<(String, String)>,
}

impl ProcessDatabase {
    pub async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(server) if server.starts_with("postgres") => {
                let schema = format!("zs_test_{:016x}", rand::random::<u64>());
                let admin = zhaoshang::db::connect(&server).await.unwrap();
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                    .await
                    .unwrap();
                let separator = if server.contains('?') { '&' } else { '?' };
                Self {
                    url: format!("{server}{separator}options=-c%20search_path%3D{schema}"),
                    dir: None,
                    pg: Some((server, schema)),
                }
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("zs-crash-{:016x}", rand::random::<u64>()));
                std::fs::create_dir_all(&dir).unwrap();
                Self {
                    url: format!("sqlite://{}?mode=rwc", dir.join("zs.db").display()),
                    dir: Some(dir),
                    pg: None,
                }
            }
        }
    }
}

impl Drop for ProcessDatabase {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            std::fs::remove_dir_all(dir).ok();
        }
        if let Some((server, schema)) = self.pg.take() {
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    if let Ok(admin) = zhaoshang::db::connect(&server).await {
                        admin
                            .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .await
                            .ok();
                    }
                });
            })
            .join()
            .ok();
        }
    }
}

/// The `zhaoshang` binary serving on a free port.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    /// The admin token printed at first start, if this start printed one.
    pub token: Option<String>,
}

impl ServerProcess {
    pub fn start(database_url: &str) -> Self {
        let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_zhaoshang"))
            .args(["--database-url", database_url, "serve", "--bind", &addr.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start zhaoshang");
        // The banner prints the token (first start only) before the addresses; the OpenAPI
        // line ends it.
        let mut token = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.expect("read the banner");
            if let Some(found) = line.split_whitespace().find(|w| w.starts_with("zs_")) {
                token = Some(found.to_string());
            }
            if line.contains("OpenAPI") {
                break;
            }
        }
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, addr, token }
    }

    pub fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL on Unix
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// One HTTP/1.1 request over a fresh connection; `None` when the connection failed or broke.
pub fn http(addr: SocketAddr, method: &str, path: &str, token: &str, body: Option<&Value>) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let json = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    Some((status, json))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_kill() {
    let database = ProcessDatabase::new().await;
    let server = ServerProcess::start(&database.url);
    let token = server.token.clone().expect("the first start prints a token");
    let addr = server.addr;
    let acknowledged = Arc::new(Mutex::new(Vec::<(i64, String)>::new()));
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let acknowledged = Arc::clone(&acknowledged);
            let token = token.clone();
            std::thread::spawn(move || {
                for n in 0..400 {
                    let name = format!("并发写入{w}-{n}有限公司");
                    match http(addr, "POST", "/api/v1/investors", &token, Some(&json!({"name": name}))) {
                        Some((200, body)) => acknowledged.lock().unwrap().push((body["id"].as_i64().unwrap(), name)),
                        Some((status, body)) => panic!("unexpected {status}: {body}"),
                        None => return, // the server is gone
                    }
                }
            })
        })
        .collect();
    // Let the burst get going, then pull the plug.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 50 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    server.kill();
    for writer in writers {
        writer.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 50, "the burst was too short to mean anything");

    let restarted = ServerProcess::start(&database.url);
    assert!(restarted.token.is_none(), "a restart does not create a new admin");
    for (id, name) in &acknowledged {
        let (status, body) = http(restarted.addr, "GET", &format!("/api/v1/investors/{id}"), &token, None).unwrap();
        assert_eq!(status, 200, "acknowledged investor {id} is gone");
        assert_eq!(body["name"], name.as_str());
    }
    drop(restarted);
    let db = zhaoshang::db::connect(&database.url).await.unwrap();
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA integrity_check".to_string(),
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "ok");
    }
    // Every investor row has its audit entry: the two were written in one transaction.
    let counts = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT CAST((SELECT COUNT(*) FROM investors) AS BIGINT) AS investors, \
             CAST((SELECT COUNT(*) FROM audit_log WHERE entity = 'investor') AS BIGINT) AS audited"
                .to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        counts.try_get::<i64>("", "investors").unwrap(),
        counts.try_get::<i64>("", "audited").unwrap()
    );
}
