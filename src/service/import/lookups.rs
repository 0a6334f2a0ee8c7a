//! Everything matching needs, loaded in a few queries up front (teams, clusters, parks,
//! investors, projects, contracts, users, and the counted fund sums once the as-of date is
//! known), so unchanged rows cost no query at all; and the references ([`Ref`]) to what is
//! stored or to what this import creates. A caller must not query the database per row:
//! whatever a row needs belongs here.

use std::borrow::Cow;
use std::hash::{BuildHasher, Hash};

use chrono::{Datelike, NaiveDate};
use entity::{cluster, contract, funding, investor, park, project, team, user};
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;

use crate::db::packed;
use crate::excel::ledger::normalise_name;
use crate::service::ServiceResult;
use crate::service::records::funds_yuan_where;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ref {
    Id(i32),
    New(usize),
}

#[derive(Debug, Clone)]
pub(super) struct NewInvestor {
    pub(super) name: String,
    pub(super) credit_code: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct NewTeam {
    pub(super) name: String,
    pub(super) cluster: Option<Ref>,
}

/// Everything matching needs, loaded in a few queries.
pub(super) struct Lookups {
    pub(super) teams: HashMap<String, Ref>,
    pub(super) team_cluster: HashMap<i32, Option<i32>>,
    pub(super) team_names: HashMap<i32, String>,
    pub(super) clusters: HashMap<String, Ref>,
    pub(super) cluster_names: HashMap<i32, String>,
    pub(super) parks: HashMap<String, Ref>,
    pub(super) park_names: HashMap<i32, String>,
    pub(super) new_teams: Vec<NewTeam>,
    pub(super) new_clusters: Vec<String>,
    pub(super) new_parks: Vec<String>,

    pub(super) investors: HashMap<i32, investor::Model>,
    pub(super) investor_by_code: HashMap<String, Ref>,
    pub(super) investor_by_name: HashMap<String, Ref>,
    pub(super) new_investors: Vec<NewInvestor>,
    /// Stored investors without a credit code that the ledger gives one.
    pub(super) investor_codes: Vec<(i32, String)>,

    pub(super) projects: Vec<project::Model>,
    pub(super) project_by_code: KeyIndex,
    pub(super) project_by_credit_name: KeyIndex,
    pub(super) project_by_name_investor: KeyIndex,
    /// Which row matched each stored project, and the keys of projects rows will create.
    pub(super) claimed: HashMap<usize, u32>,
    pub(super) planned: HashMap<String, u32>,

    pub(super) contracts: HashMap<i32, contract::Model>,
    /// Counted funds arrived on or before the as-of date, per project, in yuan.
    pub(super) counted: HashMap<i32, i64>,
    /// Counted funds arrived before 1 January of the as-of year.
    pub(super) counted_before_year: HashMap<i32, i64>,
    /// Users by normalised username, and by normalised display name among those not archived;
    /// `None` for a display name two of them share, which names nobody in particular.
    pub(super) users: HashMap<String, Option<i32>>,
}

impl Lookups {
    /// Everything but the fund sums, which depend on the as-of date the file gives.
    pub(super) async fn load(db: &impl ConnectionTrait) -> ServiceResult<Self> {
        let teams = team::Entity::find().all(db).await?;
        let clusters = cluster::Entity::find().all(db).await?;
        let parks = park::Entity::find().all(db).await?;
        let phase = std::time::Instant::now();
        let investors: HashMap<i32, investor::Model> = packed::all_rows::<investor::Entity>(db, |i| i.id)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let projects = packed::all_rows::<project::Entity>(db, |p| p.id).await?;
        let contracts = packed::all_rows::<contract::Entity>(db, |c| c.id)
            .await?
            .into_iter()
            .map(|c| (c.project_id, c))
            .collect();
        tracing::debug!(took = ?phase.elapsed(), "ledger import: investors, projects and contracts read");
        let all_users = user::Entity::find().all(db).await?;
        let mut users: HashMap<String, Option<i32>> = HashMap::new();
        for u in all_users.iter().filter(|u| !u.archived) {
            users
                .entry(normalise_name(&u.display_name).into_owned())
                .and_modify(|id| *id = id.filter(|id| *id == u.id))
                .or_insert(Some(u.id));
        }
        // A username is unique: it names its user whatever display names say.
        for u in &all_users {
            users.insert(normalise_name(&u.username).into_owned(), Some(u.id));
        }

        let mut investor_by_code = HashMap::new();
        let mut investor_by_name = HashMap::new();
        let mut sorted: Vec<&investor::Model> = investors.values().collect();
        sorted.sort_by_key(|i| i.id);
        for i in sorted {
            if let Some(code) = &i.credit_code {
                investor_by_code.insert(code.clone(), Ref::Id(i.id));
            }
            investor_by_name
                .entry(normalise_name(&i.name).into_owned())
                .or_insert(Ref::Id(i.id));
        }

        let mut by_code = Vec::with_capacity(projects.len());
        let mut by_credit_name = Vec::new();
        let mut by_name_investor = Vec::with_capacity(projects.len());
        for (at, p) in projects.iter().enumerate() {
            let keys = StoredKeys::of(p, &investors);
            by_code.push((key_hash(&p.code.as_str()), at));
            if let Some(credit) = keys.credit_code {
                by_credit_name.push((key_hash(&(credit, keys.name.as_ref())), at));
            }
            by_name_investor.push((key_hash(&(keys.name.as_ref(), keys.investor.as_ref())), at));
        }

        Ok(Self {
            teams: teams
                .iter()
                .map(|t| (normalise_name(&t.name).into_owned(), Ref::Id(t.id)))
                .collect(),
            team_cluster: teams.iter().map(|t| (t.id, t.cluster_id)).collect(),
            team_names: teams.iter().map(|t| (t.id, t.name.clone())).collect(),
            clusters: clusters
                .iter()
                .map(|c| (normalise_name(&c.name).into_owned(), Ref::Id(c.id)))
                .collect(),
            cluster_names: clusters.iter().map(|c| (c.id, c.name.clone())).collect(),
            parks: parks
                .iter()
                .map(|p| (normalise_name(&p.name).into_owned(), Ref::Id(p.id)))
                .collect(),
            park_names: parks.iter().map(|p| (p.id, p.name.clone())).collect(),
            new_teams: Vec::new(),
            new_clusters: Vec::new(),
            new_parks: Vec::new(),
            investors,
            investor_by_code,
            investor_by_name,
            new_investors: Vec::new(),
            investor_codes: Vec::new(),
            projects,
            project_by_code: KeyIndex::new(by_code),
            project_by_credit_name: KeyIndex::new(by_credit_name),
            project_by_name_investor: KeyIndex::new(by_name_investor),
            claimed: HashMap::new(),
            planned: HashMap::new(),
            contracts,
            counted: HashMap::new(),
            counted_before_year: HashMap::new(),
            users,
        })
    }

    /// The counted funds of every project up to `as_of` and before its year.
    pub(super) async fn count_funds(&mut self, db: &impl ConnectionTrait, as_of: NaiveDate) -> ServiceResult<()> {
        let phase = std::time::Instant::now();
        let year_start = NaiveDate::from_ymd_opt(as_of.year(), 1, 1).unwrap_or(as_of);
        (self.counted, self.counted_before_year) = counted_sums(db, as_of, year_start).await?;
        tracing::debug!(took = ?phase.elapsed(), "ledger import: counted funds summed");
        Ok(())
    }

    pub(super) fn ref_name(&self, kind: RefKind, r: Ref) -> String {
        match (kind, r) {
            (RefKind::Team, Ref::Id(id)) => self.team_names.get(&id).cloned(),
            (RefKind::Team, Ref::New(at)) => self.new_teams.get(at).map(|t| t.name.clone()),
            (RefKind::Cluster, Ref::Id(id)) => self.cluster_names.get(&id).cloned(),
            (RefKind::Cluster, Ref::New(at)) => self.new_clusters.get(at).cloned(),
            (RefKind::Park, Ref::Id(id)) => self.park_names.get(&id).cloned(),
            (RefKind::Park, Ref::New(at)) => self.new_parks.get(at).cloned(),
            (RefKind::Investor, Ref::Id(id)) => self.investors.get(&id).map(|i| i.name.clone()),
            (RefKind::Investor, Ref::New(at)) => self.new_investors.get(at).map(|i| i.name.clone()),
        }
        .unwrap_or_default()
    }
}

/// Stored projects found by a key through the key's hash alone, sorted: each candidate is
/// confirmed against the project itself ([`StoredKeys`]), so the index keeps no copy of the
/// projects' codes and names (three maps of them held about 40 MB at 100,000 projects).
pub(super) struct KeyIndex(Vec<(u64, usize)>);

impl KeyIndex {
    pub(super) fn new(mut entries: Vec<(u64, usize)>) -> Self {
        entries.sort_unstable();
        Self(entries)
    }

    /// The projects whose key hashes as `key` does, in the order they were stored.
    pub(super) fn candidates<K: Hash>(&self, key: &K) -> impl Iterator<Item = usize> + '_ {
        let hash = key_hash(key);
        let from = self.0.partition_point(|(h, _)| *h < hash);
        self.0[from..]
            .iter()
            .take_while(move |(h, _)| *h == hash)
            .map(|(_, at)| *at)
    }
}

/// The hash of a matching key; keys are `&str` or tuples of them on both sides.
pub(super) fn key_hash<K: Hash>(key: &K) -> u64 {
    foldhash::fast::FixedState::default().hash_one(key)
}

/// What a stored project is matched by besides its code: its normalised name, its investor's
/// credit code, and its investor's normalised name ("" without an investor).
pub(super) struct StoredKeys<'a> {
    pub(super) name: Cow<'a, str>,
    pub(super) credit_code: Option<&'a str>,
    pub(super) investor: Cow<'a, str>,
}

impl<'a> StoredKeys<'a> {
    pub(super) fn of(p: &'a project::Model, investors: &'a HashMap<i32, investor::Model>) -> Self {
        let investor = p.investor_id.and_then(|id| investors.get(&id));
        Self {
            name: normalise_name(&p.name),
            credit_code: investor.and_then(|i| i.credit_code.as_deref()),
            investor: investor.map(|i| normalise_name(&i.name)).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RefKind {
    Team,
    Cluster,
    Park,
    Investor,
}

/// Counted funds per project among the payments `filter` keeps, in yuan.
pub(super) async fn counted_sums(
    db: &impl ConnectionTrait,
    as_of: NaiveDate,
    year_start: NaiveDate,
) -> ServiceResult<(HashMap<i32, i64>, HashMap<i32, i64>)> {
    #[derive(Deserialize)]
    struct Sums {
        project_id: i32,
        upto: i64,
        before: i64,
    }
    let sums = funding::Entity::find()
        .select_only()
        .column(funding::Column::ProjectId)
        .column_as(funds_yuan_where(funding::Column::ArrivedOn.lte(as_of)), "upto")
        .column_as(funds_yuan_where(funding::Column::ArrivedOn.lt(year_start)), "before")
        .filter(funding::Column::Counted.eq(true))
        .group_by(funding::Column::ProjectId);
    let columns = ["project_id", "upto", "before"].map(String::from);
    let rows = packed::rows_as::<Sums>(db, sums, &columns).await?;
    let upto = rows.iter().map(|s| (s.project_id, s.upto)).collect();
    let before = rows.iter().map(|s| (s.project_id, s.before)).collect();
    Ok((upto, before))
}

/// Ids given to the records this import creates, in the order of `Lookups::new_*`.
#[derive(Default)]
pub(super) struct Created {
    pub(super) teams: Vec<i32>,
    pub(super) clusters: Vec<i32>,
    pub(super) parks: Vec<i32>,
    pub(super) investors: Vec<i32>,
}

impl Created {
    pub(super) fn id(list: &[i32], r: Ref) -> i32 {
        match r {
            Ref::Id(id) => id,
            Ref::New(at) => list[at],
        }
    }
}
