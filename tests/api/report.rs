//! The leadership report, read back with calamine: its figures are the KPI endpoints' for the
//! same parameters, sheet by sheet, and it carries its charts.

use std::io::Read;

use calamine::{Data, DataType, Reader, Xlsx};
use serde_json::Value;

use crate::exports::download;
use crate::helpers::TestApp;

fn cell(range: &calamine::Range<Data>, row: u32, col: u32) -> Data {
    range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// The cover's headline rates, numerators and denominators are those of `kpis`' overall set
/// (amounts in 万元 rounded to the reports' two decimals).
fn assert_cover_shows(cover: &calamine::Range<Data>, kpis: &Value) {
    for (name, key) in [
        ("项目签约率", "sign_rate"),
        ("资金到位率", "funds_arrival_rate"),
        ("投产达效率", "production_effectiveness_rate"),
        ("投产率", "production_rate"),
        ("达效率", "effectiveness_rate"),
    ] {
        let row = (0..cover.height() as u32)
            .find(|r| cell(cover, *r, 0) == name)
            .unwrap_or_else(|| panic!("the cover's table lists {name}"));
        let rate = &kpis["overall"][key];
        let two_decimals = |v: f64| (v * 100.0).round() / 100.0;
        assert_eq!(
            cell(cover, row, 3).as_f64(),
            Some(two_decimals(number(&rate["numerator"]))),
            "{key} numerator"
        );
        assert_eq!(
            cell(cover, row, 5).as_f64(),
            Some(two_decimals(number(&rate["denominator"]))),
            "{key} denominator"
        );
        match rate["rate"].as_f64() {
            Some(expected) => assert!(
                (cell(cover, row, 1).as_f64().unwrap() - expected).abs() < 1e-9,
                "{key} rate"
            ),
            None => assert_eq!(cell(cover, row, 1).to_string(), "—"),
        }
    }
}

#[tokio::test]
async fn a_team_report_shows_the_team_figures_and_projects() {
    let app = TestApp::spawn().await;
    let today = zhaoshang::domain::today();
    zhaoshang::service::demo::load(&app.db, today).await.unwrap();
    let from = today - chrono::Days::new(365);
    let league = app
        .get(&format!("/api/v1/league?from={from}&to={today}&as_of={today}"))
        .await
        .expect(200);
    let team_id = league["teams"][0]["team_id"].as_i64().unwrap();
    let query = format!("from={from}&to={today}&as_of={today}&team_id={team_id}");
    let (status, _, _, bytes) = download(&app, &app.token, &format!("/api/v1/reports/kpi?{query}")).await;
    assert_eq!(status, 200);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();

    let team = app.get(&format!("/api/v1/kpis?{query}")).await.expect(200);
    let district = app
        .get(&format!("/api/v1/kpis?from={from}&to={today}&as_of={today}"))
        .await
        .expect(200);
    assert_ne!(
        team["overall"]["sign_rate"]["denominator"], district["overall"]["sign_rate"]["denominator"],
        "the demo team is a part of the district"
    );
    assert_cover_shows(&book.worksheet_range("概览").unwrap(), &team);
    let sheet = book.worksheet_range("签约率明细").unwrap();
    assert_eq!(
        sheet.height() as f64 - 1.0,
        number(&team["overall"]["sign_rate"]["denominator"])
    );
    let lights = app
        .get(&format!(
            "/api/v1/warnings?as_of={today}&team_id={team_id}&per_page=200"
        ))
        .await
        .expect(200);
    let sheet = book.worksheet_range("预警项目").unwrap();
    assert_eq!(
        sheet.height() as u64 - 1,
        lights["red"].as_u64().unwrap() + lights["yellow"].as_u64().unwrap()
    );
}

#[tokio::test]
async fn the_report_shows_the_kpi_endpoints_figures() {
    let app = TestApp::spawn().await;
    let today = zhaoshang::domain::today();
    zhaoshang::service::demo::load(&app.db, today).await.unwrap();
    let from = today - chrono::Days::new(365);
    let query = format!("from={from}&to={today}&as_of={today}");

    let (status, _, disposition, bytes) = download(&app, &app.token, &format!("/api/v1/reports/kpi?{query}")).await;
    assert_eq!(status, 200);
    let disposition = disposition.unwrap();
    assert!(
        disposition.contains(&format!("kpi-report_{today}.xlsx")),
        "{disposition}"
    );
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "概览",
            "赛马榜",
            "月度趋势",
            "预警项目",
            "签约率明细",
            "资金到位率明细",
            "投产达效率明细"
        ]
    );

    // Cover: each headline rate, numerator and denominator equal the KPI endpoint's.
    let kpis = app.get(&format!("/api/v1/kpis?{query}")).await.expect(200);
    let cover = book.worksheet_range("概览").unwrap();
    assert_cover_shows(&cover, &kpis);
    assert!(
        cover
            .get_value((1, 0))
            .unwrap()
            .to_string()
            .contains(&today.to_string())
    );

    // League: the teams in the endpoint's order, with their ranks.
    let league = app.get(&format!("/api/v1/league?{query}")).await.expect(200);
    let sheet = book.worksheet_range("赛马榜").unwrap();
    let entries = league["teams"].as_array().expect("league teams");
    assert_eq!(entries.len(), 24);
    for (i, entry) in entries.iter().enumerate() {
        let row = 2 + i as u32;
        assert_eq!(cell(&sheet, row, 2).to_string(), entry["team_name"].as_str().unwrap());
        assert!((cell(&sheet, row, 3).as_f64().unwrap() - entry["score"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(cell(&sheet, row, 0).as_f64(), entry["rank"].as_f64());
    }

    // Warnings: every red and yellow project, red first.
    let lights = app
        .get(&format!("/api/v1/warnings?as_of={today}&per_page=200"))
        .await
        .expect(200);
    let expected = lights["red"].as_u64().unwrap() + lights["yellow"].as_u64().unwrap();
    let sheet = book.worksheet_range("预警项目").unwrap();
    assert_eq!(sheet.height() as u64 - 1, expected);
    if expected > 0 {
        assert_eq!(
            cell(&sheet, 1, 0).to_string(),
            if lights["red"].as_u64().unwrap() > 0 {
                "红"
            } else {
                "黄"
            }
        );
    }

    // Drill-down: as many projects as the rate's denominator counts for the sign rate.
    let sheet = book.worksheet_range("签约率明细").unwrap();
    assert_eq!(
        sheet.height() as f64 - 1.0,
        number(&kpis["overall"]["sign_rate"]["denominator"])
    );

    // Native charts: a bar chart of the rates by team and a line chart of the months.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut charts = String::new();
    for name in ["xl/charts/chart1.xml", "xl/charts/chart2.xml"] {
        zip.by_name(name).unwrap().read_to_string(&mut charts).unwrap();
    }
    assert!(charts.contains("<c:barChart>") && charts.contains("<c:lineChart>"));
}
