//! Apache group files (`mod_authz_groupfile`): `group: user user ...` per line.
//!
//! `publishers` grants [`Role::Publisher`] and `subscribers` grants [`Role::Subscriber`]. Other
//! group names grant nothing and are otherwise ignored, so a group file shared with other Apache
//! uses still loads. A group may span several lines (members add up, as in Apache). Members not
//! in the htpasswd file are ignored: without a password entry they cannot authenticate.

use std::collections::HashMap;
use std::path::Path;

use authbench_core::Role;

use super::{line_error, lines};
use crate::error::{FileError, LineProblem};

/// The group that grants publishing.
pub const PUBLISHERS_GROUP: &str = "publishers";
/// The group that grants subscribing.
pub const SUBSCRIBERS_GROUP: &str = "subscribers";

/// The roles one user holds through groups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RoleSet {
    publisher: bool,
    subscriber: bool,
}

impl RoleSet {
    pub(crate) fn has(self, role: Role) -> bool {
        match role {
            Role::Publisher => self.publisher,
            Role::Subscriber => self.subscriber,
        }
    }
}

/// The name of the group that grants `role`.
pub(crate) fn group_for(role: Role) -> &'static str {
    match role {
        Role::Publisher => PUBLISHERS_GROUP,
        Role::Subscriber => SUBSCRIBERS_GROUP,
    }
}

/// Roles by user name.
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<HashMap<String, RoleSet>, FileError> {
    let mut roles: HashMap<String, RoleSet> = HashMap::new();
    for line in lines(path, bytes, &['#']) {
        let (number, text) = line?;
        let (group, members) = text
            .split_once(':')
            .ok_or_else(|| line_error(path, number, LineProblem::NoColon))?;
        let group = group.trim();
        if group.is_empty() {
            return Err(line_error(path, number, LineProblem::EmptyGroup));
        }
        let grant: fn(&mut RoleSet) = match group {
            PUBLISHERS_GROUP => |r| r.publisher = true,
            SUBSCRIBERS_GROUP => |r| r.subscriber = true,
            _ => continue,
        };
        for member in members.split_whitespace() {
            grant(roles.entry(member.to_owned()).or_default());
        }
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_map_to_roles() {
        let text = b"publishers: alice bob\nsubscribers: carol\nadmins: dave\npublishers: carol\n";
        let roles = parse(Path::new("g"), text).expect("parses");
        let of = |u: &str| roles.get(u).copied().unwrap_or_default();
        assert!(of("alice").has(Role::Publisher) && !of("alice").has(Role::Subscriber));
        assert!(of("carol").has(Role::Publisher) && of("carol").has(Role::Subscriber));
        assert_eq!(of("dave"), RoleSet::default());
    }

    #[test]
    fn bad_lines_are_named() {
        let err = parse(Path::new("g"), b"publishers: a\nno colon here\n").expect_err("refused");
        assert_eq!(
            (err.line(), err.problem()),
            (Some(2), Some(&LineProblem::NoColon))
        );
        let err = parse(Path::new("g"), b" : a\n").expect_err("refused");
        assert_eq!(err.problem(), Some(&LineProblem::EmptyGroup));
    }
}
