//! What one child process measures: a [`Job`] in, a [`Measured`] out. Each job prepares what
//! it needs (a fresh database, a token, a file), resets the peak-memory mark, times exactly
//! the operation the table names, then checks that the operation did what it should (every
//! row imported, every figure read) so a fast wrong answer cannot pass.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use calamine::{Data, Reader, Xlsx, open_workbook};
use poem::Endpoint;
use rust_xlsxwriter::{Format, Workbook};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde::{Deserialize, Serialize};
use zhaoshang::excel::export::{HeaderLanguage, LedgerHeading};
use zhaoshang::service::bulletin::{BulletinKind, BulletinParams, bulletin};
use zhaoshang::service::duplicates::{DuplicateParams, find_duplicates};
use zhaoshang::service::import::{ImportOptions, ImportStatus, import_ledger};
use zhaoshang::service::projects::ProjectFilter;
use zhaoshang::service::report::{ReportParams, kpi_report};
use zhaoshang::service::{Actor, PageRequest, auth, export, users};
use zhaoshang::{AppState, app, db};

use crate::kpi_sql::{self, Figures, TeamFigures};
use crate::ledger;
use crate::load::{self, Endpoint as LoadEndpoint};
use crate::{memory, writes};

/// One measurement, run in a fresh process.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "job", rename_all = "snake_case")]
pub enum Job {
    /// calamine alone: open the ledger and read its sheet into a `Range`.
    Calamine { ledger: PathBuf },
    /// The import, end to end, into a fresh SQLite database at `database`.
    ImportSqlite {
        ledger: PathBuf,
        database: PathBuf,
        projects: usize,
    },
    /// The import, end to end, into a fresh schema of the PostgreSQL server at `server`.
    ImportPostgres {
        ledger: PathBuf,
        server: String,
        projects: usize,
    },
    /// The same ledger again into a copy of `template`, where it was imported before.
    Reimport {
        ledger: PathBuf,
        template: PathBuf,
        database: PathBuf,
        projects: usize,
    },
    /// Next month's ledger into a copy of `template`, where the first was imported: it must
    /// make exactly `changes`.
    ImportChanged {
        ledger: PathBuf,
        template: PathBuf,
        database: PathBuf,
        projects: usize,
        changes: ledger::Changes,
    },
    /// The ledger export of every project of a copy of `template`; the workbook is saved to
    /// `output` (after the clock stops) for the writer baseline.
    Export {
        template: PathBuf,
        database: PathBuf,
        output: PathBuf,
        projects: usize,
    },
    /// The leadership report over a copy of `template`, saved to `output` likewise.
    Report {
        template: PathBuf,
        database: PathBuf,
        output: PathBuf,
    },
    /// The monthly bulletin (月通报) of the as-of date's month over a copy of `template`, as
    /// the server writes it; the document is saved to `output` after the clock stops.
    Bulletin {
        template: PathBuf,
        database: PathBuf,
        output: PathBuf,
    },
    /// The duplicate candidates among every project of a copy of `template`, as the server
    /// finds them (`GET /api/v1/projects/duplicates`, on the reader pool).
    Duplicates { template: PathBuf, database: PathBuf },
    /// Every project of a copy of `template` read whole, on the reader pool: the read the
    /// candidates' search cannot do without.
    ReadProjects { template: PathBuf, database: PathBuf },
    /// rust_xlsxwriter alone writing every cell of `workbook` (read beforehand) into
    /// constant-memory worksheets.
    WriteCells { workbook: PathBuf },
    /// `GET /api/v1/kpis` grouped by team, through the real application in process.
    KpiApi { url: String },
    /// The hand-written queries, one per rate.
    KpiSql { url: String },
    /// A load of `clients` keep-alive connections for `seconds` against the release server
    /// serving a copy of `template`.
    Http {
        server_bin: PathBuf,
        template: PathBuf,
        database: PathBuf,
        endpoint: LoadEndpoint,
        seconds: u64,
        clients: usize,
        projects: usize,
    },
    /// `clients` keep-alive connections adding follow-ups to the release server serving a copy
    /// of `template` while `ledger` is imported through the API (without one, for a fixed time).
    WritesDuringImport {
        server_bin: PathBuf,
        template: PathBuf,
        database: PathBuf,
        ledger: Option<PathBuf>,
        clients: usize,
        projects: usize,
    },
}

/// What a job measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measured {
    /// Wall time of the measured operation.
    pub seconds: f64,
    /// Peak resident memory of the process doing the work (for HTTP: the server), MiB.
    pub peak_mib: f64,
    /// What the job found (counts, figures, throughput).
    #[serde(default)]
    pub detail: serde_json::Value,
}

/// Runs a job in this process.
pub async fn run(job: Job) -> anyhow::Result<Measured> {
    match job {
        Job::Calamine { ledger } => calamine_alone(&ledger),
        Job::ImportSqlite {
            ledger,
            database,
            projects,
        } => {
            remove_sqlite(&database)?;
            let db = db::connect_and_migrate(&sqlite_url(&database)).await?;
            let actor = admin(&db, true).await?;
            let measured = import(&db, &ledger, &actor, projects, Expect::AllNew).await?;
            db.close().await?;
            Ok(measured)
        }
        Job::ImportPostgres {
            ledger,
            server,
            projects,
        } => {
            let schema = format!("zs_bench_import_{:08x}", rand::random::<u32>());
            let (db, url) = postgres_schema(&server, &schema).await?;
            drop(url);
            let result = async {
                let actor = admin(&db, true).await?;
                import(&db, &ledger, &actor, projects, Expect::AllNew).await
            }
            .await;
            db.close().await?;
            drop_schema(&server, &schema).await?;
            result
        }
        Job::Reimport {
            ledger,
            template,
            database,
            projects,
        } => {
            copy_sqlite(&template, &database)?;
            let db = db::connect_and_migrate(&sqlite_url(&database)).await?;
            let actor = admin(&db, false).await?;
            let measured = import(&db, &ledger, &actor, projects, Expect::AllUnchanged).await?;
            db.close().await?;
            Ok(measured)
        }
        Job::ImportChanged {
            ledger,
            template,
            database,
            projects,
            changes,
        } => {
            ensure!(
                changes.rows > 0,
                "next month's ledger changes no project: nothing to measure"
            );
            copy_sqlite(&template, &database)?;
            let db = db::connect_and_migrate(&sqlite_url(&database)).await?;
            let actor = admin(&db, false).await?;
            let measured = import(&db, &ledger, &actor, projects, Expect::Changed(changes)).await?;
            db.close().await?;
            Ok(measured)
        }
        Job::Export {
            template,
            database,
            output,
            projects,
        } => {
            copy_sqlite(&template, &database)?;
            let db = db::connect_and_migrate(&sqlite_url(&database)).await?;
            let actor = admin(&db, false).await?;
            let heading = LedgerHeading {
                title: "大足区招商引资项目台账".into(),
                reporting_unit: "区投资促进中心".into(),
                as_of: ledger::as_of(),
                language: HeaderLanguage::Chinese,
            };
            memory::reset_peak();
            let started = Instant::now();
            let bytes = export::ledger(&db, &actor, &ProjectFilter::default(), &heading)
                .await?
                .bytes;
            let seconds = started.elapsed().as_secs_f64();
            let peak_mib = memory::peak_mib(None)?;
            db.close().await?;
            let rows = count_rows(&bytes)?;
            ensure!(
                rows == projects + 3,
                "the export has {rows} rows, expected {projects} projects under 3 heading rows"
            );
            std::fs::write(&output, &bytes)?;
            Ok(Measured {
                seconds,
                peak_mib,
                detail: serde_json::json!({ "bytes": bytes.len(), "projects": projects }),
            })
        }
        Job::Report {
            template,
            database,
            output,
        } => {
            copy_sqlite(&template, &database)?;
            let db = db::connect_and_migrate(&sqlite_url(&database)).await?;
            let actor = admin(&db, false).await?;
            let as_of = ledger::as_of();
            let params = ReportParams {
                from: chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date"),
                to: as_of,
                as_of: Some(as_of),
                scope: Default::default(),
            };
            // As the server runs it: on the reader pool.
            let reader = db::connect_reader(&sqlite_url(&database), &db).await?;
            memory::reset_peak();
            let started = Instant::now();
            let bytes = kpi_report(&reader, &actor, params).await?.1.bytes;
            let seconds = started.elapsed().as_secs_f64();
            let peak_mib = memory::peak_mib(None)?;
            db.close().await?;
            std::fs::write(&output, &bytes)?;
            Ok(Measured {
                seconds,
                peak_mib,
                detail: serde_json::json!({ "bytes": bytes.len() }),
            })
        }
        Job::Bulletin {
            template,
            database,
            output,
        } => {
            copy_sqlite(&template, &database)?;
            let db = db::connect_and_migrate(&sqlite_url(&database)).await?;
            let actor = admin(&db, false).await?;
            let as_of = ledger::as_of();
            let params = BulletinParams {
                kind: BulletinKind::Monthly,
                period: Some(as_of.format("%Y-%m").to_string()),
                as_of: Some(as_of),
            };
            // As the server runs it: on the reader pool.
            let reader = db::connect_reader(&sqlite_url(&database), &db).await?;
            memory::reset_peak();
            let started = Instant::now();
            let written = bulletin(&reader, &actor, &params).await?;
            let seconds = started.elapsed().as_secs_f64();
            let peak_mib = memory::peak_mib(None)?;
            db.close().await?;
            // A bulletin that states nothing cannot pass: the period's figures and the league.
            let current = written.figures.current.context("the bulletin states no figures")?;
            ensure!(
                !written.figures.league.is_empty() && current.sign_rate.denominator > 0,
                "the bulletin ranks no team or counts no project in negotiation"
            );
            std::fs::write(&output, &written.document)?;
            Ok(Measured {
                seconds,
                peak_mib,
                detail: serde_json::json!({
                    "bytes": written.document.len(),
                    "projects_signed": current.projects_signed,
                    "warnings": written.figures.warnings.len(),
                }),
            })
        }
        Job::Duplicates { template, database } => {
            copy_sqlite(&template, &database)?;
            let db = db::connect_and_migrate(&sqlite_url(&database)).await?;
            let actor = admin(&db, false).await?;
            let reader = db::connect_reader(&sqlite_url(&database), &db).await?;
            let params = DuplicateParams {
                team_id: None,
                include_phases: false,
                paging: PageRequest { page: 1, per_page: 200 },
            };
            memory::reset_peak();
            let started = Instant::now();
            let found = find_duplicates(&reader, &actor, &params).await?;
            let seconds = started.elapsed().as_secs_f64();
            let peak_mib = memory::peak_mib(None)?;
            db.close().await?;
            Ok(Measured {
                seconds,
                peak_mib,
                detail: serde_json::json!({
                    "pairs": found.total,
                    "groups_left_out": found.groups_left_out,
                }),
            })
        }
        Job::ReadProjects { template, database } => {
            copy_sqlite(&template, &database)?;
            let db = db::connect_and_migrate(&sqlite_url(&database)).await?;
            let reader = db::connect_reader(&sqlite_url(&database), &db).await?;
            memory::reset_peak();
            let started = Instant::now();
            let projects = entity::project::Entity::find().all(&reader).await?;
            let seconds = started.elapsed().as_secs_f64();
            let peak_mib = memory::peak_mib(None)?;
            db.close().await?;
            ensure!(!projects.is_empty(), "the database holds no project");
            Ok(Measured {
                seconds,
                peak_mib,
                detail: serde_json::json!({ "projects": projects.len() }),
            })
        }
        Job::WriteCells { workbook } => write_cells(&workbook),
        Job::KpiApi { url } => kpi_api(&url).await,
        Job::KpiSql { url } => {
            let db = db::connect(&url).await?;
            memory::reset_peak();
            let started = Instant::now();
            let figures = kpi_sql::figures(&db).await?;
            let seconds = started.elapsed().as_secs_f64();
            let peak_mib = memory::peak_mib(None)?;
            db.close().await?;
            Ok(Measured {
                seconds,
                peak_mib,
                detail: serde_json::to_value(figures)?,
            })
        }
        Job::Http {
            server_bin,
            template,
            database,
            endpoint,
            seconds,
            clients,
            projects,
        } => {
            copy_sqlite(&template, &database)?;
            let url = sqlite_url(&database);
            let token = benchmark_token(&url).await?;
            load::measure(&server_bin, &url, &token, endpoint, seconds, clients, projects).await
        }
        Job::WritesDuringImport {
            server_bin,
            template,
            database,
            ledger,
            clients,
            projects,
        } => {
            copy_sqlite(&template, &database)?;
            let url = sqlite_url(&database);
            let token = benchmark_token(&url).await?;
            writes::measure(&server_bin, &url, &token, ledger.as_deref(), clients, projects).await
        }
    }
}

/// A token of the administrator of the database at `url`, for the server's clients.
async fn benchmark_token(url: &str) -> anyhow::Result<String> {
    let db = db::connect_and_migrate(url).await?;
    let admin = users::find_by_username(&db, "admin").await?;
    let (token, _) = auth::issue_token(&db, admin.id, "benchmark", None).await?;
    db.close().await?;
    Ok(token)
}

/// calamine alone: what any import has to do at least.
fn calamine_alone(ledger: &Path) -> anyhow::Result<Measured> {
    memory::reset_peak();
    let started = Instant::now();
    let mut workbook: Xlsx<_> = open_workbook(ledger)?;
    let name = workbook.sheet_names().first().cloned().context("no sheet")?;
    let range = workbook.worksheet_range(&name)?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_mib = memory::peak_mib(None)?;
    let cells = range.used_cells().count();
    Ok(Measured {
        seconds,
        peak_mib,
        detail: serde_json::json!({ "rows": range.height(), "cells": cells }),
    })
}

/// What an import of the benchmark's ledgers must report.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Every project created (the first ledger into a fresh database).
    AllNew,
    /// Every project found and left as it is (the same ledger again).
    AllUnchanged,
    /// Next month's ledger: exactly these rows updated, with these stage moves and payments,
    /// the others unchanged.
    Changed(ledger::Changes),
}

async fn import(
    db: &DatabaseConnection,
    ledger: &Path,
    actor: &Actor,
    projects: usize,
    expect: Expect,
) -> anyhow::Result<Measured> {
    memory::reset_peak();
    let started = Instant::now();
    let bytes = std::fs::read(ledger)?;
    let report = import_ledger(db, bytes, ImportOptions::new("台账.xlsx"), actor, None).await?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_mib = memory::peak_mib(None)?;
    if report.status != ImportStatus::Imported {
        let first: Vec<String> = report
            .errors
            .iter()
            .take(5)
            .map(|e| format!("row {} {}: {} ({})", e.row, e.header, e.message, e.value))
            .collect();
        bail!(
            "the ledger was not imported: {} — {} errors, first: {first:?}",
            report.message,
            report.list_totals().errors
        );
    }
    let (created, updated) = match expect {
        Expect::AllNew => (projects, 0),
        Expect::AllUnchanged => (0, 0),
        Expect::Changed(changes) => (0, changes.rows),
    };
    let unchanged = projects - created - updated;
    ensure!(
        (
            report.created as usize,
            report.updated as usize,
            report.unchanged as usize
        ) == (created, updated, unchanged),
        "expected {created} created, {updated} updated and {unchanged} unchanged, got {} created, {} updated, {} unchanged",
        report.created,
        report.updated,
        report.unchanged
    );
    if let Expect::Changed(changes) = expect {
        ensure!(
            (report.stage_moves as usize, report.payments_added as usize) == (changes.stage_moves, changes.payments),
            "expected {} stage moves and {} payments, got {} and {}",
            changes.stage_moves,
            changes.payments,
            report.stage_moves,
            report.payments_added
        );
    }
    if let Some(w) = report.warnings.first() {
        bail!(
            "the ledger imported with {} warnings, first: row {} {}: {} ({})",
            report.list_totals().warnings,
            w.row,
            w.header,
            w.message,
            w.value
        );
    }
    Ok(Measured {
        seconds,
        peak_mib,
        detail: serde_json::json!({
            "rows_read": report.rows_read,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "stage_moves": report.stage_moves,
            "skipped": report.list_totals().skipped,
            "payments_added": report.payments_added,
            "investors_created": report.investors_created,
        }),
    })
}

/// The number of rows of the first sheet of a workbook.
fn count_rows(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))?;
    let name = workbook.sheet_names().first().cloned().context("no sheet")?;
    Ok(workbook.worksheet_range(&name)?.height())
}

/// One cell to write, read from a workbook.
enum Cell {
    Text(String),
    Number(f64),
    Date(chrono::NaiveDateTime),
    Blank,
}

/// rust_xlsxwriter alone writing the cells of `source` (every sheet, every cell of each
/// sheet's used range, blanks included as the exports write them, numbers and dates with a
/// number format) into constant-memory worksheets.
fn write_cells(source: &Path) -> anyhow::Result<Measured> {
    let mut book: Xlsx<_> = open_workbook(source)?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name)?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let mut rows = Vec::with_capacity(range.height());
        for row in range.rows() {
            rows.push(
                row.iter()
                    .map(|cell| match cell {
                        Data::String(s) => Cell::Text(s.clone()),
                        Data::Float(f) => Cell::Number(*f),
                        Data::Int(i) => Cell::Number(*i as f64),
                        Data::DateTime(dt) => match dt.as_datetime() {
                            Some(dt) => Cell::Date(dt),
                            None => Cell::Number(dt.as_f64()),
                        },
                        Data::Bool(b) => Cell::Text(b.to_string()),
                        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
                        Data::Error(e) => Cell::Text(e.to_string()),
                        Data::Empty => Cell::Blank,
                    })
                    .collect::<Vec<_>>(),
            );
        }
        sheets.push((name, first_row, first_col as u16, rows));
    }
    drop(book);
    memory::reset_peak();
    let started = Instant::now();
    let mut workbook = Workbook::new();
    let text = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);
    let number = text.clone().set_num_format("#,##0.00##");
    let date = text.clone().set_num_format("yyyy-mm-dd");
    let mut cells = 0usize;
    for (name, first_row, first_col, rows) in &sheets {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        for (r, row) in rows.iter().enumerate() {
            let r = first_row + r as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = first_col + c as u16;
                match cell {
                    Cell::Text(s) => sheet.write_string_with_format(r, c, s, &text)?,
                    Cell::Number(n) => sheet.write_number_with_format(r, c, *n, &number)?,
                    Cell::Date(d) => sheet.write_datetime_with_format(r, c, d, &date)?,
                    Cell::Blank => sheet.write_blank(r, c, &text)?,
                };
                cells += 1;
            }
        }
    }
    let bytes = workbook.save_to_buffer()?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_mib = memory::peak_mib(None)?;
    Ok(Measured {
        seconds,
        peak_mib,
        detail: serde_json::json!({ "cells": cells, "sheets": sheets.len(), "bytes": bytes.len() }),
    })
}

/// `GET /api/v1/kpis?…&group_by=team` through the application as the server builds it.
async fn kpi_api(url: &str) -> anyhow::Result<Measured> {
    let db = db::connect_and_migrate(url).await?;
    let admin = users::find_by_username(&db, "admin").await?;
    let (token, _) = auth::issue_token(&db, admin.id, "benchmark", None).await?;
    let endpoint = app(AppState::new(db.clone()));
    let request = poem::Request::builder()
        .uri(kpi_sql::api_path().parse()?)
        .header("Authorization", format!("Bearer {token}"))
        .finish();
    memory::reset_peak();
    let started = Instant::now();
    let response = endpoint.get_response(request).await;
    let status = response.status();
    let body = response.into_body().into_vec().await?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_mib = memory::peak_mib(None)?;
    ensure!(
        status.is_success(),
        "GET {} answered {status}: {}",
        kpi_sql::api_path(),
        String::from_utf8_lossy(&body)
    );
    let report: serde_json::Value = serde_json::from_slice(&body)?;
    let figures = figures_of_report(&report)?;
    db.close().await?;
    Ok(Measured {
        seconds,
        peak_mib,
        detail: serde_json::to_value(figures)?,
    })
}

/// The figures of every team in a KPI report as the API returns it.
fn figures_of_report(report: &serde_json::Value) -> anyhow::Result<Figures> {
    let count = |set: &serde_json::Value, rate: &str| -> anyhow::Result<(i64, i64)> {
        let r = &set[rate];
        Ok((
            r["numerator"].as_i64().context("numerator")?,
            r["denominator"].as_i64().context("denominator")?,
        ))
    };
    let wan = |v: &serde_json::Value| -> anyhow::Result<rust_decimal::Decimal> {
        let text = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
        Ok(text.parse()?)
    };
    let mut figures = Figures::default();
    for group in report["groups"].as_array().context("groups")? {
        let team_id = group["id"].as_i64().context("group id")? as i32;
        let set = &group["kpis"];
        let funds = &set["funds_arrival_rate"];
        figures.teams.insert(
            team_id,
            TeamFigures {
                sign: count(set, "sign_rate")?,
                funds_wan: (wan(&funds["numerator"])?, wan(&funds["denominator"])?),
                production_effectiveness: count(set, "production_effectiveness_rate")?,
                production: count(set, "production_rate")?,
                effectiveness: count(set, "effectiveness_rate")?,
            },
        );
    }
    Ok(figures)
}

/// The admin the work is done as; created on a fresh database.
async fn admin(db: &DatabaseConnection, create: bool) -> anyhow::Result<Actor> {
    let user = if create {
        users::bootstrap_admin(db).await?
    } else {
        users::find_by_username(db, "admin").await?
    };
    Ok(Actor {
        user_id: user.id,
        username: user.username,
        role: user.role,
        team_id: user.team_id,
    })
}

/// The URL of a SQLite database file, created when missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Removes a SQLite database and its WAL files.
pub fn remove_sqlite(path: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", file.display())),
        }
    }
    Ok(())
}

/// A fresh copy of a (closed, checkpointed) SQLite database.
pub fn copy_sqlite(from: &Path, to: &Path) -> anyhow::Result<()> {
    remove_sqlite(to)?;
    std::fs::copy(from, to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    Ok(())
}

/// A new schema on the PostgreSQL server, migrated; the connection's search path is it.
pub async fn postgres_schema(server: &str, schema: &str) -> anyhow::Result<(DatabaseConnection, String)> {
    let admin = db::connect(server).await.context("connecting to PostgreSQL")?;
    admin.execute_unprepared(&format!("CREATE SCHEMA {schema}")).await?;
    admin.close().await?;
    let url = schema_url(server, schema);
    let db = db::connect_and_migrate(&url).await?;
    Ok((db, url))
}

/// The URL of `schema` on the server.
pub fn schema_url(server: &str, schema: &str) -> String {
    let separator = if server.contains('?') { '&' } else { '?' };
    format!("{server}{separator}options=-c%20search_path%3D{schema}")
}

/// Drops a schema and everything in it.
pub async fn drop_schema(server: &str, schema: &str) -> anyhow::Result<()> {
    let admin = db::connect(server).await?;
    admin
        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await?;
    admin.close().await?;
    Ok(())
}
