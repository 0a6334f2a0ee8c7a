//! The results: medians, ratios against the baseline, targets met or not, printed as a table
//! and written as JSON.

use std::path::Path;

use serde::Serialize;

use crate::cases::Measured;
use crate::plan::Settings;

/// What a case must achieve.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// The case's median time at most `max_ratio` times the baseline's, and (where given) its
    /// peak memory under `max_peak_mib`.
    Ratio { max_ratio: f64, max_peak_mib: Option<f64> },
    /// At least `min_share` of the trivial endpoint's throughput, and a 99th percentile
    /// latency under `max_p99_ms`.
    Http { min_share: f64, max_p99_ms: f64 },
    /// No write failed, and the 99th percentile of their latency under `max_p99_ms`.
    Writes { max_p99_ms: f64 },
    /// The case's median time under `max_seconds`, whatever the baseline's (shown beside it).
    Seconds { max_seconds: f64 },
}

impl Target {
    pub fn ratio(max_ratio: f64) -> Self {
        Self::Ratio {
            max_ratio,
            max_peak_mib: None,
        }
    }

    pub fn http() -> Self {
        Self::Http {
            min_share: 0.5,
            max_p99_ms: 20.0,
        }
    }

    pub fn with_memory(self, mib: f64) -> Self {
        match self {
            Self::Ratio { max_ratio, .. } => Self::Ratio {
                max_ratio,
                max_peak_mib: Some(mib),
            },
            other => other,
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Ratio {
                max_ratio,
                max_peak_mib: Some(mib),
            } => format!("≤{max_ratio}×, <{mib:.0} MiB"),
            Self::Ratio { max_ratio, .. } => format!("≤{max_ratio}×"),
            Self::Writes { max_p99_ms } => format!("none fails, p99<{:.0} s", max_p99_ms / 1000.0),
            Self::Seconds { max_seconds } => format!("<{max_seconds} s"),
            Self::Http { min_share, max_p99_ms } => {
                format!(
                    "≤{:.0}× (≥{:.0}% of it), p99<{max_p99_ms:.0} ms",
                    1.0 / min_share,
                    min_share * 100.0
                )
            }
        }
    }
}

/// How a case ended.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Measured {
        runs: Vec<Measured>,
        baseline_runs: Vec<Measured>,
        /// Median of the case (seconds; for HTTP: requests per second).
        median: f64,
        baseline_median: f64,
        /// Case ÷ baseline in time (for HTTP: baseline ÷ case throughput).
        ratio: f64,
        /// The largest peak of the case's runs, MiB.
        peak_mib: f64,
        /// HTTP only: medians of the runs' latency percentiles.
        p50_ms: Option<f64>,
        p99_ms: Option<f64>,
        met: bool,
    },
    Skipped {
        reason: String,
    },
    Failed {
        reason: String,
    },
}

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub case: String,
    pub what: String,
    pub baseline: String,
    pub target: Target,
    pub outcome: Outcome,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn detail(m: &Measured, key: &str) -> f64 {
    m.detail[key].as_f64().unwrap_or(f64::NAN)
}

impl Row {
    pub fn measured(
        case: &str,
        what: String,
        baseline: &str,
        target: Target,
        runs: Vec<Measured>,
        baseline_runs: Vec<Measured>,
    ) -> Self {
        let peak_mib = runs.iter().map(|m| m.peak_mib).fold(0.0, f64::max);
        let outcome = match target {
            Target::Ratio {
                max_ratio,
                max_peak_mib,
            } => {
                let median_s = median(runs.iter().map(|m| m.seconds).collect());
                let baseline_s = median(baseline_runs.iter().map(|m| m.seconds).collect());
                let ratio = median_s / baseline_s;
                Outcome::Measured {
                    median: median_s,
                    baseline_median: baseline_s,
                    ratio,
                    peak_mib,
                    p50_ms: None,
                    p99_ms: None,
                    met: ratio <= max_ratio && max_peak_mib.is_none_or(|limit| peak_mib < limit),
                    runs,
                    baseline_runs,
                }
            }
            Target::Seconds { max_seconds } => {
                let median_s = median(runs.iter().map(|m| m.seconds).collect());
                let baseline_s = median(baseline_runs.iter().map(|m| m.seconds).collect());
                Outcome::Measured {
                    median: median_s,
                    baseline_median: baseline_s,
                    ratio: median_s / baseline_s,
                    peak_mib,
                    p50_ms: None,
                    p99_ms: None,
                    met: median_s < max_seconds,
                    runs,
                    baseline_runs,
                }
            }
            Target::Http { min_share, max_p99_ms } => {
                let rps = median(runs.iter().map(|m| detail(m, "requests_per_second")).collect());
                let baseline_rps = median(baseline_runs.iter().map(|m| detail(m, "requests_per_second")).collect());
                let p50 = median(runs.iter().map(|m| detail(m, "p50_ms")).collect());
                let p99 = median(runs.iter().map(|m| detail(m, "p99_ms")).collect());
                let ratio = baseline_rps / rps;
                Outcome::Measured {
                    median: rps,
                    baseline_median: baseline_rps,
                    ratio,
                    peak_mib,
                    p50_ms: Some(p50),
                    p99_ms: Some(p99),
                    met: rps >= min_share * baseline_rps && p99 < max_p99_ms,
                    runs,
                    baseline_runs,
                }
            }
            Target::Writes { max_p99_ms } => {
                let p50 = median(runs.iter().map(|m| detail(m, "p50_ms")).collect());
                let p99 = median(runs.iter().map(|m| detail(m, "p99_ms")).collect());
                let baseline_p99 = median(baseline_runs.iter().map(|m| detail(m, "p99_ms")).collect());
                let failed: f64 = runs.iter().map(|m| detail(m, "failed")).sum();
                // The worst run's p99 decides: one run with a long stall is a miss.
                let worst = runs.iter().map(|m| detail(m, "p99_ms")).fold(0.0, f64::max);
                Outcome::Measured {
                    median: median(runs.iter().map(|m| m.seconds).collect()),
                    baseline_median: baseline_p99 / 1000.0,
                    ratio: p99 / baseline_p99,
                    peak_mib,
                    p50_ms: Some(p50),
                    p99_ms: Some(p99),
                    met: failed == 0.0 && worst < max_p99_ms,
                    runs,
                    baseline_runs,
                }
            }
        };
        Self {
            case: case.into(),
            what,
            baseline: baseline.into(),
            target,
            outcome,
        }
    }

    pub fn skipped(case: &str, what: String, baseline: &str, target: Target, why: &str) -> Self {
        Self {
            case: case.into(),
            what,
            baseline: baseline.into(),
            target,
            outcome: Outcome::Skipped { reason: why.into() },
        }
    }

    pub fn failed(case: &str, what: String, baseline: &str, target: Target, why: String) -> Self {
        Self {
            case: case.into(),
            what,
            baseline: baseline.into(),
            target,
            outcome: Outcome::Failed { reason: why },
        }
    }

    /// The table's cells: case, median, baseline, ratio, target, met?, peak.
    fn cells(&self) -> [String; 7] {
        let target = self.target.describe();
        match &self.outcome {
            Outcome::Measured {
                median,
                baseline_median,
                ratio,
                peak_mib,
                p50_ms,
                p99_ms,
                met,
                ..
            } => {
                let (case, base) = match (p50_ms, p99_ms) {
                    (Some(p50), Some(p99)) if matches!(self.target, Target::Writes { .. }) => (
                        format!(
                            "import {median:.1} s; writes p50 {p50:.0} ms, p99 {p99:.0} ms, {} failed",
                            self.failed_writes()
                        ),
                        format!("p99 {:.0} ms", baseline_median * 1000.0),
                    ),
                    (Some(p50), Some(p99)) => (
                        format!("{median:.0} req/s, p50 {p50:.1} ms, p99 {p99:.1} ms"),
                        format!("{baseline_median:.0} req/s"),
                    ),
                    _ => (seconds(*median), seconds(*baseline_median)),
                };
                [
                    self.case.clone(),
                    case,
                    base,
                    format!("{ratio:.2}×"),
                    target,
                    if *met { "yes" } else { "NO" }.into(),
                    format!("{peak_mib:.0}"),
                ]
            }
            Outcome::Skipped { reason } => [
                self.case.clone(),
                short(reason),
                String::new(),
                String::new(),
                target,
                "skipped".into(),
                String::new(),
            ],
            Outcome::Failed { reason } => [
                self.case.clone(),
                format!("FAILED: {}", short(reason)),
                String::new(),
                String::new(),
                target,
                "NO".into(),
                String::new(),
            ],
        }
    }
}

impl Row {
    /// Writes that failed over every run of a writes case.
    fn failed_writes(&self) -> f64 {
        match &self.outcome {
            Outcome::Measured { runs, .. } => runs.iter().map(|m| detail(m, "failed")).sum(),
            _ => 0.0,
        }
    }
}

/// A reason on one line, cut to fit a table cell (the JSON has all of it).
fn short(reason: &str) -> String {
    let line = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(160) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// One measurement in a few words, for the progress lines.
pub fn brief(m: &Measured) -> String {
    if let Some(writes) = m.detail.get("writes").and_then(|v| v.as_f64()) {
        return format!(
            "{}: {writes:.0} writes, {} failed, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms, {:.0} MiB",
            seconds(m.seconds),
            detail(m, "failed"),
            detail(m, "p50_ms"),
            detail(m, "p99_ms"),
            detail(m, "max_ms"),
            m.peak_mib
        );
    }
    match m.detail.get("requests_per_second").and_then(|v| v.as_f64()) {
        Some(rps) => format!(
            "{rps:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {:.0} MiB",
            detail(m, "p50_ms"),
            detail(m, "p99_ms"),
            m.peak_mib
        ),
        None => format!("{}, {:.0} MiB", seconds(m.seconds), m.peak_mib),
    }
}

pub fn print_progress(row: &Row) {
    let [_, case, base, ratio, target, met, _] = row.cells();
    match &row.outcome {
        Outcome::Measured { .. } => println!("  median {case} | baseline {base} | {ratio} (target {target}): {met}"),
        _ => println!("  {case}"),
    }
}

/// The table as Markdown (what the README shows).
pub fn table(rows: &[Row]) -> String {
    let header = ["case", "median", "baseline", "ratio", "target", "met?", "peak MiB"];
    let mut out = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(header.len()));
    for row in rows {
        out += &format!("| {} |\n", row.cells().join(" | "));
    }
    out
}

#[derive(Serialize)]
struct Report<'a> {
    scale: f64,
    runs: usize,
    machine: Machine,
    rows: &'a [Row],
}

#[derive(Serialize)]
struct Machine {
    cpus: usize,
    started: String,
}

/// Prints the table and the rows' descriptions, and writes the JSON.
pub fn finish(rows: &[Row], json: &Path, settings: &Settings) -> anyhow::Result<()> {
    println!("\n{}", table(rows));
    for row in rows {
        println!("- {}: {} — baseline: {}", row.case, row.what, row.baseline);
    }
    let report = Report {
        scale: settings.scale,
        runs: settings.runs,
        machine: Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            started: chrono::Utc::now().to_rfc3339(),
        },
        rows,
    };
    if let Some(dir) = json.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(json, serde_json::to_string_pretty(&report)?)?;
    println!("\nresults written to {}", json.display());
    Ok(())
}
