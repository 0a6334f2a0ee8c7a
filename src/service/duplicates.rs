//! Duplicate candidates among the stored projects: every pair that `domain::duplicates` finds
//! likely to be one investment entered twice (and, when asked, the phases of one investment),
//! with its score and evidence, scoped as lists are. Pairs are only scored within the groups
//! of projects sharing a key (the credit code, the investor's core name, the name's core), so
//! finding them among 100,000 projects reads each project once and compares few pairs.
//!
//! A team member or team lead sees the pairs that involve their own team; of a project of
//! another team in such a pair they see only that it exists and its team, never its name,
//! code or figures. A caller must not show more of it than [`Side::OtherTeam`] holds.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entity::enums::Stage;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use super::{Actor, PageRequest, ServiceResult};
use crate::domain::duplicates::{Evidence, Facts, Key, Prepared, Relation, compare};

/// The largest group of projects sharing one key whose pairs are all scored; a larger group
/// (a name core so generic that thousands share it) is left out, and the answer says so.
pub const GROUP_LIMIT: usize = 2_000;

/// What is asked.
#[derive(Debug, Clone)]
pub struct DuplicateParams {
    /// Only pairs involving this team's projects.
    pub team_id: Option<i32>,
    /// Include the phases of one investment (一期 and 二期), which are linked, not merged.
    pub include_phases: bool,
    pub paging: PageRequest,
}

/// One project of a pair.
#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    /// A project the user may read.
    Visible(Candidate),
    /// A project of another team, which the user may not read: only that it exists.
    OtherTeam { team_id: i32, team_name: String },
}

/// What a candidate pair shows of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub team_id: i32,
    pub team_name: String,
    pub investor: Option<String>,
    pub stage: Stage,
}

/// A pair of projects and what they are to each other.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    pub projects: [Side; 2],
    /// `Same` (with its score) or `Phases`.
    pub relation: Relation,
}

impl Pair {
    pub fn evidence(&self) -> &[Evidence] {
        match &self.relation {
            Relation::Same { evidence, .. } | Relation::Phases { evidence } => evidence,
            Relation::Unrelated => &[],
        }
    }
}

/// The pairs found, a page of them.
#[derive(Debug, Clone)]
pub struct Duplicates {
    pub items: Vec<Pair>,
    pub total: u64,
    /// Keys shared by more than [`GROUP_LIMIT`] projects, whose pairs were not scored.
    pub groups_left_out: u64,
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i32,
    code: String,
    name: String,
    team_id: i32,
    team_name: String,
    stage: Stage,
    lead_on: Option<NaiveDate>,
    planned_investment_yuan: Option<i64>,
    contracted_investment_yuan: Option<i64>,
    investor: Option<String>,
    credit_code: Option<String>,
}

const PROJECTS: &str = "SELECT p.id, p.code, p.name, p.team_id, t.name AS team_name, p.stage, p.lead_on, \
     p.planned_investment_yuan, c.contracted_investment_yuan, i.name AS investor, i.credit_code \
     FROM projects p \
     JOIN teams t ON t.id = p.team_id \
     LEFT JOIN investors i ON i.id = p.investor_id \
     LEFT JOIN contracts c ON c.project_id = p.id \
     ORDER BY p.id";

/// The candidate pairs the user may see, most likely first.
pub async fn find_duplicates(
    db: &impl ConnectionTrait,
    actor: &Actor,
    params: &DuplicateParams,
) -> ServiceResult<Duplicates> {
    let principal = actor.principal();
    // Pairs are scoped by the team they involve: the asked team (refused when another team's
    // rows are not the user's to read), the user's own team, or every team.
    let scope = principal.rows_of(params.team_id)?;
    let rows = Row::find_by_statement(Statement::from_string(db.get_database_backend(), PROJECTS))
        .all(db)
        .await?;
    let prepared: Vec<Prepared> = rows
        .iter()
        .map(|row| {
            Facts {
                name: &row.name,
                investor: row.investor.as_deref(),
                credit_code: row.credit_code.as_deref(),
                amount_yuan: row.contracted_investment_yuan.or(row.planned_investment_yuan),
                lead_on: row.lead_on,
            }
            .prepare()
        })
        .collect();
    let mut groups: HashMap<Key, Vec<usize>> = HashMap::new();
    for (index, project) in prepared.iter().enumerate() {
        for key in project.keys() {
            groups.entry(key).or_default().push(index);
        }
    }
    let mut groups_left_out = 0;
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut found: Vec<(usize, usize, Relation)> = Vec::new();
    for (key, members) in &groups {
        // Sharing only a name core, two projects that both name an investor are different
        // investors' (the investor's own key groups one investor's): only pairs with a project
        // naming none are scored there.
        let named = |i: &usize| prepared[*i].names_investor();
        let (lead, rest): (Vec<usize>, Vec<usize>) = match key {
            Key::NameCore(_) => members.iter().partition(|i| !named(i)),
            _ => (members.clone(), Vec::new()),
        };
        if lead.len() > GROUP_LIMIT {
            groups_left_out += 1;
            continue;
        }
        for (n, &a) in lead.iter().enumerate() {
            for &b in lead[n + 1..].iter().chain(&rest) {
                let in_scope = scope.is_none_or(|team| rows[a].team_id == team || rows[b].team_id == team);
                if !in_scope || !seen.insert((a.min(b), a.max(b))) {
                    continue;
                }
                match compare(&prepared[a], &prepared[b]) {
                    Relation::Unrelated => {}
                    Relation::Phases { .. } if !params.include_phases => {}
                    relation => found.push((a.min(b), a.max(b), relation)),
                }
            }
        }
    }
    // Most likely first (phases after every candidate), then by the projects' ids.
    let rank = |relation: &Relation| match relation {
        Relation::Same { score, .. } => *score,
        _ => 0.0,
    };
    found.sort_by(|x, y| rank(&y.2).total_cmp(&rank(&x.2)).then((x.0, x.1).cmp(&(y.0, y.1))));
    let total = found.len() as u64;
    let side = |index: usize| {
        let row = &rows[index];
        match principal.check_read_project(row.team_id) {
            Ok(()) => Side::Visible(Candidate {
                stage: row.stage,
                id: row.id,
                code: row.code.clone(),
                name: row.name.clone(),
                team_id: row.team_id,
                team_name: row.team_name.clone(),
                investor: row.investor.clone(),
            }),
            Err(_) => Side::OtherTeam {
                team_id: row.team_id,
                team_name: row.team_name.clone(),
            },
        }
    };
    let items = found
        .into_iter()
        .skip(params.paging.offset() as usize)
        .take(params.paging.per_page as usize)
        .map(|(a, b, relation)| Pair {
            projects: [side(a), side(b)],
            relation,
        })
        .collect();
    Ok(Duplicates {
        items,
        total,
        groups_left_out,
    })
}
