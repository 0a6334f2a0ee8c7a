//! The closed vocabularies of the domain, stored as short lowercase strings.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Where a project is in its life, from first lead to full production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 线索: a lead has been logged.
    #[sea_orm(string_value = "lead")]
    Lead,
    /// 在谈: talks are under way.
    #[sea_orm(string_value = "negotiating")]
    Negotiating,
    /// 签约: an agreement has been signed.
    #[sea_orm(string_value = "signed")]
    Signed,
    /// 开工: construction (or fit-out, or business opening) has started.
    #[sea_orm(string_value = "started")]
    Started,
    /// 投产: trial or formal production has started.
    #[sea_orm(string_value = "producing")]
    Producing,
    /// 达产达效: output and tax reach what the agreement promised.
    #[sea_orm(string_value = "effective")]
    Effective,
    /// 终止/退库: dropped.
    #[sea_orm(string_value = "terminated")]
    Terminated,
}

/// 协议类型: the kind of agreement signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum AgreementType {
    /// 框架协议
    #[sea_orm(string_value = "framework")]
    Framework,
    /// 正式合同
    #[sea_orm(string_value = "formal")]
    Formal,
    /// 补充协议
    #[sea_orm(string_value = "supplementary")]
    Supplementary,
}

/// The kind of money that arrived (到位资金类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "snake_case")]
pub enum FundingKind {
    /// 固定资产投资
    #[sea_orm(string_value = "fixed_asset")]
    FixedAsset,
    /// 注册资本实缴
    #[sea_orm(string_value = "registered_capital")]
    RegisteredCapital,
    /// 流动资金
    #[sea_orm(string_value = "working_capital")]
    WorkingCapital,
    /// 其他
    #[sea_orm(string_value = "other")]
    Other,
}

/// The kind of follow-up activity (跟进记录).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// 外出拜访
    #[sea_orm(string_value = "visit_out")]
    VisitOut,
    /// 企业来访
    #[sea_orm(string_value = "visit_in")]
    VisitIn,
    /// 洽谈
    #[sea_orm(string_value = "negotiation")]
    Negotiation,
    /// 电话
    #[sea_orm(string_value = "call")]
    Call,
    /// 活动 / 推介会
    #[sea_orm(string_value = "event")]
    Event,
    /// 其他
    #[sea_orm(string_value = "other")]
    Other,
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including users, settings and reference data.
    #[sea_orm(string_value = "admin")]
    Admin,
    /// Reads everything; writes nothing.
    #[sea_orm(string_value = "leader")]
    Leader,
    /// Writes their own team's projects and manages its members and targets.
    #[sea_orm(string_value = "team_lead")]
    TeamLead,
    /// Writes their own team's projects.
    #[sea_orm(string_value = "member")]
    Member,
}
