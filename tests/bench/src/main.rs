//! `zhaoshang-bench`: the benchmark the project ships; its targets, method and latest results
//! are in `tests/bench/README.md`. It generates its data from fixed seeds, runs every case in
//! a fresh child process (this binary again, with a hidden subcommand) so that each reports
//! its own peak memory, alternates each case's runs with its baseline's runs, and prints the
//! medians, the ratio to the baseline and whether the target is met, as a table and as JSON.
//!
//! ```text
//! cargo run --release -p zhaoshang-bench -- [--scale N] [--runs N] [--postgres URL] [--json FILE] [--only CASE]
//! ```

// The app's endpoint type (the API, the console and their middleware) nests deeper than the
// compiler's default limit allows inside the cases' futures.
#![recursion_limit = "256"]

mod cases;
mod kpi_sql;
mod ledger;
mod load;
mod memory;
mod plan;
mod results;
mod seed;
mod writes;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// The service's allocator (see `src/main.rs`), so that the cases run as the service does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The zhaoshang benchmark: import, export, report, KPIs and HTTP reads, each against a
/// baseline measured in the same run.
#[derive(Debug, Parser)]
#[command(name = "zhaoshang-bench")]
struct Cli {
    /// Size factor: 1 is a 100,000-row ledger (and 100,000 projects for export, report and
    /// HTTP) and 1,000,000 projects with 3,000,000 payments for the KPIs.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Runs of each case and of each baseline; the table shows medians.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The PostgreSQL server for the PostgreSQL cases (each run gets a schema of its own;
    /// the KPI data stays in a schema named `zs_bench_kpi_…` for later runs). Without
    /// `sslmode=disable` sqlx encrypts even a loopback connection when the server offers TLS
    /// (Debian's does), which added 2 s to the 100,000-row import.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")]
    postgres: String,
    /// Where to write the results as JSON; default `<target dir>/bench/results.json`.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Only these cases (repeat or separate with commas): import-sqlite, import-postgres,
    /// reimport-sqlite, import-changed-sqlite, export-ledger, report, kpis-sqlite,
    /// kpis-postgres, http-project, http-projects-filtered.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Seconds of load per HTTP run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent keep-alive clients of the HTTP cases.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Generate the cached data (ledgers, KPI databases) again instead of reusing it.
    #[arg(long)]
    regenerate: bool,

    #[command(subcommand)]
    child: Option<ChildCommand>,
}

#[derive(Debug, Subcommand)]
enum ChildCommand {
    /// Runs one measurement (a JSON job) and prints its result; used by the benchmark itself.
    #[command(hide = true)]
    Measure { job: String },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(ChildCommand::Measure { job }) = cli.child {
        let job: cases::Job = serde_json::from_str(&job)?;
        // `RUST_LOG=zhaoshang=debug` shows the phases of what a child measures (run it alone:
        // its stderr is only printed when it fails).
        if std::env::var_os("RUST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_writer(std::io::stderr)
                .init();
        }
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        let measured = runtime.block_on(cases::run(job))?;
        println!("{}{}", plan::RESULT_PREFIX, serde_json::to_string(&measured)?);
        return Ok(());
    }
    let settings = plan::Settings {
        scale: cli.scale,
        runs: cli.runs.max(1),
        postgres: cli.postgres,
        json: cli.json,
        only: cli.only,
        seconds: cli.seconds,
        clients: cli.clients,
        regenerate: cli.regenerate,
    };
    let all_met = plan::run(settings)?;
    if !all_met {
        std::process::exit(1);
    }
    Ok(())
}
