//! How the reports and bulletins state figures in words, the way a district bulletin writes
//! them ("1—11月，全区新签约项目92个，签约率40.4%"): the name of a period, a rate as a
//! percentage with one decimal, an amount in 万元 with the reports' two decimals, and a change
//! against an earlier period (环比, 同比). Pure; the figures come from the KPI engine, and a
//! caller must not round a figure a second time before handing it here.

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::money::yuan_to_wan_for_reports;

/// Decimals of a percentage stated in words (40.4%).
pub const PERCENT_DECIMALS: u32 = 1;

fn last_of_month(date: NaiveDate) -> bool {
    date.succ_opt().is_none_or(|next| next.day() == 1)
}

/// The period as a bulletin names it: "2026年11月", "2026年1—11月", "2026年第三季度", or
/// "2026年3月5日至11月30日".
pub fn period_name(from: NaiveDate, to: NaiveDate) -> String {
    let whole_months = from.day() == 1 && last_of_month(to) && from.year() == to.year();
    if whole_months {
        let (first, last) = (from.month(), to.month());
        if first == last {
            return format!("{}年{}月", from.year(), first);
        }
        if first % 3 == 1 && last == first + 2 {
            let quarter = ["一", "二", "三", "四"][(first / 3) as usize];
            return format!("{}年第{quarter}季度", from.year());
        }
        return format!("{}年{}—{}月", from.year(), first, last);
    }
    let day = |d: NaiveDate| format!("{}月{}日", d.month(), d.day());
    if from.year() == to.year() {
        format!("{}年{}至{}", from.year(), day(from), day(to))
    } else {
        format!("{}年{}至{}年{}", from.year(), day(from), to.year(), day(to))
    }
}

/// A date as a bulletin writes it: "2026年12月7日".
pub fn date_name(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// A rate (a fraction, 0.404) as a percentage with one decimal ("40.4%"); "—" without one.
pub fn percent(rate: Option<Decimal>) -> String {
    match rate {
        Some(rate) => format!("{}%", percent_points(rate)),
        None => "—".to_string(),
    }
}

/// A rate as percentage points, rounded half away from zero to [`PERCENT_DECIMALS`].
pub fn percent_points(rate: Decimal) -> Decimal {
    (rate * Decimal::ONE_HUNDRED).round_dp_with_strategy(PERCENT_DECIMALS, RoundingStrategy::MidpointAwayFromZero)
}

/// Whole yuan as 万元 in words: "1114581.81万元".
pub fn wan(yuan: i64) -> String {
    format!("{}万元", yuan_to_wan_for_reports(yuan))
}

/// The change of a count or an amount against an earlier period, after a label: "环比增加2个",
/// "同比增长12.5%", "环比持平"; "上年同期为0" style when the earlier figure is zero. `unit`
/// follows an absolute change of a count ("个"); amounts change by a percentage.
pub fn change_of_count(label: &str, current: i64, earlier: i64, unit: &str) -> String {
    match current.cmp(&earlier) {
        std::cmp::Ordering::Equal => format!("{label}持平"),
        std::cmp::Ordering::Greater => format!("{label}增加{}{unit}", current - earlier),
        std::cmp::Ordering::Less => format!("{label}减少{}{unit}", earlier - current),
    }
}

/// The change of an amount against an earlier period as a percentage: "同比增长12.5%",
/// "环比下降3.0%", "环比持平"; "同比新增" when the earlier amount was zero.
pub fn change_of_amount(label: &str, current: i64, earlier: i64) -> String {
    if current == earlier {
        return format!("{label}持平");
    }
    if earlier == 0 {
        return format!("{label}新增{}", wan(current));
    }
    let change = Decimal::from(current - earlier) / Decimal::from(earlier);
    let points = percent_points(change.abs());
    if change > Decimal::ZERO {
        format!("{label}增长{points}%")
    } else {
        format!("{label}下降{points}%")
    }
}

/// The change of a rate against an earlier period in percentage points: "较上月提高2.3个百分点",
/// "较上年同期下降0.5个百分点", "与上月持平"; nothing to compare when either rate is missing.
pub fn change_of_rate(against: &str, current: Option<Decimal>, earlier: Option<Decimal>) -> String {
    let (Some(current), Some(earlier)) = (current, earlier) else {
        return format!("{against}无可比数据");
    };
    let change = percent_points(current) - percent_points(earlier);
    if change.is_zero() {
        format!("与{against}持平")
    } else if change > Decimal::ZERO {
        format!("较{against}提高{change}个百分点")
    } else {
        format!("较{against}下降{}个百分点", change.abs())
    }
}

/// A rank change in a league table: "↑2", "↓1", "—" (unchanged), "新进" when not ranked before.
pub fn rank_change(change: Option<i64>) -> String {
    match change {
        None => "新进".to_string(),
        Some(0) => "—".to_string(),
        Some(up) if up > 0 => format!("↑{up}"),
        Some(down) => format!("↓{}", -down),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn periods_are_named_as_bulletins_name_them() {
        assert_eq!(period_name(d("2026-11-01"), d("2026-11-30")), "2026年11月");
        assert_eq!(period_name(d("2026-01-01"), d("2026-11-30")), "2026年1—11月");
        assert_eq!(period_name(d("2026-07-01"), d("2026-09-30")), "2026年第三季度");
        assert_eq!(period_name(d("2026-03-05"), d("2026-11-30")), "2026年3月5日至11月30日");
        assert_eq!(
            period_name(d("2025-12-01"), d("2026-01-15")),
            "2025年12月1日至2026年1月15日"
        );
        assert_eq!(date_name(d("2026-12-07")), "2026年12月7日");
    }

    #[test]
    fn figures_and_changes_in_words() {
        assert_eq!(percent(Some(dec("0.403846"))), "40.4%");
        assert_eq!(percent(Some(dec("0.40450"))), "40.5%");
        assert_eq!(percent(None), "—");
        assert_eq!(wan(11_145_818_050), "1114581.81万元");
        assert_eq!(change_of_count("环比", 8, 6, "个"), "环比增加2个");
        assert_eq!(change_of_count("同比", 5, 7, "个"), "同比减少2个");
        assert_eq!(change_of_count("环比", 5, 5, "个"), "环比持平");
        assert_eq!(change_of_amount("同比", 1125, 1000), "同比增长12.5%");
        assert_eq!(change_of_amount("环比", 970, 1000), "环比下降3.0%");
        assert_eq!(change_of_amount("同比", 10_000, 0), "同比新增1.00万元");
        assert_eq!(
            change_of_rate("上月", Some(dec("0.404")), Some(dec("0.381"))),
            "较上月提高2.3个百分点"
        );
        assert_eq!(
            change_of_rate("上年同期", Some(dec("0.30")), Some(dec("0.305"))),
            "较上年同期下降0.5个百分点"
        );
        assert_eq!(change_of_rate("上月", None, Some(dec("0.3"))), "上月无可比数据");
        assert_eq!(rank_change(Some(2)), "↑2");
        assert_eq!(rank_change(Some(-1)), "↓1");
        assert_eq!(rank_change(Some(0)), "—");
    }
}
