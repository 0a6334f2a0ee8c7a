//! The ledger round trip: an exported ledger imported unchanged changes nothing, and an
//! export edited where teams edit it applies exactly those edits.

use rust_decimal::Decimal;
use serde_json::Value;
use zhaoshang::excel::export::{HeaderLanguage, LedgerHeading, write_ledger};
use zhaoshang::excel::ledger::{LedgerRow, ReadLimits, read_ledger};

use crate::exports::download;
use crate::helpers::TestApp;
use crate::imports::{counts, sample, upload};

async fn export(app: &TestApp, query: &str) -> Vec<u8> {
    let (status, _, _, bytes) = download(app, &app.token, &format!("/api/v1/exports/ledger?{query}")).await;
    assert_eq!(status, 200);
    bytes
}

fn row<'a>(rows: &'a mut [LedgerRow], code: &str) -> &'a mut LedgerRow {
    rows.iter_mut()
        .find(|r| r.values.code.as_deref() == Some(code))
        .unwrap_or_else(|| panic!("no row {code}"))
}

async fn project(app: &TestApp, code: &str) -> Value {
    let page = app.get(&format!("/api/v1/projects?q={code}")).await.expect(200);
    page["items"][0].clone()
}

#[tokio::test]
async fn an_unchanged_export_imports_as_no_change_in_both_languages() {
    let app = TestApp::spawn().await;
    upload(&app, "", "ledger_sample.xlsx", sample()).await.expect(200);
    let before = counts(&app).await;
    for lang in ["zh", "en"] {
        let bytes = export(&app, &format!("as_of=2025-10-31&lang={lang}")).await;
        let report = upload(&app, "", "export.xlsx", bytes).await.expect(200);
        assert_eq!(report["updated"], 0, "{lang}: {report:#}");
        assert_eq!(report["created"], 0, "{lang}");
        assert_eq!(report["unchanged"], 30, "{lang}");
    }
    // No payment, history entry, contract or project was added; only the import runs grew.
    let after = counts(&app).await;
    for ((table, was), (_, is)) in before.iter().zip(&after) {
        if *table != "import_runs" {
            assert_eq!(was, is, "{table} changed");
        }
    }
}

#[tokio::test]
async fn an_edited_export_applies_exactly_the_edits() {
    let app = TestApp::spawn().await;
    upload(&app, "", "ledger_sample.xlsx", sample()).await.expect(200);
    let bytes = export(&app, "as_of=2025-10-31").await;
    let mut ledger = read_ledger(&bytes, &ReadLimits::default()).unwrap();
    assert!(ledger.errors.is_empty());
    let untouched_before = project(&app, "DZ20250004").await;

    // A signed project: its text, money, dates, reference and agreement columns edited.
    let signed = &mut row(&mut ledger.rows, "DZ20240001").values;
    signed.progress = Some("已完成供地".into());
    signed.issues = Some("需协调电力接入".into());
    signed.notes = Some("区级重点".into());
    signed.sponsoring_leader = Some("李建国".into());
    signed.source = Some("商会推介".into());
    signed.planned_investment = Some(Decimal::new(70001234, 4));
    signed.land_area = Some(Decimal::new(12050, 2));
    signed.park = Some("双桥经开区".into());
    signed.cluster = Some("现代五金".into());
    signed.promised_output = Some(Decimal::new(50000000, 4));
    signed.promised_tax = Some(Decimal::new(3210000, 4));
    signed.promised_start = Some("2026-03-01".parse().unwrap());
    signed.promised_production = Some("2027-07-01".parse().unwrap());
    signed.promised_full_production = Some("2028-07-01".parse().unwrap());
    signed.agreement_type = Some(entity::enums::AgreementType::Formal);
    signed.contracted_investment = Some(Decimal::new(60600000, 4));
    signed.name = Some("上海智航科技预制菜二期项目".into());
    signed.team = Some("农产品加工专班".into());
    // A started project: more money arrived (the cumulative figure goes up by 1000 万元).
    let started = &mut row(&mut ledger.rows, "DZ20250002").values;
    started.funds_cumulative = Some(started.funds_cumulative.unwrap() + Decimal::from(1000));
    started.funds_this_year = Some(started.funds_this_year.unwrap() + Decimal::from(1000));
    // …and started production.
    started.stage = Some(entity::enums::Stage::Producing);
    started.actual_production = Some("2025-10-01".parse().unwrap());
    // A project in talks signed: its stage, signing and contract columns filled in.
    let talks = &mut row(&mut ledger.rows, "DZ20240029").values;
    talks.stage = Some(entity::enums::Stage::Signed);
    talks.negotiating_since = Some("2024-10-08".parse().unwrap());
    talks.signed_on = Some("2025-09-15".parse().unwrap());
    talks.agreement_type = Some(entity::enums::AgreementType::Framework);
    talks.contracted_investment = Some(Decimal::from(10000));
    talks.promised_production = Some("2027-09-15".parse().unwrap());

    let heading = LedgerHeading {
        title: "招商引资项目台账".into(),
        reporting_unit: "招商专班".into(),
        as_of: "2025-10-31".parse().unwrap(),
        language: HeaderLanguage::Chinese,
    };
    let edited = write_ledger(&heading, ledger.rows.iter().map(|r| (*r.values).clone())).unwrap();
    let before = counts(&app).await;
    let report = upload(&app, "", "edited.xlsx", edited).await.expect(200);
    assert_eq!(report["updated"], 3, "{report:#}");
    assert_eq!(report["unchanged"], 27);

    let p = project(&app, "DZ20240001").await;
    assert_eq!(p["name"], "上海智航科技预制菜二期项目");
    assert_eq!(p["progress"], "已完成供地");
    assert_eq!(p["issues"], "需协调电力接入");
    assert_eq!(p["notes"], "区级重点");
    assert_eq!(p["sponsoring_leader"], "李建国");
    assert_eq!(p["source"], "商会推介");
    assert_eq!(p["planned_investment"], "7000.1234");
    assert_eq!(p["land_area"], "120.50");
    assert_eq!(p["park"]["name"], "双桥经开区");
    assert_eq!(p["cluster"]["name"], "现代五金");
    assert_eq!(p["contract"]["agreement_type"], "formal");
    assert_eq!(p["contract"]["contracted_investment"], "6060.0000");
    assert_eq!(p["contract"]["promised_output_value"], "5000.0000");
    assert_eq!(p["contract"]["promised_tax"], "321.0000");
    assert_eq!(p["contract"]["promised_start_on"], "2026-03-01");
    assert_eq!(p["contract"]["promised_production_on"], "2027-07-01");
    assert_eq!(p["contract"]["promised_full_production_on"], "2028-07-01");
    assert_eq!(p["stage"], "signed");
    assert_eq!(p["team"]["name"], "农产品加工专班");

    let started = project(&app, "DZ20250002").await;
    assert_eq!(started["funds_counted"], "215079.2000", "214079.2 + 1000");
    assert_eq!(started["stage"], "producing");
    assert_eq!(started["stage_dates"]["producing_on"], "2025-10-01");
    let talks = project(&app, "DZ20240029").await;
    assert_eq!(talks["stage"], "signed");
    // A date of a stage already reached is not rewritten by a ledger: the report warns.
    assert_eq!(talks["stage_dates"]["negotiating_on"], "2024-10-02");
    let warned = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["code"] == "date_differs" && w["value"] == "2024-10-08");
    assert!(warned, "{:#}", report["warnings"]);
    assert_eq!(talks["stage_dates"]["signed_on"], "2025-09-15");
    assert_eq!(talks["contract"]["agreement_type"], "framework");
    assert_eq!(talks["contract"]["contracted_investment"], "10000.0000");
    assert_eq!(talks["contract"]["promised_production_on"], "2027-09-15");
    // Exactly one payment was added, for the difference; nothing else grew but the trail.
    let after = counts(&app).await;
    for ((table, was), (_, is)) in before.iter().zip(&after) {
        let expected = match *table {
            // The payment for the difference.
            "fundings" => was + 1,
            "import_runs" => was + 1,
            // The signing (with its contract) and the production start.
            "stage_history" => was + 2,
            "contracts" => was + 1,
            _ => *was,
        };
        assert_eq!(*is, expected, "{table}");
    }
    // A project nobody edited is exactly as it was.
    let untouched_after = project(&app, "DZ20250004").await;
    assert_eq!(untouched_before, untouched_after);
}
