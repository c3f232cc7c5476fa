//! Injected time: the system clock in production, a manual clock in tests and scenarios, so a
//! 60-second TTL is tested without sleeping.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time, as time since the Unix epoch.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time since the Unix epoch.
    fn now(&self) -> Duration;

    /// The current time in whole seconds since the Unix epoch (what JWT claims use).
    fn now_secs(&self) -> u64 {
        self.now().as_secs()
    }
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        // A clock before 1970 is a broken machine; treat it as the epoch rather than panic.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}

/// A clock that moves only when told to. Shared by reference (`Arc<ManualClock>`), so a test or
/// scenario can advance the time every authenticator sees.
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// A clock standing at `since_epoch`.
    pub fn new(since_epoch: Duration) -> Self {
        let clock = ManualClock::default();
        clock.set(since_epoch);
        clock
    }

    /// A clock standing at `secs` seconds since the epoch.
    pub fn at_secs(secs: u64) -> Self {
        ManualClock::new(Duration::from_secs(secs))
    }

    /// Moves the clock to `since_epoch`.
    pub fn set(&self, since_epoch: Duration) {
        let nanos = u64::try_from(since_epoch.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.store(nanos, Ordering::SeqCst);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                Some(n.saturating_add(by))
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at_secs(1_700_000_000);
        assert_eq!(c.now_secs(), 1_700_000_000);
        c.advance(Duration::from_secs(61));
        assert_eq!(c.now_secs(), 1_700_000_061);
        assert!(SystemClock.now_secs() > 1_600_000_000);
    }
}
