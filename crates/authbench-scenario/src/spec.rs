//! The scenario file format. `scenarios/scenario.schema.json` is generated from these types.
//!
//! ```yaml
//! description: A user is revoked half-way through their token's lifetime.
//! setup:
//!   jwt: {token_ttl: 5m}
//! identities:
//!   alice: {password: alice-pw, roles: [publisher]}
//! steps:
//!   - request: {as: alice, action: publish, transport: rtmp, stream: live/room1/cam1}
//!     expect: allow
//!   - revoke: alice
//!   - request: {as: alice, action: publish, transport: rtmp, stream: live/room1/cam1}
//!     expect: {jwt: allow, roundtrip: deny(revoked), file: allow}
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use authbench_core::{Action, Capability, DenyReason, Identities, Secret, Transport};
pub use authbench_jwt::{Algorithm, Profile};
pub use authbench_roundtrip::Protocol;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::Mode;
use crate::outcome::Expected;

/// The clock's start when a scenario does not say (2026-01-01T00:00:00Z).
pub const DEFAULT_START: u64 = 1_767_225_600;

/// One scenario file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name; defaults to the file name without `.yaml`.
    #[serde(default)]
    pub name: Option<String>,
    /// The real situation this scenario stands for, in a few sentences.
    pub description: String,
    /// The use case it illustrates (e.g. a heading of the JWT use-case page), if any.
    #[serde(default)]
    pub use_case: Option<String>,
    /// Slow to run (large fixtures): `authbench run --quick` skips it.
    #[serde(default)]
    pub heavy: bool,
    /// About a deployment the built-in world does not have (a media server in the loop):
    /// `authbench run` runs it only with `--target FILE`. The conformance tests still run it
    /// against the built-in modes, so its expectations stay checked.
    #[serde(default)]
    pub target_only: bool,
    /// The modes it runs against; default all three.
    #[serde(default)]
    pub modes: Option<Vec<Mode>>,
    /// Where the injected clock starts, in seconds since the Unix epoch.
    #[serde(default)]
    pub start: Option<u64>,
    /// How each mode's fixture is built.
    #[serde(default)]
    pub setup: Setup,
    /// The users. Every mode's fixtures (tokens, htpasswd, the service's store) derive from these.
    #[serde(default)]
    pub identities: Identities,
    /// Generated users on top of `identities` (for scale scenarios).
    #[serde(default)]
    pub generate: Option<Generate>,
    /// Requests with expectations, and events between them, in order.
    #[schemars(with = "Vec<Step>")]
    pub steps: Vec<Spanned<Step>>,
}

impl Scenario {
    /// The JSON Schema of scenario files (committed as `scenarios/scenario.schema.json`).
    pub fn json_schema() -> schemars::Schema {
        schemars::schema_for!(Scenario)
    }

    /// The modes this scenario runs against.
    pub fn modes(&self) -> Vec<Mode> {
        self.modes.clone().unwrap_or_else(|| Mode::ALL.to_vec())
    }
}

/// Per-mode fixture options.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// JWT mode.
    #[serde(default)]
    pub jwt: JwtSetup,
    /// File mode.
    #[serde(default)]
    pub file: FileSetup,
    /// Round-trip mode.
    #[serde(default)]
    pub roundtrip: RoundTripSetup,
}

/// Where JWT mode's tokens and keys come from.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// Minted by the fixture with a shared HMAC secret (the streaming side holds the secret).
    #[default]
    Local,
    /// Issued by the reference service's `/token`; keys found by OIDC discovery (a separate
    /// authentication service or a third-party identity provider).
    Service,
}

/// JWT fixture options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JwtSetup {
    /// Claim profile: `red5pro`, `mediamtx` or `generic`.
    #[serde(default)]
    pub profile: Profile,
    /// Signing algorithm for local tokens (`HS256`, `HS384`, `HS512`).
    #[serde(default = "default_algorithm")]
    pub algorithm: Algorithm,
    /// Where tokens come from.
    #[serde(default)]
    pub source: TokenSource,
    /// Lifetime of the tokens the fixture mints.
    #[serde(
        default = "default_token_ttl",
        with = "authbench_core::duration::serde_human"
    )]
    #[schemars(with = "String")]
    pub token_ttl: Duration,
    /// The longest lifetime the validator accepts (`ttl_too_long` beyond).
    #[serde(default, with = "authbench_core::duration::serde_human_opt")]
    #[schemars(with = "Option<String>")]
    pub max_ttl: Option<Duration>,
    /// Issuer written into tokens and required by the validator.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Audience written into tokens; the validator accepts `audiences`.
    #[serde(default)]
    pub audience: Option<String>,
    /// Audiences the validator accepts (defaults to `audience`).
    #[serde(default)]
    pub audiences: Vec<String>,
    /// One-time tokens: `jti` remembered until `exp`, a second use refused.
    #[serde(default)]
    pub one_time: bool,
    /// Per-tenant issuers: tenant name → issuer and allowed room prefixes.
    #[serde(default)]
    pub tenants: BTreeMap<String, TenantSetup>,
}

impl Default for JwtSetup {
    fn default() -> Self {
        JwtSetup {
            profile: Profile::default(),
            algorithm: default_algorithm(),
            source: TokenSource::Local,
            token_ttl: default_token_ttl(),
            max_ttl: None,
            issuer: None,
            audience: None,
            audiences: Vec::new(),
            one_time: false,
            tenants: BTreeMap::new(),
        }
    }
}

fn default_algorithm() -> Algorithm {
    Algorithm::HS256
}

fn default_token_ttl() -> Duration {
    Duration::from_secs(300)
}

/// One tenant of a multi-tenant JWT setup.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantSetup {
    /// The tenant's token issuer.
    pub issuer: String,
    /// Room prefixes the tenant's tokens may use.
    pub rooms: Vec<String>,
}

/// htpasswd hash schemes the fixture can write.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HashScheme {
    /// bcrypt (`$2y$`).
    #[default]
    Bcrypt,
    /// Apache MD5 (`$apr1$`).
    Apr1,
    /// `{SHA}` (unsalted SHA-1; weak, fast).
    Sha1,
    /// SHA-256 crypt (`$5$`).
    Sha256,
    /// SHA-512 crypt (`$6$`).
    Sha512,
}

/// File fixture options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileSetup {
    /// Hash scheme of the generated htpasswd file.
    #[serde(default)]
    pub scheme: HashScheme,
    /// bcrypt cost (4–31); low keeps runs fast, real deployments use 10 or more.
    #[serde(default = "default_cost")]
    pub cost: u32,
}

impl Default for FileSetup {
    fn default() -> Self {
        FileSetup {
            scheme: HashScheme::Bcrypt,
            cost: default_cost(),
        }
    }
}

fn default_cost() -> u32 {
    5
}

/// Round-trip fixture options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundTripSetup {
    /// Wire protocol.
    #[serde(default = "default_protocol")]
    pub protocol: Protocol,
    /// Per-request timeout.
    #[serde(
        default = "default_timeout",
        with = "authbench_core::duration::serde_human"
    )]
    #[schemars(with = "String")]
    pub timeout: Duration,
    /// Cache allows for this long (staleness is part of what the comparison shows).
    #[serde(default, with = "authbench_core::duration::serde_human_opt")]
    #[schemars(with = "Option<String>")]
    pub cache_ttl: Option<Duration>,
}

impl Default for RoundTripSetup {
    fn default() -> Self {
        RoundTripSetup {
            protocol: default_protocol(),
            timeout: default_timeout(),
            cache_ttl: None,
        }
    }
}

fn default_protocol() -> Protocol {
    Protocol::Red5pro
}

fn default_timeout() -> Duration {
    Duration::from_secs(2)
}

/// Generated identities: `{prefix}{n}` for n in 1..=count, password `{prefix}{n}-pw`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    /// How many users.
    pub count: u32,
    /// Name prefix.
    #[serde(default = "default_prefix")]
    pub prefix: String,
}

fn default_prefix() -> String {
    "user".to_owned()
}

/// One step: a request to decide, or one event between requests.
///
/// In YAML a step is a map: a request step has `request` and `expect` (plus `name`, `why`,
/// `needs`, `service_calls`); an event step has exactly one event key (`advance: 5m`,
/// `revoke: alice`, `rotate_keys: true`, `service: down`, …). Both parse through [`RawStep`], so a
/// step that mixes them, names two events, or says `rotate_keys: false` is an error at its line.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawStep")]
pub enum Step {
    /// A request with what each mode should decide.
    Request(Box<RequestStep>),
    /// Something that happens between requests.
    Event(Event),
}

impl JsonSchema for Step {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Step".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        RawStep::json_schema(generator)
    }
}

/// A request step.
#[derive(Debug, Clone)]
pub struct RequestStep {
    /// A name for reports; defaults to one made from the request.
    pub name: Option<String>,
    /// The request to decide.
    pub request: RequestSpec,
    /// What each mode should decide.
    pub expect: Expect,
    /// Why the modes differ at this step, in the scenario's own words.
    pub why: Option<String>,
    /// Capabilities the rule under test needs; a mode without them reports `unsupported`.
    pub needs: Vec<Capability>,
    /// How many requests the auth service may receive while the step runs.
    pub service_calls: Option<ServiceCalls>,
}

/// Something that happens between requests.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Move the clock forward.
    Advance(Duration),
    /// Revoke a user at the auth service.
    Revoke(String),
    /// Lift a revocation.
    Restore(String),
    /// Change a user's password everywhere it is stored (the service's store and the htpasswd
    /// file, which is reloaded). Tokens already issued are not touched.
    SetPassword(SetPassword),
    /// Remove a user from the htpasswd file (reloaded) and revoke them at the service.
    RemoveUser(String),
    /// Overwrite the htpasswd file with garbage and reload (the old content stays in force).
    CorruptHtpasswd,
    /// Rotate the auth service's signing keys.
    RotateKeys,
    /// Change the auth service's health.
    Service(ServiceEvent),
}

impl Event {
    /// The YAML key of the event (`advance`, `revoke`, …).
    pub fn key(&self) -> &'static str {
        match self {
            Event::Advance(_) => "advance",
            Event::Revoke(_) => "revoke",
            Event::Restore(_) => "restore",
            Event::SetPassword(_) => "set_password",
            Event::RemoveUser(_) => "remove_user",
            Event::CorruptHtpasswd => "corrupt_htpasswd",
            Event::RotateKeys => "rotate_keys",
            Event::Service(_) => "service",
        }
    }

    /// The user the event is about, if any.
    pub fn user(&self) -> Option<&str> {
        match self {
            Event::Revoke(u) | Event::Restore(u) | Event::RemoveUser(u) => Some(u),
            Event::SetPassword(change) => Some(&change.user),
            _ => None,
        }
    }
}

impl fmt::Display for Event {
    /// The event as the scenario writes it (`revoke: alice`), never with a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Advance(by) => write!(
                f,
                "advance: {}",
                authbench_core::duration::format_duration(*by)
            ),
            Event::Service(ServiceEvent::Latency(d)) => write!(
                f,
                "service: latency {}",
                authbench_core::duration::format_duration(*d)
            ),
            Event::Service(event) => write!(f, "service: {}", event.key()),
            Event::CorruptHtpasswd | Event::RotateKeys => write!(f, "{}: true", self.key()),
            other => write!(f, "{}: {}", other.key(), other.user().unwrap_or_default()),
        }
    }
}

/// One step: a request to decide (`request` + `expect`), or exactly one event.
// Every key is optional here; `Step::try_from` enforces the shape, so its errors carry the step's
// line.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Step")]
pub struct RawStep {
    /// A name for reports; defaults to one made from the request.
    #[serde(default)]
    pub name: Option<String>,
    /// A request to decide.
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// What each mode should decide (required with `request`).
    #[serde(default)]
    pub expect: Option<Expect>,
    /// Why the modes differ at this step, in the scenario's own words; the report shows it in
    /// place of the explanation it derives from the reason codes.
    #[serde(default)]
    pub why: Option<String>,
    /// Capabilities the rule under test needs; a mode without them reports `unsupported`.
    #[serde(default)]
    pub needs: Vec<Capability>,
    /// How many requests the request may make to the auth service (validation, token, key and
    /// discovery endpoints), for every mode or per mode: `0` proves a decision was local.
    #[serde(default)]
    pub service_calls: Option<ServiceCalls>,
    /// Event: move the clock forward.
    #[serde(default, with = "authbench_core::duration::serde_human_opt")]
    #[schemars(with = "Option<String>")]
    pub advance: Option<Duration>,
    /// Event: revoke a user at the auth service.
    #[serde(default)]
    pub revoke: Option<String>,
    /// Event: lift a revocation.
    #[serde(default)]
    pub restore: Option<String>,
    /// Event: change a user's password everywhere it is stored (the service's store and the
    /// htpasswd file, which is reloaded). Tokens already issued are not touched.
    #[serde(default)]
    pub set_password: Option<SetPassword>,
    /// Event: remove a user from the htpasswd file (reloaded) and revoke them at the service.
    #[serde(default)]
    pub remove_user: Option<String>,
    /// Event (`true` only): overwrite the htpasswd file with garbage and reload (the old content
    /// stays in force).
    #[serde(default)]
    pub corrupt_htpasswd: Option<bool>,
    /// Event (`true` only): rotate the reference service's signing keys.
    #[serde(default)]
    pub rotate_keys: Option<bool>,
    /// Event: change the reference service's health.
    #[serde(default)]
    pub service: Option<ServiceEvent>,
}

impl TryFrom<RawStep> for Step {
    type Error = String;

    fn try_from(raw: RawStep) -> Result<Step, String> {
        let flag = |key: &str, on: Option<bool>| match on {
            None => Ok(None),
            Some(true) => Ok(Some(())),
            Some(false) => Err(format!(
                "`{key}: false` is not an event; write `{key}: true` or remove the step"
            )),
        };
        let mut events = Vec::new();
        events.extend(raw.advance.map(Event::Advance));
        events.extend(raw.revoke.map(Event::Revoke));
        events.extend(raw.restore.map(Event::Restore));
        events.extend(raw.set_password.map(Event::SetPassword));
        events.extend(raw.remove_user.map(Event::RemoveUser));
        events.extend(
            flag("corrupt_htpasswd", raw.corrupt_htpasswd)?.map(|()| Event::CorruptHtpasswd),
        );
        events.extend(flag("rotate_keys", raw.rotate_keys)?.map(|()| Event::RotateKeys));
        events.extend(raw.service.map(Event::Service));
        let request_keys = raw.expect.is_some()
            || !raw.needs.is_empty()
            || raw.service_calls.is_some()
            || raw.why.is_some();
        match (raw.request, events.len()) {
            (Some(request), 0) => {
                let expect = raw.expect.ok_or(
                    "a request needs `expect`: allow, deny(reason), unsupported, or one per mode",
                )?;
                Ok(Step::Request(Box::new(RequestStep {
                    name: raw.name,
                    request,
                    expect,
                    why: raw.why,
                    needs: raw.needs,
                    service_calls: raw.service_calls,
                })))
            }
            (Some(_), _) => Err(format!(
                "a step has either `request` or an event, not both (`{}`)",
                events[0].key()
            )),
            (None, 0) => Err(
                "a step needs `request` or one event (advance, revoke, restore, set_password, \
                 remove_user, corrupt_htpasswd, rotate_keys, service)"
                    .to_owned(),
            ),
            (None, 1) if request_keys => {
                Err("`expect`, `needs`, `service_calls` and `why` go with a `request`".to_owned())
            }
            (None, 1) => Ok(Step::Event(events.remove(0))),
            (None, _) => Err(format!(
                "one event per step, found `{}` and `{}`",
                events[0].key(),
                events[1].key()
            )),
        }
    }
}

/// A password change.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// The user.
    pub user: String,
    /// The new password.
    #[schemars(with = "String")]
    pub password: Secret,
}

/// What happens to the reference auth service.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ServiceEvent {
    /// Stop it: connections are refused.
    Down,
    /// Start it again on the same address.
    Up,
    /// Add this much latency to every answer.
    Latency(
        #[serde(with = "authbench_core::duration::serde_human")]
        #[schemars(with = "String")]
        Duration,
    ),
    /// Accept connections and never answer.
    Hang,
    /// Answer with a body that is not valid JSON.
    Malformed,
    /// Clear every fault.
    Healthy,
}

impl ServiceEvent {
    /// The YAML name (`down`, `latency`, …).
    pub fn key(&self) -> &'static str {
        match self {
            ServiceEvent::Down => "down",
            ServiceEvent::Up => "up",
            ServiceEvent::Latency(_) => "latency",
            ServiceEvent::Hang => "hang",
            ServiceEvent::Malformed => "malformed",
            ServiceEvent::Healthy => "healthy",
        }
    }
}

/// Which credentials the client presents.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Present {
    /// What a client of this mode sends: a token for jwt, user name and password otherwise.
    #[default]
    Native,
    /// A user name and password, whatever the mode (a client that has no token).
    Password,
    /// Nothing.
    Nothing,
}

/// A request. Either structured (`as` + `action` + `transport` + `stream`) or as the client sends
/// it (`url`, `header`, `streamid`), where `{user}`, `{password}`, `{token}`, `{query}` (the
/// mode's credentials as URL query) and `{authorization}` (as a header value) are replaced by the
/// `as` identity's credentials for the mode being run.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// The identity whose credentials are presented.
    #[serde(default, rename = "as")]
    pub identity: Option<String>,
    /// publish or subscribe (implied by whip / whep / an SRT streamid).
    #[serde(default)]
    pub action: Option<Action>,
    /// The protocol.
    pub transport: Transport,
    /// The stream path (structured form).
    #[serde(default)]
    pub stream: Option<String>,
    /// The URL the client connects to (RTMP, RTSP, WHIP, WHEP).
    #[serde(default)]
    pub url: Option<String>,
    /// The `Authorization` header value (RTSP, WHIP, WHEP).
    #[serde(default)]
    pub authorization: Option<String>,
    /// The SRT streamid.
    #[serde(default)]
    pub streamid: Option<String>,
    /// Present a different password than the identity's (a typo, an old password).
    #[serde(default)]
    pub password: Option<String>,
    /// Which credentials are presented.
    #[serde(default)]
    pub present: Present,
    /// JWT mode: mint a fresh token for this request instead of reusing the identity's.
    #[serde(default)]
    pub fresh_token: bool,
    /// JWT mode: lifetime of a fresh token (implies `fresh_token`).
    #[serde(default, with = "authbench_core::duration::serde_human_opt")]
    #[schemars(with = "Option<String>")]
    pub token_ttl: Option<Duration>,
    /// JWT mode: a fresh token with this audience instead of the configured one (implies
    /// `fresh_token`; local tokens only).
    #[serde(default)]
    pub token_audience: Option<Vec<String>>,
    /// JWT mode: present this token tampered with.
    #[serde(default)]
    pub tamper: Option<Tamper>,
    /// Send the same request this many times (latency samples); every answer must meet `expect`.
    #[serde(default)]
    pub repeat: Option<u32>,
}

/// Ways to spoil a token, as attackers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tamper {
    /// Change the payload, keep the signature.
    Payload,
    /// Re-encode with `alg: none` and no signature.
    AlgNone,
    /// Replace the signature with garbage.
    Signature,
}

/// What the step expects: one outcome for every mode, or one per mode.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(untagged)]
pub enum Expect {
    /// `allow`, `deny(reason)` or `unsupported`, for every mode.
    All(#[schemars(with = "String")] Expected),
    /// `{jwt: allow, roundtrip: deny(revoked), file: unsupported}`.
    PerMode(#[schemars(with = "BTreeMap<Mode, String>")] BTreeMap<Mode, Expected>),
}

impl Expect {
    /// The expectation for `mode`, if the step gives one.
    pub fn for_mode(&self, mode: Mode) -> Option<Expected> {
        match self {
            Expect::All(e) => Some(*e),
            Expect::PerMode(map) => map.get(&mode).copied(),
        }
    }
}

/// Expected auth-service requests: one count for every mode, or one per mode.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ServiceCalls {
    /// The same count for every mode.
    All(u64),
    /// `{jwt: 0, roundtrip: 1, file: 0}`.
    PerMode(BTreeMap<Mode, u64>),
}

impl ServiceCalls {
    /// The count for `mode`, if given.
    pub fn for_mode(&self, mode: Mode) -> Option<u64> {
        match self {
            ServiceCalls::All(n) => Some(*n),
            ServiceCalls::PerMode(map) => map.get(&mode).copied(),
        }
    }
}

/// Parses `allow`, `deny(reason)`, `unsupported`.
pub fn parse_expected(text: &str) -> Result<Expected, String> {
    let text = text.trim();
    match text {
        "allow" => return Ok(Expected::Allow),
        "unsupported" => return Ok(Expected::Unsupported),
        "deny" => return Err("write the reason too: deny(reason), e.g. deny(expired)".to_owned()),
        _ => {}
    }
    let reason = text
        .strip_prefix("deny(")
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            format!("expected `allow`, `deny(reason)` or `unsupported`, found `{text}`")
        })?;
    reason.trim().parse::<DenyReason>().map(Expected::Deny)
}

impl<'de> Deserialize<'de> for Expect {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ExpectVisitor;

        impl<'de> serde::de::Visitor<'de> for ExpectVisitor {
            type Value = Expect;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "`allow`, `deny(reason)`, `unsupported`, or a map from mode to one of them",
                )
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Expect, E> {
                parse_expected(v).map(Expect::All).map_err(E::custom)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Expect, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((mode, text)) = map.next_entry::<Mode, String>()? {
                    let expected = parse_expected(&text).map_err(serde::de::Error::custom)?;
                    if out.insert(mode, expected).is_some() {
                        return Err(serde::de::Error::custom(format!(
                            "mode `{mode}` is given twice"
                        )));
                    }
                }
                Ok(Expect::PerMode(out))
            }
        }

        d.deserialize_any(ExpectVisitor)
    }
}
