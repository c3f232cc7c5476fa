//! One-time tokens: each `jti` is remembered until its token can no longer be accepted, so a
//! second use is `token_replayed`.
//!
//! Memory is bounded by `max_entries`. Expired entries are dropped when room is needed. When every
//! slot still holds an unexpired token the cache fails closed: the new token is refused with
//! `replay_cache_full` rather than accepted without being recorded (which would let it be
//! replayed) or evicting a live entry (which would re-open that token for replay).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;

use authbench_core::{Deny, DenyReason};

/// Longest `jti` accepted (it is stored).
pub const MAX_JTI_LEN: usize = 256;

#[derive(Debug, Default)]
struct Inner {
    /// `iss` NUL `jti` → the second from which the entry may be forgotten.
    seen: HashMap<String, u64>,
    /// Forget times, earliest first, for eviction without a scan.
    by_expiry: BinaryHeap<Reverse<(u64, String)>>,
}

/// The set of used `jti` values.
#[derive(Debug)]
pub(crate) struct ReplayCache {
    max_entries: usize,
    inner: Mutex<Inner>,
}

impl ReplayCache {
    pub fn new(max_entries: usize) -> Self {
        ReplayCache {
            max_entries,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Records a use of `jti` (scoped by issuer) at `now`; `forget_at` is when the token stops
    /// being acceptable (its `exp` plus leeway). Errors on a second use or a full cache.
    pub fn record(
        &self,
        iss: Option<&str>,
        jti: &str,
        now: u64,
        forget_at: u64,
    ) -> Result<(), Deny> {
        if jti.len() > MAX_JTI_LEN {
            return Err(Deny::new(
                DenyReason::MalformedCredentials,
                format!("jti is longer than {MAX_JTI_LEN} bytes"),
            ));
        }
        let key = format!("{}\0{jti}", iss.unwrap_or(""));
        let Ok(mut inner) = self.inner.lock() else {
            return Err(Deny::new(
                DenyReason::BackendUnavailable,
                "replay cache is unusable",
            ));
        };
        if let Some(&until) = inner.seen.get(&key) {
            if until > now {
                return Err(Deny::new(
                    DenyReason::TokenReplayed,
                    "this one-time token was already used",
                ));
            }
            inner.seen.remove(&key);
        }
        if inner.seen.len() >= self.max_entries {
            Self::drop_expired(&mut inner, now);
        }
        if inner.seen.len() >= self.max_entries {
            return Err(Deny::new(
                DenyReason::ReplayCacheFull,
                format!(
                    "replay cache holds {} unexpired one-time tokens; refusing rather than forgetting one",
                    self.max_entries
                ),
            ));
        }
        inner.seen.insert(key.clone(), forget_at);
        inner.by_expiry.push(Reverse((forget_at, key)));
        Ok(())
    }

    fn drop_expired(inner: &mut Inner, now: u64) {
        while let Some(Reverse((until, _))) = inner.by_expiry.peek() {
            if *until > now {
                break;
            }
            if let Some(Reverse((until, key))) = inner.by_expiry.pop() {
                // The heap may hold a stale copy of a key re-recorded later; drop only a match.
                if inner.seen.get(&key) == Some(&until) {
                    inner.seen.remove(&key);
                }
            }
        }
    }

    /// Entries held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.seen.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_use_is_replay_and_expiry_frees_room() {
        let c = ReplayCache::new(2);
        assert!(c.record(Some("i"), "a", 100, 160).is_ok());
        assert_eq!(
            c.record(Some("i"), "a", 101, 160)
                .expect_err("replay")
                .reason,
            DenyReason::TokenReplayed
        );
        assert!(
            c.record(Some("other"), "a", 101, 160).is_ok(),
            "scoped by issuer"
        );
        assert_eq!(
            c.record(None, "b", 102, 170).expect_err("full").reason,
            DenyReason::ReplayCacheFull
        );
        // At 160 the first two are past their exp: room again.
        assert!(c.record(None, "b", 160, 170).is_ok());
        assert_eq!(c.len(), 1);
        assert_eq!(
            c.record(None, &"x".repeat(MAX_JTI_LEN + 1), 160, 170)
                .expect_err("long")
                .reason,
            DenyReason::MalformedCredentials
        );
    }
}
