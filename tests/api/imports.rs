//! Ledger imports through the API (multipart and raw body) and the CLI: the sample ledger
//! against its truth file, re-imports, next month's version, rejected files that store
//! nothing, the options, the limits, and the history.

use poem::test::{TestForm, TestFormField};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ledger_sample.xlsx");
const TRUTH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ledger_sample.truth.json");

/// Every table an import may write to.
const TABLES: [&str; 9] = [
    "projects",
    "investors",
    "contracts",
    "fundings",
    "stage_history",
    "teams",
    "clusters",
    "parks",
    "users",
];

async fn read_reply(response: poem::test::TestResponse) -> Reply {
    let response = response.0;
    let status = response.status();
    let bytes = response.into_body().into_vec().await.expect("read body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply { status, body }
}

/// Uploads `bytes` as the multipart `file` part, with `query` (e.g. "?dry_run=true").
async fn upload(app: &TestApp, query: &str, file_name: &str, bytes: Vec<u8>) -> Reply {
    let form = TestForm::new().field(TestFormField::bytes(bytes).name("file").filename(file_name));
    let response = app
        .client
        .post(format!("/api/v1/imports{query}"))
        .header("Authorization", format!("Bearer {}", app.token))
        .multipart(form)
        .send()
        .await;
    read_reply(response).await
}

fn sample() -> Vec<u8> {
    std::fs::read(SAMPLE).expect("sample ledger")
}

async fn counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push((table, app.count(table).await));
    }
    out
}

/// The project a report's change names, by code.
fn project_id(report: &Value, code: &str) -> i64 {
    report["changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|c| c["project_code"] == code))
        .and_then(|c| c["project_id"].as_i64())
        .unwrap_or_else(|| panic!("no change for {code} in {report:#}"))
}

/// The headers of the ledgers these tests build, in column order (A = 序号).
const HEADERS: [&str; 18] = [
    "序号",
    "项目编号",
    "项目名称",
    "投资方",
    "统一社会信用代码",
    "产业集群",
    "落地园区",
    "招商专班",
    "包保领导",
    "项目阶段",
    "洽谈时间",
    "协议类型",
    "签约时间",
    "合同投资额（万元）",
    "本年到位资金",
    "累计到位资金",
    "约定开工时间",
    "实际开工时间",
];

/// A ledger as teams write them: a merged title, the as-of line, the header, the rows
/// (header → text), a total row and a note.
fn ledger(as_of: &str, rows: &[Vec<(&str, &str)>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("招商项目台账").expect("name");
    sheet
        .merge_range(0, 0, 0, 17, "大足区招商引资项目台账", &rust_xlsxwriter::Format::new())
        .expect("title");
    sheet
        .write_string(1, 0, format!("填报单位：区投资促进中心　统计截至：{as_of}　单位：万元"))
        .expect("as-of line");
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string(2, col as u16, *header).expect("header");
    }
    for (at, row) in rows.iter().enumerate() {
        let r = 3 + at as u32;
        sheet.write_number(r, 0, (at + 1) as f64).expect("number");
        for (header, value) in row {
            let col = HEADERS.iter().position(|h| h == header).expect("known header");
            if !value.is_empty() {
                sheet.write_string(r, col as u16, *value).expect("cell");
            }
        }
    }
    let end = 3 + rows.len() as u32;
    sheet.write_string(end, 1, "合计").expect("total");
    sheet.write_string(end + 1, 1, "注：金额单位为万元").expect("note");
    workbook.save_to_buffer().expect("saved")
}

/// A signed project row of team 五金刀具专班.
fn signed_row<'a>(code: &'a str, name: &'a str, signed_on: &'a str, cumulative: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("项目编号", code),
        ("项目名称", name),
        ("投资方", "重庆龙水五金有限公司"),
        ("产业集群", "现代五金"),
        ("落地园区", "龙水五金产业园"),
        ("招商专班", "五金刀具专班"),
        ("包保领导", "张明"),
        ("项目阶段", "已签约"),
        ("洽谈时间", "2025-03-01"),
        ("协议类型", "正式合同"),
        ("签约时间", signed_on),
        ("合同投资额（万元）", "5000"),
        ("累计到位资金", cumulative),
        ("约定开工时间", "2025-12-01"),
    ]
}

#[tokio::test]
async fn the_sample_ledger_imports_as_its_truth_says_and_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let report = upload(&app, "", "ledger_sample.xlsx", sample()).await.expect(200);
    assert_eq!(report["status"], "imported");
    assert_eq!(report["as_of"], "2025-10-31");
    assert_eq!(
        (report["created"].as_i64(), report["updated"].as_i64()),
        (Some(30), Some(0))
    );
    assert_eq!(report["unchanged"], 0);
    assert_eq!(report["rows_read"], 34);
    assert_eq!(report["errors"], json!([]));
    let skipped: Vec<(i64, &str)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["row"].as_i64().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(skipped, vec![(12, "blank"), (36, "total"), (37, "blank"), (38, "note")]);
    assert_eq!(report["sheets"][0]["name"], "招商项目台账");
    assert_eq!(app.count("projects").await, 30);

    let truth: Value = serde_json::from_str(&std::fs::read_to_string(TRUTH).unwrap()).unwrap();
    let import_id = report["id"].as_i64().unwrap();
    for expected in truth["projects"].as_array().unwrap() {
        let code = expected["code"].as_str().unwrap();
        let id = project_id(&report, code);
        let p = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
        let ctx = format!("{code}: {p:#}");
        assert_eq!(p["code"], code, "{ctx}");
        assert_eq!(p["name"], expected["name"], "{ctx}");
        assert_eq!(p["stage"], expected["stage"], "{ctx}");
        assert_eq!(p["investor"]["name"], expected["investor"], "{ctx}");
        assert_eq!(p["investor"]["credit_code"], expected["credit_code"], "{ctx}");
        assert_eq!(p["team"]["name"], expected["team"], "{ctx}");
        assert_eq!(p["cluster"]["name"], expected["cluster"], "{ctx}");
        assert_eq!(p["park"]["name"], expected["park"], "{ctx}");
        assert_eq!(p["sponsoring_leader"], expected["leader"], "{ctx}");
        let dates = &p["stage_dates"];
        assert_eq!(dates["negotiating_on"], expected["negotiating_since"], "{ctx}");
        assert_eq!(dates["signed_on"], expected["signed_on"], "{ctx}");
        assert_eq!(dates["started_on"], expected["actual_start"], "{ctx}");
        assert_eq!(dates["producing_on"], expected["actual_production"], "{ctx}");
        assert_eq!(dates["effective_on"], expected["effective_on"], "{ctx}");
        if expected["terminated"] == true {
            assert_eq!(dates["terminated_on"], "2025-10-31", "{ctx}");
        } else {
            assert_eq!(dates["terminated_on"], Value::Null, "{ctx}");
        }
        let contract = &p["contract"];
        if expected["signed_on"].is_null() {
            assert_eq!(*contract, Value::Null, "{ctx}");
        } else {
            assert_eq!(contract["agreement_type"], expected["agreement_type"], "{ctx}");
            assert_eq!(contract["signed_on"], expected["signed_on"], "{ctx}");
            assert_eq!(
                contract["contracted_investment"], expected["contracted_investment"],
                "{ctx}"
            );
            assert_eq!(contract["promised_start_on"], expected["promised_start"], "{ctx}");
            assert_eq!(
                contract["promised_production_on"], expected["promised_production"],
                "{ctx}"
            );
            assert_eq!(contract["promised_output_value"], expected["promised_output"], "{ctx}");
        }
        let cumulative = expected["funds_cumulative"].as_str().unwrap_or("0.0000");
        assert_eq!(p["funds_counted"], cumulative, "{ctx}");
        // 本年到位: the payments dated in 2025 add up to it; earlier money sits on 2024-12-31.
        let fundings = app.get(&format!("/api/v1/projects/{id}/fundings")).await.expect(200);
        let this_year: rust_decimal::Decimal = fundings
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["arrived_on"].as_str().unwrap() >= "2025-01-01")
            .map(|f| f["amount"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
            .sum();
        let expected_this_year = expected["funds_this_year"].as_str().unwrap_or("0");
        assert_eq!(this_year, expected_this_year.parse().unwrap(), "{ctx}");
        for f in fundings.as_array().unwrap() {
            assert_eq!(f["note"], format!("ledger import #{import_id}"), "{ctx}");
            assert_eq!(
                (f["kind"].as_str(), f["counted"].as_bool()),
                (Some("other"), Some(true))
            );
        }
        let history = app.get(&format!("/api/v1/projects/{id}/history")).await.expect(200);
        for entry in history.as_array().unwrap() {
            let reason = entry["reason"].as_str().unwrap();
            assert!(
                reason.starts_with(&format!("ledger import #{import_id}")),
                "{ctx}: {reason}"
            );
        }
    }

    // The same file again: nothing changes.
    let before = counts(&app).await;
    let again = upload(&app, "", "ledger_sample.xlsx", sample()).await.expect(200);
    assert_eq!(again["status"], "imported");
    assert_eq!(
        (
            again["created"].as_i64(),
            again["updated"].as_i64(),
            again["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(30))
    );
    assert_eq!(again["changes"], json!([]));
    assert_eq!(
        (again["payments_added"].as_i64(), again["stage_moves"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn next_months_ledger_updates_the_same_projects_in_place() {
    let app = TestApp::spawn().await;
    let october = ledger(
        "2025年10月31日",
        &[
            signed_row("WJ001", "龙水刀具扩产项目", "2025-06-01", "1000"),
            signed_row("WJ002", "龙水锁具项目", "2025-07-01", "800"),
        ],
    );
    let first = upload(&app, "", "ledger-2025-10.xlsx", october).await.expect(200);
    assert_eq!(first["created"], 2);
    let id = project_id(&first, "WJ001");
    let projects_before = app.count("projects").await;
    let fundings_before = app.count("fundings").await;

    let mut started = signed_row("WJ001", "龙水刀具扩产项目", "2025-06-01", "1500");
    started.retain(|(h, _)| *h != "项目阶段");
    started.push(("项目阶段", "已开工"));
    started.push(("实际开工时间", "2025-11-05"));
    started.push(("本年到位资金", "1500"));
    let november = ledger(
        "2025年11月30日",
        &[started, signed_row("WJ002", "龙水锁具项目", "2025-07-01", "800")],
    );
    let second = upload(&app, "", "ledger-2025-11.xlsx", november).await.expect(200);
    let n = second["id"].as_i64().unwrap();
    assert_eq!(second["as_of"], "2025-11-30");
    assert_eq!(
        (
            second["created"].as_i64(),
            second["updated"].as_i64(),
            second["unchanged"].as_i64()
        ),
        (Some(0), Some(1), Some(1))
    );
    assert_eq!(second["changes"][0]["project_id"], id);
    assert_eq!(app.count("projects").await, projects_before, "no twins");
    assert_eq!(
        app.count("fundings").await,
        fundings_before + 1,
        "one payment for the difference"
    );

    let p = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(p["stage"], "started");
    assert_eq!(p["stage_dates"]["started_on"], "2025-11-05");
    assert_eq!(p["funds_counted"], "1500.0000");
    let fundings = app.get(&format!("/api/v1/projects/{id}/fundings")).await.expect(200);
    let added = fundings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["note"] == format!("ledger import #{n}"))
        .expect("the payment of the second import");
    assert_eq!(
        (added["amount"].as_str(), added["arrived_on"].as_str()),
        (Some("500.0000"), Some("2025-11-30"))
    );
    let history = app.get(&format!("/api/v1/projects/{id}/history")).await.expect(200);
    let last = history.as_array().unwrap().last().unwrap();
    assert_eq!(
        (last["from_stage"].as_str(), last["to_stage"].as_str()),
        (Some("signed"), Some("started"))
    );
    assert_eq!(last["reason"], format!("ledger import #{n}"));
    assert_eq!(last["effective_on"], "2025-11-05");
}

#[tokio::test]
async fn one_bad_cell_rejects_the_file_and_stores_nothing_and_a_dry_run_reports_the_same() {
    let app = TestApp::spawn().await;
    let mut rows: Vec<Vec<(&str, &str)>> = Vec::new();
    let codes: Vec<String> = (1..=40).map(|n| format!("WJ{n:03}")).collect();
    let names: Vec<String> = (1..=40).map(|n| format!("五金项目{n}")).collect();
    for (code, name) in codes.iter().zip(&names) {
        rows.push(signed_row(code, name, "2025-06-01", "100"));
    }
    let good = ledger("2025年10月31日", &rows);
    // Row 12 of the sheet is the tenth project (the header is row 3).
    rows[8].retain(|(h, _)| *h != "签约时间");
    rows[8].push(("签约时间", "2025.13.01"));
    let bad = ledger("2025年10月31日", &rows);

    let before = counts(&app).await;
    let rejected = upload(&app, "", "bad.xlsx", bad.clone()).await.expect(422);
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["code"], "invalid_rows");
    let errors = rejected["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{rejected:#}");
    assert_eq!(errors[0]["message"], "第12行 M列 签约时间: 无法识别的日期 '2025.13.01'");
    assert_eq!(
        (
            errors[0]["row"].as_i64(),
            errors[0]["column"].as_str(),
            errors[0]["code"].as_str()
        ),
        (Some(12), Some("M"), Some("invalid_date"))
    );
    assert_eq!(errors[0]["header"], "签约时间");
    assert_eq!(counts(&app).await, before, "nothing stored");

    // A dry run of the bad file is rejected the same way; of the good one, reports what a
    // real run does, and stores nothing.
    let dry_bad = upload(&app, "?dry_run=true", "bad.xlsx", bad).await.expect(422);
    assert_eq!(dry_bad["errors"], rejected["errors"]);
    let dry = upload(&app, "?dry_run=true", "good.xlsx", good.clone())
        .await
        .expect(200);
    assert_eq!(dry["status"], "dry_run");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(counts(&app).await, before, "a dry run stores nothing");
    let real = upload(&app, "", "good.xlsx", good).await.expect(200);
    for key in [
        "created",
        "updated",
        "unchanged",
        "rows_read",
        "stage_moves",
        "payments_added",
        "payments_total",
    ] {
        assert_eq!(dry[key], real[key], "{key}");
    }
    assert_eq!(real["created"], 40);
    assert_eq!(app.count("projects").await, 40);

    // The history lists every attempt, newest first, with its report.
    let history = app.get("/api/v1/imports").await.expect(200);
    assert_eq!(history["total"], 4);
    let items = history["items"].as_array().unwrap();
    let seen: Vec<(&str, bool, &str)> = items
        .iter()
        .map(|i| {
            (
                i["status"].as_str().unwrap(),
                i["dry_run"].as_bool().unwrap(),
                i["file_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("imported", false, "good.xlsx"),
            ("dry_run", true, "good.xlsx"),
            ("rejected", true, "bad.xlsx"),
            ("rejected", false, "bad.xlsx"),
        ]
    );
    assert_eq!(items[0]["created"], 40);
    assert_eq!(items[3]["errors"], 1);
    assert_eq!(items[0]["username"], "admin");
    let first = app
        .get(&format!("/api/v1/imports/{}", items[3]["id"]))
        .await
        .expect(200);
    assert_eq!(first["report"]["errors"], rejected["errors"]);
    assert_eq!(first["report"]["id"], items[3]["id"]);
    assert_eq!(first["id"], items[3]["id"]);
    app.get("/api/v1/imports/999999").await.expect(404);
}
