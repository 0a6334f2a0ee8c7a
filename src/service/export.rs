//! Exports: the projects a filter selects as a ledger workbook, and the fill-in template.
//! Projects are read in id order in fixed-size batches (a constant number of queries per
//! batch) and written as they come, so memory stays flat whatever the number of projects;
//! the next batch is read while one is written.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::{cluster, contract, funding, investor, park, project, team, user};
use rust_xlsxwriter::XlsxError;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::projects::{ProjectFilter, filter_condition};
use super::records::funds_yuan_where;
use super::{Actor, ServiceError, ServiceResult, reference};
use crate::db::packed;
use crate::domain::money::{centimu_to_mu, yuan_to_wan};
use crate::domain::stage::Stage;
use crate::excel::cell::{Cuts, Written, add_cut_notes};
use crate::excel::export::{HEADER_ROW, LEDGER_SHEET, LedgerFormats, LedgerHeading, write_heading, write_row};
use crate::excel::ledger::LedgerValues;
use crate::excel::template::{Choices, write_template};

/// Projects read per batch.
const BATCH: u64 = 1000;
/// Rows written between two chances for the next batch's reading to go on.
const YIELD_EVERY: usize = 100;

fn workbook_error(err: XlsxError) -> ServiceError {
    ServiceError::Db(sea_orm::DbErr::Custom(format!("writing the workbook: {err}")))
}

/// Writes the ledger of every project the filter selects (and the actor may read), with the
/// fund figures as of `heading.as_of`.
pub async fn ledger(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ProjectFilter,
    heading: &LedgerHeading,
) -> ServiceResult<Written> {
    let condition = filter_condition(actor, filter)?;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let formats = LedgerFormats::new();
    let mut cuts = Cuts::default();
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(workbook_error)?;
    sheet.set_name(LEDGER_SHEET).map_err(workbook_error)?;
    write_heading(sheet, heading, &formats, &mut cuts).map_err(workbook_error)?;
    let names = Names::load(db).await?;
    let next_batch = |after: i32| {
        let select = project::Entity::find()
            .filter(condition.clone())
            .filter(project::Column::Id.gt(after))
            .order_by_asc(project::Column::Id)
            .limit(BATCH);
        let names = &names;
        async move {
            let mut batch = packed::rows(db, select).await?;
            batch.sort_by_key(|p| p.id);
            let last = batch.last().map(|p| p.id);
            Ok::<_, ServiceError>((last, ledger_rows(db, names, batch, heading.as_of).await?))
        }
    };
    // Each batch is read while the one before is written: the database works on its own
    // thread, and the writer yields every few rows so the reading moves on in between.
    let mut row = HEADER_ROW + 1;
    let (mut last, mut values) = next_batch(0).await?;
    while let Some(after) = last {
        let write = async {
            for (at, project) in values.iter().enumerate() {
                write_row(sheet, row, project, &formats, &mut cuts)?;
                row += 1;
                if at % YIELD_EVERY == YIELD_EVERY - 1 {
                    tokio::task::yield_now().await;
                }
            }
            Ok::<_, XlsxError>(())
        };
        let (next, written) = tokio::join!(next_batch(after), write);
        written.map_err(workbook_error)?;
        (last, values) = next?;
    }
    add_cut_notes(&mut workbook, &cuts).map_err(workbook_error)?;
    Ok(Written {
        bytes: workbook.save_to_buffer().map_err(workbook_error)?,
        cut_cells: cuts.len(),
    })
}

/// The names of the reference data, loaded once per export (they are few).
struct Names {
    teams: HashMap<i32, String>,
    clusters: HashMap<i32, String>,
    parks: HashMap<i32, String>,
}

impl Names {
    async fn load(db: &impl ConnectionTrait) -> ServiceResult<Self> {
        Ok(Self {
            teams: team::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect(),
            clusters: cluster::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id, c.name))
                .collect(),
            parks: park::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect(),
        })
    }
}

/// One batch of projects as ledger rows: four queries whatever the batch size.
async fn ledger_rows(
    db: &impl ConnectionTrait,
    names: &Names,
    batch: Vec<project::Model>,
    as_of: NaiveDate,
) -> ServiceResult<Vec<LedgerValues>> {
    let ids: Vec<i32> = batch.iter().map(|p| p.id).collect();
    let investor_ids: Vec<i32> = batch.iter().filter_map(|p| p.investor_id).collect();
    let owner_ids: Vec<i32> = batch.iter().filter_map(|p| p.owner_id).collect();
    let investors: HashMap<i32, investor::Model> = packed::rows(
        db,
        investor::Entity::find().filter(investor::Column::Id.is_in(investor_ids)),
    )
    .await?
    .into_iter()
    .map(|i| (i.id, i))
    .collect();
    let owners: HashMap<i32, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(owner_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let mut contracts: HashMap<i32, contract::Model> = packed::rows(
        db,
        contract::Entity::find().filter(contract::Column::ProjectId.is_in(ids.clone())),
    )
    .await?
    .into_iter()
    .map(|c| (c.project_id, c))
    .collect();
    let year_start = NaiveDate::from_ymd_opt(as_of.year(), 1, 1).expect("1 January exists");
    let sums = funding::Entity::find()
        .select_only()
        .column(funding::Column::ProjectId)
        .column_as(
            funds_yuan_where(
                Condition::all()
                    .add(funding::Column::Counted.eq(true))
                    .add(funding::Column::ArrivedOn.gte(year_start)),
            ),
            "this_year",
        )
        .column_as(funds_yuan_where(funding::Column::Counted.eq(true)), "cumulative")
        .filter(funding::Column::ProjectId.is_in(ids))
        .filter(funding::Column::ArrivedOn.lte(as_of))
        .group_by(funding::Column::ProjectId);
    #[derive(serde::Deserialize)]
    struct Sums {
        project_id: i32,
        this_year: i64,
        cumulative: i64,
    }
    let columns = ["project_id", "this_year", "cumulative"].map(String::from);
    let funds: HashMap<i32, (i64, i64)> = packed::rows_as::<Sums>(db, sums, &columns)
        .await?
        .into_iter()
        .map(|s| (s.project_id, (s.this_year, s.cumulative)))
        .collect();
    Ok(batch
        .into_iter()
        .map(|p| {
            let investor = p.investor_id.and_then(|id| investors.get(&id));
            let signed = p.signed_on.is_some();
            // A contract stays on record after a signing falls through; the ledger shows the
            // terms of signed projects only.
            let contract = contracts.remove(&p.id).filter(|_| signed);
            let (this_year, cumulative) = funds.get(&p.id).copied().unwrap_or_default();
            let wan = |y: i64| yuan_to_wan(y);
            LedgerValues {
                code: Some(p.code.clone()),
                name: Some(p.name.clone()),
                investor: investor.map(|i| i.name.clone()),
                credit_code: investor.and_then(|i| i.credit_code.clone()),
                cluster: p.cluster_id.and_then(|id| names.clusters.get(&id).cloned()),
                park: p.park_id.and_then(|id| names.parks.get(&id).cloned()),
                team: names.teams.get(&p.team_id).cloned(),
                sponsoring_leader: p.sponsoring_leader.clone(),
                owner: p.owner_id.and_then(|id| owners.get(&id).cloned()),
                source: p.source.clone(),
                stage: Some(p.stage),
                stage_inferred: false,
                terminated: p.stage == Stage::Terminated,
                planned_investment: p.planned_investment_yuan.map(wan),
                land_area: p.land_area_centimu.map(centimu_to_mu),
                negotiating_since: p.negotiating_on,
                agreement_type: contract.as_ref().map(|c| c.agreement_type),
                signed_on: p.signed_on,
                contracted_investment: contract.as_ref().map(|c| wan(c.contracted_investment_yuan)),
                funds_this_year: signed.then(|| wan(this_year)),
                funds_cumulative: signed.then(|| wan(cumulative)),
                promised_start: contract.as_ref().and_then(|c| c.promised_start_on),
                actual_start: p.started_on,
                promised_production: contract.as_ref().and_then(|c| c.promised_production_on),
                actual_production: p.producing_on,
                promised_full_production: contract.as_ref().and_then(|c| c.promised_full_production_on),
                effective_on: p.effective_on,
                promised_output: contract.as_ref().and_then(|c| c.promised_output_value_yuan).map(wan),
                promised_tax: contract.as_ref().and_then(|c| c.promised_tax_yuan).map(wan),
                progress: p.progress,
                issues: p.issues,
                notes: p.notes,
            }
        })
        .collect())
}

/// The fill-in template, with drop-downs of the live (not archived) reference data.
pub async fn template(db: &impl ConnectionTrait, heading: &LedgerHeading) -> ServiceResult<Vec<u8>> {
    let choices = Choices {
        teams: reference::list::<team::Entity>(db, false)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        clusters: reference::list::<cluster::Entity>(db, false)
            .await?
            .into_iter()
            .map(|c| c.name)
            .collect(),
        parks: reference::list::<park::Entity>(db, false)
            .await?
            .into_iter()
            .map(|p| p.name)
            .collect(),
    };
    write_template(heading, &choices).map_err(workbook_error)
}
