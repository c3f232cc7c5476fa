//! Verification keys: an HMAC secret, PEM public keys and JWKS entries, each tagged with the
//! algorithm family (and, for EC, the curve) it can verify, so a token whose `alg` does not fit its
//! key is refused before any cryptography runs.

use aws_lc_rs::digest;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind};

use crate::error::describe_key_error;

/// Shortest HMAC secret accepted (Red5 Pro requires 32 bytes).
pub const MIN_HMAC_SECRET_LEN: usize = 32;

/// Most keys taken from one JWKS document: a kid-less token is tried against each fitting key.
pub const MAX_JWKS_KEYS: usize = 32;

/// Most bytes of a JWKS document or discovery document read.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// An elliptic curve a key is on, which decides the one ES algorithm it verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
}

/// One key that can verify signatures.
pub(crate) struct VerifyKey {
    /// `kid` it answers to; `None` matches a token with any or no `kid`.
    pub kid: Option<String>,
    /// The family of algorithms it verifies.
    pub family: AlgorithmFamily,
    /// A JWK's `alg`: when set, the only algorithm it verifies.
    pub alg: Option<Algorithm>,
    /// The curve of an EC key.
    pub curve: Option<Curve>,
    /// The key itself.
    pub key: DecodingKey,
}

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .field("family", &self.family)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl VerifyKey {
    /// Whether this key may verify a token signed with `alg`.
    pub fn fits(&self, alg: Algorithm) -> bool {
        if self.family != alg.family() || self.alg.is_some_and(|a| a != alg) {
            return false;
        }
        match (self.curve, alg) {
            (Some(Curve::P256), Algorithm::ES256) | (Some(Curve::P384), Algorithm::ES384) => true,
            (Some(_), _) => false,
            (None, _) => true,
        }
    }

    /// An HMAC key from a secret (length checked by the caller).
    pub fn hmac(secret: &[u8]) -> Result<Self, String> {
        let key = DecodingKey::from_secret(secret).map_err(|e| describe_key_error(e.kind()))?;
        Ok(VerifyKey {
            kid: None,
            family: AlgorithmFamily::Hmac,
            alg: None,
            curve: None,
            key,
        })
    }

    /// A public key from PEM text: RSA (SPKI or PKCS#1), EC P-256/P-384 (SPKI) or Ed25519 (SPKI).
    pub fn from_public_pem(pem: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(pem).map_err(|_| "not PEM text".to_owned())?;
        if text.contains("PRIVATE KEY") {
            return Err("a private key where a public key is expected".to_owned());
        }
        if text.contains("CERTIFICATE") {
            return Err(
                "a certificate; give the public key (openssl x509 -pubkey -noout)".to_owned(),
            );
        }
        if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            return Ok(VerifyKey {
                kid: None,
                family: AlgorithmFamily::Rsa,
                alg: None,
                curve: None,
                key,
            });
        }
        if let Ok(key) = DecodingKey::from_ec_pem(pem) {
            let curve = ec_curve_of(&key)?;
            return Ok(VerifyKey {
                kid: None,
                family: AlgorithmFamily::Ec,
                alg: None,
                curve: Some(curve),
                key,
            });
        }
        if let Ok(key) = DecodingKey::from_ed_pem(pem) {
            return Ok(VerifyKey {
                kid: None,
                family: AlgorithmFamily::Ed,
                alg: None,
                curve: None,
                key,
            });
        }
        Err("not a PEM public key (RSA, EC P-256/P-384 or Ed25519)".to_owned())
    }

    /// A key from one JWKS entry, or `None` with the reason it is skipped (not for signatures,
    /// unsupported type or curve, weak HMAC secret).
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, String> {
        if let Some(u) = &jwk.common.public_key_use
            && *u != PublicKeyUse::Signature
        {
            return Err("its `use` is not `sig`".to_owned());
        }
        if let Some(ops) = &jwk.common.key_operations
            && !ops.contains(&KeyOperations::Verify)
        {
            return Err("its `key_ops` lack `verify`".to_owned());
        }
        let alg = match jwk.common.key_algorithm {
            None => None,
            Some(a) => Some(
                Algorithm::try_from(a)
                    .map_err(|_| format!("its `alg` {a} is not a signature algorithm"))?,
            ),
        };
        let (family, curve) = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => (AlgorithmFamily::Rsa, None),
            AlgorithmParameters::EllipticCurve(p) => match p.curve {
                EllipticCurve::P256 => (AlgorithmFamily::Ec, Some(Curve::P256)),
                EllipticCurve::P384 => (AlgorithmFamily::Ec, Some(Curve::P384)),
                _ => return Err("its curve is not P-256 or P-384".to_owned()),
            },
            AlgorithmParameters::OctetKeyPair(p) => match p.curve {
                EllipticCurve::Ed25519 => (AlgorithmFamily::Ed, None),
                _ => return Err("its OKP curve is not Ed25519".to_owned()),
            },
            AlgorithmParameters::OctetKey(_) => (AlgorithmFamily::Hmac, None),
            _ => return Err("unsupported key type".to_owned()),
        };
        if let Some(a) = alg
            && a.family() != family
        {
            return Err(format!("its `alg` {a:?} does not fit its key type"));
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|e| describe_key_error(e.kind()))?;
        if family == AlgorithmFamily::Hmac {
            let len = key.try_get_as_bytes().map(<[u8]>::len).unwrap_or(0);
            if len < MIN_HMAC_SECRET_LEN {
                return Err(format!(
                    "its HMAC secret is {len} bytes (at least {MIN_HMAC_SECRET_LEN})"
                ));
            }
        }
        if let Some(c) = curve
            && ec_curve_of(&key)? != c
        {
            return Err("its coordinates do not fit its curve".to_owned());
        }
        Ok(VerifyKey {
            kid: jwk.common.key_id.clone(),
            family,
            alg,
            curve,
            key,
        })
    }
}

/// The curve of an EC public key from the length of its uncompressed point.
fn ec_curve_of(key: &DecodingKey) -> Result<Curve, String> {
    match key.try_get_as_bytes().map(<[u8]>::len) {
        Ok(65) => Ok(Curve::P256),
        Ok(97) => Ok(Curve::P384),
        _ => Err("EC key is not an uncompressed P-256 or P-384 point".to_owned()),
    }
}

/// Keys from a JWKS document, and a note for every entry skipped.
pub(crate) fn parse_jwks(bytes: &[u8]) -> Result<(Vec<VerifyKey>, Vec<String>), String> {
    #[derive(serde::Deserialize)]
    struct Doc {
        keys: Vec<serde_json::Value>,
    }
    let doc: Doc = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "not a JWKS document (line {} column {}: {})",
            e.line(),
            e.column(),
            classify(&e)
        )
    })?;
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    for (i, entry) in doc.keys.into_iter().enumerate() {
        if keys.len() >= MAX_JWKS_KEYS {
            skipped.push(format!(
                "keys[{i}..]: more than {MAX_JWKS_KEYS} keys, rest ignored"
            ));
            break;
        }
        let parsed = serde_json::from_value::<Jwk>(entry)
            .map_err(|_| "not a JWK".to_owned())
            .and_then(|jwk| VerifyKey::from_jwk(&jwk));
        match parsed {
            Ok(k) => keys.push(k),
            Err(reason) => skipped.push(format!("keys[{i}] skipped: {reason}")),
        }
    }
    Ok((keys, skipped))
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "missing or mistyped `keys`",
        serde_json::error::Category::Eof => "truncated",
    }
}

/// The keys a validator holds at one time.
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    keys: Vec<VerifyKey>,
}

impl KeySet {
    pub fn new(keys: Vec<VerifyKey>) -> Self {
        KeySet { keys }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &VerifyKey> {
        self.keys.iter()
    }

    /// Keys whose `kid` is exactly `kid`.
    pub fn with_kid<'a>(&'a self, kid: &'a str) -> impl Iterator<Item = &'a VerifyKey> + 'a {
        self.keys
            .iter()
            .filter(move |k| k.kid.as_deref() == Some(kid))
    }

    /// Whether some key has this `kid`.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.with_kid(kid).next().is_some()
    }

    /// What identifies the set, for telling whether a refresh changed anything: each key's
    /// `kid`, family, `alg` and a digest of its material, so a key replaced under the same `kid`
    /// (or a kid-less key rotated) counts as a change.
    pub fn fingerprint(&self) -> Vec<KeyFingerprint> {
        self.keys
            .iter()
            .map(|k| (k.kid.clone(), k.family, k.alg, material_digest(&k.key)))
            .collect()
    }
}

/// One key's entry in [`KeySet::fingerprint`].
pub(crate) type KeyFingerprint = (Option<String>, AlgorithmFamily, Option<Algorithm>, [u8; 32]);

/// SHA-256 of a key's material (length-prefixed parts, so `n`/`e` boundaries count).
fn material_digest(key: &DecodingKey) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    let mut part = |bytes: &[u8]| {
        ctx.update(&(bytes.len() as u64).to_be_bytes());
        ctx.update(bytes);
    };
    match key.kind() {
        DecodingKeyKind::SecretOrDer(bytes) => part(bytes),
        DecodingKeyKind::RsaModulusExponent { n, e } => {
            part(n);
            part(e);
        }
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_entries_not_for_signatures_are_skipped() {
        let doc = br#"{"keys":[
            {"kty":"oct","k":"c2hvcnQ","kid":"short"},
            {"kty":"oct","k":"MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE","kid":"ok","alg":"HS256"},
            {"kty":"oct","k":"MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE","use":"enc"},
            {"kty":"RSA","n":"AQAB","e":"AQAB","alg":"RSA-OAEP"},
            {"kty":"weird"}
        ]}"#;
        let (keys, skipped) = parse_jwks(doc).expect("document parses");
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("ok"));
        assert!(keys[0].fits(Algorithm::HS256));
        assert!(
            !keys[0].fits(Algorithm::HS384),
            "JWK alg pins the algorithm"
        );
        assert_eq!(skipped.len(), 4, "{skipped:?}");
    }

    #[test]
    fn jwks_that_is_not_an_object_is_an_error() {
        assert!(parse_jwks(b"[1,2]").is_err());
        assert!(parse_jwks(b"{\"keys\": 3}").is_err());
        assert!(parse_jwks(b"not json").is_err());
    }
}
