//! One project walked through its whole life, checked in the API and in the stored rows.

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_project_walks_through_every_stage() {
    let app = TestApp::spawn().await;
    let project = app.create_project("DZ20250001", "智能电梯专班").await;
    let id = project["id"].as_i64().unwrap();
    assert_eq!(project["stage"], "lead");
    assert_eq!(project["stage_dates"]["lead_on"], "2025-01-10");
    assert_eq!(project["version"], 1);
    let path = |tail: &str| format!("/api/v1/projects/{id}{tail}");

    let moved = app
        .post(
            &path("/transitions"),
            json!({"stage": "negotiating", "date": "2025-02-01"}),
        )
        .await
        .expect(200);
    assert_eq!(moved["project"]["stage"], "negotiating");
    assert_eq!(moved["history_entry"]["from_stage"], "lead");

    // Signing without contract terms is refused and says why.
    let refused = app
        .post(&path("/transitions"), json!({"stage": "signed", "date": "2025-03-15"}))
        .await
        .expect(422);
    assert_eq!(refused["code"], "invalid");
    assert_eq!(refused["details"][0]["field"], "contract");

    let signed = app
        .post(
            &path("/transitions"),
            json!({
                "stage": "signed",
                "contract": {
                    "agreement_type": "formal",
                    "signed_on": "2025-03-15",
                    "contracted_investment": "26759.9",
                    "promised_start_on": "2025-06-01",
                    "promised_production_on": "2026-03-01",
                    "promised_full_production_on": "2027-03-01",
                    "promised_output_value": "32111.88",
                    "promised_tax": "1200.0001"
                }
            }),
        )
        .await
        .expect(200);
    assert_eq!(signed["project"]["stage"], "signed");
    assert_eq!(signed["project"]["stage_dates"]["signed_on"], "2025-03-15");
    assert_eq!(signed["project"]["contract"]["contracted_investment"], "26759.9000");
    assert_eq!(signed["project"]["contract"]["promised_tax"], "1200.0001");

    let first = app
        .post(
            &path("/fundings"),
            json!({"arrived_on": "2025-04-02", "amount": "3028.0001", "kind": "fixed_asset"}),
        )
        .await
        .expect(200);
    assert_eq!(first["amount"], "3028.0001");
    assert_eq!(first["counted"], true);
    app.post(
        &path("/fundings"),
        json!({"arrived_on": "2025-05-20", "amount": "0.9999", "kind": "registered_capital", "counted": false, "note": "区属国企配套"}),
    )
    .await
    .expect(200);

    for (stage, date) in [("started", "2025-06-10"), ("producing", "2026-01-05")] {
        app.post(&path("/transitions"), json!({"stage": stage, "date": date}))
            .await
            .expect(200);
    }
    // Backwards needs a reason, then goes.
    app.post(&path("/transitions"), json!({"stage": "started", "date": "2026-02-01"}))
        .await
        .expect(422);
    let back = app
        .post(
            &path("/transitions"),
            json!({"stage": "started", "date": "2026-02-01", "reason": "试生产未通过环评验收"}),
        )
        .await
        .expect(200);
    assert_eq!(back["project"]["stage"], "started");
    assert_eq!(back["project"]["stage_dates"]["producing_on"], serde_json::Value::Null);
    assert_eq!(back["project"]["stage_dates"]["started_on"], "2025-06-10");

    app.post(
        &path("/transitions"),
        json!({"stage": "producing", "date": "2026-03-01"}),
    )
    .await
    .expect(200);
    app.post(
        &path("/transitions"),
        json!({"stage": "effective", "date": "2026-09-30"}),
    )
    .await
    .expect(200);
    app.post(
        &path("/outputs"),
        json!({"period_start": "2026-07-01", "period_end": "2026-09-30", "output_value": "9000.5", "tax": "300"}),
    )
    .await
    .expect(200);
    app.post(
        &path("/activities"),
        json!({"occurred_on": "2026-10-01", "kind": "visit_in", "summary": "企业来访，商议二期扩产", "due_on": "2026-10-15"}),
    )
    .await
    .expect(200);
    let terminated = app
        .post(
            &path("/transitions"),
            json!({"stage": "terminated", "date": "2026-10-20", "reason": "投资方战略调整"}),
        )
        .await
        .expect(200);
    assert_eq!(terminated["project"]["stage"], "terminated");
    // Termination keeps every date reached.
    assert_eq!(terminated["project"]["stage_dates"]["effective_on"], "2026-09-30");
    assert_eq!(terminated["project"]["stage_dates"]["terminated_on"], "2026-10-20");

    let project = app.get(&path("")).await.expect(200);
    assert_eq!(project["funds_arrived"], "3029.0000");
    assert_eq!(project["funds_counted"], "3028.0001");
    assert_eq!(project["version"], 9);

    let history = app.get(&path("/history")).await.expect(200);
    let moves: Vec<(String, String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["from_stage"].as_str().unwrap_or("-").to_string(),
                h["to_stage"].as_str().unwrap().to_string(),
                h["effective_on"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("-", "lead", "2025-01-10"),
        ("lead", "negotiating", "2025-02-01"),
        ("negotiating", "signed", "2025-03-15"),
        ("signed", "started", "2025-06-10"),
        ("started", "producing", "2026-01-05"),
        ("producing", "started", "2026-02-01"),
        ("started", "producing", "2026-03-01"),
        ("producing", "effective", "2026-09-30"),
        ("effective", "terminated", "2026-10-20"),
    ];
    assert_eq!(
        moves,
        expected.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    assert_eq!(history[5]["reason"], "试生产未通过环评验收");
    assert_eq!(history[8]["reason"], "投资方战略调整");
    // The current stage agrees with the last history entry.
    assert_eq!(
        history.as_array().unwrap().last().unwrap()["to_stage"],
        project["stage"]
    );

    // The stored amounts are exact integers of yuan, whatever the database.
    let stored = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT amount_yuan FROM fundings WHERE project_id = {id} ORDER BY arrived_on"),
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<i64>("", "amount_yuan").unwrap())
        .collect::<Vec<_>>();
    assert_eq!(stored, vec![30_280_001, 9_999]);
    let fundings = app.get(&path("/fundings")).await.expect(200);
    assert_eq!(fundings.as_array().unwrap().len(), 2);
    assert_eq!(fundings[1]["note"], "区属国企配套");
    let contract = app.get(&path("/contract")).await.expect(200);
    assert_eq!(contract["contracted_investment"], "26759.9000");
    let outputs = app.get(&path("/outputs")).await.expect(200);
    assert_eq!(outputs[0]["output_value"], "9000.5000");
    let activities = app.get(&path("/activities")).await.expect(200);
    assert_eq!(activities[0]["kind"], "visit_in");
}

#[tokio::test]
async fn a_terminated_project_can_be_reopened_with_a_reason() {
    let app = TestApp::spawn().await;
    let project = app.create_project("DZ20250002", "五金刀具专班").await;
    let id = project["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{id}/transitions");
    app.post(&path, json!({"stage": "negotiating", "date": "2025-02-01"}))
        .await
        .expect(200);
    app.post(
        &path,
        json!({"stage": "terminated", "date": "2025-03-01", "reason": "用地未谈拢"}),
    )
    .await
    .expect(200);
    let refused = app
        .post(&path, json!({"stage": "negotiating", "date": "2025-04-01"}))
        .await
        .expect(422);
    assert_eq!(refused["details"][0]["field"], "reason");
    let reopened = app
        .post(
            &path,
            json!({"stage": "negotiating", "date": "2025-04-01", "reason": "投资方重新对接"}),
        )
        .await
        .expect(200);
    assert_eq!(reopened["project"]["stage"], "negotiating");
    assert_eq!(
        reopened["project"]["stage_dates"]["terminated_on"],
        serde_json::Value::Null
    );
    assert_eq!(reopened["project"]["stage_dates"]["negotiating_on"], "2025-02-01");
}

#[tokio::test]
async fn a_changed_signing_date_moves_the_stage_date_within_order() {
    let app = TestApp::spawn().await;
    let project = app.create_project("DZ20250003", "氢能专班").await;
    let id = project["id"].as_i64().unwrap();
    let contract = json!({"agreement_type": "framework", "signed_on": "2025-03-01", "contracted_investment": "1000"});
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "signed", "contract": contract}),
    )
    .await
    .expect(200);
    let corrected = json!({"agreement_type": "formal", "signed_on": "2025-03-05", "contracted_investment": "1200"});
    app.put(&format!("/api/v1/projects/{id}/contract"), corrected)
        .await
        .expect(200);
    let project = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(project["stage_dates"]["signed_on"], "2025-03-05");
    assert_eq!(project["contract"]["agreement_type"], "formal");
    // Before the lead was logged: out of order, refused, nothing changed.
    let early = json!({"agreement_type": "formal", "signed_on": "2024-12-01", "contracted_investment": "1200"});
    let refused = app
        .put(&format!("/api/v1/projects/{id}/contract"), early)
        .await
        .expect(422);
    assert_eq!(refused["details"][0]["field"], "signed_on");
    let project = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(project["contract"]["signed_on"], "2025-03-05");
}
