//! Funds: when 累计到位 exceeds the counted funds recorded up to the as-of date, one payment
//! (two when 本年到位 shows money of earlier years) makes up the difference; below them is an
//! error. A caller must load the counted sums for the as-of date first
//! (`Lookups::count_funds`).

use chrono::{Datelike, NaiveDate};

use super::{Payment, Planner, RowResult, StageState};
use crate::domain::money;
use crate::excel::ledger::{LedgerField, LedgerRow};

impl Planner<'_> {
    pub(super) fn plan_funds(
        &mut self,
        row: &LedgerRow,
        project_id: Option<i32>,
        state: &StageState,
        changes: &mut Vec<String>,
    ) -> RowResult<Vec<Payment>> {
        let v = &row.values;
        let cumulative = self.amount(row, LedgerField::FundsCumulative, v.funds_cumulative)?;
        let this_year = self.amount(row, LedgerField::FundsThisYear, v.funds_this_year)?;
        let recorded = project_id
            .and_then(|id| self.lookups.counted.get(&id))
            .copied()
            .unwrap_or(0);
        let before_year = project_id
            .and_then(|id| self.lookups.counted_before_year.get(&id))
            .copied()
            .unwrap_or(0);
        let as_of = self.ctx.as_of;
        let year_end = NaiveDate::from_ymd_opt(as_of.year() - 1, 12, 31).unwrap_or(as_of);
        let mut payments = Vec::new();
        match (cumulative, this_year) {
            (Some((wan, total)), this_year) => {
                if total < recorded {
                    self.error(
                        row,
                        LedgerField::FundsCumulative,
                        &wan.to_string(),
                        "funds_below_recorded",
                        &format!(
                            "累计到位资金低于系统已记录的计入考核到位资金（截至{as_of}共{}万元）",
                            money::yuan_to_wan(recorded)
                        ),
                    );
                    return Err(());
                }
                if let Some((year_wan, year)) = this_year
                    && year > total
                {
                    self.error(
                        row,
                        LedgerField::FundsThisYear,
                        &year_wan.to_string(),
                        "funds_this_year_exceeds_cumulative",
                        &format!("本年到位资金大于累计到位资金（{wan}万元）"),
                    );
                    return Err(());
                }
                let missing = total - recorded;
                if missing > 0 {
                    let earlier_missing = match this_year {
                        Some((_, year)) => (total - year - before_year).clamp(0, missing),
                        None => 0,
                    };
                    if earlier_missing > 0 {
                        payments.push(Payment {
                            arrived_on: year_end,
                            amount_yuan: earlier_missing,
                        });
                    }
                    if missing > earlier_missing {
                        payments.push(Payment {
                            arrived_on: as_of,
                            amount_yuan: missing - earlier_missing,
                        });
                    }
                }
            }
            (None, Some((wan, year))) => {
                let recorded_this_year = recorded - before_year;
                if year < recorded_this_year {
                    self.error(
                        row,
                        LedgerField::FundsThisYear,
                        &wan.to_string(),
                        "funds_below_recorded",
                        &format!(
                            "本年到位资金低于系统已记录的本年计入考核到位资金（{}万元）",
                            money::yuan_to_wan(recorded_this_year)
                        ),
                    );
                    return Err(());
                }
                if year > recorded_this_year {
                    payments.push(Payment {
                        arrived_on: as_of,
                        amount_yuan: year - recorded_this_year,
                    });
                }
            }
            (None, None) => {}
        }
        if !payments.is_empty() && state.dates.signed_on.is_none() {
            let (field, value) = match cumulative {
                Some((wan, _)) => (LedgerField::FundsCumulative, wan),
                None => (
                    LedgerField::FundsThisYear,
                    this_year.map(|(w, _)| w).unwrap_or_default(),
                ),
            };
            self.error(
                row,
                field,
                &value.to_string(),
                "funds_without_signing",
                "项目未签约，不能登记到位资金",
            );
            return Err(());
        }
        for p in &payments {
            changes.push(format!(
                "到位资金: +{}万元 ({})",
                money::yuan_to_wan(p.amount_yuan),
                p.arrived_on
            ));
        }
        Ok(payments)
    }
}
