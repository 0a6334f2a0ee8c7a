//! The demo district: a generated but realistic pipeline over 大足's reference data (24 task
//! forces, 12 clusters, the parks), a few hundred projects at every stage across the last
//! two years, with contracts, payments, milestones and follow-ups. Deterministic: the same
//! seed and the same `today` give the same district. Everything goes through the same
//! service functions (and so the same rules) as the API, in one transaction.

use chrono::{Days, NaiveDate};
use entity::enums::{ActivityKind, AgreementType, FundingKind, Stage};
use entity::{park, project, team};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait};

use super::investors::{InvestorInput, create_investor};
use super::lifecycle::{ContractInput, TransitionInput, transition_in};
use super::projects::{ProjectInput, create_project};
use super::records::{ActivityInput, FundingInput, OutputInput, add_activity, add_funding, add_output};
use super::{Actor, ServiceResult, users};
use crate::domain::PastDate;

/// How many projects the demo district has.
pub const DEMO_PROJECTS: usize = 360;
const SEED: u64 = 0x5a_68_61_6f; // "Zhao"

const CITIES: [&str; 14] = [
    "上海", "深圳", "苏州", "杭州", "成都", "广州", "宁波", "无锡", "东莞", "武汉", "西安", "南京", "厦门", "佛山",
];
const WORDS: [&str; 16] = [
    "智航", "博远", "星河", "佳禾", "鑫源", "海纳", "启明", "鼎力", "华创", "恒信", "中科", "瑞丰", "天成", "汇通",
    "宏达", "卓越",
];
const FORMS: [&str; 4] = ["科技有限公司", "集团有限公司", "实业有限公司", "智能装备有限公司"];
const SOURCES: [&str; 5] = ["以商招商", "驻外招商", "商会推介", "平台推介", "产业链招商"];
const LEADERS: [&str; 6] = ["张明", "吴亚莉", "邓茂强", "杨桦", "李建国", "陈静"];
const TERMINATION_REASONS: [&str; 4] = [
    "投资方战略调整，撤回投资",
    "用地条件未达成一致",
    "项目落地其他区县",
    "投资方资金链紧张",
];
const CREDIT_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Loads the demo district unless the database already has projects; returns how many
/// projects it created.
pub async fn load(db: &DatabaseConnection, today: NaiveDate) -> ServiceResult<usize> {
    if project::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let admin = users::find_by_username(db, "admin").await?;
    let actor = Actor {
        user_id: admin.id,
        username: admin.username,
        role: admin.role,
        team_id: None,
    };
    let txn = crate::db::begin_write(db).await?;
    let teams = team::Entity::find().all(&txn).await?;
    let parks = park::Entity::find().all(&txn).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for n in 0..DEMO_PROJECTS {
        let team = &teams[n % teams.len()];
        generate_project(&txn, &mut rng, n, team, &parks, today, &actor).await?;
    }
    txn.commit().await?;
    Ok(DEMO_PROJECTS)
}

fn wan(rng: &mut ChaCha8Rng, low: i64, high: i64) -> Decimal {
    Decimal::from(rng.random_range(low..high))
}

fn after(date: NaiveDate, rng: &mut ChaCha8Rng, low: u64, high: u64) -> NaiveDate {
    date + Days::new(rng.random_range(low..high))
}

async fn generate_project(
    db: &DatabaseTransaction,
    rng: &mut ChaCha8Rng,
    n: usize,
    team: &team::Model,
    parks: &[park::Model],
    today: NaiveDate,
    actor: &Actor,
) -> ServiceResult<()> {
    let city = *CITIES.choose(rng).expect("non-empty");
    let word = *WORDS.choose(rng).expect("non-empty");
    let investor_name = format!("{city}{word}{}", FORMS.choose(rng).expect("non-empty"));
    let credit_code: String = std::iter::once("91".to_string())
        .chain((0..16).map(|_| (CREDIT_CHARS[rng.random_range(0..CREDIT_CHARS.len())] as char).to_string()))
        .collect();
    let investor = create_investor(
        db,
        actor,
        InvestorInput {
            name: investor_name,
            credit_code: Some(credit_code),
            origin_region: Some(format!("{city}市")),
        },
    )
    .await?;
    let lead_on = today - Days::new(rng.random_range(20..730));
    let subject = team.name.trim_end_matches("专班");
    // `create_project` opens its own transaction: inside the demo's, a savepoint.
    let created = create_project(
        db,
        ProjectInput {
            code: Some(format!("DZ{}{:04}", lead_on.format("%Y"), n + 1)),
            name: format!("{city}{word}{subject}项目"),
            investor_id: Some(investor.id),
            cluster_id: team.cluster_id,
            park_id: parks.choose(rng).map(|p| p.id),
            team_id: team.id,
            sponsoring_leader: LEADERS.choose(rng).map(|l| l.to_string()),
            source: SOURCES.choose(rng).map(|s| s.to_string()),
            planned_investment: Some(wan(rng, 2_000, 300_000)),
            land_area: Some(Decimal::from(rng.random_range(20..500))),
            ..Default::default()
        },
        Some(lead_on),
        actor,
    )
    .await?;
    let id = created.project.id;

    // How far this project gets, if time allows: a realistic funnel.
    let target = match rng.random_range(0..100) {
        0..10 => Stage::Lead,
        10..40 => Stage::Negotiating,
        40..60 => Stage::Signed,
        60..78 => Stage::Started,
        78..92 => Stage::Producing,
        _ => Stage::Effective,
    };
    let terminate = rng.random_bool(0.08);
    let mut last = lead_on;
    let mut reached = Stage::Lead;
    let mut moves = Vec::new();

    let negotiating_on = after(last, rng, 5, 60);
    if target != Stage::Lead && negotiating_on <= today {
        moves.push((Stage::Negotiating, negotiating_on));
        last = negotiating_on;
        reached = Stage::Negotiating;
    }
    for (stage, low, high) in [
        (Stage::Signed, 30, 200),
        (Stage::Started, 30, 180),
        (Stage::Producing, 90, 300),
        (Stage::Effective, 90, 365),
    ] {
        let rank = |s| crate::domain::stage::rank(s).unwrap_or(0);
        if rank(stage) > rank(target) || rank(reached) + 1 != rank(stage) {
            break;
        }
        // Nothing is generated after the demo's today.
        let Ok(on) = PastDate::not_after(after(last, rng, low, high), today) else {
            break;
        };
        let on = on.get();
        moves.push((stage, on));
        last = on;
        reached = stage;
    }

    for (stage, on) in moves {
        let contract = (stage == Stage::Signed).then(|| {
            let promised_start = after(on, rng, 60, 180);
            let promised_production = after(promised_start, rng, 270, 540);
            let investment = wan(rng, 3_000, 350_000);
            ContractInput {
                agreement_type: *[AgreementType::Formal, AgreementType::Formal, AgreementType::Framework]
                    .choose(rng)
                    .expect("non-empty"),
                signed_on: on,
                contracted_investment: investment,
                promised_start_on: Some(promised_start),
                promised_production_on: Some(promised_production),
                promised_full_production_on: Some(after(promised_production, rng, 300, 420)),
                promised_output_value: Some(investment * Decimal::new(12, 1)),
                promised_tax: Some((investment * Decimal::new(5, 2)).round_dp(4)),
            }
        });
        let signed = contract.as_ref().map(|c| c.contracted_investment);
        transition_in(
            db,
            id,
            TransitionInput {
                to: stage,
                on: Some(on),
                reason: None,
                contract,
                expected_version: None,
            },
            actor,
        )
        .await?;
        if let Some(investment) = signed {
            add_payments(db, actor, rng, id, on, investment, today).await?;
        }
        if stage == Stage::Producing {
            let period_start = after(on, rng, 0, 30);
            if period_start <= today {
                add_output(
                    db,
                    actor,
                    id,
                    OutputInput {
                        period_start,
                        period_end: period_start + Days::new(90),
                        output_value: wan(rng, 500, 50_000),
                        tax: wan(rng, 20, 2_000),
                    },
                )
                .await?;
            }
        }
    }

    for _ in 0..rng.random_range(1..4) {
        let occurred_on = after(lead_on, rng, 0, 60).min(today);
        add_activity(
            db,
            id,
            ActivityInput {
                occurred_on,
                kind: *[
                    ActivityKind::VisitOut,
                    ActivityKind::VisitIn,
                    ActivityKind::Negotiation,
                    ActivityKind::Call,
                ]
                .choose(rng)
                .expect("non-empty"),
                people: LEADERS.choose(rng).map(|l| format!("{l}、{}专班", subject)),
                summary: format!("与{}洽谈项目用地、投资强度和落地时间", investor.name),
                next_step: Some("准备项目可研材料，安排实地踏勘".into()),
                due_on: Some(occurred_on + Days::new(14)),
                done_on: None,
            },
            actor,
        )
        .await?;
    }

    if terminate && reached != Stage::Lead {
        let on = after(last, rng, 10, 120);
        if on <= today {
            let reason = TERMINATION_REASONS.choose(rng).map(|r| r.to_string());
            transition_in(
                db,
                id,
                TransitionInput {
                    to: Stage::Terminated,
                    on: Some(on),
                    reason,
                    contract: None,
                    expected_version: None,
                },
                actor,
            )
            .await?;
        }
    } else if reached == Stage::Signed && rng.random_bool(0.1) {
        // A signing that fell through and went back to the table.
        let on = after(last, rng, 10, 90).min(today);
        transition_in(
            db,
            id,
            TransitionInput {
                to: Stage::Negotiating,
                on: Some(on),
                reason: Some("签约主体变更，重新洽谈".into()),
                contract: None,
                expected_version: None,
            },
            actor,
        )
        .await?;
    }
    Ok(())
}

async fn add_payments(
    db: &DatabaseTransaction,
    actor: &Actor,
    rng: &mut ChaCha8Rng,
    project_id: i32,
    signed_on: NaiveDate,
    investment: Decimal,
    today: NaiveDate,
) -> ServiceResult<()> {
    let share = Decimal::new(rng.random_range(5..95), 2);
    let total = (investment * share).round_dp(4);
    let count = rng.random_range(1..4);
    let mut date = signed_on;
    for k in 0..count {
        let Ok(arrived_on) = PastDate::not_after(after(date, rng, 15, 150), today) else {
            break;
        };
        date = arrived_on.get();
        let amount = (total / Decimal::from(count)).round_dp(4) + Decimal::from(k);
        add_funding(
            db,
            actor,
            project_id,
            FundingInput {
                arrived_on: date,
                amount,
                kind: *[
                    FundingKind::FixedAsset,
                    FundingKind::FixedAsset,
                    FundingKind::RegisteredCapital,
                    FundingKind::WorkingCapital,
                ]
                .choose(rng)
                .expect("non-empty"),
                counted: rng.random_bool(0.9),
                note: None,
            },
        )
        .await?;
    }
    Ok(())
}
