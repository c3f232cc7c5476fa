//! The deployment description: what `authbench recommend` needs to know about a deployment.
//! `scenarios/deployments/deployment.schema.json` is generated from these types.
//!
//! ```yaml
//! description: A small studio streaming to a few invited viewers.
//! users: 8
//! identity_provider: none
//! revocation: {need: none}
//! clients: {rtmp: 70, whip_whep: 30}
//! peak_joins_per_second: 2
//! latency_budget: 500ms
//! restrict: {roles: true}
//! auth_service: {available: false}
//! ```
//!
//! Loading is strict like scenarios: unknown fields and non-`true`/`false` booleans are errors,
//! and every error reads `file:line:column: message`.

use std::path::Path;
use std::time::Duration;

use authbench_scenario::yaml::{self, YamlError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_saphyr::{Location, Spanned};

/// The most users a description may state (a sanity bound, far above any real deployment).
pub const MAX_USERS: u64 = 10_000_000_000;
/// The highest join rate a description may state, per second.
pub const MAX_JOINS_PER_SECOND: f64 = 100_000_000.0;
/// The most tenants a description may state.
pub const MAX_TENANTS: u32 = 10_000_000;

/// A deployment to recommend an authentication mode for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "authbench deployment",
    description = "What `authbench recommend` needs to know about a streaming deployment to rank \
                   the authentication modes: users, identity provider, revocation need, client \
                   mix, peak join rate, latency budget, tenants, restrictions and whether an auth \
                   service can be run."
)]
pub struct Deployment {
    /// A short name; defaults to the file name without `.yaml`.
    #[serde(default)]
    pub name: Option<String>,
    /// The deployment in a few sentences.
    #[serde(default)]
    pub description: Option<String>,
    /// How many distinct users (publishers and viewers) hold credentials.
    #[schemars(with = "u64", range(min = 1))]
    pub users: Spanned<u64>,
    /// Who issues identities today.
    pub identity_provider: IdentityProvider,
    /// How soon taking a user's access away must take effect.
    #[schemars(with = "Revocation")]
    pub revocation: Spanned<Revocation>,
    /// Which clients connect, as percentages of all clients (they add up to 100).
    #[schemars(with = "ClientMix")]
    pub clients: Spanned<ClientMix>,
    /// Publish and subscribe joins per second at the busiest moment.
    #[schemars(with = "f64", range(min = 0.0))]
    pub peak_joins_per_second: Spanned<f64>,
    /// Of those, publishes per second (the actions a combined mode re-checks when `revocation`
    /// applies to publishing). Default: every join is counted.
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0.0))]
    pub peak_publishes_per_second: Option<Spanned<f64>>,
    /// The longest one authentication decision may take at the 99th percentile (`20ms`, `1s`).
    #[serde(with = "spanned_duration")]
    #[schemars(with = "String")]
    pub latency_budget: Spanned<Duration>,
    /// Separate customers whose users and rooms must be kept apart (1: a single tenant).
    #[serde(default = "one")]
    #[schemars(with = "u32", range(min = 1))]
    pub tenants: Spanned<u32>,
    /// What access must be limited to, beyond "is this a known user".
    #[serde(default)]
    pub restrict: Restrictions,
    /// Whether an authentication service can be run next to the media servers.
    pub auth_service: AuthService,
}

fn one() -> Spanned<u32> {
    Spanned::new(1, Location::UNKNOWN, Location::UNKNOWN)
}

/// Who issues identities today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityProvider {
    /// Nobody: users are a list of names and passwords.
    None,
    /// Our own login / account service (it can be taught to issue tokens or answer round trips).
    OwnService,
    /// A third-party OAuth2 / OpenID Connect provider (Auth0, Okta, Cognito, Azure AD, …)
    /// issuing standard JWTs.
    Oidc,
}

impl IdentityProvider {
    /// The YAML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityProvider::None => "none",
            IdentityProvider::OwnService => "own_service",
            IdentityProvider::Oidc => "oidc",
        }
    }
}

/// How soon a revocation must take effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevocationNeed {
    /// Access ends when credentials expire or are changed by hand.
    None,
    /// Within `within` of the decision to revoke.
    Within,
    /// On the next join after the decision.
    Immediate,
}

/// Which joins revocation must cover.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevocationScope {
    /// Publishing and subscribing.
    #[default]
    All,
    /// Publishing only (e.g. a banned broadcaster must be cut off; viewers may finish).
    Publish,
}

/// The revocation requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// none, within (a time given by `within`) or immediate.
    pub need: RevocationNeed,
    /// With `need: within`: how soon (`30s`, `5m`).
    #[serde(default, with = "authbench_core::duration::serde_human_opt")]
    #[schemars(with = "Option<String>")]
    pub within: Option<Duration>,
    /// Which joins it covers: `all` (default) or `publish`.
    #[serde(default)]
    pub applies_to: RevocationScope,
}

/// The client mix, in percent of all clients; fields left out are 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientMix {
    /// RTMP-only clients (old encoders, players) that cannot pass connection parameters: no
    /// `?token=`, no `?username=&password=` in the URL.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub rtmp_legacy: f64,
    /// RTMP clients that can put parameters in the URL query.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub rtmp: f64,
    /// RTSP clients (userinfo, query or `Authorization` header).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub rtsp: f64,
    /// WebRTC browsers and apps using WHIP / WHEP (`Authorization: Bearer`).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub whip_whep: f64,
    /// SRT clients (credentials in the `streamid`).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub srt: f64,
}

impl ClientMix {
    fn shares(&self) -> [(&'static str, f64); 5] {
        [
            ("rtmp_legacy", self.rtmp_legacy),
            ("rtmp", self.rtmp),
            ("rtsp", self.rtsp),
            ("whip_whep", self.whip_whep),
            ("srt", self.srt),
        ]
    }
}

/// What access must be limited to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Restrictions {
    /// Separate publisher and subscriber rights.
    #[serde(default)]
    pub roles: bool,
    /// Limit users to some rooms / stream paths.
    #[serde(default)]
    pub rooms: bool,
    /// Limit users to some transports (RTMP, RTSP, WHIP/WHEP, SRT).
    #[serde(default)]
    pub transports: bool,
}

/// The authentication service question.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthService {
    /// Whether an HTTP auth service can be run and kept available for every join (round-trip
    /// authentication needs one; a token issuer is one too).
    pub available: bool,
    /// The network round trip from the media servers to it (`2ms`); added to measured round-trip
    /// figures, which come from loopback. Unknown when left out.
    #[serde(default, with = "authbench_core::duration::serde_human_opt")]
    #[schemars(with = "Option<String>")]
    pub rtt: Option<Duration>,
    /// The share of one instance's measured capacity to plan on when sizing the service for the
    /// peak (more than 0, at most 1). Default: 0.7.
    #[serde(default)]
    #[schemars(with = "Option<f64>", range(min = 0.0, max = 1.0))]
    pub headroom: Option<Spanned<f64>>,
}

/// The share of measured capacity an instance is planned to run at when `auth_service.headroom`
/// is not given: the capacity is the rate at which one instance's p99 just stays within budget,
/// where queueing makes the p99 climb steeply; 0.7 leaves 30 % for garbage collection, a noisy
/// neighbour and one instance restarting (docs/load-at-scale.md › Capacity model).
pub const DEFAULT_HEADROOM: f64 = 0.7;

/// A loaded and validated deployment description.
#[derive(Debug, Clone)]
pub struct LoadedDeployment {
    /// The name (given, or the file stem).
    pub name: String,
    /// Where it came from, as given.
    pub source: String,
    /// The description.
    pub deployment: Deployment,
}

impl Deployment {
    /// The number of users.
    pub fn users(&self) -> u64 {
        self.users.value
    }

    /// The revocation requirement.
    pub fn revocation(&self) -> Revocation {
        self.revocation.value
    }

    /// The client mix.
    pub fn clients(&self) -> ClientMix {
        self.clients.value
    }

    /// Peak joins per second.
    pub fn peak_joins(&self) -> f64 {
        self.peak_joins_per_second.value
    }

    /// Peak publishes per second, when given.
    pub fn peak_publishes(&self) -> Option<f64> {
        self.peak_publishes_per_second.as_ref().map(|s| s.value)
    }

    /// The latency budget.
    pub fn latency_budget(&self) -> Duration {
        self.latency_budget.value
    }

    /// The number of tenants.
    pub fn tenants(&self) -> u32 {
        self.tenants.value
    }

    /// The share of measured capacity to plan on, and whether the description gave it.
    pub fn headroom(&self) -> (f64, bool) {
        match &self.auth_service.headroom {
            Some(h) => (h.value, true),
            None => (DEFAULT_HEADROOM, false),
        }
    }
}

/// Loads and validates a deployment description.
pub fn load_file(path: &Path) -> Result<LoadedDeployment, YamlError> {
    let text = yaml::read_text(path)?;
    load_str(&text, path)
}

/// Parses and validates deployment text; `file` names it in errors.
pub fn load_str(text: &str, file: &Path) -> Result<LoadedDeployment, YamlError> {
    let deployment: Deployment = yaml::parse(text, file)?;
    validate(&deployment, file)?;
    let name = match &deployment.name {
        Some(name) => name.clone(),
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "deployment".to_owned()),
    };
    Ok(LoadedDeployment {
        name,
        source: file.display().to_string(),
        deployment,
    })
}

fn at<T>(file: &Path, spanned: &Spanned<T>, message: String) -> YamlError {
    let l = spanned.referenced;
    YamlError::at(file, l.line() as usize, l.column() as usize, message)
}

/// What the types alone cannot check, each error at the offending value.
fn validate(d: &Deployment, file: &Path) -> Result<(), YamlError> {
    if d.users() == 0 || d.users() > MAX_USERS {
        return Err(at(
            file,
            &d.users,
            format!("`users` must be 1 to {MAX_USERS}"),
        ));
    }
    let rate_ok = |r: f64| r.is_finite() && (0.0..=MAX_JOINS_PER_SECOND).contains(&r);
    if !rate_ok(d.peak_joins()) {
        return Err(at(
            file,
            &d.peak_joins_per_second,
            format!("`peak_joins_per_second` must be 0 to {MAX_JOINS_PER_SECOND}"),
        ));
    }
    if let Some(p) = &d.peak_publishes_per_second
        && (!rate_ok(p.value) || p.value > d.peak_joins())
    {
        return Err(at(
            file,
            p,
            "`peak_publishes_per_second` must be 0 to `peak_joins_per_second` (publishes are joins)"
                .to_owned(),
        ));
    }
    if d.latency_budget().is_zero() {
        return Err(at(
            file,
            &d.latency_budget,
            "`latency_budget` must be more than 0".to_owned(),
        ));
    }
    if d.tenants() == 0 || d.tenants() > MAX_TENANTS {
        return Err(at(
            file,
            &d.tenants,
            format!("`tenants` must be 1 to {MAX_TENANTS}"),
        ));
    }
    if let Some(h) = &d.auth_service.headroom
        && !(h.value.is_finite() && h.value > 0.0 && h.value <= 1.0)
    {
        return Err(at(
            file,
            h,
            format!(
                "`auth_service.headroom` is {}; it is the share of measured capacity to plan on, \
                 more than 0 and at most 1 (default {DEFAULT_HEADROOM})",
                h.value
            ),
        ));
    }
    check_clients(&d.clients.value).map_err(|m| at(file, &d.clients, m))?;
    check_revocation(&d.revocation.value).map_err(|m| at(file, &d.revocation, m))
}

fn check_clients(mix: &ClientMix) -> Result<(), String> {
    let shares = mix.shares();
    if let Some((name, v)) = shares
        .iter()
        .find(|(_, v)| !v.is_finite() || !(0.0..=100.0).contains(v))
    {
        return Err(format!(
            "`clients.{name}` is {v}; a share is 0 to 100 (percent)"
        ));
    }
    let sum: f64 = shares.iter().map(|(_, v)| v).sum();
    if (sum - 100.0).abs() > 0.01 {
        return Err(format!(
            "`clients` shares add up to {sum}, not 100 (they are percentages of all clients)"
        ));
    }
    Ok(())
}

fn check_revocation(r: &Revocation) -> Result<(), String> {
    match (r.need, r.within) {
        (RevocationNeed::Within, None) => {
            Err("`revocation.need: within` needs `within` (e.g. `within: 5m`)".to_owned())
        }
        (RevocationNeed::Within, Some(d)) if d.is_zero() => {
            Err("`revocation.within: 0` means immediately; write `need: immediate`".to_owned())
        }
        (RevocationNeed::None | RevocationNeed::Immediate, Some(_)) => Err(format!(
            "`revocation.within` goes with `need: within`, not `need: {}`",
            r.need.as_str()
        )),
        (RevocationNeed::None, _) if r.applies_to != RevocationScope::All => {
            Err("`revocation.applies_to` goes with `need: within` or `need: immediate`".to_owned())
        }
        _ => Ok(()),
    }
}

impl RevocationNeed {
    /// The YAML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationNeed::None => "none",
            RevocationNeed::Within => "within",
            RevocationNeed::Immediate => "immediate",
        }
    }
}

impl RevocationScope {
    /// The YAML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationScope::All => "all",
            RevocationScope::Publish => "publish",
        }
    }
}

/// `latency_budget` as a spanned `500ms`-style duration: the value's place is kept for errors.
mod spanned_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};
    use serde_saphyr::Spanned;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Spanned<Duration>, D::Error> {
        let text: Spanned<String> = Spanned::deserialize(d)?;
        let value = authbench_core::duration::parse_duration(&text.value)
            .map_err(serde::de::Error::custom)?;
        Ok(Spanned {
            value,
            referenced: text.referenced,
            defined: text.defined,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
