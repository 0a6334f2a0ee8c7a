//! Words a bulletin's [`StatedFigures`] into the sections of a government bulletin: 总体情况 in
//! sentences with 环比 and 同比, the league table with rank changes, the red and yellow projects
//! by team with their reasons, each team's targets against time-proportional progress (序时进度),
//! or — for the weekly list — the overdue milestones and follow-ups by team. Only words: every
//! figure comes from the stated figures, rounded by `domain::wording`.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{BulletinKind, OverdueLine, PeriodFigures, StatedFigures};
use crate::docx::bulletin::{Block, Bulletin, Cell, Grid, Section, Shade};
use crate::domain::kpi::{Kpi, Measure};
use crate::domain::money::yuan_to_wan_for_reports;
use crate::domain::wording::{
    change_of_amount, change_of_count, change_of_rate, date_name, percent, period_name, rank_change, wan,
};
use crate::service::kpi::RateBasis;
use crate::service::report::{SummaryFigures, basis_in_words, summary_in_words};

const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn numbered(index: usize, text: &str) -> String {
    format!("{}、{text}", NUMERALS.get(index).copied().unwrap_or("十"))
}

fn sub_numbered(index: usize, text: &str) -> String {
    format!("（{}）{text}", NUMERALS.get(index).copied().unwrap_or("十"))
}

/// The reader's note when the lists hold one team's projects only.
fn rows_note(figures: &StatedFigures) -> Option<String> {
    figures.rows_of_team.map(|_| {
        "本通报所列项目仅为本专班项目，其他专班的项目明细仅向区领导和管理员提供；总体情况、赛马排名和目标任务为全区数字。"
            .to_string()
    })
}

/// The bulletin's sections and headings.
pub fn compose(figures: &StatedFigures, issued_on: NaiveDate) -> Bulletin {
    let period = &figures.period;
    let mut sections = Vec::new();
    let mut notes = Vec::new();
    let title = match figures.kind {
        BulletinKind::Monthly => format!("{}全区招商引资工作情况", period_name(period.from, period.to)),
        BulletinKind::Quarterly => format!("{}招商引资“赛马比拼”情况", period_name(period.from, period.to)),
        BulletinKind::Weekly => format!("截至{}招商引资项目逾期事项督查清单", date_name(figures.as_of)),
    };
    match figures.kind {
        BulletinKind::Weekly => weekly(figures, &mut sections),
        BulletinKind::Monthly | BulletinKind::Quarterly => {
            periodic(figures, &mut sections);
            for (kpi, name, basis) in [
                (Kpi::SignRate, "签约率", RateBasis::Period),
                (Kpi::FundsArrivalRate, "资金到位率", RateBasis::Cohort),
                (Kpi::ProductionEffectivenessRate, "投产达效率", RateBasis::AllSigned),
                (Kpi::ProductionRate, "投产率", RateBasis::AllSigned),
                (Kpi::EffectivenessRate, "达效率", RateBasis::AllSigned),
            ] {
                notes.push(format!("{name}：{}。", basis_in_words(kpi, basis)));
            }
            notes.push(format!(
                "红黄灯预警：约定节点逾期超过{}天或到位资金低于序时要求的{}%为红灯，逾期{}天以内或{}天内到期未完成为黄灯；未约定投产日期的按签约后{}个月计。",
                figures.warning_red_overdue_days,
                figures.warning_funds_percent,
                figures.warning_red_overdue_days,
                figures.warning_due_soon_days,
                figures.default_production_months,
            ));
        }
    }
    notes.push(format!(
        "金额单位为万元，保留两位小数；比率保留一位小数。数据统计截至{}。",
        date_name(figures.as_of)
    ));
    notes.extend(rows_note(figures));
    // 2026年第11期: the month, the quarter or the ISO week of the year.
    let number = match figures.kind {
        BulletinKind::Weekly => period.key[6..].trim_start_matches('0').to_string(),
        BulletinKind::Monthly => period.from.month().to_string(),
        BulletinKind::Quarterly => (period.from.month0() / 3 + 1).to_string(),
    };
    let issue = format!("{}年第{number}期", &period.key[..4]);
    Bulletin {
        banner: figures.kind_title().to_string(),
        issue,
        issuer: figures.headings.issuer.clone(),
        issued_on: date_name(issued_on),
        title,
        subtitle: Some(match figures.kind {
            BulletinKind::Weekly => format!("（统计截至{}）", date_name(figures.as_of)),
            _ => format!(
                "（{}至{}，统计截至{}）",
                date_name(period.from),
                date_name(period.to),
                date_name(figures.as_of)
            ),
        }),
        sections,
        notes,
        landscape: figures.kind == BulletinKind::Weekly,
    }
}

impl StatedFigures {
    fn kind_title(&self) -> &str {
        self.kind.title(&self.headings)
    }
}

/// 总体情况 of a month or quarter: the period's counts and rates against the previous period
/// and last year's.
fn overall(figures: &StatedFigures, current: &PeriodFigures) -> Vec<Block> {
    let (previous, last_year) = (figures.previous.as_ref(), figures.last_year.as_ref());
    let against = match figures.kind {
        BulletinKind::Quarterly => "上季度",
        _ => "上月",
    };
    let name = period_name(current.from, current.to);
    let counts = |value: fn(&PeriodFigures) -> i64, unit: &str| {
        let mut words = Vec::new();
        if let Some(p) = previous {
            words.push(change_of_count("环比", value(current), value(p), unit));
        }
        if let Some(l) = last_year {
            words.push(change_of_count("同比", value(current), value(l), unit));
        }
        words.join("、")
    };
    let amounts = |value: fn(&PeriodFigures) -> i64| {
        let mut words = Vec::new();
        if let Some(p) = previous {
            words.push(change_of_amount("环比", value(current), value(p)));
        }
        if let Some(l) = last_year {
            words.push(change_of_amount("同比", value(current), value(l)));
        }
        words.join("、")
    };
    let rates = |rate: fn(&PeriodFigures) -> Option<Decimal>| {
        let mut words = Vec::new();
        if let Some(p) = previous {
            words.push(change_of_rate(against, rate(current), rate(p)));
        }
        if let Some(l) = last_year {
            words.push(change_of_rate("上年同期", rate(current), rate(l)));
        }
        words.join("，")
    };
    let first = format!(
        "{name}，全区新签约项目{}个，{}；签约合同投资额{}，{}；计入考核的到位资金{}，{}；新开工项目{}个，{}；新投产项目{}个，{}。",
        current.projects_signed,
        counts(|f| f.projects_signed, "个"),
        wan(current.contracted_investment_yuan),
        amounts(|f| f.contracted_investment_yuan),
        wan(current.funds_arrived_yuan),
        amounts(|f| f.funds_arrived_yuan),
        current.projects_started,
        counts(|f| f.projects_started, "个"),
        current.projects_producing,
        counts(|f| f.projects_producing, "个"),
    );
    let second = format!(
        "项目签约率{}（在谈项目{}个，签约{}个），{}；资金到位率{}（签约项目合同投资额{}，到位资金{}），{}；投产达效率{}（应投产项目{}个，已投产达效{}个），{}。",
        percent(current.sign_rate.rate),
        current.sign_rate.denominator,
        current.sign_rate.numerator,
        rates(|f| f.sign_rate.rate),
        percent(current.funds_arrival_rate.rate),
        wan(current.funds_arrival_rate.denominator),
        wan(current.funds_arrival_rate.numerator),
        rates(|f| f.funds_arrival_rate.rate),
        percent(current.production_effectiveness_rate.rate),
        current.production_effectiveness_rate.denominator,
        current.production_effectiveness_rate.numerator,
        rates(|f| f.production_effectiveness_rate.rate),
    );
    let mut blocks = vec![Block::Text(first), Block::Text(second)];
    if let Some(ytd) = &figures.year_to_date {
        blocks.push(Block::Text(format!("累计情况：{}", ytd_words(ytd))));
    }
    blocks
}

/// The year to date in the report's words.
fn ytd_words(ytd: &PeriodFigures) -> String {
    let set = SummaryFigures {
        sign: (ytd.sign_rate.numerator, ytd.sign_rate.denominator, ytd.sign_rate.rate),
        funds: (
            ytd.funds_arrival_rate.numerator,
            ytd.funds_arrival_rate.denominator,
            ytd.funds_arrival_rate.rate,
        ),
        production: (
            ytd.production_effectiveness_rate.numerator,
            ytd.production_effectiveness_rate.denominator,
            ytd.production_effectiveness_rate.rate,
        ),
        produced_rate: ytd.production_rate.rate,
        effective_rate: ytd.effectiveness_rate.rate,
    };
    summary_in_words("全区", ytd.from, ytd.to, &set)
}

fn league_section(figures: &StatedFigures, quarterly: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    let league = &figures.league;
    if league.is_empty() {
        blocks.push(Block::Text("本期无参与排名的专班。".into()));
        return blocks;
    }
    let names = |lines: &[&super::LeagueLine]| {
        lines
            .iter()
            .map(|l| l.team_name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    // The leaders: the teams ranked in the first three with a score above zero (ties share a
    // rank, so naming the first three lines would single out some of many equals).
    let top: Vec<_> = league
        .iter()
        .filter(|l| l.rank <= 3 && l.score > rust_decimal::Decimal::ZERO)
        .collect();
    let placed = match top.len() {
        0 => "本期各专班综合得分均为0".to_string(),
        1 => format!("{}位居第一", names(&top)),
        2 => format!("{}位居前两位", names(&top)),
        _ => format!("{}名列前三", names(&top)),
    };
    // The last: the teams sharing the last rank below the first three, named when few.
    let last_rank = league.last().map_or(0, |l| l.rank);
    let last: Vec<_> = league.iter().filter(|l| l.rank == last_rank && l.rank > 3).collect();
    let bottom: Vec<_> = match last.len() {
        1..=3 => last.clone(),
        _ => Vec::new(),
    };
    let mut words = format!(
        "按签约率、资金到位率、投产达效率{}加权计算综合得分（百分制），{placed}",
        if figures.league_with_targets {
            "及目标完成率"
        } else {
            ""
        },
    );
    if !last.is_empty() && bottom.is_empty() {
        words += &format!("；另有{}个专班并列第{last_rank}名", last.len());
    }
    if let Some(best) = league
        .iter()
        .filter(|l| l.rank_change > 0)
        .max_by_key(|l| l.rank_change)
    {
        words += &format!("；{}进步最快，较上期上升{}位", best.team_name, best.rank_change);
    }
    if !bottom.is_empty() {
        words += &format!(
            "；{}排名靠后{}",
            names(&bottom),
            if quarterly {
                "，予以通报提醒"
            } else {
                "，请加大工作力度"
            }
        );
    }
    words.push('。');
    blocks.push(Block::Text(words));
    let rows = league
        .iter()
        .map(|l| {
            vec![
                Cell::figure(l.rank.to_string()),
                Cell::figure(rank_change(Some(l.rank_change))),
                Cell::text(l.team_name.clone()),
                Cell::figure(format!("{:.2}", l.score * Decimal::ONE_HUNDRED)),
                Cell::figure(percent(l.sign_rate)),
                Cell::figure(percent(l.funds_arrival_rate)),
                Cell::figure(percent(l.production_effectiveness_rate)),
            ]
        })
        .collect();
    blocks.push(Block::Table(Grid {
        columns: vec![
            ("排名".into(), 6),
            ("名次变化".into(), 10),
            ("专班".into(), 22),
            ("综合得分".into(), 10),
            ("签约率".into(), 9),
            ("资金到位率".into(), 12),
            ("投产达效率".into(), 12),
        ],
        rows,
    }));
    blocks
}

fn warnings_section(figures: &StatedFigures) -> Vec<Block> {
    let mut blocks = vec![Block::Text(format!(
        "截至{}，{}红灯预警项目{}个、黄灯预警项目{}个。{}",
        date_name(figures.as_of),
        if figures.rows_of_team.is_some() {
            "本专班"
        } else {
            "全区"
        },
        figures.red,
        figures.yellow,
        if figures.red + figures.yellow > 0 {
            "请各专班对照问题清单，逐个项目明确责任人和整改时限，加快推进。"
        } else {
            ""
        }
    ))];
    let mut teams: Vec<(&str, Vec<&super::WarningLine>)> = Vec::new();
    for w in &figures.warnings {
        match teams.iter_mut().find(|(name, _)| *name == w.team_name) {
            Some((_, list)) => list.push(w),
            None => teams.push((&w.team_name, vec![w])),
        }
    }
    teams.sort_by_key(|(_, list)| std::cmp::Reverse(list.iter().filter(|w| w.red).count()));
    for (i, (team, list)) in teams.iter().enumerate() {
        let red = list.iter().filter(|w| w.red).count();
        blocks.push(Block::Subheading(sub_numbered(
            i,
            &format!("{team}（红灯{}个、黄灯{}个）", red, list.len() - red),
        )));
        blocks.push(Block::Table(Grid {
            columns: vec![
                ("预警".into(), 6),
                ("项目编号".into(), 18),
                ("项目名称".into(), 24),
                ("原因".into(), 42),
            ],
            rows: list
                .iter()
                .map(|w| {
                    let (light, shade) = if w.red {
                        ("红", Shade::Red)
                    } else {
                        ("黄", Shade::Yellow)
                    };
                    vec![
                        Cell::figure(light).shaded(shade),
                        Cell::text(w.code.clone()),
                        Cell::text(w.name.clone()),
                        Cell::text(w.reasons.join("；")),
                    ]
                })
                .collect(),
        }));
    }
    blocks
}

fn measure_cell(
    actual: i64,
    target: Option<i64>,
    completion: Option<Decimal>,
    ahead: Option<Decimal>,
    amount: bool,
) -> Cell {
    let show = |v: i64| match amount {
        true => yuan_to_wan_for_reports(v).to_string(),
        false => v.to_string(),
    };
    let Some(target) = target else {
        return Cell::figure(format!("{}/—", show(actual)));
    };
    let shade = match ahead {
        Some(a) if a < Decimal::new(-1, 1) => Shade::Red,
        Some(a) if a < Decimal::ZERO => Shade::Yellow,
        Some(_) => Shade::Green,
        None => Shade::None,
    };
    Cell::figure(format!("{}/{}（{}）", show(actual), show(target), percent(completion))).shaded(shade)
}

fn targets_section(figures: &StatedFigures) -> Vec<Block> {
    let progress = figures.time_progress;
    let mut blocks = vec![Block::Text(format!(
        "截至{}，全年序时进度为{}。各专班年度目标任务完成情况如下（实绩/目标（完成率））；完成率低于序时进度10个百分点以上的标红，低于序时进度的标黄，达到或超过序时进度的标绿。",
        date_name(figures.as_of),
        percent(progress)
    ))];
    if figures.targets.is_empty() {
        blocks.push(Block::Text("本年度尚未下达专班目标任务。".into()));
        return blocks;
    }
    let behind: Vec<&str> = figures
        .targets
        .iter()
        .filter(|t| {
            t.measures
                .iter()
                .any(|m| m.ahead_behind.is_some_and(|a| a < Decimal::ZERO))
        })
        .map(|t| t.team_name.as_str())
        .collect();
    if !behind.is_empty() {
        blocks.push(Block::Text(format!(
            "{}等{}个专班有目标任务落后于序时进度。",
            behind.iter().take(5).copied().collect::<Vec<_>>().join("、"),
            behind.len()
        )));
    }
    let rows = figures
        .targets
        .iter()
        .map(|t| {
            let mut row = vec![Cell::text(t.team_name.clone())];
            for (i, measure) in Measure::ALL.iter().enumerate() {
                let m = t.measures[i];
                let amount = matches!(measure, Measure::ContractedInvestment | Measure::FundsArrived);
                row.push(measure_cell(m.actual, m.target, m.completion, m.ahead_behind, amount));
            }
            row
        })
        .collect();
    blocks.push(Block::Table(Grid {
        columns: vec![
            ("专班".into(), 18),
            ("签约项目（个）".into(), 14),
            ("合同投资额（万元）".into(), 20),
            ("到位资金（万元）".into(), 20),
            ("开工项目（个）".into(), 14),
            ("投产项目（个）".into(), 14),
        ],
        rows,
    }));
    blocks
}

/// The monthly bulletin and the quarterly ranking.
fn periodic(figures: &StatedFigures, sections: &mut Vec<Section>) {
    let Some(current) = &figures.current else {
        return;
    };
    let quarterly = figures.kind == BulletinKind::Quarterly;
    let parts: Vec<(&str, Vec<Block>)> = vec![
        ("总体情况", overall(figures, current)),
        (
            if quarterly {
                "专班“赛马比拼”排名"
            } else {
                "专班赛马排名"
            },
            league_section(figures, quarterly),
        ),
        ("目标任务完成情况", targets_section(figures)),
        ("红黄灯预警项目", warnings_section(figures)),
    ];
    for (i, (heading, blocks)) in parts.into_iter().enumerate() {
        sections.push(Section {
            heading: numbered(i, heading),
            blocks,
        });
    }
    sections.push(Section {
        heading: numbered(4, "下步工作要求"),
        blocks: vec![Block::Text(
            "各专班要对照目标任务和序时进度，聚焦签约率、资金到位率和投产达效率，逐项目落实包保责任，红灯项目一周内报送整改措施，黄灯项目加快推进，确保按期完成全年目标任务。"
                .into(),
        )],
    });
}

/// The weekly supervision list: overdue milestones and follow-ups, by team.
fn weekly(figures: &StatedFigures, sections: &mut Vec<Section>) {
    let milestones: Vec<&OverdueLine> = figures.overdue.iter().filter(|l| !l.follow_up).collect();
    let follow_ups: Vec<&OverdueLine> = figures.overdue.iter().filter(|l| l.follow_up).collect();
    let projects = {
        let mut ids: Vec<i32> = figures.overdue.iter().map(|l| l.project_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    sections.push(Section {
        heading: numbered(0, "总体情况"),
        blocks: vec![Block::Text(format!(
            "截至{}，{}共有逾期未完成的约定节点{}个、逾期未办结的跟进事项{}个，涉及项目{}个。请各专班和包保领导逐项对照，明确整改时限，下周督查时报送进展。",
            date_name(figures.as_of),
            if figures.rows_of_team.is_some() { "本专班" } else { "全区" },
            milestones.len(),
            follow_ups.len(),
            projects
        ))],
    });
    for (index, (heading, lines, item)) in [
        ("逾期未完成的约定节点", milestones, "逾期节点"),
        ("逾期未办结的跟进事项", follow_ups, "待办事项"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut blocks = Vec::new();
        if lines.is_empty() {
            blocks.push(Block::Text("无。".into()));
        }
        let mut teams: Vec<(&str, Vec<&OverdueLine>)> = Vec::new();
        for line in lines {
            match teams.iter_mut().find(|(name, _)| *name == line.team_name) {
                Some((_, list)) => list.push(line),
                None => teams.push((&line.team_name, vec![line])),
            }
        }
        for (i, (team, list)) in teams.iter().enumerate() {
            blocks.push(Block::Subheading(sub_numbered(
                i,
                &format!("{team}（{}项）", list.len()),
            )));
            blocks.push(Block::Table(Grid {
                columns: vec![
                    ("项目".into(), 26),
                    ("包保领导".into(), 10),
                    (item.into(), 22),
                    ("约定完成".into(), 12),
                    ("逾期天数".into(), 9),
                    ("最近跟进".into(), 30),
                ],
                rows: list
                    .iter()
                    .map(|l| {
                        let shade = if l.days_overdue > i64::from(figures.warning_red_overdue_days) {
                            Shade::Red
                        } else {
                            Shade::Yellow
                        };
                        vec![
                            Cell::text(format!("{}（{}）", l.name, l.code)),
                            Cell::figure(l.sponsoring_leader.clone().unwrap_or_else(|| "未明确".into())),
                            Cell::text(l.item.clone()),
                            Cell::figure(l.due_on.to_string()),
                            Cell::figure(l.days_overdue.to_string()).shaded(shade),
                            Cell::text(match (&l.last_follow_up_on, &l.last_follow_up) {
                                (Some(on), Some(summary)) => format!("{on}：{summary}"),
                                _ => "无跟进记录".into(),
                            }),
                        ]
                    })
                    .collect(),
            }));
        }
        sections.push(Section {
            heading: numbered(index + 1, heading),
            blocks,
        });
    }
}
