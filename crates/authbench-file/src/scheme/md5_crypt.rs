//! MD5-crypt: Apache's `$apr1$` and the FreeBSD/glibc `$1$` (same algorithm, different magic),
//! written here on `md-5` because no lean maintained crate implements it.
//!
//! Poul-Henning Kamp's algorithm: an MD5 of password, magic and salt, then 1000 rounds mixing
//! password, salt and the previous digest.

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use super::{HashError, crypt64};

/// Longest salt MD5-crypt uses; longer salts are cut by the algorithm, so a stored longer salt
/// can never verify.
pub(crate) const MAX_SALT: usize = 8;

/// Length of the encoded digest.
const ENCODED_LEN: usize = crypt64::encoded_len(16);

/// Byte order of the final encoding (glibc's `b64_from_24bit` groups 0/6/12, 1/7/13, …, 11).
const ORDER: [usize; 16] = [12, 6, 0, 13, 7, 1, 14, 8, 2, 15, 9, 3, 5, 10, 4, 11];

/// Which magic string the hash carries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Magic {
    /// `$apr1$`, Apache's variant (the htpasswd default).
    Apr1,
    /// `$1$`, the original FreeBSD / glibc variant.
    One,
}

impl Magic {
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Magic::Apr1 => "$apr1$",
            Magic::One => "$1$",
        }
    }
}

/// A parsed MD5-crypt hash.
#[derive(Clone)]
pub(crate) struct Md5Crypt {
    magic: Magic,
    salt: String,
    encoded: [u8; ENCODED_LEN],
}

impl Md5Crypt {
    /// Parses what follows the magic: `salt$digest`.
    pub(crate) fn parse(magic: Magic, rest: &str) -> Result<Self, HashError> {
        let malformed = |why| HashError::Malformed {
            scheme: match magic {
                Magic::Apr1 => "apr1",
                Magic::One => "md5-crypt",
            },
            why,
        };
        let (salt, digest) = rest
            .split_once('$')
            .ok_or_else(|| malformed("expected `salt$digest` after the prefix"))?;
        if salt.len() > MAX_SALT {
            return Err(malformed("salt is longer than 8 characters"));
        }
        if salt
            .bytes()
            .any(|c| c.is_ascii_whitespace() || c.is_ascii_control())
        {
            return Err(malformed("salt contains whitespace or a control character"));
        }
        if digest.len() != ENCODED_LEN {
            return Err(malformed("digest is not 22 characters"));
        }
        if !crypt64::all_crypt_chars(digest) || !crypt64::is_canonical(digest, 16) {
            return Err(malformed("digest is not in the crypt alphabet ./0-9A-Za-z"));
        }
        let mut encoded = [0u8; ENCODED_LEN];
        encoded.copy_from_slice(digest.as_bytes());
        Ok(Md5Crypt {
            magic,
            salt: salt.to_owned(),
            encoded,
        })
    }

    /// Whether `password` matches, compared in constant time.
    pub(crate) fn verify(&self, password: &[u8]) -> bool {
        let computed = encode(&md5_crypt(password, self.salt.as_bytes(), self.magic));
        computed.ct_eq(&self.encoded[..]).into()
    }

    /// The magic this hash carries.
    pub(crate) fn magic(&self) -> Magic {
        self.magic
    }
}

/// Hashes `password` with `salt` (cut to 8 bytes) into the full `$apr1$salt$digest` string.
pub(crate) fn hash(password: &[u8], salt: &str, magic: Magic) -> String {
    let salt = salt.get(..MAX_SALT).unwrap_or(salt);
    let digest = encode(&md5_crypt(password, salt.as_bytes(), magic));
    format!(
        "{}{}${}",
        magic.prefix(),
        salt,
        String::from_utf8_lossy(&digest)
    )
}

fn encode(raw: &[u8; 16]) -> Vec<u8> {
    crypt64::encode_ordered(raw, &ORDER)
}

/// The raw 16-byte MD5-crypt digest.
fn md5_crypt(password: &[u8], salt: &[u8], magic: Magic) -> [u8; 16] {
    let salt = salt.get(..MAX_SALT).unwrap_or(salt);

    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();

    let mut ctx = Md5::new();
    ctx.update(password);
    ctx.update(magic.prefix().as_bytes());
    ctx.update(salt);
    // One byte of the alternate digest per password byte, 16 at a time.
    let mut left = password.len();
    while left > 0 {
        let take = left.min(16);
        ctx.update(alternate.get(..take).unwrap_or(&[]));
        left -= take;
    }
    // The historical oddity: a zero byte for each set bit of the length, else the password's
    // first byte.
    let mut bits = password.len();
    while bits != 0 {
        if bits & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(password.get(..1).unwrap_or(&[]));
        }
        bits >>= 1;
    }
    let mut digest: [u8; 16] = ctx.finalize().into();

    for round in 0..1000 {
        let mut ctx = Md5::new();
        if round % 2 == 1 {
            ctx.update(password);
        } else {
            ctx.update(digest);
        }
        if round % 3 != 0 {
            ctx.update(salt);
        }
        if round % 7 != 0 {
            ctx.update(password);
        }
        if round % 2 == 1 {
            ctx.update(digest);
        } else {
            ctx.update(password);
        }
        digest = ctx.finalize().into();
    }
    digest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // Produced by Apache's `htpasswd -nbm u pw` .
        let apr1 = Md5Crypt::parse(Magic::Apr1, "K7CGBoDi$J9/4eZR1hw0iqanp.zVwE1").expect("parses");
        assert!(apr1.verify(b"pw"));
        assert!(!apr1.verify(b"pW"));
        assert_eq!(
            hash(b"pw", "K7CGBoDi", Magic::Apr1),
            "$apr1$K7CGBoDi$J9/4eZR1hw0iqanp.zVwE1"
        );
        // `openssl passwd -1 -salt saltsalt pw`
        let one = Md5Crypt::parse(Magic::One, "saltsalt$6SNdNaZLKst2LlSm7oPPL1").expect("parses");
        assert!(one.verify(b"pw"));
        assert!(!one.verify(b"px"));
    }

    #[test]
    fn refuses_malformed() {
        for rest in [
            "abc",
            "toolongsalt$J9/4eZR1hw0iqanp.zVwE1",
            "K7CGBoDi$short",
            "K7CGBoDi$J9/4eZR1hw0iqanp.zVwE+",
        ] {
            assert!(Md5Crypt::parse(Magic::Apr1, rest).is_err(), "{rest}");
        }
    }
}
