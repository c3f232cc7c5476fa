//! The answer side of the model: allow with a principal, or deny with a stable reason code.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The outcome of one [`Authenticator::authenticate`](crate::Authenticator::authenticate) call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The request may proceed.
    Allow(Allow),
    /// The request is refused, with the reason.
    Deny(Deny),
}

/// Details of an allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow {
    /// Who was authenticated (user name, token subject, or what the backend said).
    pub principal: String,
    /// When this allow stops being valid (a token's `exp`), as time since the Unix epoch.
    pub expires_at: Option<Duration>,
    /// Free-form note for reports (e.g. "weak hash scheme: DES crypt"). Never contains a secret.
    pub note: Option<String>,
}

/// Details of a deny.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deny {
    /// The stable reason code.
    pub reason: DenyReason,
    /// A human explanation. Never contains a secret (no password, token or key material).
    pub detail: String,
}

impl Deny {
    /// A deny with the given reason and explanation.
    pub fn new(reason: DenyReason, detail: impl Into<String>) -> Self {
        Deny {
            reason,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Deny {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.detail)
    }
}

impl Decision {
    /// An allow for `principal` with no expiry and no note.
    pub fn allow(principal: impl Into<String>) -> Self {
        Decision::Allow(Allow {
            principal: principal.into(),
            expires_at: None,
            note: None,
        })
    }

    /// A deny with the given reason and explanation.
    pub fn deny(reason: DenyReason, detail: impl Into<String>) -> Self {
        Decision::Deny(Deny::new(reason, detail))
    }

    /// True for an allow.
    pub fn is_allow(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }

    /// The deny reason, or `None` for an allow.
    pub fn reason(&self) -> Option<DenyReason> {
        match self {
            Decision::Allow(_) => None,
            Decision::Deny(d) => Some(d.reason),
        }
    }

    /// The principal of an allow.
    pub fn principal(&self) -> Option<&str> {
        match self {
            Decision::Allow(a) => Some(&a.principal),
            Decision::Deny(_) => None,
        }
    }
}

impl From<Deny> for Decision {
    fn from(d: Deny) -> Self {
        Decision::Deny(d)
    }
}

macro_rules! deny_reasons {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $status:literal; )*) => {
        /// Why a request was denied. One enum for every mode; each variant has a stable snake_case
        /// code (its serialised form) that is never renamed. New codes may be added.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum DenyReason {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl DenyReason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [DenyReason] = &[$(DenyReason::$variant),*];

            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self { $(DenyReason::$variant => $code,)* }
            }

            /// The HTTP status an auth endpoint answers with for this reason: 401 when the client
            /// should present (other) credentials, 403 when who they are is known and not allowed,
            /// 502 / 503 / 504 when the decision could not be made.
            pub fn http_status(self) -> u16 {
                match self { $(DenyReason::$variant => $status,)* }
            }
        }

        impl FromStr for DenyReason {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok(DenyReason::$variant),)*
                    _ => Err(format!("unknown deny reason `{s}`")),
                }
            }
        }
    };
}

deny_reasons! {
    /// No credentials of the kind this mode needs were presented.
    MissingCredentials = "missing_credentials", 401;
    /// Credentials were presented but could not be parsed (garbage token, bad encoding, too long).
    MalformedCredentials = "malformed_credentials", 400;
    /// The user name is not known.
    UnknownUser = "unknown_user", 401;
    /// The password does not match.
    BadPassword = "bad_password", 401;
    /// The token's signature does not verify.
    BadSignature = "bad_signature", 401;
    /// The token's algorithm is not in the allowed list or does not fit the key.
    AlgorithmNotAllowed = "algorithm_not_allowed", 401;
    /// No key matches the token's `kid`.
    UnknownKey = "unknown_key", 401;
    /// The token (or credential) has expired.
    Expired = "expired", 401;
    /// The token's `nbf` lies in the future.
    NotYetValid = "not_yet_valid", 401;
    /// The token's lifetime is longer than the configured maximum.
    TtlTooLong = "ttl_too_long", 401;
    /// A required claim is absent.
    MissingClaim = "missing_claim", 401;
    /// The token's issuer is not accepted.
    IssuerNotAllowed = "issuer_not_allowed", 401;
    /// The token's audience does not include an accepted one.
    AudienceMismatch = "audience_mismatch", 401;
    /// The principal's roles do not allow this action.
    RoleForbidden = "role_forbidden", 403;
    /// The principal may not use this room / path.
    RoomForbidden = "room_forbidden", 403;
    /// The principal may not use this transport.
    TransportForbidden = "transport_forbidden", 403;
    /// The principal belongs to another tenant than the stream.
    TenantMismatch = "tenant_mismatch", 403;
    /// A one-time token was used a second time.
    TokenReplayed = "token_replayed", 401;
    /// The replay cache is full, so a one-time token cannot be recorded (fails closed).
    ReplayCacheFull = "replay_cache_full", 503;
    /// The user or token has been revoked.
    Revoked = "revoked", 403;
    /// The external auth service said no.
    BackendRejected = "backend_rejected", 403;
    /// The external auth service (or key source) could not be reached or has no usable state.
    BackendUnavailable = "backend_unavailable", 503;
    /// The external auth service did not answer in time.
    BackendTimeout = "backend_timeout", 504;
    /// The external auth service answered something that is not a valid answer.
    BackendProtocolError = "backend_protocol_error", 502;
    /// Too many failed attempts for this client and user: refused without checking the
    /// credentials until the lockout window is over.
    RateLimited = "rate_limited", 429;
    /// A media server refused the session; its own words are in the detail.
    ServerRefused = "server_refused", 403;
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_serde_and_from_str() {
        for &r in DenyReason::ALL {
            let json = serde_json::to_string(&r).expect("serialise");
            assert_eq!(json, format!("\"{}\"", r.code()));
            assert_eq!(r.code().parse::<DenyReason>(), Ok(r));
            assert_eq!(r.to_string(), r.code());
        }
    }

    #[test]
    fn codes_from_the_design_are_all_present() {
        let design = "missing_credentials malformed_credentials unknown_user bad_password \
            bad_signature algorithm_not_allowed unknown_key expired not_yet_valid ttl_too_long \
            missing_claim issuer_not_allowed audience_mismatch role_forbidden room_forbidden \
            transport_forbidden tenant_mismatch token_replayed revoked backend_rejected \
            backend_unavailable backend_timeout backend_protocol_error";
        for code in design.split_whitespace() {
            assert!(code.parse::<DenyReason>().is_ok(), "{code} missing");
        }
    }

    #[test]
    fn infrastructure_failures_are_5xx() {
        assert_eq!(DenyReason::BackendTimeout.http_status(), 504);
        assert_eq!(DenyReason::BadPassword.http_status(), 401);
        assert_eq!(DenyReason::RoomForbidden.http_status(), 403);
        assert_eq!(DenyReason::ServerRefused.http_status(), 403);
    }

    #[test]
    fn server_refused_is_last_so_earlier_codes_keep_their_places() {
        assert_eq!(DenyReason::ALL.last(), Some(&DenyReason::ServerRefused));
        assert_eq!("server_refused".parse(), Ok(DenyReason::ServerRefused));
    }
}
