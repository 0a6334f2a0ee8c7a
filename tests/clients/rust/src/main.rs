//! Drives the whole workflow through the client progenitor generated from
//! `openapi/openapi.json` (see build.rs): a team and a project, signing with a contract, a
//! partial edit (PATCH) of the project, two payments and the correction of one, production
//! start, the KPIs, a ledger import, the ledger and report downloads.
//!
//! Usage: `zhaoshang-client-check BASE_URL TOKEN LEDGER_XLSX LEDGER_TRUTH_JSON`
//! (tests/clients/run starts the server and passes these).

#[allow(clippy::all, unused_imports, dead_code, irrefutable_let_patterns)]
mod client {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}

use anyhow::{Context, Result, anyhow, ensure};
use chrono::{Datelike, Days, NaiveDate, Utc};
use client::types::{AgreementType, FundingKind, ImportStatus, Stage};
use client::{Client, ResponseValue, types};
use futures::TryStreamExt;

/// The body of a successful answer; any other answer becomes an error with the server's words.
fn body<T>(result: Result<ResponseValue<T>, client::Error<types::ErrorBody>>, what: &str) -> Result<T> {
    match result {
        Ok(value) => Ok(value.into_inner()),
        Err(client::Error::ErrorResponse(problem)) => Err(anyhow!(
            "{what}: HTTP {}: {} ({})",
            problem.status(),
            problem.message,
            problem.code
        )),
        Err(other) => Err(anyhow!("{what}: {other}")),
    }
}

/// Reads a download whole and checks it is an xlsx workbook of some substance: a zip of at
/// least 4 KiB. Returns its size.
async fn workbook(
    result: Result<ResponseValue<client::ByteStream>, client::Error<types::ErrorBody>>,
    what: &str,
) -> Result<usize> {
    let stream = body(result, what)?;
    let bytes: Vec<u8> = stream
        .into_inner()
        .map_ok(|chunk| chunk.to_vec())
        .try_concat()
        .await
        .with_context(|| format!("reading the {what}"))?;
    ensure!(bytes.starts_with(b"PK\x03\x04"), "the {what} is not a zip (xlsx) file");
    ensure!(bytes.len() > 4096, "the {what} is only {} bytes", bytes.len());
    Ok(bytes.len())
}

#[derive(serde::Deserialize)]
struct Truth {
    projects: Vec<TruthProject>,
}

#[derive(serde::Deserialize)]
struct TruthProject {
    code: Option<String>,
    contracted_investment: Option<String>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base_url, token, ledger_path, truth_path] = args.as_slice() else {
        anyhow::bail!("usage: zhaoshang-client-check BASE_URL TOKEN LEDGER_XLSX LEDGER_TRUTH_JSON");
    };
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse()?);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .timeout(std::time::Duration::from_secs(60))
        .build()?;
    let c = Client::new_with_client(base_url, http);
    // The server's calendar is China time, ahead of UTC: a UTC date is never in its future.
    let today = Utc::now().date_naive();
    let day = |days_ago: u64| today - Days::new(days_ago);

    let team = body(
        c.create_team()
            .body_map(|b| b.name(format!("客户端联调专班-{}", std::process::id())))
            .send()
            .await,
        "create_team",
    )?;
    let project = body(
        c.create_project()
            .body_map(|b| {
                b.name("智能电梯导轨生产线项目".to_string())
                    .team_id(team.id)
                    .lead_on(day(60))
                    .planned_investment("1200.5".parse::<types::ProjectCreatePlannedInvestment>().ok())
            })
            .send()
            .await,
        "create_project",
    )?;
    ensure!(project.stage == Stage::Lead && project.team.id == team.id);
    ensure!(project.planned_investment.as_deref().map(String::as_str) == Some("1200.5000"));

    let moved = body(
        c.transition_project()
            .id(project.id)
            .body_map(|b| b.stage(Stage::Negotiating).date(day(50)))
            .send()
            .await,
        "transition_project (negotiating)",
    )?;
    ensure!(moved.project.stage == Stage::Negotiating);
    let contract = types::ContractInput::builder()
        .agreement_type(AgreementType::Formal)
        .signed_on(day(40))
        .contracted_investment("1000".parse::<types::ContractInputContractedInvestment>()?)
        .promised_production_on(day(5));
    let contract = types::ContractInput::try_from(contract).map_err(|e| anyhow!("contract terms: {e}"))?;
    let signed = body(
        c.transition_project()
            .id(project.id)
            .body_map(|b| b.stage(Stage::Signed).contract(contract).version(moved.project.version))
            .send()
            .await,
        "transition_project (signed)",
    )?;
    ensure!(signed.project.stage == Stage::Signed);
    ensure!(
        signed.history_entry.from_stage == Some(Stage::Negotiating) && signed.history_entry.effective_on == day(40)
    );
    let recorded = body(c.get_contract().id(project.id).send().await, "get_contract")?;
    ensure!(recorded.contracted_investment.as_str() == "1000.0000" && recorded.signed_on == day(40));

    // A partial edit: the progress changes, everything else stays as it was.
    let edited = body(
        c.patch_project()
            .id(project.id)
            .body_map(|b| {
                b.progress("已签约，设备采购中".parse::<types::ProjectPatchProgress>().ok())
                    .version(Some(signed.project.version))
            })
            .send()
            .await,
        "patch_project",
    )?;
    ensure!(edited.progress.as_deref() == Some("已签约，设备采购中") && edited.version == signed.project.version + 1);
    ensure!(
        edited.planned_investment.as_deref().map(String::as_str) == Some("1200.5000")
            && edited.team.id == team.id
            && edited.stage == Stage::Signed
    );

    // Two payments, the second typed wrong and then corrected.
    let mut payments = Vec::new();
    for (days_ago, amount) in [(30, "300"), (20, "2002.5")] {
        let funding = body(
            c.create_funding()
                .id(project.id)
                .body_map(|b| {
                    b.arrived_on(day(days_ago))
                        .amount(amount.parse::<types::FundingInputAmount>().expect("a decimal"))
                        .kind(FundingKind::FixedAsset)
                })
                .send()
                .await,
            "create_funding",
        )?;
        ensure!(funding.counted && funding.project_id == project.id);
        payments.push(funding);
    }
    let corrected = body(
        c.patch_funding()
            .id(project.id)
            .funding_id(payments[1].id)
            .body_map(|b| {
                b.amount("200.25".parse::<types::FundingPatchAmount>().ok())
                    .note("金额录入有误，已更正".parse::<types::FundingPatchNote>().ok())
            })
            .send()
            .await,
        "patch_funding",
    )?;
    ensure!(
        corrected.amount.as_str() == "200.2500" && corrected.arrived_on == day(20) && corrected.counted,
        "corrected payment {corrected:?}"
    );
    let fundings = body(c.list_fundings().id(project.id).send().await, "list_fundings")?;
    ensure!(fundings.len() == 2, "{} payments listed", fundings.len());

    for (stage, days_ago) in [(Stage::Started, 15), (Stage::Producing, 10)] {
        let moved = body(
            c.transition_project()
                .id(project.id)
                .body_map(|b| b.stage(stage).date(day(days_ago)))
                .send()
                .await,
            "transition_project",
        )?;
        ensure!(moved.project.stage == stage);
    }
    let producing = body(c.get_project().id(project.id).send().await, "get_project")?;
    ensure!(producing.stage == Stage::Producing && producing.stage_dates.producing_on == Some(day(10)));
    ensure!(
        producing.funds_counted.as_str() == "500.2500",
        "funds counted {}",
        *producing.funds_counted
    );

    // The team's KPIs over the last 90 days: exactly this project.
    let kpis = body(
        c.get_kpis().from(day(90)).to(today).team_id(team.id).send().await,
        "get_kpis",
    )?
    .overall;
    ensure!(
        (kpis.sign_rate.numerator, kpis.sign_rate.denominator) == (1, 1),
        "sign rate {:?}",
        kpis.sign_rate
    );
    let funds = &kpis.funds_arrival_rate;
    ensure!(
        (funds.numerator.as_str(), funds.denominator.as_str()) == ("500.2500", "1000.0000"),
        "funds-arrival rate {funds:?}"
    );
    ensure!(
        funds.rate.is_some_and(|r| (r - 0.50025).abs() < 1e-9),
        "funds-arrival rate {funds:?}"
    );
    for rate in [&kpis.production_rate, &kpis.production_effectiveness_rate] {
        ensure!(
            (rate.numerator, rate.denominator, rate.rate) == (1, 1, Some(1.0)),
            "{rate:?}"
        );
    }

    // A ledger import through the application/octet-stream upload.
    let truth: Truth = serde_json::from_slice(&tokio::fs::read(truth_path).await?)?;
    let ledger = tokio::fs::read(ledger_path)
        .await
        .with_context(|| format!("reading {ledger_path}"))?;
    let before = body(c.list_projects().per_page(1).send().await, "list_projects")?.total;
    let report = body(
        c.import_ledger_binary()
            .file_name("ledger_sample.xlsx".to_string())
            .body(ledger)
            .send()
            .await,
        "import_ledger_binary",
    )?;
    ensure!(report.status == ImportStatus::Imported, "{}", report.message);
    ensure!(
        report.created as usize == truth.projects.len() && report.errors.is_empty(),
        "created {} (errors {:?})",
        report.created,
        report.errors
    );
    let after = body(c.list_projects().per_page(1).send().await, "list_projects")?.total;
    ensure!(after == before + u64::from(report.created));
    let (first, code) = truth
        .projects
        .iter()
        .find_map(|p| Some((p, p.code.clone()?)))
        .context("a project with a code in the truth file")?;
    let found = body(c.list_projects().q(code.clone()).send().await, "list_projects")?.items;
    ensure!(found.len() == 1, "{} projects with code {code}", found.len());
    let contracted = found[0].contract.as_ref().map(|c| c.contracted_investment.to_string());
    ensure!(contracted == first.contracted_investment, "{contracted:?}");

    let ledger_bytes = workbook(c.export_ledger().send().await, "ledger").await?;
    let new_year = NaiveDate::from_ymd_opt(today.year(), 1, 1).context("1 January")?;
    let report_bytes = workbook(c.export_kpi_report().from(new_year).to(today).send().await, "report").await?;

    println!(
        "rust client: project {} signed, paid 500.25 万元 of 1000, producing; KPIs match; {} projects imported; \
         ledger {ledger_bytes} bytes, report {report_bytes} bytes",
        project.id, report.created
    );
    Ok(())
}
