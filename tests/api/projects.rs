//! Project lists: filters, text search, sorting and paging, with the total count.

use poem::http::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn lists_filter_search_sort_and_page() {
    let app = TestApp::spawn().await;
    let elevator = app.create_project("A-001", "智能电梯专班").await;
    app.create_project("A-002", "智能电梯专班").await;
    app.create_project("B-001", "氢能专班").await;
    let park_id = app.reference_id("parks", "双桥经开区").await;
    let cluster_id = app.reference_id("clusters", "新能源及新型储能").await;
    let investor = app
        .post(
            "/api/v1/investors",
            json!({"name": "重庆100%_特殊有限公司", "credit_code": "91500111J1XG612DD2"}),
        )
        .await
        .expect(200);
    let hydrogen_team = app.reference_id("teams", "氢能专班").await;
    app.post(
        "/api/v1/projects",
        json!({"code": "B-002", "name": "储能电站项目", "team_id": hydrogen_team, "cluster_id": cluster_id, "park_id": park_id,
               "investor_id": investor["id"], "planned_investment": "120000", "land_area": "85.5", "lead_on": "2025-02-01"}),
    )
    .await
    .expect(200);
    let id = elevator["id"].as_i64().unwrap();
    let contract = json!({"agreement_type": "formal", "signed_on": "2025-04-01", "contracted_investment": "8000"});
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "signed", "contract": contract}),
    )
    .await
    .expect(200);

    let all = app.get("/api/v1/projects?sort=code&order=asc").await.expect(200);
    assert_eq!(all["total"], 4);
    assert_eq!(codes(&all), ["A-001", "A-002", "B-001", "B-002"]);

    let elevator_team = elevator["team"]["id"].as_i64().unwrap();
    let page = app
        .get(&format!(
            "/api/v1/projects?team_id={elevator_team}&sort=code&order=desc"
        ))
        .await
        .expect(200);
    assert_eq!(codes(&page), ["A-002", "A-001"]);
    let page = app.get("/api/v1/projects?stage=signed").await.expect(200);
    assert_eq!(codes(&page), ["A-001"]);
    assert_eq!(page["items"][0]["contract"]["contracted_investment"], "8000.0000");
    let page = app
        .get("/api/v1/projects?signed_from=2025-04-01&signed_to=2025-04-01")
        .await
        .expect(200);
    assert_eq!(codes(&page), ["A-001"]);
    let page = app.get("/api/v1/projects?signed_from=2025-04-02").await.expect(200);
    assert_eq!(page["total"], 0);
    let page = app
        .get(&format!("/api/v1/projects?park_id={park_id}&cluster_id={cluster_id}"))
        .await
        .expect(200);
    assert_eq!(codes(&page), ["B-002"]);
    assert_eq!(page["items"][0]["planned_investment"], "120000.0000");
    assert_eq!(page["items"][0]["land_area"], "85.50");
    assert_eq!(page["items"][0]["park"]["name"], "双桥经开区");

    // Text search finds project names, codes and investor names; `%` and `_` are literal.
    let page = app.get("/api/v1/projects?q=%E5%82%A8%E8%83%BD").await.expect(200); // 储能
    assert_eq!(codes(&page), ["B-002"]);
    let page = app.get("/api/v1/projects?q=100%25_").await.expect(200); // "100%_"
    assert_eq!(codes(&page), ["B-002"]);
    let page = app.get("/api/v1/projects?q=%25").await.expect(200); // a lone "%" is literal too
    assert_eq!(codes(&page), ["B-002"]);
    let page = app.get("/api/v1/projects?q=A-00").await.expect(200);
    assert_eq!(page["total"], 2);

    // Paging keeps the total.
    let first = app
        .get("/api/v1/projects?sort=code&order=asc&per_page=3&page=1")
        .await
        .expect(200);
    let second = app
        .get("/api/v1/projects?sort=code&order=asc&per_page=3&page=2")
        .await
        .expect(200);
    assert_eq!(codes(&first), ["A-001", "A-002", "B-001"]);
    assert_eq!(codes(&second), ["B-002"]);
    assert_eq!((first["total"].clone(), second["total"].clone()), (json!(4), json!(4)));
}

#[tokio::test]
async fn codes_are_generated_when_absent() {
    let app = TestApp::spawn().await;
    let team_id = app.reference_id("teams", "软件信息专班").await;
    let created = app
        .post(
            "/api/v1/projects",
            json!({"name": "数据中心项目", "team_id": team_id, "lead_on": "2025-05-06"}),
        )
        .await
        .expect(200);
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["code"], format!("P2025{id:05}"));
    // An update without a code keeps it.
    let updated = app
        .put(
            &format!("/api/v1/projects/{id}"),
            json!({"name": "数据中心二期", "team_id": team_id, "notes": "  市级重点  ", "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(updated["code"], created["code"]);
    assert_eq!(updated["notes"], "市级重点");
}

#[tokio::test]
async fn the_demo_district_is_a_living_pipeline() {
    let app = TestApp::spawn().await;
    let loaded = zhaoshang::service::demo::load(&app.db, chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap())
        .await
        .unwrap();
    assert_eq!(loaded, zhaoshang::service::demo::DEMO_PROJECTS);
    let all = app.get("/api/v1/projects?per_page=1").await.expect(200);
    assert_eq!(all["total"], 360);
    for stage in [
        "lead",
        "negotiating",
        "signed",
        "started",
        "producing",
        "effective",
        "terminated",
    ] {
        let page = app
            .get(&format!("/api/v1/projects?stage={stage}&per_page=1"))
            .await
            .expect(200);
        assert!(page["total"].as_u64().unwrap() > 0, "the demo has no {stage} project");
    }
    assert!(app.count("fundings").await > 100);
    assert!(app.count("activities").await > 360);
    // Loading again changes nothing.
    assert_eq!(
        zhaoshang::service::demo::load(&app.db, chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap())
            .await
            .unwrap(),
        0
    );
}

/// A list is kept between requests only while nothing is committed: a write by any connection
/// (here raw SQL on the writer, past every service function), a transition and a payment each
/// show in the next answer, and the same answer comes back while nothing changes. Each user
/// gets their own: a member sees only their task force's projects even after an
/// administrator's identical request.
#[tokio::test]
async fn kept_lists_show_every_commit_and_each_users_own_projects() {
    let app = TestApp::spawn().await;
    let project = app.create_project("K-001", "智能电梯专班").await;
    app.create_project("K-002", "氢能专班").await;
    let id = project["id"].as_i64().unwrap();
    let list = "/api/v1/projects?sort=code&order=asc";

    let first = app.get(list).await.expect(200);
    assert_eq!(codes(&first), ["K-001", "K-002"]);
    assert_eq!(
        app.get(list).await.expect(200),
        first,
        "nothing changed, the same answer"
    );

    app.db
        .execute_unprepared(&format!("UPDATE projects SET name = '改名项目' WHERE id = {id}"))
        .await
        .unwrap();
    let renamed = app.get(list).await.expect(200);
    assert_eq!(
        renamed["items"][0]["name"], "改名项目",
        "a commit past the services shows"
    );

    let contract = json!({"agreement_type": "formal", "signed_on": "2025-04-01", "contracted_investment": "8000"});
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "signed", "contract": contract}),
    )
    .await
    .expect(200);
    let signed = app.get(list).await.expect(200);
    assert_eq!(signed["items"][0]["stage"], "signed");
    assert_eq!(signed["items"][0]["funds_arrived"], "0.0000");
    app.post(
        &format!("/api/v1/projects/{id}/fundings"),
        json!({"arrived_on": "2025-05-01", "amount": "1500", "kind": "other"}),
    )
    .await
    .expect(200);
    let paid = app.get(list).await.expect(200);
    assert_eq!(paid["items"][0]["funds_arrived"], "1500.0000");

    let member = app.token_for("kept-member", "member", Some("智能电梯专班")).await;
    let theirs = app.send_as(Some(&member), Method::GET, list, None).await.expect(200);
    assert_eq!(codes(&theirs), ["K-001"], "{theirs:#}");
    assert_eq!(codes(&app.get(list).await.expect(200)), ["K-001", "K-002"]);
}

/// The cache itself: an answer is kept under its key until another connection commits; a
/// database it cannot watch (in memory, PostgreSQL) keeps nothing.
#[tokio::test]
async fn the_list_cache_forgets_at_every_commit_and_keeps_nothing_it_cannot_watch() {
    use zhaoshang::db::list_cache::ListCache;
    let dir = std::env::temp_dir().join(format!("zs-cache-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("c.db").display());
    let db = zhaoshang::db::connect_and_migrate(&url).await.unwrap();
    db.execute_unprepared("CREATE TABLE probe_test (x INTEGER)")
        .await
        .unwrap();
    let cache = ListCache::open(&url).await.unwrap();
    assert!(cache.keeps());
    let answer = |text: &'static str| async move { Ok::<_, sea_orm::DbErr>(bytes::Bytes::from(text)) };

    assert_eq!(cache.answer("k".into(), answer("one")).await.unwrap(), "one");
    assert_eq!(cache.answer("k".into(), answer("two")).await.unwrap(), "one", "kept");
    assert_eq!(cache.answer("other".into(), answer("three")).await.unwrap(), "three");
    db.execute_unprepared("INSERT INTO probe_test VALUES (1)")
        .await
        .unwrap();
    assert_eq!(
        cache.answer("k".into(), answer("four")).await.unwrap(),
        "four",
        "forgotten"
    );
    assert_eq!(cache.answer("other".into(), answer("five")).await.unwrap(), "five");
    assert_eq!(cache.answer("k".into(), answer("six")).await.unwrap(), "four");

    let memory = ListCache::open("sqlite::memory:").await.unwrap();
    assert!(!memory.keeps());
    assert_eq!(memory.answer("k".into(), answer("one")).await.unwrap(), "one");
    assert_eq!(memory.answer("k".into(), answer("two")).await.unwrap(), "two");
    let postgres = ListCache::open("postgres://postgres@127.0.0.1:5432/test")
        .await
        .unwrap();
    assert!(!postgres.keeps());
    drop(db);
    std::fs::remove_dir_all(dir).ok();
}
