//! Matching a row to its project, and resolving the investor, team, cluster and park it
//! names: by 项目编号; else by credit code and normalised name, or normalised name and
//! investor; two rows of one file on the same project are an error. A caller must match each
//! row once: matching claims the project for that row.

use super::{Planner, RowResult};
use crate::excel::ledger::{LedgerField, LedgerRow, normalise_name};
use crate::service::import::lookups::{NewInvestor, NewTeam, Ref, StoredKeys};

impl Planner<'_> {
    pub(super) fn match_project(
        &mut self,
        row: &LedgerRow,
        name: &str,
        code: Option<&str>,
        credit_code: Option<&str>,
    ) -> RowResult<Option<usize>> {
        let v = &row.values;
        let norm_name = normalise_name(name);
        let investor_name = v.investor.as_deref().map(normalise_name).unwrap_or_default();
        let l = &self.lookups;
        let (found, field): (Option<usize>, LedgerField) = if let Some(code) = code {
            (
                l.project_by_code
                    .candidates(&code)
                    .find(|at| l.projects[*at].code == code),
                LedgerField::Code,
            )
        } else {
            let one = |found: Vec<usize>| match found.as_slice() {
                [] => Ok(None),
                [one] => Ok(Some(*one)),
                _ => Err(()),
            };
            let by_name_investor = || -> Result<Option<usize>, ()> {
                let key = (norm_name.as_ref(), investor_name.as_ref());
                one(l
                    .project_by_name_investor
                    .candidates(&key)
                    .filter(|at| {
                        let stored = StoredKeys::of(&l.projects[*at], &l.investors);
                        // With a credit code, only projects whose investor has none (or the
                        // same) are the same project.
                        (stored.name.as_ref(), stored.investor.as_ref()) == key
                            && credit_code.is_none_or(|code| stored.credit_code.is_none_or(|c| c == code))
                    })
                    .collect())
            };
            let found = match credit_code {
                Some(credit) => {
                    let found: Vec<usize> = l
                        .project_by_credit_name
                        .candidates(&(credit, norm_name.as_ref()))
                        .filter(|at| {
                            let stored = StoredKeys::of(&l.projects[*at], &l.investors);
                            stored.credit_code == Some(credit) && stored.name == norm_name
                        })
                        .collect();
                    if found.is_empty() {
                        by_name_investor()
                    } else {
                        one(found)
                    }
                }
                None => by_name_investor(),
            };
            let Ok(found) = found else {
                self.error(
                    row,
                    LedgerField::Name,
                    name,
                    "ambiguous_match",
                    "系统中有多个同名且同投资方的项目，无法确定是哪一个；请填写项目编号",
                );
                return Err(());
            };
            (found, LedgerField::Name)
        };
        if let Some(at) = found {
            if let Some(first) = self.lookups.claimed.get(&at).copied() {
                let shown = code.unwrap_or(name).to_owned();
                self.error(
                    row,
                    field,
                    &shown,
                    "duplicate_row",
                    &format!("与第{first}行是同一个项目"),
                );
                return Err(());
            }
            self.lookups.claimed.insert(at, row.row);
            return Ok(Some(at));
        }
        // A new project: the keys that would make a later row the same one.
        let keys = match code {
            Some(code) => vec![format!("code:{code}")],
            None => {
                let mut keys = vec![format!("name:{norm_name}|{investor_name}")];
                if let Some(credit) = credit_code {
                    keys.push(format!("credit:{credit}|{norm_name}"));
                }
                keys
            }
        };
        if let Some(first) = keys.iter().find_map(|k| self.lookups.planned.get(k).copied()) {
            let shown = code.unwrap_or(name).to_owned();
            self.error(
                row,
                field,
                &shown,
                "duplicate_row",
                &format!("与第{first}行是同一个项目"),
            );
            return Err(());
        }
        for key in keys {
            self.lookups.planned.insert(key, row.row);
        }
        Ok(None)
    }

    pub(super) fn resolve_investor(&mut self, row: &LedgerRow, credit_code: Option<&str>) -> RowResult<Option<Ref>> {
        let name = row.values.investor.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let l = &mut self.lookups;
        if let Some(code) = credit_code {
            if let Some(found) = l.investor_by_code.get(code) {
                return Ok(Some(*found));
            }
            let by_name = name.and_then(|n| l.investor_by_name.get(normalise_name(n).as_ref()).copied());
            match by_name {
                Some(Ref::Id(id)) if l.investors.get(&id).is_some_and(|i| i.credit_code.is_none()) => {
                    l.investor_codes.push((id, code.to_owned()));
                    if let Some(i) = l.investors.get_mut(&id) {
                        i.credit_code = Some(code.to_owned());
                    }
                    l.investor_by_code.insert(code.to_owned(), Ref::Id(id));
                    return Ok(Some(Ref::Id(id)));
                }
                Some(Ref::New(at)) if l.new_investors[at].credit_code.is_none() => {
                    l.new_investors[at].credit_code = Some(code.to_owned());
                    l.investor_by_code.insert(code.to_owned(), Ref::New(at));
                    return Ok(Some(Ref::New(at)));
                }
                _ => {}
            }
            let Some(name) = name else {
                self.error(
                    row,
                    LedgerField::Investor,
                    "",
                    "missing_investor",
                    &format!("系统中没有统一社会信用代码为 {code} 的投资方，请填写投资方名称"),
                );
                return Err(());
            };
            let new = Ref::New(l.new_investors.len());
            l.new_investors.push(NewInvestor {
                name: name.to_owned(),
                credit_code: Some(code.to_owned()),
            });
            l.investor_by_code.insert(code.to_owned(), new);
            l.investor_by_name
                .entry(normalise_name(name).into_owned())
                .or_insert(new);
            return Ok(Some(new));
        }
        let Some(name) = name else { return Ok(None) };
        let key = normalise_name(name);
        if let Some(found) = l.investor_by_name.get(key.as_ref()) {
            return Ok(Some(*found));
        }
        let new = Ref::New(l.new_investors.len());
        l.new_investors.push(NewInvestor {
            name: name.to_owned(),
            credit_code: None,
        });
        l.investor_by_name.insert(key.into_owned(), new);
        Ok(Some(new))
    }

    /// The team, cluster or park a row names: found, created (with `create_missing`), or an
    /// error.
    pub(super) fn resolve_reference(&mut self, row: &LedgerRow, field: LedgerField) -> RowResult<Option<Ref>> {
        let value = match field {
            LedgerField::Team => row.values.team.as_deref(),
            LedgerField::Cluster => row.values.cluster.as_deref(),
            _ => row.values.park.as_deref(),
        };
        let Some(name) = value.map(str::trim).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let key = normalise_name(name);
        let (found, what) = match field {
            LedgerField::Team => (self.lookups.teams.get(key.as_ref()), "专班"),
            LedgerField::Cluster => (self.lookups.clusters.get(key.as_ref()), "产业集群"),
            _ => (self.lookups.parks.get(key.as_ref()), "园区"),
        };
        if let Some(found) = found {
            return Ok(Some(*found));
        }
        if !self.ctx.options.create_missing {
            self.error(
                row,
                field,
                name,
                match field {
                    LedgerField::Team => "unknown_team",
                    LedgerField::Cluster => "unknown_cluster",
                    _ => "unknown_park",
                },
                &format!("系统中没有这个{what}（请先在系统中添加，或使用 create_missing 选项自动创建）"),
            );
            return Err(());
        }
        let l = &mut self.lookups;
        let created = match field {
            LedgerField::Team => {
                // The team's cluster: the one the row names, when it names one.
                let cluster = row
                    .values
                    .cluster
                    .as_deref()
                    .and_then(|c| l.clusters.get(normalise_name(c).as_ref()).copied());
                l.new_teams.push(NewTeam {
                    name: name.to_owned(),
                    cluster,
                });
                let r = Ref::New(l.new_teams.len() - 1);
                l.teams.insert(key.into_owned(), r);
                r
            }
            LedgerField::Cluster => {
                l.new_clusters.push(name.to_owned());
                let r = Ref::New(l.new_clusters.len() - 1);
                l.clusters.insert(key.into_owned(), r);
                r
            }
            _ => {
                l.new_parks.push(name.to_owned());
                let r = Ref::New(l.new_parks.len() - 1);
                l.parks.insert(key.into_owned(), r);
                r
            }
        };
        Ok(Some(created))
    }
}
