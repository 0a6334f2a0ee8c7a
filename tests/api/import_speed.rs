//! The ledger import's speed at scale, measured against calamine alone reading the same file
//! into memory: a first import into a fresh SQLite file database (WAL, as the server opens
//! it) and, with `TEST_DATABASE_URL`, into a fresh PostgreSQL schema; then a re-import of the
//! same file that changes nothing. Each figure is the median of several runs, with the peak
//! resident memory of the phase. Ignored: a measurement, not a check; run it in release:
//!
//! `cargo test --release --test api import_speed -- --ignored --nocapture`
//!
//! `IMPORT_SPEED_ROWS` sets the size (100,000 by default), `IMPORT_SPEED_RUNS` the runs per
//! figure (3). `RUST_LOG=zhaoshang::service::import=debug` shows the import's phases.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use zhaoshang::db;
use zhaoshang::service::Actor;
use zhaoshang::service::import::{ImportOptions, ImportStatus, import_ledger};
use zhaoshang::service::users;

/// (task force, its cluster), as seeded.
const TEAMS: [(&str, &str); 8] = [
    ("五金刀具专班", "现代五金"),
    ("五金制品专班", "现代五金"),
    ("智能电梯专班", "智能电梯及特种设备"),
    ("食品加工专班", "食品及农产品加工"),
    ("再生资源专班", "再生资源及新材料"),
    ("新材料专班", "再生资源及新材料"),
    ("光电显示专班", "光电元器件"),
    ("机器人专班", "机器人及传感器"),
];
const PARKS: [&str; 4] = ["大足高新区", "双桥经开区", "邮亭新材料产业园", "龙水五金产业园"];
const LEADERS: [&str; 5] = ["张明", "吴亚莉", "邓茂强", "刘洋", "陈静"];
const PLACES: [&str; 6] = ["上海", "苏州", "成都", "深圳", "杭州", "重庆"];
const PRODUCTS: [&str; 6] = ["精密五金件", "电梯部件", "预制菜", "再生铝", "光学膜", "工业机器人"];

/// A deterministic pseudo-random number for row `n` and purpose `salt`.
fn pick(n: usize, salt: u64) -> u64 {
    let mut x = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 29)
}

/// A date written the ways task forces write them: a date cell, or text in one of four styles.
fn write_date(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    date: NaiveDate,
    style: u64,
    date_format: &Format,
) {
    use chrono::Datelike;
    let (y, m, d) = (date.year(), date.month(), date.day());
    match style % 5 {
        0 => sheet.write_date_with_format(row, col, date, date_format).map(|_| ()),
        1 => sheet.write_string(row, col, format!("{y}年{m}月{d}日")).map(|_| ()),
        2 => sheet.write_string(row, col, format!("{y}.{m}.{d}")).map(|_| ()),
        3 => sheet.write_string(row, col, format!("{y}/{m}/{d}")).map(|_| ()),
        _ => sheet.write_string(row, col, date.to_string()).map(|_| ()),
    }
    .expect("write a date");
}

/// An amount in 万元: a number, or text with its unit.
fn write_amount(sheet: &mut rust_xlsxwriter::Worksheet, row: u32, col: u16, wan: f64, style: u64) {
    if style.is_multiple_of(3) {
        sheet
            .write_string(row, col, format!("{wan}万元"))
            .expect("write an amount");
    } else {
        sheet.write_number(row, col, wan).expect("write an amount");
    }
}

/// A realistic ledger of `rows` projects, like the shared sample (台账示例.xlsx): title and
/// as-of lines, a two-row header with merged group cells, every stage, dates and amounts
/// written in several styles, empty markers, one project in ten without a code.
pub fn realistic_ledger(rows: usize) -> Vec<u8> {
    const HEADERS: [&str; 24] = [
        "序号",
        "项目编号",
        "项目名称",
        "投资方",
        "统一社会信用代码",
        "产业集群",
        "落地园区",
        "招商专班",
        "包保领导",
        "项目状态",
        "洽谈时间",
        "签约情况",
        "",
        "",
        "资金到位情况",
        "",
        "约定开工时间",
        "实际开工时间",
        "约定投产时间",
        "实际投产时间",
        "达产时间",
        "约定年产值",
        "项目进展",
        "备注",
    ];
    let mut workbook = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet_with_constant_memory().expect("a worksheet");
    sheet.set_name("项目台账").expect("sheet name");
    let plain = Format::new();
    sheet
        .merge_range(0, 0, 0, 23, "大足区2025年招商引资项目台账", &plain)
        .expect("title");
    sheet
        .merge_range(
            1,
            0,
            1,
            23,
            "填报单位：区投资促进中心　　　统计截至：2025年10月31日　　　单位：万元",
            &plain,
        )
        .expect("as-of line");
    for (col, header) in HEADERS.iter().enumerate() {
        let col = col as u16;
        match col {
            11 => sheet.merge_range(2, 11, 2, 13, header, &plain).map(|_| ()),
            14 => sheet.merge_range(2, 14, 2, 15, header, &plain).map(|_| ()),
            12 | 13 | 15 => Ok(()),
            _ => sheet.merge_range(2, col, 3, col, header, &plain).map(|_| ()),
        }
        .expect("header");
    }
    for (col, sub) in [
        (11, "协议类型"),
        (12, "签约时间"),
        (13, "合同投资额"),
        (14, "本年到位"),
        (15, "累计到位"),
    ] {
        sheet.write_string(3, col, sub).expect("sub-header");
    }

    let day = |n: usize, salt: u64, from: NaiveDate, span: u64| {
        let span = span.max(1);
        from + chrono::Days::new(pick(n, salt) % span)
    };
    for n in 0..rows {
        let r = 4 + n as u32;
        let (team, cluster) = TEAMS[(pick(n, 1) % TEAMS.len() as u64) as usize];
        let investor_no = n / 2;
        let place = PLACES[investor_no % PLACES.len()];
        let product = PRODUCTS[(pick(n, 2) % PRODUCTS.len() as u64) as usize];
        // 线索 5%, 在谈 30%, 签约 25%, 在建 20%, 投产 15%, 达产 5%.
        let stage = match pick(n, 3) % 100 {
            0..5 => 0,
            5..35 => 1,
            35..60 => 2,
            60..80 => 3,
            80..95 => 4,
            _ => 5,
        };
        let stage_word = match stage {
            0 => "线索",
            1 => ["在谈", "洽谈中"][n % 2],
            2 => ["签约", "已签约"][n % 2],
            3 => ["在建", "已开工"][n % 2],
            4 => ["投产", "已投产"][n % 2],
            _ => "达产",
        };
        sheet.write_number(r, 0, (n + 1) as f64).expect("序号");
        if n % 10 != 7 {
            sheet
                .write_string(r, 1, format!("DZ{}{:06}", 2023 + n % 3, n))
                .expect("code");
        }
        sheet
            .write_string(r, 2, format!("{place}测试{investor_no}{product}项目{n}"))
            .expect("name");
        sheet
            .write_string(r, 3, format!("{place}测试{investor_no}有限公司"))
            .expect("investor");
        sheet
            .write_string(r, 4, format!("91500111{investor_no:010}"))
            .expect("credit code");
        sheet.write_string(r, 5, cluster).expect("cluster");
        sheet
            .write_string(r, 6, PARKS[(pick(n, 4) % PARKS.len() as u64) as usize])
            .expect("park");
        sheet.write_string(r, 7, team).expect("team");
        sheet
            .write_string(r, 8, LEADERS[(pick(n, 5) % LEADERS.len() as u64) as usize])
            .expect("leader");
        sheet.write_string(r, 9, stage_word).expect("stage");

        // Milestones in order, all on or before the as-of date.
        let negotiating = day(n, 6, NaiveDate::from_ymd_opt(2023, 1, 1).expect("a date"), 500);
        let signed = day(n, 7, negotiating + chrono::Days::new(30), 120);
        let started = day(n, 8, signed + chrono::Days::new(20), 90);
        let producing = day(n, 9, started + chrono::Days::new(60), 120);
        let effective = day(n, 10, producing + chrono::Days::new(30), 60);
        let style = pick(n, 11);
        if stage >= 1 {
            write_date(sheet, r, 10, negotiating, style, &date_format);
        }
        if stage >= 2 {
            sheet
                .write_string(r, 11, ["正式合同", "框架协议", "投资协议"][n % 3])
                .expect("agreement");
            write_date(sheet, r, 12, signed, style >> 3, &date_format);
            let contracted = 1000.0 + (pick(n, 12) % 90_000) as f64;
            write_amount(sheet, r, 13, contracted, style >> 6);
            let cumulative = ((pick(n, 13) % 1000) as f64 / 1000.0 * contracted * 0.8).round();
            let this_year = (cumulative * 0.4).round();
            write_amount(sheet, r, 14, this_year, style >> 9);
            write_amount(sheet, r, 15, cumulative, style >> 12);
            write_date(sheet, r, 16, signed + chrono::Days::new(60), style >> 15, &date_format);
            write_date(sheet, r, 18, signed + chrono::Days::new(400), style >> 18, &date_format);
            write_amount(sheet, r, 21, contracted * 1.5, style >> 21);
        }
        if stage >= 3 {
            write_date(sheet, r, 17, started, style >> 24, &date_format);
        } else if stage == 2 {
            sheet.write_string(r, 17, ["暂无", "/", "无"][n % 3]).expect("marker");
        }
        if stage >= 4 {
            write_date(sheet, r, 19, producing, style >> 27, &date_format);
        } else if stage == 3 {
            sheet.write_string(r, 19, "/").expect("marker");
        }
        if stage >= 5 {
            write_date(sheet, r, 20, effective, style >> 30, &date_format);
        }
        sheet
            .write_string(r, 22, ["正在洽谈供地", "已试生产", "按计划推进", "设备安装中"][n % 4])
            .expect("progress");
        if n % 5 == 0 {
            sheet.write_string(r, 23, "市级重点项目").expect("notes");
        }
    }
    workbook.save_to_buffer().expect("save the ledger")
}

/// The peak resident memory since the last [`reset_peak_memory`], in MiB (Linux).
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// Resets the peak to the present resident size (Linux 4.0+; ignored elsewhere).
fn reset_peak_memory() {
    std::fs::write("/proc/self/clear_refs", "5").ok();
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// A fresh, migrated database with the admin user: a SQLite file, or a PostgreSQL schema.
struct Fresh {
    db: DatabaseConnection,
    actor: Actor,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Schema(String, String),
}

impl Fresh {
    async fn sqlite_file() -> Self {
        let path = std::env::temp_dir().join(format!("zs_speed_{:016x}.db", rand::random::<u64>()));
        let db = db::connect_and_migrate(&format!("sqlite://{}", path.display()))
            .await
            .expect("a SQLite file database");
        Self::with_admin(db, Cleanup::File(path)).await
    }

    async fn postgres(server: &str) -> Self {
        let schema = format!("zs_speed_{:016x}", rand::random::<u64>());
        let admin = db::connect(server).await.expect("connect to TEST_DATABASE_URL");
        admin
            .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        admin.close().await.ok();
        let separator = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{separator}options=-c%20search_path%3D{schema}");
        let db = db::connect_and_migrate(&url).await.expect("migrate");
        Self::with_admin(db, Cleanup::Schema(server.to_owned(), schema)).await
    }

    async fn with_admin(db: DatabaseConnection, cleanup: Cleanup) -> Self {
        let admin = users::bootstrap_admin(&db).await.expect("admin");
        let actor = Actor {
            user_id: admin.id,
            username: admin.username,
            role: admin.role,
            team_id: admin.team_id,
        };
        Self { db, actor, cleanup }
    }

    async fn import(&self, bytes: &[u8]) -> (Duration, zhaoshang::service::import::ImportReport) {
        let started = Instant::now();
        let report = import_ledger(
            &self.db,
            bytes.to_vec(),
            ImportOptions::new("speed.xlsx"),
            &self.actor,
            None,
        )
        .await
        .expect("import");
        let took = started.elapsed();
        assert_eq!(report.status, ImportStatus::Imported, "{}", report.message);
        (took, report)
    }

    async fn drop_all(self) {
        self.db.close().await.ok();
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
                }
            }
            Cleanup::Schema(server, schema) => {
                let admin = db::connect(&server).await.expect("connect");
                admin
                    .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .await
                    .ok();
                admin.close().await.ok();
            }
        }
    }
}

/// One backend's first imports (each into a fresh database) and re-imports.
async fn measure(label: &str, postgres: Option<&str>, bytes: &[u8], rows: usize, runs: usize) -> (Duration, Duration) {
    let mut firsts = Vec::new();
    let mut agains = Vec::new();
    let mut first_peak = 0;
    let mut again_peak = 0;
    for _ in 0..runs {
        let fresh = match postgres {
            Some(server) => Fresh::postgres(server).await,
            None => Fresh::sqlite_file().await,
        };
        reset_peak_memory();
        let (took, report) = fresh.import(bytes).await;
        first_peak = first_peak.max(peak_memory_mib().unwrap_or(0));
        assert_eq!(report.created as usize, rows);
        firsts.push(took);
        reset_peak_memory();
        let (took, report) = fresh.import(bytes).await;
        again_peak = again_peak.max(peak_memory_mib().unwrap_or(0));
        assert_eq!(report.unchanged as usize, rows, "{:?}", &report.changes.first());
        agains.push(took);
        fresh.drop_all().await;
    }
    println!(
        "{label}: first import {firsts:.2?} (peak {first_peak} MiB); re-import {agains:.2?} (peak {again_peak} MiB)"
    );
    (median(firsts), median(agains))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run it in release mode"]
async fn import_speed() {
    use calamine::{Reader, Xlsx};
    if std::env::var("RUST_LOG").is_ok() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .try_init()
            .ok();
    }
    let env = |name: &str, default: usize| std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default);
    let rows = env("IMPORT_SPEED_ROWS", 100_000);
    let runs = env("IMPORT_SPEED_RUNS", 3).max(1);
    let bytes = realistic_ledger(rows);

    let (sqlite_first, sqlite_again) = measure("SQLite file", None, &bytes, rows, runs).await;
    let postgres = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"));
    let pg = match &postgres {
        Some(server) => Some(measure("PostgreSQL", Some(server), &bytes, rows, runs).await),
        None => None,
    };

    let mut readers = Vec::new();
    reset_peak_memory();
    for _ in 0..runs {
        let started = Instant::now();
        let ledger = zhaoshang::excel::ledger::read_ledger(&bytes, &Default::default()).expect("read");
        readers.push(started.elapsed());
        assert_eq!(ledger.rows.len(), rows);
    }
    let reader_peak = peak_memory_mib().unwrap_or(0);
    let mut baselines = Vec::new();
    reset_peak_memory();
    for _ in 0..runs {
        let started = Instant::now();
        let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.as_slice())).expect("open");
        let range = workbook.worksheet_range("项目台账").expect("range");
        baselines.push(started.elapsed());
        assert_eq!(range.height(), rows + 4);
    }
    let baseline_peak = peak_memory_mib().unwrap_or(0);
    let baseline = median(baselines.clone());
    let ratio = |d: Duration| d.as_secs_f64() / baseline.as_secs_f64();
    println!(
        "{rows} rows, {} bytes; calamine Range {baselines:.2?} (peak {baseline_peak} MiB); \
         ledger reader {readers:.2?} (peak {reader_peak} MiB)",
        bytes.len()
    );
    println!("baseline (median): {baseline:.2?}");
    println!(
        "SQLite first import {sqlite_first:.2?} ({:.2}×); re-import {sqlite_again:.2?} ({:.2}×)",
        ratio(sqlite_first),
        ratio(sqlite_again)
    );
    if let Some((first, again)) = pg {
        println!(
            "PostgreSQL first import {first:.2?} ({:.2}×); re-import {again:.2?} ({:.2}×)",
            ratio(first),
            ratio(again)
        );
    }
}
