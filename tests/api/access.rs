//! Who may do what, for every operation in the spec: without a token every operation answers
//! 401, and each role gets its allowed and forbidden answers, every one of them a status the
//! operation documents. The rules table below must name every operation the spec lists, so a
//! new endpoint without a rule fails this test.

use std::collections::{BTreeMap, BTreeSet};

use poem::http::Method;
use serde_json::{Value, json};

use poem::test::{TestForm, TestFormField};

use crate::helpers::{Reply, TestApp};

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// No token needed.
    Public,
    /// Every signed-in user.
    AnyUser,
    /// Reads of another team's project, or of its rows in a list (a filter naming another
    /// team), or of an import run by someone outside the caller's team: admins and leaders
    /// only.
    ProjectRead,
    /// Writes to another team's project: admins only (members write their own team's).
    ProjectWrite,
    /// Shared records (investors): everyone but leaders.
    SharedWrite,
    /// Users: admins, and team leads for their own team.
    UserAdmin,
    /// Admins only.
    Admin,
    /// The audit trail: admins and leaders.
    AuditRead,
}

/// `(operation id, rule, body)`; path ids are filled in by [`path_for`].
fn rules(f: &Fixture) -> Vec<(&'static str, Rule, Option<Value>)> {
    use Rule::*;
    let team_b = f.team_b;
    vec![
        ("get_health", Public, None),
        (
            "create_session",
            Public,
            Some(json!({"username": "nobody", "password": "wrong-password"})),
        ),
        ("list_teams", AnyUser, None),
        ("get_team", AnyUser, None),
        ("create_team", Admin, Some(json!({"name": "测试专班"}))),
        ("update_team", Admin, Some(json!({"name": "氢能专班", "version": 1}))),
        (
            "patch_team",
            Admin,
            Some(json!({"lead_official": "张三", "version": 1})),
        ),
        ("delete_team", Admin, None),
        ("list_clusters", AnyUser, None),
        ("get_cluster", AnyUser, None),
        ("create_cluster", Admin, Some(json!({"name": "测试集群"}))),
        (
            "update_cluster",
            Admin,
            Some(json!({"name": "测试集群二", "version": 1})),
        ),
        (
            "patch_cluster",
            Admin,
            Some(json!({"category": "新兴产业", "version": 1})),
        ),
        ("delete_cluster", Admin, None),
        ("list_parks", AnyUser, None),
        ("get_park", AnyUser, None),
        ("create_park", Admin, Some(json!({"name": "测试园区"}))),
        ("update_park", Admin, Some(json!({"name": "测试园区二", "version": 1}))),
        ("patch_park", Admin, Some(json!({"name": "测试园区三", "version": 1}))),
        ("delete_park", Admin, None),
        ("list_users", UserAdmin, None),
        (
            "create_user",
            UserAdmin,
            Some(json!({"username": "newbie", "role": "member", "team_id": f.team_a})),
        ),
        ("get_current_user", AnyUser, None),
        ("get_user", Admin, None),
        (
            "update_user",
            Admin,
            Some(json!({"username": "admin", "role": "admin", "version": 1})),
        ),
        (
            "patch_user",
            Admin,
            Some(json!({"display_name": "管理员", "version": 1})),
        ),
        (
            "set_password",
            Admin,
            Some(json!({"password": "a-long-enough-password"})),
        ),
        ("list_tokens", AnyUser, None),
        ("create_token", AnyUser, Some(json!({"name": "matrix"}))),
        ("revoke_token", Admin, None),
        ("list_investors", AnyUser, None),
        ("get_investor", AnyUser, None),
        (
            "create_investor",
            SharedWrite,
            Some(json!({"name": "矩阵测试有限公司"})),
        ),
        (
            "update_investor",
            SharedWrite,
            Some(json!({"name": "B投资有限公司", "version": 1})),
        ),
        (
            "patch_investor",
            SharedWrite,
            Some(json!({"origin_region": "上海市", "version": 1})),
        ),
        ("delete_investor", Admin, None),
        ("list_projects", AnyUser, None),
        ("list_duplicate_candidates", ProjectRead, None),
        (
            "create_project",
            ProjectWrite,
            Some(json!({"name": "别队项目", "team_id": team_b})),
        ),
        ("get_project", ProjectRead, None),
        (
            "update_project",
            ProjectWrite,
            Some(json!({"name": "B项目", "team_id": team_b, "version": 1})),
        ),
        (
            "patch_project",
            ProjectWrite,
            Some(json!({"progress": "洽谈中", "version": 1})),
        ),
        ("delete_project", Admin, None),
        (
            "transition_project",
            ProjectWrite,
            Some(json!({"stage": "negotiating", "date": "2025-02-01"})),
        ),
        ("get_contract", ProjectRead, None),
        (
            "put_contract",
            ProjectWrite,
            Some(json!({"agreement_type": "formal", "signed_on": "2025-03-01", "contracted_investment": "100"})),
        ),
        ("patch_contract", ProjectWrite, Some(json!({"promised_tax": "1"}))),
        ("list_project_history", ProjectRead, None),
        ("list_project_audit", ProjectRead, None),
        ("list_fundings", ProjectRead, None),
        (
            "create_funding",
            ProjectWrite,
            Some(json!({"arrived_on": "2025-04-01", "amount": "1", "kind": "other"})),
        ),
        ("patch_funding", ProjectWrite, Some(json!({"note": "更正"}))),
        ("delete_funding", ProjectWrite, None),
        ("list_activities", ProjectRead, None),
        (
            "create_activity",
            ProjectWrite,
            Some(json!({"occurred_on": "2025-04-01", "kind": "call", "summary": "电话"})),
        ),
        ("patch_activity", ProjectWrite, Some(json!({"summary": "更正"}))),
        ("delete_activity", ProjectWrite, None),
        ("list_due_activities", AnyUser, None),
        ("list_outputs", ProjectRead, None),
        (
            "create_output",
            ProjectWrite,
            Some(json!({"period_start": "2025-01-01", "period_end": "2025-03-31", "output_value": "1", "tax": "0"})),
        ),
        ("patch_output", ProjectWrite, Some(json!({"tax": "1"}))),
        ("delete_output", ProjectWrite, None),
        ("list_audit", AuditRead, None),
        ("export_ledger", AnyUser, None),
        ("export_template", AnyUser, None),
        ("export_kpi_report", AnyUser, None),
        ("export_bulletin", AnyUser, None),
        (
            "publish_bulletin",
            Admin,
            Some(json!({"kind": "weekly", "reason": "访问规则测试"})),
        ),
        ("list_publications", AnyUser, None),
        ("get_publication", AuditRead, None),
        ("download_publication", AuditRead, None),
        ("get_publication_changes", AuditRead, None),
        ("import_ledger", SharedWrite, None),
        ("import_ledger_binary", SharedWrite, None),
        ("list_imports", AnyUser, None),
        ("get_import", ProjectRead, None),
        ("get_kpis", AnyUser, None),
        ("list_kpi_projects", ProjectRead, None),
        ("get_league", AnyUser, None),
        ("list_warnings", ProjectRead, None),
        ("list_targets", AnyUser, None),
        ("put_target", Admin, Some(json!({"projects_signed": 3}))),
        ("get_target_progress", AnyUser, None),
        ("get_settings", AnyUser, None),
        ("update_settings", Admin, Some(f.settings.clone())),
        ("patch_settings", Admin, Some(json!({"warning_due_soon_days": 30}))),
    ]
}

/// The records the matrix works on: team A is the caller's, team B another.
struct Fixture {
    team_a: i64,
    team_b: i64,
    project_b: i64,
    spare_project_b: i64,
    funding_b: i64,
    activity_b: i64,
    output_b: i64,
    investor_b: i64,
    spare_investor: i64,
    spare_team: i64,
    spare_cluster: i64,
    spare_park: i64,
    admin_id: i64,
    spare_token: i64,
    /// An import run by the administrator, who belongs to no team.
    admin_import: i64,
    /// The current settings, as a valid body for `update_settings`.
    settings: Value,
    /// A weekly list the administrator published.
    publication: i64,
}

async fn fixture(app: &TestApp) -> Fixture {
    let project_b = app.create_project("B-1", "氢能专班").await;
    let id = project_b["id"].as_i64().unwrap();
    let contract = json!({"agreement_type": "formal", "signed_on": "2025-03-01", "contracted_investment": "100"});
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "signed", "contract": contract}),
    )
    .await
    .expect(200);
    let funding = app
        .post(
            &format!("/api/v1/projects/{id}/fundings"),
            json!({"arrived_on": "2025-03-02", "amount": "10", "kind": "other"}),
        )
        .await
        .expect(200);
    for (stage, date) in [("started", "2025-03-05"), ("producing", "2025-03-10")] {
        app.post(
            &format!("/api/v1/projects/{id}/transitions"),
            json!({"stage": stage, "date": date}),
        )
        .await
        .expect(200);
    }
    let activity = app
        .post(
            &format!("/api/v1/projects/{id}/activities"),
            json!({"occurred_on": "2025-03-02", "kind": "call", "summary": "电话", "due_on": "2025-03-20"}),
        )
        .await
        .expect(200);
    let output = app
        .post(
            &format!("/api/v1/projects/{id}/outputs"),
            json!({"period_start": "2025-03-10", "period_end": "2025-03-31", "output_value": "1", "tax": "0"}),
        )
        .await
        .expect(200);
    let spare_project = app.create_project("B-2", "氢能专班").await;
    let spare_investor = app
        .post("/api/v1/investors", json!({"name": "空壳有限公司"}))
        .await
        .expect(200);
    let spare_team = app.post("/api/v1/teams", json!({"name": "临时专班"})).await.expect(200);
    let spare_cluster = app
        .post("/api/v1/clusters", json!({"name": "临时集群"}))
        .await
        .expect(200);
    let spare_park = app.post("/api/v1/parks", json!({"name": "临时园区"})).await.expect(200);
    let me = app.get("/api/v1/users/me").await.expect(200);
    let spare_token = app.post("/api/v1/tokens", json!({"name": "spare"})).await.expect(200);
    let admin_import = call(
        app,
        Some(&app.token),
        "import_ledger_binary",
        Method::POST,
        "/api/v1/imports/binary?file_name=admin.xlsx",
        None,
    )
    .await
    .expect(422);
    Fixture {
        team_a: app.reference_id("teams", "智能电梯专班").await,
        team_b: project_b["team"]["id"].as_i64().unwrap(),
        project_b: id,
        spare_project_b: spare_project["id"].as_i64().unwrap(),
        funding_b: funding["id"].as_i64().unwrap(),
        activity_b: activity["id"].as_i64().unwrap(),
        output_b: output["id"].as_i64().unwrap(),
        investor_b: project_b["investor"]["id"].as_i64().unwrap(),
        spare_investor: spare_investor["id"].as_i64().unwrap(),
        spare_team: spare_team["id"].as_i64().unwrap(),
        spare_cluster: spare_cluster["id"].as_i64().unwrap(),
        spare_park: spare_park["id"].as_i64().unwrap(),
        admin_id: me["id"].as_i64().unwrap(),
        spare_token: spare_token["id"].as_i64().unwrap(),
        admin_import: admin_import["report"]["id"].as_i64().unwrap(),
        settings: app.get("/api/v1/settings").await.expect(200),
        publication: app
            .post("/api/v1/publications", json!({"kind": "weekly"}))
            .await
            .expect(200)["id"]
            .as_i64()
            .unwrap(),
    }
}

/// The concrete path an operation is exercised on.
fn path_for(template: &str, operation: &str, f: &Fixture) -> String {
    let id = match operation {
        "delete_project" => f.spare_project_b,
        "delete_team" => f.spare_team,
        "delete_cluster" | "update_cluster" | "patch_cluster" => f.spare_cluster,
        "delete_park" | "update_park" | "patch_park" => f.spare_park,
        "delete_investor" => f.spare_investor,
        "get_investor" | "update_investor" | "patch_investor" => f.investor_b,
        "get_team" | "update_team" | "patch_team" => f.team_b,
        "get_user" | "update_user" | "patch_user" | "set_password" => f.admin_id,
        "revoke_token" => f.spare_token,
        "get_import" => f.admin_import,
        "get_publication" | "download_publication" | "get_publication_changes" => f.publication,
        "get_cluster" | "get_park" => 1,
        _ => f.project_b,
    };
    let path = template
        .replace("{id}", &id.to_string())
        .replace("{funding_id}", &f.funding_b.to_string())
        .replace("{activity_id}", &f.activity_b.to_string())
        .replace("{output_id}", &f.output_b.to_string())
        .replace("{kpi}", "sign_rate")
        .replace("{kind}", "monthly")
        .replace("{year}", "2025")
        .replace("{team_id}", &f.team_b.to_string());
    // The period every KPI operation needs; each asks for another team's figures or rows
    // (figures are everyone's, rows are not: see tests/api/scope.rs for what each role sees).
    match operation {
        "get_league" | "get_target_progress" => {
            format!("{path}?from=2025-01-01&to=2025-06-30&as_of=2025-06-30&year=2025")
        }
        "get_kpis" | "list_kpi_projects" | "list_warnings" | "export_kpi_report" => format!(
            "{path}?from=2025-01-01&to=2025-06-30&as_of=2025-06-30&team_id={}",
            f.team_b
        ),
        "list_duplicate_candidates" => format!("{path}?team_id={}", f.team_b),
        _ => path,
    }
}

/// Sends a request as the operation expects it: uploads as a file (not a workbook, so an
/// allowed caller gets the import's 422 and a forbidden one its 403), the rest as JSON.
async fn call(
    app: &TestApp,
    token: Option<&str>,
    operation: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    if !operation.starts_with("import_ledger") {
        return app.send_as(token, method, path, body).await;
    }
    let mut request = app.client.post(path);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    request = if operation == "import_ledger" {
        request.multipart(
            TestForm::new().field(
                TestFormField::bytes(b"not a workbook".to_vec())
                    .name("file")
                    .filename("ledger.xlsx"),
            ),
        )
    } else {
        request
            .content_type("application/octet-stream")
            .body(b"not a workbook".to_vec())
    };
    Reply::read(request.send().await).await
}

/// Every operation of the served spec: `(operation id, method, path template)`.
fn operations() -> Vec<(String, Method, String)> {
    let spec: Value = serde_json::from_str(&zhaoshang::openapi_json()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            ops.push((op["operationId"].as_str().unwrap().to_string(), method, path.clone()));
        }
    }
    // Deletions last, so the records other operations use are still there.
    ops.sort_by_key(|(_, method, _)| *method == Method::DELETE);
    ops
}

/// The statuses each operation documents, by operation id.
fn documented_statuses() -> BTreeMap<String, BTreeSet<u16>> {
    let spec: Value = serde_json::from_str(&zhaoshang::openapi_json()).unwrap();
    let mut documented = BTreeMap::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let statuses = op["responses"].as_object().unwrap().keys();
            documented.insert(
                op["operationId"].as_str().unwrap().to_string(),
                statuses.map(|status| status.parse().unwrap()).collect(),
            );
        }
    }
    documented
}

/// Fails unless `operation` documents the status it answered with.
fn assert_documented(documented: &BTreeMap<String, BTreeSet<u16>>, operation: &str, reply: &Reply) {
    let status = reply.status.as_u16();
    assert!(
        documented[operation].contains(&status),
        "{operation} answered {status}, which it does not document ({:?}): {}",
        documented[operation],
        reply.body
    );
}

#[tokio::test]
async fn every_operation_has_a_rule() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let ruled: BTreeSet<&str> = rules(&f).iter().map(|(id, _, _)| *id).collect();
    let served: BTreeSet<String> = operations().into_iter().map(|(id, _, _)| id).collect();
    let missing: Vec<&String> = served.iter().filter(|id| !ruled.contains(id.as_str())).collect();
    assert!(
        missing.is_empty(),
        "operations without an access rule in tests/api/access.rs: {missing:?}"
    );
    let stale: Vec<&&str> = ruled.iter().filter(|id| !served.contains(**id)).collect();
    assert!(
        stale.is_empty(),
        "rules for operations the spec no longer has: {stale:?}"
    );
}

#[tokio::test]
async fn every_operation_but_health_and_sign_in_needs_a_token() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let rules = rules(&f);
    let documented = documented_statuses();
    for (operation, method, template) in operations() {
        let (_, rule, body) = rules
            .iter()
            .find(|(id, _, _)| *id == operation)
            .expect("a rule (see every_operation_has_a_rule)");
        let reply = app
            .send_as(None, method.clone(), &path_for(&template, &operation, &f), body.clone())
            .await;
        assert_documented(&documented, &operation, &reply);
        if *rule == Rule::Public {
            assert_ne!(reply.status.as_u16(), 403, "{operation}");
        } else {
            assert_eq!(
                reply.status.as_u16(),
                401,
                "{operation} without a token: {}",
                reply.body
            );
            assert_eq!(reply.body["code"], "unauthorized", "{operation}");
        }
    }
}

#[tokio::test]
async fn each_role_gets_its_allowed_and_forbidden_answers() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let member = app.token_for("member_a", "member", Some("智能电梯专班")).await;
    let team_lead = app.token_for("lead_a", "team_lead", Some("智能电梯专班")).await;
    let leader = app.token_for("leader", "leader", None).await;
    let rules = rules(&f);
    let documented = documented_statuses();
    for (operation, method, template) in operations() {
        let (_, rule, body) = rules.iter().find(|(id, _, _)| *id == operation).expect("a rule");
        let path = path_for(&template, &operation, &f);
        // Forbidden callers first: an allowed deletion would leave them a 404 instead.
        for (role, token) in [
            ("member", &member),
            ("team_lead", &team_lead),
            ("leader", &leader),
            ("admin", &app.token),
        ] {
            let allowed = match rule {
                Rule::Public | Rule::AnyUser => true,
                Rule::ProjectRead | Rule::AuditRead => matches!(role, "leader" | "admin"),
                Rule::ProjectWrite | Rule::Admin => role == "admin",
                Rule::SharedWrite => role != "leader",
                Rule::UserAdmin => matches!(role, "team_lead" | "admin"),
            };
            let reply = call(&app, Some(token), &operation, method.clone(), &path, body.clone()).await;
            assert_documented(&documented, &operation, &reply);
            let status = reply.status.as_u16();
            if *rule == Rule::Public {
                assert_ne!(status, 403, "{role} {operation}: {}", reply.body);
            } else if allowed {
                assert!(
                    ![401, 403].contains(&status),
                    "{role} {operation}: {status} {}",
                    reply.body
                );
            } else {
                assert_eq!(status, 403, "{role} {operation}: {}", reply.body);
                assert_eq!(reply.body["code"], "forbidden", "{role} {operation}");
                assert!(!reply.body["message"].as_str().unwrap_or_default().is_empty());
            }
        }
    }
}

#[tokio::test]
async fn members_see_and_change_only_their_own_team() {
    let app = TestApp::spawn().await;
    let own = app.create_project("A-1", "智能电梯专班").await;
    app.create_project("B-1", "氢能专班").await;
    let member = app.token_for("member_a", "member", Some("智能电梯专班")).await;
    let list = app
        .send_as(Some(&member), Method::GET, "/api/v1/projects", None)
        .await
        .expect(200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["code"], "A-1");
    let id = own["id"].as_i64().unwrap();
    let moved = app
        .send_as(
            Some(&member),
            Method::POST,
            &format!("/api/v1/projects/{id}/transitions"),
            Some(json!({"stage": "negotiating", "date": "2025-02-01"})),
        )
        .await
        .expect(200);
    assert_eq!(moved["project"]["stage"], "negotiating");
    // Handing the project to another team is refused, with a message saying why.
    let team_b = app.reference_id("teams", "氢能专班").await;
    let body = app
        .send_as(
            Some(&member),
            Method::PUT,
            &format!("/api/v1/projects/{id}"),
            Some(json!({"name": "A-1项目", "team_id": team_b, "version": 2})),
        )
        .await
        .expect(403);
    assert!(body["message"].as_str().unwrap().contains("另一个专班"), "{body}");
    // Asking for another team's list explicitly is refused too.
    app.send_as(
        Some(&member),
        Method::GET,
        &format!("/api/v1/projects?team_id={team_b}"),
        None,
    )
    .await
    .expect(403);
}
