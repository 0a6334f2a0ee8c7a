//! The contract terms a row states: checked for a signing, and compared with the stored terms
//! of a project signed before. A caller must not change the signing date without checking
//! the stage dates stay in order (as [`Planner::plan_contract_update`] does).

use chrono::NaiveDate;
use entity::contract;
use entity::enums::{AgreementType, Stage};
use rust_decimal::Decimal;

use super::{Planner, RowResult, StageState};
use crate::domain::money;
use crate::domain::stage::{StageDates, check_dates_in_order, rank};
use crate::excel::ledger::{LedgerField, LedgerRow};
use crate::service::lifecycle::ContractInput;

impl Planner<'_> {
    /// The contract terms the row states, on top of `base` (the stored terms), checked.
    pub(super) fn contract_terms(
        &mut self,
        row: &LedgerRow,
        signed_on: NaiveDate,
        base: Option<&contract::Model>,
    ) -> RowResult<ContractInput> {
        let v = &row.values;
        let contracted = self.amount(row, LedgerField::ContractedInvestment, v.contracted_investment)?;
        let output = self.amount(row, LedgerField::PromisedOutput, v.promised_output)?;
        let tax = self.amount(row, LedgerField::PromisedTax, v.promised_tax)?;
        let contracted_investment = match (contracted, base) {
            (Some((wan, _)), _) => wan,
            (None, Some(c)) => money::yuan_to_wan(c.contracted_investment_yuan),
            (None, None) => {
                self.error(
                    row,
                    LedgerField::ContractedInvestment,
                    "",
                    "missing_contract_terms",
                    "已签约的项目必须填写合同投资额",
                );
                return Err(());
            }
        };
        if contracted_investment.is_zero() {
            self.error(
                row,
                LedgerField::ContractedInvestment,
                &contracted_investment.to_string(),
                "invalid_contract",
                "合同投资额必须大于零",
            );
            return Err(());
        }
        let agreement_type = match (v.agreement_type, base) {
            (Some(t), _) => t,
            (None, Some(c)) => c.agreement_type,
            (None, None) => {
                self.warn(
                    row,
                    LedgerField::AgreementType,
                    "",
                    "agreement_type_assumed",
                    "未填写协议类型，按正式合同导入",
                );
                AgreementType::Formal
            }
        };
        let terms = ContractInput {
            agreement_type,
            signed_on,
            contracted_investment,
            promised_start_on: v.promised_start.or(base.and_then(|c| c.promised_start_on)),
            promised_production_on: v.promised_production.or(base.and_then(|c| c.promised_production_on)),
            promised_full_production_on: v
                .promised_full_production
                .or(base.and_then(|c| c.promised_full_production_on)),
            promised_output_value: output
                .map(|(d, _)| d)
                .or(base.and_then(|c| c.promised_output_value_yuan.map(money::yuan_to_wan))),
            promised_tax: tax
                .map(|(d, _)| d)
                .or(base.and_then(|c| c.promised_tax_yuan.map(money::yuan_to_wan))),
        };
        // Promised dates in order, as the contract rules require.
        let promised = [
            (LedgerField::PromisedStart, terms.promised_start_on),
            (LedgerField::PromisedProduction, terms.promised_production_on),
            (LedgerField::PromisedFullProduction, terms.promised_full_production_on),
        ];
        let mut previous = (LedgerField::SignedOn, signed_on);
        let mut failed = false;
        for (field, date) in promised {
            let Some(date) = date else { continue };
            if date < previous.1 {
                let what = format!("日期早于{}（{}）", previous.0.chinese(), previous.1);
                self.error(row, field, &date.to_string(), "date_out_of_order", &what);
                failed = true;
            }
            previous = (field, date);
        }
        if failed { Err(()) } else { Ok(terms) }
    }

    /// Updates the terms of a project signed before this import when the row states others.
    pub(super) fn plan_contract_update(
        &mut self,
        row: &LedgerRow,
        mut state: StageState,
        existing: Option<&contract::Model>,
        changes: &mut Vec<String>,
    ) -> RowResult<(StageState, Option<ContractInput>)> {
        let v = &row.values;
        let (Some(stored), Some(_)) = (existing, state.dates.signed_on) else {
            return Ok((state, None));
        };
        // Going back before signing: the terms are left as they are.
        let target = v.stage.unwrap_or(Stage::Lead);
        if target != Stage::Terminated && rank(target) < rank(Stage::Signed) {
            return Ok((state, None));
        }
        let states_terms = v.signed_on.is_some()
            || v.contracted_investment.is_some()
            || v.agreement_type.is_some()
            || v.promised_start.is_some()
            || v.promised_production.is_some()
            || v.promised_full_production.is_some()
            || v.promised_output.is_some()
            || v.promised_tax.is_some();
        if !states_terms {
            return Ok((state, None));
        }
        let signed_on = v.signed_on.unwrap_or(stored.signed_on);
        let terms = self.contract_terms(row, signed_on, Some(stored))?;
        let yuan = |d: Decimal| money::wan_to_yuan(d).ok();
        let same = terms.agreement_type == stored.agreement_type
            && terms.signed_on == stored.signed_on
            && yuan(terms.contracted_investment) == Some(stored.contracted_investment_yuan)
            && terms.promised_start_on == stored.promised_start_on
            && terms.promised_production_on == stored.promised_production_on
            && terms.promised_full_production_on == stored.promised_full_production_on
            && terms.promised_output_value.and_then(yuan) == stored.promised_output_value_yuan
            && terms.promised_tax.and_then(yuan) == stored.promised_tax_yuan;
        if same {
            return Ok((state, None));
        }
        if signed_on != stored.signed_on {
            let dates = StageDates {
                signed_on: Some(signed_on),
                ..state.dates
            };
            if let Err(e) = check_dates_in_order(&dates, self.ctx.today) {
                let what = e.chinese();
                self.error(
                    row,
                    LedgerField::SignedOn,
                    &signed_on.to_string(),
                    "date_out_of_order",
                    &format!("新的签约时间打乱了阶段日期顺序：{what}"),
                );
                return Err(());
            }
            changes.push(format!("签约时间: {} → {signed_on}", stored.signed_on));
            state.dates.signed_on = Some(signed_on);
        }
        state.contract_signed_on = Some(signed_on);
        changes.push("合同条款".to_owned());
        Ok((state, Some(terms)))
    }
}
