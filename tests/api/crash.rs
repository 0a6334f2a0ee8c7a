//! Crash safety: the real binary is killed with SIGKILL in the middle of a burst of
//! concurrent writes, and in the middle of writing a large ledger import; after a restart
//! every acknowledged write is there, the import is stored whole or not at all (and its line
//! in the import history says which: imported, or interrupted), and the database passes its
//! integrity check.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
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

impl ProcessDatabase {
    /// The SQLite write-ahead log, where a transaction's pages go before it commits.
    fn sqlite_wal(&self) -> Option<std::path::PathBuf> {
        self.dir.as_ref().map(|dir| dir.join("zs.db-wal"))
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
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    request(addr, method, path, token, "application/json", body.as_bytes())
}

/// [`http`] with any body and content type.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
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
    assert_integrity(&db).await;
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

/// `PRAGMA integrity_check` says "ok" on SQLite (PostgreSQL has no such check to run).
async fn assert_integrity(db: &DatabaseConnection) {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        assert_eq!(scalar::<String>(db, "PRAGMA integrity_check").await, "ok");
    }
}

/// The first column of the first row of `sql`.
async fn scalar<T: sea_orm::TryGetable>(db: &DatabaseConnection, sql: &str) -> T {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_string()))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get_by_index::<T>(0).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    scalar::<i64>(db, &format!("SELECT CAST(({sql}) AS BIGINT)")).await
}

/// Rows of the generated ledger: writing them takes seconds in a debug build (the kill comes
/// within 20 ms of the first spilled pages), and still far longer than that in a release one.
const IMPORT_ROWS: usize = 5_000;

/// The rows of `big_ledger` that carry a contract (and 累计到位资金 of 1000.25 万元).
fn contracted(rows: usize) -> i64 {
    (0..rows).filter(|n| n % 3 > 0).count() as i64
}

/// Whether the import's uncommitted rows have begun to reach storage: on SQLite the
/// write-ahead log has grown well past its size before the import (a transaction larger than
/// the page cache spills its pages into the log before it commits); on PostgreSQL the
/// projects table, empty before, has heap pages (inserted rows take pages before the commit).
async fn writing(db: &DatabaseConnection, wal: Option<&(std::path::PathBuf, u64)>) -> bool {
    match wal {
        Some((path, before)) => file_len(path) > before + 1024 * 1024,
        None => scalar::<i64>(db, "SELECT CAST(pg_relation_size('projects') AS BIGINT)").await > 0,
    }
}

fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Nothing of the import is stored: no project, investor, contract, payment or stage entry,
/// and no audit entry beyond the `audit_before` there were; the history keeps one run, marked
/// interrupted by the restart.
async fn assert_nothing_imported(db: &DatabaseConnection, audit_before: i64) {
    for table in ["projects", "investors", "contracts", "fundings", "stage_history"] {
        assert_eq!(
            count(db, &format!("SELECT COUNT(*) FROM {table}")).await,
            0,
            "{table} keeps rows of the killed import"
        );
    }
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log").await, audit_before);
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM import_runs WHERE status = 'interrupted' AND code = 'interrupted'"
        )
        .await,
        1,
        "the killed import's line says it was interrupted"
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM import_runs").await, 1);
}

/// The whole ledger of `rows` projects is stored, with its investors, contracts, payments,
/// stage history and audit trail, `runs` import runs are recorded and `runs` - `interrupted`
/// of them imported.
async fn assert_whole_import(db: &DatabaseConnection, rows: usize, runs: i64, interrupted: i64) {
    let rows = rows as i64;
    let contracted = contracted(rows as usize);
    let checks = [
        ("SELECT COUNT(*) FROM projects WHERE code LIKE 'BIG%'", rows),
        ("SELECT COUNT(*) FROM projects", rows),
        ("SELECT COUNT(*) FROM investors", rows),
        ("SELECT COUNT(*) FROM contracts", contracted),
        // 累计到位资金 1000.25 万元 on every contracted row.
        (
            "SELECT COALESCE(SUM(amount_yuan), 0) FROM fundings",
            contracted * 10_002_500,
        ),
        (
            "SELECT COUNT(*) FROM projects p WHERE NOT EXISTS \
             (SELECT 1 FROM stage_history h WHERE h.project_id = p.id)",
            0,
        ),
        (
            "SELECT COUNT(*) FROM projects p WHERE NOT EXISTS \
             (SELECT 1 FROM audit_log a WHERE a.entity = 'project' AND a.entity_id = p.id)",
            0,
        ),
        ("SELECT COUNT(*) FROM import_runs", runs),
        (
            "SELECT COUNT(*) FROM import_runs WHERE status = 'imported'",
            runs - interrupted,
        ),
    ];
    for (sql, expected) in checks {
        assert_eq!(count(db, sql).await, expected, "{sql}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_while_writing_is_stored_whole_or_not_at_all() {
    let ledger = Arc::new(crate::imports::big_ledger(IMPORT_ROWS));
    let database = ProcessDatabase::new().await;
    let server = ServerProcess::start(&database.url);
    let token = server.token.clone().expect("the first start prints a token");
    let db = zhaoshang::db::connect(&database.url).await.unwrap();
    let audit_before = count(&db, "SELECT COUNT(*) FROM audit_log").await;
    let wal = database.sqlite_wal().map(|path| {
        let before = file_len(&path);
        (path, before)
    });

    let addr = server.addr;
    let import = {
        let ledger = Arc::clone(&ledger);
        let token = token.clone();
        std::thread::spawn(move || {
            let path = "/api/v1/imports/binary?file_name=big.xlsx";
            request(addr, "POST", path, &token, "application/octet-stream", &ledger)
        })
    };
    let started = Instant::now();
    while !writing(&db, wal.as_ref()).await {
        assert!(!import.is_finished(), "the import ended before it was seen writing");
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import never began writing"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // A varying point inside the write, which takes far longer than this.
    tokio::time::sleep(Duration::from_millis(rand::random_range(0..20))).await;
    server.kill();
    let answer = import.join().unwrap();
    assert!(answer.is_none(), "the import answered before the kill: {answer:?}");
    db.close().await.unwrap();

    let restarted = ServerProcess::start(&database.url);
    let db = zhaoshang::db::connect(&database.url).await.unwrap();
    assert_integrity(&db).await;
    let whole = count(&db, "SELECT COUNT(*) FROM projects").await > 0;
    if whole {
        assert_whole_import(&db, IMPORT_ROWS, 1, 0).await;
    } else {
        assert_nothing_imported(&db, audit_before).await;
    }

    let path = "/api/v1/imports/binary?file_name=big.xlsx";
    let (status, report) = request(
        restarted.addr,
        "POST",
        path,
        &token,
        "application/octet-stream",
        &ledger,
    )
    .expect("the second import answers");
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["status"], "imported", "{report}");
    let (counted, interrupted) = if whole { ("unchanged", 0) } else { ("created", 1) };
    assert_eq!(report[counted], IMPORT_ROWS, "{report}");
    assert_whole_import(&db, IMPORT_ROWS, 2, interrupted).await;
    drop(restarted);
    assert_integrity(&db).await;
}

/// The import history records an import as it starts, in a write of its own: while the import
/// runs (holding SQLite's writer in its transaction), the history already lists it as
/// `running`; killed then, the next start of the server marks it `interrupted`, with no end
/// time, and nothing of it is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_while_running_is_listed_as_interrupted() {
    let ledger = crate::imports::big_ledger(IMPORT_ROWS);
    let database = ProcessDatabase::new().await;
    let server = ServerProcess::start(&database.url);
    let token = server.token.clone().expect("the first start prints a token");
    let db = zhaoshang::db::connect(&database.url).await.unwrap();
    let audit_before = count(&db, "SELECT COUNT(*) FROM audit_log").await;
    let addr = server.addr;
    let import = {
        let token = token.clone();
        std::thread::spawn(move || {
            let path = "/api/v1/imports/binary?file_name=killed.xlsx";
            request(addr, "POST", path, &token, "application/octet-stream", &ledger)
        })
    };
    let started = Instant::now();
    while count(&db, "SELECT COUNT(*) FROM import_runs WHERE status = 'running'").await == 0 {
        assert!(!import.is_finished(), "the import ended before its start was recorded");
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the start was never recorded"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let (status, history) = http(addr, "GET", "/api/v1/imports", &token, None).expect("the history answers");
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["items"][0]["status"], "running", "{history}");
    assert_eq!(history["items"][0]["file_name"], "killed.xlsx");
    assert!(history["items"][0].get("finished_at").is_none(), "{history}");
    let id = history["items"][0]["id"].as_i64().unwrap();
    server.kill();
    assert!(import.join().unwrap().is_none(), "the import answered before the kill");
    db.close().await.unwrap();

    let restarted = ServerProcess::start(&database.url);
    let db = zhaoshang::db::connect(&database.url).await.unwrap();
    assert_nothing_imported(&db, audit_before).await;
    let (status, history) = http(restarted.addr, "GET", "/api/v1/imports", &token, None).unwrap();
    assert_eq!(status, 200, "{history}");
    assert_eq!(history["total"], 1, "{history}");
    let run = &history["items"][0];
    assert_eq!(
        (run["id"].as_i64(), &run["status"]),
        (Some(id), &json!("interrupted")),
        "{run}"
    );
    assert_eq!(run["code"], "interrupted");
    assert!(run["message"].as_str().unwrap().contains("中断"), "{run}");
    assert!(run.get("finished_at").is_none(), "{run}");
    let (status, one) = http(restarted.addr, "GET", &format!("/api/v1/imports/{id}"), &token, None).unwrap();
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["report"]["status"], "interrupted", "{one}");
    assert_eq!(one["report"]["code"], "interrupted", "{one}");
    drop(restarted);
    assert_integrity(&db).await;
}

/// SQLite's writer copies its WAL into the database file in the background, within a second
/// or so of a commit, instead of inside the commit that crosses SQLite's threshold (kept only
/// as a backstop): a small write, far below that threshold, soon reaches the file itself.
#[tokio::test]
async fn committed_writes_reach_the_sqlite_file_in_the_background() {
    let dir = std::env::temp_dir().join(format!("zs-checkpoint-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("w.db");
    let db = zhaoshang::db::connect_and_migrate(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    let pragma = |db: &DatabaseConnection, sql: &str| {
        let sql = sql.to_owned();
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await?
                .expect("a row");
            row.try_get_by_index::<i64>(0)
        }
    };
    assert_eq!(pragma(&db, "PRAGMA wal_autocheckpoint").await.unwrap(), 100_000);
    db.execute_unprepared("CREATE TABLE probe_checkpoint (x INTEGER)")
        .await
        .unwrap();
    db.execute_unprepared("INSERT INTO probe_checkpoint VALUES (42)")
        .await
        .unwrap();

    // A copy of the database file alone, without its WAL, holds the row once it has been
    // checkpointed (a copy taken mid-checkpoint may not open; the next one will).
    let copy = dir.join("copy.db");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        std::fs::copy(&path, &copy).unwrap();
        let url = format!("sqlite://{}?mode=rwc", copy.display());
        if let Ok(file) = sea_orm::Database::connect(&url).await {
            let found = pragma(&file, "SELECT x FROM probe_checkpoint").await;
            file.close().await.unwrap();
            if found.is_ok_and(|x| x == 42) {
                break;
            }
        }
        for stale in ["copy.db", "copy.db-wal", "copy.db-shm"] {
            std::fs::remove_file(dir.join(stale)).ok();
        }
        assert!(Instant::now() < deadline, "the write never reached the database file");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    db.close().await.unwrap();
    std::fs::remove_dir_all(dir).ok();
}
