//! Failed-attempt lockout for password checks (`/token`, `/validateCredentials`,
//! `/mediamtx/auth`, `/nginx-rtmp`, `/srs`): after [`Lockout::max_failures`] wrong passwords or
//! unknown user names for one (client address, user name) pair within [`Lockout::window`],
//! further attempts for that pair are refused without checking the password until the window
//! that began with the first of those failures is over. A correct password clears the pair's
//! count.
//!
//! A failure is counted when its check ends. Guesses checked at the same moment all pass the
//! lockout check first, so a burst can get up to its size in checks beyond the limit; counting an
//! attempt when it starts would close that gap but refuse correct passwords too whenever more
//! than `max_failures` joins of one account are checked at once, which is common behind a media
//! server.
//!
//! The client address is the TCP peer. Behind a media server that is the media server itself,
//! so the lockout is then in effect per user name (the address the server reports — MediaMTX's
//! `ip`, nginx-rtmp's `addr`, SRS's `ip` — is not used: anyone who can reach the service could
//! set it to a fresh value on every guess).
//!
//! Time comes from the service's injected clock. The table is bounded: when it is full, entries
//! whose window is over go first, then entries that are not locked; if every entry is a live
//! lockout, a new pair is refused as locked out too (fail closed) until some expire.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Pairs tracked at most.
pub(crate) const MAX_TRACKED: usize = 100_000;

/// A failed-attempt lockout policy (see [`ServiceOptions::lockout`](crate::ServiceOptions::lockout)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lockout {
    /// Failed attempts for one (client address, user name) pair within the window after which
    /// the pair is locked out.
    pub max_failures: NonZeroU32,
    /// How long a window lasts, counted from its first failure; a locked-out pair is let in again
    /// when it ends.
    pub window: Duration,
}

impl Lockout {
    /// A lockout after `max_failures` failures within `window`.
    pub fn new(max_failures: NonZeroU32, window: Duration) -> Self {
        Lockout {
            max_failures,
            window,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// When the current window began (time since the epoch).
    since: Duration,
    failures: u32,
}

/// The failure counts of one service.
#[derive(Debug)]
pub(crate) struct Attempts {
    policy: Option<Lockout>,
    capacity: usize,
    table: Mutex<HashMap<(IpAddr, String), Entry>>,
}

impl Attempts {
    pub(crate) fn new(policy: Option<Lockout>) -> Self {
        Self::with_capacity(policy, MAX_TRACKED)
    }

    pub(crate) fn with_capacity(policy: Option<Lockout>, capacity: usize) -> Self {
        Attempts {
            policy,
            capacity: capacity.max(1),
            table: Mutex::new(HashMap::new()),
        }
    }

    fn live(policy: &Lockout, entry: &Entry, now: Duration) -> bool {
        now.saturating_sub(entry.since) < policy.window
    }

    /// Whether attempts for this pair are refused now.
    pub(crate) fn is_locked(&self, peer: IpAddr, user: &str, now: Duration) -> bool {
        let Some(policy) = &self.policy else {
            return false;
        };
        let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        match table.get(&(peer, user.to_owned())) {
            Some(e) => Self::live(policy, e, now) && e.failures >= policy.max_failures.get(),
            // A full table of live lockouts cannot record this pair: refuse it (fail closed).
            None => {
                table.len() >= self.capacity
                    && table.values().all(|e| {
                        Self::live(policy, e, now) && e.failures >= policy.max_failures.get()
                    })
            }
        }
    }

    /// Counts a wrong password or unknown user name for this pair.
    pub(crate) fn failed(&self, peer: IpAddr, user: &str, now: Duration) {
        let Some(policy) = &self.policy else {
            return;
        };
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (peer, user.to_owned());
        if !table.contains_key(&key) && table.len() >= self.capacity {
            table.retain(|_, e| Self::live(policy, e, now));
            if table.len() >= self.capacity {
                let max = policy.max_failures.get();
                table.retain(|_, e| e.failures >= max);
            }
            if table.len() >= self.capacity {
                return;
            }
        }
        let entry = table.entry(key).or_insert(Entry {
            since: now,
            failures: 0,
        });
        if !Self::live(policy, entry, now) {
            *entry = Entry {
                since: now,
                failures: 0,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
    }

    /// A correct password: the pair starts afresh.
    pub(crate) fn succeeded(&self, peer: IpAddr, user: &str) {
        if self.policy.is_none() {
            return;
        }
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&(peer, user.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

    fn policy(n: u32, secs: u64) -> Option<Lockout> {
        Some(Lockout::new(
            NonZeroU32::new(n).expect("non-zero"),
            Duration::from_secs(secs),
        ))
    }

    fn at(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn locks_after_n_failures_per_pair_until_the_window_ends() {
        let a = Attempts::new(policy(3, 60));
        for t in 0..3 {
            assert!(!a.is_locked(A, "alice", at(t)));
            a.failed(A, "alice", at(t));
        }
        assert!(a.is_locked(A, "alice", at(3)));
        assert!(!a.is_locked(B, "alice", at(3)), "another address");
        assert!(!a.is_locked(A, "bob", at(3)), "another user");
        assert!(a.is_locked(A, "alice", at(59)));
        assert!(!a.is_locked(A, "alice", at(60)), "the window is over");
        // A new window starts with the next failure.
        a.failed(A, "alice", at(61));
        assert!(!a.is_locked(A, "alice", at(61)));
    }

    #[test]
    fn success_clears_the_count_and_no_policy_never_locks() {
        let a = Attempts::new(policy(2, 60));
        a.failed(A, "alice", at(0));
        a.succeeded(A, "alice");
        a.failed(A, "alice", at(1));
        assert!(!a.is_locked(A, "alice", at(1)));
        let off = Attempts::new(None);
        for t in 0..100 {
            off.failed(A, "alice", at(t));
        }
        assert!(!off.is_locked(A, "alice", at(100)));
    }

    #[test]
    fn a_full_table_evicts_what_it_can_and_otherwise_fails_closed() {
        let a = Attempts::with_capacity(policy(1, 60), 2);
        a.failed(A, "u1", at(0));
        a.failed(A, "u2", at(0));
        // Both live lockouts: a third pair cannot be recorded, so it is refused.
        assert!(a.is_locked(A, "u3", at(1)));
        a.failed(A, "u3", at(1));
        assert!(a.is_locked(A, "u1", at(1)), "live lockouts are kept");
        // Once the windows are over there is room again.
        assert!(!a.is_locked(A, "u3", at(60)));
        a.failed(A, "u3", at(60));
        assert!(a.is_locked(A, "u3", at(60)));
        assert!(!a.is_locked(A, "u1", at(60)));
    }
}
