//! Peak memory of a process: the high-water mark of its resident set (`VmHWM` in
//! `/proc/PID/status`), which a process can reset for itself once its setup is done so that
//! the mark covers only what is measured.

use std::path::Path;

/// The peak resident set of process `pid` (or of this process), in MiB.
pub fn peak_mib(pid: Option<u32>) -> anyhow::Result<f64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_string(),
    };
    let status = std::fs::read_to_string(&path)?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmHWM in {path}"))?;
    Ok(kib / 1024.0)
}

/// Resets this process's peak to its current resident set (Linux: `5` into `clear_refs`), so
/// that the setup before a measurement does not count. Harmless where unsupported: the peak
/// then includes the setup.
pub fn reset_peak() {
    let clear_refs = Path::new("/proc/self/clear_refs");
    if std::fs::write(clear_refs, "5").is_err() {
        eprintln!("note: cannot reset the peak memory mark; it includes the setup");
    }
}
