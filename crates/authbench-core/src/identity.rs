//! The one identity model: `authbench serve --config`, scenarios and fixtures all describe users this
//! way, and every mode's fixtures (tokens, htpasswd files, the service's user store) derive from it.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Action, Secret, Transport};

/// A role a principal holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, Deserialize,
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// May publish.
    Publisher,
    /// May subscribe.
    Subscriber,
}

impl Role {
    /// The role an action needs.
    pub fn for_action(action: Action) -> Role {
        match action {
            Action::Publish => Role::Publisher,
            Action::Subscribe => Role::Subscriber,
        }
    }
}

/// One user, as configuration describes them.
///
/// Empty `roles` means both roles; empty `rooms` and `transports` mean any.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The user's password (for file and round-trip modes, and the service's `/token`).
    #[serde(default)]
    pub password: Secret,
    /// Roles held; empty means publisher and subscriber.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Rooms allowed; empty means any.
    #[serde(default)]
    pub rooms: Vec<String>,
    /// Transports allowed; empty means any.
    #[serde(default)]
    pub transports: Vec<Transport>,
    /// The tenant the user belongs to, if tenants are used.
    #[serde(default)]
    pub tenant: Option<String>,
    /// Whether the user starts out revoked.
    #[serde(default)]
    pub revoked: bool,
}

impl Identity {
    /// Whether the identity holds `role` (no roles listed means every role).
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.is_empty() || self.roles.contains(&role)
    }

    /// Whether the identity may use `room` (no rooms listed means any).
    pub fn may_use_room(&self, room: Option<&str>) -> bool {
        self.rooms.is_empty() || room.is_some_and(|r| self.rooms.iter().any(|a| a == r))
    }

    /// Whether the identity may use `transport` (none listed means any).
    pub fn may_use_transport(&self, transport: Transport) -> bool {
        self.transports.is_empty() || self.transports.contains(&transport)
    }
}

/// Identities by user name, in a stable order.
pub type Identities = BTreeMap<String, Identity>;
