//! The issuer's signing keys: ES256 (P-256) key pairs generated at start, their JWKS, rotation with
//! a grace period, and verification of the service's own tokens.
//!
//! # Rotation
//!
//! [`KeyRing::rotate`] makes a fresh key current; the previous one is *retired*: it signs nothing
//! more, but stays in the JWKS and keeps verifying for the grace period (by default the token TTL,
//! so every token it signed can still be checked until it expires). After that it is dropped.
//! At most [`MAX_RETIRED`] retired keys are kept, so repeated rotation cannot grow memory.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use authbench_core::DenyReason;
use aws_lc_rs::digest;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

/// Retired keys kept at most, whatever the grace period.
pub const MAX_RETIRED: usize = 8;

/// Why a key could not be generated or a token signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Key generation failed in the crypto library.
    #[error("could not generate an ES256 key pair")]
    Generate(#[source] aws_lc_rs::error::Unspecified),
    /// The public point had an unexpected encoding.
    #[error("unexpected P-256 public key encoding")]
    PublicKey,
    /// Signing failed.
    #[error("could not sign the token")]
    Sign(#[source] jsonwebtoken::errors::Error),
}

/// One signing key. Debug shows the `kid` only.
struct SigningKey {
    kid: String,
    x: String,
    y: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// When it stopped being current (time since the epoch), if it has.
    retired_at: Option<Duration>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    fn generate() -> Result<Self, KeyError> {
        let pair =
            EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(KeyError::Generate)?;
        let pkcs8 = pair.to_pkcs8v1().map_err(KeyError::Generate)?;
        // Uncompressed SEC1 point: 0x04 || X (32 bytes) || Y (32 bytes).
        let point = pair.public_key().as_ref();
        let (x, y) = match point {
            [0x04, rest @ ..] if rest.len() == 64 => rest.split_at(32),
            _ => return Err(KeyError::PublicKey),
        };
        let x = URL_SAFE_NO_PAD.encode(x);
        let y = URL_SAFE_NO_PAD.encode(y);
        let decoding = DecodingKey::from_ec_components(&x, &y).map_err(|_| KeyError::PublicKey)?;
        Ok(SigningKey {
            kid: thumbprint(&x, &y),
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            decoding,
            x,
            y,
            retired_at: None,
        })
    }

    fn jwk(&self) -> Value {
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": self.x,
            "y": self.y,
            "kid": self.kid,
            "use": "sig",
            "alg": "ES256",
        })
    }

    fn valid_at(&self, now: Duration, grace: Duration) -> bool {
        self.retired_at
            .is_none_or(|at| now < at.saturating_add(grace))
    }
}

/// The RFC 7638 JWK thumbprint of a P-256 key, base64url: a stable `kid`.
fn thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
}

/// The current key and the retired ones still in their grace period.
#[derive(Debug)]
pub(crate) struct KeyRing {
    current: SigningKey,
    retired: VecDeque<SigningKey>,
    grace: Duration,
}

/// A token check that failed, with the deny reason it maps to.
#[derive(Debug)]
pub(crate) struct TokenError {
    pub(crate) reason: DenyReason,
    pub(crate) detail: &'static str,
}

fn token_error(reason: DenyReason, detail: &'static str) -> TokenError {
    TokenError { reason, detail }
}

impl KeyRing {
    pub(crate) fn new(grace: Duration) -> Result<Self, KeyError> {
        Ok(KeyRing {
            current: SigningKey::generate()?,
            retired: VecDeque::new(),
            grace,
        })
    }

    /// The `kid` of the current key.
    pub(crate) fn current_kid(&self) -> &str {
        &self.current.kid
    }

    /// Makes a fresh key current and retires the old one; returns the new `kid`.
    pub(crate) fn rotate(&mut self, now: Duration) -> Result<String, KeyError> {
        let mut old = std::mem::replace(&mut self.current, SigningKey::generate()?);
        old.retired_at = Some(now);
        self.retired.push_front(old);
        self.prune(now);
        Ok(self.current.kid.clone())
    }

    fn prune(&mut self, now: Duration) {
        let grace = self.grace;
        self.retired.retain(|k| k.valid_at(now, grace));
        self.retired.truncate(MAX_RETIRED);
    }

    /// The JWKS document: the current key first, then retired keys still in their grace period.
    pub(crate) fn jwks(&self, now: Duration) -> Value {
        let keys: Vec<Value> = std::iter::once(&self.current)
            .chain(self.retired.iter().filter(|k| k.valid_at(now, self.grace)))
            .map(SigningKey::jwk)
            .collect();
        json!({ "keys": keys })
    }

    /// Signs `claims` with the current key (ES256, `kid` in the header).
    pub(crate) fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.current.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.current.encoding).map_err(KeyError::Sign)
    }

    /// Checks a token's header and signature against the keys valid at `now` and returns its
    /// claims. Time-based claims are checked by the caller, with the injected clock.
    pub(crate) fn verify(&self, token: &str, now: Duration) -> Result<Value, TokenError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| token_error(DenyReason::MalformedCredentials, "the token is not a JWT"))?;
        if header.alg != Algorithm::ES256 {
            return Err(token_error(
                DenyReason::AlgorithmNotAllowed,
                "the service only accepts ES256 tokens",
            ));
        }
        let kid = header
            .kid
            .ok_or_else(|| token_error(DenyReason::UnknownKey, "the token has no kid"))?;
        let key = std::iter::once(&self.current)
            .chain(self.retired.iter())
            .find(|k| k.kid == kid && k.valid_at(now, self.grace))
            .ok_or_else(|| {
                token_error(
                    DenyReason::UnknownKey,
                    "no current signing key has this kid",
                )
            })?;
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        match jsonwebtoken::decode::<Value>(token, &key.decoding, &validation) {
            Ok(data) => Ok(data.claims),
            Err(e) => Err(match e.kind() {
                ErrorKind::InvalidSignature => token_error(
                    DenyReason::BadSignature,
                    "the token signature does not verify",
                ),
                ErrorKind::InvalidAlgorithm => token_error(
                    DenyReason::AlgorithmNotAllowed,
                    "algorithm does not fit the key",
                ),
                _ => token_error(
                    DenyReason::MalformedCredentials,
                    "the token cannot be decoded",
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_old_key_for_the_grace_period_only() {
        let grace = Duration::from_secs(300);
        let mut ring = KeyRing::new(grace).expect("keygen");
        let t0 = Duration::from_secs(1_000);
        let token = ring.sign(&json!({"sub": "a"})).expect("sign");
        let old_kid = ring.current_kid().to_owned();
        let new_kid = ring.rotate(t0).expect("rotate");
        assert_ne!(old_kid, new_kid);
        assert_eq!(ring.jwks(t0)["keys"].as_array().map(Vec::len), Some(2));
        assert!(ring.verify(&token, t0 + Duration::from_secs(299)).is_ok());
        let late = t0 + grace;
        assert_eq!(ring.jwks(late)["keys"].as_array().map(Vec::len), Some(1));
        let err = ring.verify(&token, late).expect_err("retired key expired");
        assert_eq!(err.reason, DenyReason::UnknownKey);
    }

    #[test]
    fn retired_keys_are_bounded() {
        let mut ring = KeyRing::new(Duration::from_secs(3600)).expect("keygen");
        for i in 0..20 {
            ring.rotate(Duration::from_secs(i)).expect("rotate");
        }
        assert_eq!(ring.retired.len(), MAX_RETIRED);
    }

    #[test]
    fn tampered_token_is_bad_signature() {
        let ring = KeyRing::new(Duration::from_secs(60)).expect("keygen");
        let token = ring.sign(&json!({"sub": "alice"})).expect("sign");
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"sub":"mallory"}"#);
        parts[1] = &forged;
        let forged = parts.join(".");
        let err = ring.verify(&forged, Duration::ZERO).expect_err("forged");
        assert_eq!(err.reason, DenyReason::BadSignature);
        let err = ring.verify("garbage", Duration::ZERO).expect_err("garbage");
        assert_eq!(err.reason, DenyReason::MalformedCredentials);
    }
}
