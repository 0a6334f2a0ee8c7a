//! What each role sees of another team's data, for every list and every figure: aggregate
//! figures (the KPIs, the league, targets and their progress, the report's cover, league and
//! trend) are everyone's, and every role gets the same; project-level rows (projects, the
//! ledger export, warnings, the projects behind a rate, the report's warning and drill-down
//! sheets, import runs and their reports, the audit trail) of another team are shown to
//! leaders and administrators only, and a filter naming another team is refused to team leads
//! and members with a message naming it. The rule is `domain::access`'s; access.rs checks each
//! operation's allowed and forbidden answers, this file what the answers hold.
//!
//! Two teams, A (智能电梯专班, the team lead's and member's) and B (五金刀具专班), each with a
//! red project; B's member imports a ledger of B's, A's member and the administrator try
//! imports of their own.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use poem::http::Method;
use poem::test::{TestForm, TestFormField};
use serde_json::{Value, json};

use crate::exports::download;
use crate::helpers::{Reply, TestApp};
use crate::imports::{ledger, signed_row};
use crate::kpi::{ELEVATOR, Proj, add};

const HARDWARE: &str = "五金刀具专班";
/// The period and date every figure is asked for.
const PERIOD: &str = "from=2024-01-01&to=2025-06-30&as_of=2025-06-30";

/// The records the checks look for, and the callers.
struct World {
    team_a: i64,
    team_b: i64,
    project_b: i64,
    /// Import runs: by B's member (with B's project rows in its report), by A's member, by
    /// the administrator.
    run_b: i64,
    run_a: i64,
    run_admin: i64,
    /// `(role, token)`, the administrator last.
    callers: Vec<(&'static str, String)>,
}

impl World {
    /// Whether `role` may see team B's project rows.
    fn sees_b_rows(role: &str) -> bool {
        matches!(role, "leader" | "admin")
    }
}

async fn upload_as(app: &TestApp, token: &str, file_name: &str, bytes: Vec<u8>) -> Reply {
    let form = TestForm::new().field(TestFormField::bytes(bytes).name("file").filename(file_name));
    let response = app
        .client
        .post("/api/v1/imports")
        .header("Authorization", format!("Bearer {token}"))
        .multipart(form)
        .send()
        .await;
    Reply::read(response).await
}

async fn world(app: &TestApp) -> World {
    // Signed 2024-01-10, construction promised for 2025-01-01 and not started: red at
    // 2025-06-30, and in the sign rate's denominator and numerator for the period.
    let red = |code, team| Proj {
        code,
        team,
        signed: Some(("2024-01-10", "1000")),
        promised_start: Some("2025-01-01"),
        ..Proj::default()
    };
    add(app, red("A-RED", ELEVATOR)).await;
    let project_b = add(app, red("B-RED", HARDWARE)).await;
    let team_a = app.reference_id("teams", ELEVATOR).await;
    let team_b = app.reference_id("teams", HARDWARE).await;
    app.put(&format!("/api/v1/targets/2025/{team_b}"), json!({"projects_signed": 3}))
        .await
        .expect(200);

    let member = app.token_for("member_a", "member", Some(ELEVATOR)).await;
    let team_lead = app.token_for("lead_a", "team_lead", Some(ELEVATOR)).await;
    let leader = app.token_for("leader", "leader", None).await;
    let member_b = app.token_for("member_b", "member", Some(HARDWARE)).await;
    let imported = upload_as(
        app,
        &member_b,
        "ledger-b.xlsx",
        ledger(
            "2025-06-30",
            &[signed_row("B-IMP", "五金刀具扩产项目", "2025-04-01", "100")],
        ),
    )
    .await
    .expect(200);
    let not_a_workbook = || b"not a workbook".to_vec();
    let run_a = upload_as(app, &member, "ledger-a.xlsx", not_a_workbook())
        .await
        .expect(422);
    let run_admin = upload_as(app, &app.token, "district.xlsx", not_a_workbook())
        .await
        .expect(422);
    World {
        team_a,
        team_b,
        project_b,
        run_b: imported["id"].as_i64().unwrap(),
        run_a: run_a["report"]["id"].as_i64().unwrap(),
        run_admin: run_admin["report"]["id"].as_i64().unwrap(),
        callers: vec![
            ("member", member),
            ("team_lead", team_lead),
            ("leader", leader),
            ("admin", app.token.clone()),
        ],
    }
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> Reply {
    app.send_as(Some(token), Method::GET, path, None).await
}

/// The `key` of every item of a page (or of an array).
fn values<'v>(body: &'v Value, list: &str, key: &str) -> Vec<&'v Value> {
    let items = if list.is_empty() { body } else { &body[list] };
    items
        .as_array()
        .unwrap_or_else(|| panic!("no list `{list}` in {body:#}"))
        .iter()
        .map(|item| &item[key])
        .collect()
}

fn has_code(body: &Value, list: &str, code: &str) -> bool {
    values(body, list, "code").contains(&&json!(code))
}

/// The refusal of a filter naming team `team`: 403, saying which team and why.
#[track_caller]
fn assert_refused_for_team(reply: Reply, team: i64, what: &str) {
    let body = reply.expect(403);
    assert_eq!(body["code"], "forbidden", "{what}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("专班{team}")) && message.contains("只对领导和管理员可见"),
        "{what}: {message}"
    );
}

/// Every cell of every sheet of a workbook, by sheet name, as text.
fn sheets(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("a sheet");
            let rows = range
                .rows()
                .map(|row| {
                    row.iter()
                        .map(|cell| match cell {
                            Data::Empty => String::new(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

fn sheet<'s>(book: &'s [(String, Vec<Vec<String>>)], name: &str) -> &'s [Vec<String>] {
    &book
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1
}

fn mentions(rows: &[Vec<String>], text: &str) -> bool {
    rows.iter().flatten().any(|cell| cell.contains(text))
}

/// The report's project sheets that hold the red projects: the warnings, and the sign and
/// funds rates' drill-downs (neither project is due to produce by 2025-06-30, so the
/// production drill-down holds neither).
const PROJECT_SHEETS: [&str; 3] = ["预警项目", "签约率明细", "资金到位率明细"];

#[tokio::test]
async fn project_rows_of_another_team_are_for_leaders_and_admins_only() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let b = w.team_b;
    for (role, token) in &w.callers {
        let sees = World::sees_b_rows(role);
        // Without a filter: the caller's team's rows, and B's only for leaders and admins.
        let lists = [
            ("/api/v1/projects?per_page=200".to_owned(), "items"),
            ("/api/v1/warnings?as_of=2025-06-30&per_page=200".to_owned(), "items"),
            (
                format!("/api/v1/kpis/sign_rate/projects?{PERIOD}&per_page=200"),
                "items",
            ),
        ];
        for (path, list) in &lists {
            let body = get_as(&app, token, path).await.expect(200);
            assert!(has_code(&body, list, "A-RED"), "{role} {path}: {body:#}");
            assert_eq!(has_code(&body, list, "B-RED"), sees, "{role} {path}: {body:#}");
        }
        // The counts of each light are of the rows shown.
        let counts = |body: &Value| [body["red"].clone(), body["yellow"].clone(), body["green"].clone()];
        let (_, admin) = w.callers.last().unwrap();
        let shown = if sees {
            String::new()
        } else {
            format!("&team_id={}", w.team_a)
        };
        let expected = get_as(&app, admin, &format!("/api/v1/warnings?as_of=2025-06-30{shown}"))
            .await
            .expect(200);
        let warnings = get_as(&app, token, "/api/v1/warnings?as_of=2025-06-30")
            .await
            .expect(200);
        assert_eq!(counts(&warnings), counts(&expected), "{role}");

        // Naming team B: its rows for leaders and admins, refused to the others.
        let filtered = [
            format!("/api/v1/projects?team_id={b}"),
            format!("/api/v1/warnings?as_of=2025-06-30&team_id={b}"),
            format!("/api/v1/kpis/sign_rate/projects?{PERIOD}&team_id={b}"),
        ];
        for path in &filtered {
            let reply = get_as(&app, token, path).await;
            if sees {
                let body = reply.expect(200);
                assert!(has_code(&body, "items", "B-RED"), "{role} {path}");
                assert!(!has_code(&body, "items", "A-RED"), "{role} {path}");
            } else {
                assert_refused_for_team(reply, b, &format!("{role} {path}"));
            }
        }

        // The ledger export: a workbook of the rows the caller may list.
        let (status, _, _, bytes) = download(&app, token, "/api/v1/exports/ledger").await;
        assert_eq!(status, 200, "{role}");
        let book = sheets(bytes);
        let ledger_rows = sheet(&book, "招商项目台账");
        assert!(mentions(ledger_rows, "A-RED"), "{role}");
        assert_eq!(mentions(ledger_rows, "B-RED"), sees, "{role}");
        let (status, _, _, _) = download(&app, token, &format!("/api/v1/exports/ledger?team_id={b}")).await;
        assert_eq!(status, if sees { 200 } else { 403 }, "{role} ledger of team B");

        // A project of B's, and its trail.
        for path in [
            format!("/api/v1/projects/{}", w.project_b),
            format!("/api/v1/projects/{}/audit", w.project_b),
        ] {
            let status = get_as(&app, token, &path).await.status.as_u16();
            assert_eq!(status, if sees { 200 } else { 403 }, "{role} {path}");
        }
        // The audit trail of everything is for leaders and admins.
        let status = get_as(&app, token, &format!("/api/v1/audit?project_id={}", w.project_b))
            .await
            .status
            .as_u16();
        assert_eq!(status, if sees { 200 } else { 403 }, "{role} audit");
    }
}

#[tokio::test]
async fn aggregate_figures_of_every_team_are_everyones() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let b = w.team_b;
    let figures = [
        format!("/api/v1/kpis?{PERIOD}&team_id={b}"),
        format!("/api/v1/kpis?{PERIOD}&group_by=team"),
        format!("/api/v1/kpis?{PERIOD}"),
        format!("/api/v1/league?{PERIOD}"),
        "/api/v1/targets?year=2025".to_owned(),
        "/api/v1/targets/progress?year=2025&as_of=2025-06-30".to_owned(),
        // Investors are shared records, whoever's projects they invest in.
        "/api/v1/investors?per_page=200".to_owned(),
    ];
    let (_, admin) = w.callers.last().unwrap();
    for path in &figures {
        let expected = get_as(&app, admin, path).await.expect(200);
        for (role, token) in &w.callers {
            let body = get_as(&app, token, path).await.expect(200);
            assert_eq!(body, expected, "{role} {path}: every role reads the same figures");
        }
    }
    // And the figures do hold team B.
    let of_b = get_as(&app, admin, &format!("/api/v1/kpis?{PERIOD}&team_id={b}"))
        .await
        .expect(200);
    assert_eq!(of_b["team_id"], b);
    // B-RED, and B-IMP of B's member's ledger.
    assert_eq!(of_b["overall"]["sign_rate"]["numerator"], 2, "{of_b:#}");
    let grouped = get_as(&app, admin, &format!("/api/v1/kpis?{PERIOD}&group_by=team"))
        .await
        .expect(200);
    assert!(values(&grouped, "groups", "id").contains(&&json!(b)), "{grouped:#}");
    let league = get_as(&app, admin, &format!("/api/v1/league?{PERIOD}"))
        .await
        .expect(200);
    assert!(values(&league, "teams", "team_id").contains(&&json!(b)), "{league:#}");
    let targets = get_as(&app, admin, "/api/v1/targets?year=2025").await.expect(200);
    assert!(values(&targets, "", "team_id").contains(&&json!(b)), "{targets:#}");
    // The investor of B's imported project.
    let investors = get_as(&app, admin, "/api/v1/investors?per_page=200").await.expect(200);
    assert!(
        values(&investors, "items", "name").contains(&&json!("重庆龙水五金有限公司")),
        "{investors:#}"
    );
}

#[tokio::test]
async fn the_report_keeps_every_teams_figures_and_only_the_readers_project_rows() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (_, admin) = w.callers.last().unwrap();
    let report = |token: &str, filter: String| {
        let app = &app;
        let token = token.to_owned();
        async move {
            let (status, _, _, bytes) = download(app, &token, &format!("/api/v1/reports/kpi?{PERIOD}{filter}")).await;
            assert_eq!(status, 200, "the report{filter}");
            sheets(bytes)
        }
    };
    let b_name = HARDWARE;
    for filter in [String::new(), format!("&team_id={}", w.team_b)] {
        let full = report(admin, filter.clone()).await;
        for (role, token) in &w.callers {
            let sees = World::sees_b_rows(role);
            let book = report(token, filter.clone()).await;
            // The figures: the cover's rates, the league and the trend are the administrator's.
            // From the summary in words on (above it: title, period and the reader's note).
            let figures = |cover: &[Vec<String>]| {
                let summary = cover
                    .iter()
                    .position(|row| row[0].contains("在谈项目"))
                    .expect("the cover states the figures in words");
                cover[summary..].to_vec()
            };
            assert_eq!(
                figures(sheet(&book, "概览")),
                figures(sheet(&full, "概览")),
                "{role}{filter}: the cover's figures"
            );
            for name in ["赛马榜", "月度趋势"] {
                assert_eq!(sheet(&book, name), sheet(&full, name), "{role}{filter}: {name}");
            }
            assert!(
                mentions(sheet(&book, "赛马榜"), b_name),
                "{role}{filter}: B in the league"
            );
            // The project sheets: B's projects for leaders and admins only; A's when the
            // report is not on B.
            let on_b = !filter.is_empty();
            for name in PROJECT_SHEETS {
                let rows = sheet(&book, name);
                assert_eq!(mentions(rows, "B-RED"), sees, "{role}{filter}: {name}");
                assert_eq!(mentions(rows, "A-RED"), !on_b, "{role}{filter}: {name}");
            }
            // The cover says when rows were left out, and why.
            // Below the title and period, above the figures in words.
            let cover = sheet(&book, "概览");
            let note = cover
                .get(2)
                .and_then(|row| row.first())
                .filter(|first| !first.contains("在谈项目"))
                .cloned()
                .unwrap_or_default();
            if sees {
                assert!(note.is_empty(), "{role}{filter}: {note}");
            } else if on_b {
                assert!(
                    note.contains(b_name) && note.contains("未列项目"),
                    "{role}{filter}: {note}"
                );
            } else {
                assert!(
                    note.contains(ELEVATOR) && note.contains("仅列本专班"),
                    "{role}{filter}: {note}"
                );
            }
        }
    }
    // The report on A for A's member lists A's projects and needs no note.
    let (_, member) = &w.callers[0];
    let own = report(member, format!("&team_id={}", w.team_a)).await;
    assert!(mentions(sheet(&own, "预警项目"), "A-RED"));
    assert!(
        sheet(&own, "概览").get(2).is_none_or(|row| row[0].contains("在谈项目")),
        "below the period line, the figures in words and no note"
    );
}

#[tokio::test]
async fn import_runs_are_read_by_who_ran_them_their_team_leaders_and_admins() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    for (role, token) in &w.callers {
        let sees = World::sees_b_rows(role);
        let history = get_as(&app, token, "/api/v1/imports").await.expect(200);
        let ids = values(&history, "items", "id");
        // A's member's run: their own, and their team lead's to read.
        assert!(ids.contains(&&json!(w.run_a)), "{role}: {history:#}");
        // B's member's run, with B's rows in its report, and the administrator's (no team).
        assert_eq!(ids.contains(&&json!(w.run_b)), sees, "{role}: {history:#}");
        assert_eq!(ids.contains(&&json!(w.run_admin)), sees, "{role}: {history:#}");
        assert_eq!(history["total"], if sees { 3 } else { 1 }, "{role}");

        get_as(&app, token, &format!("/api/v1/imports/{}", w.run_a))
            .await
            .expect(200);
        for run in [w.run_b, w.run_admin] {
            let reply = get_as(&app, token, &format!("/api/v1/imports/{run}")).await;
            if sees {
                let body = reply.expect(200);
                if run == w.run_b {
                    assert_eq!(body["report"]["changes"][0]["project_code"], "B-IMP", "{body:#}");
                    assert_eq!(body["team_id"], w.team_b);
                }
            } else {
                let body = reply.expect(403);
                assert!(
                    body["message"].as_str().unwrap().contains(&format!("导入记录{run}")),
                    "{role}: {body}"
                );
            }
        }
    }
}
