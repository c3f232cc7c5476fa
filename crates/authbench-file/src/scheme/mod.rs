//! Password hash schemes: parsing a stored hash at load time (so a malformed entry is a load
//! error, not a failure at login), verifying a password in constant time, and hashing (for
//! fixtures and the timing dummy).

mod crypt64;
mod des_crypt;
mod md5_crypt;
mod sha_crypt;

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use md5_crypt::{Magic, Md5Crypt};
use sha_crypt::{ShaCrypt, Variant};

/// A password hash scheme found in (or written to) an htpasswd file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scheme {
    /// bcrypt, `$2y$` / `$2b$` / `$2a$` (`htpasswd -B`). Cost is the log2 work factor.
    Bcrypt,
    /// Apache MD5-crypt, `$apr1$` (`htpasswd -m`, the htpasswd default). Weak: 1000 MD5 rounds.
    Apr1,
    /// FreeBSD / glibc MD5-crypt, `$1$`. Weak, as apr1.
    Md5Crypt,
    /// Unsalted SHA-1, `{SHA}` (`htpasswd -s`). Weak: one fast hash, no salt.
    Sha1,
    /// SHA-256-crypt, `$5$` (`htpasswd -2`). Cost is the `rounds=` value.
    Sha256Crypt,
    /// SHA-512-crypt, `$6$` (`htpasswd -5`). Cost is the `rounds=` value.
    Sha512Crypt,
    /// Traditional DES crypt(3), 13 characters (`htpasswd -d`). Weak: 8 characters, 56-bit key.
    DesCrypt,
    /// The password itself (`htpasswd -p`, Red5 Pro's credentials file). Only read behind the
    /// `danger_plaintext` switch.
    Plaintext,
}

impl Scheme {
    /// Every scheme, in a fixed order.
    pub const ALL: [Scheme; 8] = [
        Scheme::Bcrypt,
        Scheme::Apr1,
        Scheme::Md5Crypt,
        Scheme::Sha1,
        Scheme::Sha256Crypt,
        Scheme::Sha512Crypt,
        Scheme::DesCrypt,
        Scheme::Plaintext,
    ];

    /// The stable snake_case name (`bcrypt`, `apr1`, `sha512_crypt`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Bcrypt => "bcrypt",
            Scheme::Apr1 => "apr1",
            Scheme::Md5Crypt => "md5_crypt",
            Scheme::Sha1 => "sha1",
            Scheme::Sha256Crypt => "sha256_crypt",
            Scheme::Sha512Crypt => "sha512_crypt",
            Scheme::DesCrypt => "des_crypt",
            Scheme::Plaintext => "plaintext",
        }
    }

    /// The cost [`fixture`](crate::fixture) functions use by default: bcrypt 5 and SHA-crypt
    /// 5000 rounds (Apache htpasswd's defaults); 0 for schemes with a fixed cost.
    pub fn default_cost(self) -> u32 {
        match self {
            Scheme::Bcrypt => 5,
            Scheme::Sha256Crypt | Scheme::Sha512Crypt => sha_crypt::DEFAULT_ROUNDS,
            _ => 0,
        }
    }

    /// The note an allow carries when this scheme is weak (fast to brute-force or unsalted):
    /// DES crypt, MD5-crypt (apr1, `$1$`), `{SHA}` and plaintext. bcrypt and SHA-crypt are not.
    pub fn weak_note(self) -> Option<&'static str> {
        match self {
            Scheme::DesCrypt => Some("weak hash scheme: DES crypt"),
            Scheme::Apr1 => Some("weak hash scheme: apr1 (MD5-crypt, 1000 MD5 rounds)"),
            Scheme::Md5Crypt => Some("weak hash scheme: MD5-crypt $1$ (1000 MD5 rounds)"),
            Scheme::Sha1 => Some("weak hash scheme: {SHA} (unsalted SHA-1)"),
            Scheme::Plaintext => Some("weak hash scheme: plaintext"),
            Scheme::Bcrypt | Scheme::Sha256Crypt | Scheme::Sha512Crypt => None,
        }
    }

    /// Whether one verification costs enough CPU to be moved off an async worker thread: over
    /// about 100µs at default cost (measured: apr1 ≈ 0.12ms, SHA-256-crypt ≈ 0.5ms, bcrypt cost 5
    /// ≈ 1.8ms; DES crypt ≈ 23µs and `{SHA}` ≈ 0.3µs stay inline).
    pub(crate) fn is_expensive(self) -> bool {
        matches!(
            self,
            Scheme::Bcrypt
                | Scheme::Sha256Crypt
                | Scheme::Sha512Crypt
                | Scheme::Apr1
                | Scheme::Md5Crypt
        )
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scheme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Scheme::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "unknown hash scheme `{s}` (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

/// Why a stored hash was refused. Never carries any part of the hash or password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HashError {
    /// The hash field is empty.
    Empty,
    /// No supported scheme matches.
    UnknownScheme,
    /// A `$2x$` bcrypt hash (crypt_blowfish bug compatibility), which nothing here reproduces.
    UnsupportedBcryptVariant,
    /// The value would be a plaintext password, and plaintext is not enabled.
    PlaintextRefused,
    /// The scheme is recognised but the hash is not well formed.
    Malformed {
        scheme: &'static str,
        why: &'static str,
    },
}

/// A stored password hash, parsed and checked at load time.
#[derive(Clone)]
pub(crate) enum StoredHash {
    /// The validated 60-character string and its cost.
    Bcrypt {
        hash: String,
        cost: u32,
    },
    Md5(Md5Crypt),
    Sha1([u8; 20]),
    ShaCrypt(ShaCrypt),
    Des(des_crypt::DesCrypt),
    /// SHA-1 of the plaintext, so comparison time does not depend on the length.
    Plaintext([u8; 20]),
}

impl fmt::Debug for StoredHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredHash({}, [redacted])", self.scheme())
    }
}

impl StoredHash {
    /// Parses the hash field of an htpasswd line.
    ///
    /// With `allow_plaintext`, a value that starts with neither `$` nor `{` and is not a DES
    /// crypt hash is taken as a plaintext password; a `$…` or `{…}` value of an unknown scheme is
    /// refused either way, so a typo in a scheme never turns into a plaintext password.
    pub(crate) fn parse(value: &str, allow_plaintext: bool) -> Result<Self, HashError> {
        if value.is_empty() {
            return Err(HashError::Empty);
        }
        if let Some(rest) = value.strip_prefix("$2") {
            return parse_bcrypt(value, rest);
        }
        if let Some(rest) = value.strip_prefix(Magic::Apr1.prefix()) {
            return Md5Crypt::parse(Magic::Apr1, rest).map(StoredHash::Md5);
        }
        if let Some(rest) = value.strip_prefix(Magic::One.prefix()) {
            return Md5Crypt::parse(Magic::One, rest).map(StoredHash::Md5);
        }
        if let Some(rest) = value.strip_prefix(Variant::Sha256.prefix()) {
            return ShaCrypt::parse(Variant::Sha256, rest).map(StoredHash::ShaCrypt);
        }
        if let Some(rest) = value.strip_prefix(Variant::Sha512.prefix()) {
            return ShaCrypt::parse(Variant::Sha512, rest).map(StoredHash::ShaCrypt);
        }
        if let Some(rest) = value.strip_prefix("{SHA}") {
            return parse_sha1(rest);
        }
        if value.starts_with('$') || value.starts_with('{') {
            return Err(HashError::UnknownScheme);
        }
        if des_crypt::DesCrypt::looks_like(value) {
            return des_crypt::DesCrypt::parse(value).map(StoredHash::Des);
        }
        if allow_plaintext {
            return Ok(StoredHash::Plaintext(Sha1::digest(value.as_bytes()).into()));
        }
        Err(HashError::PlaintextRefused)
    }

    /// Takes a plaintext password as stored (Red5 Pro's credentials file).
    pub(crate) fn plaintext(password: &str) -> Self {
        StoredHash::Plaintext(Sha1::digest(password.as_bytes()).into())
    }

    /// The scheme.
    pub(crate) fn scheme(&self) -> Scheme {
        match self {
            StoredHash::Bcrypt { .. } => Scheme::Bcrypt,
            StoredHash::Md5(h) => match h.magic() {
                Magic::Apr1 => Scheme::Apr1,
                Magic::One => Scheme::Md5Crypt,
            },
            StoredHash::Sha1(_) => Scheme::Sha1,
            StoredHash::ShaCrypt(h) => match h.variant() {
                Variant::Sha256 => Scheme::Sha256Crypt,
                Variant::Sha512 => Scheme::Sha512Crypt,
            },
            StoredHash::Des(_) => Scheme::DesCrypt,
            StoredHash::Plaintext(_) => Scheme::Plaintext,
        }
    }

    /// The work factor that sets the cost of one verification: bcrypt cost, SHA-crypt rounds,
    /// 0 for fixed-cost schemes.
    pub(crate) fn cost(&self) -> u32 {
        match self {
            StoredHash::Bcrypt { cost, .. } => *cost,
            StoredHash::ShaCrypt(h) => h.rounds(),
            _ => 0,
        }
    }

    /// Whether `password` matches. Constant time in the comparison; never panics.
    pub(crate) fn verify(&self, password: &[u8]) -> bool {
        match self {
            // The hash was validated at load (shape, base64, cost range), so an error here is
            // impossible; were it to happen, it is a mismatch (fail closed).
            StoredHash::Bcrypt { hash, .. } => bcrypt::verify(password, hash).unwrap_or(false),
            StoredHash::Md5(h) => h.verify(password),
            StoredHash::Sha1(digest) => {
                let computed: [u8; 20] = Sha1::digest(password).into();
                computed.ct_eq(digest).into()
            }
            StoredHash::ShaCrypt(h) => h.verify(password),
            StoredHash::Des(h) => h.verify(password),
            StoredHash::Plaintext(digest) => {
                let computed: [u8; 20] = Sha1::digest(password).into();
                computed.ct_eq(digest).into()
            }
        }
    }
}

fn parse_bcrypt(value: &str, rest: &str) -> Result<StoredHash, HashError> {
    let malformed = |why| HashError::Malformed {
        scheme: "bcrypt",
        why,
    };
    match rest.as_bytes().first() {
        Some(b'y' | b'b' | b'a') => {}
        Some(b'x') => return Err(HashError::UnsupportedBcryptVariant),
        _ => return Err(HashError::UnknownScheme),
    }
    if rest.as_bytes().get(1) != Some(&b'$') {
        return Err(HashError::UnknownScheme);
    }
    if value.len() != 60 || !value.is_ascii() {
        return Err(malformed(
            "expected 60 characters `$2y$NN$` + 53 of ./A-Za-z0-9",
        ));
    }
    let parts: bcrypt::HashParts = value
        .parse()
        .map_err(|_| malformed("cost is not two digits or salt/digest is not bcrypt base64"))?;
    let cost = parts.get_cost();
    if !(4..=31).contains(&cost) {
        return Err(malformed("cost is outside 4..=31"));
    }
    Ok(StoredHash::Bcrypt {
        hash: value.to_owned(),
        cost,
    })
}

fn parse_sha1(rest: &str) -> Result<StoredHash, HashError> {
    let malformed = |why| HashError::Malformed {
        scheme: "{SHA}",
        why,
    };
    if rest.len() != 28 {
        return Err(malformed("expected 28 characters of base64 after {SHA}"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(rest)
        .map_err(|_| malformed("not valid base64"))?;
    let digest: [u8; 20] = bytes
        .try_into()
        .map_err(|_| malformed("does not decode to 20 bytes"))?;
    Ok(StoredHash::Sha1(digest))
}

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HashingError {
    /// The cost is outside what the scheme accepts (bcrypt 4..=31, SHA-crypt 1000..=999999999).
    #[error("cost {cost} is out of range for {scheme} ({range})")]
    CostOutOfRange {
        /// The scheme.
        scheme: Scheme,
        /// The cost asked for.
        cost: u32,
        /// The accepted range.
        range: &'static str,
    },
    /// bcrypt refused the input.
    #[error("bcrypt could not hash the password")]
    Bcrypt(#[source] bcrypt::BcryptError),
    /// A plaintext "hash" would break the file's format (it contains `:` or a line break, or
    /// would be read back as another scheme).
    #[error("this password cannot be stored as plaintext in an htpasswd file")]
    PlaintextUnrepresentable,
}

/// Hashes `password` with `scheme` and `cost`, taking salt material from `salt` (16 bytes,
/// random for fixtures, fixed for the timing dummy).
pub(crate) fn hash_with_salt(
    scheme: Scheme,
    cost: u32,
    password: &str,
    salt: [u8; 16],
) -> Result<String, HashingError> {
    let crypt_salt = |n: usize| -> String {
        salt.iter()
            .take(n)
            .map(|&b| char::from(crypt64::char_of(u32::from(b))))
            .collect()
    };
    let pw = password.as_bytes();
    match scheme {
        Scheme::Bcrypt => {
            if !(4..=31).contains(&cost) {
                return Err(HashingError::CostOutOfRange {
                    scheme,
                    cost,
                    range: "4..=31",
                });
            }
            bcrypt::hash_with_salt(pw, cost, salt)
                .map(|parts| parts.format_for_version(bcrypt::Version::TwoY))
                .map_err(HashingError::Bcrypt)
        }
        Scheme::Apr1 => Ok(md5_crypt::hash(pw, &crypt_salt(8), Magic::Apr1)),
        Scheme::Md5Crypt => Ok(md5_crypt::hash(pw, &crypt_salt(8), Magic::One)),
        Scheme::Sha1 => Ok(format!(
            "{{SHA}}{}",
            base64::engine::general_purpose::STANDARD.encode(Sha1::digest(pw))
        )),
        Scheme::Sha256Crypt | Scheme::Sha512Crypt => {
            if !(sha_crypt::MIN_ROUNDS..=sha_crypt::MAX_ROUNDS).contains(&cost) {
                return Err(HashingError::CostOutOfRange {
                    scheme,
                    cost,
                    range: "1000..=999999999",
                });
            }
            let variant = if scheme == Scheme::Sha256Crypt {
                Variant::Sha256
            } else {
                Variant::Sha512
            };
            Ok(sha_crypt::hash(variant, pw, &crypt_salt(16), cost))
        }
        Scheme::DesCrypt => {
            let s = crypt_salt(2);
            let s = s.as_bytes();
            let salt2 = [
                s.first().copied().unwrap_or(b'.'),
                s.get(1).copied().unwrap_or(b'.'),
            ];
            Ok(String::from_utf8_lossy(&des_crypt::crypt(pw, salt2)).into_owned())
        }
        Scheme::Plaintext => {
            // Must read back as plaintext: no `:`/line breaks, and not mistaken for a hash.
            let reads_back = matches!(
                StoredHash::parse(password, true),
                Ok(StoredHash::Plaintext(_))
            );
            if password.contains([':', '\n', '\r']) || password.trim() != password || !reads_back {
                return Err(HashingError::PlaintextUnrepresentable);
            }
            Ok(password.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_hashes_and_verifies_its_own_output() {
        for scheme in Scheme::ALL {
            let cost = match scheme {
                Scheme::Bcrypt => 4,
                _ => scheme.default_cost(),
            };
            let h = hash_with_salt(scheme, cost, "s3cret pass", [7; 16]).expect("hashes");
            let parsed = StoredHash::parse(&h, scheme == Scheme::Plaintext).expect("parses");
            assert_eq!(parsed.scheme(), scheme);
            assert!(parsed.verify(b"s3cret pass"), "{scheme}");
            // Differs within the first eight characters, which is all DES crypt reads.
            assert!(!parsed.verify(b"S3cret pass"), "{scheme}");
        }
    }

    #[test]
    fn scheme_names_round_trip() {
        for scheme in Scheme::ALL {
            assert_eq!(scheme.as_str().parse::<Scheme>(), Ok(scheme));
        }
        assert!("md4".parse::<Scheme>().is_err());
    }

    #[test]
    fn debug_hides_the_hash() {
        let h = StoredHash::parse("{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=", false).expect("parses");
        let shown = format!("{h:?}");
        assert!(!shown.contains("GpHW"), "{shown}");
        assert!(shown.contains("sha1"));
    }

    #[test]
    fn unknown_and_plaintext() {
        assert_eq!(
            StoredHash::parse("$9$abc", true).err(),
            Some(HashError::UnknownScheme)
        );
        assert_eq!(
            StoredHash::parse("{SSHA}abc", true).err(),
            Some(HashError::UnknownScheme)
        );
        assert_eq!(
            StoredHash::parse("hunter2", false).err(),
            Some(HashError::PlaintextRefused)
        );
        assert!(StoredHash::parse("hunter2", true).is_ok_and(|h| h.verify(b"hunter2")));
        assert_eq!(
            StoredHash::parse(
                "$2x$05$FkezfUoN1RAH/yN5O0bciO5Lcn96TaUM/MQSv8br6KZ3nrtLOB5TK",
                false
            )
            .err(),
            Some(HashError::UnsupportedBcryptVariant)
        );
    }
}
