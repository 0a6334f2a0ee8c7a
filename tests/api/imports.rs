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
    Reply::read(response).await
}

/// Uploads `bytes` as the multipart `file` part, with `query` (e.g. "?dry_run=true").
pub async fn upload(app: &TestApp, query: &str, file_name: &str, bytes: Vec<u8>) -> Reply {
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

pub fn sample() -> Vec<u8> {
    std::fs::read(SAMPLE).expect("sample ledger")
}

pub async fn counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push((table, app.count(table).await));
    }
    out
}

/// What a bulk load that does not commit must leave as it found: the rows of every table, the
/// indexes and the foreign keys (set aside during the load).
async fn rows_indexes_and_keys(app: &TestApp) -> (Vec<(&'static str, i64)>, Vec<String>, Vec<String>) {
    (counts(app).await, app.indexes().await, app.foreign_keys().await)
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
const HEADERS: [&str; 19] = [
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
    "责任人",
];

/// A ledger as teams write them: a merged title, the as-of line, the header, the rows
/// (header → text), a total row and a note.
pub fn ledger(as_of: &str, rows: &[Vec<(&str, &str)>]) -> Vec<u8> {
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
pub fn signed_row<'a>(
    code: &'a str,
    name: &'a str,
    signed_on: &'a str,
    cumulative: &'a str,
) -> Vec<(&'a str, &'a str)> {
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
    assert_eq!(rejected["report"]["status"], "rejected");
    assert_eq!(rejected["code"], "invalid_rows");
    let errors = rejected["report"]["errors"].as_array().unwrap();
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
    // The answer has the API's one error shape: each faulty cell is a detail.
    let sheet = errors[0]["sheet"].as_str().unwrap();
    assert_eq!(
        rejected["details"],
        json!([{"field": format!("{sheet}!M12"), "message": errors[0]["message"]}])
    );
    assert_eq!(counts(&app).await, before, "nothing stored");

    // A dry run of the bad file is rejected the same way; of the good one, reports what a
    // real run does, and stores nothing.
    let dry_bad = upload(&app, "?dry_run=true", "bad.xlsx", bad).await.expect(422);
    assert_eq!(dry_bad["report"]["errors"], rejected["report"]["errors"]);
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
    assert_eq!(first["report"]["errors"], rejected["report"]["errors"]);
    assert_eq!(first["report"]["id"], items[3]["id"]);
    assert_eq!(first["id"], items[3]["id"]);
    app.get("/api/v1/imports/999999").await.expect(404);
}

/// Replaces (or adds) the cell under `header` in `row`.
fn with<'a>(mut row: Vec<(&'a str, &'a str)>, header: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    row.retain(|(h, _)| *h != header);
    row.push((header, value));
    row
}

#[tokio::test]
async fn unknown_teams_are_errors_unless_create_missing() {
    let app = TestApp::spawn().await;
    let row = with(
        signed_row("QN001", "氢能重卡项目", "2025-06-01", ""),
        "招商专班",
        "氢能源汽车专班",
    );
    let file = ledger("2025年10月31日", &[row]);
    let before = counts(&app).await;
    let rejected = upload(&app, "", "teams.xlsx", file.clone()).await.expect(422);
    let error = &rejected["report"]["errors"][0];
    assert_eq!(
        (error["code"].as_str(), error["column"].as_str()),
        (Some("unknown_team"), Some("H"))
    );
    assert_eq!(error["value"], "氢能源汽车专班");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("第4行 H列 招商专班: 系统中没有这个专班")
    );
    assert_eq!(counts(&app).await, before);

    let imported = upload(&app, "?create_missing=true", "teams.xlsx", file)
        .await
        .expect(200);
    assert_eq!(
        imported["references_created"],
        json!([{"kind": "team", "name": "氢能源汽车专班"}])
    );
    let id = project_id(&imported, "QN001");
    let p = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(p["team"]["name"], "氢能源汽车专班");
    let team_id = app.reference_id("teams", "氢能源汽车专班").await;
    let team = app.get(&format!("/api/v1/teams/{team_id}")).await.expect(200);
    assert_eq!(team["cluster_id"], app.reference_id("clusters", "现代五金").await);
}

#[tokio::test]
async fn owners_are_found_by_username_or_by_a_name_only_one_user_has() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for (username, display_name, archived) in [
        ("wanglei", "王磊", false),
        ("wanglei2", "王磊", false),
        ("lina", "李娜", false),
        ("lina-old", "李娜", true),
    ] {
        let user = app
            .post(
                "/api/v1/users",
                json!({"username": username, "display_name": display_name, "role": "leader", "archived": archived}),
            )
            .await
            .expect(200);
        ids.push(user["id"].as_i64().unwrap());
    }
    let rows = [
        with(signed_row("ZR001", "刀具一期", "2025-06-01", ""), "责任人", "王磊"),
        with(signed_row("ZR002", "刀具二期", "2025-06-01", ""), "责任人", "wanglei2"),
        with(signed_row("ZR003", "刀具三期", "2025-06-01", ""), "责任人", "李娜"),
    ];
    let imported = upload(&app, "", "owners.xlsx", ledger("2025年10月31日", &rows))
        .await
        .expect(200);
    let warnings: Vec<(&str, &str)> = imported["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["column"] == "S")
        .map(|w| (w["code"].as_str().unwrap(), w["value"].as_str().unwrap()))
        .collect();
    assert_eq!(warnings, [("ambiguous_owner", "王磊")]);
    let owner = |code: &str| {
        let id = project_id(&imported, code);
        let app = &app;
        async move { app.get(&format!("/api/v1/projects/{id}")).await.expect(200)["owner_id"].clone() }
    };
    assert_eq!(owner("ZR001").await, Value::Null, "two users are called 王磊");
    assert_eq!(owner("ZR002").await, json!(ids[1]), "a username names its user");
    assert_eq!(owner("ZR003").await, json!(ids[2]), "the other 李娜 is archived");
}

#[tokio::test]
async fn moving_back_is_an_error_unless_allow_backward() {
    let app = TestApp::spawn().await;
    let started = with(
        with(signed_row("WJ001", "刀具项目", "2025-06-01", "100"), "项目阶段", "在建"),
        "实际开工时间",
        "2025-08-01",
    );
    let first = upload(&app, "", "october.xlsx", ledger("2025年10月31日", &[started]))
        .await
        .expect(200);
    let id = project_id(&first, "WJ001");
    let p = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(
        (p["stage"].as_str(), p["stage_dates"]["started_on"].as_str()),
        (Some("started"), Some("2025-08-01"))
    );

    let back = vec![
        ("项目编号", "WJ001"),
        ("项目名称", "刀具项目"),
        ("招商专班", "五金刀具专班"),
        ("项目阶段", "洽谈中"),
        ("洽谈时间", "2025-03-01"),
    ];
    let file = ledger("2025年11月30日", &[back]);
    let history_before = app.count("stage_history").await;
    let rejected = upload(&app, "", "november.xlsx", file.clone()).await.expect(422);
    let error = &rejected["report"]["errors"][0];
    assert_eq!(
        (error["code"].as_str(), error["column"].as_str()),
        (Some("backward_move"), Some("J"))
    );
    assert_eq!(
        error["message"],
        "第4行 J列 项目阶段: 阶段倒退：系统中为开工，台账为在谈；如确需倒退请使用 allow_backward 选项 '在谈'"
    );
    assert_eq!(app.count("stage_history").await, history_before);

    let moved = upload(&app, "?allow_backward=true", "november.xlsx", file)
        .await
        .expect(200);
    let n = moved["id"].as_i64().unwrap();
    let p = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(p["stage"], "negotiating");
    assert_eq!(
        (
            p["stage_dates"]["signed_on"].as_str(),
            p["stage_dates"]["started_on"].as_str()
        ),
        (None, None)
    );
    let history = app.get(&format!("/api/v1/projects/{id}/history")).await.expect(200);
    let last = history.as_array().unwrap().last().unwrap();
    assert_eq!(
        (last["from_stage"].as_str(), last["to_stage"].as_str()),
        (Some("started"), Some("negotiating"))
    );
    assert_eq!(last["reason"], format!("ledger import #{n}"));
    assert_eq!(last["effective_on"], "2025-11-30");
}

#[tokio::test]
async fn funds_below_what_is_recorded_are_an_error_and_a_missing_stage_date_too() {
    let app = TestApp::spawn().await;
    let first = upload(
        &app,
        "",
        "october.xlsx",
        ledger(
            "2025年10月31日",
            &[signed_row("WJ001", "刀具项目", "2025-06-01", "1000")],
        ),
    )
    .await
    .expect(200);
    assert_eq!(first["payments_total"], "1000.0000");

    let lower = signed_row("WJ001", "刀具项目", "2025-06-01", "800");
    let no_start_date = with(signed_row("WJ002", "锁具项目", "2025-06-01", ""), "项目阶段", "在建");
    let before = counts(&app).await;
    let rejected = upload(
        &app,
        "",
        "november.xlsx",
        ledger("2025年11月30日", &[lower, no_start_date]),
    )
    .await
    .expect(422);
    let messages: Vec<&str> = rejected["report"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        vec![
            "第4行 P列 累计到位资金: 累计到位资金低于系统已记录的计入考核到位资金（截至2025-11-30共1000.0000万元） '800.0000'",
            "第5行 R列 实际开工时间: 项目阶段为开工，缺少实际开工时间（签约后的每个阶段都需要日期）",
        ]
    );
    assert_eq!(rejected["report"]["errors"][0]["code"], "funds_below_recorded");
    assert_eq!(rejected["report"]["errors"][1]["code"], "missing_date");
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn files_that_are_not_ledgers_get_a_clear_error() {
    let app = TestApp::spawn().await;
    let csv = "项目名称,投资方\n刀具项目,重庆龙水五金有限公司\n".as_bytes().to_vec();
    let report = upload(&app, "", "ledger.xlsx", csv).await.expect(422);
    assert_eq!(report["code"], "not_xlsx");
    assert!(report["message"].as_str().unwrap().contains("CSV"), "{report:#}");

    let mut truncated = sample();
    truncated.truncate(truncated.len() / 2);
    let report = upload(&app, "", "ledger.xlsx", truncated).await.expect(422);
    assert_eq!(report["code"], "not_xlsx");

    let xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    let report = upload(&app, "", "ledger.xls", xls).await.expect(422);
    assert!(report["message"].as_str().unwrap().contains(".xls"), "{report:#}");

    // A workbook without a ledger sheet.
    let mut workbook = Workbook::new();
    workbook.add_worksheet().write_string(0, 0, "会议纪要").unwrap();
    let report = upload(&app, "", "notes.xlsx", workbook.save_to_buffer().unwrap())
        .await
        .expect(422);
    assert_eq!(report["code"], "no_ledger_sheet");

    // Rejected attempts are in the history.
    let history = app.get("/api/v1/imports").await.expect(200);
    assert_eq!(history["total"], 4);
    assert_eq!(history["items"][0]["status"], "rejected");
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused_with_413_and_others_keep_the_small_limit() {
    let app = TestApp::spawn().await;
    let huge = vec![b'x'; 21 * 1024 * 1024];
    let reply = upload(&app, "", "huge.xlsx", huge).await.expect(413);
    assert_eq!(reply["code"], "too_large");
    // Other routes keep their 1 MiB limit.
    let big_json = json!({"name": "x".repeat(2 * 1024 * 1024)});
    let reply = app.post("/api/v1/investors", big_json).await.expect(413);
    assert_eq!(reply["code"], "too_large");
    // The server still answers.
    app.get("/api/v1/imports").await.expect(200);
}

#[tokio::test]
async fn the_octet_stream_twin_imports_the_same_way() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post("/api/v1/imports/binary")
        .query("file_name", &"ledger_sample.xlsx")
        .query("dry_run", &true)
        .header("Authorization", format!("Bearer {}", app.token))
        .content_type("application/octet-stream")
        .body(sample())
        .send()
        .await;
    let report = read_reply(response).await.expect(200);
    assert_eq!(
        (report["status"].as_str(), report["created"].as_i64()),
        (Some("dry_run"), Some(30))
    );
    assert_eq!(report["file_name"], "ledger_sample.xlsx");
    assert_eq!(app.count("projects").await, 0);

    let response = app
        .client
        .post("/api/v1/imports/binary")
        .query("file_name", &"ledger_sample.xlsx")
        .header("Authorization", format!("Bearer {}", app.token))
        .content_type("application/octet-stream")
        .body(sample())
        .send()
        .await;
    let report = read_reply(response).await.expect(200);
    assert_eq!(report["status"], "imported");
    assert_eq!(app.count("projects").await, 30);
}

#[tokio::test]
async fn imports_need_a_token_and_leaders_may_not_import() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post("/api/v1/imports/binary")
        .content_type("application/octet-stream")
        .body(sample())
        .send()
        .await;
    read_reply(response).await.expect(401);

    let leader = app
        .post(
            "/api/v1/users",
            json!({"username": "lingdao", "display_name": "区领导", "role": "leader"}),
        )
        .await
        .expect(200);
    let token = app
        .post("/api/v1/tokens", json!({"user_id": leader["id"], "name": "test"}))
        .await
        .expect(200);
    let token = token["token"].as_str().unwrap().to_owned();
    let form = TestForm::new().field(TestFormField::bytes(sample()).name("file").filename("l.xlsx"));
    let response = app
        .client
        .post("/api/v1/imports")
        .header("Authorization", format!("Bearer {token}"))
        .multipart(form)
        .send()
        .await;
    let reply = read_reply(response).await.expect(403);
    assert_eq!(reply["code"], "forbidden");
    assert_eq!(app.count("import_runs").await, 0);
}

#[tokio::test]
async fn the_cli_imports_prints_the_report_and_fails_on_a_rejected_file() {
    let dir = std::env::temp_dir().join(format!("zs-cli-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_zhaoshang"))
            .arg("--database-url")
            .arg(&url)
            .args(args)
            .env("RUST_LOG", "error")
            .output()
            .expect("run zhaoshang")
    };

    let dry = run(&["import", SAMPLE, "--dry-run"]);
    let out = String::from_utf8_lossy(&dry.stdout);
    assert_eq!(
        dry.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(out.contains("试运行完成，未保存：将新建30个项目"), "{out}");
    assert!(
        out.contains("跳过的行（4行）") && out.contains("招商项目台账 第36行: 合计行"),
        "which rows were skipped, and why: {out}"
    );

    let real = run(&["import", SAMPLE]);
    let out = String::from_utf8_lossy(&real.stdout);
    assert_eq!(real.status.code(), Some(0), "{out}");
    assert!(
        out.contains("导入完成：新建30个项目，更新0个，未变0个，跳过4行"),
        "{out}"
    );
    assert!(out.contains("统计截至：2025-10-31"), "{out}");

    let again = run(&["import", SAMPLE]);
    let out = String::from_utf8_lossy(&again.stdout);
    assert!(out.contains("新建0个，更新0个，未变30个"), "{out}");

    let bad = dir.join("bad.xlsx");
    let row = with(
        signed_row("WJ001", "刀具项目", "2025-06-01", ""),
        "签约时间",
        "2025.13.01",
    );
    std::fs::write(&bad, ledger("2025年10月31日", &[row])).unwrap();
    let rejected = run(&["import", bad.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&rejected.stdout);
    assert_eq!(rejected.status.code(), Some(2), "{out}");
    assert!(
        out.contains("第4行 M列 签约时间: 无法识别的日期 '2025.13.01' [invalid_date]"),
        "{out}"
    );
    assert!(out.contains("整个文件未导入"), "{out}");

    let missing = run(&["import", dir.join("none.xlsx").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

/// A district-wide ledger of `rows` projects over the seeded teams, at every stage up to
/// started, 20 columns, in the constant-memory writer.
pub fn big_ledger(rows: usize) -> Vec<u8> {
    const TEAMS: [(&str, &str); 4] = [
        ("五金刀具专班", "现代五金"),
        ("智能电梯专班", "智能电梯及特种设备"),
        ("食品加工专班", "食品及农产品加工"),
        ("再生资源专班", "再生资源及新材料"),
    ];
    let headers = [
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
        "合同投资额",
        "本年到位资金",
        "累计到位资金",
        "约定开工时间",
        "实际开工时间",
        "约定投产时间",
        "项目进展",
    ];
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory().unwrap();
    sheet.write_string(0, 0, "大足区招商引资项目台账").unwrap();
    sheet
        .write_string(1, 0, "统计截至：2025年10月31日　单位：万元")
        .unwrap();
    for (col, h) in headers.iter().enumerate() {
        sheet.write_string(2, col as u16, *h).unwrap();
    }
    for n in 0..rows {
        let r = 3 + n as u32;
        let (team, cluster) = TEAMS[n % TEAMS.len()];
        let stage = ["在谈", "已签约", "已开工"][n % 3];
        sheet.write_number(r, 0, (n + 1) as f64).unwrap();
        sheet.write_string(r, 1, format!("BIG{n:06}")).unwrap();
        sheet.write_string(r, 2, format!("测试项目{n}")).unwrap();
        sheet.write_string(r, 3, format!("测试投资{n}有限公司")).unwrap();
        sheet.write_string(r, 4, format!("91500111{n:010}")).unwrap();
        sheet.write_string(r, 5, cluster).unwrap();
        sheet.write_string(r, 6, "大足高新区").unwrap();
        sheet.write_string(r, 7, team).unwrap();
        sheet.write_string(r, 8, "张明").unwrap();
        sheet.write_string(r, 9, stage).unwrap();
        sheet.write_string(r, 10, "2024-03-15").unwrap();
        if n % 3 > 0 {
            sheet.write_string(r, 11, "正式合同").unwrap();
            sheet.write_string(r, 12, "2024-09-01").unwrap();
            sheet.write_number(r, 13, 5000.0 + (n % 97) as f64).unwrap();
            sheet.write_number(r, 14, 300.5).unwrap();
            sheet.write_number(r, 15, 1000.25).unwrap();
            sheet.write_string(r, 16, "2025-01-01").unwrap();
            sheet.write_string(r, 18, "2026-06-01").unwrap();
        }
        if n % 3 == 2 {
            sheet.write_string(r, 17, "2025-03-01").unwrap();
        }
        sheet.write_string(r, 19, "按计划推进").unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_row_without_a_code_whose_number_is_taken_is_rejected_at_its_row() {
    let app = TestApp::spawn().await;
    // The first project takes id 1; a new row without a code gets id 2 and the number
    // P2025 00002, which this project already holds.
    let holder = app.create_project("P202500002", "五金刀具专班").await;
    assert_eq!(holder["id"], 1);
    let row = vec![
        ("项目名称", "锁具项目"),
        ("投资方", "重庆锁具有限公司"),
        ("招商专班", "五金刀具专班"),
        ("项目阶段", "在谈"),
        ("洽谈时间", "2025-04-01"),
    ];
    let rejected = upload(&app, "", "october.xlsx", ledger("2025年10月31日", &[row]))
        .await
        .expect(422);
    let errors = rejected["report"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{rejected:#}");
    assert_eq!(errors[0]["code"], "write_failed");
    assert_eq!(errors[0]["row"], 4, "{rejected:#}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("已有项目编号为`P202500002`的项目"),
        "{rejected:#}"
    );
    assert_eq!(app.count("projects").await, 1, "nothing of the file is stored");
}

#[tokio::test]
async fn rows_without_a_code_match_by_credit_code_and_name_else_by_name_and_investor() {
    let app = TestApp::spawn().await;
    let with_credit = vec![
        ("项目名称", "龙水 刀具项目"),
        ("投资方", "重庆龙水五金有限公司"),
        ("统一社会信用代码", "91500111MA5U7ABC12"),
        ("招商专班", "五金刀具专班"),
        ("项目阶段", "在谈"),
        ("洽谈时间", "2025-03-01"),
    ];
    let without_credit = vec![
        ("项目名称", "锁具项目"),
        ("投资方", "重庆锁具有限公司"),
        ("招商专班", "五金制品专班"),
        ("项目阶段", "在谈"),
        ("洽谈时间", "2025-04-01"),
    ];
    let first = upload(
        &app,
        "",
        "october.xlsx",
        ledger("2025年10月31日", &[with_credit.clone(), without_credit.clone()]),
    )
    .await
    .expect(200);
    assert_eq!(first["created"], 2);
    let codes: Vec<&str> = first["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["project_code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes, vec!["", ""], "the report names no code the ledger did not give");
    let id = first["changes"][0]["project_id"].as_i64().unwrap();
    let p = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(p["code"], format!("P2025{id:05}"), "numbered as create_project numbers");
    assert_eq!(p["stage_dates"]["lead_on"], "2025-03-01");

    // Full-width letters, spaces and another investor spelling: still the same projects.
    let renamed = with(with_credit, "项目名称", "龙水刀具项目　");
    let renamed = with(renamed, "投资方", "重庆龙水五金（集团）有限公司");
    let spaced = with(without_credit, "项目名称", " 锁具 项目");
    let again = upload(
        &app,
        "",
        "november.xlsx",
        ledger("2025年11月30日", &[renamed, spaced.clone()]),
    )
    .await
    .expect(200);
    assert_eq!(
        (
            again["created"].as_i64(),
            again["updated"].as_i64(),
            again["unchanged"].as_i64()
        ),
        (Some(0), Some(2), Some(0)),
        "{again:#}"
    );
    // Matched by credit code and name, and by name and investor; the ledger's spelling of
    // the names is taken, the investor found by credit code kept.
    assert_eq!(again["changes"][0]["project_id"], id);
    assert_eq!(
        again["changes"][0]["changes"],
        json!(["项目名称: 龙水 刀具项目 → 龙水刀具项目"])
    );
    assert_eq!(again["changes"][1]["project_id"], first["changes"][1]["project_id"]);
    assert_eq!(
        again["changes"][1]["changes"],
        json!(["项目名称: 锁具项目 → 锁具 项目"])
    );
    assert_eq!(app.count("projects").await, 2);

    // The same project twice in one file is an error naming the earlier row.
    let twice = upload(
        &app,
        "",
        "twice.xlsx",
        ledger("2025年11月30日", &[spaced.clone(), spaced]),
    )
    .await
    .expect(422);
    assert_eq!(twice["report"]["errors"][0]["code"], "duplicate_row");
    assert_eq!(
        twice["report"]["errors"][0]["message"],
        "第5行 C列 项目名称: 与第4行是同一个项目 '锁具 项目'"
    );
}

#[tokio::test]
async fn the_read_limits_reject_a_file_quickly_and_the_attempt_is_recorded() {
    use zhaoshang::excel::ledger::ReadLimits;
    use zhaoshang::service::import::{ImportOptions, import_ledger};
    let app = TestApp::spawn().await;
    let actor = admin_actor(&app).await;
    let rows: Vec<Vec<(&str, &str)>> = (0..20).map(|_| signed_row("", "项目", "2025-06-01", "")).collect();
    let file = ledger("2025年10月31日", &rows);
    let limited = |limits: ReadLimits| ImportOptions {
        limits,
        ..ImportOptions::new("limited.xlsx")
    };
    let cases = [
        (
            ReadLimits {
                max_rows: 10,
                ..ReadLimits::default()
            },
            "too_many_rows",
        ),
        (
            ReadLimits {
                max_unzipped_bytes: 4096,
                ..ReadLimits::default()
            },
            "unzipped_too_large",
        ),
        (
            ReadLimits {
                max_file_bytes: 1024,
                ..ReadLimits::default()
            },
            "too_large",
        ),
    ];
    for (limits, code) in cases {
        let report = import_ledger(&app.db, file.clone(), limited(limits), &actor, None)
            .await
            .unwrap();
        assert_eq!(report.code.as_deref(), Some(code));
        assert!(!report.message.is_empty());
    }
    let report = import_ledger(
        &app.db,
        file,
        limited(ReadLimits {
            max_cell_chars: 3,
            ..ReadLimits::default()
        }),
        &actor,
        None,
    )
    .await
    .unwrap();
    assert_eq!(report.code.as_deref(), Some("invalid_rows"));
    assert!(report.errors.iter().all(|e| e.code == "cell_too_long"));
    assert_eq!(app.count("projects").await, 0);
    assert_eq!(app.count("import_runs").await, 4);
}

/// The sample ledger's truth file carries its KPIs for 2025-01-01..2025-10-31 as of
/// 2025-10-31; imported, the KPI endpoint gives exactly those numbers.
#[tokio::test]
async fn the_sample_ledgers_kpis_are_its_truths() {
    let app = TestApp::spawn().await;
    upload(&app, "", "ledger_sample.xlsx", sample()).await.expect(200);
    let truth: Value =
        serde_json::from_str(include_str!("../fixtures/ledger_sample.truth.json")).expect("the truth file is JSON");
    let expected = &truth["kpi_2025"];
    let query = format!(
        "from={}&to={}&as_of={}",
        expected["from"].as_str().unwrap(),
        expected["to"].as_str().unwrap(),
        expected["as_of"].as_str().unwrap()
    );
    let kpis = app.get(&format!("/api/v1/kpis?{query}")).await.expect(200);
    let overall = &kpis["overall"];
    for rate in ["sign_rate", "production_effectiveness_rate"] {
        assert_eq!(
            overall[rate]["numerator"], expected[rate]["numerator"],
            "{rate} numerator"
        );
        assert_eq!(
            overall[rate]["denominator"], expected[rate]["denominator"],
            "{rate} denominator"
        );
    }
    assert_eq!(
        overall["funds_arrival_rate"]["numerator"],
        expected["funds_arrival_rate"]["numerator"]
    );
    assert_eq!(
        overall["funds_arrival_rate"]["denominator"],
        expected["funds_arrival_rate"]["denominator"]
    );
    // The bases are the defaults src/domain/kpi.md names.
    assert_eq!(overall["sign_rate"]["basis"], "period");
    assert_eq!(overall["funds_arrival_rate"]["basis"], "cohort");
}

/// A member imports the district-wide sample: the rows of other teams' projects are row
/// errors naming the cell, and nothing at all is stored.
#[tokio::test]
async fn a_members_import_touching_other_teams_is_rejected_row_by_row() {
    let app = TestApp::spawn().await;
    let member = app.token_for("member_food", "member", Some("食品加工专班")).await;
    let before = counts(&app).await;
    let form = TestForm::new().field(
        TestFormField::bytes(sample())
            .name("file")
            .filename("ledger_sample.xlsx"),
    );
    let response = app
        .client
        .post("/api/v1/imports")
        .header("Authorization", format!("Bearer {member}"))
        .multipart(form)
        .send()
        .await;
    let report = read_reply(response).await.expect(422);
    let errors = report["report"]["errors"].as_array().unwrap();
    let forbidden: Vec<&Value> = errors.iter().filter(|e| e["code"] == "forbidden").collect();
    // Every row but the food-processing team's own is refused, each on its 招商专班 cell.
    assert!(forbidden.len() >= 25, "{report:#}");
    assert!(forbidden.iter().all(|e| e["header"] == "招商专班"), "{forbidden:?}");
    assert!(
        forbidden[0]["message"]
            .as_str()
            .unwrap()
            .contains("无权为该专班导入项目"),
        "{forbidden:?}"
    );
    let after = counts(&app).await;
    for ((table, was), (_, is)) in before.iter().zip(&after) {
        if *table != "import_runs" {
            assert_eq!(was, is, "{table} changed");
        }
    }
}

/// More new projects than one INSERT holds of their records (3,333 audit entries or 3,750
/// history rows a statement): every record of every project is stored, and only once. A load
/// this size into an empty database sets the indexes aside and rebuilds them: a dry run, which
/// rolls back, and the import both leave every index (and on PostgreSQL every foreign key,
/// set aside too) as the migrations made it, and the query planner's statistics of the
/// rebuilt tables.
#[tokio::test]
async fn an_import_larger_than_one_statement_stores_every_record_once() {
    let app = TestApp::spawn().await;
    let indexes = app.indexes().await;
    assert!(
        indexes.iter().any(|i| i.contains("idx_projects_kpi_dates")),
        "{indexes:?}"
    );
    let foreign_keys = app.foreign_keys().await;
    assert!(
        foreign_keys
            .iter()
            .any(|f| f.starts_with("stage_history") && f.contains("projects")),
        "{foreign_keys:?}"
    );
    let dry = upload(&app, "?dry_run=true", "big.xlsx", big_ledger(4_000))
        .await
        .expect(200);
    assert_eq!(dry["status"], "dry_run", "{dry:#}");
    assert_eq!(app.count("projects").await, 0);
    assert_eq!(
        app.indexes().await,
        indexes,
        "a rolled-back bulk load keeps the indexes"
    );
    assert_eq!(app.foreign_keys().await, foreign_keys);

    let report = upload(&app, "", "big.xlsx", big_ledger(4_000)).await.expect(200);
    assert_eq!(
        app.indexes().await,
        indexes,
        "a bulk load rebuilds every index it set aside"
    );
    assert_eq!(
        app.foreign_keys().await,
        foreign_keys,
        "a bulk load adds back every foreign key it set aside, checked"
    );
    let dangling = sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        "UPDATE stage_history SET project_id = 999999999 WHERE id = (SELECT MIN(id) FROM stage_history)",
    )
    .await;
    assert!(dangling.is_err(), "the foreign keys are in force after a bulk load");
    if app.db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        let statement = sea_orm::Statement::from_string(sea_orm::DatabaseBackend::Sqlite, "PRAGMA cache_size");
        let row = sea_orm::ConnectionTrait::query_one_raw(&app.db, statement)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.try_get_by_index::<i64>(0).unwrap(),
            -16_384,
            "the page cache raised to rebuild the indexes is set back"
        );
    }
    // Only a table the load at least doubles, by 1,000 rows or more, is set aside.
    {
        use sea_orm::TransactionTrait;
        let stored = usize::try_from(app.count("stage_history").await).unwrap();
        let txn = app.db.begin().await.unwrap();
        let set_aside = zhaoshang::db::bulk::set_aside_for_load(
            &txn,
            &[("projects", 4_000), ("fundings", 999), ("audit_log", 100_000)],
        )
        .await
        .unwrap();
        assert_eq!(set_aside.tables(), ["\"audit_log\""]);
        // A load whose size shows as it goes sets a table aside once what it has put in is
        // more than the table held: looked at from 1,000 rows on, then each time it doubles.
        let copy = "INSERT INTO stage_history \
                    (project_id, from_stage, to_stage, effective_on, user_id, recorded_at, reason) \
                    SELECT project_id, from_stage, to_stage, effective_on, user_id, recorded_at, reason \
                    FROM stage_history";
        let mut loading = zhaoshang::db::bulk::Loading::new(&["stage_history", "fundings"]);
        loading.inserting(&txn, "investors", 100_000).await.unwrap();
        loading.inserting(&txn, "stage_history", stored).await.unwrap();
        assert!(
            loading.set_aside_tables().is_empty(),
            "as many rows as are stored do not double the table"
        );
        sea_orm::ConnectionTrait::execute_unprepared(&txn, copy).await.unwrap();
        loading.inserting(&txn, "stage_history", 2 * stored).await.unwrap();
        assert_eq!(loading.set_aside_tables(), ["\"stage_history\""]);
        sea_orm::ConnectionTrait::execute_unprepared(&txn, copy).await.unwrap();
        txn.rollback().await.unwrap();
    }
    assert_eq!(app.indexes().await, indexes);
    assert_eq!(app.foreign_keys().await, foreign_keys);
    if app.db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        assert!(
            app.count_where("sqlite_stat1", "tbl = 'projects' AND idx = 'idx_projects_kpi_dates'")
                .await
                == 1,
            "the rebuilt indexes are analysed"
        );
    } else {
        assert!(
            app.count_where(
                "pg_stats",
                "schemaname = current_schema() AND tablename = 'projects' AND attname = 'signed_on'"
            )
            .await
                == 1,
            "the rebuilt tables are analysed"
        );
    }
    assert_eq!(report["created"], 4_000);
    assert_eq!(app.count("projects").await, 4_000);
    // One history entry per date a project has reached, the first one its lead.
    let reached = [
        "lead_on",
        "negotiating_on",
        "signed_on",
        "started_on",
        "producing_on",
        "effective_on",
        "terminated_on",
    ];
    let mut dates = 0;
    for column in reached {
        dates += app.count_where("projects", &format!("{column} IS NOT NULL")).await;
    }
    assert!(dates > 4_000, "the ledger moves projects past their lead");
    assert_eq!(app.count("stage_history").await, dates);
    assert_eq!(app.count_where("stage_history", "from_stage IS NULL").await, 4_000);
    // One time for the whole load, across its statements: the projects' creation, their
    // history and their trail.
    assert_eq!(
        app.count_where(
            "audit_log a",
            "a.entity = 'project' AND a.action = 'create' \
             AND a.recorded_at = (SELECT MIN(created_at) FROM projects) \
             AND a.recorded_at = (SELECT MAX(recorded_at) FROM stage_history)"
        )
        .await,
        4_000
    );
    // NULLs stay NULL whatever the row they are in: the first row (negotiating), every third
    // row, or every row (no owner column); PostgreSQL's bulk INSERT sends them as flags.
    assert_eq!(app.count_where("projects", "signed_on IS NULL").await, 1_334);
    assert_eq!(app.count_where("projects", "started_on IS NULL").await, 4_000 - 1_333);
    assert_eq!(app.count_where("projects", "owner_id IS NULL").await, 4_000);
    assert_eq!(app.count_where("projects", "registered_on IS NULL").await, 4_000);
    assert_eq!(
        app.count_where(
            "contracts",
            "promised_start_on = '2025-01-01' AND promised_tax_yuan IS NULL"
        )
        .await,
        2_666
    );
    assert_eq!(
        app.count_where("audit_log", "entity = 'project' AND action = 'create'")
            .await,
        4_000
    );
    assert_eq!(
        app.count("contracts").await,
        app.count_where("projects", "signed_on IS NOT NULL").await
    );
    assert_eq!(Value::from(app.count("fundings").await), report["payments_added"]);
}

/// The administrator, to call the import service directly.
pub async fn admin_actor(app: &TestApp) -> zhaoshang::service::Actor {
    let admin = zhaoshang::service::users::find_by_username(&app.db, "admin")
        .await
        .unwrap();
    zhaoshang::service::Actor {
        user_id: admin.id,
        username: admin.username,
        role: admin.role,
        team_id: None,
    }
}

/// The rows are written while the rest of the file is still being read: when the reading
/// fails further on (here at the 3,501st row, past the limit), what was written goes with the
/// rest, and the same file then imports whole.
#[tokio::test]
async fn a_file_that_fails_after_its_first_rows_were_written_stores_nothing() {
    use zhaoshang::excel::ledger::ReadLimits;
    use zhaoshang::service::import::{ImportOptions, import_ledger};
    let app = TestApp::spawn().await;
    let actor = admin_actor(&app).await;
    let before = rows_indexes_and_keys(&app).await;
    let options = ImportOptions {
        limits: ReadLimits {
            max_rows: 3_500,
            ..ReadLimits::default()
        },
        ..ImportOptions::new("big.xlsx")
    };
    let report = import_ledger(&app.db, big_ledger(4_000), options, &actor, None)
        .await
        .unwrap();
    assert_eq!(report.code.as_deref(), Some("too_many_rows"), "{}", report.message);
    assert_eq!(
        rows_indexes_and_keys(&app).await,
        before,
        "nothing of the file is stored, and the indexes and keys set aside are back"
    );
    assert_eq!(
        app.count("audit_log").await,
        app.count_where("audit_log", "entity <> 'project'").await
    );

    let report = import_ledger(&app.db, big_ledger(4_000), ImportOptions::new("big.xlsx"), &actor, None)
        .await
        .unwrap();
    assert_eq!(report.created, 4_000, "{}", report.message);
    assert_eq!(app.count("projects").await, 4_000);
}

/// An import dropped half-way (its client went away) while its writer has statements queued
/// stores nothing, leaves the indexes and keys as they were, and holds nothing up: the same
/// file then imports whole.
#[tokio::test]
async fn an_import_dropped_half_way_stores_nothing_and_the_next_one_runs() {
    use zhaoshang::service::import::{ImportOptions, ImportProgress, import_ledger};
    let app = TestApp::spawn().await;
    let actor = admin_actor(&app).await;
    let before = rows_indexes_and_keys(&app).await;
    // Shared, as a progress callback is `'static`.
    let half_way = std::sync::Arc::new(tokio::sync::Notify::new());
    let progress = {
        let half_way = std::sync::Arc::clone(&half_way);
        move |p: ImportProgress| {
            if matches!(p, ImportProgress::Checking { done } if done >= 3_000) {
                half_way.notify_one();
            }
        }
    };
    let import = import_ledger(
        &app.db,
        big_ledger(6_000),
        ImportOptions::new("big.xlsx"),
        &actor,
        Some(&progress),
    );
    tokio::select! {
        report = import => panic!("the import was to be dropped half-way, but ended: {:?}", report.map(|r| r.message)),
        () = half_way.notified() => {}
    }
    assert_eq!(
        rows_indexes_and_keys(&app).await,
        before,
        "nothing of the file is stored, and the indexes and keys set aside are back"
    );

    let report = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        import_ledger(&app.db, big_ledger(6_000), ImportOptions::new("big.xlsx"), &actor, None),
    )
    .await
    .expect("the next import is not held up")
    .unwrap();
    assert_eq!(report.created, 6_000, "{}", report.message);
    assert_eq!(app.count("projects").await, 6_000);
}

#[tokio::test]
async fn a_big_import_lists_the_first_thousand_changes_and_counts_them_all() {
    let app = TestApp::spawn().await;
    let report = upload(&app, "", "big.xlsx", big_ledger(1_200)).await.expect(200);
    assert_eq!(report["created"], 1_200);
    assert_eq!(report["changes_total"], 1_200);
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1_000);
    assert_eq!(
        changes[0]["row"], 4,
        "the list starts at the first project row, below the title and header"
    );
    assert!(changes.iter().all(|c| c["project_id"].as_i64().is_some()));
    assert_eq!(report["errors_total"], 0);
    assert_eq!(report["skipped_total"], report["skipped"].as_array().unwrap().len());

    // The history keeps the same cut report.
    let id = report["id"].as_i64().unwrap();
    let stored = app.get(&format!("/api/v1/imports/{id}")).await.expect(200);
    assert_eq!(stored["report"]["changes"].as_array().unwrap().len(), 1_000);
    assert_eq!(stored["report"]["changes_total"], 1_200);

    // A file with 1,200 bad rows lists 1,000 errors and says how many there are.
    let mut rows: Vec<Vec<(&str, &str)>> = Vec::new();
    let codes: Vec<String> = (1..=1_200).map(|n| format!("BAD{n:04}")).collect();
    for code in &codes {
        rows.push(with(
            signed_row(code, "刀具项目", "2025-06-01", ""),
            "签约时间",
            "2025.13.01",
        ));
    }
    let rejected = upload(&app, "", "bad.xlsx", ledger("2025年10月31日", &rows))
        .await
        .expect(422);
    assert_eq!(rejected["report"]["errors"].as_array().unwrap().len(), 1_000);
    assert_eq!(rejected["report"]["errors_total"], 1_200);
    assert!(
        rejected["message"].as_str().unwrap().contains("发现1200处错误"),
        "{rejected:#}"
    );
}

/// The bulk load's INSERTs (`db::columnar`): a value every row shares is bound once, a
/// batch whose rows are all the same still inserts each of them, and NULLs stay NULL, on both
/// databases.
#[tokio::test]
async fn a_bulk_insert_stores_every_row_as_given() {
    use entity::audit_entry;
    use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder};
    use zhaoshang::db::columnar;

    let app = TestApp::spawn().await;
    let backend = app.db.get_database_backend();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T09:15:00.123456Z")
        .unwrap()
        .to_utc();
    let row = |entity_id: i32, project_id: Option<i32>, reason: Option<&str>| audit_entry::ActiveModel {
        recorded_at: Set(at),
        user_id: Set(None),
        entity: Set("project".into()),
        entity_id: Set(entity_id),
        project_id: Set(project_id),
        action: Set("create".into()),
        changes: Set("{}".into()),
        reason: Set(reason.map(str::to_owned)),
        ..Default::default()
    };
    let batches = vec![
        // Every row the same.
        vec![row(7, None, Some("same")); 3],
        // One row.
        vec![row(8, Some(8), None)],
        // Shared columns, a NULL in the first row only, reasons all different.
        vec![
            row(9, None, Some("a")),
            row(10, Some(10), Some("b")),
            row(11, Some(11), Some("c")),
        ],
    ];
    let mut expected = Vec::new();
    for batch in batches {
        expected.extend(batch.iter().map(|r| {
            (
                r.entity_id.clone().unwrap(),
                r.project_id.clone().unwrap(),
                r.reason.clone().unwrap(),
            )
        }));
        app.db.execute_raw(columnar::insert(backend, batch, &[])).await.unwrap();
    }
    let stored = audit_entry::Entity::find()
        .order_by_asc(audit_entry::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let mine: Vec<_> = stored
        .iter()
        .filter(|e| e.action == "create" && e.changes == "{}")
        .collect();
    let got: Vec<_> = mine
        .iter()
        .map(|e| (e.entity_id, e.project_id, e.reason.clone()))
        .collect();
    assert_eq!(got, expected);
    assert!(
        mine.iter()
            .all(|e| e.recorded_at == at && e.user_id.is_none() && e.entity == "project")
    );
}

#[tokio::test]
async fn a_project_imported_and_one_created_by_hand_leave_the_same_trail() {
    let app = TestApp::spawn().await;
    let team_id = app.reference_id("teams", "五金刀具专班").await;
    let cluster_id = app.reference_id("clusters", "现代五金").await;
    let by_hand = app
        .post(
            "/api/v1/projects",
            json!({"code": "HAND-1", "name": "手工项目", "team_id": team_id, "cluster_id": cluster_id, "lead_on": "2025-01-10"}),
        )
        .await
        .expect(200);
    let row = vec![
        ("项目编号", "LEDGER-1"),
        ("项目名称", "台账项目"),
        ("产业集群", "现代五金"),
        ("招商专班", "五金刀具专班"),
    ];
    let report = upload(&app, "", "one.xlsx", ledger("2025年10月31日", &[row]))
        .await
        .expect(200);
    assert_eq!(report["status"], "imported", "{report:#}");
    let imported = project_id(&report, "LEDGER-1");

    let creation = |id: i64| {
        let app = &app;
        async move {
            let trail = app
                .get(&format!("/api/v1/audit?entity=project&entity_id={id}"))
                .await
                .expect(200);
            assert_eq!(trail["total"], 1, "{trail:#}");
            trail["items"][0].clone()
        }
    };
    let shape = |entry: &Value| {
        let fields: Vec<String> = entry["changes"]
            .as_object()
            .map(|changes| changes.keys().cloned().collect())
            .unwrap_or_default();
        (entry["action"].clone(), entry["entity"].clone(), fields)
    };
    let by_hand = creation(by_hand["id"].as_i64().expect("an id")).await;
    let imported = creation(imported).await;
    assert_eq!(shape(&by_hand), shape(&imported));
    let (action, entity, fields) = shape(&imported);
    assert_eq!((action, entity), (json!("create"), json!("project")));
    assert_eq!(
        fields,
        [
            "cluster_id",
            "code",
            "created_at",
            "id",
            "lead_on",
            "name",
            "stage",
            "team_id"
        ]
    );
    assert_eq!(
        imported["changes"]["name"],
        json!({"before": null, "after": "台账项目"})
    );
    assert_eq!(imported["changes"]["lead_on"]["after"], "2025-10-31");
    assert_eq!(by_hand["changes"]["lead_on"]["after"], "2025-01-10");
    // Only the reason differs.
    assert_eq!(by_hand["reason"], Value::Null);
    assert_eq!(imported["reason"], format!("ledger import #{}", report["id"]));
}
