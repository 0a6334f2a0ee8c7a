//! Ledger and template downloads: real workbooks, read back with the ledger reader.

use poem::http::Method;
use serde_json::json;
use zhaoshang::excel::ledger::{ReadLimits, read_ledger};

use crate::helpers::TestApp;

/// GETs a download as `token`: its status, content type, content disposition and bytes.
pub async fn download(app: &TestApp, token: &str, path: &str) -> (u16, Option<String>, Option<String>, Vec<u8>) {
    let response = app
        .client
        .get(path)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .0;
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (content_type, disposition) = (header("content-type"), header("content-disposition"));
    let bytes = response.into_body().into_vec().await.unwrap();
    (status, content_type, disposition, bytes)
}

#[tokio::test]
async fn the_ledger_download_reads_back_as_the_projects_are() {
    let app = TestApp::spawn().await;
    let project = app.create_project("DZ-EX-1", "食品加工专班").await;
    let id = project["id"].as_i64().unwrap();
    let cluster = app.reference_id("clusters", "食品及农产品加工").await;
    let park = app.reference_id("parks", "大足高新区").await;
    app.put(
        &format!("/api/v1/projects/{id}"),
        json!({"name": "预制菜项目", "team_id": project["team"]["id"], "investor_id": project["investor"]["id"], "cluster_id": cluster,
               "park_id": park, "sponsoring_leader": "张明", "source": "以商招商", "planned_investment": "12345.6789",
               "land_area": "85.5", "progress": "正在洽谈供地", "version": 1}),
    )
    .await
    .expect(200);
    let path = format!("/api/v1/projects/{id}/transitions");
    app.post(&path, json!({"stage": "negotiating", "date": "2025-02-01"}))
        .await
        .expect(200);
    let contract = json!({"agreement_type": "framework", "signed_on": "2025-03-15", "contracted_investment": "6056",
                          "promised_start_on": "2025-09-01", "promised_production_on": "2026-06-21", "promised_output_value": "4844.8"});
    app.post(&path, json!({"stage": "signed", "contract": contract}))
        .await
        .expect(200);
    for (date, amount, counted) in [
        ("2025-04-01", "300.8", true),
        ("2025-05-01", "2", true),
        ("2025-05-02", "50", false),
        ("2025-11-01", "7", true),
    ] {
        app.post(
            &format!("/api/v1/projects/{id}/fundings"),
            json!({"arrived_on": date, "amount": amount, "kind": "fixed_asset", "counted": counted}),
        )
        .await
        .expect(200);
    }
    app.create_project("DZ-EX-2", "氢能专班").await;

    let (status, content_type, disposition, bytes) =
        download(&app, &app.token, "/api/v1/exports/ledger?as_of=2025-10-31").await;
    assert_eq!(status, 200);
    assert_eq!(
        content_type.as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let disposition = disposition.unwrap();
    assert!(disposition.contains("ledger_2025-10-31.xlsx"), "{disposition}");
    let ledger = read_ledger(&bytes, &ReadLimits::default()).unwrap();
    assert!(ledger.errors.is_empty(), "{:?}", ledger.errors);
    assert_eq!(ledger.as_of, Some("2025-10-31".parse().unwrap()));
    assert_eq!(ledger.rows.len(), 2);
    let row = &ledger
        .rows
        .iter()
        .find(|r| r.values.code.as_deref() == Some("DZ-EX-1"))
        .unwrap()
        .values;
    assert_eq!(row.name.as_deref(), Some("预制菜项目"));
    assert_eq!(row.investor.as_deref(), Some("DZ-EX-1投资有限公司"));
    assert_eq!(row.team.as_deref(), Some("食品加工专班"));
    assert_eq!(row.cluster.as_deref(), Some("食品及农产品加工"));
    assert_eq!(row.park.as_deref(), Some("大足高新区"));
    assert_eq!(row.sponsoring_leader.as_deref(), Some("张明"));
    assert_eq!(row.stage, Some(entity::enums::Stage::Signed));
    assert_eq!(row.planned_investment.unwrap().to_string(), "12345.6789");
    assert_eq!(row.land_area.unwrap().to_string(), "85.50");
    assert_eq!(row.negotiating_since, Some("2025-02-01".parse().unwrap()));
    assert_eq!(row.agreement_type, Some(entity::enums::AgreementType::Framework));
    assert_eq!(row.signed_on, Some("2025-03-15".parse().unwrap()));
    assert_eq!(row.contracted_investment.unwrap().to_string(), "6056.0000");
    // Counted funds up to the as-of date: 300.8 + 2 (the 50 is not counted; the 7 came later).
    assert_eq!(row.funds_cumulative.unwrap().to_string(), "302.8000");
    assert_eq!(row.funds_this_year.unwrap().to_string(), "302.8000");
    // A year on, all of it arrived in an earlier year: 本年 is nothing, 累计 everything counted.
    let (_, _, _, next_year) = download(&app, &app.token, "/api/v1/exports/ledger?as_of=2026-01-31").await;
    let next_year = read_ledger(&next_year, &ReadLimits::default()).unwrap();
    let later = &next_year
        .rows
        .iter()
        .find(|r| r.values.code.as_deref() == Some("DZ-EX-1"))
        .unwrap()
        .values;
    assert_eq!(later.funds_cumulative.unwrap().to_string(), "309.8000");
    assert_eq!(later.funds_this_year.unwrap(), rust_decimal::Decimal::ZERO);
    assert_eq!(row.promised_production, Some("2026-06-21".parse().unwrap()));
    assert_eq!(row.promised_output.unwrap().to_string(), "4844.8000");
    assert_eq!(row.progress.as_deref(), Some("正在洽谈供地"));
    let lead = &ledger
        .rows
        .iter()
        .find(|r| r.values.code.as_deref() == Some("DZ-EX-2"))
        .unwrap()
        .values;
    assert_eq!(lead.stage, Some(entity::enums::Stage::Lead));
    assert_eq!(lead.funds_cumulative, None);

    // Filters and English headers.
    let team = app.reference_id("teams", "氢能专班").await;
    let (_, _, _, bytes) = download(
        &app,
        &app.token,
        &format!("/api/v1/exports/ledger?team_id={team}&lang=en"),
    )
    .await;
    let ledger = read_ledger(&bytes, &ReadLimits::default()).unwrap();
    assert_eq!(ledger.rows.len(), 1);
    assert_eq!(ledger.rows[0].values.code.as_deref(), Some("DZ-EX-2"));
    assert!(
        ledger.sheets[0]
            .columns
            .iter()
            .any(|c| c.header == "contracted_investment")
    );

    // A member downloads their own team's ledger only; the future is refused.
    let member = app.token_for("member_x", "member", Some("氢能专班")).await;
    let (_, _, _, bytes) = download(&app, &member, "/api/v1/exports/ledger").await;
    assert_eq!(read_ledger(&bytes, &ReadLimits::default()).unwrap().rows.len(), 1);
    let body = app
        .send_as(
            Some(&app.token),
            Method::GET,
            "/api/v1/exports/ledger?as_of=2999-01-01",
            None,
        )
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "as_of");
}

#[tokio::test]
async fn the_template_offers_the_live_reference_data() {
    let app = TestApp::spawn().await;
    app.post("/api/v1/parks", json!({"name": "新设园区"})).await.expect(200);
    let (status, _, disposition, bytes) = download(&app, &app.token, "/api/v1/exports/template").await;
    assert_eq!(status, 200);
    assert!(disposition.unwrap().contains("ledger-template_"));
    let ledger = read_ledger(&bytes, &ReadLimits::default()).unwrap();
    assert!(ledger.rows.is_empty());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/sharedStrings.xml").unwrap(), &mut strings).unwrap();
    for expected in [
        "新设园区",
        "智能电梯专班",
        "智能电梯及特种设备",
        "框架协议",
        "达产达效",
        "填表说明",
    ] {
        assert!(strings.contains(expected), "the template lacks {expected}");
    }
}
