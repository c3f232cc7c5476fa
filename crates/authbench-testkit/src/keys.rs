//! The committed test key set (`crates/authbench-testkit/keys`, see its README): HMAC secrets,
//! RSA, EC and Ed25519 key pairs as PEM, and a JWKS of the public keys.
//!
//! Configs under test name keys by file name relative to [`dir()`], as a deployment config names
//! them relative to its own folder:
//!
//! ```
//! use authbench_testkit::keys;
//!
//! let base = keys::dir(); // the folder relative key paths resolve against
//! assert!(base.join(keys::RSA_PUBLIC).is_file());
//! assert!(keys::read(keys::RSA_PUBLIC).starts_with(b"-----BEGIN PUBLIC KEY-----"));
//! ```
//!
//! The readers panic on a missing or unknown file: a broken key set is a broken test, not a case
//! to handle. Their messages name the file, never its contents.

use std::path::{Path, PathBuf};

/// HMAC secret: 48 base64 characters used as raw bytes (not decoded); see [`hmac_secret`].
pub const HS_SECRET: &str = "hs.secret";
/// A 16-byte HMAC secret, below jwt mode's 32-byte minimum.
pub const SHORT_SECRET: &str = "short.secret";
/// RSA 2048 private key, PKCS#8 PEM (RS*, PS*).
pub const RSA_PRIVATE: &str = "rsa.key.pem";
/// The public half of [`RSA_PRIVATE`], SPKI PEM.
pub const RSA_PUBLIC: &str = "rsa.pub.pem";
/// A second RSA 2048 private key: key rotation, and the attacker's key.
pub const RSA2_PRIVATE: &str = "rsa2.key.pem";
/// The public half of [`RSA2_PRIVATE`].
pub const RSA2_PUBLIC: &str = "rsa2.pub.pem";
/// EC P-256 private key (ES256), PKCS#8 PEM.
pub const EC256_PRIVATE: &str = "ec256.key.pem";
/// The public half of [`EC256_PRIVATE`].
pub const EC256_PUBLIC: &str = "ec256.pub.pem";
/// EC P-384 private key (ES384), PKCS#8 PEM.
pub const EC384_PRIVATE: &str = "ec384.key.pem";
/// The public half of [`EC384_PRIVATE`].
pub const EC384_PUBLIC: &str = "ec384.pub.pem";
/// Ed25519 private key (EdDSA), PKCS#8 PEM.
pub const ED25519_PRIVATE: &str = "ed25519.key.pem";
/// The public half of [`ED25519_PRIVATE`].
pub const ED25519_PUBLIC: &str = "ed25519.pub.pem";
/// Public JWKs `rsa-1`, `ec-1`, `ed-1` and an encryption key `enc-1`.
pub const JWKS: &str = "jwks.json";

/// Every file of the key set, by name.
pub const FILES: [&str; 13] = [
    HS_SECRET,
    SHORT_SECRET,
    RSA_PRIVATE,
    RSA_PUBLIC,
    RSA2_PRIVATE,
    RSA2_PUBLIC,
    EC256_PRIVATE,
    EC256_PUBLIC,
    EC384_PRIVATE,
    EC384_PUBLIC,
    ED25519_PRIVATE,
    ED25519_PUBLIC,
    JWKS,
];

/// The folder holding the key set (an absolute path, fixed at compile time).
pub fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/keys"))
}

/// The path of the key file `name` (one of [`FILES`]).
///
/// # Panics
///
/// If `name` is not in the key set, so a typo fails where it is made rather than as a
/// missing-file error deep inside the code under test. (A test that wants a missing file joins
/// its own name to [`dir()`].)
pub fn path(name: &str) -> PathBuf {
    assert!(
        FILES.contains(&name),
        "`{name}` is not a test key (see crates/authbench-testkit/keys/README.md)"
    );
    dir().join(name)
}

/// The bytes of the key file `name`.
///
/// # Panics
///
/// If `name` is not in the key set or the file cannot be read.
pub fn read(name: &str) -> Vec<u8> {
    let path = path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("test key {}: {e}", path.display()))
}

/// The text of the key file `name` (PEM, JWKS or secret).
///
/// # Panics
///
/// If `name` is not in the key set or the file cannot be read as UTF-8.
pub fn read_to_string(name: &str) -> String {
    let path = path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("test key {}: {e}", path.display()))
}

/// The HMAC key jwt mode makes of [`HS_SECRET`]: the file's bytes with surrounding whitespace
/// trimmed, not base64-decoded. For checks computed outside the code under test.
pub fn hmac_secret() -> Vec<u8> {
    read(HS_SECRET).trim_ascii().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_file_is_there_and_holds_what_its_name_says() {
        for name in FILES {
            let text = read_to_string(name);
            let kind = if name.ends_with(".key.pem") {
                "-----BEGIN PRIVATE KEY-----\n"
            } else if name.ends_with(".pub.pem") {
                "-----BEGIN PUBLIC KEY-----\n"
            } else if name.ends_with(".json") {
                "{"
            } else {
                ""
            };
            assert!(text.starts_with(kind), "{name} starts with {kind:?}");
        }
        assert_eq!(hmac_secret().len(), 48, "{HS_SECRET}: 48 characters");
        assert_eq!(read(SHORT_SECRET).len(), 16, "{SHORT_SECRET}: 16 bytes");
        let jwks = read_to_string(JWKS);
        for kid in ["rsa-1", "ec-1", "ed-1", "enc-1"] {
            assert!(
                jwks.contains(&format!("\"kid\": \"{kid}\"")),
                "{JWKS} has {kid}"
            );
        }
    }

    #[test]
    fn the_folder_holds_nothing_unlisted_but_its_readme_and_script() {
        let mut found: Vec<String> = std::fs::read_dir(dir())
            .expect("keys folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n != "README.md" && n != "gen-keys.sh")
            .collect();
        found.sort();
        let mut listed: Vec<String> = FILES.iter().map(|n| (*n).to_owned()).collect();
        listed.sort();
        assert_eq!(found, listed);
    }

    #[test]
    fn the_readme_says_test_only_and_lists_every_file() {
        let readme = std::fs::read_to_string(dir().join("README.md")).expect("README");
        assert!(readme.contains("never for production"));
        for name in FILES {
            assert!(readme.contains(&format!("`{name}`")), "README lists {name}");
        }
    }

    #[test]
    #[should_panic(expected = "`rsa.pem` is not a test key")]
    fn an_unknown_name_panics_where_it_is_written() {
        let _ = path("rsa.pem");
    }
}
