//! The leadership report: gathers the headline rates, the league table with target progress,
//! the monthly trend, the red and yellow warnings and the drill-down of each rate from the KPI
//! engine — the same figures the KPI endpoints give for the same parameters — and writes them
//! as a printable workbook.
//!
//! The figures are shared with every reader; the warnings and drill-downs name projects and
//! hold the rows the reader may see ([`Principal::rows_of`]): a team member's district report
//! lists their own team's projects, and a report on another team has its figures and no
//! project rows. The cover says so whenever rows were left out.
//!
//! [`Principal::rows_of`]: crate::domain::access::Principal::rows_of

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use tokio::sync::Semaphore;

use super::kpi::drilldown::kpi_projects;
use super::kpi::league::{LeagueParams, league};
use super::kpi::warnings::{WarningParams, warnings};
use super::kpi::{KpiParams, KpiSet, Rate, RateBasis, Scope, check_params, kpis};
use super::targets::target_progress;
use super::{Actor, PageRequest, ServiceError, ServiceResult};
use crate::domain::access::Denied;
use crate::domain::kpi::{FundsBasis, GroupBy, Kpi, Light, Measure, ProductionCohort, SignBasis};
use crate::domain::money::yuan_to_wan_for_reports;
use crate::domain::wording::{percent, period_name, wan};
use crate::excel::cell::Written;
use crate::excel::report::{DrillDown, DrillRow, Headline, LeagueRow, MonthRow, ReportData, WarningRow, write_report};

/// What the report covers.
#[derive(Debug, Clone)]
pub struct ReportParams {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: Option<NaiveDate>,
    pub scope: Scope,
}

/// A page size that reads every row.
const ALL_ROWS: u64 = u64::MAX / 2;

/// The basis of a rate in words, each rate its own: what its denominator holds and what of it
/// its numerator counts.
pub fn basis_in_words(kpi: Kpi, basis: RateBasis) -> String {
    let production_cohort = match basis {
        RateBasis::SignedInPeriod => "期间内签约的项目中",
        _ => "截至统计日已签约的全部项目中",
    };
    match (kpi, basis) {
        (Kpi::SignRate, RateBasis::Cohort) => "批次口径：期间内开始洽谈的项目中，截至统计日已签约的比例".into(),
        (Kpi::SignRate, RateBasis::Target) => "目标口径：期间内签约项目数 ÷ 年度签约目标".into(),
        (Kpi::SignRate, _) => "期间口径：期间内处于在谈的项目中，期间内签约的比例".into(),
        (Kpi::FundsArrivalRate, RateBasis::Period) => {
            "期间口径：期间内到位的计入资金 ÷ 期间内签约项目的合同投资额".into()
        }
        (Kpi::FundsArrivalRate, RateBasis::Target) => "目标口径：期间内到位的计入资金 ÷ 年度到位资金目标".into(),
        (Kpi::FundsArrivalRate, _) => "批次口径：期间内签约的项目，截至统计日计入考核的到位资金 ÷ 其合同投资额".into(),
        (Kpi::ProductionEffectivenessRate, _) => {
            format!("{production_cohort}约定投产期已到的项目里，已投产（约定达产期已到的须已达产达效）的比例")
        }
        (Kpi::ProductionRate, _) => format!("{production_cohort}约定投产期已到的项目里，已投产的比例"),
        (Kpi::EffectivenessRate, _) => format!("{production_cohort}约定达产期已到的项目里，已达产达效的比例"),
    }
}

fn count_headline(kpi: Kpi, name: &str, rate: &Rate, numerator_label: &str, denominator_label: &str) -> Headline {
    Headline {
        name: name.into(),
        basis: basis_in_words(kpi, rate.basis),
        numerator_label: numerator_label.into(),
        amounts: false,
        numerator: Decimal::from(rate.numerator),
        denominator_label: denominator_label.into(),
        denominator: Decimal::from(rate.denominator),
        rate: rate.rounded(),
    }
}

/// The headline figures a summary states: (numerator, denominator, rate) of the sign rate,
/// the funds-arrival rate (yuan) and the production-effectiveness rate, and the rates of its
/// two parts.
#[derive(Debug, Clone, Copy)]
pub struct SummaryFigures {
    pub sign: (i64, i64, Option<Decimal>),
    pub funds: (i64, i64, Option<Decimal>),
    pub production: (i64, i64, Option<Decimal>),
    pub produced_rate: Option<Decimal>,
    pub effective_rate: Option<Decimal>,
}

impl From<&KpiSet> for SummaryFigures {
    fn from(set: &KpiSet) -> Self {
        let parts = |r: &Rate| (r.numerator, r.denominator, r.rounded());
        Self {
            sign: parts(&set.sign_rate),
            funds: parts(&set.funds_arrival_rate),
            production: parts(&set.production_effectiveness_rate),
            produced_rate: set.production_rate.rounded(),
            effective_rate: set.effectiveness_rate.rounded(),
        }
    }
}

/// The headline figures in sentences, as a bulletin states them: "2026年1—11月，全区在谈项目
/// 228个，其中签约92个，签约率40.4%；……".
pub fn summary_in_words(whole: &str, from: NaiveDate, to: NaiveDate, set: &SummaryFigures) -> String {
    let (sign, funds, production) = (set.sign, set.funds, set.production);
    format!(
        "{period}，{whole}在谈项目{sign_den}个，其中签约{sign_num}个，签约率{sign_rate}；签约项目合同投资额{contracted}，\
         计入考核的到位资金{funds_num}，资金到位率{funds_rate}；应投产项目{due}个，已投产（达效）{counted}个，\
         投产达效率{production_rate}（投产率{produced_rate}，达效率{effective_rate}）。",
        period = period_name(from, to),
        sign_den = sign.1,
        sign_num = sign.0,
        sign_rate = percent(sign.2),
        contracted = wan(funds.1),
        funds_num = wan(funds.0),
        funds_rate = percent(funds.2),
        due = production.1,
        counted = production.0,
        production_rate = percent(production.2),
        produced_rate = percent(set.produced_rate),
        effective_rate = percent(set.effective_rate),
    )
}

/// Writes the report; returns the as-of date it used and the workbook.
pub async fn kpi_report(
    db: &impl ConnectionTrait,
    actor: &Actor,
    params: ReportParams,
) -> ServiceResult<(NaiveDate, Written)> {
    let kpi_params = |group_by| KpiParams {
        from: params.from,
        to: params.to,
        as_of: params.as_of,
        sign_basis: SignBasis::Period,
        funds_basis: FundsBasis::Cohort,
        production_cohort: ProductionCohort::AllSigned,
        scale_targets: false,
        scope: params.scope,
        group_by,
    };
    // The period and as-of date every part uses, checked once.
    let as_of = check_params(kpi_params(None))?.as_of;
    let everything = PageRequest {
        page: 1,
        per_page: ALL_ROWS,
    };
    // Every project behind a rate in one read: paging through it re-ran the rate's query for
    // each page (39× the writing time at 100,000 projects).
    // The project rows the reader may see: their own team's for a team member or lead, none
    // when the report is on another team (its figures are shared, its projects are not).
    let rows = actor.principal().rows_of(params.scope.team_id);
    let shows_rows = rows.is_ok();
    let drill = |kpi| async move {
        match shows_rows {
            true => kpi_projects(db, actor, kpi, kpi_params(None), everything)
                .await
                .map(|found| found.items),
            false => Ok(Vec::new()),
        }
    };
    let lights = async {
        match shows_rows {
            true => warnings(
                db,
                actor,
                WarningParams {
                    as_of: Some(as_of),
                    team_id: params.scope.team_id,
                    light: None,
                    flagged_only: true,
                },
                everything,
            )
            .await
            .map(|page| page.items),
            false => Ok(Vec::new()),
        }
    };
    // The parts are independent reads: they run side by side, each on a connection of its
    // own where the database pools them (SQLite's reader pool, PostgreSQL's pool), as many at
    // once as there are cores, the longest first: more at once only share the cores and leave
    // the longest to finish last (and would take every connection of the pool).
    let parts = Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()));
    // The district's rates are the league's teams summed, unless the report is scoped.
    let scoped_overall = async {
        match params.scope == Scope::default() {
            true => Ok(None),
            false => kpis(db, kpi_params(None)).await.map(|k| Some(k.overall)),
        }
    };
    let phase = std::time::Instant::now();
    let (lights, table, monthly, scoped_overall, sign_projects, production_projects, progress, funds_projects) = tokio::try_join!(
        one_at_a_core(&parts, "warnings", lights),
        one_at_a_core(
            &parts,
            "league",
            league(
                db,
                LeagueParams {
                    from: params.from,
                    to: params.to,
                    as_of: Some(as_of),
                    sign_basis: SignBasis::Period,
                    funds_basis: FundsBasis::Cohort,
                },
            )
        ),
        one_at_a_core(&parts, "monthly", kpis(db, kpi_params(Some(GroupBy::Month)))),
        one_at_a_core(&parts, "scoped overall", scoped_overall),
        one_at_a_core(&parts, "sign projects", drill(Kpi::SignRate)),
        one_at_a_core(&parts, "production projects", drill(Kpi::ProductionEffectivenessRate)),
        one_at_a_core(&parts, "targets", target_progress(db, params.to.year(), Some(as_of))),
        one_at_a_core(&parts, "funds projects", drill(Kpi::FundsArrivalRate)),
    )?;
    tracing::debug!(took = ?phase.elapsed(), "report: figures read");

    let set = scoped_overall.as_ref().unwrap_or(&table.overall);
    let funds = &set.funds_arrival_rate;
    let headlines = vec![
        count_headline(Kpi::SignRate, "项目签约率", &set.sign_rate, "签约项目数", "在谈项目数"),
        Headline {
            name: "资金到位率".into(),
            basis: basis_in_words(Kpi::FundsArrivalRate, funds.basis),
            numerator_label: "到位资金（万元）".into(),
            amounts: true,
            numerator: yuan_to_wan_for_reports(funds.numerator),
            denominator_label: "合同投资额（万元）".into(),
            denominator: yuan_to_wan_for_reports(funds.denominator),
            rate: funds.rounded(),
        },
        count_headline(
            Kpi::ProductionEffectivenessRate,
            "投产达效率",
            &set.production_effectiveness_rate,
            "已投产（达效）项目数",
            "应投产项目数",
        ),
        count_headline(
            Kpi::ProductionRate,
            "投产率",
            &set.production_rate,
            "已投产项目数",
            "应投产项目数",
        ),
        count_headline(
            Kpi::EffectivenessRate,
            "达效率",
            &set.effectiveness_rate,
            "已达效项目数",
            "应达产项目数",
        ),
    ];
    // The trend's months are the period's (the production rates' groups may reach back to
    // projects due before it; the trend shows signings and funds, which lie within it).
    let first_month = format!("{:04}-{:02}", params.from.year(), params.from.month());
    let months = monthly
        .groups
        .iter()
        .filter(|g| g.key >= first_month)
        .map(|g| MonthRow {
            month: g.key.clone(),
            contracted_signed: yuan_to_wan_for_reports(g.set.bulletin.contracted_investment_yuan),
            funds_arrived: yuan_to_wan_for_reports(g.set.bulletin.funds_arrived_yuan),
        })
        .collect();
    let league_rows = table
        .entries
        .iter()
        .map(|e| {
            let contracted = progress
                .teams
                .iter()
                .find(|t| t.team_id == e.team_id)
                .and_then(|t| t.measures.iter().find(|m| m.measure == Measure::ContractedInvestment));
            let target = contracted.and_then(|m| m.target);
            LeagueRow {
                rank: e.current.rank,
                rank_change: i32::try_from(e.rank_change).ok(),
                team: e.team_name.clone(),
                score: e.current.score,
                sign_rate: e.current.inputs.sign_rate,
                funds_arrival_rate: e.current.inputs.funds_arrival_rate,
                production_effectiveness_rate: e.current.inputs.production_effectiveness_rate,
                target: target.map(yuan_to_wan_for_reports),
                completion: contracted.and_then(|m| m.completion),
                progress: target.map(|_| progress.time_progress.share()),
                ahead: contracted.and_then(|m| m.ahead_behind),
            }
        })
        .collect();

    let rows_note = rows_note(rows, params.scope.team_id, |team| {
        table
            .entries
            .iter()
            .find(|e| e.team_id == team)
            .map_or_else(|| format!("编号{team}"), |e| e.team_name.clone())
    });
    let warning_rows = lights
        .iter()
        .map(|w| WarningRow {
            light: if w.light == Light::Red { "红" } else { "黄" }.into(),
            code: w.code.clone(),
            name: w.name.clone(),
            team: w.team_name.clone().unwrap_or_default(),
            reasons: w.reasons.iter().map(|r| r.describe()).collect::<Vec<_>>().join("；"),
        })
        .collect();

    let drill_downs = [
        (Kpi::SignRate, "签约率明细", sign_projects),
        (Kpi::FundsArrivalRate, "资金到位率明细", funds_projects),
        (Kpi::ProductionEffectivenessRate, "投产达效率明细", production_projects),
    ]
    .into_iter()
    .map(|(kpi, sheet, found)| DrillDown {
        sheet: sheet.into(),
        rows: found
            .into_iter()
            .map(|p| DrillRow {
                detail: drill_detail(kpi, &p),
                code: p.code,
                name: p.name,
                team: p.team_name.unwrap_or_default(),
                counts: p.in_numerator,
            })
            .collect(),
    })
    .collect();

    let whole = match params.scope == Scope::default() {
        true => "全区",
        false => "所选范围内",
    };
    let data = ReportData {
        title: "招商引资工作通报".into(),
        summary: summary_in_words(whole, params.from, params.to, &set.into()),
        from: params.from,
        to: params.to,
        as_of,
        headlines,
        league: league_rows,
        months,
        warnings: warning_rows,
        drill_downs,
        rows_note,
    };
    let phase = std::time::Instant::now();
    let written = write_report(&data)
        .map_err(|e| ServiceError::Db(sea_orm::DbErr::Custom(format!("writing the report workbook: {e}"))))?;
    tracing::debug!(took = ?phase.elapsed(), "report: workbook written");
    Ok((as_of, written))
}

/// What the cover says when the project sheets hold fewer teams than the figures: `rows` is
/// what the reader may list for the report's `team` filter, `team_name` names a team.
fn rows_note(
    rows: Result<Option<i32>, Denied>,
    team: Option<i32>,
    team_name: impl Fn(i32) -> String,
) -> Option<String> {
    match (rows, team) {
        (Ok(Some(own)), None) => Some(format!(
            "预警项目及各率明细仅列本专班（{}）的项目，其他专班的项目明细仅向区领导和管理员提供；概览、赛马榜和月度趋势为全区数字。",
            team_name(own)
        )),
        (Err(_), Some(other)) => Some(format!(
            "预警项目及各率明细未列项目：{}的项目明细仅向区领导和管理员提供；概览、月度趋势为该专班的汇总数字，赛马榜为全区数字。",
            team_name(other)
        )),
        _ => None,
    }
}

/// Runs `read`, the report's part `name`, once `parts` lets it.
async fn one_at_a_core<T>(parts: &Semaphore, name: &str, read: impl Future<Output = T>) -> T {
    let _permit = parts.acquire().await.expect("the semaphore is never closed");
    let phase = std::time::Instant::now();
    let read = read.await;
    tracing::debug!(took = ?phase.elapsed(), part = name, "report: part read");
    read
}

/// The figures that decided a project's place in a rate, in words.
fn drill_detail(kpi: Kpi, p: &super::kpi::drilldown::KpiProject) -> String {
    let date = |d: Option<NaiveDate>| d.map_or("—".to_string(), |d| d.to_string());
    match kpi {
        Kpi::SignRate => format!(
            "开始洽谈 {}；签约 {}{}",
            date(p.negotiation_began_on),
            date(p.signed_on),
            p.terminated_on.map(|d| format!("；终止 {d}")).unwrap_or_default()
        ),
        Kpi::FundsArrivalRate => format!(
            "签约 {}；合同投资 {} 万元；计入到位资金 {} 万元",
            date(p.signed_on),
            p.contracted_investment_yuan
                .map(yuan_to_wan_for_reports)
                .unwrap_or_default(),
            p.counted_funds_yuan.map(yuan_to_wan_for_reports).unwrap_or_default()
        ),
        _ => format!(
            "签约 {}；应投产 {}{}；实际投产 {}；应达产 {}；达产 {}",
            date(p.signed_on),
            date(p.production_due_on),
            if p.production_due_is_default == Some(true) {
                "（默认期限）"
            } else {
                ""
            },
            date(p.producing_on),
            date(p.full_production_due_on),
            date(p.effective_on)
        ),
    }
}
