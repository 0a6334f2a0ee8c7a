//! `GET /api/v1/kpis?compare=true`: the previous period's (环比) and last year's (同比) figures
//! beside the current ones, overall and per group, each exactly what the API answers when
//! asked for that period and as-of date directly.

use serde_json::Value;

use crate::helpers::TestApp;
use crate::kpi::{ELEVATOR, HYDROGEN, Proj, add, fund, get_ok};

/// Projects signed, funded, started and producing across 2025 and 2026, in two teams.
async fn seed(app: &TestApp) {
    let a = add(
        app,
        Proj {
            code: "C1",
            negotiating: Some("2025-09-10"),
            signed: Some(("2025-10-15", "1000")),
            promised_production: Some("2026-06-30"),
            started: Some("2025-11-20"),
            producing: Some("2026-10-05"),
            ..Proj::default()
        },
    )
    .await;
    fund(app, a, "2025-11-03", "300", true).await;
    fund(app, a, "2026-11-12", "200", true).await;
    let b = add(
        app,
        Proj {
            code: "C2",
            team: HYDROGEN,
            negotiating: Some("2026-08-01"),
            signed: Some(("2026-11-08", "500")),
            started: Some("2026-11-28"),
            ..Proj::default()
        },
    )
    .await;
    fund(app, b, "2026-11-20", "100", true).await;
    fund(app, b, "2026-10-02", "50", false).await;
    let c = add(
        app,
        Proj {
            code: "C3",
            negotiating: Some("2025-10-01"),
            signed: Some(("2025-11-30", "800")),
            promised_production: Some("2025-12-31"),
            ..Proj::default()
        },
    )
    .await;
    fund(app, c, "2026-10-20", "80", true).await;
    add(
        app,
        Proj {
            code: "C4",
            team: HYDROGEN,
            negotiating: Some("2026-10-12"),
            ..Proj::default()
        },
    )
    .await;
    add(
        app,
        Proj {
            code: "C5",
            negotiating: Some("2025-11-02"),
            terminated: Some("2025-12-01"),
            ..Proj::default()
        },
    )
    .await;
}

/// The other parameters of `query` with the comparison's period and as-of date.
fn asked_directly(query: &str, comparison: &Value) -> String {
    let rest: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("from=") && !p.starts_with("to=") && !p.starts_with("as_of="))
        .collect();
    format!(
        "/api/v1/kpis?from={}&to={}&as_of={}&{}",
        comparison["from"].as_str().unwrap(),
        comparison["to"].as_str().unwrap(),
        comparison["as_of"].as_str().unwrap(),
        rest.join("&")
    )
}

/// Checks every comparison of the report asked with `query` against the API asked directly;
/// `moved` gives a group's key in the comparison (`previous` or `last_year`).
async fn check(app: &TestApp, query: &str, moved: impl Fn(&str, &str) -> String) -> Value {
    let report = get_ok(app, &format!("/api/v1/kpis?{query}&compare=true")).await;
    let plain = get_ok(app, &format!("/api/v1/kpis?{query}")).await;
    assert_eq!(
        report["overall"], plain["overall"],
        "{query}: the current figures unchanged"
    );
    assert!(plain.get("previous").is_none() && plain.get("last_year").is_none());
    for which in ["previous", "last_year"] {
        let comparison = &report[which];
        let direct = get_ok(app, &asked_directly(query, comparison)).await;
        assert_eq!(comparison["overall"], direct["overall"], "{query}: {which} overall");
        for group in report["groups"].as_array().unwrap() {
            let key = moved(which, group["key"].as_str().unwrap());
            let expected = direct["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["key"] == key.as_str())
                .map(|g| g["kpis"].clone());
            match expected {
                Some(kpis) => assert_eq!(group[which], kpis, "{query}: {which} of group {key}"),
                None => {
                    // No figures there: zeros, no rate.
                    assert_eq!(group[which]["bulletin"]["projects_signed"], 0, "{query}: {which} {key}");
                    assert_eq!(group[which]["sign_rate"]["denominator"], 0, "{query}: {which} {key}");
                }
            }
        }
    }
    report
}

fn same_key(_: &str, key: &str) -> String {
    key.to_string()
}

#[tokio::test]
async fn comparisons_are_the_figures_of_the_previous_period_and_last_year_asked_directly() {
    let app = TestApp::spawn().await;
    seed(&app).await;

    // A month: 环比 October, 同比 November 2025, each as of its own last day.
    let month = "from=2026-11-01&to=2026-11-30&as_of=2026-12-05";
    let report = check(&app, month, same_key).await;
    assert_eq!(
        (
            &report["previous"]["from"],
            &report["previous"]["to"],
            &report["previous"]["as_of"]
        ),
        (&"2026-10-01".into(), &"2026-10-31".into(), &"2026-10-31".into())
    );
    assert_eq!(
        (
            &report["last_year"]["from"],
            &report["last_year"]["to"],
            &report["last_year"]["as_of"]
        ),
        (&"2025-11-01".into(), &"2025-11-30".into(), &"2025-11-30".into())
    );
    // By hand: November 2026 signed C2 (500), funds 200 (C1) + 100 (C2); November 2025 signed
    // C3 (800), funds 300; October 2026 signed nothing, funds 80 (C3; C2's 50 is not counted).
    let bulletin = |v: &Value| {
        (
            v["bulletin"]["projects_signed"].as_i64().unwrap(),
            v["bulletin"]["funds_arrived"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(bulletin(&report["overall"]), (1, "300.0000".to_string()));
    assert_eq!(bulletin(&report["previous"]["overall"]), (0, "80.0000".to_string()));
    assert_eq!(bulletin(&report["last_year"]["overall"]), (1, "300.0000".to_string()));
    // The sign rate as numerator and denominator: negotiating in November 2025 C3 and C5 (C1
    // was signed in October), signed C3 → 1 of 2.
    let sign = &report["last_year"]["overall"]["sign_rate"];
    assert_eq!(
        (sign["numerator"].as_i64(), sign["denominator"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(sign["rate"].as_f64(), Some(0.5));

    // By team, by month and by quarter; a quarter; the year to date; other bases.
    check(&app, &format!("{month}&group_by=team"), same_key).await;
    check(
        &app,
        "from=2026-07-01&to=2026-09-30&as_of=2026-12-05&group_by=team",
        same_key,
    )
    .await;
    let ytd = check(&app, "as_of=2026-12-05&sign_basis=cohort&funds_basis=period", same_key).await;
    assert_eq!(ytd["last_year"]["from"], "2025-01-01");
    assert_eq!(ytd["last_year"]["to"], "2025-12-05");
    assert_eq!(ytd["last_year"]["as_of"], "2025-12-05");
    let by_month = "from=2026-10-01&to=2026-11-30&as_of=2026-12-05&group_by=month";
    let report = check(&app, by_month, |which, key| {
        let (year, month) = key.split_once('-').unwrap();
        let index = year.parse::<i32>().unwrap() * 12 + month.parse::<i32>().unwrap() - 1;
        let moved = index - if which == "previous" { 2 } else { 12 };
        format!("{:04}-{:02}", moved / 12, moved % 12 + 1)
    })
    .await;
    let november = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "2026-11")
        .unwrap();
    assert_eq!(
        november["last_year"]["bulletin"]["projects_signed"], 1,
        "C3, November 2025"
    );
    check(
        &app,
        "from=2026-01-01&to=2026-12-05&as_of=2026-12-05&group_by=quarter",
        |which, key| {
            let (year, q) = key.split_once("-Q").unwrap();
            match which {
                "last_year" => format!("{}-Q{q}", year.parse::<i32>().unwrap() - 1),
                // 339 days back from 1 January: the previous period starts 2025-01-27.
                _ => {
                    let index = year.parse::<i32>().unwrap() * 4 + q.parse::<i32>().unwrap() - 1 - 4;
                    format!("{}-Q{}", index / 4, index % 4 + 1)
                }
            }
        },
    )
    .await;
    check(
        &app,
        &format!("{month}&sign_basis=target&funds_basis=target&group_by=team"),
        same_key,
    )
    .await;

    // ELEVATOR's group: its own team a month and a year earlier.
    let elevator = app.reference_id("teams", ELEVATOR).await.to_string();
    let by_team = get_ok(&app, &format!("/api/v1/kpis?{month}&group_by=team&compare=true")).await;
    let group = by_team["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == elevator.as_str())
        .unwrap();
    assert_eq!(group["last_year"]["bulletin"]["projects_signed"], 1);
    assert_eq!(group["last_year"]["bulletin"]["funds_arrived"], "300.0000");

    // The target basis cannot compare with a period spanning two years.
    let refused = app
        .get("/api/v1/kpis?from=2026-02-01&to=2026-06-30&as_of=2026-12-05&sign_basis=target&compare=true")
        .await
        .expect(422);
    assert_eq!(refused["details"][0]["field"], "compare", "{refused}");
}
