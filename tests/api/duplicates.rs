//! Duplicate candidates (`GET /api/v1/projects/duplicates`): the same project entered by two
//! task forces under other spellings is proposed with its evidence, the phases of one
//! investment only when asked and as phases, one investor's other project never; a member
//! sees the pairs of their own team and only the team of another team's project.

use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn investor(app: &TestApp, name: &str, credit_code: Option<&str>) -> i64 {
    app.post("/api/v1/investors", json!({"name": name, "credit_code": credit_code}))
        .await
        .expect(200)["id"]
        .as_i64()
        .unwrap()
}

async fn project(app: &TestApp, name: &str, team: &str, investor_id: i64) -> i64 {
    let team_id = app.reference_id("teams", team).await;
    app.post(
        "/api/v1/projects",
        json!({"name": name, "team_id": team_id, "investor_id": investor_id}),
    )
    .await
    .expect(200)["id"]
        .as_i64()
        .unwrap()
}

fn ids(pair: &Value) -> Vec<i64> {
    pair["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_i64())
        .collect()
}

#[tokio::test]
async fn the_same_project_of_two_teams_is_proposed_with_its_evidence() {
    let app = TestApp::spawn().await;
    // One investor entered twice, under two spellings, by two task forces.
    let by_hand = investor(&app, "重庆某某科技有限公司", None).await;
    let from_ledger = investor(&app, "某某科技（重庆）有限公司", None).await;
    let a = project(&app, "重庆某某科技有限公司年产50万套电机项目", "新材料专班", by_hand).await;
    let b = project(&app, "某某科技电机项目", "摩托车专班", from_ledger).await;
    // The investor's second phase, and its other product.
    let phase_one = project(&app, "某某科技齿轮箱项目一期", "新材料专班", by_hand).await;
    let phase_two = project(&app, "某某科技齿轮箱项目二期", "新材料专班", by_hand).await;
    let other = investor(&app, "重庆另一家电机有限公司", None).await;
    project(&app, "另一家电机电机项目", "摩托车专班", other).await;

    let found = app.get("/api/v1/projects/duplicates").await.expect(200);
    assert_eq!(found["total"], 1, "{found:#}");
    assert_eq!(found["groups_left_out"], 0);
    let pair = &found["items"][0];
    assert_eq!(pair["relation"], "same");
    assert_eq!(ids(pair), [a, b]);
    assert!(pair["score"].as_f64().unwrap() >= 0.6, "{pair}");
    let kinds: Vec<&str> = pair["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"same_investor") && kinds.contains(&"same_name_core"),
        "{pair}"
    );
    assert!(
        pair["evidence"][0]["label"].as_str().unwrap().contains("相同"),
        "{pair}"
    );

    // Phases only when asked, as phases.
    let with_phases = app
        .get("/api/v1/projects/duplicates?include_phases=true")
        .await
        .expect(200);
    assert_eq!(with_phases["total"], 2, "{with_phases:#}");
    let phases = &with_phases["items"][1];
    assert_eq!(phases["relation"], "phases");
    assert!(phases.get("score").is_none());
    assert_eq!(ids(phases), [phase_one, phase_two]);

    // A member of one of the two teams sees the pair, and of the other team's project only
    // its team; asking for another team's pairs is refused, as lists are.
    let member = app.token_for("dup_member", "member", Some("摩托车专班")).await;
    let seen = app
        .send_as(
            Some(&member),
            poem::http::Method::GET,
            "/api/v1/projects/duplicates",
            None,
        )
        .await
        .expect(200);
    assert_eq!(seen["total"], 1, "{seen:#}");
    let projects = seen["items"][0]["projects"].as_array().unwrap();
    let hidden = projects
        .iter()
        .find(|p| p["visible"] == false)
        .expect("the other team's project");
    assert_eq!(hidden["team_name"], "新材料专班");
    for field in ["id", "code", "name", "investor", "stage"] {
        assert!(hidden.get(field).is_none(), "{field} shown: {hidden}");
    }
    let own = projects.iter().find(|p| p["visible"] == true).unwrap();
    assert_eq!(own["id"], b);
    assert_eq!(own["stage"], "lead");
    let other_team = app.reference_id("teams", "新材料专班").await;
    app.send_as(
        Some(&member),
        poem::http::Method::GET,
        &format!("/api/v1/projects/duplicates?team_id={other_team}"),
        None,
    )
    .await
    .expect(403);
    // A member of a team in no pair sees none.
    let bystander = app.token_for("dup_bystander", "member", Some("生物医药专班")).await;
    let none = app
        .send_as(
            Some(&bystander),
            poem::http::Method::GET,
            "/api/v1/projects/duplicates",
            None,
        )
        .await
        .expect(200);
    assert_eq!(none["total"], 0, "{none:#}");
}
