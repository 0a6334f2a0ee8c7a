//! Next month's ledger: the ledger of [`super::write_ledger`] stated a month later (统计截至
//! [`as_of`]), in which a fixed tenth of the project rows change as a month's reports change
//! them. The main generator draws exactly as it does for the first ledger, so every other row
//! is the same cell for cell; the changes are drawn from a generator of their own and written
//! over the changed row's cells:
//!
//! - a stage reached, dated within the month: 线索 → 在谈 with its 洽谈时间, 在谈 → 签约 with
//!   the contract (协议类型, 签约时间, 合同投资额, promised dates and output, half of them with
//!   first funds), 签约 → 开工, 开工 → 投产, 投产 → 达产 with the new stage's date;
//! - funds arrived: 累计到位 and 本年到位 raised by the same amount, so the import adds one
//!   payment on the as-of date (`plan/funds.rs`: the money of earlier years stays as stored);
//! - promised dates put back by one to three months (约定开工时间 and 约定投产时间 before the
//!   start, 约定投产时间 after it): the contract's terms change;
//! - a new 项目进展, alone or (three times in ten) beside one of the others.
//!
//! Every change is one the import takes without an error or a warning, and each changed row
//! changes its stored project; [`Changes`] counts them for the benchmark to check the import's
//! report against. A caller must import this ledger only where the first ledger was imported:
//! on its own it reads as new projects.

use std::collections::HashSet;
use std::path::Path;

use chrono::{Days, Months, NaiveDate};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::{Cell, LedgerStats, Project, Reference, Stage, amount_cell, col, date_cell, day_between, wan};

/// The as-of date next month's ledger states: a month after the first's.
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 30).expect("a date")
}

/// What next month's ledger changed, as the import must report it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Changes {
    /// Project rows that change: the import's `updated` (every other row is `unchanged`).
    pub rows: usize,
    /// Stage moves, one per row that reaches a stage: the import's `stage_moves`.
    pub stage_moves: usize,
    /// Rows whose funds grow, each by one payment: the import's `payments_added`.
    pub payments: usize,
    /// Rows whose promised dates are put back.
    pub promised_dates: usize,
    /// Rows with a new 项目进展.
    pub progress: usize,
}

/// 项目进展 as a month's report words it; none is in the first ledger's list, so each one
/// differs from what is stored.
const NEW_PROGRESS: [&str; 8] = [
    "本月完成设备招标",
    "厂房主体结构封顶",
    "已取得施工许可证",
    "首批设备已进场",
    "已完成土地摘牌",
    "正在办理规划许可",
    "生产线联动调试",
    "本月新增订单，产能爬坡中",
];

/// Writes next month's ledger of `projects` project rows to `path`, and says what changed.
pub fn write_changed_ledger(
    path: &Path,
    projects: usize,
    reference: &Reference,
) -> anyhow::Result<(LedgerStats, Changes)> {
    let mut month = NextMonth::new(projects);
    let stats = super::write(path, projects, reference, Some(&mut month))?;
    Ok((stats, month.changes))
}

/// The changes being made, row by row.
pub(super) struct NextMonth {
    rng: ChaCha8Rng,
    /// The sequence numbers (序号, from 1) of the rows that change.
    chosen: HashSet<usize>,
    changes: Changes,
}

/// One change a row can have.
enum Kind {
    Stage(Stage),
    Funds,
    PromisedDates,
    Progress,
}

impl NextMonth {
    fn new(projects: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(0x4e45_5854_4d4f_4e54);
        let chosen = rand::seq::index::sample(&mut rng, projects, projects / 10)
            .into_iter()
            .map(|i| i + 1)
            .collect();
        Self {
            rng,
            chosen,
            changes: Changes::default(),
        }
    }

    /// Changes project `seq` (its facts and its row's cells) when it is one of the chosen.
    pub(super) fn change(&mut self, seq: usize, p: &mut Project, cells: &mut Vec<(u16, Cell)>) {
        if !self.chosen.contains(&seq) {
            return;
        }
        let kind = self.kind(p.stage);
        self.changes.rows += 1;
        let with_progress = match kind {
            Kind::Stage(to) => {
                self.reach(to, p, cells);
                self.changes.stage_moves += 1;
                self.rng.random_bool(0.3)
            }
            Kind::Funds => {
                self.add_funds(p, cells);
                self.rng.random_bool(0.3)
            }
            Kind::PromisedDates => {
                self.put_back_promised(p, cells);
                self.changes.promised_dates += 1;
                self.rng.random_bool(0.3)
            }
            Kind::Progress => true,
        };
        if with_progress {
            let text = NEW_PROGRESS.choose(&mut self.rng).expect("progress");
            put(cells, col::PROGRESS, Cell::Text((*text).to_owned()));
            self.changes.progress += 1;
        }
    }

    /// What happens to a project at `stage` within the month.
    fn kind(&mut self, stage: Stage) -> Kind {
        let roll = self.rng.random_range(0..100);
        match stage {
            Stage::Lead => Kind::Stage(Stage::Negotiating),
            Stage::Negotiating if roll < 50 => Kind::Stage(Stage::Signed),
            Stage::Signed if roll < 35 => Kind::Stage(Stage::Started),
            Stage::Signed if roll < 70 => Kind::Funds,
            Stage::Signed => Kind::PromisedDates,
            Stage::Started if roll < 35 => Kind::Stage(Stage::Producing),
            Stage::Started if roll < 70 => Kind::Funds,
            Stage::Started => Kind::PromisedDates,
            Stage::Producing if roll < 40 => Kind::Stage(Stage::Effective),
            Stage::Producing if roll < 80 => Kind::Funds,
            Stage::Effective if roll < 60 => Kind::Funds,
            _ => Kind::Progress,
        }
    }

    /// A day of the month since the first ledger: after every stored date.
    fn day_in_month(&mut self) -> NaiveDate {
        day_between(&mut self.rng, super::as_of() + Days::new(1), as_of())
    }

    /// The project reaches `to` on a day of the month, which the row states.
    fn reach(&mut self, to: Stage, p: &mut Project, cells: &mut Vec<(u16, Cell)>) {
        let on = self.day_in_month();
        p.stage = to;
        let word = to.words().choose(&mut self.rng).expect("words");
        put(cells, col::STAGE, Cell::Text((*word).to_owned()));
        let column = match to {
            Stage::Negotiating => {
                p.negotiating = Some(on);
                col::NEGOTIATING
            }
            Stage::Signed => {
                p.signed = Some(on);
                self.sign(on, p, cells);
                col::SIGNED
            }
            Stage::Started => {
                p.started = Some(on);
                col::ACTUAL_START
            }
            Stage::Producing => {
                p.producing = Some(on);
                col::ACTUAL_PRODUCTION
            }
            Stage::Effective => {
                p.effective = Some(on);
                col::EFFECTIVE
            }
            Stage::Lead | Stage::Terminated => unreachable!("no project moves to {}", to.words()[0]),
        };
        let cell = date_cell(&mut self.rng, on, false);
        put(cells, column, cell);
    }

    /// The contract a signing needs (as the first ledger's signed projects have it), and first
    /// funds for half of them.
    fn sign(&mut self, signed: NaiveDate, p: &mut Project, cells: &mut Vec<(u16, Cell)>) {
        let rng = &mut self.rng;
        let kind = ["框架协议", "正式合同", "正式合同", "补充协议", "投资协议"]
            .choose(rng)
            .expect("kinds");
        put(cells, col::AGREEMENT, Cell::Text((*kind).to_owned()));
        let size = 10f64.powf(rng.random_range(2.5..5.7));
        let contracted = wan(rng, size);
        let contracted = if contracted.is_zero() { Decimal::ONE } else { contracted };
        p.contracted = Some(contracted);
        let cell = amount_cell(rng, contracted);
        put(cells, col::CONTRACTED, cell);
        let promised_start = signed + Days::new(rng.random_range(30..=300));
        let promised_production = promised_start + Days::new(rng.random_range(180..=720));
        p.promised_start = Some(promised_start);
        p.promised_production = Some(promised_production);
        let cell = date_cell(rng, promised_start, true);
        put(cells, col::PROMISED_START, cell);
        let cell = date_cell(rng, promised_production, true);
        put(cells, col::PROMISED_PRODUCTION, cell);
        let output = contracted.to_f64().unwrap_or(1.0) * rng.random_range(0.6..2.0);
        let output = wan(rng, output);
        p.output = Some(output);
        let cell = amount_cell(rng, output);
        put(cells, col::OUTPUT, cell);
        if self.rng.random_bool(0.5) {
            self.add_funds(p, cells);
        }
    }

    /// Funds arrived this month: the same amount onto 累计到位 and 本年到位, within the contract
    /// where it leaves room.
    fn add_funds(&mut self, p: &mut Project, cells: &mut Vec<(u16, Cell)>) {
        let rng = &mut self.rng;
        let contracted = p.contracted.expect("funds only for a signed project");
        let cumulative = p.funds_cumulative.unwrap_or_default();
        let room = (contracted - cumulative).max(Decimal::ONE);
        let arrived = room.to_f64().unwrap_or(1.0) * rng.random_range(0.05..0.4);
        let arrived = wan(rng, arrived);
        let arrived = if arrived <= Decimal::ZERO {
            Decimal::ONE
        } else {
            arrived
        };
        let cumulative = (cumulative + arrived).normalize();
        let this_year = (p.funds_this_year.unwrap_or_default() + arrived).normalize();
        p.funds_cumulative = Some(cumulative);
        p.funds_this_year = Some(this_year);
        let cell = amount_cell(rng, this_year);
        put(cells, col::FUNDS_THIS_YEAR, cell);
        let cell = amount_cell(rng, cumulative);
        put(cells, col::FUNDS_CUMULATIVE, cell);
        self.changes.payments += 1;
    }

    /// The promised dates still ahead put back by one to three months: later than the stored
    /// ones however the first ledger wrote them (a month written alone reads as its first day,
    /// never a month after the day), and still in order.
    fn put_back_promised(&mut self, p: &mut Project, cells: &mut Vec<(u16, Cell)>) {
        let rng = &mut self.rng;
        let by = Months::new(rng.random_range(1..=3));
        let later = |d: Option<NaiveDate>| d.map(|d| d + by).expect("a signed project has promised dates");
        let promised_production = later(p.promised_production);
        if p.stage == Stage::Signed {
            let promised_start = later(p.promised_start);
            p.promised_start = Some(promised_start);
            let cell = date_cell(rng, promised_start, true);
            put(cells, col::PROMISED_START, cell);
        }
        p.promised_production = Some(promised_production);
        let cell = date_cell(rng, promised_production, true);
        put(cells, col::PROMISED_PRODUCTION, cell);
    }
}

/// Sets the cell of `column`, in place of what the row had there (a value or an empty marker).
fn put(cells: &mut Vec<(u16, Cell)>, column: u16, cell: Cell) {
    cells.retain(|(c, _)| *c != column);
    cells.push((column, cell));
}
