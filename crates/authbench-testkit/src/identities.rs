//! The standard test identities: four users whose differences each lead to one deny reason, so a
//! test can name the case by the user it picks.
//!
//! | user | password | what sets them apart | a request that shows it |
//! |---|---|---|---|
//! | `alice` | `alice-pw` | both roles; room `room1`; RTMP and WHIP | room2: `room_forbidden` |
//! | `bob` | `bob-pw` | subscriber only | a publish: `role_forbidden` |
//! | `carol` | `carol-pw` | revoked from the start | anything: `revoked` |
//! | `dave` | `dave-pw` | tenant `acme` | another tenant: `tenant_mismatch` |
//!
//! (alice over RTSP is `transport_forbidden`; carol's `revoked` holds in the modes that can
//! express revocation.)
//!
//! Tests write the names and passwords out literally (`"alice", "alice-pw"`) where they build
//! requests: they are part of this crate's contract and do not change. A test that needs a user
//! of another shape builds that [`Identity`] itself, beside the assertion it serves.

use authbench_core::{Identities, Identity, Role, Transport};

/// `alice` (`alice-pw`): publisher and subscriber in room `room1`, over RTMP and WHIP only.
pub fn alice() -> Identity {
    Identity {
        password: "alice-pw".into(),
        roles: vec![Role::Publisher, Role::Subscriber],
        rooms: vec!["room1".into()],
        transports: vec![Transport::Rtmp, Transport::Whip],
        ..Identity::default()
    }
}

/// `bob` (`bob-pw`): a subscriber only, in any room over any transport.
pub fn bob() -> Identity {
    Identity {
        password: "bob-pw".into(),
        roles: vec![Role::Subscriber],
        ..Identity::default()
    }
}

/// `carol` (`carol-pw`): revoked from the start (no roles listed: she would hold both).
pub fn carol() -> Identity {
    Identity {
        password: "carol-pw".into(),
        revoked: true,
        ..Identity::default()
    }
}

/// `dave` (`dave-pw`): a member of tenant `acme`, otherwise unrestricted.
pub fn dave() -> Identity {
    Identity {
        password: "dave-pw".into(),
        tenant: Some("acme".into()),
        ..Identity::default()
    }
}

/// All four standard identities by user name: `alice`, `bob`, `carol`, `dave`.
pub fn standard() -> Identities {
    [
        ("alice", alice()),
        ("bob", bob()),
        ("carol", carol()),
        ("dave", dave()),
    ]
    .into_iter()
    .map(|(name, identity)| (name.to_owned(), identity))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_identity_differs_from_the_default_in_what_its_docs_say() {
        let ids = standard();
        assert_eq!(
            ids.keys().map(String::as_str).collect::<Vec<_>>(),
            ["alice", "bob", "carol", "dave"]
        );
        for (name, identity) in &ids {
            assert_eq!(identity.password.expose(), format!("{name}-pw"));
        }

        let alice = &ids["alice"];
        assert_eq!(alice.roles, [Role::Publisher, Role::Subscriber]);
        assert_eq!(alice.rooms, ["room1"]);
        assert_eq!(alice.transports, [Transport::Rtmp, Transport::Whip]);
        assert!(!alice.may_use_room(Some("room2")));
        assert!(!alice.may_use_transport(Transport::Rtsp));
        assert!(!alice.revoked && alice.tenant.is_none());

        let bob = &ids["bob"];
        assert!(!bob.has_role(Role::Publisher) && bob.has_role(Role::Subscriber));
        assert!(bob.rooms.is_empty() && bob.transports.is_empty());
        assert!(!bob.revoked && bob.tenant.is_none());

        let carol = &ids["carol"];
        assert!(carol.revoked);
        assert!(carol.roles.is_empty() && carol.rooms.is_empty() && carol.transports.is_empty());
        assert!(carol.tenant.is_none());

        let dave = &ids["dave"];
        assert_eq!(dave.tenant.as_deref(), Some("acme"));
        assert!(dave.roles.is_empty() && dave.rooms.is_empty() && dave.transports.is_empty());
        assert!(!dave.revoked);
    }

    #[test]
    fn debug_shows_no_password() {
        let shown = format!("{:?}", standard());
        for name in ["alice", "bob", "carol", "dave"] {
            assert!(shown.contains(name), "{shown}");
            assert!(!shown.contains(&format!("{name}-pw")), "{shown}");
        }
    }
}
