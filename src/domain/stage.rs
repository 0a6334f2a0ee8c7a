//! The project lifecycle: stage order, the date each stage was reached, and which moves are
//! allowed. The API and the ledger import both move projects through [`plan_transition`].

use chrono::NaiveDate;
pub use entity::enums::Stage;

use super::date::{DateRefused, EARLIEST, PastDate};

/// The ordered stages a project moves forward through (`terminated` stands apart).
pub const ORDERED: [Stage; 6] = [
    Stage::Lead,
    Stage::Negotiating,
    Stage::Signed,
    Stage::Started,
    Stage::Producing,
    Stage::Effective,
];

/// Position of a stage in the lifecycle; `None` for `terminated`.
pub fn rank(stage: Stage) -> Option<usize> {
    ORDERED.iter().position(|s| *s == stage)
}

/// The Chinese name used in ledgers and reports.
pub fn chinese_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Lead => "线索",
        Stage::Negotiating => "在谈",
        Stage::Signed => "签约",
        Stage::Started => "开工",
        Stage::Producing => "投产",
        Stage::Effective => "达产达效",
        Stage::Terminated => "终止",
    }
}

/// The date each stage was reached; `None` for stages not reached (or skipped).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageDates {
    pub lead_on: Option<NaiveDate>,
    pub negotiating_on: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub started_on: Option<NaiveDate>,
    pub producing_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
}

impl StageDates {
    pub fn get(&self, stage: Stage) -> Option<NaiveDate> {
        match stage {
            Stage::Lead => self.lead_on,
            Stage::Negotiating => self.negotiating_on,
            Stage::Signed => self.signed_on,
            Stage::Started => self.started_on,
            Stage::Producing => self.producing_on,
            Stage::Effective => self.effective_on,
            Stage::Terminated => self.terminated_on,
        }
    }

    fn slot(&mut self, stage: Stage) -> &mut Option<NaiveDate> {
        match stage {
            Stage::Lead => &mut self.lead_on,
            Stage::Negotiating => &mut self.negotiating_on,
            Stage::Signed => &mut self.signed_on,
            Stage::Started => &mut self.started_on,
            Stage::Producing => &mut self.producing_on,
            Stage::Effective => &mut self.effective_on,
            Stage::Terminated => &mut self.terminated_on,
        }
    }

    /// The furthest ordered stage that has a date: where a terminated project stood.
    pub fn furthest_reached(&self) -> Option<Stage> {
        ORDERED.iter().rev().copied().find(|s| self.get(*s).is_some())
    }

    /// The latest date among the ordered stages up to and including `stage`.
    fn latest_up_to(&self, stage: Stage) -> Option<NaiveDate> {
        let last = rank(stage).unwrap_or(ORDERED.len() - 1);
        ORDERED[..=last].iter().filter_map(|s| self.get(*s)).max()
    }
}

/// A requested move of a project to a stage.
#[derive(Debug, Clone)]
pub struct Transition {
    pub to: Stage,
    /// The date the move takes effect (the date the stage was reached, for forward moves).
    pub on: NaiveDate,
    pub reason: Option<String>,
    /// The date the contract was signed, if the project has contract terms.
    pub contract_signed_on: Option<NaiveDate>,
}

/// What a move does: the new stage dates and whether it went backwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTransition {
    pub from: Stage,
    pub to: Stage,
    pub dates: StageDates,
    pub backward: bool,
}

/// Why a move is not allowed; each message tells the user what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the project is already at stage `{0:?}`")]
    AlreadyThere(Stage),
    #[error("the date {}", DateRefused::Future { date: *on, today: *today })]
    DateInFuture { on: NaiveDate, today: NaiveDate },
    #[error("the date {}", DateRefused::TooEarly { date: *on })]
    DateTooEarly { on: NaiveDate },
    #[error("the date {on} is earlier than {previous}, when the project reached `{stage:?}`")]
    DateBeforePrevious {
        on: NaiveDate,
        previous: NaiveDate,
        stage: Stage,
    },
    #[error("a reason is required to move a project backwards, to terminate it or to reopen it")]
    ReasonRequired,
    #[error("reaching `signed` requires contract terms (at least the signing date and contracted investment)")]
    ContractRequired,
    #[error("the signing date is the contract's signing date ({contract}), not {on}")]
    SignedDateMismatch { on: NaiveDate, contract: NaiveDate },
    #[error("`{to:?}` cannot be reached from `{from:?}` directly: after signing, stages are reached in order")]
    SkipsStage { from: Stage, to: Stage },
}

impl From<DateRefused> for TransitionError {
    fn from(refused: DateRefused) -> Self {
        match refused {
            DateRefused::Future { date, today } => Self::DateInFuture { on: date, today },
            DateRefused::TooEarly { date } => Self::DateTooEarly { on: date },
        }
    }
}

impl TransitionError {
    /// The refusal's stable code, as an import report gives it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DateBeforePrevious { .. } => "date_out_of_order",
            Self::DateInFuture { .. } => "date_in_future",
            Self::DateTooEarly { .. } => "date_too_early",
            Self::SkipsStage { .. } => "skips_stage",
            Self::ContractRequired => "missing_contract_terms",
            Self::SignedDateMismatch { .. } => "signed_date_mismatch",
            Self::ReasonRequired => "reason_required",
            Self::AlreadyThere(_) => "already_there",
        }
    }

    /// The refusal in Chinese, for ledgers and the console.
    pub fn chinese(&self) -> String {
        match self {
            Self::DateBeforePrevious { previous, stage, .. } => {
                format!("日期早于{}的日期（{previous}）", chinese_name(*stage))
            }
            Self::DateInFuture { today, .. } => format!("日期晚于今天（{today}）"),
            Self::DateTooEarly { .. } => format!("日期早于{EARLIEST}"),
            Self::SkipsStage { from, to } => format!(
                "不能从{}直接到{}：签约后各阶段须依次经过",
                chinese_name(*from),
                chinese_name(*to)
            ),
            Self::ContractRequired => "签约需要合同条款".to_owned(),
            Self::SignedDateMismatch { contract, .. } => format!("与合同的签约时间（{contract}）不一致"),
            Self::ReasonRequired => "此阶段变更需要原因".to_owned(),
            Self::AlreadyThere(stage) => format!("项目已处于{}阶段", chinese_name(*stage)),
        }
    }
}

/// Checks a move against the lifecycle rules and works out the resulting stage dates.
///
/// - forward moves record the date the stage was reached, which may not precede the previous
///   stage's date nor be later than `today`; before signing, stages may be skipped (a project
///   may be signed with no recorded negotiation), after signing they are reached in order;
/// - reaching `signed` requires contract terms and takes the contract's signing date;
/// - backward moves, termination and reopening a terminated project require a reason;
///   moving back clears the dates of the stages beyond the target;
/// - termination keeps every date reached, so the project stays in every KPI denominator
///   it entered.
pub fn plan_transition(
    current: Stage,
    dates: &StageDates,
    transition: &Transition,
    today: NaiveDate,
) -> Result<PlannedTransition, TransitionError> {
    let Transition {
        to,
        on,
        reason,
        contract_signed_on,
    } = transition;
    let (to, on) = (*to, *on);
    if to == current {
        return Err(TransitionError::AlreadyThere(to));
    }
    PastDate::not_after(on, today)?;
    let has_reason = reason.as_deref().is_some_and(|r| !r.trim().is_empty());
    let mut next = *dates;

    // Where the project stands in the ordered lifecycle (a terminated one: where it stopped).
    let standing = if current == Stage::Terminated {
        dates.furthest_reached()
    } else {
        Some(current)
    };
    let reopening = current == Stage::Terminated;
    if reopening {
        next.terminated_on = None;
    }

    if to == Stage::Terminated {
        if !has_reason {
            return Err(TransitionError::ReasonRequired);
        }
        check_not_before(&next, standing, on)?;
        next.terminated_on = Some(on);
        return Ok(PlannedTransition {
            from: current,
            to,
            dates: next,
            backward: false,
        });
    }

    let to_rank = rank(to).expect("terminated handled above");
    let standing_rank = standing.and_then(rank);
    let backward = standing_rank.is_some_and(|r| to_rank <= r);
    if (backward || reopening) && !has_reason {
        return Err(TransitionError::ReasonRequired);
    }

    if backward {
        for stage in &ORDERED[to_rank + 1..] {
            *next.slot(*stage) = None;
        }
        if next.get(to).is_none() {
            check_not_before(&next, Some(to), on)?;
            *next.slot(to) = Some(on);
        }
        return Ok(PlannedTransition {
            from: current,
            to,
            dates: next,
            backward: true,
        });
    }

    // Forward.
    let signed_rank = rank(Stage::Signed).expect("signed is ordered");
    if let Some(from_rank) = standing_rank
        && from_rank >= signed_rank
        && to_rank > from_rank + 1
    {
        return Err(TransitionError::SkipsStage {
            from: ORDERED[from_rank],
            to,
        });
    }
    if to_rank > signed_rank && standing_rank.is_none_or(|r| r < signed_rank) {
        return Err(TransitionError::SkipsStage {
            from: standing.unwrap_or(Stage::Lead),
            to,
        });
    }
    let on = if to == Stage::Signed {
        let contract = contract_signed_on.ok_or(TransitionError::ContractRequired)?;
        if contract != on {
            return Err(TransitionError::SignedDateMismatch { on, contract });
        }
        contract
    } else {
        on
    };
    check_not_before(&next, standing, on)?;
    *next.slot(to) = Some(on);
    Ok(PlannedTransition {
        from: current,
        to,
        dates: next,
        backward: false,
    })
}

fn check_not_before(dates: &StageDates, standing: Option<Stage>, on: NaiveDate) -> Result<(), TransitionError> {
    let Some(standing) = standing else { return Ok(()) };
    let latest = ORDERED
        .iter()
        .take(rank(standing).map_or(ORDERED.len(), |r| r + 1))
        .filter_map(|s| dates.get(*s).map(|d| (d, *s)))
        .max_by_key(|(d, _)| *d);
    match latest {
        Some((previous, stage)) if on < previous => Err(TransitionError::DateBeforePrevious { on, previous, stage }),
        _ => Ok(()),
    }
}

/// Checks that a set of stage dates is in lifecycle order (each reached stage no earlier than
/// the ones before it) and not in the future; used when contract terms change a signing date.
pub fn check_dates_in_order(dates: &StageDates, today: NaiveDate) -> Result<(), TransitionError> {
    let mut previous: Option<(NaiveDate, Stage)> = None;
    for stage in ORDERED {
        if let Some(on) = dates.get(stage) {
            PastDate::not_after(on, today)?;
            if let Some((prev, prev_stage)) = previous
                && on < prev
            {
                return Err(TransitionError::DateBeforePrevious {
                    on,
                    previous: prev,
                    stage: prev_stage,
                });
            }
            previous = Some((on, stage));
        }
    }
    if let (Some(terminated), Some(latest)) = (dates.terminated_on, dates.latest_up_to(Stage::Effective))
        && terminated < latest
    {
        return Err(TransitionError::DateBeforePrevious {
            on: terminated,
            previous: latest,
            stage: dates.furthest_reached().unwrap_or(Stage::Lead),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn mv(to: Stage, on: &str) -> Transition {
        Transition {
            to,
            on: d(on),
            reason: None,
            contract_signed_on: None,
        }
    }

    const TODAY: &str = "2025-06-30";

    #[test]
    fn forward_records_the_date_and_may_skip_negotiation() {
        let dates = StageDates {
            lead_on: Some(d("2025-01-01")),
            ..Default::default()
        };
        let mut t = mv(Stage::Signed, "2025-03-01");
        t.contract_signed_on = Some(d("2025-03-01"));
        let plan = plan_transition(Stage::Lead, &dates, &t, d(TODAY)).unwrap();
        assert_eq!(plan.dates.signed_on, Some(d("2025-03-01")));
        assert_eq!(plan.dates.negotiating_on, None);
        assert!(!plan.backward);
    }

    #[test]
    fn signing_needs_a_contract_with_the_same_date() {
        let dates = StageDates {
            negotiating_on: Some(d("2025-01-01")),
            ..Default::default()
        };
        let t = mv(Stage::Signed, "2025-03-01");
        assert_eq!(
            plan_transition(Stage::Negotiating, &dates, &t, d(TODAY)),
            Err(TransitionError::ContractRequired)
        );
        let t = Transition {
            contract_signed_on: Some(d("2025-03-02")),
            ..t
        };
        assert!(matches!(
            plan_transition(Stage::Negotiating, &dates, &t, d(TODAY)),
            Err(TransitionError::SignedDateMismatch { .. })
        ));
    }

    #[test]
    fn dates_may_not_go_back_in_time_or_into_the_future() {
        let dates = StageDates {
            negotiating_on: Some(d("2025-02-01")),
            ..Default::default()
        };
        let mut t = mv(Stage::Signed, "2025-01-15");
        t.contract_signed_on = Some(d("2025-01-15"));
        assert!(matches!(
            plan_transition(Stage::Negotiating, &dates, &t, d(TODAY)),
            Err(TransitionError::DateBeforePrevious { .. })
        ));
        let t = mv(Stage::Negotiating, "2025-07-01");
        assert!(matches!(
            plan_transition(Stage::Lead, &StageDates::default(), &t, d(TODAY)),
            Err(TransitionError::DateInFuture { .. })
        ));
    }

    #[test]
    fn after_signing_stages_come_in_order() {
        let dates = StageDates {
            signed_on: Some(d("2025-02-01")),
            ..Default::default()
        };
        let t = mv(Stage::Producing, "2025-03-01");
        assert!(matches!(
            plan_transition(Stage::Signed, &dates, &t, d(TODAY)),
            Err(TransitionError::SkipsStage { .. })
        ));
        let t = mv(Stage::Started, "2025-03-01");
        assert!(matches!(
            plan_transition(Stage::Negotiating, &StageDates::default(), &t, d(TODAY)),
            Err(TransitionError::SkipsStage { .. })
        ));
    }

    #[test]
    fn backward_needs_a_reason_and_clears_later_dates() {
        let dates = StageDates {
            negotiating_on: Some(d("2025-01-01")),
            signed_on: Some(d("2025-02-01")),
            started_on: Some(d("2025-03-01")),
            ..Default::default()
        };
        let t = mv(Stage::Negotiating, "2025-04-01");
        assert_eq!(
            plan_transition(Stage::Started, &dates, &t, d(TODAY)),
            Err(TransitionError::ReasonRequired)
        );
        let t = Transition {
            reason: Some("签约主体变更".into()),
            ..t
        };
        let plan = plan_transition(Stage::Started, &dates, &t, d(TODAY)).unwrap();
        assert!(plan.backward);
        assert_eq!(plan.dates.negotiating_on, Some(d("2025-01-01")));
        assert_eq!((plan.dates.signed_on, plan.dates.started_on), (None, None));
    }

    #[test]
    fn termination_keeps_dates_and_reopening_needs_a_reason() {
        let dates = StageDates {
            negotiating_on: Some(d("2025-01-01")),
            signed_on: Some(d("2025-02-01")),
            ..Default::default()
        };
        let t = mv(Stage::Terminated, "2025-03-01");
        assert_eq!(
            plan_transition(Stage::Signed, &dates, &t, d(TODAY)),
            Err(TransitionError::ReasonRequired)
        );
        let t = Transition {
            reason: Some("投资方撤资".into()),
            ..t
        };
        let plan = plan_transition(Stage::Signed, &dates, &t, d(TODAY)).unwrap();
        assert_eq!(plan.dates.signed_on, Some(d("2025-02-01")));
        assert_eq!(plan.dates.terminated_on, Some(d("2025-03-01")));

        let reopen = mv(Stage::Started, "2025-04-01");
        assert_eq!(
            plan_transition(Stage::Terminated, &plan.dates, &reopen, d(TODAY)),
            Err(TransitionError::ReasonRequired)
        );
        let reopen = Transition {
            reason: Some("重新启动".into()),
            ..reopen
        };
        let plan = plan_transition(Stage::Terminated, &plan.dates, &reopen, d(TODAY)).unwrap();
        assert_eq!(plan.dates.started_on, Some(d("2025-04-01")));
        assert_eq!(plan.dates.terminated_on, None);
    }

    #[test]
    fn dates_in_order_check() {
        let good = StageDates {
            negotiating_on: Some(d("2025-01-01")),
            signed_on: Some(d("2025-02-01")),
            ..Default::default()
        };
        assert_eq!(check_dates_in_order(&good, d(TODAY)), Ok(()));
        let bad = StageDates {
            signed_on: Some(d("2024-12-01")),
            ..good
        };
        assert!(check_dates_in_order(&bad, d(TODAY)).is_err());
    }
}
