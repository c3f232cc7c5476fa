//! What the run happened on: the machine (from /proc on Linux) and the build, plus an RFC 3339
//! timestamp formatter (a few lines do not justify a date-time dependency).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::{BuildInfo, Machine};

impl Machine {
    /// Reads the current machine. Anything that cannot be read is left `None`; the host name is
    /// left out (see [`Machine::with_hostname`]).
    pub fn detect() -> Machine {
        let cpuinfo = read("/proc/cpuinfo");
        let cores = std::thread::available_parallelism()
            .ok()
            .and_then(|n| u32::try_from(n.get()).ok())
            .or_else(|| cpuinfo.as_deref().and_then(cpu_count));
        Machine {
            os: std::env::consts::OS.to_owned(),
            os_release: read("/etc/os-release").as_deref().and_then(os_pretty_name),
            kernel: read("/proc/sys/kernel/osrelease").map(|s| s.trim().to_owned()),
            arch: std::env::consts::ARCH.to_owned(),
            cpu_model: cpuinfo.as_deref().and_then(cpu_model),
            cpu_cores: cores,
            memory_bytes: read("/proc/meminfo").as_deref().and_then(mem_total),
            hostname: None,
        }
    }

    /// The same machine with its host name filled in (when it can be read).
    pub fn with_hostname(mut self) -> Machine {
        self.hostname = read("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        self
    }
}

impl BuildInfo {
    /// How this crate was compiled (the binary that embeds it was built the same way).
    pub fn current() -> BuildInfo {
        BuildInfo {
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .to_owned(),
            rustc: option_env!("AUTHBENCH_RUSTC_VERSION").map(str::to_owned),
        }
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// `model name` on x86, `Model`/`Hardware`/`CPU part`-less fallbacks on ARM.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    ["model name", "Model", "Hardware", "cpu model", "cpu"]
        .iter()
        .find_map(|key| field(cpuinfo, key))
        .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn cpu_count(cpuinfo: &str) -> Option<u32> {
    let n = cpuinfo
        .lines()
        .filter(|l| l.split(':').next().map(str::trim) == Some("processor"))
        .count();
    u32::try_from(n).ok().filter(|&n| n > 0)
}

/// `MemTotal:  24576000 kB` → bytes.
fn mem_total(meminfo: &str) -> Option<u64> {
    let value = field(meminfo, "MemTotal")?;
    let mut parts = value.split_whitespace();
    let n: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") => n.checked_mul(1024),
        None => Some(n),
        Some(_) => None,
    }
}

fn os_pretty_name(os_release: &str) -> Option<String> {
    os_release.lines().find_map(|l| {
        let v = l.strip_prefix("PRETTY_NAME=")?;
        Some(v.trim().trim_matches('"').to_owned()).filter(|s| !s.is_empty())
    })
}

/// The value of the first `key : value` line whose key is exactly `key`.
fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key)
            .then(|| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// Formats a time as RFC 3339 in UTC with whole seconds: `2025-01-31T12:00:00Z`.
/// Times before 1970 are formatted as the epoch (a report is never made then).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // 0..=365
    let mp = (5 * doy + 2) / 153; // March-based month, 0..=11
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(secs: u64) -> String {
        rfc3339(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z"); // leap day of a /400 year
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(at(1_735_689_600), "2025-01-01T00:00:00Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z"); // 2100 is not a leap year
        assert_eq!(at(1_234_567_890), "2009-02-13T23:31:30Z");
    }

    #[test]
    fn parses_proc_files() {
        let cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC  7B13 64-Core Processor\n\n\
                       processor\t: 1\nmodel name\t: AMD EPYC  7B13 64-Core Processor\n";
        assert_eq!(
            cpu_model(cpuinfo).as_deref(),
            Some("AMD EPYC 7B13 64-Core Processor")
        );
        assert_eq!(cpu_count(cpuinfo), Some(2));
        assert_eq!(
            mem_total("MemTotal:       24576000 kB\nMemFree: 1 kB\n"),
            Some(24_576_000 * 1024)
        );
        assert_eq!(mem_total("MemTotal: lots\n"), None);
        assert_eq!(
            os_pretty_name("NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")
                .as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
    }

    #[test]
    fn detect_fills_what_every_machine_has() {
        let m = Machine::detect();
        assert_eq!(m.os, std::env::consts::OS);
        assert!(!m.arch.is_empty());
        assert!(m.cpu_cores.is_some_and(|n| n > 0));
        assert!(m.hostname.is_none());
    }
}
