//! What a configured authenticator can express, so a comparison shows "cannot express" instead of a
//! misleading allow.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One thing an authentication mode may or may not be able to enforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Capability {
    /// Separate publisher and subscriber rights.
    Roles,
    /// Restrict a principal to some rooms / paths.
    Rooms,
    /// Restrict a principal to some transports.
    Transports,
    /// Keep tenants apart (issuer or account to room prefix).
    Tenants,
    /// Credentials that expire by themselves.
    Expiry,
    /// Take access away from a principal before its credentials expire.
    Revocation,
    /// A password change takes effect on the next request.
    PasswordChange,
    /// Refuse a second use of the same credential.
    OneTimeUse,
    /// Decide without any network call.
    OfflineDecision,
}

impl Capability {
    /// Every capability, in a fixed order.
    pub const ALL: [Capability; 9] = [
        Capability::Roles,
        Capability::Rooms,
        Capability::Transports,
        Capability::Tenants,
        Capability::Expiry,
        Capability::Revocation,
        Capability::PasswordChange,
        Capability::OneTimeUse,
        Capability::OfflineDecision,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Roles => "roles",
            Capability::Rooms => "rooms",
            Capability::Transports => "transports",
            Capability::Tenants => "tenants",
            Capability::Expiry => "expiry",
            Capability::Revocation => "revocation",
            Capability::PasswordChange => "password_change",
            Capability::OneTimeUse => "one_time_use",
            Capability::OfflineDecision => "offline_decision",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Capability`] values.
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Capabilities(u32);

impl Capabilities {
    /// The empty set.
    pub const fn none() -> Self {
        Capabilities(0)
    }

    /// The set plus `cap`.
    pub fn with(self, cap: Capability) -> Self {
        Capabilities(self.0 | cap.bit())
    }

    /// Whether `cap` is in the set.
    pub fn supports(self, cap: Capability) -> bool {
        self.0 & cap.bit() != 0
    }

    /// The members, in [`Capability::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |c| self.supports(*c))
    }
}

impl FromIterator<Capability> for Capabilities {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Capabilities::none(), Capabilities::with)
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for Capabilities {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let caps: Capabilities = [Capability::Roles, Capability::Expiry]
            .into_iter()
            .collect();
        assert!(caps.supports(Capability::Roles));
        assert!(!caps.supports(Capability::Revocation));
        assert_eq!(
            caps.iter().collect::<Vec<_>>(),
            vec![Capability::Roles, Capability::Expiry]
        );
    }
}
