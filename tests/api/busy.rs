//! A database busy with another write (a long ledger import, another process holding the
//! write lock) never gives a 500: writes wait their time and then get 503 with `Retry-After`,
//! while reads, token checks and `/health` go on.

use std::time::{Duration, Instant};

use poem::http::Method;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, TransactionTrait};
use serde_json::json;
use zhaoshang::db;

use crate::helpers::TestApp;

/// Opens a connection of its own and takes the write lock a new project needs, until the
/// transaction is dropped: SQLite's one write lock, or PostgreSQL's lock on `projects` that
/// lets reads through.
async fn hold_write_lock(app: &TestApp) -> (sea_orm::DatabaseConnection, DatabaseTransaction) {
    let outside = db::connect(&app.url).await.expect("a second connection");
    let txn = outside.begin().await.expect("begin");
    let statement = match outside.get_database_backend() {
        DatabaseBackend::Postgres => "LOCK TABLE projects IN EXCLUSIVE MODE",
        _ => "CREATE TABLE lock_holder (id INTEGER)",
    };
    txn.execute_unprepared(statement).await.expect("take the write lock");
    (outside, txn)
}

#[tokio::test]
async fn a_held_write_lock_gives_503_with_retry_after_while_reads_go_on() {
    let app = TestApp::spawn().await;
    let team = app.reference_id("teams", "智能电梯专班").await;
    // A token never used yet: checking it must not need the writer.
    let member = app.token_for("wang", "member", Some("智能电梯专班")).await;
    let (_outside, held) = hold_write_lock(&app).await;

    let asked = Instant::now();
    let reply = app
        .send_as(
            Some(&member),
            Method::POST,
            "/api/v1/projects",
            Some(json!({"code": "BUSY-1", "name": "忙时新建项目", "team_id": team})),
        )
        .await;
    let waited = asked.elapsed();
    let body = reply.body.clone();
    assert_eq!(reply.status.as_u16(), 503, "{body:#}");
    assert_eq!(body["code"], "unavailable");
    assert!(body["message"].as_str().unwrap().contains("请几秒后重试"), "{body:#}");
    assert_eq!(reply.headers.get("retry-after").unwrap(), "5");
    assert!(
        waited >= db::DATABASE_WAIT - Duration::from_secs(1) && waited < db::DATABASE_WAIT + Duration::from_secs(10),
        "a write waits its time for the lock, then gives up: waited {waited:?}"
    );

    let asked = Instant::now();
    app.send_as(Some(&member), Method::GET, "/api/v1/projects", None)
        .await
        .expect(200);
    app.get("/health").await.expect(200);
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "reads and token checks do not wait for the writer: took {:?}",
        asked.elapsed()
    );

    held.rollback().await.unwrap();
    app.send_as(
        Some(&member),
        Method::POST,
        "/api/v1/projects",
        Some(json!({"code": "BUSY-1", "name": "忙时新建项目", "team_id": team})),
    )
    .await
    .expect(200);
    assert_eq!(app.count_where("projects", "code = 'BUSY-1'").await, 1);
}

#[tokio::test]
async fn a_token_use_is_written_later_and_shown_at_once() {
    let app = TestApp::spawn().await;
    let member = app.token_for("wang", "member", Some("智能电梯专班")).await;
    app.send_as(Some(&member), Method::GET, "/api/v1/projects", None)
        .await
        .expect(200);
    assert_eq!(
        app.count_where("api_tokens", "last_used_at IS NOT NULL").await,
        0,
        "checking a token wrote nothing"
    );
    let listed = app
        .send_as(Some(&member), Method::GET, "/api/v1/tokens", None)
        .await
        .expect(200);
    assert!(
        listed[0]["last_used_at"].is_string(),
        "the use not written yet is shown: {listed:#}"
    );
    app.state.write_token_uses().await;
    assert_eq!(
        app.count_where("api_tokens", "last_used_at IS NOT NULL").await,
        2,
        "the member's and the admin's"
    );
}

/// A dry run writes nothing, so it holds no lock while it reads and plans: a write sent while
/// a large dry run is under way is answered before the dry run is.
#[tokio::test]
async fn a_dry_run_leaves_writes_free() {
    let app = TestApp::spawn().await;
    let team = app.reference_id("teams", "智能电梯专班").await;
    let ledger = crate::imports::big_ledger(20_000);
    let dry_run = async {
        let reply = crate::imports::upload(&app, "?dry_run=true", "big.xlsx", ledger).await;
        (reply, Instant::now())
    };
    let write = async {
        // Once the dry run has begun reading and planning.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let reply = app
            .post(
                "/api/v1/projects",
                json!({"code": "DRY-1", "name": "试运行时新建项目", "team_id": team}),
            )
            .await;
        (reply, Instant::now())
    };
    let ((dry, dry_answered), (written, written_at)) = tokio::join!(dry_run, write);
    let report = dry.expect(200);
    assert_eq!(report["status"], "dry_run", "{}", report["message"]);
    assert_eq!(report["created"], 20_000);
    written.expect(200);
    assert!(written_at < dry_answered, "the write waited for the dry run to end");
    assert_eq!(app.count_where("projects", "code = 'DRY-1'").await, 1);
    assert_eq!(app.count("projects").await, 1, "the dry run stored nothing");
}
