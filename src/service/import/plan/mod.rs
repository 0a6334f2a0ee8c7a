//! Planning: one ledger row into what must be written ([`RowPlan`]), checked in memory
//! against the lookups and the domain's rules, with every problem reported on its row and
//! column. Planning writes nothing and queries nothing; the concerns of a row are in sibling
//! files, each an `impl Planner` block: matching ([`matching`]), fields ([`fields`]), the
//! contract ([`contract`]), stage moves ([`stages`]) and funds ([`funds`]). A caller must not
//! write a plan with errors on its row: [`Planner::plan_row`] keeps only clean ones.

mod contract;
mod fields;
mod funds;
mod matching;
mod stages;

use chrono::NaiveDate;
use entity::enums::Stage;
use foldhash::{HashMap, HashMapExt, HashSet};
use rust_decimal::Decimal;

use super::Context;
use super::lookups::{Lookups, Ref};
use super::report::RowIssue;
use crate::domain::project::{CODE_MAX_LEN, project_code};
use crate::domain::stage::StageDates;
use crate::excel::ledger::{CellError, ColumnRef, LedgerField, LedgerRow, SheetReport, normalise_name};
use crate::service::investors::check_credit_code;
use crate::service::lifecycle::{self, ContractInput};

#[derive(Debug, Clone)]
pub(super) enum Target {
    /// Index into `Lookups::projects`.
    Existing(usize),
    New {
        code: Option<String>,
        lead_on: NaiveDate,
    },
}

/// The editable fields a row wants its project to have.
#[derive(Debug, Clone)]
pub(super) struct Fields {
    pub(super) name: String,
    pub(super) investor: Option<Ref>,
    pub(super) team: Ref,
    pub(super) cluster: Option<Ref>,
    pub(super) park: Option<Ref>,
    pub(super) owner_id: Option<i32>,
    pub(super) sponsoring_leader: Option<String>,
    pub(super) source: Option<String>,
    pub(super) planned_investment: Option<Decimal>,
    pub(super) land_area: Option<Decimal>,
    pub(super) registered_on: Option<NaiveDate>,
    pub(super) registered_capital: Option<Decimal>,
    pub(super) land_supplied_on: Option<NaiveDate>,
    pub(super) progress: Option<String>,
    pub(super) issues: Option<String>,
    pub(super) notes: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Step {
    /// Filled in when the move is checked.
    pub(super) from: Stage,
    pub(super) to: Stage,
    pub(super) on: NaiveDate,
    pub(super) reason: String,
    pub(super) contract: Option<ContractInput>,
    /// The project's stage dates after the move; filled in when the move is checked.
    pub(super) after: StageDates,
}

#[derive(Debug, Clone)]
pub(super) struct Payment {
    pub(super) arrived_on: NaiveDate,
    pub(super) amount_yuan: i64,
}

/// Everything one row writes.
#[derive(Debug, Clone)]
pub(super) struct RowPlan {
    pub(super) sheet: String,
    pub(super) row: u32,
    pub(super) target: Target,
    /// A new project's id, reserved when its INSERT is built.
    pub(super) id: Option<i32>,
    /// New fields when they differ (always for a new project). This and the other parts most
    /// rows do not have are boxed: every writing row's plan is kept until the writes.
    pub(super) fields: Option<Box<Fields>>,
    pub(super) contract_update: Option<Box<ContractInput>>,
    pub(super) steps: Vec<Step>,
    pub(super) payments: Vec<Payment>,
    pub(super) terminate: Option<Box<Step>>,
    /// Where the project stands after all of it.
    pub(super) outcome: StageState,
    pub(super) changes: Vec<String>,
}

impl RowPlan {
    pub(super) fn writes(&self) -> bool {
        self.fields.is_some()
            || self.contract_update.is_some()
            || !self.steps.is_empty()
            || !self.payments.is_empty()
            || self.terminate.is_some()
    }
}

/// Where the stage stands while a row's moves are simulated.
#[derive(Debug, Clone, Copy)]
pub(super) struct StageState {
    pub(super) stage: Stage,
    pub(super) dates: StageDates,
    pub(super) contract_signed_on: Option<NaiveDate>,
}

pub(super) struct Planner<'a> {
    pub(super) ctx: &'a Context<'a>,
    /// The recognised columns of each sheet, to name a column even when its cell is empty.
    pub(super) columns: HashMap<String, HashMap<LedgerField, ColumnRef>>,
    pub(super) lookups: Lookups,
    /// The rows that write something.
    pub(super) plans: Vec<RowPlan>,
    /// Rows matching a stored project that they leave unchanged.
    pub(super) unchanged: u32,
    pub(super) errors: Vec<RowIssue>,
    pub(super) warnings: Vec<RowIssue>,
}

/// Errors of one row, collected while it is planned.
pub(super) type RowResult<T> = Result<T, ()>;

impl<'a> Planner<'a> {
    pub(super) fn new(ctx: &'a Context<'a>, lookups: Lookups) -> Self {
        Self {
            ctx,
            columns: HashMap::new(),
            lookups,
            plans: Vec::new(),
            unchanged: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Takes the columns of a sheet whose rows follow.
    pub(super) fn add_sheet(&mut self, sheet: &SheetReport) {
        let columns = sheet.columns.iter().map(|c| (c.field, c.clone())).collect();
        self.columns.insert(sheet.name.clone(), columns);
    }

    /// Plans the rows of a chunk the reader handed over, but those with a cell that could not
    /// be read: the file will be rejected, and their other values are checked no further.
    pub(super) fn plan_rows(&mut self, rows: &[LedgerRow], errors: &[CellError]) {
        let faulty: HashSet<(&str, u32)> = errors.iter().map(|e| (e.sheet.as_str(), e.row)).collect();
        for row in rows {
            if !faulty.contains(&(row.sheet.as_str(), row.row)) {
                self.plan_row(row);
            }
        }
    }

    /// The sheet's column of `field` (a row's values all come from its sheet's columns).
    pub(super) fn column<'b>(&'b self, row: &'b LedgerRow, field: LedgerField) -> Option<&'b ColumnRef> {
        self.columns.get(&row.sheet).and_then(|c| c.get(&field))
    }

    pub(super) fn issue(&self, row: &LedgerRow, field: LedgerField, value: &str, code: &str, what: &str) -> RowIssue {
        let quoted = if value.is_empty() {
            String::new()
        } else {
            format!(" '{value}'")
        };
        let (column, header, message) = match self.column(row, field) {
            Some(c) => (
                c.letter.clone(),
                c.label.clone(),
                format!("第{}行 {}列 {}: {what}{quoted}", row.row, c.letter, c.label),
            ),
            None => (
                String::new(),
                field.chinese().to_owned(),
                format!("第{}行 {}: {what}{quoted}", row.row, field.chinese()),
            ),
        };
        RowIssue {
            sheet: row.sheet.clone(),
            row: row.row,
            column,
            header,
            value: value.to_owned(),
            code: code.to_owned(),
            message,
        }
    }

    pub(super) fn error(&mut self, row: &LedgerRow, field: LedgerField, value: &str, code: &str, what: &str) {
        let issue = self.issue(row, field, value, code, what);
        self.errors.push(issue);
    }

    pub(super) fn warn(&mut self, row: &LedgerRow, field: LedgerField, value: &str, code: &str, what: &str) {
        let issue = self.issue(row, field, value, code, what);
        self.warnings.push(issue);
    }

    pub(super) fn plan_row(&mut self, row: &LedgerRow) {
        let errors_before = self.errors.len();
        if let Ok(plan) = self.try_plan(row)
            && self.errors.len() == errors_before
        {
            // A stored project the row leaves as it is needs only counting.
            if matches!(plan.target, Target::Existing(_)) && !plan.writes() {
                self.unchanged += 1;
            } else {
                self.plans.push(plan);
            }
        }
    }

    pub(super) fn try_plan(&mut self, row: &LedgerRow) -> RowResult<RowPlan> {
        let v = &row.values;
        // Its texts passed the rules of their fields (`domain::text`) as the file was read.
        let name = v.name.clone().unwrap_or_default();
        let credit_code = match v.credit_code.as_deref() {
            Some(code) => match check_credit_code(code) {
                Ok(code) => Some(code),
                Err(_) => {
                    self.error(
                        row,
                        LedgerField::CreditCode,
                        code,
                        "invalid_credit_code",
                        "不是18位统一社会信用代码",
                    );
                    return Err(());
                }
            },
            None => None,
        };
        let code = match v.code.as_deref().map(str::trim) {
            Some(code) if project_code(code).is_ok() => Some(code.to_owned()),
            Some(code) => {
                self.error(
                    row,
                    LedgerField::Code,
                    code,
                    "invalid_code",
                    &format!("项目编号只能由字母、数字、-、_ 组成，不超过{CODE_MAX_LEN}个字符"),
                );
                return Err(());
            }
            None => None,
        };
        let matched = self.match_project(row, &name, code.as_deref(), credit_code.as_deref())?;
        let investor = self.resolve_investor(row, credit_code.as_deref())?;
        let team = self.resolve_reference(row, LedgerField::Team);
        let cluster = self.resolve_reference(row, LedgerField::Cluster);
        let park = self.resolve_reference(row, LedgerField::Park);
        let (team, cluster, park) = (team?, cluster?, park?);
        let owner_id = match v.owner.as_deref() {
            Some(owner) => match self.lookups.users.get(normalise_name(owner).as_ref()) {
                Some(Some(id)) => Some(*id),
                Some(None) => {
                    self.warn(
                        row,
                        LedgerField::Owner,
                        owner,
                        "ambiguous_owner",
                        "系统中有多个用户叫这个名字，责任人未导入：请填写其用户名",
                    );
                    None
                }
                None => {
                    self.warn(
                        row,
                        LedgerField::Owner,
                        owner,
                        "unknown_owner",
                        "系统中没有这个用户，责任人未导入",
                    );
                    None
                }
            },
            None => None,
        };

        // Who may import what: the same rules as the API, reported on the row.
        let principal = self.ctx.actor.principal();
        let team_name = v.team.clone().unwrap_or_default();
        if let Some(at) = matched
            && let Err(denied) = principal.check_write_project(self.lookups.projects[at].team_id)
        {
            let value = v.code.clone().unwrap_or_else(|| name.clone());
            self.error(
                row,
                LedgerField::Code,
                &value,
                "forbidden",
                &format!("无权修改该项目：{denied}"),
            );
            return Err(());
        }
        let moves_team = match (matched, team) {
            (Some(at), Some(Ref::Id(id))) => id != self.lookups.projects[at].team_id,
            (None, Some(_)) => true,
            (_, Some(Ref::New(_))) => true,
            _ => false,
        };
        if moves_team {
            let denied = match team {
                Some(Ref::Id(id)) => principal.check_assign_team(id).err(),
                Some(Ref::New(_)) => principal.check_admin().err(),
                None => None,
            };
            if let Some(denied) = denied {
                self.error(
                    row,
                    LedgerField::Team,
                    &team_name,
                    "forbidden",
                    &format!("无权为该专班导入项目：{denied}"),
                );
                return Err(());
            }
        }

        let mut changes = Vec::new();
        let (target, existing) = match matched {
            Some(at) => (Target::Existing(at), Some(self.lookups.projects[at].clone())),
            None => {
                if team.is_none() {
                    self.error(row, LedgerField::Team, "", "missing_team", "新项目必须填写招商专班");
                    return Err(());
                }
                let lead_on = [
                    v.negotiating_since,
                    v.signed_on,
                    v.actual_start,
                    v.actual_production,
                    v.effective_on,
                ]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(self.ctx.as_of)
                .min(self.ctx.as_of);
                (
                    Target::New {
                        code: code.clone(),
                        lead_on,
                    },
                    None,
                )
            }
        };

        // The fields.
        let fields = self.plan_fields(
            row,
            existing.as_ref(),
            investor,
            team,
            cluster,
            park,
            owner_id,
            &mut changes,
        )?;

        // The stage, the contract and the funds.
        let state = match &existing {
            Some(p) => StageState {
                stage: p.stage,
                dates: lifecycle::stage_dates(p),
                contract_signed_on: self.lookups.contracts.get(&p.id).map(|c| c.signed_on),
            },
            None => {
                let Target::New { lead_on, .. } = target else {
                    unreachable!("a new target without a project")
                };
                StageState {
                    stage: Stage::Lead,
                    dates: StageDates {
                        lead_on: Some(lead_on),
                        ..StageDates::default()
                    },
                    contract_signed_on: None,
                }
            }
        };
        let existing_contract = existing
            .as_ref()
            .and_then(|p| self.lookups.contracts.get(&p.id))
            .cloned();
        let (state, contract_update) =
            self.plan_contract_update(row, state, existing_contract.as_ref(), &mut changes)?;
        let (state, steps) = self.plan_moves(row, state, existing_contract.as_ref(), &mut changes)?;
        let payments = self.plan_funds(row, existing.as_ref().map(|p| p.id), &state, &mut changes)?;
        let (outcome, terminate) = self.plan_termination(row, state, &mut changes)?;

        let mut plan = RowPlan {
            sheet: row.sheet.clone(),
            row: row.row,
            target,
            id: None,
            fields: fields.map(Box::new),
            contract_update: contract_update.map(Box::new),
            steps,
            payments,
            terminate: terminate.map(Box::new),
            outcome,
            changes,
        };
        if existing.is_some() && !plan.writes() {
            plan.changes.clear();
        }
        Ok(plan)
    }
}
