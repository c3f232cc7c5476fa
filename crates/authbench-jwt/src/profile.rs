//! Claim profiles: what a token's own claims allow (roles, rooms, transports, MediaMTX
//! permissions), parsed once per verified token and checked on every request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use authbench_core::{Action, Deny, DenyReason, StreamPath, Transport};
use regex::{Regex, RegexBuilder};

use crate::claims::Claims;
use crate::config::Profile;

/// A set of roles as bits.
const PUBLISH: u8 = 1;
const SUBSCRIBE: u8 = 2;

/// Most entries taken from a list claim (rooms, permissions); more is malformed.
pub const MAX_LIST_ENTRIES: usize = 64;
/// Longest MediaMTX path regular expression accepted; a longer one never matches.
pub const MAX_REGEX_LEN: usize = 512;
/// Compiled-size limit of one MediaMTX path regular expression.
const REGEX_SIZE_LIMIT: usize = 64 * 1024;
/// Compiled expressions kept across requests.
const REGEX_CACHE_ENTRIES: usize = 256;

fn bit(action: Action) -> u8 {
    match action {
        Action::Publish => PUBLISH,
        Action::Subscribe => SUBSCRIBE,
    }
}

fn tbit(t: Transport) -> u8 {
    match t {
        Transport::Rtmp => 1,
        Transport::Rtsp => 2,
        Transport::Whip => 4,
        Transport::Whep => 8,
        Transport::Srt => 16,
    }
}

/// What a token allows, in the profile's terms. `None` fields mean "claim absent: any".
#[derive(Debug, Clone)]
pub(crate) enum Grants {
    /// Red5 Pro and generic: roles, rooms and transports.
    Scoped {
        roles: Option<u8>,
        rooms: Option<RoomRule>,
        transports: Option<u8>,
    },
    /// MediaMTX: a list of `{action, path}`.
    Permissions(Vec<Permission>),
}

/// Allowed rooms.
#[derive(Debug, Clone)]
pub(crate) enum RoomRule {
    /// Red5 Pro: exact names.
    Exact(Vec<String>),
    /// Generic: `*` wildcards.
    Globs(Vec<String>),
}

/// A MediaMTX permission.
#[derive(Debug, Clone)]
pub(crate) struct Permission {
    action: PermAction,
    path: PathRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PermAction {
    Publish,
    Read,
    /// Recordings playback, and MediaMTX's `api`, `metrics`, `pprof`: never grant a live stream.
    Other,
}

#[derive(Debug, Clone)]
enum PathRule {
    Any,
    Exact(String),
    /// `~regex`; `None` when the expression does not compile (never matches: a deny, not a panic).
    Regex(Option<Arc<Regex>>),
}

fn malformed(detail: impl Into<String>) -> Deny {
    Deny::new(DenyReason::MalformedCredentials, detail)
}

/// Parses the profile's claims of a verified token.
pub(crate) fn grants(
    profile: Profile,
    claims: &Claims,
    regexes: &RegexCache,
    names: &crate::config::EffectiveClaimNames,
) -> Result<Grants, Deny> {
    match profile {
        Profile::Red5pro => Ok(Grants::Scoped {
            roles: claims
                .roles
                .as_ref()
                .map(|v| role_bits(v, &names.roles, red5_role))
                .transpose()?,
            rooms: claims
                .rooms
                .as_ref()
                .map(|v| list(v, &names.rooms).map(RoomRule::Exact))
                .transpose()?,
            transports: claims
                .transports
                .as_ref()
                .map(|v| transport_bits(v, &names.transports))
                .transpose()?,
        }),
        Profile::Generic => Ok(Grants::Scoped {
            roles: claims
                .roles
                .as_ref()
                .map(|v| role_bits(v, &names.roles, generic_role))
                .transpose()?,
            rooms: claims
                .rooms
                .as_ref()
                .map(|v| list(v, &names.rooms).map(RoomRule::Globs))
                .transpose()?,
            transports: claims
                .transports
                .as_ref()
                .map(|v| transport_bits(v, &names.transports))
                .transpose()?,
        }),
        Profile::Mediamtx => {
            let Some(v) = &claims.permissions else {
                return Err(Deny::new(
                    DenyReason::MissingClaim,
                    format!("token has no `{}` claim", names.permissions),
                ));
            };
            permissions(v, &names.permissions, regexes).map(Grants::Permissions)
        }
    }
}

/// A list claim: a comma-separated string (Red5 Pro's form) or an array of strings. Entries are
/// trimmed; empty ones are dropped.
fn list(v: &serde_json::Value, name: &str) -> Result<Vec<String>, Deny> {
    let bad = || {
        malformed(format!(
            "claim `{name}` is not a string or an array of strings"
        ))
    };
    let mut out = Vec::new();
    let mut push = |s: &str| -> Result<(), Deny> {
        let s = s.trim();
        if !s.is_empty() {
            if out.len() >= MAX_LIST_ENTRIES {
                return Err(malformed(format!(
                    "claim `{name}` has more than {MAX_LIST_ENTRIES} entries"
                )));
            }
            out.push(s.to_owned());
        }
        Ok(())
    };
    match v {
        serde_json::Value::String(s) => {
            for part in s.split(',') {
                push(part)?;
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                push(item.as_str().ok_or_else(bad)?)?;
            }
        }
        _ => return Err(bad()),
    }
    Ok(out)
}

fn red5_role(s: &str) -> u8 {
    match s {
        "red5-publisher" => PUBLISH,
        "red5-subscriber" => SUBSCRIBE,
        _ => 0,
    }
}

fn generic_role(s: &str) -> u8 {
    if s.eq_ignore_ascii_case("publisher") {
        PUBLISH
    } else if s.eq_ignore_ascii_case("subscriber") {
        SUBSCRIBE
    } else {
        0
    }
}

/// Roles present; unknown roles are ignored, so a claim naming none of ours grants nothing.
fn role_bits(v: &serde_json::Value, name: &str, known: fn(&str) -> u8) -> Result<u8, Deny> {
    Ok(list(v, name)?.iter().fold(0, |acc, r| acc | known(r)))
}

/// Transports, case-insensitive (`RTMP,WHIP`); unknown names are ignored.
fn transport_bits(v: &serde_json::Value, name: &str) -> Result<u8, Deny> {
    Ok(list(v, name)?
        .iter()
        .fold(0, |acc, t| acc | t.parse::<Transport>().map_or(0, tbit)))
}

/// MediaMTX permissions: an array of `{action, path}`, or a string holding that JSON (MediaMTX
/// accepts both, for identity servers that can only emit strings).
fn permissions(
    v: &serde_json::Value,
    name: &str,
    regexes: &RegexCache,
) -> Result<Vec<Permission>, Deny> {
    let parsed;
    let v = match v {
        serde_json::Value::String(s) => {
            parsed = serde_json::from_str::<serde_json::Value>(s)
                .map_err(|_| malformed(format!("claim `{name}` is a string that is not JSON")))?;
            &parsed
        }
        other => other,
    };
    let serde_json::Value::Array(items) = v else {
        return Err(malformed(format!(
            "claim `{name}` is not a list of permissions"
        )));
    };
    if items.len() > MAX_LIST_ENTRIES {
        return Err(malformed(format!(
            "claim `{name}` has more than {MAX_LIST_ENTRIES} entries"
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let bad = |what: &str| malformed(format!("claim `{name}`[{i}]: {what}"));
            let obj = item.as_object().ok_or_else(|| bad("not an object"))?;
            let action = match obj.get("action").and_then(|a| a.as_str()) {
                Some("publish") => PermAction::Publish,
                Some("read") => PermAction::Read,
                Some("playback" | "api" | "metrics" | "pprof") => PermAction::Other,
                Some(_) => return Err(bad("unknown action")),
                None => return Err(bad("no action")),
            };
            let path = match obj.get("path") {
                None | Some(serde_json::Value::Null) => PathRule::Any,
                Some(serde_json::Value::String(p)) if p.is_empty() => PathRule::Any,
                Some(serde_json::Value::String(p)) => match p.strip_prefix('~') {
                    Some(re) => PathRule::Regex(regexes.get(re)),
                    None => PathRule::Exact(p.clone()),
                },
                Some(_) => return Err(bad("path is not a string")),
            };
            Ok(Permission { action, path })
        })
        .collect()
}

impl Grants {
    /// Whether these grants allow the request; the deny names what is missing.
    pub fn check(
        &self,
        action: Action,
        transport: Transport,
        path: &StreamPath,
    ) -> Result<(), Deny> {
        match self {
            Grants::Scoped {
                roles,
                rooms,
                transports,
            } => {
                if roles.is_some_and(|r| r & bit(action) == 0) {
                    return Err(Deny::new(
                        DenyReason::RoleForbidden,
                        format!("token roles do not allow {action}"),
                    ));
                }
                if transports.is_some_and(|t| t & tbit(transport) == 0) {
                    return Err(Deny::new(
                        DenyReason::TransportForbidden,
                        format!("token transports do not include {transport}"),
                    ));
                }
                if let Some(rule) = rooms {
                    let ok = path.room().is_some_and(|room| match rule {
                        RoomRule::Exact(list) => list.iter().any(|r| r == room),
                        RoomRule::Globs(list) => list.iter().any(|g| glob_match(g, room)),
                    });
                    if !ok {
                        return Err(Deny::new(
                            DenyReason::RoomForbidden,
                            match path.room() {
                                Some(room) => format!("token rooms do not include `{room}`"),
                                None => format!("`{path}` has no room and the token lists rooms"),
                            },
                        ));
                    }
                }
                Ok(())
            }
            Grants::Permissions(perms) => {
                let wanted = match action {
                    Action::Publish => PermAction::Publish,
                    Action::Subscribe => PermAction::Read,
                };
                let mut any_for_action = false;
                for p in perms.iter().filter(|p| p.action == wanted) {
                    any_for_action = true;
                    let matched = match &p.path {
                        PathRule::Any => true,
                        PathRule::Exact(e) => e == path.as_str(),
                        // Go's regexp.MatchString, which MediaMTX uses, is unanchored: so is this.
                        PathRule::Regex(Some(re)) => re.is_match(path.as_str()),
                        PathRule::Regex(None) => false,
                    };
                    if matched {
                        return Ok(());
                    }
                }
                if any_for_action {
                    Err(Deny::new(
                        DenyReason::RoomForbidden,
                        format!("no `{}` permission matches path `{path}`", wanted.name()),
                    ))
                } else {
                    Err(Deny::new(
                        DenyReason::RoleForbidden,
                        format!("token has no `{}` permission", wanted.name()),
                    ))
                }
            }
        }
    }
}

impl PermAction {
    fn name(self) -> &'static str {
        match self {
            PermAction::Publish => "publish",
            PermAction::Read => "read",
            PermAction::Other => "other",
        }
    }
}

/// `*` matches any run of characters (including `/`); everything else is literal.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == b'*')
}

/// Compiled MediaMTX path expressions, shared across requests so a token's regex is compiled once
/// (size-limited, and bounded in number). A bad expression is remembered as `None`.
#[derive(Debug, Default)]
pub(crate) struct RegexCache {
    map: Mutex<HashMap<String, Option<Arc<Regex>>>>,
}

impl RegexCache {
    pub fn get(&self, pattern: &str) -> Option<Arc<Regex>> {
        if let Ok(map) = self.map.lock()
            && let Some(hit) = map.get(pattern)
        {
            return hit.clone();
        }
        let compiled = (pattern.len() <= MAX_REGEX_LEN)
            .then(|| {
                RegexBuilder::new(pattern)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .dfa_size_limit(REGEX_SIZE_LIMIT)
                    .nest_limit(32)
                    .build()
                    .ok()
                    .map(Arc::new)
            })
            .flatten();
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= REGEX_CACHE_ENTRIES {
                map.clear();
            }
            map.insert(pattern.to_owned(), compiled.clone());
        }
        compiled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("acme-*", "acme-1"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "a/x/b/y/c"));
        assert!(!glob_match("a*b", "a/x/c"));
        assert!(glob_match("room1", "room1"));
        assert!(!glob_match("room1", "room10"));
        assert!(glob_match("*-east", "us-east"));
        assert!(!glob_match("", "x"));
    }

    #[test]
    fn bad_and_huge_regexes_never_match() {
        let cache = RegexCache::default();
        assert!(cache.get("([unclosed").is_none());
        assert!(cache.get(&"a".repeat(MAX_REGEX_LEN + 1)).is_none());
        assert!(cache.get("a{1000}{1000}").is_none(), "compiled size limit");
        assert!(cache.get("^live/").is_some());
    }
}
