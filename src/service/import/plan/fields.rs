//! The editable fields a row wants its project to have, compared with the stored ones: a
//! stated field replaces a different stored one, an empty cell never erases a stored value.
//! A caller must not treat [`Fields`] of a stored project as the row alone: they are the
//! project's fields after the row.

use entity::project;
use rust_decimal::Decimal;

use super::{Fields, Planner, RowResult};
use crate::domain::money;
use crate::excel::ledger::{LedgerField, LedgerRow};
use crate::service::import::lookups::{Ref, RefKind};

impl Planner<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn plan_fields(
        &mut self,
        row: &LedgerRow,
        existing: Option<&project::Model>,
        investor: Option<Ref>,
        team: Option<Ref>,
        cluster: Option<Ref>,
        park: Option<Ref>,
        owner_id: Option<i32>,
        changes: &mut Vec<String>,
    ) -> RowResult<Option<Fields>> {
        let v = &row.values;
        let planned_investment = self.amount(row, LedgerField::PlannedInvestment, v.planned_investment)?;
        let land_area = match v.land_area {
            Some(area) => match money::mu_to_centimu(area) {
                Ok(_) => Some(area),
                Err(_) => {
                    self.error(
                        row,
                        LedgerField::LandArea,
                        &area.to_string(),
                        "invalid_land_area",
                        "用地面积过大",
                    );
                    return Err(());
                }
            },
            None => None,
        };
        let name = v.name.clone().unwrap_or_default().trim().to_owned();
        let Some(p) = existing else {
            let team = team.expect("a new project has a team (checked by the caller)");
            let cluster = cluster.or_else(|| match team {
                Ref::Id(id) => self.lookups.team_cluster.get(&id).copied().flatten().map(Ref::Id),
                Ref::New(at) => self.lookups.new_teams[at].cluster,
            });
            changes.push("新建项目".to_owned());
            return Ok(Some(Fields {
                name,
                investor,
                team,
                cluster,
                park,
                owner_id,
                sponsoring_leader: v.sponsoring_leader.clone(),
                source: v.source.clone(),
                planned_investment: planned_investment.map(|(d, _)| d),
                land_area,
                registered_on: None,
                registered_capital: None,
                land_supplied_on: None,
                progress: v.progress.clone(),
                issues: v.issues.clone(),
                notes: v.notes.clone(),
            }));
        };

        let l = &self.lookups;
        let mut changed = false;
        let mut note = |label: &str, old: String, new: String| {
            changed = true;
            changes.push(format!(
                "{label}: {} → {new}",
                if old.is_empty() { "（空）".into() } else { old }
            ));
        };
        if name != p.name {
            note("项目名称", p.name.clone(), name.clone());
        }
        let refs = [
            ("投资方", RefKind::Investor, investor, p.investor_id),
            ("招商专班", RefKind::Team, team, Some(p.team_id)),
            ("产业集群", RefKind::Cluster, cluster, p.cluster_id),
            ("落地园区", RefKind::Park, park, p.park_id),
        ];
        for (label, kind, wanted, stored) in refs {
            if let Some(wanted) = wanted
                && Some(wanted) != stored.map(Ref::Id)
            {
                let old = stored.map(|id| l.ref_name(kind, Ref::Id(id))).unwrap_or_default();
                note(label, old, l.ref_name(kind, wanted));
            }
        }
        if let Some(owner) = owner_id
            && Some(owner) != p.owner_id
        {
            note("责任人", String::new(), v.owner.clone().unwrap_or_default());
        }
        let texts = [
            ("包保领导", &v.sponsoring_leader, &p.sponsoring_leader),
            ("项目来源", &v.source, &p.source),
            ("项目进展", &v.progress, &p.progress),
            ("存在问题", &v.issues, &p.issues),
            ("备注", &v.notes, &p.notes),
        ];
        for (label, wanted, stored) in texts {
            if let Some(wanted) = wanted
                && Some(wanted.trim()) != stored.as_deref()
            {
                note(label, stored.clone().unwrap_or_default(), wanted.clone());
            }
        }
        if let Some((wan, yuan)) = planned_investment
            && Some(yuan) != p.planned_investment_yuan
        {
            note(
                "计划投资额",
                p.planned_investment_yuan
                    .map(|y| money::yuan_to_wan(y).to_string())
                    .unwrap_or_default(),
                wan.to_string(),
            );
        }
        if let Some(area) = land_area
            && money::mu_to_centimu(area).ok() != p.land_area_centimu
        {
            note(
                "用地面积",
                p.land_area_centimu
                    .map(|c| money::centimu_to_mu(c).to_string())
                    .unwrap_or_default(),
                area.to_string(),
            );
        }
        if !changed {
            return Ok(None);
        }
        Ok(Some(Fields {
            name,
            investor: investor.or(p.investor_id.map(Ref::Id)),
            team: team.unwrap_or(Ref::Id(p.team_id)),
            cluster: cluster.or(p.cluster_id.map(Ref::Id)),
            park: park.or(p.park_id.map(Ref::Id)),
            owner_id: owner_id.or(p.owner_id),
            sponsoring_leader: v.sponsoring_leader.clone().or_else(|| p.sponsoring_leader.clone()),
            source: v.source.clone().or_else(|| p.source.clone()),
            planned_investment: planned_investment
                .map(|(d, _)| d)
                .or(p.planned_investment_yuan.map(money::yuan_to_wan)),
            land_area: land_area.or(p.land_area_centimu.map(money::centimu_to_mu)),
            registered_on: p.registered_on,
            registered_capital: p.registered_capital_yuan.map(money::yuan_to_wan),
            land_supplied_on: p.land_supplied_on,
            progress: v.progress.clone().or_else(|| p.progress.clone()),
            issues: v.issues.clone().or_else(|| p.issues.clone()),
            notes: v.notes.clone().or_else(|| p.notes.clone()),
        }))
    }

    /// An amount of the row in 万元 and in yuan, or an error when it cannot be stored.
    pub(super) fn amount(
        &mut self,
        row: &LedgerRow,
        field: LedgerField,
        value: Option<Decimal>,
    ) -> RowResult<Option<(Decimal, i64)>> {
        match value {
            None => Ok(None),
            Some(wan) => match money::wan_to_yuan(wan) {
                Ok(yuan) => Ok(Some((wan, yuan))),
                Err(_) => {
                    self.error(row, field, &wan.to_string(), "amount_too_large", "金额过大");
                    Err(())
                }
            },
        }
    }
}
