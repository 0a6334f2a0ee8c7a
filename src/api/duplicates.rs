//! `/api/v1/projects/duplicates`: the pairs of projects likely to be one investment entered
//! twice, and the phases of one investment, with their evidence. The scoring is
//! `domain::duplicates`, the search and the scoping `service::duplicates`; this module only
//! converts.

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::ApiTags;
use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::investors::{default_page, default_per_page};
use super::types::Stage;
use crate::domain::duplicates::{Evidence, Relation};
use crate::service::PageRequest;
use crate::service::duplicates::{self as svc, DuplicateParams, Side};
use crate::state::AppState;

/// What two projects are to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PairRelation {
    /// Likely the same project entered twice (to merge, or to keep apart after a look).
    Same,
    /// Phases of one investment (一期 and 二期): linked, each counted, never merged.
    Phases,
}

/// A kind of evidence for a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// 统一社会信用代码相同.
    SameCreditCode,
    /// The investors' names are the same once normalised (region, brackets, company form).
    SameInvestor,
    /// The project names' cores are the same (without investor, 项目, capacity and phase).
    SameNameCore,
    /// The project names' cores are alike.
    SimilarNameCore,
    /// The amounts are within a tenth of each other.
    CloseAmounts,
    /// The lead dates are within 90 days.
    CloseDates,
    /// Different phases of one investment.
    DifferentPhases,
}

/// One piece of evidence, with its words.
#[derive(Debug, Object)]
pub struct PairEvidence {
    pub kind: EvidenceKind,
    /// The evidence in Chinese.
    pub label: String,
}

/// One project of a pair. A project of another team that the caller may not read shows only
/// its team (`visible` false).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PairProject {
    /// Whether the caller may read this project (its id, code, name, investor and stage).
    pub visible: bool,
    pub id: Option<i32>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub investor: Option<String>,
    pub stage: Option<Stage>,
    pub team_id: i32,
    pub team_name: String,
}

/// A candidate pair.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DuplicatePair {
    pub relation: PairRelation,
    /// How likely the two are one project, 0 to 1 (for `same` only); 0.6 and above are listed.
    pub score: Option<f64>,
    pub evidence: Vec<PairEvidence>,
    /// The two projects, the older first.
    pub projects: Vec<PairProject>,
}

/// A page of candidate pairs.
#[derive(Debug, Object)]
pub struct DuplicatePage {
    pub items: Vec<DuplicatePair>,
    /// How many pairs were found in all.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// Keys (a credit code, an investor, a name core) shared by more than 2,000 projects,
    /// whose pairs were not scored; 0 when every pair was looked at.
    pub groups_left_out: u64,
}

impl From<Evidence> for EvidenceKind {
    fn from(evidence: Evidence) -> Self {
        match evidence {
            Evidence::SameCreditCode => Self::SameCreditCode,
            Evidence::SameInvestor => Self::SameInvestor,
            Evidence::SameNameCore => Self::SameNameCore,
            Evidence::SimilarNameCore => Self::SimilarNameCore,
            Evidence::CloseAmounts => Self::CloseAmounts,
            Evidence::CloseDates => Self::CloseDates,
            Evidence::DifferentPhases => Self::DifferentPhases,
        }
    }
}

impl From<Side> for PairProject {
    fn from(side: Side) -> Self {
        match side {
            Side::Visible(p) => Self {
                visible: true,
                id: Some(p.id),
                code: Some(p.code),
                name: Some(p.name),
                investor: p.investor,
                stage: Some(p.stage.into()),
                team_id: p.team_id,
                team_name: p.team_name,
            },
            Side::OtherTeam { team_id, team_name } => Self {
                visible: false,
                id: None,
                code: None,
                name: None,
                investor: None,
                stage: None,
                team_id,
                team_name,
            },
        }
    }
}

impl From<svc::Pair> for DuplicatePair {
    fn from(pair: svc::Pair) -> Self {
        let evidence = pair
            .evidence()
            .iter()
            .map(|&e| PairEvidence {
                kind: e.into(),
                label: e.chinese().to_owned(),
            })
            .collect();
        let (relation, score) = match pair.relation {
            Relation::Same { score, .. } => (PairRelation::Same, Some((score * 100.0).round() / 100.0)),
            _ => (PairRelation::Phases, None),
        };
        Self {
            relation,
            score,
            evidence,
            projects: pair.projects.into_iter().map(Into::into).collect(),
        }
    }
}

pub struct DuplicatesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Projects")]
impl DuplicatesApi {
    /// List duplicate candidates
    ///
    /// Pairs of projects likely to be one investment entered twice — by two task forces, or
    /// by hand and again from a ledger under another spelling — most likely first, with the
    /// evidence; and, with `include_phases`, the phases of one investment (一期 and 二期),
    /// which are linked and never merged. Team members and team leads see the pairs that
    /// involve their own team, and of another team's project only its team.
    #[oai(
        path = "/projects/duplicates",
        method = "get",
        operation_id = "list_duplicate_candidates"
    )]
    async fn list_duplicates(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        /// Only pairs involving this task force's projects.
        team_id: Query<Option<i32>>,
        /// Also list the phases of one investment.
        #[oai(default)]
        include_phases: Query<bool>,
        /// Page number, from 1.
        #[oai(
            default = "default_page",
            validator(minimum(value = "1"), maximum(value = "1000000"))
        )]
        page: Query<u64>,
        /// Items per page, 1 to 200.
        #[oai(
            default = "default_per_page",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        per_page: Query<u64>,
    ) -> ApiResult<Json<DuplicatePage>, { SIGNED_IN | BAD_REQUEST | FORBIDDEN }> {
        let params = DuplicateParams {
            team_id: team_id.0,
            include_phases: include_phases.0,
            paging: PageRequest {
                page: page.0,
                per_page: per_page.0,
            },
        };
        let found = svc::find_duplicates(&state.reader, &auth.0, &params).await?;
        Ok(Json(DuplicatePage {
            items: found.items.into_iter().map(Into::into).collect(),
            total: found.total,
            page: page.0,
            per_page: per_page.0,
            groups_left_out: found.groups_left_out,
        }))
    }
}
