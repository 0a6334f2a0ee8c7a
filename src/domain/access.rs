//! Who may do what. Admins do everything; leaders read everything and write nothing; team
//! leads and members work on their own team's projects (team leads also manage their team's
//! members). One place for every rule, used by the services and the import alike: a service
//! asks a [`Principal`] and never writes a rule of its own.
//!
//! # What a list shows
//!
//! Reading splits in two, and every list and figure is one or the other:
//!
//! - **Aggregate figures** are shared inside the government: every signed-in user reads every
//!   team's — the KPIs (`/kpis`, with any team filter or grouping), the league table, targets
//!   and their progress, the report's cover, league and monthly trend. They are counts and
//!   sums, with no project named; they need no check.
//! - **Project-level rows** name projects: the project list and the ledger export, warnings,
//!   the projects behind a rate (`/kpis/{kpi}/projects`), the report's warning and drill-down
//!   sheets, a project's own records and trail. Leaders and administrators read every team's;
//!   team leads and members their own team's ([`Principal::row_scope`]). A list without a team
//!   filter is limited to the reader's team, and one whose filter names another team is
//!   refused, saying so ([`Principal::rows_of`]). The leadership report, a mix of both, keeps
//!   its figures and leaves out the rows the reader may not see, and says so.
//! - **Import runs** hold a report with every row's changes, so they are rows too, by who ran
//!   them: leaders and administrators read every run; team leads and members the runs they
//!   ran themselves or that a member of their team ran (the runner's team when the run
//!   started), which is what their team's ledgers went through ([`Principal::import_runs`]).
//!   Runs of administrators, who belong to no team, are for leaders and administrators.
//! - The audit trail of everything is for administrators and leaders; a project's own trail
//!   follows the project.

use entity::enums::{Role, Stage};

/// The part of a user that decides what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub role: Role,
    pub team_id: Option<i32>,
}

/// Why something is not allowed, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("leaders read but do not change data")]
    ReadOnly,
    #[error("only an administrator may do this")]
    AdminOnly,
    #[error("this project belongs to another task force (team {0}); you work on your own team's projects only")]
    OtherTeam(i32),
    #[error("a project cannot be moved to another task force (team {0}) by a team member; ask an administrator")]
    MoveToOtherTeam(i32),
    #[error("team leads manage the members of their own team only")]
    OtherTeamsMembers,
    #[error("only the team's lead or an administrator may do this")]
    TeamLeadOnly,
    #[error(
        "a team lead removes only leads (projects at the lead stage) logged by mistake; terminate a project that went further, or ask an administrator"
    )]
    LeadsOnly,
    #[error("nobody may archive themselves or change their own role or team; ask an administrator")]
    OwnStanding,
    #[error("leaders read but do not import ledgers")]
    LeadersDoNotImport,
    #[error("only an administrator may create teams, clusters or parks (create_missing)")]
    CreateMissingAdminOnly,
    #[error(
        "the projects of another task force (team {0}) are shown to leaders and administrators only; you see your own team's"
    )]
    OtherTeamsRows(i32),
    #[error("import {0} was run by someone outside your task force; you see the imports you or your team ran")]
    OtherTeamsImport(i32),
    #[error(
        "a published bulletin names every task force's projects and is shown to leaders and administrators only; the bulletin you generate lists your own team's"
    )]
    PublishedBulletins,
}

/// The team a team lead or member without a team is limited to: no project has it, so they
/// see no rows (a team role always has a team; this keeps a broken user harmless).
const NO_TEAM: i32 = -1;

/// Whose import runs a user may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportRuns {
    /// Every run (leaders and administrators).
    Every,
    /// The runs `user_id` ran, and those run by a member of `team_id`.
    OwnAndTeams { user_id: i32, team_id: i32 },
}

impl ImportRuns {
    /// Whether a run by `run_by` (a member of `run_team` when it started) is among them.
    pub fn contains(&self, run_by: Option<i32>, run_team: Option<i32>) -> bool {
        match *self {
            Self::Every => true,
            Self::OwnAndTeams { user_id, team_id } => run_by == Some(user_id) || run_team == Some(team_id),
        }
    }
}

/// What a user's standing is made of: what they may do, where, and whether they can sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub role: Role,
    pub team_id: Option<i32>,
    pub archived: bool,
}

/// A role as people call it: 管理员, 领导, 专班负责人, 专班成员.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "管理员",
        Role::Leader => "领导",
        Role::TeamLead => "专班负责人",
        Role::Member => "专班成员",
    }
}

/// Replacing a user: their own standing is changed by someone else, so nobody locks
/// themselves out and the last administrator can neither archive nor demote themselves.
pub fn check_change_standing(acting_user: i32, user: i32, before: Standing, after: Standing) -> Result<(), Denied> {
    if acting_user == user && before != after {
        Err(Denied::OwnStanding)
    } else {
        Ok(())
    }
}

impl Principal {
    /// The team whose project-level rows this user reads: `None` for every team's (admins and
    /// leaders), else their own team's.
    pub fn row_scope(&self) -> Option<i32> {
        match self.role {
            Role::Admin | Role::Leader => None,
            Role::TeamLead | Role::Member => Some(self.team_id.unwrap_or(NO_TEAM)),
        }
    }

    /// Reading project-level rows of `team_id`: admins and leaders every team's, team roles
    /// their own team's.
    pub fn check_read_team_rows(&self, team_id: i32) -> Result<(), Denied> {
        match self.row_scope() {
            Some(own) if own != team_id => Err(Denied::OtherTeamsRows(team_id)),
            _ => Ok(()),
        }
    }

    /// The team a list of project-level rows is limited to, given the team its filter asks
    /// for: the asked team when the user may read its rows (`None`, every team, only for
    /// admins and leaders), the user's own team when none is asked; a filter naming another
    /// team is refused.
    pub fn rows_of(&self, asked: Option<i32>) -> Result<Option<i32>, Denied> {
        match (self.row_scope(), asked) {
            (None, asked) => Ok(asked),
            (Some(own), None) => Ok(Some(own)),
            (Some(_), Some(asked)) => self.check_read_team_rows(asked).map(|()| Some(asked)),
        }
    }

    /// Reading one project of `team_id` (the rule of [`Self::check_read_team_rows`], said of
    /// a project).
    pub fn check_read_project(&self, team_id: i32) -> Result<(), Denied> {
        self.check_read_team_rows(team_id)
            .map_err(|_| Denied::OtherTeam(team_id))
    }

    /// The import runs this user (`user_id`) may read, with their reports.
    pub fn import_runs(&self, user_id: i32) -> ImportRuns {
        match self.row_scope() {
            None => ImportRuns::Every,
            Some(team_id) => ImportRuns::OwnAndTeams { user_id, team_id },
        }
    }

    /// Reading import run `run` with its report: see [`Self::import_runs`].
    pub fn check_read_import(
        &self,
        user_id: i32,
        run: i32,
        run_by: Option<i32>,
        run_team: Option<i32>,
    ) -> Result<(), Denied> {
        if self.import_runs(user_id).contains(run_by, run_team) {
            Ok(())
        } else {
            Err(Denied::OtherTeamsImport(run))
        }
    }

    /// Writing a project (its fields, stage, contract, payments, activities, outputs).
    pub fn check_write_project(&self, team_id: i32) -> Result<(), Denied> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Leader => Err(Denied::ReadOnly),
            Role::TeamLead | Role::Member if self.team_id == Some(team_id) => Ok(()),
            Role::TeamLead | Role::Member => Err(Denied::OtherTeam(team_id)),
        }
    }

    /// Removing a project logged by mistake (it stays in the audit trail): administrators any
    /// project, a team lead a lead (a project at the `lead` stage) of their own team.
    pub fn check_delete_project(&self, team_id: i32, stage: Stage) -> Result<(), Denied> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Leader => Err(Denied::ReadOnly),
            Role::Member => Err(Denied::TeamLeadOnly),
            Role::TeamLead if self.team_id != Some(team_id) => Err(Denied::OtherTeam(team_id)),
            Role::TeamLead if stage != Stage::Lead => Err(Denied::LeadsOnly),
            Role::TeamLead => Ok(()),
        }
    }

    /// Giving a project (new or existing) to `team_id`.
    pub fn check_assign_team(&self, team_id: i32) -> Result<(), Denied> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Leader => Err(Denied::ReadOnly),
            _ if self.team_id == Some(team_id) => Ok(()),
            _ => Err(Denied::MoveToOtherTeam(team_id)),
        }
    }

    /// Writing shared records every team uses (investors).
    pub fn check_write_shared(&self) -> Result<(), Denied> {
        match self.role {
            Role::Leader => Err(Denied::ReadOnly),
            _ => Ok(()),
        }
    }

    /// Reference data, settings, deletions, other people's tokens.
    pub fn check_admin(&self) -> Result<(), Denied> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Leader => Err(Denied::ReadOnly),
            _ => Err(Denied::AdminOnly),
        }
    }

    /// Creating or changing a user with `role` in `team_id`.
    pub fn check_manage_user(&self, role: Role, team_id: Option<i32>) -> Result<(), Denied> {
        match self.role {
            Role::Admin => Ok(()),
            Role::TeamLead
                if matches!(role, Role::Member | Role::TeamLead) && team_id.is_some() && team_id == self.team_id =>
            {
                Ok(())
            }
            Role::TeamLead => Err(Denied::OtherTeamsMembers),
            Role::Leader => Err(Denied::ReadOnly),
            Role::Member => Err(Denied::AdminOnly),
        }
    }

    /// Setting a team's yearly targets: admins, and the team's own lead.
    pub fn check_manage_targets(&self, team_id: i32) -> Result<(), Denied> {
        match self.role {
            Role::Admin => Ok(()),
            Role::TeamLead if self.team_id == Some(team_id) => Ok(()),
            Role::TeamLead => Err(Denied::OtherTeam(team_id)),
            Role::Leader => Err(Denied::ReadOnly),
            Role::Member => Err(Denied::TeamLeadOnly),
        }
    }

    /// Importing a ledger: everyone but leaders, each row then checked as a write of its
    /// project; `create_missing` (which creates teams, clusters and parks) only administrators.
    pub fn check_import(&self, create_missing: bool) -> Result<(), Denied> {
        match self.role {
            Role::Leader => Err(Denied::LeadersDoNotImport),
            Role::Admin => Ok(()),
            _ if create_missing => Err(Denied::CreateMissingAdminOnly),
            _ => Ok(()),
        }
    }

    /// Reading the audit trail of everything.
    pub fn check_read_audit(&self) -> Result<(), Denied> {
        match self.role {
            Role::Admin | Role::Leader => Ok(()),
            _ => Err(Denied::AdminOnly),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMBER: Principal = Principal {
        role: Role::Member,
        team_id: Some(1),
    };
    const LEAD: Principal = Principal {
        role: Role::TeamLead,
        team_id: Some(1),
    };
    const LEADER: Principal = Principal {
        role: Role::Leader,
        team_id: None,
    };
    const ADMIN: Principal = Principal {
        role: Role::Admin,
        team_id: None,
    };

    #[test]
    fn members_work_on_their_own_team_only() {
        assert_eq!(MEMBER.check_write_project(1), Ok(()));
        assert_eq!(MEMBER.check_write_project(2), Err(Denied::OtherTeam(2)));
        assert_eq!(MEMBER.check_read_project(2), Err(Denied::OtherTeam(2)));
        assert_eq!(MEMBER.check_assign_team(2), Err(Denied::MoveToOtherTeam(2)));
        assert_eq!(MEMBER.row_scope(), Some(1));
    }

    #[test]
    fn team_roles_list_their_own_teams_rows_and_are_refused_another_teams() {
        for team_role in [MEMBER, LEAD] {
            assert_eq!(team_role.rows_of(None), Ok(Some(1)));
            assert_eq!(team_role.rows_of(Some(1)), Ok(Some(1)));
            assert_eq!(team_role.rows_of(Some(2)), Err(Denied::OtherTeamsRows(2)));
            assert_eq!(team_role.check_read_team_rows(2), Err(Denied::OtherTeamsRows(2)));
            assert!(Denied::OtherTeamsRows(2).to_string().contains("team 2"));
        }
        for reader in [LEADER, ADMIN] {
            assert_eq!(reader.rows_of(None), Ok(None));
            assert_eq!(reader.rows_of(Some(2)), Ok(Some(2)));
        }
        let teamless = Principal {
            role: Role::Member,
            team_id: None,
        };
        assert_eq!(teamless.rows_of(None), Ok(Some(NO_TEAM)));
        assert_eq!(teamless.rows_of(Some(1)), Err(Denied::OtherTeamsRows(1)));
    }

    #[test]
    fn team_roles_read_the_imports_they_or_their_team_ran() {
        // User 7 of team 1.
        assert_eq!(MEMBER.check_read_import(7, 10, Some(7), None), Ok(()));
        assert_eq!(LEAD.check_read_import(7, 10, Some(8), Some(1)), Ok(()));
        assert_eq!(
            MEMBER.check_read_import(7, 10, Some(8), Some(2)),
            Err(Denied::OtherTeamsImport(10))
        );
        // An administrator's run (no team), or one whose user is gone.
        assert_eq!(
            LEAD.check_read_import(7, 10, Some(1), None),
            Err(Denied::OtherTeamsImport(10))
        );
        assert_eq!(
            MEMBER.check_read_import(7, 10, None, None),
            Err(Denied::OtherTeamsImport(10))
        );
        assert_eq!(LEADER.check_read_import(3, 10, Some(8), Some(2)), Ok(()));
        assert_eq!(ADMIN.import_runs(1), ImportRuns::Every);
    }

    #[test]
    fn leaders_read_all_and_write_nothing() {
        assert_eq!(LEADER.check_read_project(7), Ok(()));
        assert_eq!(LEADER.check_write_project(7), Err(Denied::ReadOnly));
        assert_eq!(LEADER.check_write_shared(), Err(Denied::ReadOnly));
        assert_eq!(LEADER.row_scope(), None);
        assert_eq!(LEADER.check_read_audit(), Ok(()));
    }

    #[test]
    fn team_leads_remove_their_own_teams_leads_only() {
        assert_eq!(LEAD.check_delete_project(1, Stage::Lead), Ok(()));
        assert_eq!(LEAD.check_delete_project(2, Stage::Lead), Err(Denied::OtherTeam(2)));
        assert_eq!(LEAD.check_delete_project(1, Stage::Negotiating), Err(Denied::LeadsOnly));
        assert_eq!(MEMBER.check_delete_project(1, Stage::Lead), Err(Denied::TeamLeadOnly));
        assert_eq!(LEADER.check_delete_project(1, Stage::Lead), Err(Denied::ReadOnly));
        assert_eq!(ADMIN.check_delete_project(2, Stage::Signed), Ok(()));
    }

    #[test]
    fn team_leads_manage_their_members() {
        assert_eq!(LEAD.check_manage_user(Role::Member, Some(1)), Ok(()));
        assert_eq!(
            LEAD.check_manage_user(Role::Member, Some(2)),
            Err(Denied::OtherTeamsMembers)
        );
        assert_eq!(
            LEAD.check_manage_user(Role::Admin, None),
            Err(Denied::OtherTeamsMembers)
        );
        assert_eq!(MEMBER.check_manage_user(Role::Member, Some(1)), Err(Denied::AdminOnly));
        assert_eq!(ADMIN.check_manage_user(Role::Admin, None), Ok(()));
    }

    #[test]
    fn leaders_do_not_import_and_only_admins_create_missing() {
        assert_eq!(LEADER.check_import(false), Err(Denied::LeadersDoNotImport));
        assert_eq!(LEADER.check_import(true), Err(Denied::LeadersDoNotImport));
        assert_eq!(MEMBER.check_import(false), Ok(()));
        assert_eq!(LEAD.check_import(true), Err(Denied::CreateMissingAdminOnly));
        assert_eq!(ADMIN.check_import(true), Ok(()));
    }

    #[test]
    fn nobody_changes_their_own_standing() {
        let admin = Standing {
            role: Role::Admin,
            team_id: None,
            archived: false,
        };
        let archived = Standing {
            archived: true,
            ..admin
        };
        let demoted = Standing {
            role: Role::Leader,
            ..admin
        };
        assert_eq!(check_change_standing(1, 1, admin, admin), Ok(()));
        assert_eq!(check_change_standing(1, 1, admin, archived), Err(Denied::OwnStanding));
        assert_eq!(check_change_standing(1, 1, admin, demoted), Err(Denied::OwnStanding));
        assert_eq!(check_change_standing(1, 2, admin, archived), Ok(()));
    }
}
