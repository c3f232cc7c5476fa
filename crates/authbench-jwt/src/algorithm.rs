//! The signature algorithms a `jwt:` section may allow, by their JOSE names (RFC 7518 §3.1,
//! RFC 8037 for `EdDSA`). `none` is not one of them: an unsigned token is never accepted.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An accepted `alg` value. Written in configuration with its exact JOSE name (`HS256`,
/// `EdDSA`, …; case-sensitive, as in a token header): an unknown name is a parse error that lists
/// the supported ones.
#[allow(clippy::upper_case_acronyms)] // the JOSE names themselves
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Algorithm {
    /// HMAC with SHA-256 (shared secret).
    HS256,
    /// HMAC with SHA-384 (shared secret).
    HS384,
    /// HMAC with SHA-512 (shared secret).
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519.
    EdDSA,
}

impl Algorithm {
    /// Every supported algorithm, in the order error messages list them.
    pub const ALL: [Algorithm; 12] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ];

    /// The JOSE name (`HS256`, `EdDSA`, …), as written in configuration and token headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// Whether it is an HMAC algorithm (verified with a shared secret, not a public key).
    pub fn is_hmac(self) -> bool {
        matches!(self, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a supported [`Algorithm`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error(
    "`{name}` is not a supported JWT algorithm (HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)"
)]
pub struct UnknownAlgorithm {
    /// The name as given (an algorithm name, not secret material).
    pub name: String,
}

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    /// Exact JOSE names only: `hs256` and ` HS256` are refused, as a token header's `alg` is.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAlgorithm { name: s.to_owned() })
    }
}

impl From<Algorithm> for jsonwebtoken::Algorithm {
    fn from(alg: Algorithm) -> Self {
        match alg {
            Algorithm::HS256 => jsonwebtoken::Algorithm::HS256,
            Algorithm::HS384 => jsonwebtoken::Algorithm::HS384,
            Algorithm::HS512 => jsonwebtoken::Algorithm::HS512,
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
            Algorithm::RS384 => jsonwebtoken::Algorithm::RS384,
            Algorithm::RS512 => jsonwebtoken::Algorithm::RS512,
            Algorithm::PS256 => jsonwebtoken::Algorithm::PS256,
            Algorithm::PS384 => jsonwebtoken::Algorithm::PS384,
            Algorithm::PS512 => jsonwebtoken::Algorithm::PS512,
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::ES384 => jsonwebtoken::Algorithm::ES384,
            Algorithm::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_from_str_display_and_serde() {
        for alg in Algorithm::ALL {
            assert_eq!(alg.as_str().parse::<Algorithm>(), Ok(alg));
            assert_eq!(alg.to_string(), alg.as_str());
            let json = serde_json::to_string(&alg).expect("serializes");
            assert_eq!(json, format!("\"{}\"", alg.as_str()));
            assert_eq!(
                serde_json::from_str::<Algorithm>(&json).expect("parses"),
                alg
            );
            // The JOSE name is the one jsonwebtoken reads in token headers.
            assert_eq!(
                alg.as_str().parse::<jsonwebtoken::Algorithm>().ok(),
                Some(jsonwebtoken::Algorithm::from(alg))
            );
        }
    }

    #[test]
    fn unknown_names_are_refused_with_the_list() {
        for name in ["none", "hs256", " HS256", "HS257", "ES512", ""] {
            let err = name.parse::<Algorithm>().expect_err(name);
            assert_eq!(err.name, name);
            assert_eq!(
                err.to_string(),
                format!(
                    "`{name}` is not a supported JWT algorithm (HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)"
                )
            );
        }
    }

    #[test]
    fn hmac_is_the_hs_family() {
        let hmac: Vec<_> = Algorithm::ALL.into_iter().filter(|a| a.is_hmac()).collect();
        assert_eq!(hmac, [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512]);
    }
}
