//! Stage moves: forward stage by stage with the dates the row states, each checked by the
//! domain's `plan_transition` as `lifecycle::transition_in` will check it when written;
//! backward only with `allow_backward`; a terminated row moves as far as its dates show, then
//! terminates on the as-of date. A caller must not write a move this did not simulate.

use entity::contract;
use entity::enums::Stage;

use super::{Planner, RowResult, StageState, Step};
use crate::domain::stage::{ORDERED, StageDates, Transition, chinese_name, plan_transition, rank};
use crate::excel::ledger::{LedgerField, LedgerRow};

impl Planner<'_> {
    pub(super) fn plan_moves(
        &mut self,
        row: &LedgerRow,
        mut state: StageState,
        existing_contract: Option<&contract::Model>,
        changes: &mut Vec<String>,
    ) -> RowResult<(StageState, Vec<Step>)> {
        let v = &row.values;
        let target = v.stage.unwrap_or(Stage::Lead);
        let terminated = target == Stage::Terminated;
        let as_of = self.ctx.as_of;
        let reason = self.ctx.reason();
        // How far the row's dates go: what a terminated row reached before it stopped.
        let ordered_target = if terminated {
            ORDERED
                .iter()
                .rev()
                .copied()
                .find(|s| v.stated_date(*s).is_some())
                .unwrap_or(Stage::Lead)
        } else {
            target
        };
        let mut steps = Vec::new();
        if terminated && state.stage == Stage::Terminated {
            self.warn_dates(row, &state);
            return Ok((state, steps));
        }

        let standing = |s: &StageState| {
            if s.stage == Stage::Terminated {
                s.dates.furthest_reached()
            } else {
                Some(s.stage)
            }
        };
        let rank_of = |s: Option<Stage>| s.and_then(rank);
        let backward = !terminated && (state.stage == Stage::Terminated || rank_of(standing(&state)) > rank(target));
        if backward {
            if !self.ctx.options.allow_backward {
                let what = if state.stage == Stage::Terminated {
                    format!(
                        "系统中该项目已终止，台账为{}；重新启动项目需使用 allow_backward 选项",
                        chinese_name(target)
                    )
                } else {
                    format!(
                        "阶段倒退：系统中为{}，台账为{}；如确需倒退请使用 allow_backward 选项",
                        chinese_name(state.stage),
                        chinese_name(target)
                    )
                };
                self.error(row, LedgerField::Stage, chinese_name(target), "backward_move", &what);
                return Err(());
            }
            if rank_of(standing(&state)) >= rank(target) {
                let on = if state.dates.get(target).is_some() {
                    as_of
                } else {
                    v.stated_date(target).unwrap_or(as_of)
                };
                let step = Step {
                    from: Stage::Lead,
                    to: target,
                    on,
                    reason: reason.clone(),
                    contract: None,
                    after: StageDates::default(),
                };
                state = self.simulate(row, state, step, LedgerField::Stage, &mut steps, changes)?;
            }
        }

        let from = rank_of(standing(&state));
        let upto = rank(ordered_target).unwrap_or(0);
        for stage in ORDERED {
            let Some(r) = rank(stage) else { continue };
            if from.is_some_and(|f| r <= f) || r > upto || stage == Stage::Lead {
                continue;
            }
            let field = LedgerField::date_of(stage);
            let step = match stage {
                Stage::Negotiating => match v.negotiating_since {
                    Some(on) => Step {
                        from: Stage::Lead,
                        to: stage,
                        on,
                        reason: reason.clone(),
                        contract: None,
                        after: StageDates::default(),
                    },
                    None if ordered_target == Stage::Negotiating && !terminated => {
                        self.warn(
                            row,
                            field,
                            "",
                            "date_assumed",
                            &format!("项目在谈但未填写洽谈时间，按统计截至日期{as_of}记为开始洽谈"),
                        );
                        Step {
                            from: Stage::Lead,
                            to: stage,
                            on: as_of,
                            reason: reason.clone(),
                            contract: None,
                            after: StageDates::default(),
                        }
                    }
                    None => continue,
                },
                Stage::Signed => {
                    let Some(signed_on) = v.signed_on else {
                        self.missing_date(row, stage, ordered_target);
                        return Err(());
                    };
                    let terms = self.contract_terms(row, signed_on, existing_contract)?;
                    Step {
                        from: Stage::Lead,
                        to: stage,
                        on: signed_on,
                        reason: reason.clone(),
                        contract: Some(terms),
                        after: StageDates::default(),
                    }
                }
                _ => {
                    let Some(on) = v.stated_date(stage) else {
                        self.missing_date(row, stage, ordered_target);
                        return Err(());
                    };
                    Step {
                        from: Stage::Lead,
                        to: stage,
                        on,
                        reason: reason.clone(),
                        contract: None,
                        after: StageDates::default(),
                    }
                }
            };
            state = self.simulate(row, state, step, field, &mut steps, changes)?;
        }
        self.warn_dates(row, &state);
        Ok((state, steps))
    }

    pub(super) fn missing_date(&mut self, row: &LedgerRow, stage: Stage, target: Stage) {
        let field = LedgerField::date_of(stage);
        let what = format!(
            "项目阶段为{}，缺少{}（签约后的每个阶段都需要日期）",
            chinese_name(if row.values.terminated {
                Stage::Terminated
            } else {
                target
            }),
            field.chinese()
        );
        self.error(row, field, "", "missing_date", &what);
    }

    /// Checks one move against the stage rules, as `transition_in` will.
    pub(super) fn simulate(
        &mut self,
        row: &LedgerRow,
        state: StageState,
        mut step: Step,
        field: LedgerField,
        steps: &mut Vec<Step>,
        changes: &mut Vec<String>,
    ) -> RowResult<StageState> {
        let contract_signed_on = step.contract.as_ref().map(|c| c.signed_on).or(state.contract_signed_on);
        let transition = Transition {
            to: step.to,
            on: step.on,
            reason: Some(step.reason.clone()),
            contract_signed_on,
        };
        match plan_transition(state.stage, &state.dates, &transition, self.ctx.today) {
            Ok(plan) => {
                changes.push(format!(
                    "阶段: {} → {} ({})",
                    chinese_name(plan.from),
                    chinese_name(plan.to),
                    step.on
                ));
                step.from = plan.from;
                step.after = plan.dates;
                steps.push(step);
                Ok(StageState {
                    stage: plan.to,
                    dates: plan.dates,
                    contract_signed_on,
                })
            }
            Err(e) => {
                let (code, what) = (e.code(), e.chinese());
                self.error(row, field, &step.on.to_string(), code, &what);
                Err(())
            }
        }
    }

    /// Warns about stated dates the import leaves alone: stages reached before with another
    /// date, or beyond the stage the row states.
    pub(super) fn warn_dates(&mut self, row: &LedgerRow, state: &StageState) {
        for stage in [Stage::Negotiating, Stage::Started, Stage::Producing, Stage::Effective] {
            let Some(stated) = row.values.stated_date(stage) else {
                continue;
            };
            match state.dates.get(stage) {
                Some(stored) if stored == stated => {}
                Some(stored) => self.warn(
                    row,
                    LedgerField::date_of(stage),
                    &stated.to_string(),
                    "date_differs",
                    &format!("与系统记录的日期{stored}不同，未修改（阶段日期只随阶段变更写入）"),
                ),
                None => self.warn(
                    row,
                    LedgerField::date_of(stage),
                    &stated.to_string(),
                    "date_ignored",
                    &format!(
                        "项目当前阶段为{}，此日期未导入",
                        chinese_name(row.values.stage.unwrap_or(state.stage))
                    ),
                ),
            }
        }
    }

    pub(super) fn plan_termination(
        &mut self,
        row: &LedgerRow,
        state: StageState,
        changes: &mut Vec<String>,
    ) -> RowResult<(StageState, Option<Step>)> {
        if !row.values.terminated || state.stage == Stage::Terminated {
            return Ok((state, None));
        }
        let step = Step {
            from: Stage::Lead,
            to: Stage::Terminated,
            on: self.ctx.as_of,
            reason: format!("{}: 终止", self.ctx.reason()),
            contract: None,
            after: StageDates::default(),
        };
        let mut steps = Vec::new();
        let state = self.simulate(row, state, step, LedgerField::Stage, &mut steps, changes)?;
        Ok((state, steps.pop()))
    }
}
