//! Exact money: the API speaks 万元 with at most four decimals (to the yuan), the database
//! stores whole yuan as integers, so no amount ever passes through a float.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Why an amount could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("must not be negative")]
    Negative,
    #[error("has more than {0} decimals")]
    TooPrecise(u32),
    #[error("is too large")]
    TooLarge,
    #[error("must be more than zero")]
    Zero,
}

/// Converts 万元 to whole yuan, refusing negatives and anything finer than a yuan.
pub fn wan_to_yuan(amount: Decimal) -> Result<i64, AmountError> {
    scaled(amount, 4)
}

/// Converts 万元 to whole yuan as [`wan_to_yuan`] does, refusing zero as well: a payment,
/// a contracted investment or a target of nothing means nothing.
pub fn positive_wan_to_yuan(amount: Decimal) -> Result<i64, AmountError> {
    match wan_to_yuan(amount)? {
        0 => Err(AmountError::Zero),
        yuan => Ok(yuan),
    }
}

/// Converts whole yuan to 万元, always with four decimals.
pub fn yuan_to_wan(yuan: i64) -> Decimal {
    Decimal::new(yuan, 4)
}

/// Decimals of 万元 in the reports and bulletins people read (the workbook's cells, the
/// documents' sentences and tables): two, to the hundred yuan. The API keeps four.
pub const REPORT_DECIMALS: u32 = 2;

/// Whole yuan as 万元 rounded half away from zero to [`REPORT_DECIMALS`], the one rounding of
/// every amount a report or bulletin shows.
pub fn yuan_to_wan_for_reports(yuan: i64) -> Decimal {
    yuan_to_wan(yuan).round_dp_with_strategy(REPORT_DECIMALS, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Converts 亩 to hundredths of a 亩.
pub fn mu_to_centimu(area: Decimal) -> Result<i64, AmountError> {
    scaled(area, 2)
}

/// Converts hundredths of a 亩 to 亩, with two decimals.
pub fn centimu_to_mu(centimu: i64) -> Decimal {
    Decimal::new(centimu, 2)
}

fn scaled(value: Decimal, decimals: u32) -> Result<i64, AmountError> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(AmountError::Negative);
    }
    let normalized = value.normalize();
    if normalized.scale() > decimals {
        return Err(AmountError::TooPrecise(decimals));
    }
    let units = normalized
        .checked_mul(Decimal::from(10_i64.pow(decimals)))
        .and_then(|units| units.to_i64())
        .ok_or(AmountError::TooLarge)?;
    // No ledger needs more than 10^15 units (a hundred billion 万元).
    if units > 1_000_000_000_000_000 {
        return Err(AmountError::TooLarge);
    }
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn wan_round_trips_to_the_yuan() {
        assert_eq!(wan_to_yuan(Decimal::from_str("302.8").unwrap()), Ok(3_028_000));
        assert_eq!(wan_to_yuan(Decimal::from_str("0.0001").unwrap()), Ok(1));
        assert_eq!(
            wan_to_yuan(Decimal::from_str("267599.0000").unwrap()),
            Ok(2_675_990_000)
        );
        assert_eq!(yuan_to_wan(3_028_000).to_string(), "302.8000");
        assert_eq!(yuan_to_wan(1).to_string(), "0.0001");
    }

    #[test]
    fn refuses_negative_and_sub_yuan_amounts() {
        assert_eq!(
            wan_to_yuan(Decimal::from_str("-1").unwrap()),
            Err(AmountError::Negative)
        );
        assert_eq!(
            wan_to_yuan(Decimal::from_str("0.00001").unwrap()),
            Err(AmountError::TooPrecise(4))
        );
        assert_eq!(
            wan_to_yuan(Decimal::from_str("1000000000000").unwrap()),
            Err(AmountError::TooLarge)
        );
        assert_eq!(wan_to_yuan(Decimal::ZERO), Ok(0));
        assert_eq!(positive_wan_to_yuan(Decimal::ZERO), Err(AmountError::Zero));
        assert_eq!(
            positive_wan_to_yuan(Decimal::from_str("-1").unwrap()),
            Err(AmountError::Negative)
        );
        assert_eq!(positive_wan_to_yuan(Decimal::from_str("0.0001").unwrap()), Ok(1));
    }

    #[test]
    fn reports_round_to_two_decimals_half_away_from_zero() {
        assert_eq!(yuan_to_wan_for_reports(46_832_863_884).to_string(), "4683286.39");
        assert_eq!(yuan_to_wan_for_reports(11_145_818_050).to_string(), "1114581.81");
        assert_eq!(yuan_to_wan_for_reports(50).to_string(), "0.01");
        assert_eq!(yuan_to_wan_for_reports(49).to_string(), "0.00");
    }

    #[test]
    fn land_area_in_hundredths() {
        assert_eq!(mu_to_centimu(Decimal::from_str("120.5").unwrap()), Ok(12_050));
        assert_eq!(centimu_to_mu(12_050).to_string(), "120.50");
        assert_eq!(
            mu_to_centimu(Decimal::from_str("1.005").unwrap()),
            Err(AmountError::TooPrecise(2))
        );
    }
}
