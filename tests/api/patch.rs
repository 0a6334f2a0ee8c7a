//! Partial updates (`PATCH`, JSON Merge Patch): a field left out stays, `null` clears, the
//! version is checked as for `PUT`, the audit entry holds only what changed, and the same
//! roles and team rules apply. Who may call each `PATCH` at all is in `access.rs`.

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// The fields of a project a patch of `changed` must leave as they were.
fn without(project: &Value, changed: &[&str]) -> Value {
    let mut kept = project.clone();
    for field in changed.iter().chain(&["version", "updated_at"]) {
        kept.as_object_mut().unwrap().remove(*field);
    }
    kept
}

/// A project with most fields filled in.
async fn full_project(app: &TestApp) -> Value {
    let team_id = app.reference_id("teams", "智能电梯专班").await;
    let cluster_id = app.reference_id("clusters", "新能源及新型储能").await;
    let park_id = app.reference_id("parks", "双桥经开区").await;
    let investor = app
        .post("/api/v1/investors", json!({"name": "全字段投资有限公司"}))
        .await
        .expect(200);
    app.post(
        "/api/v1/projects",
        json!({
            "code": "PA-1", "name": "全字段项目", "team_id": team_id, "investor_id": investor["id"],
            "cluster_id": cluster_id, "park_id": park_id, "planned_investment": "12000.5",
            "land_area": "85.5", "source": "以商招商", "sponsoring_leader": "王五",
            "progress": "初次接洽", "issues": "用地指标", "notes": "重点项目",
        }),
    )
    .await
    .expect(200)
}

#[tokio::test]
async fn a_patch_of_one_field_changes_that_field_only() {
    let app = TestApp::spawn().await;
    let before = full_project(&app).await;
    let id = before["id"].as_i64().unwrap();
    let after = app
        .patch(
            &format!("/api/v1/projects/{id}"),
            json!({"progress": "已签框架协议", "version": before["version"]}),
        )
        .await
        .expect(200);
    assert_eq!(after["progress"], "已签框架协议");
    assert_eq!(after["version"], before["version"].as_i64().unwrap() + 1);
    assert_eq!(without(&after, &["progress"]), without(&before, &["progress"]));
    let stored = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(stored, after);

    // The audit entry holds the one change.
    let trail = app.get(&format!("/api/v1/projects/{id}/audit")).await.expect(200);
    let newest = &trail["items"][0];
    assert_eq!(newest["action"], "update");
    assert_eq!(
        newest["changes"],
        json!({"progress": {"before": "初次接洽", "after": "已签框架协议"}})
    );

    // `application/json` is taken too, and the version may come as If-Match.
    let renamed = app
        .client
        .request(Method::PATCH, format!("/api/v1/projects/{id}"))
        .header("Authorization", format!("Bearer {}", app.token))
        .header("If-Match", format!("\"{}\"", after["version"]))
        .body_json(&json!({"name": "全字段项目（二期）"}))
        .send()
        .await;
    let renamed = crate::helpers::Reply::read(renamed).await.expect(200);
    assert_eq!(renamed["name"], "全字段项目（二期）");
    assert_eq!(without(&renamed, &["name"]), without(&after, &["name"]));
}

#[tokio::test]
async fn null_clears_a_field_and_is_refused_for_one_that_cannot_be_empty() {
    let app = TestApp::spawn().await;
    let before = full_project(&app).await;
    let id = before["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{id}");
    let cleared = app
        .patch(
            &path,
            json!({"planned_investment": null, "source": null, "park_id": null, "version": 1}),
        )
        .await
        .expect(200);
    for field in ["planned_investment", "source", "park"] {
        assert!(cleared.get(field).is_none(), "{field} was not cleared: {cleared}");
    }
    assert_eq!(
        without(&cleared, &["planned_investment", "source", "park"]),
        without(&before, &["planned_investment", "source", "park"])
    );

    for field in ["team_id", "name", "code"] {
        let body = app.patch(&path, json!({field: null, "version": 2})).await.expect(400);
        assert_eq!(body["code"], "bad_request");
        // Named by its JSON pointer, as every 400 names a field, and said in words.
        assert_eq!(body["details"][0]["field"], format!("/{field}"), "{body}");
        assert_eq!(
            body["details"][0]["message"], "不能清空：请填写一个值，或不发送这个字段以保留原值",
            "{body}"
        );
    }
    // A value breaking the rule of its field is refused as in a full body, naming it.
    let body = app
        .patch(&path, json!({"name": "名".repeat(201), "version": 2}))
        .await
        .expect(400);
    assert_eq!(body["details"][0]["field"], "/name", "{body}");
    // Not an object, or not JSON at all.
    app.patch(&path, json!(["name"])).await.expect(400);
    let response = app
        .client
        .request(Method::PATCH, &path)
        .header("Authorization", format!("Bearer {}", app.token))
        .content_type("text/plain")
        .body("name=x")
        .send()
        .await;
    crate::helpers::Reply::read(response).await.expect(415);
    let stored = app.get(&path).await.expect(200);
    assert_eq!(stored, cleared, "refused patches changed nothing");

    // A full replacement, by contrast, clears what it leaves out.
    let replaced = app
        .put(
            &path,
            json!({"name": "全字段项目", "team_id": before["team"]["id"], "version": 2}),
        )
        .await
        .expect(200);
    assert!(replaced.get("investor").is_none() && replaced.get("progress").is_none());
    assert_eq!(replaced["code"], "PA-1", "the code is kept when left out");
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_none_is_invalid() {
    let app = TestApp::spawn().await;
    let project = app.create_project("PA-2", "智能电梯专班").await;
    let path = format!("/api/v1/projects/{}", project["id"]);
    app.patch(&path, json!({"notes": "第一次", "version": 1}))
        .await
        .expect(200);
    let body = app
        .patch(&path, json!({"notes": "第二次", "version": 1}))
        .await
        .expect(409);
    assert_eq!(body["details"][0]["field"], "version");
    app.patch(&path, json!({"notes": "第二次"})).await.expect(422);
    assert_eq!(app.get(&path).await.expect(200)["notes"], "第一次");
}

#[tokio::test]
async fn team_rules_hold_for_patches() {
    let app = TestApp::spawn().await;
    let own = app.create_project("PA-3", "智能电梯专班").await;
    let other = app.create_project("PB-3", "氢能专班").await;
    let member = app.token_for("member_a", "member", Some("智能电梯专班")).await;
    let leader = app.token_for("leader", "leader", None).await;
    let own_path = format!("/api/v1/projects/{}", own["id"]);
    let changed = app
        .patch_as(Some(&member), &own_path, json!({"progress": "洽谈中", "version": 1}))
        .await
        .expect(200);
    assert_eq!(changed["progress"], "洽谈中");
    // Not to another team, not another team's project, and leaders change nothing.
    let team_b = other["team"]["id"].clone();
    let body = app
        .patch_as(Some(&member), &own_path, json!({"team_id": team_b, "version": 2}))
        .await
        .expect(403);
    assert!(body["message"].as_str().unwrap().contains("另一个专班"), "{body}");
    app.patch_as(
        Some(&member),
        &format!("/api/v1/projects/{}", other["id"]),
        json!({"progress": "越权", "version": 1}),
    )
    .await
    .expect(403);
    app.patch_as(Some(&leader), &own_path, json!({"progress": "只读", "version": 2}))
        .await
        .expect(403);
    assert_eq!(app.get(&own_path).await.expect(200)["progress"], "洽谈中");
}

#[tokio::test]
async fn every_editable_record_takes_a_patch() {
    let app = TestApp::spawn().await;

    // An investor: the name kept, the region cleared.
    let investor = app
        .post(
            "/api/v1/investors",
            json!({"name": "补丁有限公司", "origin_region": "上海市", "credit_code": "91500111J1XG612DD2"}),
        )
        .await
        .expect(200);
    let patched = app
        .patch(
            &format!("/api/v1/investors/{}", investor["id"]),
            json!({"origin_region": null, "version": 1}),
        )
        .await
        .expect(200);
    assert_eq!(patched["name"], "补丁有限公司");
    assert_eq!(patched["credit_code"], investor["credit_code"]);
    assert!(patched.get("origin_region").is_none());

    // A team, a cluster and a park; `archived` takes true or false, not null.
    let team = app
        .post("/api/v1/teams", json!({"name": "补丁专班", "lead_official": "赵六"}))
        .await
        .expect(200);
    let team_path = format!("/api/v1/teams/{}", team["id"]);
    let patched = app
        .patch(&team_path, json!({"archived": true, "version": 1}))
        .await
        .expect(200);
    assert_eq!(
        (patched["archived"].clone(), patched["lead_official"].clone()),
        (json!(true), json!("赵六"))
    );
    let body = app
        .patch(&team_path, json!({"archived": null, "version": 2}))
        .await
        .expect(400);
    assert_eq!(body["details"][0]["field"], "/archived");
    for kind in ["clusters", "parks"] {
        let created = app
            .post(&format!("/api/v1/{kind}"), json!({"name": format!("补丁{kind}")}))
            .await
            .expect(200);
        let patched = app
            .patch(
                &format!("/api/v1/{kind}/{}", created["id"]),
                json!({"name": format!("补丁{kind}二"), "version": 1}),
            )
            .await
            .expect(200);
        assert_eq!(patched["name"], format!("补丁{kind}二"));
        assert_eq!(patched["archived"], false);
    }

    // A user: the display name changed, role and team kept.
    app.token_for("patched_user", "member", Some("智能电梯专班")).await;
    let users = app.get("/api/v1/users").await.expect(200);
    let user = users
        .as_array()
        .or(users["items"].as_array())
        .unwrap()
        .iter()
        .find(|u| u["username"] == "patched_user")
        .unwrap()
        .clone();
    let patched = app
        .patch(
            &format!("/api/v1/users/{}", user["id"]),
            json!({"display_name": "补丁用户", "version": user["version"]}),
        )
        .await
        .expect(200);
    assert_eq!(patched["display_name"], "补丁用户");
    assert_eq!(
        (patched["role"].clone(), patched["team_id"].clone()),
        (user["role"].clone(), user["team_id"].clone())
    );

    // Contract terms: one term changed, the others kept; a project without terms has none
    // to patch.
    let project = app.create_project("PA-4", "智能电梯专班").await;
    let id = project["id"].as_i64().unwrap();
    app.patch(
        &format!("/api/v1/projects/{id}/contract"),
        json!({"promised_tax": "10"}),
    )
    .await
    .expect(404);
    let contract = json!({"agreement_type": "formal", "signed_on": "2025-03-01", "contracted_investment": "800"});
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "signed", "contract": contract}),
    )
    .await
    .expect(200);
    let terms = app
        .patch(
            &format!("/api/v1/projects/{id}/contract"),
            json!({"promised_tax": "12.5"}),
        )
        .await
        .expect(200);
    assert_eq!(terms["promised_tax"], "12.5000");
    assert_eq!(terms["contracted_investment"], "800.0000");
    assert_eq!(terms["agreement_type"], "formal");
    app.patch(&format!("/api/v1/projects/{id}/contract"), json!({"signed_on": null}))
        .await
        .expect(400);

    // Settings: a nested object merges field by field.
    let settings = app.get("/api/v1/settings").await.expect(200);
    let patched = app
        .patch("/api/v1/settings", json!({"league_weights": {"sign_rate": 7}}))
        .await
        .expect(200);
    assert_eq!(patched["league_weights"]["sign_rate"], 7);
    for kept in [
        "funds_arrival_rate",
        "production_effectiveness_rate",
        "target_completion",
    ] {
        assert_eq!(
            patched["league_weights"][kept], settings["league_weights"][kept],
            "{kept}"
        );
    }
    assert_eq!(patched["warning_funds_percent"], settings["warning_funds_percent"]);
    let body = app
        .patch("/api/v1/settings", json!({"league_weights": {"sign_rate": null}}))
        .await
        .expect(400);
    assert_eq!(body["details"][0]["field"], "/league_weights/sign_rate");
    let body = app
        .patch("/api/v1/settings", json!({"warning_funds_percent": 101}))
        .await
        .expect(400);
    assert_eq!(body["details"][0]["field"], "/warning_funds_percent", "{body}");
}

#[tokio::test]
async fn the_spec_offers_a_patch_schema_without_required_fields() {
    let spec: Value = serde_json::from_str(&zhaoshang::openapi_json()).unwrap();
    let operation = &spec["paths"]["/api/v1/projects/{id}"]["patch"];
    assert_eq!(operation["operationId"], "patch_project");
    let body = &operation["requestBody"]["content"]["application/merge-patch+json"]["schema"];
    assert_eq!(body["$ref"], "#/components/schemas/ProjectPatch");
    let schema = &spec["components"]["schemas"]["ProjectPatch"];
    assert!(schema.get("required").is_none(), "{schema}");
    assert_eq!(schema["properties"]["progress"]["nullable"], true);
    // What cannot be cleared is not nullable, and nothing has a default to send.
    for field in ["team_id", "name", "code"] {
        assert!(schema["properties"][field].get("nullable").is_none(), "{field}");
    }
    assert!(
        schema["properties"]
            .as_object()
            .unwrap()
            .values()
            .all(|p| p.get("default").is_none())
    );
    let settings = &spec["components"]["schemas"]["SettingsPatch"]["properties"]["league_weights"];
    assert_eq!(settings["allOf"][0]["$ref"], "#/components/schemas/LeagueWeightsPatch");
}
