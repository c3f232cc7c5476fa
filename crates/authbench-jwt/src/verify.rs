//! The one place where jsonwebtoken's errors become deny reasons. Matching is on
//! [`ErrorKind`], never on error text.

use authbench_core::{Deny, DenyReason};
use jsonwebtoken::errors::{Error, ErrorKind};

/// The deny for a jsonwebtoken error met while validating a token.
pub(crate) fn deny_from_jwt_error(e: &Error) -> Deny {
    let (reason, detail) = match e.kind() {
        ErrorKind::InvalidSignature => {
            (DenyReason::BadSignature, "token signature does not verify")
        }
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::MissingAlgorithm => (
            DenyReason::AlgorithmNotAllowed,
            "token algorithm is not allowed for this key",
        ),
        ErrorKind::ExpiredSignature => (DenyReason::Expired, "token has expired"),
        ErrorKind::ImmatureSignature => (DenyReason::NotYetValid, "token is not valid yet"),
        ErrorKind::InvalidIssuer => (DenyReason::IssuerNotAllowed, "token issuer is not accepted"),
        ErrorKind::InvalidAudience => (
            DenyReason::AudienceMismatch,
            "token audience is not accepted",
        ),
        ErrorKind::MissingRequiredClaim(_) => {
            (DenyReason::MissingClaim, "token lacks a required claim")
        }
        ErrorKind::InvalidClaimFormat(_) | ErrorKind::InvalidSubject => (
            DenyReason::MalformedCredentials,
            "token claim has the wrong format",
        ),
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => (
            DenyReason::MalformedCredentials,
            "token is not a well-formed JWS",
        ),
        // The key cannot check this signature (wrong size, unusable material): the token is
        // not verified, whatever its content.
        ErrorKind::InvalidKeyFormat
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey => {
            (DenyReason::BadSignature, "the key cannot verify this token")
        }
        // The crypto provider itself failed: no decision could be made.
        ErrorKind::RsaFailedSigning | ErrorKind::Signing(_) | ErrorKind::Provider(_) => {
            (DenyReason::BackendUnavailable, "the crypto provider failed")
        }
        _ => (DenyReason::BadSignature, "token could not be verified"),
    };
    Deny::new(reason, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::errors::new_error;

    #[test]
    fn kinds_map_to_precise_reasons() {
        let cases = [
            (ErrorKind::InvalidSignature, DenyReason::BadSignature),
            (ErrorKind::InvalidAlgorithm, DenyReason::AlgorithmNotAllowed),
            (
                ErrorKind::InvalidAlgorithmName,
                DenyReason::AlgorithmNotAllowed,
            ),
            (ErrorKind::ExpiredSignature, DenyReason::Expired),
            (ErrorKind::ImmatureSignature, DenyReason::NotYetValid),
            (ErrorKind::InvalidIssuer, DenyReason::IssuerNotAllowed),
            (ErrorKind::InvalidAudience, DenyReason::AudienceMismatch),
            (
                ErrorKind::MissingRequiredClaim("exp".into()),
                DenyReason::MissingClaim,
            ),
            (ErrorKind::InvalidToken, DenyReason::MalformedCredentials),
            (ErrorKind::InvalidKeyFormat, DenyReason::BadSignature),
            (
                ErrorKind::Provider("x".into()),
                DenyReason::BackendUnavailable,
            ),
        ];
        for (kind, reason) in cases {
            assert_eq!(
                deny_from_jwt_error(&new_error(kind.clone())).reason,
                reason,
                "{kind:?}"
            );
        }
    }
}
