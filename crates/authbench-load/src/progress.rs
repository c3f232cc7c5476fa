//! Progress on stderr while a run goes: a bar redrawn in place with the live rate and p99 when
//! stderr is a terminal, a plain line every few seconds otherwise (CI logs), or nothing.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use authbench_core::duration::format_micros;

use crate::engine::Live;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStyle {
    /// A bar redrawn in place (stderr is a terminal).
    Bar,
    /// A plain line every few seconds.
    Lines,
    /// Nothing (tests).
    Quiet,
}

impl ProgressStyle {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn detect() -> ProgressStyle {
        if std::io::stderr().is_terminal() {
            ProgressStyle::Bar
        } else {
            ProgressStyle::Lines
        }
    }

    fn interval(self) -> Duration {
        match self {
            ProgressStyle::Bar => Duration::from_millis(200),
            ProgressStyle::Lines | ProgressStyle::Quiet => Duration::from_secs(2),
        }
    }
}

/// Runs `f` while a ticker thread shows `phase`'s progress from `live`.
pub fn watch<R>(
    style: ProgressStyle,
    phase: &str,
    expected: Duration,
    live: &Live,
    f: impl FnOnce() -> R,
) -> R {
    if style == ProgressStyle::Quiet {
        return f();
    }
    let done = AtomicBool::new(false);
    let started = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut last_count = 0u64;
            let mut last_at = started;
            let mut p99: Option<f64> = None;
            while !done.load(Ordering::Relaxed) {
                let step = style.interval();
                let mut slept = Duration::ZERO;
                while slept < step && !done.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20));
                    slept += Duration::from_millis(20);
                }
                if done.load(Ordering::Relaxed) {
                    break;
                }
                let now = Instant::now();
                let count = live.completed();
                let rate = (count - last_count) as f64
                    / now.duration_since(last_at).as_secs_f64().max(1e-3);
                (last_count, last_at) = (count, now);
                p99 = live.take_p99_us().or(p99);
                line(
                    style,
                    phase,
                    now.duration_since(started),
                    expected,
                    rate,
                    p99,
                );
            }
        });
        let r = f();
        done.store(true, Ordering::Relaxed);
        if style == ProgressStyle::Bar {
            // Clear the bar so what follows starts on a clean line.
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
        r
    })
}

fn line(
    style: ProgressStyle,
    phase: &str,
    elapsed: Duration,
    expected: Duration,
    rate: f64,
    p99: Option<f64>,
) {
    let frac = (elapsed.as_secs_f64() / expected.as_secs_f64().max(1e-3)).clamp(0.0, 1.0);
    let p99 = p99.map_or_else(|| "–".to_owned(), format_micros);
    let mut err = std::io::stderr().lock();
    match style {
        ProgressStyle::Bar => {
            const WIDTH: usize = 24;
            let filled = (frac * WIDTH as f64).round() as usize;
            let bar = format!(
                "{}{}",
                "█".repeat(filled),
                "░".repeat(WIDTH - filled.min(WIDTH))
            );
            let _ = write!(
                err,
                "\r\x1b[2K{phase:<28} {bar} {:>3.0}%  {:>9.0}/s  p99 {p99}",
                frac * 100.0,
                rate
            );
        }
        ProgressStyle::Lines => {
            let _ = writeln!(
                err,
                "{phase}: {:.0}s of {:.0}s, {:.0}/s, p99 {p99}",
                elapsed.as_secs_f64(),
                expected.as_secs_f64(),
                rate
            );
        }
        ProgressStyle::Quiet => {}
    }
    let _ = err.flush();
}
