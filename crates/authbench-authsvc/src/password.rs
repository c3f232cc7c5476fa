//! How the service stores passwords.
//!
//! # Why a keyed fast hash by default
//!
//! The store lives only in this process's memory: it is built at start from the `identities:`
//! section, whose passwords are plaintext in the config file anyway, and it is never written
//! anywhere. A slow hash (bcrypt, sha-crypt, PBKDF2) exists to make an *offline* attack on a
//! leaked hash database expensive; here there is no database to leak, so its cost would buy no
//! security and would instead dominate every round trip, turning the comparison into a hash
//! benchmark. The default is therefore HMAC-SHA-256 under a random key drawn at start (never
//! stored, never printed) over a random per-user salt and the password: microseconds per check,
//! no plaintext kept in memory, fixed-length digests compared in constant time. For a service that
//! should behave like a production backend with a slow hash, [`PasswordScheme::Pbkdf2Sha256`]
//! takes an iteration count.

use std::fmt;
use std::num::NonZeroU32;

use aws_lc_rs::{hmac, pbkdf2, rand};
use subtle::ConstantTimeEq;

/// Length of the per-user salt, in bytes.
const SALT_LEN: usize = 16;
/// Length of a stored digest, in bytes (SHA-256).
const DIGEST_LEN: usize = 32;

/// The password hashing scheme of the user store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordScheme {
    /// HMAC-SHA-256 under a per-process random key over a per-user salt and the password. Fast; see
    /// the module documentation for why that is the right default here.
    #[default]
    HmacSha256,
    /// PBKDF2-HMAC-SHA-256 with the given number of iterations: a deliberately slow hash, for
    /// measuring a backend that pays for one.
    Pbkdf2Sha256 {
        /// Iterations per check.
        iterations: NonZeroU32,
    },
}

/// A stored password: salt and digest. Debug never shows either.
#[derive(Clone)]
pub(crate) struct PasswordHash {
    salt: [u8; SALT_LEN],
    digest: [u8; DIGEST_LEN],
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// Why the hasher could not be built.
#[derive(Debug, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RandomError;

/// Hashes and verifies passwords under one scheme and one per-process key.
pub(crate) struct Hasher {
    scheme: PasswordScheme,
    key: hmac::Key,
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hasher")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl Hasher {
    /// A hasher with a fresh random key.
    pub(crate) fn new(scheme: PasswordScheme) -> Result<Self, RandomError> {
        let mut key = [0u8; DIGEST_LEN];
        rand::fill(&mut key).map_err(|_| RandomError)?;
        Ok(Hasher {
            scheme,
            key: hmac::Key::new(hmac::HMAC_SHA256, &key),
        })
    }

    /// Hashes `password` under a fresh salt.
    pub(crate) fn hash(&self, password: &str) -> Result<PasswordHash, RandomError> {
        let mut salt = [0u8; SALT_LEN];
        rand::fill(&mut salt).map_err(|_| RandomError)?;
        Ok(PasswordHash {
            salt,
            digest: self.digest(&salt, password),
        })
    }

    /// Whether `password` matches `stored`, in time independent of where they differ.
    pub(crate) fn verify(&self, password: &str, stored: &PasswordHash) -> bool {
        let digest = self.digest(&stored.salt, password);
        bool::from(digest.ct_eq(&stored.digest))
    }

    fn digest(&self, salt: &[u8; SALT_LEN], password: &str) -> [u8; DIGEST_LEN] {
        let mut out = [0u8; DIGEST_LEN];
        match self.scheme {
            PasswordScheme::HmacSha256 => {
                let mut ctx = hmac::Context::with_key(&self.key);
                ctx.update(salt);
                ctx.update(password.as_bytes());
                out.copy_from_slice(ctx.sign().as_ref());
            }
            PasswordScheme::Pbkdf2Sha256 { iterations } => {
                pbkdf2::derive(
                    pbkdf2::PBKDF2_HMAC_SHA256,
                    iterations,
                    salt,
                    password.as_bytes(),
                    &mut out,
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_password() {
        for scheme in [
            PasswordScheme::HmacSha256,
            PasswordScheme::Pbkdf2Sha256 {
                iterations: NonZeroU32::MIN,
            },
        ] {
            let h = Hasher::new(scheme).expect("rng");
            let stored = h.hash("correct horse").expect("rng");
            assert!(h.verify("correct horse", &stored));
            assert!(!h.verify("correct hors", &stored));
            assert!(!h.verify("", &stored));
            assert_eq!(format!("{stored:?}"), "PasswordHash([redacted])");
        }
    }

    #[test]
    fn same_password_gets_different_salts() {
        let h = Hasher::new(PasswordScheme::HmacSha256).expect("rng");
        let a = h.hash("pw").expect("rng");
        let b = h.hash("pw").expect("rng");
        assert_ne!(a.salt, b.salt);
        assert_ne!(a.digest, b.digest);
    }
}
