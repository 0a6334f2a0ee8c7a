//! One way to build a new project: its row, the stage-history entries of how it got where it
//! stands, and the audit entry of its creation. The API's `create_project` inserts them one by
//! one; the ledger import's bulk load hands thousands of them to `db::columnar::insert`. Both
//! therefore store the same columns and leave the same trail (the `create` of a `project`,
//! every field it was stored with; only the reason differs). A new column of `projects` is
//! added to [`ProjectInput`] (what a client
//! or a ledger row gives) and to [`NewProject::stored`], and nowhere else.
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
        project::Model {
            id,
            code,
            name: input.name,
            investor_id: input.investor_id,
            cluster_id: input.cluster_id,
            park_id: input.park_id,
            team_id: input.team_id,
            owner_id: input.owner_id,
            sponsoring_leader: clean(input.sponsoring_leader),
            source: clean(input.source),
            planned_investment_yuan: amounts.planned_investment_yuan,
            land_area_centimu: amounts.land_area_centimu,
            stage,
            lead_on: dates.lead_on,
            negotiating_on: dates.negotiating_on,
            signed_on: dates.signed_on,
            started_on: dates.started_on,
            producing_on: dates.producing_on,
            effective_on: dates.effective_on,
            terminated_on: dates.terminated_on,
            registered_on: input.registered_on,
            registered_capital_yuan: amounts.registered_capital_yuan,
            land_supplied_on: input.land_supplied_on,
            progress: clean(input.progress),
            issues: clean(input.issues),
            notes: clean(input.notes),
            version: 1 + i32::try_from(moves).unwrap_or(0),
            created_at: at,
            updated_at: at,
        }
    }

    /// The row to insert, its id left to the database.
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
