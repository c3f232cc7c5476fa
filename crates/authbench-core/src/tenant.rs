//! The one rule for "does this room belong to this tenant", shared by every mode and the reference
//! service so they can never disagree.

/// Characters that may follow a tenant's room prefix at the start of one of its rooms.
pub const TENANT_SEPARATORS: [char; 5] = ['/', '-', '_', '.', ':'];

/// Whether `room` belongs to the tenant owning `prefix`: the room is the prefix itself, or the
/// prefix followed by a separator ([`TENANT_SEPARATORS`]). A prefix that already ends with a
/// separator (`acme-`, as JWT tenant maps write it) carries its own boundary, so it owns
/// `acme-lobby`. A plain `starts_with` would hand `acmeevil` to tenant `acme`. An empty prefix
/// owns nothing (fail closed).
///
/// ```
/// use authbench_core::tenant::room_belongs_to;
/// assert!(room_belongs_to("acme", "acme"));
/// assert!(room_belongs_to("acme-room1", "acme"));
/// assert!(room_belongs_to("acme-room1", "acme-"));
/// assert!(!room_belongs_to("acmeevil", "acme"));
/// assert!(!room_belongs_to("room1", ""));
/// ```
pub fn room_belongs_to(room: &str, prefix: &str) -> bool {
    !prefix.is_empty()
        && room.strip_prefix(prefix).is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with(TENANT_SEPARATORS)
                || prefix.ends_with(TENANT_SEPARATORS)
        })
}

#[cfg(test)]
mod tests {
    use super::room_belongs_to;

    #[test]
    fn a_separator_must_follow_the_prefix() {
        for room in ["acme", "acme/x", "acme-1", "acme_1", "acme.1", "acme:1"] {
            assert!(room_belongs_to(room, "acme"), "{room}");
        }
        for room in ["acmeevil", "acm", "xacme", "ACME", ""] {
            assert!(!room_belongs_to(room, "acme"), "{room}");
        }
    }

    #[test]
    fn a_prefix_ending_in_a_separator_carries_its_own_boundary() {
        for room in ["acme-", "acme-lobby", "acme--x"] {
            assert!(room_belongs_to(room, "acme-"), "{room}");
        }
        for room in ["acme", "acmeevil-1", "acme_lobby"] {
            assert!(!room_belongs_to(room, "acme-"), "{room}");
        }
    }
}
