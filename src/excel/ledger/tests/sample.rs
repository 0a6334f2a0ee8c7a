//! The real sample ledger (tests/fixtures/ledger_sample.xlsx) against its truth file.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use super::super::*;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read_sample() -> Ledger {
    let bytes = std::fs::read(fixture("ledger_sample.xlsx")).expect("sample ledger");
    read_ledger(&bytes, &ReadLimits::default()).expect("the sample reads")
}

fn truth() -> Value {
    let text = std::fs::read_to_string(fixture("ledger_sample.truth.json")).expect("truth file");
    serde_json::from_str(&text).expect("truth is JSON")
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn date(v: &Value) -> Option<NaiveDate> {
    v.as_str()
        .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("ISO date in truth"))
}

fn amount(v: &Value) -> Option<String> {
    v.as_str().map(|s| {
        // The truth writes 4 decimals; compare the exact text, scale included.
        Decimal::from_str(s).expect("decimal in truth");
        s.to_owned()
    })
}

fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serialises")
}

#[test]
fn every_field_of_every_project_matches_the_truth() {
    let ledger = read_sample();
    let truth = truth();
    let projects = truth["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 30);
    assert_eq!(ledger.errors, vec![], "the sample has no faulty cells");
    assert_eq!(ledger.rows.len(), projects.len());

    // Every key the truth has is checked below; a new one must be added here.
    let checked = [
        "code",
        "name",
        "investor",
        "credit_code",
        "cluster",
        "park",
        "team",
        "leader",
        "negotiating_since",
        "agreement_type",
        "signed_on",
        "contracted_investment",
        "funds_this_year",
        "funds_cumulative",
        "promised_start",
        "actual_start",
        "promised_production",
        "actual_production",
        "effective_on",
        "promised_output",
        "terminated",
        "stage",
    ];
    for expected in projects {
        let mut keys: Vec<&str> = expected
            .as_object()
            .expect("project object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut known = checked.to_vec();
        known.sort_unstable();
        assert_eq!(keys, known);
    }

    for (row, expected) in ledger.rows.iter().zip(projects) {
        let v = &row.values;
        let code = expected["code"].as_str().unwrap_or("?");
        let ctx = format!("{code} (row {})", row.row);
        assert_eq!(v.code, text(&expected["code"]), "{ctx} code");
        assert_eq!(v.name, text(&expected["name"]), "{ctx} name");
        assert_eq!(v.investor, text(&expected["investor"]), "{ctx} investor");
        assert_eq!(v.credit_code, text(&expected["credit_code"]), "{ctx} credit_code");
        assert_eq!(v.cluster, text(&expected["cluster"]), "{ctx} cluster");
        assert_eq!(v.park, text(&expected["park"]), "{ctx} park");
        assert_eq!(v.team, text(&expected["team"]), "{ctx} team");
        assert_eq!(v.sponsoring_leader, text(&expected["leader"]), "{ctx} leader");
        assert_eq!(
            v.negotiating_since,
            date(&expected["negotiating_since"]),
            "{ctx} negotiating_since"
        );
        assert_eq!(
            json_of(&v.agreement_type),
            expected["agreement_type"],
            "{ctx} agreement_type"
        );
        assert_eq!(v.signed_on, date(&expected["signed_on"]), "{ctx} signed_on");
        let amounts = [
            ("contracted_investment", v.contracted_investment),
            ("funds_this_year", v.funds_this_year),
            ("funds_cumulative", v.funds_cumulative),
            ("promised_output", v.promised_output),
        ];
        for (key, value) in amounts {
            assert_eq!(value.map(|d| d.to_string()), amount(&expected[key]), "{ctx} {key}");
        }
        let dates = [
            ("promised_start", v.promised_start),
            ("actual_start", v.actual_start),
            ("promised_production", v.promised_production),
            ("actual_production", v.actual_production),
            ("effective_on", v.effective_on),
        ];
        for (key, value) in dates {
            assert_eq!(value, date(&expected[key]), "{ctx} {key}");
        }
        assert_eq!(Some(v.terminated), expected["terminated"].as_bool(), "{ctx} terminated");
        assert_eq!(json_of(&v.stage), expected["stage"], "{ctx} stage");
        assert!(!v.stage_inferred, "{ctx}: every sample row states its stage");
    }
}

#[test]
fn as_of_header_and_skipped_rows() {
    let ledger = read_sample();
    assert_eq!(ledger.as_of, NaiveDate::from_ymd_opt(2025, 10, 31));
    assert_eq!(
        NaiveDate::from_str(truth()["as_of"].as_str().unwrap()).ok(),
        ledger.as_of
    );

    assert_eq!(ledger.sheets.len(), 1);
    let sheet = &ledger.sheets[0];
    assert!(sheet.imported);
    assert_eq!(sheet.name, "招商项目台账");
    assert_eq!(sheet.header_row, Some(3));
    assert_eq!(sheet.header_rows, 2);
    assert_eq!(sheet.projects, 30);
    assert_eq!(sheet.amount_unit, Unit::Wan);
    // Rows 5..=38 lie below the header.
    assert_eq!(sheet.rows_read, 34);

    let m = sheet.columns.iter().find(|c| c.letter == "M").expect("column M");
    assert_eq!(m.field, LedgerField::SignedOn);
    assert_eq!(m.header, "签约情况/签约时间");
    assert_eq!(m.label, "签约时间");
    let o = sheet.columns.iter().find(|c| c.letter == "O").expect("column O");
    assert_eq!(o.field, LedgerField::FundsThisYear);
    assert_eq!(o.header, "资金到位情况/本年到位");
    assert_eq!(o.unit, Unit::Wan);
    let u = sheet.columns.iter().find(|c| c.letter == "U").expect("column U");
    assert_eq!(u.field, LedgerField::EffectiveOn);
    assert_eq!(
        sheet.ignored_columns,
        vec![IgnoredColumn {
            letter: "A".into(),
            header: "序号".into(),
            reason: "序号列，不读取".into()
        }]
    );

    let skipped: Vec<(u32, SkipReason)> = ledger.skipped.iter().map(|s| (s.row, s.reason)).collect();
    assert_eq!(
        skipped,
        vec![
            (12, SkipReason::Blank),
            (36, SkipReason::Total),
            (37, SkipReason::Blank),
            (38, SkipReason::Note),
        ]
    );
    assert!(ledger.skipped.iter().all(|s| s.sheet == "招商项目台账"));
}

#[test]
fn rows_say_where_each_value_came_from() {
    let ledger = read_sample();
    let first = &ledger.rows[0];
    assert_eq!(first.row, 5);
    let letter = |field| ledger.column_of(first, field).map(|c| c.letter.as_str());
    assert_eq!(letter(LedgerField::SignedOn), Some("M"));
    assert_eq!(letter(LedgerField::ContractedInvestment), Some("N"));
    // "暂无" in R5: no value, so no source either.
    assert!(!first.present.contains(LedgerField::ActualStart));
    assert_eq!(letter(LedgerField::ActualStart), None);
    // The whole report serialises (it is the next step's input and the API's output).
    let json = json_of(&ledger);
    assert_eq!(json["rows"][0]["values"]["stage"], "signed");
    assert_eq!(json["rows"][0]["values"]["contracted_investment"], "6056.0000");
    let present = json["rows"][0]["present"]
        .as_array()
        .expect("the present fields are a list");
    assert!(present.contains(&serde_json::json!("signed_on")));
    assert!(!present.contains(&serde_json::json!("actual_start")));
    assert_eq!(json["skipped"][1]["reason"], "total");
}
