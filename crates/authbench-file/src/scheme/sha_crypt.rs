//! SHA-256-crypt (`$5$`) and SHA-512-crypt (`$6$`), Ulrich Drepper's glibc schemes, on the
//! `sha-crypt` crate's raw functions. Parsing and encoding follow glibc (not the crate's MCF
//! layer, which refuses salts glibc accepts and treats `rounds=500` as a salt).

use sha_crypt::{Params, sha256_crypt, sha512_crypt};
use subtle::ConstantTimeEq;

use super::{HashError, crypt64};

/// Rounds when the hash names none.
pub(crate) const DEFAULT_ROUNDS: u32 = 5_000;
/// glibc raises a smaller `rounds=` to this.
pub(crate) const MIN_ROUNDS: u32 = 1_000;
/// glibc lowers a larger `rounds=` to this.
pub(crate) const MAX_ROUNDS: u32 = 999_999_999;
/// Longest salt used; glibc cuts longer ones, so a stored longer salt can never verify.
pub(crate) const MAX_SALT: usize = 16;

/// glibc's output byte order for SHA-256-crypt.
const ORDER_256: [usize; 32] = [
    20, 10, 0, 11, 1, 21, 2, 22, 12, 23, 13, 3, 14, 4, 24, 5, 25, 15, 26, 16, 6, 17, 7, 27, 8, 28,
    18, 29, 19, 9, 30, 31,
];

/// glibc's output byte order for SHA-512-crypt.
const ORDER_512: [usize; 64] = [
    42, 21, 0, 1, 43, 22, 23, 2, 44, 45, 24, 3, 4, 46, 25, 26, 5, 47, 48, 27, 6, 7, 49, 28, 29, 8,
    50, 51, 30, 9, 10, 52, 31, 32, 11, 53, 54, 33, 12, 13, 55, 34, 35, 14, 56, 57, 36, 15, 16, 58,
    37, 38, 17, 59, 60, 39, 18, 19, 61, 40, 41, 20, 62, 63,
];

/// Which digest.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Variant {
    /// `$5$`
    Sha256,
    /// `$6$`
    Sha512,
}

impl Variant {
    fn digest_len(self) -> usize {
        match self {
            Variant::Sha256 => 32,
            Variant::Sha512 => 64,
        }
    }

    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Variant::Sha256 => "$5$",
            Variant::Sha512 => "$6$",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Variant::Sha256 => "sha256-crypt",
            Variant::Sha512 => "sha512-crypt",
        }
    }
}

/// A parsed SHA-crypt hash.
#[derive(Clone)]
pub(crate) struct ShaCrypt {
    variant: Variant,
    rounds: u32,
    salt: String,
    encoded: Vec<u8>,
}

impl ShaCrypt {
    /// Parses what follows the prefix: `[rounds=N$]salt$digest`.
    pub(crate) fn parse(variant: Variant, rest: &str) -> Result<Self, HashError> {
        let malformed = |why| HashError::Malformed {
            scheme: variant.name(),
            why,
        };
        let (rounds, rest) = match rest.strip_prefix("rounds=") {
            Some(after) => {
                let (number, rest) = after
                    .split_once('$')
                    .ok_or_else(|| malformed("expected `$` after `rounds=N`"))?;
                if number.is_empty()
                    || number.len() > 10
                    || !number.bytes().all(|c| c.is_ascii_digit())
                {
                    return Err(malformed("`rounds=` is not a whole number"));
                }
                let n: u64 = number
                    .parse()
                    .map_err(|_| malformed("`rounds=` is not a whole number"))?;
                (clamp_rounds(n), rest)
            }
            None => (DEFAULT_ROUNDS, rest),
        };
        let (salt, digest) = rest
            .split_once('$')
            .ok_or_else(|| malformed("expected `salt$digest` after the prefix"))?;
        if salt.len() > MAX_SALT {
            return Err(malformed("salt is longer than 16 characters"));
        }
        if salt
            .bytes()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
        {
            return Err(malformed("salt contains whitespace or a control character"));
        }
        let n = variant.digest_len();
        if digest.len() != crypt64::encoded_len(n) {
            return Err(malformed("digest has the wrong length"));
        }
        if !crypt64::all_crypt_chars(digest) || !crypt64::is_canonical(digest, n) {
            return Err(malformed("digest is not in the crypt alphabet ./0-9A-Za-z"));
        }
        Ok(ShaCrypt {
            variant,
            rounds,
            salt: salt.to_owned(),
            encoded: digest.as_bytes().to_vec(),
        })
    }

    /// Whether `password` matches, compared in constant time.
    pub(crate) fn verify(&self, password: &[u8]) -> bool {
        let computed = digest(self.variant, password, self.salt.as_bytes(), self.rounds);
        computed.ct_eq(&self.encoded).into()
    }

    /// The rounds used (after glibc's clamping).
    pub(crate) fn rounds(&self) -> u32 {
        self.rounds
    }

    /// Which digest.
    pub(crate) fn variant(&self) -> Variant {
        self.variant
    }
}

/// glibc's treatment of an out-of-range `rounds=`.
fn clamp_rounds(n: u64) -> u32 {
    u32::try_from(n.clamp(u64::from(MIN_ROUNDS), u64::from(MAX_ROUNDS))).unwrap_or(MAX_ROUNDS)
}

/// The encoded digest (without prefix, rounds or salt).
fn digest(variant: Variant, password: &[u8], salt: &[u8], rounds: u32) -> Vec<u8> {
    let salt = salt.get(..MAX_SALT).unwrap_or(salt);
    // `rounds` is clamped into the accepted range before it gets here; the fallback is the default.
    let params = Params::new(rounds).unwrap_or_default();
    match variant {
        Variant::Sha256 => {
            crypt64::encode_ordered(&sha256_crypt(password, salt, params), &ORDER_256)
        }
        Variant::Sha512 => {
            crypt64::encode_ordered(&sha512_crypt(password, salt, params), &ORDER_512)
        }
    }
}

/// Hashes `password` into the full glibc string; `rounds=` is written only when not the default,
/// as glibc does.
pub(crate) fn hash(variant: Variant, password: &[u8], salt: &str, rounds: u32) -> String {
    let salt = salt.get(..MAX_SALT).unwrap_or(salt);
    let rounds = clamp_rounds(u64::from(rounds));
    let encoded = digest(variant, password, salt.as_bytes(), rounds);
    let encoded = String::from_utf8_lossy(&encoded);
    if rounds == DEFAULT_ROUNDS {
        format!("{}{salt}${encoded}", variant.prefix())
    } else {
        format!("{}rounds={rounds}${salt}${encoded}", variant.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apache_vectors() {
        // `htpasswd -nb -2 u pw`, `htpasswd -nb -2 -r 10000 u pw`, `htpasswd -nb -5 u pw`
        let cases = [
            (
                Variant::Sha256,
                "BD83WByaRkorKu77$rB/Euo9FtsZoSIz4COuyZzT5C4HenvWrhLf5lANRMTA",
                5000,
            ),
            (
                Variant::Sha256,
                "rounds=10000$gV1vkykqmdnolzq.$INyukSViymRc.N5qLFQpguxd0OqbbRVcSHPomBk0ee.",
                10000,
            ),
            (
                Variant::Sha512,
                "eh/aCibFT5jQmd7H$f10G1uML.LMMHq51pLRiNfNXBD5EPSvMg60Oi.NOrX9e/1oHs.2pz.ABaXFBU1aH17vCdk8.sjIVwRMZFap4Q.",
                5000,
            ),
        ];
        for (variant, rest, rounds) in cases {
            let h = ShaCrypt::parse(variant, rest).expect("parses");
            assert_eq!(h.rounds(), rounds);
            assert!(h.verify(b"pw"), "{rest}");
            assert!(!h.verify(b"pw "), "{rest}");
            let salt = rest
                .trim_start_matches("rounds=10000$")
                .split('$')
                .next()
                .unwrap_or_default();
            assert_eq!(
                hash(variant, b"pw", salt, rounds),
                format!("{}{rest}", variant.prefix())
            );
        }
    }

    #[test]
    fn rounds_are_clamped_like_glibc() {
        assert_eq!(clamp_rounds(10), MIN_ROUNDS);
        assert_eq!(clamp_rounds(5_000_000_000), MAX_ROUNDS);
        let h = ShaCrypt::parse(
            Variant::Sha256,
            "rounds=10$salt$rB/Euo9FtsZoSIz4COuyZzT5C4HenvWrhLf5lANRMTA",
        )
        .expect("parses");
        assert_eq!(h.rounds(), MIN_ROUNDS);
    }

    #[test]
    fn refuses_malformed() {
        for rest in [
            "nosalt",
            "rounds=$salt$rB/Euo9FtsZoSIz4COuyZzT5C4HenvWrhLf5lANRMTA",
            "rounds=abc$salt$rB/Euo9FtsZoSIz4COuyZzT5C4HenvWrhLf5lANRMTA",
            "saltsaltsaltsaltX$rB/Euo9FtsZoSIz4COuyZzT5C4HenvWrhLf5lANRMTA",
            "salt$tooshort",
            "salt$rB/Euo9FtsZoSIz4COuyZzT5C4HenvWrhLf5lANRMT+",
        ] {
            assert!(ShaCrypt::parse(Variant::Sha256, rest).is_err(), "{rest}");
        }
    }
}
