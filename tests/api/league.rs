//! The league table on a hand-computed scenario: scores from the three rates, ties sharing a
//! rank, missing rates flagged, target completion, weights from the settings and the rank
//! change against the previous quarter.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::kpi::{ELEVATOR, HYDROGEN, Proj, ROBOT, add, fund, get_ok};

/// Team entries by name.
fn entry<'v>(table: &'v Value, team: &str) -> &'v Value {
    table["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team_name"] == team)
        .unwrap_or_else(|| panic!("no {team}"))
}

fn order(table: &Value) -> Vec<(String, u64)> {
    table["teams"]
        .as_array()
        .unwrap()
        .iter()
        .take(4)
        .map(|t| {
            (
                t["team_name"].as_str().unwrap().to_string(),
                t["rank"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn teams_are_ranked_on_a_composite_score() {
    let app = TestApp::spawn().await;
    let p = Proj::default();
    // Elevator: signed in Q2, half its money in, producing on time.
    let a1 = add(
        &app,
        Proj {
            code: "A1",
            team: ELEVATOR,
            negotiating: Some("2025-04-01"),
            signed: Some(("2025-05-01", "100")),
            promised_production: Some("2025-06-01"),
            started: Some("2025-05-20"),
            producing: Some("2025-06-15"),
            ..p
        },
    )
    .await;
    fund(&app, a1, "2025-05-10", "50", true).await;
    // Hydrogen: one of two negotiations signed, all its money in, nothing due for production.
    add(
        &app,
        Proj {
            code: "B1",
            team: HYDROGEN,
            negotiating: Some("2025-04-10"),
            ..p
        },
    )
    .await;
    let b2 = add(
        &app,
        Proj {
            code: "B2",
            team: HYDROGEN,
            negotiating: Some("2025-04-10"),
            signed: Some(("2025-06-01", "200")),
            ..p
        },
    )
    .await;
    fund(&app, b2, "2025-06-10", "200", true).await;
    // Robot: signed in Q1 (c0) and in Q2 (c1, production due on as_of and not started).
    add(
        &app,
        Proj {
            code: "C0",
            team: ROBOT,
            negotiating: Some("2025-01-05"),
            signed: Some(("2025-02-01", "100")),
            ..p
        },
    )
    .await;
    let c1 = add(
        &app,
        Proj {
            code: "C1",
            team: ROBOT,
            negotiating: Some("2025-04-05"),
            signed: Some(("2025-04-20", "100")),
            promised_production: Some("2025-06-30"),
            ..p
        },
    )
    .await;
    fund(&app, c1, "2025-05-01", "50", true).await;

    let q2 = "/api/v1/league?from=2025-04-01&to=2025-06-30&as_of=2025-06-30";
    let table = get_ok(&app, q2).await;
    assert_eq!(table["previous_from"], "2025-01-01");
    assert_eq!(table["previous_to"], "2025-03-31");
    assert_eq!(table["previous_as_of"], "2025-03-31");
    assert_eq!(table["with_targets"], false);
    assert_eq!(table["teams"].as_array().unwrap().len(), 24);
    // Ties share rank 2 and are listed by team id (机器人专班 is seeded before 氢能专班).
    assert_eq!(
        order(&table),
        vec![
            (ELEVATOR.to_string(), 1),
            (ROBOT.to_string(), 2),
            (HYDROGEN.to_string(), 2),
            ("新能源汽车零部件专班".to_string(), 4),
        ]
    );
    let elevator = entry(&table, ELEVATOR);
    // sign 1/1, funds 50/100, production 1/1: (1 + 0.5 + 1)/3
    assert_eq!(elevator["score"], json!(0.833333));
    assert_eq!(elevator["funds_arrival_rate"], json!(0.5));
    assert_eq!(elevator["missing"], json!([]));
    // Q1: nothing → score 0, rank 2 behind Robot; now 1: up 1.
    assert_eq!(elevator["previous_rank"], 2);
    assert_eq!(elevator["rank_change"], 1);
    let hydrogen = entry(&table, HYDROGEN);
    // sign 1/2, funds 200/200, production none due (counts 0): (0.5 + 1 + 0)/3
    assert_eq!(hydrogen["score"], json!(0.5));
    assert_eq!(hydrogen["production_effectiveness_rate"], Value::Null);
    assert_eq!(hydrogen["missing"], json!(["production_effectiveness_rate"]));
    assert_eq!(hydrogen["rank_change"], 0);
    let robot = entry(&table, ROBOT);
    // Q2: sign 1/1 (c0 signed before the quarter), funds 50/100, production 0/1: (1 + 0.5 + 0)/3
    assert_eq!(robot["score"], json!(0.5));
    assert_eq!(robot["production_effectiveness_rate"], json!(0.0));
    // Q1 as of 2025-03-31: sign 1/1, funds 0/100, production none: (1 + 0 + 0)/3 → first
    assert_eq!(robot["previous_score"], json!(0.333333));
    assert_eq!(robot["previous_rank"], 1);
    assert_eq!(robot["rank_change"], -1);
    let idle = entry(&table, "数字经济专班");
    assert_eq!(idle["score"], json!(0.0));
    assert_eq!(
        idle["missing"],
        json!(["sign_rate", "funds_arrival_rate", "production_effectiveness_rate"])
    );
    // previous rank 2, now 4
    assert_eq!(idle["rank_change"], -2);

    // A target for Elevator brings target completion into every score.
    let elevator_id = app.reference_id("teams", ELEVATOR).await;
    app.put(
        &format!("/api/v1/targets/2025/{elevator_id}"),
        json!({"projects_signed": 4}),
    )
    .await
    .expect(200);
    let table = get_ok(&app, q2).await;
    assert_eq!(table["with_targets"], true);
    let elevator = entry(&table, ELEVATOR);
    // 1 signed ÷ (4 × 91/365) = 365/364 = 1.0027472…
    assert_eq!(elevator["target_completion"], json!(1.002747));
    // (1 + 0.5 + 1 + 365/364)/4 = 1275/1456 = 0.8756868…
    assert_eq!(elevator["score"], json!(0.875687));
    let hydrogen = entry(&table, HYDROGEN);
    // (0.5 + 1 + 0 + 0)/4
    assert_eq!(hydrogen["score"], json!(0.375));
    assert_eq!(
        hydrogen["missing"],
        json!(["production_effectiveness_rate", "target_completion"])
    );
    // (1 + 0.5 + 0 + 0)/4: still tied with Hydrogen
    assert_eq!(entry(&table, ROBOT)["score"], json!(0.375));
    assert_eq!(entry(&table, ROBOT)["rank"], 2);
    assert_eq!(entry(&table, HYDROGEN)["rank"], 2);

    // Weights are settings: the sign rate alone.
    let mut settings = get_ok(&app, "/api/v1/settings").await;
    settings["league_weights"] =
        json!({"sign_rate": 1, "funds_arrival_rate": 0, "production_effectiveness_rate": 0, "target_completion": 0});
    app.put("/api/v1/settings", settings).await.expect(200);
    let table = get_ok(&app, q2).await;
    assert_eq!(table["settings"]["league_weights"]["funds_arrival_rate"], 0);
    // Elevator 1, Robot 1, Hydrogen 0.5
    assert_eq!(
        order(&table),
        vec![
            (ELEVATOR.to_string(), 1),
            (ROBOT.to_string(), 1),
            (HYDROGEN.to_string(), 3),
            ("新能源汽车零部件专班".to_string(), 4),
        ]
    );
    // Q1 by sign rate: Robot 1, the rest 0 → rank 2; Hydrogen now 3: down 1.
    assert_eq!(entry(&table, HYDROGEN)["rank_change"], -1);
    assert_eq!(entry(&table, ROBOT)["rank_change"], 0);

    // The league scores targets through completion, not through a target basis.
    let refused = app
        .get("/api/v1/league?from=2025-04-01&to=2025-06-30&as_of=2025-06-30&sign_basis=target")
        .await
        .expect(422);
    assert_eq!(refused["details"][0]["field"], "sign_basis");
    // Ten days: the previous period is the ten days before.
    let table = get_ok(&app, "/api/v1/league?from=2025-06-11&to=2025-06-20&as_of=2025-06-30").await;
    assert_eq!(table["previous_from"], "2025-06-01");
    assert_eq!(table["previous_to"], "2025-06-10");
}
