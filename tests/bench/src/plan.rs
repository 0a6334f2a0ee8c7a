//! The benchmark run: prepares the data (cached under `<target dir>/bench/data`), runs each
//! case and its baseline alternately in child processes, and hands the measurements to
//! [`crate::results`].

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::cases::{self, Job, Measured};
use crate::kpi_sql::Figures;
use crate::load::Endpoint;
use crate::results::{self, Outcome, Row, Target};
use crate::{ledger, seed};

/// What a child prints before its result.
pub const RESULT_PREFIX: &str = "BENCH-RESULT ";

/// The command line's choices.
pub struct Settings {
    pub scale: f64,
    pub runs: usize,
    pub postgres: String,
    pub json: Option<PathBuf>,
    pub only: Vec<String>,
    pub seconds: u64,
    pub clients: usize,
    pub regenerate: bool,
}

/// The cases, in the order they run and print.
pub const CASES: [&str; 13] = [
    "import-sqlite",
    "import-postgres",
    "reimport-sqlite",
    "import-changed-sqlite",
    "export-ledger",
    "report",
    "bulletin",
    "duplicates",
    "kpis-sqlite",
    "kpis-postgres",
    "http-project",
    "http-projects-filtered",
    "writes-during-import",
];

struct Dirs {
    data: PathBuf,
    work: PathBuf,
    bench: PathBuf,
    bin: PathBuf,
}

/// Runs the benchmark; returns whether every case ran and checked out (targets aside).
pub fn run(settings: Settings) -> anyhow::Result<bool> {
    for name in &settings.only {
        if !CASES.contains(&name.as_str()) {
            bail!("unknown case `{name}`; the cases are {}", CASES.join(", "));
        }
    }
    let wanted = |name: &str| settings.only.is_empty() || settings.only.iter().any(|o| o == name);
    let exe = std::env::current_exe()?;
    let bin = exe.parent().context("the executable's directory")?.to_path_buf();
    let target = bin.parent().context("the target directory")?.to_path_buf();
    let bench = target.join("bench");
    let dirs = Dirs {
        data: bench.join("data"),
        work: bench.join("work"),
        bench,
        bin,
    };
    std::fs::create_dir_all(&dirs.data)?;
    std::fs::create_dir_all(&dirs.work)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    let ledger_rows = ((100_000.0 * settings.scale).round() as usize).max(10);
    let kpi_projects = ((1_000_000.0 * settings.scale).round() as usize).max(100);
    let kpi_payments = kpi_projects * 3;
    println!(
        "zhaoshang benchmark: scale {} — a {ledger_rows}-row ledger; {kpi_projects} projects and {kpi_payments} payments for the KPIs; {} runs each",
        settings.scale, settings.runs
    );

    let needs_ledger = CASES.iter().any(|c| wanted(c) && !c.starts_with("kpis"));
    let ledger_path = dirs
        .data
        .join(format!("ledger-{ledger_rows}-v{}.xlsx", ledger::GENERATOR_VERSION));
    let reference = || {
        runtime.block_on(async {
            let db = zhaoshang::db::connect_and_migrate("sqlite::memory:").await?;
            ledger::Reference::load(&db).await
        })
    };
    if needs_ledger && (settings.regenerate || !ledger_path.exists()) {
        step(&format!("generating the ledger ({ledger_rows} projects)"));
        let partial = ledger_path.with_extension("partial.xlsx");
        let stats = ledger::write_ledger(&partial, ledger_rows, &reference()?)?;
        std::fs::rename(&partial, &ledger_path)?;
        print_ledger(&ledger_path, stats)?;
    }
    // Next month's ledger, and what it changes (kept beside it as JSON).
    let changed_path = dirs.data.join(format!(
        "ledger-{ledger_rows}-changed-v{}.xlsx",
        ledger::GENERATOR_VERSION
    ));
    let changes_path = changed_path.with_extension("json");
    let changes = if wanted("import-changed-sqlite") || wanted("writes-during-import") {
        let cached = (!settings.regenerate && changed_path.exists())
            .then(|| std::fs::read_to_string(&changes_path).ok())
            .flatten()
            .and_then(|json| serde_json::from_str::<ledger::Changes>(&json).ok());
        match cached {
            Some(changes) => changes,
            None => {
                step(&format!("generating next month's ledger ({ledger_rows} projects)"));
                let partial = changed_path.with_extension("partial.xlsx");
                let (stats, changes) = ledger::write_changed_ledger(&partial, ledger_rows, &reference()?)?;
                std::fs::write(&changes_path, serde_json::to_string(&changes)?)?;
                std::fs::rename(&partial, &changed_path)?;
                print_ledger(&changed_path, stats)?;
                println!("  changes: {changes:?}");
                changes
            }
        }
    } else {
        ledger::Changes::default()
    };

    // The database the ledger was imported into: what re-import, next month's import, export,
    // report and the server start from. Made afresh every run by the import itself (which also
    // proves that the ledger imports cleanly).
    let template = dirs.data.join(format!("imported-{ledger_rows}.sqlite"));
    let needs_template = [
        "reimport-sqlite",
        "import-changed-sqlite",
        "export-ledger",
        "report",
        "bulletin",
        "duplicates",
        "http-project",
        "http-projects-filtered",
        "writes-during-import",
    ]
    .iter()
    .any(|c| wanted(c));
    if needs_template {
        step("importing the ledger once into the template database");
        let m = run_job(&Job::ImportSqlite {
            ledger: ledger_path.clone(),
            database: template.clone(),
            projects: ledger_rows,
        })?;
        println!("  {:.2} s, {:.0} MiB: {}", m.seconds, m.peak_mib, m.detail);
    }

    let postgres_up = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), zhaoshang::db::connect(&settings.postgres))
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r.map_err(anyhow::Error::from))
            .map(drop)
    });
    let postgres_note = postgres_up
        .as_ref()
        .err()
        .map(|e| format!("skipped: PostgreSQL unreachable at {} ({e})", settings.postgres));

    let mut rows = Vec::new();
    let mut all_ok = true;
    let mut record = |row: Row| {
        if matches!(row.outcome, Outcome::Failed { .. }) {
            all_ok = false;
        }
        results::print_progress(&row);
        rows.push(row);
    };
    let runs = settings.runs;
    let work = |name: &str| dirs.work.join(name);

    let calamine = Job::Calamine {
        ledger: ledger_path.clone(),
    };
    if wanted("import-sqlite") {
        step("import-sqlite");
        record(measure_row(
            "import-sqlite",
            format!("import of the {ledger_rows}-row ledger into a fresh SQLite database, end to end"),
            "calamine alone reading the sheet into memory",
            Target::ratio(4.0).with_memory(300.0),
            runs,
            || Job::ImportSqlite {
                ledger: ledger_path.clone(),
                database: work("import.sqlite"),
                projects: ledger_rows,
            },
            || calamine.clone(),
            None,
        ));
    }
    if wanted("import-postgres") {
        step("import-postgres");
        let what = "the same import into PostgreSQL (a fresh schema per run)".to_string();
        let target = Target::ratio(5.0).with_memory(300.0);
        match &postgres_note {
            Some(note) => record(Row::skipped("import-postgres", what, "calamine alone", target, note)),
            None => record(measure_row(
                "import-postgres",
                what,
                "calamine alone reading the sheet into memory",
                target,
                runs,
                || Job::ImportPostgres {
                    ledger: ledger_path.clone(),
                    server: settings.postgres.clone(),
                    projects: ledger_rows,
                },
                || calamine.clone(),
                None,
            )),
        }
    }
    if wanted("reimport-sqlite") {
        step("reimport-sqlite");
        record(measure_row(
            "reimport-sqlite",
            "re-import of the same ledger into SQLite (nothing changes)".into(),
            "calamine alone reading the sheet into memory",
            Target::ratio(2.0).with_memory(300.0),
            runs,
            || Job::Reimport {
                ledger: ledger_path.clone(),
                template: template.clone(),
                database: work("reimport.sqlite"),
                projects: ledger_rows,
            },
            || calamine.clone(),
            None,
        ));
    }
    if wanted("import-changed-sqlite") {
        step("import-changed-sqlite");
        let calamine_changed = Job::Calamine {
            ledger: changed_path.clone(),
        };
        record(measure_row(
            "import-changed-sqlite",
            format!(
                "import of next month's ledger into SQLite ({} of the {ledger_rows} projects change)",
                changes.rows
            ),
            "calamine alone reading next month's ledger into memory",
            Target::ratio(3.0).with_memory(300.0),
            runs,
            || Job::ImportChanged {
                ledger: changed_path.clone(),
                template: template.clone(),
                database: work("import-changed.sqlite"),
                projects: ledger_rows,
                changes,
            },
            || calamine_changed.clone(),
            None,
        ));
    }
    if wanted("export-ledger") {
        step("export-ledger");
        let output = work("export.xlsx");
        record(measure_row(
            "export-ledger",
            format!("export of {ledger_rows} projects as a ledger (SQLite)"),
            "rust_xlsxwriter alone writing the same cells, constant-memory worksheet",
            Target::ratio(1.5).with_memory(300.0),
            runs,
            || Job::Export {
                template: template.clone(),
                database: work("export.sqlite"),
                output: output.clone(),
                projects: ledger_rows,
            },
            || Job::WriteCells {
                workbook: output.clone(),
            },
            None,
        ));
    }
    if wanted("report") {
        step("report");
        let output = work("report.xlsx");
        record(measure_row(
            "report",
            format!("the leadership report over {ledger_rows} projects (SQLite)"),
            "rust_xlsxwriter alone writing the report's cells, constant-memory worksheets",
            Target::ratio(2.0),
            runs,
            || Job::Report {
                template: template.clone(),
                database: work("report.sqlite"),
                output: output.clone(),
            },
            || Job::WriteCells {
                workbook: output.clone(),
            },
            None,
        ));
    }
    if wanted("bulletin") {
        step("bulletin");
        record(measure_row(
            "bulletin",
            format!("the monthly bulletin (月通报, DOCX) over {ledger_rows} projects (SQLite)"),
            "the leadership report over the same database",
            Target::ratio(2.0),
            runs,
            || Job::Bulletin {
                template: template.clone(),
                database: work("bulletin.sqlite"),
                output: work("bulletin.docx"),
            },
            || Job::Report {
                template: template.clone(),
                database: work("bulletin-report.sqlite"),
                output: work("bulletin-report.xlsx"),
            },
            None,
        ));
    }
    if wanted("duplicates") {
        step("duplicates");
        record(measure_row(
            "duplicates",
            format!("the duplicate candidates among {ledger_rows} projects (SQLite)"),
            "every project read whole, same database",
            Target::Seconds { max_seconds: 5.0 },
            runs,
            || Job::Duplicates {
                template: template.clone(),
                database: work("duplicates.sqlite"),
            },
            || Job::ReadProjects {
                template: template.clone(),
                database: work("duplicates-read.sqlite"),
            },
            None,
        ));
    }
    for (name, postgres) in [("kpis-sqlite", false), ("kpis-postgres", true)] {
        if !wanted(name) {
            continue;
        }
        step(name);
        let backend = if postgres { "PostgreSQL" } else { "SQLite" };
        let what = format!(
            "GET /api/v1/kpis grouped by team over {kpi_projects} projects and {kpi_payments} payments ({backend})"
        );
        let baseline = "one hand-written SQL query per rate, same database";
        if postgres && let Some(note) = &postgres_note {
            record(Row::skipped(name, what, baseline, Target::ratio(1.5), note));
            continue;
        }
        let url = match runtime.block_on(kpi_database(&dirs, &settings, postgres, kpi_projects, kpi_payments)) {
            Ok(url) => url,
            Err(e) => {
                record(Row::failed(name, what, baseline, Target::ratio(1.5), format!("{e:#}")));
                continue;
            }
        };
        record(measure_row(
            name,
            what,
            baseline,
            Target::ratio(1.5),
            runs,
            || Job::KpiApi { url: url.clone() },
            || Job::KpiSql { url: url.clone() },
            Some(same_figures),
        ));
    }
    let http_cases = [
        ("http-project", Endpoint::Project, "GET /api/v1/projects/{id}"),
        (
            "http-projects-filtered",
            Endpoint::FilteredList,
            "GET /api/v1/projects?team_id=…&stage=signed&sort=signed_on&per_page=20",
        ),
    ];
    if http_cases.iter().any(|(name, _, _)| wanted(name)) {
        let server_bin = match release_server(&dirs.bin) {
            Ok(bin) => Some(bin),
            Err(e) => {
                for (name, _, what) in http_cases.iter().filter(|(name, _, _)| wanted(name)) {
                    record(Row::failed(
                        name,
                        (*what).into(),
                        "GET /health",
                        Target::http(),
                        format!("{e:#}"),
                    ));
                }
                None
            }
        };
        for (name, endpoint, what) in http_cases {
            let Some(server_bin) = &server_bin else { break };
            if !wanted(name) {
                continue;
            }
            step(name);
            let job = |endpoint| Job::Http {
                server_bin: server_bin.clone(),
                template: template.clone(),
                database: work("serve.sqlite"),
                endpoint,
                seconds: settings.seconds,
                clients: settings.clients,
                projects: ledger_rows,
            };
            record(measure_row(
                name,
                format!(
                    "{what}, {} keep-alive clients for {} s over loopback, release server, {ledger_rows} projects (SQLite)",
                    settings.clients, settings.seconds
                ),
                "GET /health of the same server (one SELECT 1, no token)",
                Target::http(),
                runs,
                || job(endpoint),
                || job(Endpoint::Health),
                None,
            ));
        }
    }

    if wanted("writes-during-import") {
        step("writes-during-import");
        let name = "writes-during-import";
        let what = format!(
            "8 clients adding follow-ups over HTTP while next month's ledger ({ledger_rows} rows, {} changed) is imported through the API, release server (SQLite)",
            changes.rows
        );
        let baseline = "the same writes for 5 s, no import";
        let target = Target::Writes { max_p99_ms: 5000.0 };
        match release_server(&dirs.bin) {
            Err(e) => record(Row::failed(name, what, baseline, target, format!("{e:#}"))),
            Ok(server_bin) => {
                let job = |ledger: Option<PathBuf>| Job::WritesDuringImport {
                    server_bin: server_bin.clone(),
                    template: template.clone(),
                    database: work("writes.sqlite"),
                    ledger,
                    clients: 8,
                    projects: ledger_rows,
                };
                record(measure_row(
                    name,
                    what,
                    baseline,
                    target,
                    runs,
                    || job(Some(changed_path.clone())),
                    || job(None),
                    None,
                ));
            }
        }
    }

    let json = settings.json.clone().unwrap_or_else(|| dirs.bench.join("results.json"));
    results::finish(&rows, &json, &settings)?;
    Ok(all_ok)
}

fn step(what: &str) {
    println!("\n== {what}");
}

/// Prints where a generated ledger is, and its size.
fn print_ledger(path: &Path, stats: ledger::LedgerStats) -> anyhow::Result<()> {
    println!(
        "  {} ({} sheet rows, {:.1} MiB)",
        path.display(),
        stats.sheet_rows,
        std::fs::metadata(path)?.len() as f64 / 1048576.0
    );
    Ok(())
}

/// Checks that the API's KPI figures and the hand-written queries' agree.
fn same_figures(case: &Measured, baseline: &Measured) -> Result<(), String> {
    let parse = |m: &Measured| serde_json::from_value::<Figures>(m.detail.clone()).map_err(|e| e.to_string());
    let (api, sql) = (parse(case)?, parse(baseline)?);
    if api.teams.is_empty() {
        return Err("the API reported no team".into());
    }
    let differences = api.differences(&sql);
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the API and the hand-written SQL disagree on {} teams, e.g. {}",
            differences.len(),
            differences[0]
        ))
    }
}

type Check = fn(&Measured, &Measured) -> Result<(), String>;

/// Runs a case and its baseline `runs` times each, alternating, and checks each pair.
#[allow(clippy::too_many_arguments)]
fn measure_row(
    name: &str,
    what: String,
    baseline_what: &str,
    target: Target,
    runs: usize,
    case: impl Fn() -> Job,
    baseline: impl Fn() -> Job,
    check: Option<Check>,
) -> Row {
    let mut case_runs = Vec::new();
    let mut baseline_runs = Vec::new();
    for run in 1..=runs {
        let m = match run_job(&case()) {
            Ok(m) => m,
            Err(e) => return Row::failed(name, what, baseline_what, target, format!("{e:#}")),
        };
        let b = match run_job(&baseline()) {
            Ok(b) => b,
            Err(e) => return Row::failed(name, what, baseline_what, target, format!("baseline: {e:#}")),
        };
        println!("  run {run}: {} | baseline {}", results::brief(&m), results::brief(&b));
        if let Some(check) = check
            && let Err(problem) = check(&m, &b)
        {
            return Row::failed(name, what, baseline_what, target, problem);
        }
        case_runs.push(m);
        baseline_runs.push(b);
    }
    Row::measured(name, what, baseline_what, target, case_runs, baseline_runs)
}

/// Runs one job in a fresh child process and returns what it measured.
fn run_job(job: &Job) -> anyhow::Result<Measured> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe)
        .arg("measure")
        .arg(serde_json::to_string(job)?)
        .env("RUST_LOG", "warn")
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("the child failed ({}): {}", output.status, stderr.trim());
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        .with_context(|| format!("the child printed no result: {}", stderr.trim()))?;
    Ok(serde_json::from_str(line)?)
}

/// The KPI database (created once and cached): a SQLite file, or a schema on the server.
async fn kpi_database(
    dirs: &Dirs,
    settings: &Settings,
    postgres: bool,
    projects: usize,
    payments: usize,
) -> anyhow::Result<String> {
    let name = format!("kpi_{projects}_v{}", seed::GENERATOR_VERSION);
    if postgres {
        let schema = format!("zs_bench_{name}");
        let url = cases::schema_url(&settings.postgres, &schema);
        if !settings.regenerate && complete(&url, projects, payments).await {
            return Ok(url);
        }
        cases::drop_schema(&settings.postgres, &schema).await?;
        let building = format!("{schema}_partial");
        cases::drop_schema(&settings.postgres, &building).await?;
        println!("  loading {projects} projects and {payments} payments into PostgreSQL schema {schema}");
        let started = std::time::Instant::now();
        let (db, _) = cases::postgres_schema(&settings.postgres, &building).await?;
        zhaoshang::service::users::bootstrap_admin(&db).await?;
        seed::seed(&db, projects, payments).await?;
        db.close().await?;
        let admin = zhaoshang::db::connect(&settings.postgres).await?;
        sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("ALTER SCHEMA {building} RENAME TO {schema}"))
            .await?;
        admin.close().await?;
        println!("  loaded in {:.1} s", started.elapsed().as_secs_f64());
        Ok(url)
    } else {
        let path = dirs.data.join(format!("{name}.sqlite"));
        let url = cases::sqlite_url(&path);
        if !settings.regenerate && path.exists() && complete(&url, projects, payments).await {
            return Ok(url);
        }
        let building = dirs.data.join(format!("{name}.partial.sqlite"));
        cases::remove_sqlite(&building)?;
        println!(
            "  loading {projects} projects and {payments} payments into {}",
            path.display()
        );
        let started = std::time::Instant::now();
        let db = zhaoshang::db::connect_and_migrate(&cases::sqlite_url(&building)).await?;
        zhaoshang::service::users::bootstrap_admin(&db).await?;
        seed::seed(&db, projects, payments).await?;
        db.close().await?;
        cases::remove_sqlite(&path)?;
        std::fs::rename(&building, &path)?;
        println!("  loaded in {:.1} s", started.elapsed().as_secs_f64());
        Ok(url)
    }
}

/// Whether a cached KPI database holds all its rows. It is first brought up to this build's
/// migrations (indexes added since it was loaded), as a database in service would be; one that
/// turns out incomplete is loaded again anyway.
async fn complete(url: &str, projects: usize, payments: usize) -> bool {
    let count = async {
        let db = zhaoshang::db::connect_and_migrate(url).await?;
        let backend = sea_orm::ConnectionTrait::get_database_backend(&db);
        let row = sea_orm::ConnectionTrait::query_one_raw(
            &db,
            sea_orm::Statement::from_string(
                backend,
                "SELECT CAST((SELECT COUNT(*) FROM projects) AS BIGINT) AS p, CAST((SELECT COUNT(*) FROM fundings) AS BIGINT) AS f",
            ),
        )
        .await?
        .context("no row")?;
        let counts = (row.try_get::<i64>("", "p")?, row.try_get::<i64>("", "f")?);
        db.close().await?;
        Ok::<_, anyhow::Error>(counts)
    };
    matches!(count.await, Ok((p, f)) if p == projects as i64 && f == payments as i64)
}

/// The release server binary beside this one, built first when cargo runs the benchmark.
fn release_server(bin_dir: &Path) -> anyhow::Result<PathBuf> {
    if let Ok(cargo) = std::env::var("CARGO") {
        step("building the release server (cargo build --release -p zhaoshang --bin zhaoshang)");
        let profile = bin_dir.file_name().and_then(|n| n.to_str()).unwrap_or("release");
        let mut command = Command::new(cargo);
        command.args(["build", "-p", "zhaoshang", "--bin", "zhaoshang"]);
        if profile == "release" {
            command.arg("--release");
        } else if profile != "debug" {
            command.args(["--profile", profile]);
        }
        let status = command.status()?;
        if !status.success() {
            bail!("building the server failed ({status})");
        }
    }
    let server = bin_dir.join("zhaoshang");
    if !server.exists() {
        bail!(
            "no server binary at {} (run the benchmark with `cargo run --release -p zhaoshang-bench`)",
            server.display()
        );
    }
    Ok(server)
}
