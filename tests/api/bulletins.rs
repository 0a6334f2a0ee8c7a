//! The bulletins (月通报, 季亮晒, 周督查) read back from their DOCX (a zip of XML: the text of
//! each paragraph and table cell): each figure equals the KPI API's for the same period, the
//! sentences state them with 环比 and 同比, the league is in the league API's order; the
//! weekly list names every overdue item with its 包保领导; the project lists follow the
//! reader's rows; a published bulletin downloads byte for byte as published after the data
//! changed, is refused a second time without a reason and versioned with one, and leaves an
//! audit entry.

use std::io::Read;

use poem::http::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use zhaoshang::domain::wording::{change_of_count, percent, wan};

use crate::exports::download;
use crate::helpers::TestApp;
use crate::kpi::{ELEVATOR, HYDROGEN, Proj, add, fund};

/// The document's text: its paragraphs outside tables, and its tables as rows of cells.
struct Text {
    paragraphs: Vec<String>,
    tables: Vec<Vec<Vec<String>>>,
}

impl Text {
    fn read(docx: &[u8]) -> Self {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a DOCX is a zip");
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .expect("word/document.xml")
            .read_to_string(&mut xml)
            .unwrap();
        let tag = regex::Regex::new(r"<(/?)w:(tbl|tr|tc|p|t)(?:\s[^>]*)?(/?)>").unwrap();
        let (mut paragraphs, mut tables) = (Vec::new(), Vec::new());
        let (mut depth, mut row, mut cell, mut paragraph) = (0, Vec::new(), String::new(), String::new());
        let mut in_text = false;
        let mut last = 0;
        for m in tag.captures_iter(&xml) {
            let whole = m.get(0).unwrap();
            if in_text {
                paragraph += &unescape(&xml[last..whole.start()]);
            }
            last = whole.end();
            let (closing, name, empty) = (&m[1] == "/", &m[2], &m[3] == "/");
            match (name, closing, empty) {
                ("t", false, false) => in_text = true,
                ("t", true, _) => in_text = false,
                ("tbl", false, _) => {
                    depth += 1;
                    tables.push(Vec::new());
                }
                ("tbl", true, _) => depth -= 1,
                ("tr", true, _) => tables.last_mut().unwrap().push(std::mem::take(&mut row)),
                ("tc", true, _) => row.push(std::mem::take(&mut cell)),
                ("p", true, _) | ("p", false, true) => {
                    let text = std::mem::take(&mut paragraph);
                    if depth > 0 {
                        cell += &text;
                    } else if !text.is_empty() {
                        paragraphs.push(text);
                    }
                }
                _ => {}
            }
        }
        Self { paragraphs, tables }
    }

    fn all(&self) -> String {
        self.paragraphs.join("\n")
    }

    /// The table whose header row starts with `first`.
    fn table(&self, first: &str) -> &Vec<Vec<String>> {
        self.tables
            .iter()
            .find(|t| t.first().and_then(|h| h.first()).map(String::as_str) == Some(first))
            .unwrap_or_else(|| panic!("no table headed {first}: {:?}", self.tables))
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn decimal(value: &Value) -> Decimal {
    match value {
        Value::String(s) => s.parse().unwrap(),
        Value::Number(n) => n.to_string().parse().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

fn rate(value: &Value) -> Option<Decimal> {
    (!value.is_null()).then(|| decimal(value))
}

/// 万元 in the API (four decimals) as the bulletin writes it.
fn wan_of(value: &Value) -> String {
    let yuan = decimal(value) * Decimal::from(10_000);
    wan(i64::try_from(yuan.mantissa() / 10_i128.pow(yuan.scale())).unwrap())
}

async fn bulletin(app: &TestApp, token: &str, query: &str) -> (u16, Vec<u8>) {
    let (status, content_type, _, bytes) = download(app, token, &format!("/api/v1/bulletins/{query}")).await;
    if status == 200 {
        assert_eq!(
            content_type.as_deref(),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
    }
    (status, bytes)
}

/// Two teams' projects around 2026: signings, payments, a project long overdue.
pub async fn scenario(app: &TestApp) {
    for (code, team, negotiating, signed, contracted) in [
        ("E1", ELEVATOR, "2025-09-01", Some("2025-10-10"), "300"),
        ("E2", ELEVATOR, "2025-09-15", Some("2025-11-05"), "120.5"),
        ("E3", ELEVATOR, "2025-10-01", None, ""),
        ("H1", HYDROGEN, "2025-08-01", Some("2025-11-20"), "80"),
        ("H2", HYDROGEN, "2025-10-20", None, ""),
    ] {
        let id = add(
            app,
            Proj {
                code,
                team,
                negotiating: Some(negotiating),
                signed: signed.map(|d| (d, contracted)),
                promised_start: signed.map(|_| "2026-01-31"),
                ..Proj::default()
            },
        )
        .await;
        if code == "E1" {
            fund(app, id, "2025-11-12", "150", true).await;
        }
        if code == "H1" {
            fund(app, id, "2025-11-25", "8", true).await;
        }
    }
    // Last year: one signing in November 2024.
    add(
        app,
        Proj {
            code: "E0",
            team: ELEVATOR,
            negotiating: Some("2024-10-01"),
            signed: Some(("2024-11-11", "50")),
            started: Some("2024-12-01"),
            ..Proj::default()
        },
    )
    .await;
}

#[tokio::test]
async fn the_monthly_bulletin_states_the_kpi_apis_figures_in_sentences() {
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let as_of = "2025-12-07";
    let (status, bytes) = bulletin(&app, &app.token, &format!("monthly?period=2025-11&as_of={as_of}")).await;
    assert_eq!(status, 200);
    let text = Text::read(&bytes);
    let all = text.all();
    let settings = app.get("/api/v1/settings").await.expect(200);
    assert!(
        all.contains(settings["bulletin"]["title_monthly"].as_str().unwrap()),
        "{all}"
    );
    assert!(all.contains(settings["bulletin"]["issuer"].as_str().unwrap()), "{all}");
    assert!(all.contains("2025年11月全区招商引资工作情况"), "{all}");

    let kpis = |from: &str, to: &str, as_of: &str| {
        let app = &app;
        let path = format!("/api/v1/kpis?from={from}&to={to}&as_of={as_of}");
        async move { app.get(&path).await.expect(200)["overall"].clone() }
    };
    let current = kpis("2025-11-01", "2025-11-30", as_of).await;
    let previous = kpis("2025-10-01", "2025-10-31", "2025-10-31").await;
    let last_year = kpis("2024-11-01", "2024-11-30", "2024-11-30").await;
    let count = |set: &Value, key: &str| set["bulletin"][key].as_i64().unwrap();
    // 总体情况: the month's counts with 环比 and 同比, as the KPI API counts them.
    let signed = count(&current, "projects_signed");
    assert_eq!(signed, 2, "E2 and H1 signed in November");
    let sentence = format!(
        "2025年11月，全区新签约项目{signed}个，{}、{}；签约合同投资额{}",
        change_of_count("环比", signed, count(&previous, "projects_signed"), "个"),
        change_of_count("同比", signed, count(&last_year, "projects_signed"), "个"),
        wan_of(&current["bulletin"]["contracted_investment_signed"]),
    );
    assert!(all.contains(&sentence), "{sentence}\n{all}");
    assert!(
        all.contains("环比增加1个、同比增加1个"),
        "E1 in October, E0 in November 2024: {all}"
    );
    assert!(all.contains(&format!(
        "计入考核的到位资金{}",
        wan_of(&current["bulletin"]["funds_arrived"])
    )));
    // The three rates with their parts.
    let sign = &current["sign_rate"];
    let stated = format!(
        "项目签约率{}（在谈项目{}个，签约{}个）",
        percent(rate(&sign["rate"])),
        sign["denominator"],
        sign["numerator"]
    );
    assert!(all.contains(&stated), "{stated}\n{all}");
    let funds = &current["funds_arrival_rate"];
    let stated = format!(
        "资金到位率{}（签约项目合同投资额{}，到位资金{}）",
        percent(rate(&funds["rate"])),
        wan_of(&funds["denominator"]),
        wan_of(&funds["numerator"])
    );
    assert!(all.contains(&stated), "{stated}\n{all}");
    let production = &current["production_effectiveness_rate"];
    assert!(all.contains(&format!(
        "投产达效率{}（应投产项目{}个",
        percent(rate(&production["rate"])),
        production["denominator"]
    )));
    // The year to date, in the report's words.
    let ytd = kpis("2025-01-01", "2025-11-30", as_of).await;
    assert!(all.contains(&format!(
        "2025年1—11月，全区在谈项目{}个，其中签约{}个，签约率{}",
        ytd["sign_rate"]["denominator"],
        ytd["sign_rate"]["numerator"],
        percent(rate(&ytd["sign_rate"]["rate"]))
    )));

    // The league in the league API's order, with its ranks and rates.
    let league = app
        .get(&format!("/api/v1/league?from=2025-11-01&to=2025-11-30&as_of={as_of}"))
        .await
        .expect(200);
    let table = text.table("排名");
    let teams = league["teams"].as_array().unwrap();
    assert_eq!(table.len() - 1, teams.len());
    for (row, team) in table[1..].iter().zip(teams) {
        assert_eq!(row[2], team["team_name"].as_str().unwrap());
        assert_eq!(row[0], team["rank"].to_string());
        assert_eq!(row[4], percent(rate(&team["sign_rate"])), "{team}");
        assert_eq!(
            row[1],
            zhaoshang::domain::wording::rank_change(team["rank_change"].as_i64())
        );
    }

    // The same bulletin's figures through a publication are the document's.
    let published = app
        .post(
            "/api/v1/publications",
            json!({"kind": "monthly", "period": "2025-11", "as_of": as_of}),
        )
        .await
        .expect(200);
    let stored = app
        .get(&format!("/api/v1/publications/{}", published["id"]))
        .await
        .expect(200);
    let figures = &stored["figures"];
    assert_eq!(figures["current"]["projects_signed"], signed);
    assert_eq!(figures["current"]["sign_rate"]["numerator"], sign["numerator"]);
    assert_eq!(
        figures["previous"]["projects_signed"],
        count(&previous, "projects_signed")
    );
    assert_eq!(
        figures["last_year"]["projects_signed"],
        count(&last_year, "projects_signed")
    );
}

#[tokio::test]
async fn a_published_bulletin_stays_as_published() {
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let as_of = "2025-12-07";
    let publish = |body: Value| {
        let app = &app;
        async move { app.post("/api/v1/publications", body).await }
    };
    let first = publish(json!({"kind": "monthly", "period": "2025-11", "as_of": as_of}))
        .await
        .expect(200);
    assert_eq!(first["version"], 1);
    assert_eq!(first["period"], "2025-11");
    let id = first["id"].as_i64().unwrap();
    let document = format!("/api/v1/publications/{id}/document");
    let (status, _, disposition, published) = download(&app, &app.token, &document).await;
    assert_eq!(status, 200);
    assert!(disposition.unwrap().contains("2025-11_v1.docx"));
    assert_eq!(published.len() as i64, first["document_bytes"].as_i64().unwrap());
    let before = app.get(&format!("/api/v1/publications/{id}")).await.expect(200);

    // The data changes: another November signing, with its payment.
    let late = add(
        &app,
        Proj {
            code: "H9",
            team: HYDROGEN,
            negotiating: Some("2025-10-01"),
            signed: Some(("2025-11-28", "1000")),
            ..Proj::default()
        },
    )
    .await;
    fund(&app, late, "2025-11-29", "400", true).await;
    let (_, fresh) = bulletin(&app, &app.token, &format!("monthly?period=2025-11&as_of={as_of}")).await;
    assert!(
        Text::read(&fresh).all().contains("全区新签约项目3个"),
        "a bulletin written now counts the new signing"
    );
    let (status, _, _, again) = download(&app, &app.token, &document).await;
    assert_eq!(status, 200);
    assert_eq!(again, published, "the publication downloads byte for byte as published");
    assert!(Text::read(&again).all().contains("全区新签约项目2个"));
    let after = app.get(&format!("/api/v1/publications/{id}")).await.expect(200);
    assert_eq!(after, before, "its figures too");

    // Publishing the period again: refused without a reason, the next version with one.
    let refused = publish(json!({"kind": "monthly", "period": "2025-11", "as_of": as_of}))
        .await
        .expect(409);
    assert!(refused["message"].as_str().unwrap().contains("第2版"), "{refused}");
    let second = publish(json!({"kind": "monthly", "period": "2025-11", "as_of": as_of, "reason": "补录H9项目签约"}))
        .await
        .expect(200);
    assert_eq!(second["version"], 2);
    assert_ne!(second["document_sha256"], first["document_sha256"]);
    let list = app.get("/api/v1/publications?kind=monthly").await.expect(200);
    let versions: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![2, 1]);
    let (_, _, _, still) = download(&app, &app.token, &document).await;
    assert_eq!(still, published, "the first version is kept");

    // The audit trail: who published what, and why the reissue.
    let trail = app.get("/api/v1/audit?entity=publication").await.expect(200);
    assert_eq!(trail["total"], 2, "{trail}");
    assert!(trail.to_string().contains("补录H9项目签约"), "{trail}");

    // Team members list the publications but read neither figures nor documents (they name
    // every team's projects), and do not publish.
    let member = app.token_for("member_e", "member", Some(ELEVATOR)).await;
    let listed = app
        .send_as(Some(&member), Method::GET, "/api/v1/publications", None)
        .await
        .expect(200);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    for path in [format!("/api/v1/publications/{id}"), document.clone()] {
        app.send_as(Some(&member), Method::GET, &path, None).await.expect(403);
    }
    app.send_as(
        Some(&member),
        Method::POST,
        "/api/v1/publications",
        Some(json!({"kind": "weekly"})),
    )
    .await
    .expect(403);
    let leader = app.token_for("leader_l", "leader", None).await;
    let (status, _, _, by_leader) = download(&app, &leader, &document).await;
    assert_eq!((status, by_leader == published), (200, true));
}

#[tokio::test]
async fn the_weekly_list_names_every_overdue_item_with_its_sponsor() {
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let project = |code: &str| {
        let app = &app;
        let path = format!("/api/v1/projects?q={code}");
        async move { app.get(&path).await.expect(200)["items"][0].clone() }
    };
    let e1 = project("E1").await;
    let id = e1["id"].as_i64().unwrap();
    let mut body = e1.clone();
    body["sponsoring_leader"] = json!("张副区长");
    app.patch(
        &format!("/api/v1/projects/{id}"),
        json!({"sponsoring_leader": "张副区长", "version": e1["version"]}),
    )
    .await
    .expect(200);
    // A follow-up whose next step was due on 2026-03-01 and nothing since.
    app.post(
        &format!("/api/v1/projects/{id}/activities"),
        json!({"occurred_on": "2026-02-10", "kind": "visit_out", "summary": "赴企业总部洽谈设备进场",
               "next_step": "协调供电接入", "due_on": "2026-03-01"}),
    )
    .await
    .expect(200);
    let as_of = "2026-03-31";
    let (status, bytes) = bulletin(&app, &app.token, &format!("weekly?as_of={as_of}")).await;
    assert_eq!(status, 200);
    let text = Text::read(&bytes);
    // Construction promised 2026-01-31 for every signed project: E1 E2 H1 are 59 days late.
    let milestones = text
        .tables
        .iter()
        .filter(|t| t[0].get(2).map(String::as_str) == Some("逾期节点"))
        .flat_map(|t| t[1..].iter())
        .collect::<Vec<_>>();
    assert_eq!(milestones.len(), 3, "{milestones:?}");
    let e1_row = milestones.iter().find(|r| r[0].contains("E1")).expect("E1 listed");
    assert_eq!(e1_row[1], "张副区长");
    assert_eq!(e1_row[2], "开工节点");
    assert_eq!(e1_row[4], "59");
    assert!(e1_row[5].contains("赴企业总部洽谈设备进场"), "{e1_row:?}");
    let follow_ups = text
        .tables
        .iter()
        .filter(|t| t[0].get(2).map(String::as_str) == Some("待办事项"))
        .flat_map(|t| t[1..].iter())
        .collect::<Vec<_>>();
    assert_eq!(follow_ups.len(), 1, "{follow_ups:?}");
    assert_eq!(follow_ups[0][2], "协调供电接入");
    assert_eq!(follow_ups[0][4], "30");
    assert!(
        text.all()
            .contains("逾期未完成的约定节点3个、逾期未办结的跟进事项1个，涉及项目3个")
    );

    // A member of the hydrogen team sees its own project only.
    let member = app.token_for("member_h", "member", Some(HYDROGEN)).await;
    let (status, bytes) = bulletin(&app, &member, &format!("weekly?as_of={as_of}")).await;
    assert_eq!(status, 200);
    let text = Text::read(&bytes);
    let listed: Vec<&Vec<String>> = text.tables.iter().flat_map(|t| t[1..].iter()).collect();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0][0].contains("H1"));
    assert!(text.all().contains("仅为本专班项目"));
}

#[tokio::test]
async fn the_monthly_bulletins_project_lists_follow_the_readers_rows() {
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let as_of = "2026-03-31";
    let query = format!("monthly?period=2026-03&as_of={as_of}");
    let (_, bytes) = bulletin(&app, &app.token, &query).await;
    let admin = Text::read(&bytes);
    let red_rows = |text: &Text| {
        text.tables
            .iter()
            .filter(|t| t[0].first().map(String::as_str) == Some("预警"))
            .flat_map(|t| t[1..].iter().map(|r| r[1].clone()))
            .collect::<Vec<_>>()
    };
    // E1, E2 and H1 have not started construction two months after its promised date; E0 has
    // no counted funds well into its schedule.
    let mut everyone = red_rows(&admin);
    everyone.sort();
    assert_eq!(everyone, vec!["E0", "E1", "E2", "H1"]);
    let member = app.token_for("member_e", "member", Some(ELEVATOR)).await;
    let (_, bytes) = bulletin(&app, &member, &query).await;
    let own = Text::read(&bytes);
    let mut listed = red_rows(&own);
    listed.sort();
    assert_eq!(listed, vec!["E0", "E1", "E2"]);
    // The figures are everyone's.
    assert_eq!(admin.table("排名"), own.table("排名"));
    assert_eq!(
        admin.paragraphs.iter().find(|p| p.contains("全区新签约项目")),
        own.paragraphs.iter().find(|p| p.contains("全区新签约项目"))
    );
    // Periods the bulletin cannot have.
    for bad in [
        "monthly?period=2026-13",
        "monthly?period=2099-01",
        "weekly?period=2026-03",
        "yearly",
    ] {
        let (status, _) = bulletin(&app, &app.token, bad).await;
        assert!(status == 422 || status == 400, "{bad}: {status}");
    }
}
