//! One way to build a new project: its row, the stage-history entries of how it got where it
//! stands, and the audit entry of its creation. The API's `create_project` inserts them one by
//! one; the ledger import's bulk load hands thousands of them to `db::columnar::insert`. Both
//! therefore store the same columns and leave the same trail (the `create` of a `project`,
//! every field it was stored with; only the reason differs). A new column of `projects` is
//! added to [`ProjectInput`] (what a client
//! or a ledger row gives) and to [`replace_fields`], and nowhere else.
//!
//! A caller must give checked values: nothing here checks (the API checks in
//! `projects::check`, the import while planning each row), and must insert the history and
//! the audit entry in the project's own transaction.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::Stage;
use entity::{audit_entry, project, stage_history};
use sea_orm::{NotSet, Set};

use super::ProjectInput;
use crate::domain::stage::StageDates;
use crate::service::{Actor, audit, clean};

/// A new project's values, checked, before it has an id.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// 项目编号 (provisional until numbered from the id, when the client gave none).
    pub code: String,
    /// Its editable fields, checked (`name` trimmed; `code` is the one above). Texts are
    /// trimmed, and blank ones left out, when stored.
    pub input: ProjectInput,
    /// The input's amounts in the units they are stored in.
    pub amounts: StoredAmounts,
    /// Where it stands: a lead when created by hand, as far as its row goes when imported.
    pub stage: Stage,
    pub dates: StageDates,
    /// The stage moves it made after it was logged as a lead (each counts in its version).
    pub moves: usize,
    /// When it is created: its row's times, and its history's and trail's.
    pub at: DateTime<Utc>,
}

/// The amounts of a [`ProjectInput`] as stored: yuan and hundredths of a mu, converted when
/// the input was checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredAmounts {
    pub planned_investment_yuan: Option<i64>,
    pub land_area_centimu: Option<i64>,
    pub registered_capital_yuan: Option<i64>,
}

impl NewProject {
    /// The project as stored under `id`.
    pub fn stored(self, id: i32) -> project::Model {
        let Self {
            code,
            input,
            amounts,
            stage,
            dates,
            moves,
            at,
        } = self;
        let mut project = project::Model {
            id,
            code,
            name: String::new(),
            investor_id: None,
            cluster_id: None,
            park_id: None,
            team_id: input.team_id,
            owner_id: None,
            sponsoring_leader: None,
            source: None,
            planned_investment_yuan: None,
            land_area_centimu: None,
            stage,
            lead_on: None,
            negotiating_on: None,
            signed_on: None,
            started_on: None,
            producing_on: None,
            effective_on: None,
            terminated_on: None,
            registered_on: None,
            registered_capital_yuan: None,
            land_supplied_on: None,
            progress: None,
            issues: None,
            notes: None,
            version: 1 + i32::try_from(moves).unwrap_or(0),
            created_at: at,
            updated_at: at,
        };
        replace_fields(&mut project, input, amounts);
        set_stage(&mut project, stage, dates);
        project
    }

    pub fn row(self) -> project::ActiveModel {
        let mut row: project::ActiveModel = self.stored(0).into();
        row.id = NotSet;
        row
    }

    /// The stage-history entry of the project `project_id` reaching `to` on `on` (from
    /// nowhere, for the lead it was logged as), recorded at `at` by `actor`.
    pub fn history_entry(
        project_id: i32,
        from: Option<Stage>,
        to: Stage,
        on: NaiveDate,
        actor: &Actor,
        at: DateTime<Utc>,
        reason: Option<String>,
    ) -> stage_history::ActiveModel {
        stage_history::ActiveModel {
            project_id: Set(project_id),
            from_stage: Set(from),
            to_stage: Set(to),
            effective_on: Set(on),
            user_id: Set(Some(actor.user_id)),
            recorded_at: Set(at),
            reason: Set(reason),
            ..Default::default()
        }
    }

    /// The audit entry of creating `project` (as stored): every field it has, as
    /// `audit::diff` writes a creation, recorded when the project was created.
    pub fn audit_entry(project: &project::Model, actor: &Actor, reason: Option<&str>) -> audit_entry::ActiveModel {
        audit::created_entry(
            project.created_at,
            actor,
            "project",
            project.id,
            Some(project.id),
            project,
            reason,
        )
    }
}

/// Replaces a project's editable fields (all but its code) with `input`, its amounts stored as
/// `amounts`: how a new project gets them, and how the ledger import changes a stored one.
pub fn replace_fields(project: &mut project::Model, input: ProjectInput, amounts: StoredAmounts) {
    project.name = input.name;
    project.investor_id = input.investor_id;
    project.cluster_id = input.cluster_id;
    project.park_id = input.park_id;
    project.team_id = input.team_id;
    project.owner_id = input.owner_id;
    project.sponsoring_leader = clean(input.sponsoring_leader);
    project.source = clean(input.source);
    project.planned_investment_yuan = amounts.planned_investment_yuan;
    project.land_area_centimu = amounts.land_area_centimu;
    project.registered_on = input.registered_on;
    project.registered_capital_yuan = amounts.registered_capital_yuan;
    project.land_supplied_on = input.land_supplied_on;
    project.progress = clean(input.progress);
    project.issues = clean(input.issues);
    project.notes = clean(input.notes);
}

/// Sets a project's stage and the dates it reached each stage on.
pub fn set_stage(project: &mut project::Model, stage: Stage, dates: StageDates) {
    project.stage = stage;
    project.lead_on = dates.lead_on;
    project.negotiating_on = dates.negotiating_on;
    project.signed_on = dates.signed_on;
    project.started_on = dates.started_on;
    project.producing_on = dates.producing_on;
    project.effective_on = dates.effective_on;
    project.terminated_on = dates.terminated_on;
}
