//! Every kind of bad input gets its status and the one error shape, and a failed request
//! leaves the database as it was.

use poem::http::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn malformed_json_is_a_400_in_the_error_shape() {
    let app = TestApp::spawn().await;
    let reply = app
        .post_raw("/api/v1/investors", "application/json", "{\"name\": ")
        .await;
    let body = reply.expect(400);
    assert_eq!(body["code"], "bad_request");
    assert_eq!(body["details"][0]["field"], "", "the body as a whole: {body}");
    assert_eq!(
        body["details"][0]["message"], "不是有效的 JSON（第1行第9列附近）",
        "{body}"
    );
    assert_eq!(body["message"], "请求有误：请求体：不是有效的 JSON（第1行第9列附近）");
}

#[tokio::test]
async fn wrong_types_are_a_400() {
    let app = TestApp::spawn().await;
    let team_id = app.reference_id("teams", "氢能专班").await;
    // A number where an exact decimal string is required.
    let body = app
        .post(
            "/api/v1/projects",
            json!({"name": "x", "team_id": team_id, "planned_investment": 12.5}),
        )
        .await
        .expect(400);
    assert_eq!(body["code"], "bad_request");
    // A malformed date.
    let body = app
        .post(
            "/api/v1/projects",
            json!({"name": "x", "team_id": team_id, "lead_on": "2025/01/01"}),
        )
        .await
        .expect(400);
    assert!(body["message"].as_str().unwrap().contains("YYYY-MM-DD"), "{body}");
    // A bad query parameter names itself.
    let body = app.get("/api/v1/projects?per_page=1000").await.expect(400);
    assert_eq!(body["details"][0]["field"], "per_page");
    let body = app.get("/api/v1/projects?stage=finished").await.expect(400);
    assert_eq!(body["details"][0]["field"], "stage");
}

#[tokio::test]
async fn unknown_ids_are_404_and_unknown_references_name_the_field() {
    let app = TestApp::spawn().await;
    let body = app.get("/api/v1/projects/424242").await.expect(404);
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["message"], "项目424242不存在");
    let body = app
        .send_in_english(Method::GET, "/api/v1/projects/424242", None)
        .await
        .expect(404);
    assert_eq!(body["message"], "project 424242 was not found");
    app.post("/api/v1/projects/424242/transitions", json!({"stage": "negotiating"}))
        .await
        .expect(404);
    app.get("/api/v1/projects/424242/history").await.expect(404);
    app.get("/api/v1/teams/424242").await.expect(404);
    let body = app
        .post("/api/v1/projects", json!({"name": "x", "team_id": 424242}))
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "team_id");
    assert_eq!(app.count("projects").await, 0);
}

#[tokio::test]
async fn a_duplicate_project_code_is_a_409() {
    let app = TestApp::spawn().await;
    app.create_project("DZ-DUP-1", "数字经济专班").await;
    let team_id = app.reference_id("teams", "数字经济专班").await;
    let body = app
        .post(
            "/api/v1/projects",
            json!({"code": "DZ-DUP-1", "name": "另一个", "team_id": team_id}),
        )
        .await
        .expect(409);
    assert_eq!(body["code"], "conflict");
    assert_eq!(body["details"][0]["field"], "code");
    assert_eq!(app.count("projects").await, 1);
    assert_eq!(app.count("stage_history").await, 1);
}

#[tokio::test]
async fn an_impossible_transition_is_a_422_saying_why() {
    let app = TestApp::spawn().await;
    let project = app.create_project("DZ-T-1", "新材料专班").await;
    let path = format!("/api/v1/projects/{}/transitions", project["id"]);
    let body = app
        .post(&path, json!({"stage": "producing", "date": "2025-02-01"}))
        .await
        .expect(422);
    assert_eq!(body["code"], "invalid");
    assert_eq!(
        body["message"], "stage：不能从线索直接到投产：签约后各阶段须依次经过",
        "{body}"
    );
    // The same refusal in English for a caller that asks for it.
    let body = app
        .send_in_english(
            Method::POST,
            &path,
            Some(json!({"stage": "producing", "date": "2025-02-01"})),
        )
        .await
        .expect(422);
    assert!(
        body["message"].as_str().unwrap().contains("cannot be reached"),
        "{body}"
    );
    let body = app
        .post(&path, json!({"stage": "lead", "date": "2025-02-01"}))
        .await
        .expect(422);
    assert!(
        body["message"].as_str().unwrap().contains("项目已处于线索阶段"),
        "{body}"
    );
    let body = app
        .post(&path, json!({"stage": "negotiating", "date": "2024-12-01"}))
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "date");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("日期早于线索的日期（2025-01-10）"),
        "{body}"
    );
}

#[tokio::test]
async fn a_date_in_the_future_is_refused() {
    let app = TestApp::spawn().await;
    let project = app.create_project("DZ-F-1", "生物医药专班").await;
    let tomorrow = (zhaoshang::domain::today() + chrono::Days::new(1)).to_string();
    let body = app
        .post(
            &format!("/api/v1/projects/{}/transitions", project["id"]),
            json!({"stage": "negotiating", "date": tomorrow}),
        )
        .await
        .expect(422);
    assert!(body["message"].as_str().unwrap().contains("晚于今天"), "{body}");
    let team_id = app.reference_id("teams", "生物医药专班").await;
    let body = app
        .post(
            "/api/v1/projects",
            json!({"name": "明日项目", "team_id": team_id, "lead_on": tomorrow}),
        )
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "lead_on");
}

#[tokio::test]
async fn a_negative_amount_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let project = app.create_project("DZ-N-1", "通用航空专班").await;
    let id = project["id"].as_i64().unwrap();
    let contract = json!({"agreement_type": "formal", "signed_on": "2025-02-01", "contracted_investment": "-100"});
    let body = app
        .post(
            &format!("/api/v1/projects/{id}/transitions"),
            json!({"stage": "signed", "contract": contract}),
        )
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "contract.contracted_investment");
    assert_eq!(body["details"][0]["message"], "不能为负数");
    let contract = json!({"agreement_type": "formal", "signed_on": "2025-02-01", "contracted_investment": "100"});
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "signed", "contract": contract}),
    )
    .await
    .expect(200);
    let body = app
        .post(
            &format!("/api/v1/projects/{id}/fundings"),
            json!({"arrived_on": "2025-03-01", "amount": "-5", "kind": "other"}),
        )
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "amount");
    let body = app
        .post(
            &format!("/api/v1/projects/{id}/fundings"),
            json!({"arrived_on": "2025-03-01", "amount": "1.00001", "kind": "other"}),
        )
        .await
        .expect(400);
    assert_eq!(body["details"][0]["field"], "/amount", "{body}");
    assert!(
        body["details"][0]["message"].as_str().unwrap().contains("4位小数"),
        "{body}"
    );
    assert_eq!(app.count("fundings").await, 0);
}

#[tokio::test]
async fn a_missing_or_bad_token_is_a_401() {
    let app = TestApp::spawn().await;
    let reply = app.send_as(None, Method::GET, "/api/v1/projects", None).await;
    let body = reply.expect(401);
    assert_eq!(body["code"], "unauthorized");
    let reply = app
        .send_as(Some("zs_not-a-real-token"), Method::GET, "/api/v1/projects", None)
        .await;
    assert_eq!(reply.expect(401)["code"], "unauthorized");
    // Health, the spec and the docs need no token.
    app.send_as(None, Method::GET, "/health", None).await.expect(200);
    app.send_as(None, Method::GET, "/openapi.json", None).await.expect(200);
}

#[tokio::test]
async fn a_failed_signing_leaves_no_contract_behind() {
    let app = TestApp::spawn().await;
    let project = app.create_project("DZ-R-1", "机器人专班").await;
    let id = project["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "negotiating", "date": "2025-03-01"}),
    )
    .await
    .expect(200);
    let before = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    // The contract terms are valid on their own, so they are written first; the move then
    // fails (signed before negotiation began) and must take the contract with it.
    let contract = json!({"agreement_type": "formal", "signed_on": "2025-02-01", "contracted_investment": "500"});
    let body = app
        .post(
            &format!("/api/v1/projects/{id}/transitions"),
            json!({"stage": "signed", "contract": contract}),
        )
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "date");
    assert_eq!(app.count("contracts").await, 0);
    assert_eq!(app.count("stage_history").await, 2);
    let after = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_stale_version_is_a_409_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let project = app.create_project("DZ-V-1", "食品加工专班").await;
    let id = project["id"].as_i64().unwrap();
    let team_id = project["team"]["id"].clone();
    let update = |name: &str, version: i64| json!({"name": name, "team_id": team_id, "version": version});
    let updated = app
        .put(&format!("/api/v1/projects/{id}"), update("新名称", 1))
        .await
        .expect(200);
    assert_eq!(updated["version"], 2);
    let body = app
        .put(&format!("/api/v1/projects/{id}"), update("过期的修改", 1))
        .await
        .expect(409);
    assert_eq!(body["details"][0]["field"], "version");
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}")).await.expect(200)["name"],
        "新名称"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/api/v1/nothing-here").await.expect(404)["code"], "not_found");
    assert_eq!(
        app.delete("/api/v1/projects").await.expect(405)["code"],
        "method_not_allowed"
    );
}

#[tokio::test]
async fn every_editable_record_refuses_a_stale_version() {
    let app = TestApp::spawn().await;
    let investor = app
        .post("/api/v1/investors", json!({"name": "版本测试有限公司"}))
        .await
        .expect(200);
    let id = investor["id"].as_i64().unwrap();
    assert_eq!(investor["version"], 1);
    let body = app
        .put(&format!("/api/v1/investors/{id}"), json!({"name": "改名有限公司"}))
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "version");
    let updated = app
        .put(
            &format!("/api/v1/investors/{id}"),
            json!({"name": "改名有限公司", "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(updated["version"], 2);
    let body = app
        .put(
            &format!("/api/v1/investors/{id}"),
            json!({"name": "过期修改有限公司", "version": 1}),
        )
        .await
        .expect(409);
    assert!(body["message"].as_str().unwrap().contains("现在是第2版"), "{body}");
    assert_eq!(
        app.get(&format!("/api/v1/investors/{id}")).await.expect(200)["name"],
        "改名有限公司"
    );

    // `If-Match` works in place of the body's version.
    let team = app.reference_id("teams", "氢能专班").await;
    let reply = app
        .client
        .put(format!("/api/v1/teams/{team}"))
        .header("Authorization", format!("Bearer {}", app.token))
        .header("If-Match", "\"1\"")
        .body_json(&json!({"name": "氢能产业专班"}))
        .send()
        .await;
    reply.assert_status_is_ok();
    let stale = app
        .client
        .put(format!("/api/v1/teams/{team}"))
        .header("Authorization", format!("Bearer {}", app.token))
        .header("If-Match", "W/\"1\"")
        .body_json(&json!({"name": "又改名专班"}))
        .send()
        .await;
    stale.assert_status(poem::http::StatusCode::CONFLICT);
    assert_eq!(
        app.get(&format!("/api/v1/teams/{team}")).await.expect(200)["name"],
        "氢能产业专班"
    );
}

#[tokio::test]
async fn text_is_a_json_string_and_the_spec_states_its_limits() {
    let app = TestApp::spawn().await;
    let teams = app.count("teams").await;
    // Numbers and booleans are not text (poem-openapi's `String` would take them).
    for name in [json!(false), json!(12)] {
        app.post("/api/v1/teams", json!({"name": name})).await.expect(400);
    }
    // Blank, too long, or not a username: refused by the spec's own limits, before any rule.
    app.post("/api/v1/teams", json!({"name": " \u{3000}\t"}))
        .await
        .expect(400);
    app.post("/api/v1/teams", json!({"name": "专".repeat(101)}))
        .await
        .expect(400);
    app.post("/api/v1/users", json!({"username": "a b", "role": "leader"}))
        .await
        .expect(400);
    assert_eq!(app.count("teams").await, teams);
    // Surrounding spaces are trimmed, as before; null stands for an absent optional field.
    let team = app
        .post(
            "/api/v1/teams",
            json!({"name": "  客户联调专班 ", "lead_official": null, "cluster_id": null}),
        )
        .await
        .expect(200);
    assert_eq!(team["name"], "客户联调专班");
    let spec: serde_json::Value = serde_json::from_str(&zhaoshang::openapi_json()).unwrap();
    let name = &spec["components"]["schemas"]["TeamInput"]["properties"]["name"];
    assert_eq!(
        (name["type"].as_str(), name["maxLength"].as_u64()),
        (Some("string"), Some(100))
    );
    assert!(name["pattern"].is_string(), "{name}");
}
