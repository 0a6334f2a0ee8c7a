//! Reference data: 大足's defaults are there and editable; users and tokens.

use poem::http::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn dazu_reference_data_is_shipped_and_editable() {
    let app = TestApp::spawn().await;
    let teams = app.get("/api/v1/teams").await.expect(200);
    assert_eq!(teams.as_array().unwrap().len(), 24);
    let clusters = app.get("/api/v1/clusters").await.expect(200);
    assert_eq!(clusters.as_array().unwrap().len(), 12);
    assert!(
        clusters
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "智能电梯及特种设备" && c["category"] == "特色产业")
    );
    let parks = app.get("/api/v1/parks").await.expect(200);
    assert!(parks.as_array().unwrap().iter().any(|p| p["name"] == "大足高新区"));

    let park = app
        .post("/api/v1/parks", json!({"name": "宝顶文旅园"}))
        .await
        .expect(200);
    let id = park["id"].as_i64().unwrap();
    app.post("/api/v1/parks", json!({"name": "宝顶文旅园"}))
        .await
        .expect(409);
    let renamed = app
        .put(
            &format!("/api/v1/parks/{id}"),
            json!({"name": "宝顶文旅产业园", "archived": true, "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(renamed["archived"], true);
    let listed = app.get("/api/v1/parks").await.expect(200);
    assert!(
        !listed.as_array().unwrap().iter().any(|p| p["id"] == id),
        "archived parks are hidden by default"
    );
    let all = app.get("/api/v1/parks?include_archived=true").await.expect(200);
    assert!(all.as_array().unwrap().iter().any(|p| p["id"] == id));
    app.delete(&format!("/api/v1/parks/{id}")).await.expect(204);
    app.get(&format!("/api/v1/parks/{id}")).await.expect(404);

    // A team with projects cannot be deleted, only archived.
    let project = app.create_project("DZ-REF-1", "摩托车专班").await;
    let body = app
        .delete(&format!("/api/v1/teams/{}", project["team"]["id"]))
        .await
        .expect(409);
    assert!(body["message"].as_str().unwrap().contains("请改为归档"), "{body}");
}

#[tokio::test]
async fn teams_and_clusters_keep_their_own_fields_refuse_bad_references_and_leave_a_trail() {
    let app = TestApp::spawn().await;
    let cluster = app
        .post(
            "/api/v1/clusters",
            json!({"name": " 测试集群 ", "category": "新兴产业"}),
        )
        .await
        .expect(200);
    let cluster_id = cluster["id"].as_i64().unwrap();
    assert_eq!(
        (cluster["name"].as_str(), cluster["category"].as_str()),
        (Some("测试集群"), Some("新兴产业"))
    );
    assert_eq!(cluster["version"], 1);

    let refused = app
        .post("/api/v1/teams", json!({"name": "测试甲专班", "cluster_id": 999_999}))
        .await
        .expect(422);
    assert_eq!(refused["details"][0]["field"], "cluster_id", "{refused}");
    // A blank name breaks the schema's pattern: refused before the service.
    app.post("/api/v1/teams", json!({"name": "   "})).await.expect(400);
    let team = app
        .post(
            "/api/v1/teams",
            json!({"name": "测试甲专班", "cluster_id": cluster_id, "lead_official": "张区长"}),
        )
        .await
        .expect(200);
    let team_id = team["id"].as_i64().unwrap();
    assert_eq!(
        (team["cluster_id"].as_i64(), team["lead_official"].as_str()),
        (Some(cluster_id), Some("张区长"))
    );
    let taken = app
        .post("/api/v1/teams", json!({"name": "测试甲专班"}))
        .await
        .expect(409);
    assert_eq!(taken["details"][0]["field"], "name", "{taken}");

    // Replacing: every field as sent, the version moves on, a stale one is refused.
    let path = format!("/api/v1/teams/{team_id}");
    let replaced = app
        .put(
            &path,
            json!({"name": "测试乙专班", "lead_official": null, "archived": true, "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(replaced["name"], "测试乙专班");
    assert_eq!(replaced["cluster_id"], serde_json::Value::Null);
    assert_eq!(replaced["lead_official"], serde_json::Value::Null);
    assert_eq!(
        (replaced["archived"].as_bool(), replaced["version"].as_i64()),
        (Some(true), Some(2))
    );
    app.put(&path, json!({"name": "又一个名字", "version": 1}))
        .await
        .expect(409);
    app.put(
        &path,
        json!({"name": "测试乙专班", "cluster_id": 999_999, "version": 2}),
    )
    .await
    .expect(422);
    assert_eq!(
        app.get(&path).await.expect(200)["version"],
        2,
        "refused updates write nothing"
    );

    // A cluster a team refers to is kept; once the team is gone it can go.
    app.put(
        &path,
        json!({"name": "测试乙专班", "cluster_id": cluster_id, "version": 2}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/v1/clusters/{cluster_id}")).await.expect(409);
    app.delete(&path).await.expect(204);
    app.get(&path).await.expect(404);
    app.delete(&format!("/api/v1/clusters/{cluster_id}")).await.expect(204);
    app.get(&format!("/api/v1/clusters/{cluster_id}")).await.expect(404);

    let trail = app
        .get(&format!("/api/v1/audit?entity=team&entity_id={team_id}"))
        .await
        .expect(200);
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "update", "update", "create"], "{trail}");
    let renamed = &trail["items"][2]["changes"]["name"];
    assert_eq!(
        (renamed["before"].as_str(), renamed["after"].as_str()),
        (Some("测试甲专班"), Some("测试乙专班"))
    );
    let cluster_trail = app
        .get(&format!("/api/v1/audit?entity=cluster&entity_id={cluster_id}"))
        .await
        .expect(200);
    assert_eq!(cluster_trail["total"], 2, "created and deleted: {cluster_trail}");
}

#[tokio::test]
async fn users_get_tokens_and_roles_limit_writes() {
    let app = TestApp::spawn().await;
    let team_id = app.reference_id("teams", "光电显示专班").await;
    let body = app
        .post("/api/v1/users", json!({"username": "wang", "role": "member"}))
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "team_id");
    let member = app
        .post(
            "/api/v1/users",
            json!({"username": "wang", "display_name": "王芳", "role": "member", "team_id": team_id}),
        )
        .await
        .expect(200);
    let leader = app
        .post("/api/v1/users", json!({"username": "li", "role": "leader"}))
        .await
        .expect(200);
    app.post("/api/v1/users", json!({"username": "li", "role": "leader"}))
        .await
        .expect(409);

    let token = app
        .post(
            "/api/v1/tokens",
            json!({"name": "wang's laptop", "user_id": member["id"]}),
        )
        .await
        .expect(200);
    let member_token = token["token"].as_str().unwrap().to_string();
    let me = app
        .send_as(Some(&member_token), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(200);
    assert_eq!(me["username"], "wang");
    // Members cannot manage users.
    app.send_as(
        Some(&member_token),
        Method::POST,
        "/api/v1/users",
        Some(json!({"username": "zhao", "role": "admin"})),
    )
    .await
    .expect(403);

    let leader_token = app
        .post("/api/v1/tokens", json!({"name": "ipad", "user_id": leader["id"]}))
        .await
        .expect(200);
    let leader_token = leader_token["token"].as_str().unwrap();
    app.send_as(Some(leader_token), Method::GET, "/api/v1/projects", None)
        .await
        .expect(200);
    let body = app
        .send_as(
            Some(leader_token),
            Method::POST,
            "/api/v1/projects",
            Some(json!({"name": "x", "team_id": team_id})),
        )
        .await
        .expect(403);
    assert_eq!(body["code"], "forbidden");

    // Archived users' tokens stop working.
    app.put(
        &format!("/api/v1/users/{}", member["id"]),
        json!({"username": "wang", "role": "member", "team_id": team_id, "archived": true, "version": 1}),
    )
    .await
    .expect(200);
    app.send_as(Some(&member_token), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(401);

    // Tokens are stored as digests only.
    let stored: Vec<String> = sea_orm::ConnectionTrait::query_all_raw(
        &app.db,
        sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT token_hash FROM api_tokens".to_string(),
        ),
    )
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get::<String>("", "token_hash").unwrap())
    .collect();
    assert!(!stored.iter().any(|h| h == &member_token || h == &app.token));
}

#[tokio::test]
async fn nobody_archives_or_demotes_themselves() {
    let app = TestApp::spawn().await;
    let me = app.get("/api/v1/users/me").await.expect(200);
    let path = format!("/api/v1/users/{}", me["id"]);
    for change in [json!({"archived": true}), json!({"role": "leader"})] {
        let mut body = json!({"username": "admin", "role": "admin", "version": me["version"]});
        body.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let refused = app.put(&path, body).await.expect(403);
        assert_eq!(refused["code"], "forbidden");
        assert!(refused["message"].as_str().unwrap().contains("自己的角色"), "{refused}");
    }
    // The token still works, and the account is unchanged; other edits of oneself are fine.
    let renamed = app
        .put(
            &path,
            json!({"username": "admin", "display_name": "区招商办", "role": "admin", "version": me["version"]}),
        )
        .await
        .expect(200);
    assert_eq!(renamed["display_name"], "区招商办");
    assert_eq!(renamed["archived"], false);

    // Another administrator may archive this one, who is then signed out.
    let other = app
        .post("/api/v1/users", json!({"username": "deputy", "role": "admin"}))
        .await
        .expect(200);
    let deputy = app
        .post("/api/v1/tokens", json!({"name": "deputy", "user_id": other["id"]}))
        .await
        .expect(200);
    app.send_as(
        deputy["token"].as_str(),
        Method::PUT,
        &path,
        Some(json!({"username": "admin", "role": "admin", "archived": true, "version": renamed["version"]})),
    )
    .await
    .expect(200);
    app.get("/api/v1/users/me").await.expect(401);
}
