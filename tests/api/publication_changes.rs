//! `GET /api/v1/publications/{id}/changes`: a published bulletin against today's data — its
//! figures recomputed for the same periods, and the projects whose contributions changed —
//! while the publication itself stays as published.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::bulletins::scenario;
use crate::exports::download;
use crate::helpers::TestApp;
use crate::kpi::{HYDROGEN, Proj, add, fund};

async fn id_of(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "id").unwrap()
}

fn period<'a>(changes: &'a Value, which: &str) -> &'a Value {
    changes["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == which)
        .unwrap_or_else(|| panic!("{which} in {changes}"))
}

#[tokio::test]
async fn a_publication_against_todays_data_names_the_projects_corrected_since() {
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let first = app
        .post(
            "/api/v1/publications",
            json!({"kind": "monthly", "period": "2025-11", "as_of": "2025-12-07"}),
        )
        .await
        .expect(200);
    let id = first["id"].as_i64().unwrap();
    let path = format!("/api/v1/publications/{id}/changes");
    let document = format!("/api/v1/publications/{id}/document");
    let (_, _, _, published) = download(&app, &app.token, &document).await;

    // Nothing changed yet: every figure as published, no project.
    let unchanged = app.get(&path).await.expect(200);
    assert_eq!(unchanged["project_detail"], true);
    assert!(unchanged.get("note").is_none());
    let names: Vec<&str> = unchanged["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["current", "previous", "last_year", "year_to_date"]);
    for p in unchanged["periods"].as_array().unwrap() {
        assert_eq!(p["then"], p["now"], "{p}");
        assert_eq!(p["changed"], json!([]));
    }
    let current = period(&unchanged, "current");
    assert_eq!(
        (&current["from"], &current["to"], &current["as_of"]),
        (&json!("2025-11-01"), &json!("2025-11-30"), &json!("2025-12-07"))
    );
    assert_eq!(current["then"]["projects_signed"], 2);
    for list in ["changed", "counted_then_only", "counted_now_only"] {
        assert_eq!(unchanged[list], json!([]), "{list}");
    }

    // The data changes: E1's November payment corrected from 150 to 120 万元, and another
    // November signing (H9) with its payment.
    let e1 = id_of(&app, "SELECT CAST(id AS BIGINT) AS id FROM projects WHERE code = 'E1'").await;
    let payment = id_of(
        &app,
        &format!("SELECT CAST(id AS BIGINT) AS id FROM fundings WHERE project_id = {e1}"),
    )
    .await;
    app.patch(
        &format!("/api/v1/projects/{e1}/fundings/{payment}"),
        json!({"amount": "120"}),
    )
    .await
    .expect(200);
    let h9 = add(
        &app,
        Proj {
            code: "H9",
            team: HYDROGEN,
            negotiating: Some("2025-10-01"),
            signed: Some(("2025-11-28", "1000")),
            ..Proj::default()
        },
    )
    .await;
    fund(&app, h9, "2025-11-29", "400", true).await;
    // And E3, negotiating in November as published, recorded as dropped in October.
    let e3 = id_of(&app, "SELECT CAST(id AS BIGINT) AS id FROM projects WHERE code = 'E3'").await;
    app.post(
        &format!("/api/v1/projects/{e3}/transitions"),
        json!({"stage": "terminated", "date": "2025-10-15", "reason": "投资方撤回"}),
    )
    .await
    .expect(200);

    let changes = app.get(&path).await.expect(200);
    let current = period(&changes, "current");
    assert_eq!(
        current["changed"],
        json!([
            "sign_rate",
            "funds_arrival_rate",
            "projects_signed",
            "contracted_investment_yuan",
            "funds_arrived_yuan"
        ])
    );
    assert_eq!(
        (
            current["then"]["projects_signed"].clone(),
            current["now"]["projects_signed"].clone()
        ),
        (json!(2), json!(3))
    );
    assert_eq!(
        (
            current["then"]["funds_arrived_yuan"].clone(),
            current["now"]["funds_arrived_yuan"].clone()
        ),
        (json!(1_580_000), json!(5_280_000)),
        "150 + 8 万元 then; 120 + 8 + 400 now"
    );
    // October: H9 negotiated from 1 October; November 2024 did not change; the year to date
    // did.
    assert_eq!(period(&changes, "previous")["changed"], json!(["sign_rate"]));
    assert_eq!(period(&changes, "last_year")["changed"], json!([]));
    assert_ne!(period(&changes, "year_to_date")["changed"], json!([]));

    // E1 (signed in October, so outside November's funds cohort): its payment in the month.
    let team_name = |v: &Value| v["team_name"].as_str().unwrap().to_string();
    let changed: Vec<(String, String, i64, i64)> = changes["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["figure"].as_str().unwrap().to_string(),
                c["then"].as_i64().unwrap(),
                c["now"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changed,
        [("E1".to_string(), "funds_arrived".to_string(), 1_500_000, 1_200_000)]
    );
    let e1_line = &changes["changed"][0];
    assert_eq!(
        (e1_line["project_id"].as_i64(), e1_line["name"].as_str()),
        (Some(e1), Some("E1项目"))
    );
    assert_eq!(team_name(e1_line), "智能电梯专班");
    // E3: counted then (negotiating in November), in nothing now.
    let then_only = changes["counted_then_only"].as_array().unwrap();
    assert_eq!(then_only.len(), 1, "{then_only:?}");
    assert_eq!(
        (then_only[0]["project_id"].as_i64(), then_only[0]["code"].as_str()),
        (Some(e3), Some("E3"))
    );
    assert_eq!(
        then_only[0]["figures"],
        json!([{"figure": "sign_rate_denominator", "value": 1}])
    );
    // H9: counted now, not then, in every figure of a signing in the period.
    let now_only = changes["counted_now_only"].as_array().unwrap();
    assert_eq!(now_only.len(), 1, "{now_only:?}");
    assert_eq!(
        (now_only[0]["project_id"].as_i64(), now_only[0]["code"].as_str()),
        (Some(h9), Some("H9"))
    );
    assert_eq!(team_name(&now_only[0]), HYDROGEN);
    let figures: Vec<(String, i64)> = now_only[0]["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["figure"].as_str().unwrap().to_string(), f["value"].as_i64().unwrap()))
        .collect();
    let expected = [
        ("sign_rate_denominator", 1),
        ("sign_rate_numerator", 1),
        ("funds_arrival_rate_denominator", 10_000_000),
        ("funds_arrival_rate_numerator", 4_000_000),
        ("projects_signed", 1),
        ("contracted_investment", 10_000_000),
        ("funds_arrived", 4_000_000),
    ];
    assert_eq!(figures, expected.map(|(f, v)| (f.to_string(), v)).to_vec());

    // The publication still downloads byte for byte as published.
    let (status, _, _, again) = download(&app, &app.token, &document).await;
    assert_eq!((status, again == published), (200, true));

    // A publication made before project detail was kept compares its figures only.
    app.db
        .execute_unprepared(&format!("UPDATE publications SET contributions = NULL WHERE id = {id}"))
        .await
        .unwrap();
    let old = app.get(&path).await.expect(200);
    assert_eq!(old["project_detail"], false);
    assert!(old["note"].as_str().unwrap().contains("逐项目明细"), "{old}");
    assert_eq!(old["periods"], changes["periods"]);
    assert_eq!(old["counted_now_only"], json!([]));

    // Leaders read it; a team member is refused; an unknown publication is 404.
    let member = app.token_for("zhang", "member", Some(HYDROGEN)).await;
    let refused = app.send_as(Some(&member), poem::http::Method::GET, &path, None).await;
    refused.expect(403);
    app.get("/api/v1/publications/999999/changes").await.expect(404);
}
