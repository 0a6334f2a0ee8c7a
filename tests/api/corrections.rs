//! Every record can be corrected, within the role and team rules and with the audit trail:
//! payments edited, follow-ups and output reports edited and deleted, a team lead's mistaken
//! lead removed, and the follow-ups due listed across the projects one may see.

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A project of `team`, signed (and producing when `producing`).
async fn signed_project(app: &TestApp, code: &str, team: &str, producing: bool) -> i64 {
    let project = app.create_project(code, team).await;
    let id = project["id"].as_i64().unwrap();
    let contract = json!({"agreement_type": "formal", "signed_on": "2025-03-01", "contracted_investment": "1000"});
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "signed", "contract": contract}),
    )
    .await
    .expect(200);
    if producing {
        for (stage, date) in [("started", "2025-04-01"), ("producing", "2025-05-01")] {
            app.post(
                &format!("/api/v1/projects/{id}/transitions"),
                json!({"stage": stage, "date": date}),
            )
            .await
            .expect(200);
        }
    }
    id
}

/// The newest audit entry of a project.
async fn newest_entry(app: &TestApp, project: i64) -> Value {
    let trail = app.get(&format!("/api/v1/projects/{project}/audit")).await.expect(200);
    trail["items"][0].clone()
}

#[tokio::test]
async fn payments_are_corrected_with_the_audit_trail() {
    let app = TestApp::spawn().await;
    let id = signed_project(&app, "CO-1", "智能电梯专班", false).await;
    let payment = app
        .post(
            &format!("/api/v1/projects/{id}/fundings"),
            json!({"arrived_on": "2025-04-01", "amount": "100", "kind": "fixed_asset", "note": "首笔"}),
        )
        .await
        .expect(200);
    let path = format!("/api/v1/projects/{id}/fundings/{}", payment["id"]);
    let corrected = app
        .patch(&path, json!({"amount": "120.5", "counted": false}))
        .await
        .expect(200);
    assert_eq!(corrected["amount"], "120.5000");
    assert_eq!(corrected["counted"], false);
    assert_eq!(
        (
            corrected["arrived_on"].clone(),
            corrected["kind"].clone(),
            corrected["note"].clone()
        ),
        (json!("2025-04-01"), json!("fixed_asset"), json!("首笔"))
    );
    let entry = newest_entry(&app, id).await;
    assert_eq!(
        (entry["entity"].clone(), entry["action"].clone()),
        (json!("funding"), json!("update"))
    );
    assert_eq!(
        entry["changes"],
        json!({"amount_yuan": {"before": 1_000_000, "after": 1_205_000}, "counted": {"before": true, "after": false}})
    );
    let project = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(project["funds_arrived"], "120.5000");
    assert_eq!(project["funds_counted"], "0.0000");

    // The note clears; `counted` and the amount cannot be cleared; the rules of a new
    // payment hold.
    let cleared = app.patch(&path, json!({"note": null})).await.expect(200);
    assert!(cleared.get("note").is_none());
    for field in ["counted", "amount"] {
        let body = app.patch(&path, json!({field: null})).await.expect(400);
        assert_eq!(body["details"][0]["field"], format!("/{field}"));
    }
    let body = app.patch(&path, json!({"amount": "0"})).await.expect(422);
    assert_eq!(body["details"][0]["field"], "amount");
    app.patch(&path, json!({"arrived_on": "2999-01-01"})).await.expect(422);

    // Only through its own project, and only by its team.
    let other = signed_project(&app, "CO-2", "智能电梯专班", false).await;
    app.patch(
        &format!("/api/v1/projects/{other}/fundings/{}", payment["id"]),
        json!({"amount": "1"}),
    )
    .await
    .expect(404);
    let outsider = app.token_for("member_b", "member", Some("氢能专班")).await;
    app.patch_as(Some(&outsider), &path, json!({"amount": "1"}))
        .await
        .expect(403);
    let member = app.token_for("member_a", "member", Some("智能电梯专班")).await;
    app.patch_as(Some(&member), &path, json!({"kind": "other"}))
        .await
        .expect(200);
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}")).await.expect(200)["funds_arrived"],
        "120.5000"
    );
}

#[tokio::test]
async fn follow_ups_are_edited_marked_done_and_deleted() {
    let app = TestApp::spawn().await;
    let project = app.create_project("CO-3", "智能电梯专班").await;
    let id = project["id"].as_i64().unwrap();
    let activity = app
        .post(
            &format!("/api/v1/projects/{id}/activities"),
            json!({"occurred_on": "2025-04-01", "kind": "call", "summary": "电话沟通", "people": "张三",
                   "next_step": "寄送资料", "due_on": "2025-04-10"}),
        )
        .await
        .expect(200);
    let path = format!("/api/v1/projects/{id}/activities/{}", activity["id"]);
    let edited = app
        .patch(&path, json!({"summary": "电话沟通用地需求", "people": null}))
        .await
        .expect(200);
    assert_eq!(edited["summary"], "电话沟通用地需求");
    assert!(edited.get("people").is_none());
    assert_eq!(
        (edited["next_step"].clone(), edited["due_on"].clone()),
        (json!("寄送资料"), json!("2025-04-10"))
    );
    let entry = newest_entry(&app, id).await;
    assert_eq!(entry["entity"], "activity");
    let changed: Vec<&String> = entry["changes"].as_object().unwrap().keys().collect();
    assert_eq!(changed, ["people", "summary"]);

    let done = app.patch(&path, json!({"done_on": "2025-04-09"})).await.expect(200);
    assert_eq!(done["done_on"], "2025-04-09");
    let body = app.patch(&path, json!({"done_on": "2025-03-01"})).await.expect(422);
    assert_eq!(body["details"][0]["field"], "done_on");
    let body = app.patch(&path, json!({"summary": null})).await.expect(400);
    assert_eq!(body["details"][0]["field"], "/summary");

    let leader = app.token_for("leader", "leader", None).await;
    app.send_as(Some(&leader), Method::DELETE, &path, None)
        .await
        .expect(403);
    app.delete(&path).await.expect(204);
    app.delete(&path).await.expect(404);
    let list = app.get(&format!("/api/v1/projects/{id}/activities")).await.expect(200);
    assert_eq!(list, json!([]));
    let entry = newest_entry(&app, id).await;
    assert_eq!(
        (entry["entity"].clone(), entry["action"].clone()),
        (json!("activity"), json!("delete"))
    );
    assert_eq!(entry["changes"]["summary"]["before"], "电话沟通用地需求");
}

#[tokio::test]
async fn output_reports_are_corrected_and_deleted() {
    let app = TestApp::spawn().await;
    let id = signed_project(&app, "CO-4", "智能电梯专班", true).await;
    let report = app
        .post(
            &format!("/api/v1/projects/{id}/outputs"),
            json!({"period_start": "2025-05-01", "period_end": "2025-06-30", "output_value": "300", "tax": "12"}),
        )
        .await
        .expect(200);
    let path = format!("/api/v1/projects/{id}/outputs/{}", report["id"]);
    let corrected = app.patch(&path, json!({"tax": "15.5"})).await.expect(200);
    assert_eq!(
        (corrected["tax"].clone(), corrected["output_value"].clone()),
        (json!("15.5000"), json!("300.0000"))
    );
    let entry = newest_entry(&app, id).await;
    assert_eq!(
        entry["changes"],
        json!({"tax_yuan": {"before": 120_000, "after": 155_000}})
    );
    let body = app.patch(&path, json!({"period_end": "2025-04-01"})).await.expect(422);
    assert_eq!(body["details"][0]["field"], "period_end");

    let outsider = app.token_for("lead_b", "team_lead", Some("氢能专班")).await;
    app.send_as(Some(&outsider), Method::DELETE, &path, None)
        .await
        .expect(403);
    app.delete(&path).await.expect(204);
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}/outputs")).await.expect(200),
        json!([])
    );
    let entry = newest_entry(&app, id).await;
    assert_eq!(
        (entry["entity"].clone(), entry["action"].clone()),
        (json!("output_report"), json!("delete"))
    );
}

#[tokio::test]
async fn a_team_lead_removes_a_lead_of_their_own_team_only() {
    let app = TestApp::spawn().await;
    let lead = app.create_project("CO-5", "智能电梯专班").await;
    let negotiating = app.create_project("CO-6", "智能电梯专班").await;
    app.post(
        &format!("/api/v1/projects/{}/transitions", negotiating["id"]),
        json!({"stage": "negotiating", "date": "2025-02-01"}),
    )
    .await
    .expect(200);
    let others = app.create_project("CO-7", "氢能专班").await;
    let team_lead = app.token_for("lead_a", "team_lead", Some("智能电梯专班")).await;
    let member = app.token_for("member_a", "member", Some("智能电梯专班")).await;
    let delete = |token: String, project: &Value| {
        let path = format!("/api/v1/projects/{}", project["id"]);
        let app = &app;
        async move { app.send_as(Some(&token), Method::DELETE, &path, None).await }
    };

    let body = delete(team_lead.clone(), &others).await.expect(403);
    assert!(body["message"].as_str().unwrap().contains("另一个专班"), "{body}");
    let body = delete(team_lead.clone(), &negotiating).await.expect(403);
    assert!(body["message"].as_str().unwrap().contains("线索阶段"), "{body}");
    delete(member, &lead).await.expect(403);
    delete(team_lead, &lead).await.expect(204);
    app.get(&format!("/api/v1/projects/{}", lead["id"])).await.expect(404);
    for project in [&negotiating, &others] {
        app.get(&format!("/api/v1/projects/{}", project["id"]))
            .await
            .expect(200);
    }
    // The trail keeps what the lead held.
    let trail = app
        .get(&format!("/api/v1/audit?entity=project&entity_id={}", lead["id"]))
        .await
        .expect(200);
    let removal = &trail["items"][0];
    assert_eq!(removal["action"], "delete");
    assert_eq!(removal["changes"]["code"]["before"], "CO-5");
}

#[tokio::test]
async fn the_follow_ups_due_are_those_of_the_projects_one_may_see() {
    let app = TestApp::spawn().await;
    let own = app.create_project("CO-8", "智能电梯专班").await;
    let others = app.create_project("CO-9", "氢能专班").await;
    let follow_up = |project: &Value, due: Option<&str>, done: Option<&str>| {
        let path = format!("/api/v1/projects/{}/activities", project["id"]);
        let body =
            json!({"occurred_on": "2025-04-01", "kind": "call", "summary": "跟进", "due_on": due, "done_on": done});
        let app = &app;
        async move { app.post(&path, body).await.expect(200)["id"].as_i64().unwrap() }
    };
    let own_june = follow_up(&own, Some("2025-06-01"), None).await;
    follow_up(&own, Some("2025-07-01"), None).await;
    follow_up(&own, Some("2025-05-15"), Some("2025-05-10")).await;
    follow_up(&own, None, None).await;
    let others_may = follow_up(&others, Some("2025-05-01"), None).await;
    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect()
    };

    let due = app.get("/api/v1/activities?due_before=2025-06-15").await.expect(200);
    assert_eq!(ids(&due), [others_may, own_june]);
    assert_eq!(due["total"], 2);
    assert_eq!(due["items"][1]["project_code"], "CO-8");
    assert_eq!(due["items"][1]["project_name"], "CO-8项目");
    assert_eq!(due["items"][1]["team_id"], own["team"]["id"]);
    let all = app.get("/api/v1/activities").await.expect(200);
    assert_eq!(all["total"], 3, "every open follow-up with a due date");
    let paged = app
        .get("/api/v1/activities?due_before=2025-06-15&per_page=1&page=2")
        .await
        .expect(200);
    assert_eq!((ids(&paged), paged["total"].clone()), (vec![own_june], json!(2)));

    let member = app.token_for("member_a", "member", Some("智能电梯专班")).await;
    let leader = app.token_for("leader", "leader", None).await;
    let mine = app
        .send_as(
            Some(&member),
            Method::GET,
            "/api/v1/activities?due_before=2025-06-15",
            None,
        )
        .await
        .expect(200);
    assert_eq!((ids(&mine), mine["total"].clone()), (vec![own_june], json!(1)));
    app.send_as(
        Some(&member),
        Method::GET,
        &format!("/api/v1/activities?team_id={}", others["team"]["id"]),
        None,
    )
    .await
    .expect(403);
    let everyone = app
        .send_as(
            Some(&leader),
            Method::GET,
            "/api/v1/activities?due_before=2025-06-15",
            None,
        )
        .await
        .expect(200);
    assert_eq!(ids(&everyone), [others_may, own_june]);
    app.get("/api/v1/activities?due_before=15.06.2025").await.expect(400);
}
