//! Verified-token cache (like Envoy `jwt_authn`'s): a token whose signature was verified is kept,
//! keyed by its SHA-256, until its `exp`, so repeated checks skip signature verification. Only
//! the signature and parsing are skipped: time, issuer, audience, profile, tenant and replay
//! checks run against the clock on every hit. The cache is emptied whenever the key set changes,
//! so a key removed from a JWKS stops validating cached tokens too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::digest;

/// A token's cache key: SHA-256 of the token (the token itself is never stored).
pub(crate) type TokenDigest = [u8; 32];

/// The digest of a token.
pub(crate) fn token_digest(token: &str) -> TokenDigest {
    let d = digest::digest(&digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

#[derive(Debug)]
struct Entry<V> {
    value: Arc<V>,
    /// Drop after this second.
    expires: u64,
    /// Key-set generation the token was verified under.
    generation: u64,
}

/// A bounded map from token digest to verified token.
#[derive(Debug)]
pub(crate) struct VerifiedCache<V> {
    max_entries: usize,
    map: Mutex<HashMap<TokenDigest, Entry<V>>>,
}

impl<V> VerifiedCache<V> {
    pub fn new(max_entries: usize) -> Self {
        VerifiedCache {
            max_entries,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// A token verified under key-set `generation` that has not passed `expires`.
    pub fn get(&self, key: &TokenDigest, now: u64, generation: u64) -> Option<Arc<V>> {
        let map = self.map.lock().ok()?;
        let e = map.get(key)?;
        (e.generation == generation && e.expires > now).then(|| Arc::clone(&e.value))
    }

    /// Keeps a verified token until `expires`. When full, expired and stale entries go first; if
    /// none are, one arbitrary entry is evicted (a miss only costs a signature check).
    pub fn insert(&self, key: TokenDigest, value: Arc<V>, now: u64, expires: u64, generation: u64) {
        if self.max_entries == 0 || expires <= now {
            return;
        }
        let Ok(mut map) = self.map.lock() else {
            return;
        };
        if map.len() >= self.max_entries && !map.contains_key(&key) {
            map.retain(|_, e| e.expires > now && e.generation == generation);
            if map.len() >= self.max_entries
                && let Some(victim) = map.keys().next().copied()
            {
                map.remove(&victim);
            }
        }
        map.insert(
            key,
            Entry {
                value,
                expires,
                generation,
            },
        );
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_expiring() {
        let c = VerifiedCache::new(2);
        let (a, b, x) = (token_digest("a"), token_digest("b"), token_digest("x"));
        c.insert(a, Arc::new(1), 100, 200, 0);
        c.insert(b, Arc::new(2), 100, 150, 0);
        assert_eq!(c.get(&a, 120, 0).as_deref(), Some(&1));
        assert_eq!(c.get(&a, 120, 1), None, "another key-set generation");
        assert_eq!(c.get(&b, 150, 0), None, "expired at its exp");
        c.insert(x, Arc::new(3), 160, 300, 0);
        assert_eq!(c.len(), 2, "expired b made room");
        assert_eq!(c.get(&x, 160, 0).as_deref(), Some(&3));
        c.insert(b, Arc::new(4), 160, 300, 0);
        assert_eq!(c.len(), 2, "still bounded");
    }
}
