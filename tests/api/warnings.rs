//! Red / yellow / green lights at a fixed `as_of` (2025-06-30): milestones overdue by more or
//! less than 90 days, due within 30 days, default full-production dates, the funds schedule,
//! terminated projects left out, sorting, filters, paging and settings.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::kpi::{HYDROGEN, Proj, add, fund, get_ok};

fn codes(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect()
}

fn item<'v>(page: &'v Value, code: &str) -> &'v Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("no {code}"))
}

#[tokio::test]
async fn lights_name_the_milestone_the_days_and_the_funds() {
    let app = TestApp::spawn().await;
    // Every project signed 2024-01-10 for 1000 万元. The funds schedule runs 731 days to the
    // production date 2026-01-10; at 2025-06-30, 537 days have elapsed, so the red line is
    // 50% × 537/731 × 1000 = 367.3050… 万元.
    let p = Proj {
        signed: Some(("2024-01-10", "1000")),
        promised_production: Some("2026-01-10"),
        ..Proj::default()
    };
    let start = |code, due| Proj {
        code,
        promised_start: Some(due),
        ..p
    };
    // Construction start 91 days overdue: red.
    let w1 = add(&app, start("W1", "2025-03-31")).await;
    // 90 days overdue: yellow.
    let w2 = add(&app, start("W2", "2025-04-01")).await;
    // Due in 30 days: yellow; in 31 days: green.
    let w3 = add(&app, start("W3", "2025-07-30")).await;
    let w4 = add(&app, start("W4", "2025-07-31")).await;
    for id in [w1, w2, w3, w4] {
        fund(&app, id, "2025-01-15", "400", true).await;
    }
    // Funds below the line: red; above it: green (W6 on the default production date, which is
    // also 2026-01-10).
    let w5 = add(&app, Proj { code: "W5", ..p }).await;
    fund(&app, w5, "2025-01-15", "367", true).await;
    fund(&app, w5, "2025-01-16", "100", false).await; // not counted
    fund(&app, w5, "2025-07-15", "100", true).await; // after as_of
    let w6 = add(
        &app,
        Proj {
            code: "W6",
            promised_production: None,
            ..p
        },
    )
    .await;
    fund(&app, w6, "2025-01-15", "368", true).await;
    // Terminated: no light, although its start is long overdue.
    add(
        &app,
        Proj {
            code: "W7",
            promised_start: Some("2024-06-01"),
            terminated: Some("2025-05-01"),
            ..p
        },
    )
    .await;
    // Producing since the promised 2024-06-01; default full production 2025-06-01: 29 days
    // overdue, yellow. Its funds schedule is over (share 1): 500 is exactly the line, not
    // below it.
    let producing = Proj {
        promised_production: Some("2024-06-01"),
        started: Some("2024-03-01"),
        producing: Some("2024-06-01"),
        ..p
    };
    let w8 = add(
        &app,
        Proj {
            code: "W8",
            ..producing
        },
    )
    .await;
    fund(&app, w8, "2024-05-01", "500", true).await;
    // Effective: green; another team.
    let w9 = add(
        &app,
        Proj {
            code: "W9",
            team: HYDROGEN,
            effective: Some("2025-05-01"),
            ..producing
        },
    )
    .await;
    fund(&app, w9, "2024-05-01", "500", true).await;

    let page = get_ok(&app, "/api/v1/warnings?as_of=2025-06-30").await;
    assert_eq!(page["as_of"], "2025-06-30");
    assert_eq!(
        (page["red"].clone(), page["yellow"].clone(), page["green"].clone()),
        (json!(2), json!(3), json!(3))
    );
    assert_eq!(page["total"], 8);
    // Red, yellow, green; within each the most overdue milestone first.
    assert_eq!(codes(&page), vec!["W1", "W5", "W2", "W8", "W3", "W4", "W6", "W9"]);
    assert_eq!(page["settings"]["warning_red_overdue_days"], 90);

    let w1 = item(&page, "W1");
    assert_eq!(w1["colour"], "red");
    assert_eq!(w1["stage"], "signed");
    let reason = &w1["reasons"][0];
    assert_eq!(reason["kind"], "milestone");
    assert_eq!(reason["milestone"], "construction_start");
    assert_eq!(reason["colour"], "red");
    assert_eq!(reason["due_on"], "2025-03-31");
    assert_eq!(reason["days_overdue"], 91);
    assert_eq!(reason["message"], "开工逾期91天（约定2025-03-31）");
    assert_eq!(w1["reasons"].as_array().unwrap().len(), 1);

    let w5 = item(&page, "W5");
    let reason = &w5["reasons"][0];
    assert_eq!(reason["kind"], "funds");
    assert_eq!(reason["counted_funds"], "367.0000");
    // 1000 × 50% × 537/731 = 367.30506… 万元, to the yuan
    assert_eq!(reason["threshold"], "367.3051");
    assert_eq!(reason["shortfall"], "0.3051");
    // 537/731 = 0.7346101…
    assert_eq!(reason["schedule_share"], json!(0.73461));
    assert_eq!(w5["counted_funds"], "367.0000");

    let w2 = item(&page, "W2");
    assert_eq!(
        (w2["colour"].clone(), w2["reasons"][0]["days_overdue"].clone()),
        (json!("yellow"), json!(90))
    );
    let w3 = item(&page, "W3");
    assert_eq!(w3["reasons"][0]["days_until_due"], 30);
    assert_eq!(w3["reasons"][0]["days_overdue"], Value::Null);
    assert_eq!(w3["reasons"][0]["message"], "开工将于30天后到期（约定2025-07-30）");
    let w8 = item(&page, "W8");
    assert_eq!(w8["colour"], "yellow");
    assert_eq!(w8["reasons"][0]["milestone"], "full_production");
    assert_eq!(w8["reasons"][0]["due_on"], "2025-06-01");
    assert_eq!(w8["reasons"][0]["due_is_default"], true);
    assert_eq!(w8["reasons"][0]["days_overdue"], 29);
    let w4 = item(&page, "W4");
    assert_eq!(w4["colour"], "green");
    assert_eq!(w4["reasons"], json!([]));
    assert_eq!(w4["milestones"].as_array().unwrap().len(), 2);
    let w6 = item(&page, "W6");
    assert_eq!(w6["milestones"][0]["due_on"], "2026-01-10");
    assert_eq!(w6["milestones"][0]["due_is_default"], true);
    let w9 = item(&page, "W9");
    assert_eq!(w9["milestones"][1]["reached_on"], "2025-05-01");

    // Filters and paging.
    let yellow = get_ok(
        &app,
        "/api/v1/warnings?as_of=2025-06-30&colour=yellow&per_page=2&page=2",
    )
    .await;
    assert_eq!(yellow["total"], 3);
    assert_eq!(codes(&yellow), vec!["W3"]);
    // Past the last page: no items, the counts all the same.
    let beyond = get_ok(&app, "/api/v1/warnings?as_of=2025-06-30&page=3&per_page=5").await;
    assert_eq!(beyond["items"], json!([]));
    assert_eq!((beyond["red"].clone(), beyond["total"].clone()), (json!(2), json!(8)));
    let hydrogen = app.reference_id("teams", HYDROGEN).await;
    let team = get_ok(&app, &format!("/api/v1/warnings?as_of=2025-06-30&team_id={hydrogen}")).await;
    assert_eq!(codes(&team), vec!["W9"]);
    assert_eq!((team["red"].clone(), team["green"].clone()), (json!(0), json!(1)));
    assert_eq!(team["items"][0]["team_name"], HYDROGEN);

    // As of 2025-03-31 the funds line is 1000 × 50% × 446/731 = 305.06… 万元: W5 (367) is
    // above it; the only red is W7, not terminated yet, with no funds at all.
    let early = get_ok(&app, "/api/v1/warnings?as_of=2025-03-31&colour=red").await;
    assert_eq!(codes(&early), vec!["W7"]);
    let early = get_ok(&app, "/api/v1/warnings?as_of=2025-03-31").await;
    assert_eq!(
        item(&early, "W1")["reasons"][0]["message"],
        "开工今日到期（约定2025-03-31）"
    );
    // W1's start is due that day; W7's (2024-06-01) is 303 days overdue.
    let w7 = item(&early, "W7");
    assert_eq!(w7["colour"], "red");
    assert_eq!(w7["reasons"][0]["days_overdue"], 303);

    // A 12-month default puts W6's production date at 2025-01-10: 171 days overdue, and its
    // funds schedule is over, so the line is 500: red twice.
    let mut settings = get_ok(&app, "/api/v1/settings").await;
    settings["default_production_months"] = json!(12);
    app.put("/api/v1/settings", settings).await.expect(200);
    let page = get_ok(&app, "/api/v1/warnings?as_of=2025-06-30").await;
    assert_eq!(
        (page["red"].clone(), page["yellow"].clone(), page["green"].clone()),
        (json!(3), json!(3), json!(2))
    );
    assert_eq!(codes(&page)[..3], ["W6", "W1", "W5"]);
    let w6 = item(&page, "W6");
    assert_eq!(w6["reasons"][0]["milestone"], "production_start");
    assert_eq!(w6["reasons"][0]["days_overdue"], 171);
    assert_eq!(w6["reasons"][0]["due_is_default"], true);
    assert_eq!(w6["reasons"][0]["message"], "投产逾期171天（约定2025-01-10，默认期限）");
    assert_eq!(w6["reasons"][1]["threshold"], "500.0000");
    assert_eq!(w6["reasons"][1]["shortfall"], "132.0000");
    assert_eq!(w6["reasons"][1]["schedule_share"], json!(1.0));

    // Thresholds are settings too: with red beyond 100 days W1 (91) turns yellow.
    let mut settings = get_ok(&app, "/api/v1/settings").await;
    settings["warning_red_overdue_days"] = json!(100);
    app.put("/api/v1/settings", settings).await.expect(200);
    let page = get_ok(&app, "/api/v1/warnings?as_of=2025-06-30").await;
    assert_eq!(item(&page, "W1")["colour"], "yellow");

    app.get("/api/v1/warnings?as_of=2999-01-01").await.expect(422);
}

#[tokio::test]
async fn lights_of_more_projects_than_one_read_holds_page_in_one_order() {
    let app = TestApp::spawn().await;
    // 4,000 projects, two in three signed: more than one chunk of signed projects is read.
    crate::imports::upload(&app, "", "big.xlsx", crate::imports::big_ledger(4_000))
        .await
        .expect(200);
    let signed = app.count_where("projects", "signed_on IS NOT NULL").await;
    assert!(signed > 2_000, "{signed} signed projects");
    let first = get_ok(&app, "/api/v1/warnings?per_page=200").await;
    let counts: Vec<i64> = ["red", "yellow", "green"]
        .iter()
        .map(|light| first[light].as_i64().unwrap())
        .collect();
    assert_eq!(counts.iter().sum::<i64>(), signed, "every signed project is lit");
    assert_eq!(first["total"].as_i64(), Some(signed));

    // Page by page, every project once, worst light first, and each page where the whole
    // list puts it.
    let severity = |light: &Value| ["green", "yellow", "red"].iter().position(|l| light == l).unwrap();
    let mut seen = Vec::new();
    for page in 1.. {
        let listed = get_ok(&app, &format!("/api/v1/warnings?per_page=200&page={page}")).await;
        let items = listed["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        seen.extend(
            items
                .iter()
                .map(|i| (severity(&i["colour"]), i["project_id"].as_i64().unwrap())),
        );
    }
    assert_eq!(seen.len() as i64, signed);
    assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "worst light first");
    let mut ids: Vec<i64> = seen.iter().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as i64, signed, "no project twice");

    // A light filter counts and lists that light only.
    let red = get_ok(&app, "/api/v1/warnings?colour=red&per_page=200&page=2").await;
    assert_eq!(red["total"].as_i64(), Some(counts[0]));
    assert!(red["items"].as_array().unwrap().iter().all(|i| i["colour"] == "red"));
}
