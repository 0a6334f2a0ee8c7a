//! The KPI engine on small hand-computed scenarios built through the API: every basis, every
//! grouping and the edges (no negotiation date, terminations, a backward move, events on the
//! period boundaries, `as_of` before an event, zero denominators, default promised dates),
//! plus settings and targets. Every expected value is a literal with its derivation.

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A project to build through the API: logged as a lead on 2024-01-01, then moved through the
/// stages whose dates are given, in order.
#[derive(Debug, Clone, Copy)]
pub struct Proj<'a> {
    pub code: &'a str,
    pub team: &'a str,
    pub cluster: Option<&'a str>,
    pub park: Option<&'a str>,
    pub negotiating: Option<&'a str>,
    /// (signing date, contracted investment in 万元).
    pub signed: Option<(&'a str, &'a str)>,
    pub promised_start: Option<&'a str>,
    pub promised_production: Option<&'a str>,
    pub promised_full: Option<&'a str>,
    pub started: Option<&'a str>,
    pub producing: Option<&'a str>,
    pub effective: Option<&'a str>,
    pub terminated: Option<&'a str>,
}

pub const ELEVATOR: &str = "智能电梯专班";
pub const HYDROGEN: &str = "氢能专班";
pub const ROBOT: &str = "机器人专班";

impl Default for Proj<'_> {
    fn default() -> Self {
        Self {
            code: "",
            team: ELEVATOR,
            cluster: None,
            park: None,
            negotiating: None,
            signed: None,
            promised_start: None,
            promised_production: None,
            promised_full: None,
            started: None,
            producing: None,
            effective: None,
            terminated: None,
        }
    }
}

/// Builds the project; returns its id.
pub async fn add(app: &TestApp, p: Proj<'_>) -> i64 {
    let team_id = app.reference_id("teams", p.team).await;
    let cluster_id = match p.cluster {
        Some(name) => json!(app.reference_id("clusters", name).await),
        None => Value::Null,
    };
    let park_id = match p.park {
        Some(name) => json!(app.reference_id("parks", name).await),
        None => Value::Null,
    };
    let project = app
        .post(
            "/api/v1/projects",
            json!({"code": p.code, "name": format!("{}项目", p.code), "team_id": team_id,
                   "cluster_id": cluster_id, "park_id": park_id, "lead_on": "2024-01-01"}),
        )
        .await
        .expect(200);
    let id = project["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{id}/transitions");
    if let Some(date) = p.negotiating {
        app.post(&path, json!({"stage": "negotiating", "date": date}))
            .await
            .expect(200);
    }
    if let Some((date, contracted)) = p.signed {
        app.post(
            &path,
            json!({"stage": "signed", "contract": {
                "agreement_type": "formal", "signed_on": date, "contracted_investment": contracted,
                "promised_start_on": p.promised_start, "promised_production_on": p.promised_production,
                "promised_full_production_on": p.promised_full}}),
        )
        .await
        .expect(200);
    }
    for (stage, date) in [
        ("started", p.started),
        ("producing", p.producing),
        ("effective", p.effective),
    ] {
        if let Some(date) = date {
            app.post(&path, json!({"stage": stage, "date": date})).await.expect(200);
        }
    }
    if let Some(date) = p.terminated {
        app.post(
            &path,
            json!({"stage": "terminated", "date": date, "reason": "投资方撤回"}),
        )
        .await
        .expect(200);
    }
    id
}

/// Records a payment (万元).
pub async fn fund(app: &TestApp, id: i64, arrived_on: &str, amount: &str, counted: bool) {
    app.post(
        &format!("/api/v1/projects/{id}/fundings"),
        json!({"arrived_on": arrived_on, "amount": amount, "kind": "fixed_asset", "counted": counted}),
    )
    .await
    .expect(200);
}

/// Moves a project back to an earlier stage (a signing that fell through).
pub async fn move_back(app: &TestApp, id: i64, stage: &str, date: &str) {
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": stage, "date": date, "reason": "签约未履行，退回洽谈"}),
    )
    .await
    .expect(200);
}

/// GET a JSON resource, expecting 200.
pub async fn get_ok(app: &TestApp, path: &str) -> Value {
    app.get(path).await.expect(200)
}

async fn kpis(app: &TestApp, query: &str) -> Value {
    get_ok(app, &format!("/api/v1/kpis?{query}")).await
}

/// (numerator, denominator, rate) of a rate object.
fn parts(rate: &Value) -> (Value, Value, Value) {
    (
        rate["numerator"].clone(),
        rate["denominator"].clone(),
        rate["rate"].clone(),
    )
}

/// The group with `key`.
fn group<'v>(report: &'v Value, key: &str) -> &'v Value {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no group {key} in {:#}", report["groups"]))
}

fn keys(report: &Value) -> Vec<String> {
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap().to_string())
        .collect()
}

/// The sign-rate scenario: period 2025 Q1.
async fn sign_scenario(app: &TestApp) {
    let p = Proj::default();
    // A: negotiating before the period, signed in it.
    add(
        app,
        Proj {
            code: "A",
            negotiating: Some("2024-11-01"),
            signed: Some(("2025-02-10", "100")),
            ..p
        },
    )
    .await;
    // B: signed before the period: out.
    add(
        app,
        Proj {
            code: "B",
            negotiating: Some("2024-10-01"),
            signed: Some(("2024-12-31", "100")),
            ..p
        },
    )
    .await;
    // C: signed on `from` without a negotiation date: negotiates from 2025-01-01.
    add(
        app,
        Proj {
            code: "C",
            signed: Some(("2025-01-01", "100")),
            ..p
        },
    )
    .await;
    // D: negotiation begins on `to`.
    add(
        app,
        Proj {
            code: "D",
            negotiating: Some("2025-03-31"),
            ..p
        },
    )
    .await;
    // E: negotiation begins after `to`: out.
    add(
        app,
        Proj {
            code: "E",
            negotiating: Some("2025-04-01"),
            ..p
        },
    )
    .await;
    // F: terminated in the period: stays in the denominator.
    add(
        app,
        Proj {
            code: "F",
            negotiating: Some("2024-06-01"),
            terminated: Some("2025-02-01"),
            ..p
        },
    )
    .await;
    // G: terminated before the period: out.
    add(
        app,
        Proj {
            code: "G",
            negotiating: Some("2024-06-01"),
            terminated: Some("2024-12-31"),
            ..p
        },
    )
    .await;
    // H: signed on `to`, terminated later: stays signed and in the denominator.
    add(
        app,
        Proj {
            code: "H",
            negotiating: Some("2024-12-01"),
            signed: Some(("2025-03-31", "100")),
            terminated: Some("2025-05-01"),
            ..p
        },
    )
    .await;
    // I: negotiating in the period, signed after it.
    add(
        app,
        Proj {
            code: "I",
            negotiating: Some("2025-01-15"),
            signed: Some(("2025-04-01", "100")),
            ..p
        },
    )
    .await;
    // J: signed in the period, then moved back to negotiating: not signed.
    let j = add(
        app,
        Proj {
            code: "J",
            negotiating: Some("2024-12-01"),
            signed: Some(("2025-02-01", "100")),
            ..p
        },
    )
    .await;
    move_back(app, j, "negotiating", "2025-03-01").await;
    // K: terminated exactly on `from`: not before it, so in.
    add(
        app,
        Proj {
            code: "K",
            negotiating: Some("2024-05-01"),
            terminated: Some("2025-01-01"),
            ..p
        },
    )
    .await;
}

#[tokio::test]
async fn sign_rate_period_basis_covers_every_edge() {
    let app = TestApp::spawn().await;
    sign_scenario(&app).await;
    let q1 = "from=2025-01-01&to=2025-03-31";
    let report = kpis(&app, &format!("{q1}&as_of=2025-06-30")).await;
    assert_eq!(report["sign_basis"], "period");
    assert_eq!(report["as_of"], "2025-06-30");
    assert_eq!(report["overall"]["sign_rate"]["basis"], "period");
    // den A C D F H I J K = 8; num A C H = 3; 3/8
    assert_eq!(
        parts(&report["overall"]["sign_rate"]),
        (json!(3), json!(8), json!(0.375))
    );
    // signed in Q1 (J's signing was undone): A C H
    assert_eq!(report["overall"]["bulletin"]["projects_signed"], 3);
    assert_eq!(
        report["overall"]["bulletin"]["contracted_investment_signed"],
        "300.0000"
    );
    assert_eq!(report["settings"]["default_production_months"], 24);

    // As of 2025-02-15: D has not begun negotiating; H and I are not signed yet.
    let early = kpis(&app, &format!("{q1}&as_of=2025-02-15")).await;
    // den A C F H I J K = 7; num A C = 2; 2/7 = 0.2857142…
    assert_eq!(
        parts(&early["overall"]["sign_rate"]),
        (json!(2), json!(7), json!(0.285714))
    );

    // Drill-down lists the eight, marked.
    let drill = get_ok(&app, &format!("/api/v1/kpis/sign_rate/projects?{q1}&as_of=2025-06-30")).await;
    assert_eq!(drill["total"], 8);
    assert_eq!(drill["basis"], "period");
    let listed: Vec<(String, bool)> = drill["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap().to_string(),
                i["in_numerator"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, bool)> = [
        ("A", true),
        ("C", true),
        ("D", false),
        ("F", false),
        ("H", true),
        ("I", false),
        ("J", false),
        ("K", false),
    ]
    .iter()
    .map(|(c, n)| (c.to_string(), *n))
    .collect();
    assert_eq!(listed, expected);
    let c = &drill["items"][1];
    assert_eq!(c["negotiation_began_on"], "2025-01-01");
    assert_eq!(c["negotiation_began_at_signing"], true);
    let h = &drill["items"][4];
    assert_eq!(h["terminated_on"], "2025-05-01");
    assert_eq!(h["signed_on"], "2025-03-31");
    // As of 2025-02-15 H's signing and termination are not known yet.
    let drill = get_ok(
        &app,
        &format!("/api/v1/kpis/sign_rate/projects?{q1}&as_of=2025-02-15&per_page=2&page=3"),
    )
    .await;
    assert_eq!(drill["total"], 7);
    // Page 3 of 2: items 5 and 6 of A C F H I J K: I, J.
    let codes: Vec<&str> = drill["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["I", "J"]);
    // The total is right on every kind of page: a last page part full, a page past the end, and
    // a first page holding everything.
    for (page, per_page, listed) in [(4, 2, 1), (5, 2, 0), (1, 50, 7)] {
        let drill = get_ok(
            &app,
            &format!("/api/v1/kpis/sign_rate/projects?{q1}&as_of=2025-02-15&per_page={per_page}&page={page}"),
        )
        .await;
        assert_eq!(drill["total"], 7, "page {page} of {per_page}");
        assert_eq!(
            drill["items"].as_array().unwrap().len(),
            listed,
            "page {page} of {per_page}"
        );
    }

    // No negotiation before 2023-03-31: zero denominator, null rate.
    let empty = kpis(&app, "from=2023-01-01&to=2023-03-31&as_of=2025-06-30").await;
    assert_eq!(parts(&empty["overall"]["sign_rate"]), (json!(0), json!(0), Value::Null));
    assert_eq!(empty["overall"]["funds_arrival_rate"]["rate"], Value::Null);
    assert_eq!(empty["overall"]["funds_arrival_rate"]["denominator"], "0.0000");
}

#[tokio::test]
async fn sign_rate_cohort_basis_and_month_grouping() {
    let app = TestApp::spawn().await;
    sign_scenario(&app).await;
    let q1 = "from=2025-01-01&to=2025-03-31";
    let cohort = kpis(&app, &format!("{q1}&as_of=2025-06-30&sign_basis=cohort")).await;
    assert_eq!(cohort["overall"]["sign_rate"]["basis"], "cohort");
    // began in Q1: C (at signing) D I = 3; signed by 2025-06-30: C I = 2; 2/3
    assert_eq!(
        parts(&cohort["overall"]["sign_rate"]),
        (json!(2), json!(3), json!(0.666667))
    );
    // As of 2025-03-31 I (signed 2025-04-01) is not signed yet: 1/3
    let cohort = kpis(&app, &format!("{q1}&as_of=2025-03-31&sign_basis=cohort")).await;
    assert_eq!(
        parts(&cohort["overall"]["sign_rate"]),
        (json!(1), json!(3), json!(0.333333))
    );

    // By month: the sign rate by the later of negotiation start and `from`, signings by date.
    let months = kpis(&app, &format!("{q1}&as_of=2025-06-30&group_by=month")).await;
    assert_eq!(keys(&months), vec!["2025-01", "2025-02", "2025-03"]);
    // 2025-01: A C F H I J K (all began by January) = 7; signed in Q1: A C H = 3; 3/7
    assert_eq!(
        parts(&group(&months, "2025-01")["kpis"]["sign_rate"]),
        (json!(3), json!(7), json!(0.428571))
    );
    // 2025-02: nobody entered; A was signed in February.
    assert_eq!(
        parts(&group(&months, "2025-02")["kpis"]["sign_rate"]),
        (json!(0), json!(0), Value::Null)
    );
    assert_eq!(group(&months, "2025-02")["kpis"]["bulletin"]["projects_signed"], 1);
    // 2025-03: D (began 2025-03-31), not signed: 0/1; H signed 2025-03-31.
    assert_eq!(
        parts(&group(&months, "2025-03")["kpis"]["sign_rate"]),
        (json!(0), json!(1), json!(0.0))
    );
    assert_eq!(group(&months, "2025-03")["kpis"]["bulletin"]["projects_signed"], 1);
    assert_eq!(group(&months, "2025-01")["name"], "2025-01");
    assert_eq!(group(&months, "2025-01")["id"], Value::Null);
    // The overall set is the sum of the groups.
    assert_eq!(
        parts(&months["overall"]["sign_rate"]),
        (json!(3), json!(8), json!(0.375))
    );
}

#[tokio::test]
async fn funds_arrival_rate_on_each_basis() {
    let app = TestApp::spawn().await;
    let p = Proj::default();
    let p1 = add(
        &app,
        Proj {
            code: "P1",
            signed: Some(("2025-02-01", "1000")),
            ..p
        },
    )
    .await;
    fund(&app, p1, "2025-03-01", "200", true).await;
    fund(&app, p1, "2025-05-01", "50", false).await; // not counted
    fund(&app, p1, "2025-08-01", "100", true).await; // after the period, before as_of
    fund(&app, p1, "2025-10-15", "300", true).await; // after as_of
    // Signed on `to`.
    let p2 = add(
        &app,
        Proj {
            code: "P2",
            signed: Some(("2025-06-30", "500.0001")),
            ..p
        },
    )
    .await;
    fund(&app, p2, "2025-07-01", "100", true).await;
    // Signed before the period; paid on `from` and before it.
    let p3 = add(
        &app,
        Proj {
            code: "P3",
            signed: Some(("2024-12-31", "2000")),
            ..p
        },
    )
    .await;
    fund(&app, p3, "2025-01-01", "400", true).await;
    fund(&app, p3, "2024-12-31", "100", true).await;
    // Terminated after signing: stays.
    let p4 = add(
        &app,
        Proj {
            code: "P4",
            signed: Some(("2025-03-01", "300")),
            terminated: Some("2025-04-01"),
            ..p
        },
    )
    .await;
    fund(&app, p4, "2025-03-15", "30", true).await;

    let h1 = "from=2025-01-01&to=2025-06-30&as_of=2025-09-30";
    let report = kpis(&app, h1).await;
    let rate = &report["overall"]["funds_arrival_rate"];
    assert_eq!(rate["basis"], "cohort");
    // signed in H1: P1 P2 P4; 1000 + 500.0001 + 300 = 1800.0001;
    // counted by 2025-09-30: P1 200 + 100, P2 100, P4 30 = 430; 430/1800.0001 = 0.2388888…
    assert_eq!(parts(rate), (json!("430.0000"), json!("1800.0001"), json!(0.238889)));
    let bulletin = &report["overall"]["bulletin"];
    assert_eq!(bulletin["projects_signed"], 3);
    assert_eq!(bulletin["contracted_investment_signed"], "1800.0001");
    // counted and arrived in H1: P3 400 (on `from`) + P1 200 + P4 30 = 630
    assert_eq!(bulletin["funds_arrived"], "630.0000");

    let period = kpis(&app, &format!("{h1}&funds_basis=period")).await;
    // 630 / 1800.0001 = 0.3499999…
    assert_eq!(
        parts(&period["overall"]["funds_arrival_rate"]),
        (json!("630.0000"), json!("1800.0001"), json!(0.35))
    );

    // As of 2025-03-10 P2 is not signed and P4's payment has not arrived.
    let early = kpis(&app, "from=2025-01-01&to=2025-06-30&as_of=2025-03-10").await;
    // P1 + P4 = 1300; counted by then: P1 200; 200/1300 = 0.1538461…
    assert_eq!(
        parts(&early["overall"]["funds_arrival_rate"]),
        (json!("200.0000"), json!("1300.0000"), json!(0.153846))
    );
    let early = kpis(
        &app,
        "from=2025-01-01&to=2025-06-30&as_of=2025-03-10&funds_basis=period",
    )
    .await;
    // arrived 2025-01-01..03-10: P3 400 + P1 200 = 600; 600/1300 = 0.4615384…
    assert_eq!(
        parts(&early["overall"]["funds_arrival_rate"]),
        (json!("600.0000"), json!("1300.0000"), json!(0.461538))
    );

    // By quarter (period basis): numerator by arrival, denominator by signing.
    let quarters = kpis(&app, &format!("{h1}&funds_basis=period&group_by=quarter")).await;
    assert_eq!(keys(&quarters), vec!["2025-Q1", "2025-Q2"]);
    // Q1: arrived 400 + 200 + 30 = 630; signed P1 1000 + P4 300 = 1300; 630/1300 = 0.4846153…
    assert_eq!(
        parts(&group(&quarters, "2025-Q1")["kpis"]["funds_arrival_rate"]),
        (json!("630.0000"), json!("1300.0000"), json!(0.484615))
    );
    // Q2: counted arrivals none (P1's 50 is not counted); signed P2 500.0001
    assert_eq!(
        parts(&group(&quarters, "2025-Q2")["kpis"]["funds_arrival_rate"]),
        (json!("0.0000"), json!("500.0001"), json!(0.0))
    );

    // Drill-down on the period basis: the signed projects and the ones paid in the period.
    let drill = get_ok(
        &app,
        &format!("/api/v1/kpis/funds_arrival_rate/projects?{h1}&funds_basis=period"),
    )
    .await;
    assert_eq!(drill["total"], 4);
    let rows: Vec<(&str, bool, bool, &str)> = drill["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap(),
                i["in_denominator"].as_bool().unwrap(),
                i["in_numerator"].as_bool().unwrap(),
                i["counted_funds"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("P1", true, true, "200.0000"),
            ("P2", true, false, "0.0000"),
            ("P3", false, true, "400.0000"),
            ("P4", true, true, "30.0000"),
        ]
    );
    assert_eq!(drill["items"][0]["contracted_investment"], "1000.0000");
    // Cohort drill-down: counted funds up to as_of.
    let drill = get_ok(&app, &format!("/api/v1/kpis/funds_arrival_rate/projects?{h1}")).await;
    assert_eq!(drill["total"], 3);
    // P1: 200 + 100 counted by 2025-09-30
    assert_eq!(drill["items"][0]["counted_funds"], "300.0000");
}

/// The production scenario, checked as of 2026-06-30 unless said otherwise.
async fn production_scenario(app: &TestApp) {
    let p = Proj::default();
    // R1: default production date 2026-03-15; producing; default full production 2026-09-01.
    add(
        app,
        Proj {
            code: "R1",
            signed: Some(("2024-03-15", "100")),
            started: Some("2025-06-01"),
            producing: Some("2025-09-01"),
            ..p
        },
    )
    .await;
    // R2: signed on a leap day: default production date 2026-02-28 (clamped); not producing.
    add(
        app,
        Proj {
            code: "R2",
            signed: Some(("2024-02-29", "100")),
            ..p
        },
    )
    .await;
    // R3: promised production 2025-01-01 and full production 2025-12-31; producing, not effective.
    add(
        app,
        Proj {
            code: "R3",
            signed: Some(("2024-01-10", "100")),
            promised_production: Some("2025-01-01"),
            promised_full: Some("2025-12-31"),
            started: Some("2024-06-01"),
            producing: Some("2025-02-01"),
            ..p
        },
    )
    .await;
    // R4: full production promised on the as_of date, reached.
    add(
        app,
        Proj {
            code: "R4",
            signed: Some(("2024-01-10", "100")),
            promised_production: Some("2025-06-01"),
            promised_full: Some("2026-06-30"),
            started: Some("2024-06-01"),
            producing: Some("2025-05-01"),
            effective: Some("2025-12-01"),
            ..p
        },
    )
    .await;
    // R5: production promised after as_of: not due, although producing.
    add(
        app,
        Proj {
            code: "R5",
            signed: Some(("2024-05-01", "100")),
            promised_production: Some("2026-07-01"),
            started: Some("2024-08-01"),
            producing: Some("2025-10-01"),
            ..p
        },
    )
    .await;
    // R6: producing, default full production 2025-12-15 passed, not effective, then terminated.
    add(
        app,
        Proj {
            code: "R6",
            signed: Some(("2024-01-10", "100")),
            promised_production: Some("2024-12-01"),
            started: Some("2024-03-01"),
            producing: Some("2024-12-15"),
            terminated: Some("2025-03-01"),
            ..p
        },
    )
    .await;
    // R7: default production date 2027-01-10: not due.
    add(
        app,
        Proj {
            code: "R7",
            signed: Some(("2025-01-10", "100")),
            ..p
        },
    )
    .await;
}

#[tokio::test]
async fn production_effectiveness_with_default_dates_and_cohorts() {
    let app = TestApp::spawn().await;
    production_scenario(&app).await;
    // A period with no signings keeps the other rates out of the way.
    let h1 = "from=2026-01-01&to=2026-06-30";
    let report = kpis(&app, &format!("{h1}&as_of=2026-06-30")).await;
    let o = &report["overall"];
    assert_eq!(o["production_effectiveness_rate"]["basis"], "all_signed");
    // due: R1 (2026-03-15) R2 (2026-02-28) R3 R4 R6 = 5; counted: R1 (full not yet due), R4 = 2
    assert_eq!(
        parts(&o["production_effectiveness_rate"]),
        (json!(2), json!(5), json!(0.4))
    );
    // producing among the due: R1 R3 R4 R6 = 4; 4/5
    assert_eq!(parts(&o["production_rate"]), (json!(4), json!(5), json!(0.8)));
    // due for full production: R3 (2025-12-31) R4 (2026-06-30) R6 (2025-12-15) = 3; effective R4
    assert_eq!(parts(&o["effectiveness_rate"]), (json!(1), json!(3), json!(0.333333)));

    // As of 2025-11-30: R1 R2 not due; R3 R4 R6 due and producing, no full production due yet.
    let early = kpis(&app, &format!("{h1}&as_of=2025-11-30")).await;
    let o = &early["overall"];
    assert_eq!(
        parts(&o["production_effectiveness_rate"]),
        (json!(3), json!(3), json!(1.0))
    );
    assert_eq!(parts(&o["effectiveness_rate"]), (json!(0), json!(0), Value::Null));

    // Cohort of the period: signed 2024-02-01..2024-12-31 = R1 R2 R5; due R1 R2; counted R1: 1/2
    let cohort = kpis(
        &app,
        "from=2024-02-01&to=2024-12-31&as_of=2026-06-30&production_cohort=period",
    )
    .await;
    let o = &cohort["overall"];
    assert_eq!(o["production_rate"]["basis"], "signed_in_period");
    assert_eq!(
        parts(&o["production_effectiveness_rate"]),
        (json!(1), json!(2), json!(0.5))
    );
    assert_eq!(parts(&o["effectiveness_rate"]), (json!(0), json!(0), Value::Null));

    // By quarter of the due date (full-production due date for the effectiveness rate).
    let quarters = kpis(&app, &format!("{h1}&as_of=2026-06-30&group_by=quarter")).await;
    assert_eq!(
        keys(&quarters),
        vec!["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q4", "2026-Q1", "2026-Q2"]
    );
    // 2024-Q4: R6 due 2024-12-01, full production passed without effect: 0/1
    assert_eq!(
        parts(&group(&quarters, "2024-Q4")["kpis"]["production_effectiveness_rate"]),
        (json!(0), json!(1), json!(0.0))
    );
    // 2025-Q2: R4 due 2025-06-01, effective: 1/1
    assert_eq!(
        parts(&group(&quarters, "2025-Q2")["kpis"]["production_effectiveness_rate"]),
        (json!(1), json!(1), json!(1.0))
    );
    // 2025-Q4: R3 and R6 due for full production, neither effective: 0/2
    assert_eq!(
        parts(&group(&quarters, "2025-Q4")["kpis"]["effectiveness_rate"]),
        (json!(0), json!(2), json!(0.0))
    );
    // 2026-Q1: R1 (counts) and R2 (not producing): 1/2
    assert_eq!(
        parts(&group(&quarters, "2026-Q1")["kpis"]["production_effectiveness_rate"]),
        (json!(1), json!(2), json!(0.5))
    );
    // 2026-Q2: R4's full production due 2026-06-30, effective: 1/1
    assert_eq!(
        parts(&group(&quarters, "2026-Q2")["kpis"]["effectiveness_rate"]),
        (json!(1), json!(1), json!(1.0))
    );

    // Drill-down: the due dates used and whether they are defaults.
    let drill = get_ok(
        &app,
        &format!("/api/v1/kpis/production_effectiveness_rate/projects?{h1}&as_of=2026-06-30"),
    )
    .await;
    assert_eq!(drill["total"], 5);
    let r2 = drill["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "R2")
        .unwrap();
    assert_eq!(r2["production_due_on"], "2026-02-28");
    assert_eq!(r2["production_due_is_default"], true);
    assert_eq!(r2["in_numerator"], false);
    let r1 = drill["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "R1")
        .unwrap();
    assert_eq!(r1["full_production_due_on"], "2026-09-01");
    assert_eq!(r1["full_production_due_is_default"], true);
    assert_eq!(r1["in_numerator"], true);
    let r6 = drill["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "R6")
        .unwrap();
    assert_eq!(r6["terminated_on"], "2025-03-01");
    assert_eq!(r6["production_due_is_default"], false);
    let eff = get_ok(
        &app,
        &format!("/api/v1/kpis/effectiveness_rate/projects?{h1}&as_of=2026-06-30"),
    )
    .await;
    let codes: Vec<&str> = eff["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["R3", "R4", "R6"]);

    // A shorter default moves R7's production date to 2026-01-10: due and not producing.
    let mut settings = get_ok(&app, "/api/v1/settings").await;
    settings["default_production_months"] = json!(12);
    app.put("/api/v1/settings", settings).await.expect(200);
    let report = kpis(&app, &format!("{h1}&as_of=2026-06-30")).await;
    assert_eq!(report["settings"]["default_production_months"], 12);
    // due: R1 (2025-03-15) R2 (2025-02-28) R3 R4 R6 R7 = 6; counted R1 R4 = 2; 2/6
    assert_eq!(
        parts(&report["overall"]["production_effectiveness_rate"]),
        (json!(2), json!(6), json!(0.333333))
    );
}

/// Two teams, in clusters and parks, and one project without a cluster and one without a
/// park; 2025 Q1.
async fn teams_scenario(app: &TestApp) -> i64 {
    let x = Proj {
        team: ELEVATOR,
        cluster: Some("智能电梯及特种设备"),
        ..Proj::default()
    };
    let x1 = add(
        app,
        Proj {
            code: "X1",
            park: Some("大足高新区"),
            negotiating: Some("2025-01-05"),
            signed: Some(("2025-02-01", "100")),
            ..x
        },
    )
    .await;
    add(
        app,
        Proj {
            code: "X2",
            negotiating: Some("2025-02-01"),
            ..x
        },
    )
    .await;
    let y = Proj {
        team: HYDROGEN,
        park: Some("双桥经开区"),
        ..Proj::default()
    };
    add(
        app,
        Proj {
            code: "Y1",
            cluster: Some("新能源及新型储能"),
            negotiating: Some("2025-01-10"),
            signed: Some(("2025-03-01", "300")),
            started: Some("2025-03-20"),
            ..y
        },
    )
    .await;
    add(
        app,
        Proj {
            code: "Y2",
            signed: Some(("2025-03-10", "200")),
            ..y
        },
    )
    .await;
    x1
}

#[tokio::test]
async fn grouping_by_team_cluster_and_park_and_filters() {
    let app = TestApp::spawn().await;
    teams_scenario(&app).await;
    let elevator = app.reference_id("teams", ELEVATOR).await;
    let hydrogen = app.reference_id("teams", HYDROGEN).await;
    let q1 = "from=2025-01-01&to=2025-03-31&as_of=2025-06-30";

    let by_team = kpis(&app, &format!("{q1}&group_by=team")).await;
    // X1 X2 negotiating, X1 signed: 1/2; Y1 Y2 both signed: 2/2
    let x = group(&by_team, &elevator.to_string());
    assert_eq!(x["id"], elevator);
    assert_eq!(x["name"], ELEVATOR);
    assert_eq!(parts(&x["kpis"]["sign_rate"]), (json!(1), json!(2), json!(0.5)));
    assert_eq!(x["kpis"]["bulletin"]["contracted_investment_signed"], "100.0000");
    let y = group(&by_team, &hydrogen.to_string());
    assert_eq!(parts(&y["kpis"]["sign_rate"]), (json!(2), json!(2), json!(1.0)));
    // Y1 300 + Y2 200; Y1 started in Q1
    assert_eq!(y["kpis"]["bulletin"]["contracted_investment_signed"], "500.0000");
    assert_eq!(y["kpis"]["bulletin"]["projects_started"], 1);
    assert_eq!(keys(&by_team).len(), 2);
    // 3 of 4
    assert_eq!(
        parts(&by_team["overall"]["sign_rate"]),
        (json!(3), json!(4), json!(0.75))
    );

    let by_cluster = kpis(&app, &format!("{q1}&group_by=cluster")).await;
    let elevator_cluster = app.reference_id("clusters", "智能电梯及特种设备").await;
    let energy_cluster = app.reference_id("clusters", "新能源及新型储能").await;
    // clusters by id, `none` last
    let mut expected = [elevator_cluster, energy_cluster];
    expected.sort();
    let mut expected: Vec<String> = expected.iter().map(|id| id.to_string()).collect();
    expected.push("none".to_string());
    assert_eq!(keys(&by_cluster), expected);
    // X1 X2: 1/2
    assert_eq!(
        parts(&group(&by_cluster, &elevator_cluster.to_string())["kpis"]["sign_rate"]),
        (json!(1), json!(2), json!(0.5))
    );
    assert_eq!(
        group(&by_cluster, &energy_cluster.to_string())["name"],
        "新能源及新型储能"
    );
    // Y2 has no cluster: 1/1
    let none = group(&by_cluster, "none");
    assert_eq!(none["id"], Value::Null);
    assert_eq!(parts(&none["kpis"]["sign_rate"]), (json!(1), json!(1), json!(1.0)));

    let by_park = kpis(&app, &format!("{q1}&group_by=park")).await;
    let gaoxin = app.reference_id("parks", "大足高新区").await;
    let shuangqiao = app.reference_id("parks", "双桥经开区").await;
    // X1: 1/1; Y1 Y2: 2/2; X2 (no park): 0/1
    assert_eq!(
        parts(&group(&by_park, &gaoxin.to_string())["kpis"]["sign_rate"]),
        (json!(1), json!(1), json!(1.0))
    );
    assert_eq!(
        parts(&group(&by_park, &shuangqiao.to_string())["kpis"]["sign_rate"]),
        (json!(2), json!(2), json!(1.0))
    );
    assert_eq!(
        parts(&group(&by_park, "none")["kpis"]["sign_rate"]),
        (json!(0), json!(1), json!(0.0))
    );

    // Filters.
    let only_y = kpis(&app, &format!("{q1}&team_id={hydrogen}")).await;
    assert_eq!(only_y["team_id"], hydrogen);
    assert_eq!(parts(&only_y["overall"]["sign_rate"]), (json!(2), json!(2), json!(1.0)));
    assert!(only_y["groups"].as_array().unwrap().is_empty());
    let only_cluster = kpis(&app, &format!("{q1}&cluster_id={elevator_cluster}")).await;
    assert_eq!(
        parts(&only_cluster["overall"]["sign_rate"]),
        (json!(1), json!(2), json!(0.5))
    );
    let only_park = kpis(&app, &format!("{q1}&park_id={shuangqiao}")).await;
    assert_eq!(
        parts(&only_park["overall"]["sign_rate"]),
        (json!(2), json!(2), json!(1.0))
    );
    let drill = get_ok(
        &app,
        &format!("/api/v1/kpis/sign_rate/projects?{q1}&park_id={shuangqiao}"),
    )
    .await;
    assert_eq!(drill["total"], 2);
    assert_eq!(drill["items"][0]["team_name"], HYDROGEN);
}

#[tokio::test]
async fn target_basis_targets_and_progress() {
    let app = TestApp::spawn().await;
    let x1 = teams_scenario(&app).await;
    fund(&app, x1, "2025-03-01", "50", true).await;
    let elevator = app.reference_id("teams", ELEVATOR).await;
    let hydrogen = app.reference_id("teams", HYDROGEN).await;
    app.put(
        &format!("/api/v1/targets/2025/{elevator}"),
        json!({"projects_signed": 4, "contracted_investment": "1000", "funds_arrived": "200"}),
    )
    .await
    .expect(200);
    let set = app
        .put(
            &format!("/api/v1/targets/2025/{hydrogen}"),
            json!({"projects_signed": 2}),
        )
        .await
        .expect(200);
    assert_eq!(set["contracted_investment"], Value::Null);
    // Replacing keeps one row per team and year.
    app.put(
        &format!("/api/v1/targets/2025/{hydrogen}"),
        json!({"projects_signed": 2}),
    )
    .await
    .expect(200);
    let listed = get_ok(&app, "/api/v1/targets?year=2025").await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(get_ok(&app, "/api/v1/targets?year=2024").await, json!([]));

    let q = "from=2025-01-01&to=2025-03-31&as_of=2025-06-30&sign_basis=target&funds_basis=target";
    let report = kpis(&app, &format!("{q}&group_by=team")).await;
    let x = &group(&report, &elevator.to_string())["kpis"];
    assert_eq!(x["sign_rate"]["basis"], "target");
    // X1 signed ÷ target 4
    assert_eq!(parts(&x["sign_rate"]), (json!(1), json!(4), json!(0.25)));
    // 100 ÷ 1000
    assert_eq!(
        parts(&x["contracted_investment_completion"]),
        (json!("100.0000"), json!("1000.0000"), json!(0.1))
    );
    // counted funds in Q1 50 ÷ 200
    assert_eq!(
        parts(&x["funds_arrival_rate"]),
        (json!("50.0000"), json!("200.0000"), json!(0.25))
    );
    let y = &group(&report, &hydrogen.to_string())["kpis"];
    // Y1 Y2 ÷ 2
    assert_eq!(parts(&y["sign_rate"]), (json!(2), json!(2), json!(1.0)));
    // no funds target: zero denominator
    assert_eq!(y["funds_arrival_rate"]["rate"], Value::Null);
    // overall: 3 ÷ (4 + 2)
    assert_eq!(parts(&report["overall"]["sign_rate"]), (json!(3), json!(6), json!(0.5)));

    // Scaled by the elapsed share at 2025-06-30: 181/365 = 0.4958904…
    let scaled = kpis(&app, &format!("{q}&scale_targets=true&team_id={elevator}")).await;
    let rate = &scaled["overall"]["sign_rate"];
    assert_eq!(rate["target_scale"], json!(0.49589));
    // 1 ÷ (4 × 181/365) = 365/724 = 0.5041436…
    assert_eq!(rate["rate"], json!(0.504144));

    // On the target basis the drill-down lists what makes up the numerator.
    let drill = get_ok(&app, &format!("/api/v1/kpis/sign_rate/projects?{q}&team_id={elevator}")).await;
    assert_eq!(drill["basis"], "target");
    // X1, signed 2025-02-01
    assert_eq!(drill["total"], 1);
    assert_eq!(drill["items"][0]["code"], "X1");
    assert_eq!(
        (
            drill["items"][0]["in_denominator"].clone(),
            drill["items"][0]["in_numerator"].clone()
        ),
        (json!(false), json!(true))
    );
    let drill = get_ok(&app, &format!("/api/v1/kpis/funds_arrival_rate/projects?{q}")).await;
    // X1's 50 paid 2025-03-01
    assert_eq!(drill["total"], 1);
    assert_eq!(drill["items"][0]["counted_funds"], "50.0000");

    // The target basis is per team and year.
    let refused = app.get(&format!("/api/v1/kpis?{q}&group_by=month")).await.expect(422);
    assert_eq!(refused["details"][0]["field"], "sign_basis");
    let refused = app
        .get("/api/v1/kpis?from=2024-12-01&to=2025-01-31&as_of=2025-06-30&funds_basis=target")
        .await
        .expect(422);
    assert_eq!(refused["details"][0]["field"], "funds_basis");

    // Progress on the year's targets at 2025-06-30 (day 181 of 365).
    let progress = get_ok(&app, "/api/v1/targets/progress?year=2025&as_of=2025-06-30").await;
    // Without a year, the as-of date's year; without either, this year to date.
    let defaulted = get_ok(&app, "/api/v1/targets/progress?as_of=2025-06-30").await;
    assert_eq!(defaulted, progress);
    let this_year = get_ok(&app, "/api/v1/targets/progress").await;
    assert_eq!(this_year["year"], chrono::Datelike::year(&zhaoshang::domain::today()));
    assert_eq!(this_year["as_of"], zhaoshang::domain::today().to_string());
    assert_eq!(progress["days_elapsed"], 181);
    assert_eq!(progress["days_in_year"], 365);
    assert_eq!(progress["time_progress"], json!(0.49589));
    assert_eq!(progress["teams"].as_array().unwrap().len(), 24);
    let x = progress["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team_id"] == elevator)
        .unwrap();
    assert_eq!(x["projects_signed"]["actual"], 1);
    assert_eq!(x["projects_signed"]["completion"], json!(0.25));
    // 0.25 − 181/365 = (365 − 724)/1460 = −0.2458904…
    assert_eq!(x["projects_signed"]["ahead_behind"], json!(-0.24589));
    assert_eq!(x["contracted_investment"]["actual"], "100.0000");
    // 0.1 − 181/365 = (36500 − 181000)/365000 = −0.3958904…
    assert_eq!(x["contracted_investment"]["ahead_behind"], json!(-0.39589));
    assert_eq!(x["funds_arrived"]["actual"], "50.0000");
    assert_eq!(x["projects_started"]["target"], Value::Null);
    assert_eq!(x["projects_started"]["completion"], Value::Null);
    let y = progress["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team_id"] == hydrogen)
        .unwrap();
    // 2/2 − 181/365 = 184/365 = 0.5041095…
    assert_eq!(y["projects_signed"]["ahead_behind"], json!(0.50411));
    assert_eq!(y["projects_started"]["actual"], 1);
}

#[tokio::test]
async fn targets_are_validated_and_written_by_admins_and_team_leads() {
    let app = TestApp::spawn().await;
    let team = app.reference_id("teams", ELEVATOR).await;
    let path = format!("/api/v1/targets/2025/{team}");
    // Counts and years have their ranges in the spec; amounts more than zero are a rule.
    let body = app.put(&path, json!({"projects_signed": 0})).await.expect(400);
    assert!(body["message"].as_str().unwrap().contains("projects_signed"), "{body}");
    let body = app.put(&path, json!({"contracted_investment": "-5"})).await.expect(422);
    assert_eq!(body["details"][0]["field"], "contracted_investment");
    let body = app.put(&path, json!({"funds_arrived": "0"})).await.expect(422);
    assert_eq!(body["details"][0]["field"], "funds_arrived");
    let body = app
        .put("/api/v1/targets/1999/1", json!({"projects_signed": 3}))
        .await
        .expect(400);
    assert_eq!(body["details"][0]["field"], "year");
    let body = app
        .put("/api/v1/targets/2025/424242", json!({"projects_signed": 3}))
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "team_id");
    assert_eq!(app.count("targets").await, 0);

    // A member may not set targets; the team's own lead may (team leads manage their
    // team's targets); everyone reads them.
    let lead = app
        .post(
            "/api/v1/users",
            json!({"username": "lead", "role": "team_lead", "team_id": team}),
        )
        .await
        .expect(200);
    let token = app
        .post("/api/v1/tokens", json!({"name": "t", "user_id": lead["id"]}))
        .await
        .expect(200);
    let token = token["token"].as_str().unwrap();
    let plain = app
        .post(
            "/api/v1/users",
            json!({"username": "plain", "role": "member", "team_id": team}),
        )
        .await
        .expect(200);
    let plain_token = app
        .post("/api/v1/tokens", json!({"name": "t", "user_id": plain["id"]}))
        .await
        .expect(200);
    let body = app
        .send_as(
            plain_token["token"].as_str(),
            Method::PUT,
            &path,
            Some(json!({"projects_signed": 3})),
        )
        .await
        .expect(403);
    assert_eq!(body["code"], "forbidden");
    assert_eq!(app.count("targets").await, 0);
    let set = app
        .send_as(Some(token), Method::PUT, &path, Some(json!({"projects_signed": 3})))
        .await
        .expect(200);
    assert_eq!(set["projects_signed"], 3);
    app.send_as(Some(token), Method::GET, "/api/v1/targets", None)
        .await
        .expect(200);
    assert_eq!(app.count("targets").await, 1);
}

#[tokio::test]
async fn settings_are_read_by_all_and_changed_by_admins_with_validation() {
    let app = TestApp::spawn().await;
    let settings = get_ok(&app, "/api/v1/settings").await;
    assert_eq!(settings["default_production_months"], 24);
    assert_eq!(settings["default_full_production_months"], 12);
    assert_eq!(settings["warning_red_overdue_days"], 90);
    assert_eq!(settings["warning_due_soon_days"], 30);
    assert_eq!(settings["warning_funds_percent"], 50);
    assert_eq!(
        settings["league_weights"],
        json!({"sign_rate": 1, "funds_arrival_rate": 1, "production_effectiveness_rate": 1, "target_completion": 1})
    );
    assert_eq!(settings["updated_by"], Value::Null);

    let mut bad = settings.clone();
    bad["warning_funds_percent"] = json!(101);
    bad["default_production_months"] = json!(0);
    // Ranges are in the spec (minimum, maximum): out of them is an unreadable request.
    let body = app.put("/api/v1/settings", bad).await.expect(400);
    assert!(
        body["message"].as_str().unwrap().contains("default_production_months"),
        "{body}"
    );
    let mut bad = settings.clone();
    bad["league_weights"] =
        json!({"sign_rate": 0, "funds_arrival_rate": 0, "production_effectiveness_rate": 0, "target_completion": 1});
    let body = app.put("/api/v1/settings", bad).await.expect(422);
    assert_eq!(body["details"][0]["field"], "league_weights");
    let mut bad = settings.clone();
    bad["league_weights"]["funds_arrival_rate"] = json!(-1);
    let body = app.put("/api/v1/settings", bad).await.expect(400);
    assert!(
        body["message"].as_str().unwrap().contains("funds_arrival_rate"),
        "{body}"
    );

    let leader = app
        .post("/api/v1/users", json!({"username": "li", "role": "leader"}))
        .await
        .expect(200);
    let token = app
        .post("/api/v1/tokens", json!({"name": "t", "user_id": leader["id"]}))
        .await
        .expect(200);
    let token = token["token"].as_str().unwrap();
    let read = app
        .send_as(Some(token), Method::GET, "/api/v1/settings", None)
        .await
        .expect(200);
    assert_eq!(read["warning_due_soon_days"], 30);
    let mut change = settings.clone();
    change["warning_due_soon_days"] = json!(45);
    app.send_as(Some(token), Method::PUT, "/api/v1/settings", Some(change.clone()))
        .await
        .expect(403);
    let changed = app.put("/api/v1/settings", change).await.expect(200);
    assert_eq!(changed["warning_due_soon_days"], 45);
    assert!(changed["updated_by"].is_i64());
    assert_eq!(get_ok(&app, "/api/v1/settings").await["warning_due_soon_days"], 45);
}

#[tokio::test]
async fn bad_kpi_requests_name_the_parameter() {
    let app = TestApp::spawn().await;
    let body = app
        .get("/api/v1/kpis?from=2025-03-01&to=2025-02-01&as_of=2025-06-30")
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "to");
    let body = app
        .get("/api/v1/kpis?from=2025-01-01&to=2025-03-31&as_of=2999-01-01")
        .await
        .expect(422);
    assert_eq!(body["details"][0]["field"], "as_of");
    let body = app
        .get("/api/v1/kpis?from=2025-01-01&to=2025-03-31&sign_basis=weekly")
        .await
        .expect(400);
    assert_eq!(body["details"][0]["field"], "sign_basis");
    let body = app.get("/api/v1/kpis?from=2025-13-01").await.expect(400);
    assert_eq!(body["details"][0]["field"], "from");
    let body = app.get("/api/v1/kpis?to=2025-03-31").await.expect(200);
    assert_eq!(body["from"], "2025-01-01", "no `from`: 1 January of `to`'s year");
    app.get("/api/v1/kpis/speed/projects?from=2025-01-01&to=2025-03-31")
        .await
        .expect(400);
    // Without as_of: today, which is never later than today.
    let report = kpis(&app, "from=2025-01-01&to=2025-03-31").await;
    assert!(report["as_of"].as_str().unwrap() > "2025-01-01");
}

/// A request naming no period means this year to date, as every user means; the report and
/// the league take the same default.
#[tokio::test]
async fn no_period_means_this_year_to_date() {
    let app = TestApp::spawn().await;
    let today = zhaoshang::domain::today();
    let year_start = format!("{}-01-01", chrono::Datelike::year(&today));
    let report = app.get("/api/v1/kpis").await.expect(200);
    assert_eq!(report["from"], year_start.as_str());
    assert_eq!(report["to"], today.to_string());
    let report = app.get("/api/v1/kpis?as_of=2025-10-31").await.expect(200);
    assert_eq!(
        (report["from"].as_str(), report["to"].as_str()),
        (Some("2025-01-01"), Some("2025-10-31"))
    );
    let league = app.get("/api/v1/league").await.expect(200);
    assert_eq!(league["from"], year_start.as_str(), "{league:#}");
    app.get("/api/v1/reports/kpi").await.expect(200);
    app.get("/api/v1/kpis/sign_rate/projects").await.expect(200);
}

#[tokio::test]
async fn month_and_quarter_groups_stay_within_the_period() {
    let app = TestApp::spawn().await;
    // A: production due 2026-12-03, after the period's end but by the as-of date.
    add(
        &app,
        Proj {
            code: "A",
            negotiating: Some("2024-05-01"),
            signed: Some(("2024-06-01", "100")),
            promised_production: Some("2026-12-03"),
            ..Proj::default()
        },
    )
    .await;
    // B: production due 2025-05-01, before the period; started production in time.
    add(
        &app,
        Proj {
            code: "B",
            negotiating: Some("2024-02-01"),
            signed: Some(("2024-03-01", "50")),
            promised_production: Some("2025-05-01"),
            started: Some("2024-09-01"),
            producing: Some("2025-04-01"),
            ..Proj::default()
        },
    )
    .await;
    // C: signed in March 2026, production due in June 2026.
    let c = add(
        &app,
        Proj {
            code: "C",
            negotiating: Some("2026-02-01"),
            signed: Some(("2026-03-10", "200")),
            promised_production: Some("2026-06-15"),
            ..Proj::default()
        },
    )
    .await;
    // A payment on 2026-12-05: after the period, by the as-of date.
    fund(&app, c, "2026-12-05", "20", true).await;
    let period = "from=2026-01-01&to=2026-11-30&as_of=2026-12-07";

    let months = kpis(&app, &format!("{period}&group_by=month")).await;
    let month_keys = keys(&months);
    assert!(
        month_keys.iter().all(|k| k.as_str() <= "2026-11"),
        "no month after the period: {month_keys:?}"
    );
    // A, due after the period, counts in its last month; B, due before it (and producing), in
    // the month it was due; B's full production (producing + 12 months = 2026-04-01) in April.
    assert_eq!(
        parts(&group(&months, "2026-11")["kpis"]["production_effectiveness_rate"]),
        (json!(0), json!(1), json!(0.0))
    );
    assert_eq!(
        parts(&group(&months, "2025-05")["kpis"]["production_rate"]),
        (json!(1), json!(1), json!(1.0))
    );
    assert_eq!(
        parts(&group(&months, "2026-04")["kpis"]["effectiveness_rate"]),
        (json!(0), json!(1), json!(0.0))
    );
    assert_eq!(
        parts(&group(&months, "2026-06")["kpis"]["production_effectiveness_rate"]),
        (json!(0), json!(1), json!(0.0))
    );
    // The overall set is still the groups' sum: three due, one producing, none effective.
    assert_eq!(
        parts(&months["overall"]["production_rate"]),
        (json!(1), json!(3), json!(0.333333))
    );
    let ungrouped = kpis(&app, period).await;
    assert_eq!(
        months["overall"]["production_effectiveness_rate"],
        ungrouped["overall"]["production_effectiveness_rate"]
    );

    let quarters = kpis(&app, &format!("{period}&group_by=quarter")).await;
    let quarter_keys = keys(&quarters);
    assert!(quarter_keys.iter().all(|k| k.as_str() <= "2026-Q4"), "{quarter_keys:?}");
    assert_eq!(
        parts(&group(&quarters, "2026-Q4")["kpis"]["production_effectiveness_rate"]),
        (json!(0), json!(1), json!(0.0))
    );

    // The report's monthly trend ends with the period too.
    let (status, _, _, bytes) =
        crate::exports::download(&app, &app.token, &format!("/api/v1/reports/kpi?{period}")).await;
    assert_eq!(status, 200);
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let trend = book.worksheet_range("月度趋势").unwrap();
    let months_listed: Vec<String> = (2..trend.height() as u32)
        .filter_map(|r| trend.get_value((r, 0)).map(|v| v.to_string()))
        .filter(|v| !v.is_empty())
        .collect();
    assert_eq!(
        months_listed.last().map(String::as_str),
        Some("2026-11"),
        "{months_listed:?}"
    );
    assert!(
        months_listed
            .iter()
            .all(|m| ("2026-01"..="2026-11").contains(&m.as_str())),
        "the trend's months are the period's: {months_listed:?}"
    );
}
