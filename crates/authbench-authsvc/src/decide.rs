//! The decision rules, independent of the wire format: who is asking (password or the service's
//! own token), then whether they may do this (revoked, role, room, tenant, transport).
//!
//! Order: credentials (`missing_credentials`, `unknown_user`, `bad_password`, or the token
//! checks), then `revoked`, `role_forbidden`, `room_forbidden`, `tenant_mismatch`,
//! `transport_forbidden`. Revocation is checked only after the password, so it reveals nothing
//! to someone who does not know it.
//!
//! Tenants own rooms by prefix, as tenant room prefixes do in JWT mode: a stream belongs to tenant
//! `acme` when its room is `acme` or begins with `acme` and a separator (`/`, `-`, `_`, `.`, `:`),
//! so `live/acme-lobby/cam1` and `live/acme/room1/cam1` are acme's, and a stream without a room is
//! nobody's. A user with a tenant may only use that tenant's streams. The room list is checked
//! first: a user confined to some rooms who reaches into another tenant's room is
//! `room_forbidden`; `tenant_mismatch` is what stops a user of a tenant with no room list.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use authbench_core::{DenyReason, Identity, Role, StreamPath, Transport};
use serde_json::Value;

/// What the wire format says about the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TransportInfo {
    /// The wire format has no transport field (Red5 Pro round trip): transport restrictions
    /// cannot be decided and are not applied; the client reports it cannot express them.
    NotSent,
    /// One of the model's transports.
    Known(Transport),
    /// A protocol outside the model (MediaMTX `hls`): only users without a transport restriction
    /// may use it.
    Other(String),
}

/// One question to the service. `Debug` does not show the password or the token.
pub(crate) struct Ask<'a> {
    pub(crate) username: &'a str,
    pub(crate) password: &'a str,
    pub(crate) token: &'a str,
    pub(crate) role: Role,
    pub(crate) transport: TransportInfo,
    pub(crate) path: &'a StreamPath,
    /// The client's address (the TCP peer), for the failed-attempt lockout.
    pub(crate) peer: IpAddr,
}

impl fmt::Debug for Ask<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |s: &str| if s.is_empty() { "" } else { "[redacted]" };
        f.debug_struct("Ask")
            .field("username", &self.username)
            .field("password", &shown(self.password))
            .field("token", &shown(self.token))
            .field("role", &self.role)
            .field("transport", &self.transport)
            .field("path", &self.path)
            .field("peer", &self.peer)
            .finish()
    }
}

/// A deny: the reason code and a human detail (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) reason: DenyReason,
    pub(crate) detail: Cow<'static, str>,
}

pub(crate) fn refuse(reason: DenyReason, detail: impl Into<Cow<'static, str>>) -> Refusal {
    Refusal {
        reason,
        detail: detail.into(),
    }
}

/// Whether the stream at `path` belongs to `tenant` (see the module documentation): the one
/// tenant rule every mode shares, [`authbench_core::tenant::room_belongs_to`].
pub(crate) fn belongs_to_tenant(path: &StreamPath, tenant: &str) -> bool {
    path.room()
        .is_some_and(|room| authbench_core::tenant::room_belongs_to(room, tenant))
}

/// Whether `identity` may do what `ask` asks, once we know who they are.
pub(crate) fn authorize(identity: &Identity, revoked: bool, ask: &Ask<'_>) -> Result<(), Refusal> {
    if revoked {
        return Err(refuse(DenyReason::Revoked, "the user has been revoked"));
    }
    if !identity.has_role(ask.role) {
        return Err(refuse(
            DenyReason::RoleForbidden,
            match ask.role {
                Role::Publisher => "the user may not publish",
                Role::Subscriber => "the user may not subscribe",
            },
        ));
    }
    if !identity.may_use_room(ask.path.room()) {
        return Err(refuse(
            DenyReason::RoomForbidden,
            "the user may not use this room",
        ));
    }
    if let Some(tenant) = &identity.tenant
        && !belongs_to_tenant(ask.path, tenant)
    {
        return Err(refuse(
            DenyReason::TenantMismatch,
            "the stream does not belong to the user's tenant",
        ));
    }
    match &ask.transport {
        TransportInfo::NotSent => {}
        TransportInfo::Known(t) => {
            if !identity.may_use_transport(*t) {
                return Err(refuse(
                    DenyReason::TransportForbidden,
                    format!("the user may not use {t}"),
                ));
            }
        }
        TransportInfo::Other(_) => {
            if !identity.transports.is_empty() {
                return Err(refuse(
                    DenyReason::TransportForbidden,
                    "the protocol is outside the user's allowed transports",
                ));
            }
        }
    }
    Ok(())
}

fn claim_secs(claims: &Value, name: &str) -> Option<Option<u64>> {
    // Outer None: absent; inner None: present but not a number of seconds.
    claims.get(name).map(|v| {
        v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        })
    })
}

/// Checks the time, issuer and audience claims of a verified token and returns its subject.
pub(crate) fn check_claims<'c>(
    claims: &'c Value,
    now_secs: u64,
    issuer: &str,
    audience: Option<&str>,
) -> Result<&'c str, Refusal> {
    let exp = match claim_secs(claims, "exp") {
        None => return Err(refuse(DenyReason::MissingClaim, "the token has no exp")),
        Some(None) => {
            return Err(refuse(
                DenyReason::MalformedCredentials,
                "exp is not a number",
            ));
        }
        Some(Some(exp)) => exp,
    };
    if now_secs >= exp {
        return Err(refuse(DenyReason::Expired, "the token has expired"));
    }
    match claim_secs(claims, "nbf") {
        Some(None) => {
            return Err(refuse(
                DenyReason::MalformedCredentials,
                "nbf is not a number",
            ));
        }
        Some(Some(nbf)) if now_secs < nbf => {
            return Err(refuse(
                DenyReason::NotYetValid,
                "the token is not valid yet",
            ));
        }
        _ => {}
    }
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err(refuse(
            DenyReason::IssuerNotAllowed,
            "the token was not issued here",
        ));
    }
    if let Some(aud) = audience {
        let ok = match claims.get("aud") {
            None => return Err(refuse(DenyReason::MissingClaim, "the token has no aud")),
            Some(Value::String(s)) => s == aud,
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(aud)),
            Some(_) => false,
        };
        if !ok {
            return Err(refuse(
                DenyReason::AudienceMismatch,
                "the token is for another audience",
            ));
        }
    }
    claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| refuse(DenyReason::MissingClaim, "the token has no sub"))
}

/// Token ids revoked through `/invalidateCredentials`, each until its token's `exp`, at most
/// `capacity` of them.
#[derive(Debug)]
pub(crate) struct RevokedTokens {
    ids: Mutex<HashMap<String, u64>>,
    capacity: usize,
}

impl RevokedTokens {
    pub(crate) fn new(capacity: usize) -> Self {
        RevokedTokens {
            ids: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// Records `jti` as revoked until `exp`, evicting expired entries when the set is full;
    /// false if it is still full of live entries (the token is then *not* revoked).
    pub(crate) fn revoke(&self, jti: &str, exp: u64, now_secs: u64) -> bool {
        let mut ids = self.ids.lock().unwrap_or_else(PoisonError::into_inner);
        if ids.len() >= self.capacity && !ids.contains_key(jti) {
            ids.retain(|_, e| *e > now_secs);
        }
        if ids.len() >= self.capacity && !ids.contains_key(jti) {
            return false;
        }
        ids.insert(jti.to_owned(), exp);
        true
    }

    pub(crate) fn is_revoked(&self, jti: &str) -> bool {
        self.ids
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(jti)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ask<'a>(path: &'a StreamPath, role: Role, transport: TransportInfo) -> Ask<'a> {
        Ask {
            username: "u",
            password: "p",
            token: "",
            role,
            transport,
            path,
            peer: IpAddr::from([127, 0, 0, 1]),
        }
    }

    #[test]
    fn rules_in_order() {
        let id = Identity {
            roles: vec![Role::Publisher],
            rooms: vec!["acme-room1".into()],
            transports: vec![Transport::Rtmp],
            tenant: Some("acme".into()),
            ..Identity::default()
        };
        let roomless = Identity {
            rooms: vec![],
            ..id.clone()
        };
        let ok = StreamPath::new("live/acme-room1/cam1").expect("path");
        let other_tenant = StreamPath::new("live/globex-room1/cam1").expect("path");
        let other_room = StreamPath::new("live/acme-room2/cam1").expect("path");
        let rtmp = || TransportInfo::Known(Transport::Rtmp);
        let reason = |r: Result<(), Refusal>| r.err().map(|r| r.reason);
        assert_eq!(
            reason(authorize(&id, false, &ask(&ok, Role::Publisher, rtmp()))),
            None
        );
        assert_eq!(
            reason(authorize(&id, true, &ask(&ok, Role::Publisher, rtmp()))),
            Some(DenyReason::Revoked)
        );
        assert_eq!(
            reason(authorize(&id, false, &ask(&ok, Role::Subscriber, rtmp()))),
            Some(DenyReason::RoleForbidden)
        );
        assert_eq!(
            reason(authorize(
                &id,
                false,
                &ask(&other_tenant, Role::Publisher, rtmp())
            )),
            Some(DenyReason::RoomForbidden),
            "the room list comes first"
        );
        assert_eq!(
            reason(authorize(
                &roomless,
                false,
                &ask(&other_tenant, Role::Publisher, rtmp())
            )),
            Some(DenyReason::TenantMismatch)
        );
        assert_eq!(
            reason(authorize(
                &roomless,
                false,
                &ask(&other_room, Role::Publisher, rtmp())
            )),
            None
        );
        assert_eq!(
            reason(authorize(
                &id,
                false,
                &ask(&other_room, Role::Publisher, rtmp())
            )),
            Some(DenyReason::RoomForbidden)
        );
        assert_eq!(
            reason(authorize(
                &id,
                false,
                &ask(&ok, Role::Publisher, TransportInfo::Known(Transport::Srt))
            )),
            Some(DenyReason::TransportForbidden)
        );
        assert_eq!(
            reason(authorize(
                &id,
                false,
                &ask(&ok, Role::Publisher, TransportInfo::Other("hls".into()))
            )),
            Some(DenyReason::TransportForbidden)
        );
        assert_eq!(
            reason(authorize(
                &id,
                false,
                &ask(&ok, Role::Publisher, TransportInfo::NotSent)
            )),
            None
        );
    }

    #[test]
    fn ask_debug_hides_password_and_token() {
        let path = StreamPath::new("live/room1/cam1").expect("path");
        let a = Ask {
            password: "hunter2-pw",
            token: "eyJ.secret-token.sig",
            ..ask(&path, Role::Publisher, TransportInfo::NotSent)
        };
        let shown = format!("{a:?}");
        assert!(!shown.contains("hunter2-pw"), "{shown}");
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(shown.contains("live/room1/cam1"), "{shown}");
    }

    #[test]
    fn tenants_own_rooms_by_prefix() {
        let p = |s: &str| StreamPath::new(s).expect("path");
        assert!(belongs_to_tenant(&p("live/acme/room1/cam"), "acme"));
        assert!(belongs_to_tenant(&p("live/acme-lobby/cam"), "acme"));
        assert!(belongs_to_tenant(&p("live/acme/cam"), "acme"));
        assert!(!belongs_to_tenant(&p("live/acmecorp-lobby/cam"), "acme"));
        assert!(!belongs_to_tenant(&p("live/globex-lobby/cam"), "acme"));
        assert!(!belongs_to_tenant(&p("live/cam"), "acme"));
        assert!(!belongs_to_tenant(&p("live/x/cam"), ""));
    }

    #[test]
    fn claim_checks() {
        let c = json!({"sub": "alice", "iss": "http://i", "exp": 100, "aud": ["a", "b"]});
        assert_eq!(
            check_claims(&c, 50, "http://i", Some("b")).map_err(|r| r.reason),
            Ok("alice")
        );
        let r = |c: &Value, now, aud| {
            check_claims(c, now, "http://i", aud)
                .err()
                .map(|r| r.reason)
        };
        assert_eq!(r(&c, 100, None), Some(DenyReason::Expired));
        assert_eq!(r(&c, 50, Some("z")), Some(DenyReason::AudienceMismatch));
        assert_eq!(
            r(&json!({"iss": "http://i"}), 0, None),
            Some(DenyReason::MissingClaim)
        );
        assert_eq!(
            r(&json!({"iss": "http://x", "exp": 9, "sub": "a"}), 0, None),
            Some(DenyReason::IssuerNotAllowed)
        );
        assert_eq!(
            r(
                &json!({"iss": "http://i", "exp": 9, "nbf": 5, "sub": "a"}),
                1,
                None
            ),
            Some(DenyReason::NotYetValid)
        );
        assert_eq!(
            r(&json!({"iss": "http://i", "exp": 9}), 1, None),
            Some(DenyReason::MissingClaim)
        );
    }

    #[test]
    fn revoked_tokens_are_bounded() {
        let r = RevokedTokens::new(2);
        assert!(r.revoke("a", 10, 0));
        assert!(r.is_revoked("a"));
        assert!(!r.is_revoked("b"));
        assert!(r.revoke("b", 20, 0));
        assert!(!r.revoke("c", 30, 5), "full of live entries: refused");
        assert!(!r.is_revoked("c"));
        assert!(r.revoke("a", 10, 5), "already recorded");
        assert!(r.revoke("c", 30, 10), "a's entry expired and made room");
        assert!(r.is_revoked("c") && r.is_revoked("b") && !r.is_revoked("a"));
    }
}
