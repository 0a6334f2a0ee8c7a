//! Who may do what. Admins do everything; leaders read everything and write nothing; team
//! leads and members work on their own team's projects (team leads also manage their team's
//! members). One place for every rule, used by the services and the import alike.

use entity::enums::Role;

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
    #[error("nobody may archive themselves or change their own role or team; ask an administrator")]
    OwnStanding,
    #[error("leaders read but do not import ledgers")]
    LeadersDoNotImport,
    #[error("only an administrator may create teams, clusters or parks (create_missing)")]
    CreateMissingAdminOnly,
}

/// What a user's standing is made of: what they may do, where, and whether they can sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub role: Role,
    pub team_id: Option<i32>,
    pub archived: bool,
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
    /// Reads of everything are open to admins and leaders; team roles see their own team.
    pub fn can_read_team(&self, team_id: i32) -> bool {
        match self.role {
            Role::Admin | Role::Leader => true,
            Role::TeamLead | Role::Member => self.team_id == Some(team_id),
        }
    }

    /// The team whose records a list is limited to, if any.
    pub fn team_scope(&self) -> Option<i32> {
        match self.role {
            Role::Admin | Role::Leader => None,
            Role::TeamLead | Role::Member => Some(self.team_id.unwrap_or(-1)),
        }
    }

    pub fn check_read_project(&self, team_id: i32) -> Result<(), Denied> {
        if self.can_read_team(team_id) {
            Ok(())
        } else {
            Err(Denied::OtherTeam(team_id))
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
        assert_eq!(MEMBER.team_scope(), Some(1));
    }

    #[test]
    fn leaders_read_all_and_write_nothing() {
        assert_eq!(LEADER.check_read_project(7), Ok(()));
        assert_eq!(LEADER.check_write_project(7), Err(Denied::ReadOnly));
        assert_eq!(LEADER.check_write_shared(), Err(Denied::ReadOnly));
        assert_eq!(LEADER.team_scope(), None);
        assert_eq!(LEADER.check_read_audit(), Ok(()));
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
