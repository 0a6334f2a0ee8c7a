//! `/api/v1/investors`: the companies behind projects.

use chrono::{DateTime, Utc};
use entity::investor;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::auth::BearerAuth;
use super::error::ApiResult;
use super::error::status::*;
use super::merge_patch::{MergePatch, Patchable};
use super::text::{Line, Name, TextRule};
use super::types::Text;
use super::{ApiTags, DEFAULT_PER_PAGE, Deleted};
use crate::domain::text;
use crate::service::{PageRequest, investors as svc};
use crate::state::AppState;

/// An investor (投资方).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Investor {
    pub id: i32,
    /// Company name, e.g. 上海智航科技有限公司.
    pub name: String,
    /// 统一社会信用代码: 18 characters, unique.
    pub credit_code: Option<String>,
    /// Where the investor comes from, e.g. 上海市.
    pub origin_region: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back when replacing; a stale one is refused with 409.
    pub version: i32,
}

impl From<investor::Model> for Investor {
    fn from(m: investor::Model) -> Self {
        Self {
            version: m.version,
            id: m.id,
            name: m.name,
            credit_code: m.credit_code,
            origin_region: m.origin_region,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// An investor as created or replaced.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InvestorInput {
    /// Company name.
    #[oai(validator(custom = "TextRule::default()"))]
    pub name: Name<{ text::INVESTOR_NAME }>,
    /// 统一社会信用代码: 18 digits and capital letters (not I, O, Z, S, V); lower case is
    /// taken as upper case, an empty (or blank) code means none.
    #[oai(
        nullable,
        validator(max_length = 18, pattern = "^ *([0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{18})? *$")
    )]
    pub credit_code: Option<Text>,
    /// Where the investor comes from, e.g. 上海市.
    #[oai(nullable, validator(custom = "TextRule::default()"))]
    pub origin_region: Option<Line<{ text::ORIGIN_REGION }>>,
    /// Required when replacing: the version you read (or send it as `If-Match`); a stale one
    /// is refused with 409.
    #[oai(nullable)]
    pub version: Option<i32>,
}

impl From<InvestorInput> for svc::InvestorInput {
    fn from(i: InvestorInput) -> Self {
        Self {
            name: i.name.into_inner(),
            credit_code: i.credit_code.map(String::from),
            origin_region: i.origin_region.map(String::from),
        }
    }
}

impl InvestorInput {
    /// The investor as a full body would send it, without a version: what a patch merges onto.
    fn current(m: investor::Model) -> Self {
        Self {
            name: Name::stored(m.name),
            credit_code: m.credit_code.map(Text),
            origin_region: m.origin_region.map(Line::stored),
            version: None,
        }
    }
}

impl Patchable for InvestorInput {}

/// `update_investor`, and `patch_investor` once merged.
async fn replace_investor(
    state: &AppState,
    auth: &BearerAuth,
    id: i32,
    if_match: Option<&str>,
    body: InvestorInput,
) -> ApiResult<Json<Investor>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
    let version = super::required_version(body.version, if_match)?;
    let updated = svc::update_investor(&state.db, &auth.0, id, body.into(), version).await?;
    Ok(Json(updated.into()))
}

/// A page of investors.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InvestorPage {
    pub items: Vec<Investor>,
    /// How many investors match in all.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

pub struct InvestorsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Investors")]
impl InvestorsApi {
    /// List investors
    ///
    /// Sorted by name; `q` finds text in the name or credit code.
    #[oai(path = "/investors", method = "get", operation_id = "list_investors")]
    async fn list_investors(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        /// Text in the name or credit code.
        #[oai(validator(custom = "TextRule::default()"))]
        q: Query<Option<Line<{ text::SEARCH }>>>,
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
    ) -> ApiResult<Json<InvestorPage>, { SIGNED_IN | BAD_REQUEST }> {
        let paging = PageRequest {
            page: page.0,
            per_page: per_page.0,
        };
        let (total, items) = svc::list_investors(&state.reader, q.0.as_ref().map(|q| q.as_str()), paging).await?;
        Ok(Json(InvestorPage {
            items: items.into_iter().map(Into::into).collect(),
            total,
            page: page.0,
            per_page: per_page.0,
        }))
    }

    /// Create an investor
    #[oai(path = "/investors", method = "post", operation_id = "create_investor")]
    async fn create_investor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        body: Json<InvestorInput>,
    ) -> ApiResult<Json<Investor>, { SIGNED_IN | JSON_BODY | FORBIDDEN | CONFLICT | INVALID }> {
        Ok(Json(
            svc::create_investor(&state.db, &auth.0, body.0.into()).await?.into(),
        ))
    }

    /// Get an investor
    #[oai(path = "/investors/:id", method = "get", operation_id = "get_investor")]
    async fn get_investor(
        &self,
        state: Data<&AppState>,
        _auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Json<Investor>, { SIGNED_IN | BAD_REQUEST | NOT_FOUND }> {
        Ok(Json(svc::get_investor(&state.reader, id.0).await?.into()))
    }

    /// Replace an investor
    ///
    /// Every field is replaced: a field left out is cleared. To change some fields only,
    /// send a patch (`patch_investor`).
    #[oai(path = "/investors/:id", method = "put", operation_id = "update_investor")]
    async fn update_investor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: Json<InvestorInput>,
    ) -> ApiResult<Json<Investor>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        replace_investor(&state, &auth, id.0, if_match.0.as_deref(), body.0).await
    }

    /// Change some of an investor's fields
    ///
    /// A JSON Merge Patch (RFC 7396), as `patch_project` describes: a field left out stays as
    /// it is, `null` clears it; the `version` you read in the body or as `If-Match`.
    #[oai(path = "/investors/:id", method = "patch", operation_id = "patch_investor")]
    async fn patch_investor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
        /// The version read, e.g. `"3"` (an alternative to the body's `version`).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: MergePatch<InvestorInput>,
    ) -> ApiResult<Json<Investor>, { SIGNED_IN | JSON_BODY | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID }> {
        let current = svc::get_investor(&state.db, id.0).await?;
        let body = body.apply(&InvestorInput::current(current))?;
        replace_investor(&state, &auth, id.0, if_match.0.as_deref(), body).await
    }

    /// Delete an investor
    ///
    /// Administrators only; refused with 409 while projects refer to it.
    #[oai(path = "/investors/:id", method = "delete", operation_id = "delete_investor")]
    async fn delete_investor(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<i32>,
    ) -> ApiResult<Deleted, { SIGNED_IN | BAD_REQUEST | FORBIDDEN | NOT_FOUND | CONFLICT }> {
        svc::delete_investor(&state.db, &auth.0, id.0).await?;
        Ok(Deleted::NoContent)
    }
}

pub fn default_page() -> u64 {
    1
}

pub fn default_per_page() -> u64 {
    DEFAULT_PER_PAGE
}
