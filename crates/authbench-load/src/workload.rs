//! The generated workload: a set of identities (the one identity model), and per mode its
//! authenticator, built with the mode crate's own fixture and minting functions, the requests it
//! is sent (a fixed mix of cases, each with its expected outcome), and its reference.
//!
//! Per user the cycle is 11 requests: 4 publishes and 4 subscribes that must be allowed, one
//! wrong secret (`bad_password`, or for jwt a token signed with another key: `bad_signature`),
//! one unknown user (`unknown_user`; for jwt, which has no user list, an expired token:
//! `expired`) and one subscribe by a publisher-only user (`role_forbidden`).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, DenyReason, Identities, Identity, Role,
    StreamPath, SystemClock, Transport,
};
use authbench_file::{FileAuthenticator, Scheme, fixture};
use authbench_jwt::{Algorithm, JwtAuthenticator, JwtConfig, Profile, TokenMinter};
use authbench_roundtrip::{Protocol, RoundTripAuthenticator, RoundTripConfig};
use authbench_scenario::Mode;
use bytes::Bytes;

use crate::LoadError;
use crate::http::{AnswerKind, RawPost};
use crate::targets::{RawBcrypt, RawJwtDecode};
use crate::verdict::{Case, Verdict, Workload};

/// bcrypt cost of the generated htpasswd file (Apache htpasswd's default).
pub const BCRYPT_COST: u32 = 5;
/// Every eighth user may only publish.
const PUBLISHER_ONLY_EVERY: usize = 8;

/// The generated identities.
#[derive(Debug, Clone)]
pub struct Users {
    /// By name.
    pub identities: Identities,
    /// Names in order.
    pub names: Vec<String>,
}

impl Users {
    /// `n` users (rounded up to a multiple of 8, at least 8): `user000`…, every eighth one
    /// publisher-only.
    pub fn generate(n: usize) -> Users {
        let n = n.max(PUBLISHER_ONLY_EVERY).div_ceil(PUBLISHER_ONLY_EVERY) * PUBLISHER_ONLY_EVERY;
        let mut identities = Identities::new();
        let mut names = Vec::with_capacity(n);
        for i in 0..n {
            let name = format!("user{i:03}");
            let roles = if is_publisher_only(i) {
                vec![Role::Publisher]
            } else {
                Vec::new()
            };
            identities.insert(
                name.clone(),
                Identity {
                    password: format!("load-password-{i:03}").into(),
                    roles,
                    ..Identity::default()
                },
            );
            names.push(name);
        }
        Users { identities, names }
    }

    fn password(&self, i: usize) -> String {
        self.names
            .get(i)
            .and_then(|n| self.identities.get(n))
            .map(|id| id.password.expose().to_owned())
            .unwrap_or_default()
    }
}

fn is_publisher_only(i: usize) -> bool {
    i % PUBLISHER_ONLY_EVERY == PUBLISHER_ONLY_EVERY - 1
}

/// The slot of each request in a user's cycle: which case, and who sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Publish,
    Subscribe,
    WrongSecret,
    Unknown,
    RoleForbidden,
}

const CYCLE: [Slot; 11] = [
    Slot::Publish,
    Slot::Subscribe,
    Slot::Publish,
    Slot::Subscribe,
    Slot::WrongSecret,
    Slot::Publish,
    Slot::Subscribe,
    Slot::Unknown,
    Slot::Publish,
    Slot::Subscribe,
    Slot::RoleForbidden,
];

/// Case index of each slot.
fn case_index(slot: Slot) -> usize {
    match slot {
        Slot::Publish => 0,
        Slot::Subscribe => 1,
        Slot::WrongSecret => 2,
        Slot::Unknown => 3,
        Slot::RoleForbidden => 4,
    }
}

fn cases(mode: Mode) -> Vec<Case> {
    let (wrong, wrong_reason, unknown, unknown_reason) = match mode {
        Mode::Jwt => (
            "token signed with another key",
            DenyReason::BadSignature,
            "expired token",
            DenyReason::Expired,
        ),
        Mode::Roundtrip | Mode::File => (
            "wrong password",
            DenyReason::BadPassword,
            "unknown user",
            DenyReason::UnknownUser,
        ),
    };
    vec![
        Case {
            name: "valid publish".into(),
            expected: Verdict::Allow,
        },
        Case {
            name: "valid subscribe".into(),
            expected: Verdict::Allow,
        },
        Case {
            name: wrong.into(),
            expected: Verdict::Deny(wrong_reason),
        },
        Case {
            name: unknown.into(),
            expected: Verdict::Deny(unknown_reason),
        },
        Case {
            name: "publisher-only user subscribes".into(),
            expected: Verdict::Deny(DenyReason::RoleForbidden),
        },
    ]
}

/// Which user sends a slot of user `u`'s cycle (the role case needs a publisher-only user; the
/// allowed cases a user with both roles).
fn sender(slot: Slot, u: usize) -> usize {
    let group = u - u % PUBLISHER_ONLY_EVERY;
    match slot {
        Slot::RoleForbidden => group + PUBLISHER_ONLY_EVERY - 1,
        _ if is_publisher_only(u) => u - 1,
        _ => u,
    }
}

fn path(u: usize) -> Result<StreamPath, LoadError> {
    StreamPath::new(&format!("live/room{}/cam{u}", u % 4))
        .map_err(|e| LoadError::setup("stream path", e))
}

fn action(slot: Slot) -> Action {
    match slot {
        Slot::Publish | Slot::WrongSecret | Slot::Unknown => Action::Publish,
        Slot::Subscribe | Slot::RoleForbidden => Action::Subscribe,
    }
}

/// The username/password workload (file and round-trip modes).
pub fn password_workload(users: &Users, mode: Mode) -> Result<Workload, LoadError> {
    let mut requests = Vec::with_capacity(users.names.len() * CYCLE.len());
    for u in 0..users.names.len() {
        for slot in CYCLE {
            let who = sender(slot, u);
            let name = users.names.get(who).cloned().unwrap_or_default();
            let credentials = match slot {
                Slot::WrongSecret => Credentials::user_password(name, "not-the-password"),
                Slot::Unknown => Credentials::user_password(format!("nobody{u:03}"), "whatever"),
                _ => Credentials::user_password(name, users.password(who)),
            };
            let req = AuthRequest::new(action(slot), Transport::Rtmp, path(u)?, credentials);
            requests.push((req, case_index(slot)));
        }
    }
    Ok(Workload {
        cases: cases(mode),
        requests,
    })
}

/// What a mode is measured against.
pub enum Reference {
    /// An in-process operation sent the same workload.
    InProcess {
        /// What it is.
        name: String,
        /// It, as an authenticator.
        auth: Arc<dyn Authenticator>,
    },
    /// A raw HTTP request over the lean client.
    Http {
        /// What it is.
        name: String,
        /// The target.
        target: Arc<RawPost>,
    },
}

impl Reference {
    /// Its name in the report.
    pub fn name(&self) -> &str {
        match self {
            Reference::InProcess { name, .. } | Reference::Http { name, .. } => name,
        }
    }
}

/// A mode ready to be loaded.
pub struct ModeSetup {
    /// The mode.
    pub mode: Mode,
    /// Its authenticator.
    pub auth: Arc<dyn Authenticator>,
    /// The requests sent to it.
    pub workload: Arc<Workload>,
    /// Its reference, if it has one (scenario workloads have none).
    pub reference: Option<Reference>,
    /// `in-process` or the service path asked over HTTP.
    pub path: String,
    /// The scenario the workload comes from (`None`: the generated workload).
    pub scenario: Option<String>,
    /// The target loaded (`None`: the built-in reference service or in-process).
    pub target: Option<String>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The HS256 secret of the generated jwt config (48 bytes; the mode needs at least 32).
const JWT_SECRET: &str = "authbench-load-hs256-secret-0123456789abcdefghij";
const OTHER_SECRET: &str = "authbench-load-some-other-secret-0123456789abcde";

/// jwt mode (red5pro profile, HS256, secret file in `dir`) and a raw `jsonwebtoken::decode`.
pub fn jwt(users: &Users, dir: &Path) -> Result<ModeSetup, LoadError> {
    let what = "jwt fixture";
    std::fs::write(dir.join("hs256.secret"), JWT_SECRET).map_err(|e| LoadError::setup(what, e))?;
    std::fs::write(dir.join("other.secret"), OTHER_SECRET)
        .map_err(|e| LoadError::setup(what, e))?;
    let mut cfg = JwtConfig::new(Profile::Red5pro, &[Algorithm::HS256]);
    cfg.secret_file = Some("hs256.secret".into());
    let minter = TokenMinter::from_config(&cfg, dir).map_err(|e| LoadError::setup(what, e))?;
    let mut other = cfg.clone();
    other.secret_file = Some("other.secret".into());
    let forger = TokenMinter::from_config(&other, dir).map_err(|e| LoadError::setup(what, e))?;
    let auth = JwtAuthenticator::from_static_config(&cfg, dir, Arc::new(SystemClock))
        .map_err(|e| LoadError::setup(what, e))?;

    let now = now_secs();
    let hour = Duration::from_secs(3600);
    let mut requests = Vec::with_capacity(users.names.len() * CYCLE.len());
    let mut tokens = Vec::with_capacity(users.names.len());
    for (name, id) in &users.identities {
        tokens.push(
            minter
                .mint(name, id, now, hour)
                .map_err(|e| LoadError::setup(what, e))?,
        );
    }
    for u in 0..users.names.len() {
        let name = users.names.get(u).cloned().unwrap_or_default();
        let id = users.identities.get(&name).cloned().unwrap_or_default();
        for slot in CYCLE {
            let token = match slot {
                Slot::WrongSecret => forger
                    .mint(&name, &id, now, hour)
                    .map_err(|e| LoadError::setup(what, e))?,
                Slot::Unknown => minter
                    .mint(&name, &id, now.saturating_sub(7200), hour)
                    .map_err(|e| LoadError::setup(what, e))?,
                _ => tokens.get(sender(slot, u)).cloned().unwrap_or_default(),
            };
            let req = AuthRequest::new(
                action(slot),
                Transport::Rtmp,
                path(u)?,
                Credentials::token(token),
            );
            requests.push((req, case_index(slot)));
        }
    }
    Ok(ModeSetup {
        mode: Mode::Jwt,
        auth: Arc::new(auth),
        workload: Arc::new(Workload {
            cases: cases(Mode::Jwt),
            requests,
        }),
        reference: Some(Reference::InProcess {
            name: "raw jsonwebtoken::decode HS256".into(),
            auth: Arc::new(RawJwtDecode::hmac(
                JWT_SECRET.as_bytes(),
                Algorithm::HS256.into(),
            )?),
        }),
        path: "in-process".into(),
        scenario: None,
        target: None,
    })
}

/// File mode (bcrypt htpasswd and a group file written to `dir`) and a raw bcrypt verify.
pub fn file(users: &Users, dir: &Path) -> Result<ModeSetup, LoadError> {
    let what = "file fixture";
    let htpasswd = fixture::htpasswd_for(&users.identities, Scheme::Bcrypt, BCRYPT_COST)
        .map_err(|e| LoadError::setup(what, e))?;
    let groups = fixture::htgroup_for(&users.identities);
    std::fs::write(dir.join("users.htpasswd"), &htpasswd).map_err(|e| LoadError::setup(what, e))?;
    std::fs::write(dir.join("users.htgroup"), groups).map_err(|e| LoadError::setup(what, e))?;
    let auth =
        FileAuthenticator::from_paths(dir.join("users.htpasswd"), Some(dir.join("users.htgroup")))
            .map_err(|e| LoadError::setup(what, e))?;
    Ok(ModeSetup {
        mode: Mode::File,
        auth: Arc::new(auth),
        workload: Arc::new(password_workload(users, Mode::File)?),
        reference: Some(Reference::InProcess {
            name: format!("raw bcrypt verify (cost {BCRYPT_COST})"),
            auth: Arc::new(RawBcrypt::from_htpasswd(&htpasswd)),
        }),
        path: "in-process".into(),
        scenario: None,
        target: None,
    })
}

/// The Red5 Pro round-trip bodies of a workload, as round-trip mode sends them.
pub fn red5_bodies(workload: &Workload) -> Vec<(Bytes, usize)> {
    wire_bodies(Protocol::Red5pro, workload).unwrap_or_default()
}

/// The body round-trip mode posts for `req` in `protocol`, byte for byte (the raw POST
/// reference sends it, so the two differ only by the client). `None` for nginx-rtmp's form and
/// SRS's hook, whose bodies the JSON raw POST does not send: no raw reference for those.
pub fn wire_body(protocol: Protocol, req: &AuthRequest) -> Option<Bytes> {
    if !matches!(protocol, Protocol::Red5pro | Protocol::Mediamtx) {
        return None;
    }
    // A request the mode cannot encode is denied before any round trip: nothing to replay.
    authbench_roundtrip::request_body(protocol, req)
        .ok()
        .map(Bytes::from)
}

/// The bodies of a workload in `protocol`, each with its case (`None`: see [`wire_body`]).
pub fn wire_bodies(protocol: Protocol, workload: &Workload) -> Option<Vec<(Bytes, usize)>> {
    workload
        .requests
        .iter()
        .map(|(req, case)| wire_body(protocol, req).map(|b| (b, *case)))
        .collect()
}

/// Round-trip mode asking the reference service at `addr` (Red5 Pro protocol), and a raw
/// loopback POST of the same bodies to the service's trivial `/healthz` handler.
pub fn roundtrip(users: &Users, addr: SocketAddr) -> Result<ModeSetup, LoadError> {
    let what = "roundtrip";
    let url = format!("http://{addr}{}", authbench_authsvc::PATH_VALIDATE);
    let cfg = RoundTripConfig::new(url, Protocol::Red5pro);
    let auth = RoundTripAuthenticator::from_config(&cfg, Path::new("."), Arc::new(SystemClock))
        .map_err(|e| LoadError::setup(what, e))?;
    let workload = password_workload(users, Mode::Roundtrip)?;
    let raw = RawPost::new(
        addr,
        authbench_authsvc::PATH_HEALTH,
        red5_bodies(&workload),
        workload.cases.len(),
        AnswerKind::Status200,
    )?;
    Ok(ModeSetup {
        mode: Mode::Roundtrip,
        auth: Arc::new(auth),
        workload: Arc::new(workload),
        reference: Some(Reference::Http {
            name: "raw loopback POST (hyper, /healthz)".into(),
            target: Arc::new(raw),
        }),
        path: format!("POST {}", authbench_authsvc::PATH_VALIDATE),
        scenario: None,
        target: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cycle_mixes_every_case() {
        let users = Users::generate(10);
        assert_eq!(users.names.len(), 16);
        let w = password_workload(&users, Mode::File).expect("workload");
        assert_eq!(w.requests.len(), 16 * 11);
        for c in 0..5 {
            assert!(w.requests.iter().any(|(_, k)| *k == c), "case {c} missing");
        }
        // The role case is sent by a publisher-only user, the allowed ones never are.
        for (req, case) in &w.requests {
            let name = req.credentials.username.clone().unwrap_or_default();
            let i: usize = name
                .trim_start_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .unwrap_or(0);
            if name.starts_with("user") {
                assert_eq!(*case == 4, is_publisher_only(i), "{name} in case {case}");
            }
        }
    }
}
