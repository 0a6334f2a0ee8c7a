//! The import history's line of a run that did not end as imports usually do: an import the
//! server's failure stopped is `failed` with its reason, and one dropped half-way (its client
//! went away) is `interrupted`; a run killed with the process is in crash.rs. Nothing of such
//! a run is stored, and the next import runs.

use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use crate::helpers::TestApp;
use crate::imports::{admin_actor, big_ledger, counts, sample, upload};

/// The status, code and message of run `id`, as the history lists it.
async fn listed(app: &TestApp, id: i64) -> serde_json::Value {
    let history = app.get("/api/v1/imports").await.expect(200);
    history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|run| run["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("run {id} is not listed: {history:#}"))
}

#[tokio::test]
async fn a_failed_import_leaves_a_line_with_its_error() {
    let app = TestApp::spawn().await;
    let before = counts(&app).await;
    // The import's lookups read the parks: without their table the database fails it.
    app.db
        .execute_unprepared("ALTER TABLE parks RENAME TO parks_away")
        .await
        .unwrap();
    let failed = upload(&app, "", "ledger_sample.xlsx", sample()).await.expect(500);
    assert_eq!(failed["code"], "internal", "{failed}");
    app.db
        .execute_unprepared("ALTER TABLE parks_away RENAME TO parks")
        .await
        .unwrap();
    assert_eq!(counts(&app).await, before, "nothing of the failed import is stored");

    let history = app.get("/api/v1/imports").await.expect(200);
    assert_eq!(history["total"], 1, "{history:#}");
    let run = &history["items"][0];
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(run["code"], "failed", "{run}");
    assert_eq!(run["file_name"], "ledger_sample.xlsx");
    let message = run["message"].as_str().unwrap();
    assert!(message.starts_with("导入失败，未保存任何数据"), "{message}");
    // The database's own words stay in the log.
    assert!(
        message.contains("数据库错误") && !message.contains("parks"),
        "{message}"
    );
    assert!(run["finished_at"].as_str().is_some(), "a failed run ended: {run}");
    let id = run["id"].as_i64().unwrap();
    let one = app.get(&format!("/api/v1/imports/{id}")).await.expect(200);
    assert_eq!(one["report"]["status"], "failed", "{one:#}");
    assert_eq!(one["report"]["message"], message);

    let imported = upload(&app, "", "ledger_sample.xlsx", sample()).await.expect(200);
    assert_eq!(imported["status"], "imported");
    assert_eq!(
        listed(&app, imported["id"].as_i64().unwrap()).await["status"],
        "imported"
    );
}

/// An import dropped half-way (its client went away) leaves its run `interrupted`, written by
/// a task of its own once the import's transaction has let go of the database.
#[tokio::test]
async fn an_import_dropped_half_way_is_listed_as_interrupted() {
    use zhaoshang::service::import::{ImportOptions, ImportProgress, import_ledger};
    let app = TestApp::spawn().await;
    let actor = admin_actor(&app).await;
    let half_way = std::sync::Arc::new(tokio::sync::Notify::new());
    let progress = {
        let half_way = std::sync::Arc::clone(&half_way);
        move |p: ImportProgress| {
            if matches!(p, ImportProgress::Checking { done } if done >= 2_000) {
                half_way.notify_one();
            }
        }
    };
    let import = import_ledger(
        &app.db,
        big_ledger(4_000),
        ImportOptions::new("dropped.xlsx"),
        &actor,
        Some(&progress),
    );
    tokio::select! {
        report = import => panic!("the import was to be dropped half-way, but ended: {:?}", report.map(|r| r.message)),
        () = half_way.notified() => {}
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let history = app.get("/api/v1/imports").await.expect(200);
        let run = history["items"][0].clone();
        if run["status"] != "running" {
            break run;
        }
        assert!(Instant::now() < deadline, "the dropped run was never marked: {run}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(run["status"], "interrupted", "{run}");
    assert_eq!(run["file_name"], "dropped.xlsx");
    assert!(run.get("finished_at").is_none(), "{run}");
    assert_eq!(app.count("projects").await, 0);
}
