//! The optional decision cache (`cache_ttl`).
//!
//! Only allows are cached: a deny is always asked again, so a restored user or a fixed password
//! gets in at once. An allow is reused for `cache_ttl` after it was answered, measured with the
//! injected clock; during that time a revocation or password change at the service is *not* seen.
//! That staleness is the trade-off the comparison shows: fewer round trips and some tolerance of a
//! slow or briefly absent service, against access that outlives its withdrawal by up to the TTL.
//!
//! The key is an HMAC-SHA-256, under a random per-process key, of the URL and the exact request
//! body the service would see (so every field that can change the answer, credentials included,
//! is in it, and no credential is kept in memory). MediaMTX's per-connection `id` is left out.
//! Entries all live equally long, so the oldest is always the first to expire: a FIFO queue
//! expires and evicts them, and `cache_max_entries` bounds memory.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use authbench_core::Clock;
use aws_lc_rs::hmac;

/// A cache key: a keyed digest of everything the answer depends on.
pub(crate) type Key = [u8; 32];

/// Builds cache keys.
pub(crate) struct KeyMaker {
    key: hmac::Key,
}

impl KeyMaker {
    pub(crate) fn new() -> Result<Self, aws_lc_rs::error::Unspecified> {
        let mut secret = [0u8; 32];
        aws_lc_rs::rand::fill(&mut secret)?;
        Ok(KeyMaker {
            key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
        })
    }

    pub(crate) fn make(&self, url: &str, body: &[u8]) -> Key {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(&(url.len() as u64).to_le_bytes());
        ctx.update(url.as_bytes());
        ctx.update(body);
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }
}

struct Entry {
    principal: String,
    expires_at: Duration,
    seq: u64,
}

#[derive(Default)]
struct Inner {
    map: HashMap<Key, Entry>,
    /// Insertion order; may hold stale items for replaced or removed keys (skipped by `seq`).
    order: VecDeque<(Key, u64)>,
    seq: u64,
}

/// Cached allows, bounded in number, expiring by the injected clock.
pub(crate) struct DecisionCache {
    ttl: Duration,
    max: usize,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
}

impl DecisionCache {
    pub(crate) fn new(ttl: Duration, max: usize, clock: Arc<dyn Clock>) -> Self {
        DecisionCache {
            ttl,
            max: max.max(1),
            clock,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The cached principal for `key`, if its allow has not expired.
    pub(crate) fn get(&self, key: &Key) -> Option<String> {
        let now = self.clock.now();
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match inner.map.get(key) {
            Some(e) if now < e.expires_at => Some(e.principal.clone()),
            Some(_) => {
                inner.map.remove(key);
                None
            }
            None => None,
        }
    }

    /// Caches an allow for `principal`.
    pub(crate) fn insert(&self, key: Key, principal: String) {
        let now = self.clock.now();
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        // Expire from the front, then evict the oldest until there is room.
        while let Some((k, seq)) = inner.order.front().copied() {
            let live = inner.map.get(&k).filter(|e| e.seq == seq);
            let expired = live.is_some_and(|e| now >= e.expires_at);
            let live = live.is_some();
            let full = inner.map.len() >= self.max;
            if live && !expired && !full {
                break;
            }
            inner.order.pop_front();
            if live {
                inner.map.remove(&k);
            }
        }
        inner.seq = inner.seq.wrapping_add(1);
        let seq = inner.seq;
        inner.map.insert(
            key,
            Entry {
                principal,
                expires_at: now.saturating_add(self.ttl),
                seq,
            },
        );
        inner.order.push_back((key, seq));
        // Stale queue items (keys re-inserted while cached) are bounded too.
        if inner.order.len() > 2 * self.max {
            let Inner { map, order, .. } = &mut *inner;
            order.retain(|(k, s)| map.get(k).is_some_and(|e| e.seq == *s));
        }
    }

    /// Forgets the allow for `key` (an invalidated credential).
    pub(crate) fn remove(&self, key: &Key) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .remove(key);
    }

    /// Number of cached allows (expired ones included until they are swept).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbench_core::ManualClock;

    fn key(n: u8) -> Key {
        [n; 32]
    }

    #[test]
    fn entries_expire_with_the_injected_clock() {
        let clock = Arc::new(ManualClock::at_secs(100));
        let c = DecisionCache::new(Duration::from_secs(30), 10, clock.clone());
        c.insert(key(1), "alice".into());
        clock.advance(Duration::from_secs(29));
        assert_eq!(c.get(&key(1)).as_deref(), Some("alice"));
        clock.advance(Duration::from_secs(1));
        assert_eq!(c.get(&key(1)), None);
    }

    #[test]
    fn size_is_bounded_and_oldest_go_first() {
        let clock = Arc::new(ManualClock::at_secs(0));
        let c = DecisionCache::new(Duration::from_secs(60), 3, clock.clone());
        for n in 0..10u8 {
            c.insert(key(n), format!("u{n}"));
            assert!(c.len() <= 3);
        }
        assert_eq!(c.get(&key(0)), None);
        assert_eq!(c.get(&key(9)).as_deref(), Some("u9"));
        for _ in 0..100 {
            c.insert(key(9), "again".into());
        }
        let order_len = c.inner.lock().expect("lock").order.len();
        assert!(order_len <= 6, "{order_len}");
        c.remove(&key(9));
        assert_eq!(c.get(&key(9)), None);
    }

    #[test]
    fn keys_depend_on_every_byte() {
        let k = KeyMaker::new().expect("rng");
        assert_ne!(k.make("u", b"ab"), k.make("u", b"ac"));
        assert_ne!(k.make("ua", b"b"), k.make("u", b"ab"));
        assert_eq!(k.make("u", b"ab"), k.make("u", b"ab"));
    }
}
