//! Limits on text and dates, the same on SQLite and PostgreSQL: every text of a request has a
//! length and characters it may hold (a 400 naming the field, where PostgreSQL used to answer
//! 500 for a NUL or a text longer than its column); dates before 1990 are refused; stored text
//! longer than an Excel cell never fails an export; constraint violations name the field; and
//! concurrent imports of one ledger each get the answer they would get alone.

use std::sync::Arc;

use calamine::{Reader, Xlsx};
use poem::http::Method;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::{Value, json};
use zhaoshang::domain::words::Lang;
use zhaoshang::excel::cell::{CUT_MARK, CUT_NOTES_SHEET};
use zhaoshang::service::ServiceError;

use crate::exports::download;
use crate::helpers::{Reply, TestApp};
use crate::imports::{sample, upload};

/// Asserts a 400 that names the body's `field` (as a JSON pointer, `/name`) and does not
/// repeat the text sent.
#[track_caller]
fn refused(reply: Reply, field: &str) -> Value {
    refused_named(reply, &format!("/{field}"))
}

/// Asserts a 400 that names the query parameter `name` and does not repeat the text sent.
#[track_caller]
fn refused_param(reply: Reply, name: &str) -> Value {
    refused_named(reply, name)
}

#[track_caller]
fn refused_named(reply: Reply, field: &str) -> Value {
    let body = reply.expect(400);
    assert_eq!(body["code"], "bad_request", "{body}");
    assert_eq!(body["details"][0]["field"], field, "{body}");
    assert!(body["message"].as_str().unwrap().contains(field), "{body}");
    assert!(!body.to_string().contains("\\u0000"), "the text is echoed: {body}");
    body
}

#[tokio::test]
async fn nul_and_over_long_texts_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let project = app.create_project("LIM-1", "氢能专班").await;
    let id = project["id"].as_i64().unwrap();
    let team_id = project["team"]["id"].clone();
    let fields = |extra: Value| {
        let mut body = json!({"name": "限长项目", "team_id": team_id, "version": 1});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let one = |field: &str, value: &Value| {
        let mut body = serde_json::Map::new();
        body.insert(field.to_owned(), value.clone());
        Value::Object(body)
    };
    let path = format!("/api/v1/projects/{id}");
    let projects = app.count("projects").await;

    // Every text of a project: NUL, one character too many, and characters a name may not hold.
    for (field, value) in [
        ("name", json!("大足\u{0}项目")),
        ("name", json!("项".repeat(201))),
        ("name", json!("\u{200b}\u{200d} \u{feff}")),
        ("name", json!("发票\u{202e}exe.pdf")),
        ("sponsoring_leader", json!("张".repeat(51))),
        ("sponsoring_leader", json!("张\u{0}明")),
        ("source", json!("商".repeat(101))),
        ("source", json!("以商\n招商")),
        ("progress", json!("进".repeat(4001))),
        ("issues", json!("问题\u{1b}[31m")),
        ("notes", json!("备\u{0}注")),
    ] {
        let body = refused(app.put(&path, fields(one(field, &value))).await, field);
        if field == "name" && value.as_str().unwrap().chars().count() == 201 {
            assert_eq!(body["details"][0]["message"], "不能超过200个字符");
        }
    }
    // 1 MB of notes (just within the body limit) is refused as any over-long text is.
    let body = refused(
        app.put(&path, fields(json!({"notes": "x".repeat(1_000_000)}))).await,
        "notes",
    );
    assert_eq!(body["details"][0]["message"], "不能超过4000个字符");
    refused(
        app.post(
            "/api/v1/projects",
            fields(json!({"name": "新项目", "notes": "备".repeat(4001)})),
        )
        .await,
        "notes",
    );
    assert_eq!(app.count("projects").await, projects);
    // What the limits allow is stored as sent: a full name, notes with tabs and line breaks.
    let notes = format!("第一行\n\t第二行{}", "备".repeat(3990));
    let saved = app
        .put(&path, fields(json!({"name": "项".repeat(200), "notes": notes})))
        .await
        .expect(200);
    assert_eq!(saved["notes"], notes);

    // Investors, teams, clusters, users, tokens.
    refused(
        app.post(
            "/api/v1/investors",
            json!({"name": "投资方", "origin_region": "区".repeat(101)}),
        )
        .await,
        "origin_region",
    );
    refused(
        app.post("/api/v1/investors", json!({"name": "投资\u{0}方"})).await,
        "name",
    );
    refused(
        app.post(
            "/api/v1/teams",
            json!({"name": "新专班", "lead_official": "领".repeat(51)}),
        )
        .await,
        "lead_official",
    );
    refused(
        app.post(
            "/api/v1/clusters",
            json!({"name": "新集群", "category": "类".repeat(51)}),
        )
        .await,
        "category",
    );
    refused(
        app.post("/api/v1/parks", json!({"name": "\u{3000}\u{200b}"})).await,
        "name",
    );
    refused(
        app.post(
            "/api/v1/users",
            json!({"username": "li", "display_name": "李".repeat(101), "role": "leader"}),
        )
        .await,
        "display_name",
    );
    refused(
        app.post("/api/v1/tokens", json!({"name": "excel\u{0}sync"})).await,
        "name",
    );

    // Records of a project.
    let project_path = |tail: &str| format!("/api/v1/projects/{id}{tail}");
    refused(
        app.post(
            &project_path("/activities"),
            json!({"occurred_on": "2025-02-01", "kind": "call", "summary": "\u{200b}"}),
        )
        .await,
        "summary",
    );
    refused(
        app.post(
            &project_path("/activities"),
            json!({"occurred_on": "2025-02-01", "kind": "call", "summary": "电话", "people": "王".repeat(501)}),
        )
        .await,
        "people",
    );
    refused(
        app.post(
            &project_path("/transitions"),
            json!({"stage": "terminated", "date": "2025-02-01", "reason": "撤\u{0}资"}),
        )
        .await,
        "reason",
    );

    // Query parameters: searches, the audit filter, an import's file name.
    for path in [
        "/api/v1/projects?q=%00",
        "/api/v1/investors?q=a%00b",
        "/api/v1/exports/ledger?q=%00",
    ] {
        refused_param(app.get(path).await, "q");
    }
    refused_param(app.get(&format!("/api/v1/projects?q={}", "q".repeat(201))).await, "q");
    refused_param(app.get("/api/v1/audit?entity=project%00").await, "entity");
    let imports = app.count("import_runs").await;
    let reply = app
        .client
        .post("/api/v1/imports/binary?file_name=ledger%00.xlsx")
        .header("Authorization", format!("Bearer {}", app.token))
        .content_type("application/octet-stream")
        .body(sample())
        .send()
        .await
        .0;
    assert_eq!(reply.status().as_u16(), 400);
    let body: Value = reply.into_body().into_json().await.unwrap();
    assert_eq!(body["details"][0]["field"], "file_name", "{body}");
    // A multipart file name a browser sends as UTF-8, with a direction override in it.
    let mut form = b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"".to_vec();
    form.extend_from_slice("台账\u{202e}xslx.exe".as_bytes());
    form.extend_from_slice(b"\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    form.extend_from_slice(&sample());
    form.extend_from_slice(b"\r\n--XYZ--\r\n");
    let reply = app
        .client
        .post("/api/v1/imports")
        .header("Authorization", format!("Bearer {}", app.token))
        .content_type("multipart/form-data; boundary=XYZ")
        .body(form)
        .send()
        .await
        .0;
    assert_eq!(reply.status().as_u16(), 400);
    let body: Value = reply.into_body().into_json().await.unwrap();
    assert_eq!(body["details"][0]["field"], "file", "{body}");
    assert_eq!(app.count("import_runs").await, imports);
}

#[tokio::test]
async fn signing_in_with_nul_or_an_endless_name_is_a_400_without_the_password() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (
            json!({"username": "ad\u{0}min", "password": "whatever-it-is"}),
            "username",
        ),
        (json!({"username": "admin", "password": "secret\u{0}value"}), "password"),
        (
            json!({"username": "a".repeat(65), "password": "whatever-it-is"}),
            "username",
        ),
        (json!({"username": "admin", "password": "p".repeat(201)}), "password"),
    ] {
        let reply = app.send_as(None, Method::POST, "/api/v1/sessions", Some(body)).await;
        let body = refused(reply, field);
        assert!(!body.to_string().contains("secret"), "{body}");
    }
}

#[tokio::test]
async fn dates_before_1990_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let team_id = app.reference_id("teams", "氢能专班").await;
    let early = app
        .post(
            "/api/v1/projects",
            json!({"name": "老项目", "team_id": team_id, "lead_on": "1989-12-31"}),
        )
        .await
        .expect(422);
    assert_eq!(early["details"][0]["field"], "lead_on");
    assert!(early["message"].as_str().unwrap().contains("早于1990-01-01"), "{early}");

    let project = app.create_project("LIM-DATES", "氢能专班").await;
    let path = |tail: &str| format!("/api/v1/projects/{}{tail}", project["id"]);
    let contract = |signed_on: &str| {
        json!({"stage": "signed", "contract": {
            "agreement_type": "formal", "signed_on": signed_on, "contracted_investment": "100"
        }})
    };
    let body = app
        .post(&path("/transitions"), contract("0001-01-01"))
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "contract.signed_on", "{body}");
    let body = app
        .post(
            &path("/transitions"),
            json!({"stage": "negotiating", "date": "1900-01-01"}),
        )
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "date", "{body}");
    app.post(&path("/transitions"), contract("2025-03-15"))
        .await
        .expect(200);
    let body = app
        .post(
            &path("/fundings"),
            json!({"arrived_on": "0000-01-01", "amount": "10", "kind": "fixed_asset"}),
        )
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "arrived_on", "{body}");
    let body = app
        .post(
            &path("/activities"),
            json!({"occurred_on": "1989-06-01", "kind": "call", "summary": "电话"}),
        )
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "occurred_on", "{body}");
    assert_eq!(app.count("fundings").await, 0);
    assert_eq!(app.count("activities").await, 0);
}

/// Sets a text column of every project to `text`, as data stored before the limits may hold.
async fn store_directly(app: &TestApp, column: &str, text: &str) {
    let backend = app.db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => format!("UPDATE projects SET {column} = $1"),
        _ => format!("UPDATE projects SET {column} = ?"),
    };
    app.db
        .execute_raw(Statement::from_sql_and_values(backend, sql, [text.into()]))
        .await
        .expect("stored");
}

#[tokio::test]
async fn a_32768_character_note_is_exported_cut_with_a_mark_and_the_workbook_says_so() {
    let app = TestApp::spawn().await;
    app.create_project("LIM-LONG", "氢能专班").await;
    app.create_project("LIM-SHORT", "氢能专班").await;
    store_directly(&app, "notes", &"备".repeat(32_768)).await;

    let response = app
        .client
        .get("/api/v1/exports/ledger")
        .header("Authorization", format!("Bearer {}", app.token))
        .send()
        .await
        .0;
    assert_eq!(response.status().as_u16(), 200);
    let truncated = response
        .headers()
        .get("x-truncated-cells")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(truncated.as_deref(), Some("2"));
    let bytes = response.into_body().into_vec().await.unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["招商项目台账", CUT_NOTES_SHEET]);
    let ledger = book.worksheet_range("招商项目台账").unwrap();
    let cut: Vec<String> = ledger
        .rows()
        .filter_map(|row| row.iter().map(|c| c.to_string()).find(|c| c.ends_with(CUT_MARK)))
        .collect();
    assert_eq!(cut.len(), 2);
    assert!(cut.iter().all(|c| c.encode_utf16().count() == 32_767));
    let notes = book.worksheet_range(CUT_NOTES_SHEET).unwrap();
    assert!(notes.get_value((0, 0)).unwrap().to_string().contains("2个单元格"));
    assert_eq!(notes.get_value((3, 1)).unwrap().to_string(), "32768");

    // Read back, the cut note is an error of the import (longer than any cell may be), not a
    // silent loss.
    let reply = upload(&app, "?dry_run=true", "ledger.xlsx", bytes).await.expect(422);
    let issue = &reply["report"]["errors"][0];
    assert_eq!(issue["code"], "cell_too_long", "{reply}");
    assert_eq!(issue["header"], "备注");

    // A district's ledger without long texts has no notes sheet and no header.
    store_directly(&app, "notes", "市级重点").await;
    let (status, _, _, bytes) = download(&app, &app.token, "/api/v1/exports/ledger").await;
    assert_eq!(status, 200);
    let book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["招商项目台账"]);
}

/// SQLite does not hold a `varchar(200)` to its length: a name stored before the limits there
/// may be longer than a cell. The report cuts it and its cover says so.
#[tokio::test]
async fn a_report_of_an_over_long_stored_name_is_cut_and_its_cover_says_so() {
    let app = TestApp::spawn().await;
    if app.db.get_database_backend() != DatabaseBackend::Sqlite {
        return;
    }
    let project = app.create_project("LIM-REPORT", "氢能专班").await;
    let path = |tail: &str| format!("/api/v1/projects/{}{tail}", project["id"]);
    app.post(
        &path("/transitions"),
        json!({"stage": "negotiating", "date": "2025-02-01"}),
    )
    .await
    .expect(200);
    let contract = json!({"agreement_type": "formal", "signed_on": "2025-03-15", "contracted_investment": "100"});
    app.post(&path("/transitions"), json!({"stage": "signed", "contract": contract}))
        .await
        .expect(200);
    store_directly(&app, "name", &"项".repeat(40_000)).await;
    let response = app
        .client
        .get("/api/v1/reports/kpi?from=2025-01-01&to=2025-10-31&as_of=2025-10-31")
        .header("Authorization", format!("Bearer {}", app.token))
        .send()
        .await
        .0;
    assert_eq!(response.status().as_u16(), 200);
    let truncated: u64 = response.headers()["x-truncated-cells"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(truncated > 0);
    let bytes = response.into_body().into_vec().await.unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert!(book.sheet_names().contains(&CUT_NOTES_SHEET.to_owned()));
    let drill = book.worksheet_range("签约率明细").unwrap();
    assert!(drill.get_value((1, 1)).unwrap().to_string().ends_with(CUT_MARK));
    let cover = book.worksheet_range("概览").unwrap();
    let said = cover
        .rows()
        .flat_map(|row| row.iter().map(|c| c.to_string()))
        .any(|c| c.contains(&format!("{truncated}个单元格")));
    assert!(said, "the cover says how many cells were cut");
}

#[tokio::test]
async fn a_constraint_violation_names_the_field_never_the_constraint() {
    let app = TestApp::spawn().await;
    let backend = app.db.get_database_backend();
    let first = app
        .post(
            "/api/v1/investors",
            json!({"name": "甲公司", "credit_code": "91500111J1XG612DD2"}),
        )
        .await
        .expect(200);
    // Straight to the database, as a race between two requests would get there.
    let insert = Statement::from_string(
        backend,
        "INSERT INTO investors (name, credit_code, created_at, updated_at, version) \
         VALUES ('乙公司', '91500111J1XG612DD2', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)",
    );
    let err = app.db.execute_raw(insert).await.expect_err("a duplicate");
    let ServiceError::Conflict { message, details } = ServiceError::from(err) else {
        panic!("a duplicate is a conflict")
    };
    assert_eq!(details[0].field, "credit_code", "{message}");
    let message = message.in_lang(Lang::En);
    assert!(!message.contains("_key") && !message.contains("UNIQUE"), "{message}");

    // A reference to nothing, and a record still referred to.
    let project = app.create_project("LIM-FK", "氢能专班").await;
    let bad_team = Statement::from_string(
        backend,
        format!("UPDATE projects SET team_id = 999999 WHERE id = {}", project["id"]),
    );
    let err = app.db.execute_raw(bad_team).await.expect_err("no such team");
    let ServiceError::Invalid { message, details } = ServiceError::from(err) else {
        panic!("a missing reference is a broken rule")
    };
    let message = message.in_lang(Lang::En);
    assert!(!message.contains("fk") && !message.contains("_fkey"), "{message}");
    if backend == DatabaseBackend::Postgres {
        assert_eq!(details[0].field, "team_id", "{message}");
    }
    let used = Statement::from_string(
        backend,
        format!("DELETE FROM investors WHERE id = {}", project["investor"]["id"]),
    );
    let err = app.db.execute_raw(used).await.expect_err("still referred to");
    assert!(matches!(ServiceError::from(err), ServiceError::Invalid { .. }));
    let _ = first;
}

#[tokio::test]
async fn a_ledger_cell_breaking_a_text_rule_is_an_error_naming_sheet_row_and_column() {
    let app = TestApp::spawn().await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("台账").unwrap();
    sheet.write_string(0, 0, "统计截至：2025年10月31日").unwrap();
    for (col, header) in ["项目名称", "招商专班", "包保领导", "项目阶段", "备注"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, col as u16, *header).unwrap();
    }
    let rows = [
        [
            "名称过长".repeat(51),
            "氢能专班".into(),
            "张明".into(),
            "线索".into(),
            String::new(),
        ],
        [
            "换行的\n项目名称".into(),
            "氢能专班".into(),
            "张\u{1}明".into(),
            "线索".into(),
            String::new(),
        ],
        [
            "正常项目".into(),
            "氢能专班".into(),
            "李".repeat(51),
            "线索".into(),
            "备".repeat(3000),
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string(2 + r as u32, col as u16, value).unwrap();
            }
        }
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let body = upload(&app, "", "limits.xlsx", bytes).await.expect(422);
    let errors: Vec<(String, i64, String, String)> = body["report"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["sheet"].as_str().unwrap().to_owned(),
                e["row"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let at = |row: i64, column: &str, code: &str| ("台账".to_owned(), row, column.to_owned(), code.to_owned());
    assert_eq!(
        errors,
        [
            at(3, "A", "text_too_long"),
            at(4, "C", "control_character"),
            at(5, "C", "text_too_long"),
        ],
        "{body:#}"
    );
    let first = body["report"]["errors"][0]["message"].as_str().unwrap();
    assert!(first.contains("第3行 A列 项目名称: 不能超过200个字符"), "{first}");
    assert_eq!(app.count("projects").await, 0);
}

#[tokio::test]
async fn a_name_wrapped_in_its_cell_is_imported_on_one_line() {
    let app = TestApp::spawn().await;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, header) in ["项目名称", "招商专班", "项目阶段", "备注"].iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for (col, value) in ["上海智航\n预制菜项目", "氢能专班", "线索", "第一行\n第二行"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, col as u16, *value).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    upload(&app, "?as_of=2025-10-31", "wrapped.xlsx", bytes)
        .await
        .expect(200);
    let list = app.get("/api/v1/projects").await.expect(200);
    assert_eq!(list["items"][0]["name"], "上海智航 预制菜项目");
    assert_eq!(list["items"][0]["notes"], "第一行\n第二行");
}

/// Eight imports of the same ledger at once: the first creates its projects, every other one
/// finds them stored, as each would alone (on PostgreSQL six of eight used to fail on the
/// investors' unique credit code).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_imports_of_one_ledger_each_answer_as_alone() {
    let app = Arc::new(TestApp::spawn().await);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..8 {
        let app = Arc::clone(&app);
        tasks.spawn(async move { upload(&app, "", &format!("ledger-{n}.xlsx"), sample()).await });
    }
    let mut reports: Vec<Value> = tasks
        .join_all()
        .await
        .into_iter()
        .map(|reply| reply.expect(200))
        .collect();
    reports.sort_by_key(|r| std::cmp::Reverse(r["created"].as_i64()));
    assert_eq!(reports[0]["created"], 30, "{:#}", reports[0]);
    for report in &reports[1..] {
        assert_eq!(report["status"], "imported");
        assert_eq!(report["created"], 0, "{report:#}");
        assert_eq!(
            report["unchanged"].as_i64().unwrap() + report["updated"].as_i64().unwrap(),
            30,
            "{report:#}"
        );
    }
    assert_eq!(app.count("projects").await, 30);
    assert_eq!(app.count("import_runs").await, 8);
}
