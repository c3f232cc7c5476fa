//! The built-in world: one scenario's world for one mode as the scenario describes it — the
//! injected clock, the reference auth service on loopback (the user database every deployment
//! has; whether the mode asks it is the mode's business), the mode's own files and keys, and the
//! authenticator under test — all built from the scenario's identities, and changed by its events.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use authbench_authsvc::{AuthService, Faults, RunningService, ServiceHandle, ServiceOptions};
use authbench_core::{Authenticator, Clock, Identities, Identity, ManualClock, Mode, Secret};
use authbench_file::{FileAuthenticator, FileConfig, Scheme};
use authbench_jwt::{
    Algorithm, JwtAuthenticator, JwtConfig, ReplayConfig, TenantConfig, TokenMinter,
};
use authbench_roundtrip::{Protocol, RoundTripAuthenticator, RoundTripConfig};
use serde_json::{Value, json};

use authbench_scenario::load::LoadedScenario;
use authbench_scenario::spec::{Event, HashScheme, Scenario, ServiceEvent, TokenSource};

use crate::world::{Account, TokenOptions, World, WorldError};

fn err(context: &str, e: impl std::fmt::Display) -> WorldError {
    WorldError::failed(context, e)
}

/// Everything one mode needs to run one scenario as the scenario describes it.
pub struct BuiltinWorld {
    mode: Mode,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
    identities: Identities,
    removed: BTreeSet<String>,
    authenticator: Arc<dyn Authenticator>,
    file: Option<Arc<FileAuthenticator>>,
    service: AuthService,
    running: Option<RunningService>,
    service_addr: SocketAddr,
    jwt: Option<JwtTokens>,
    file_scheme: (Scheme, u32),
}

/// How the fixture gets tokens for JWT mode.
enum JwtTokens {
    /// Minted locally with the shared secret.
    Local(Box<LocalTokens>),
    /// Issued by the reference service.
    Service,
}

/// What minting locally needs.
struct LocalTokens {
    minter: TokenMinter,
    config: JwtConfig,
    ttl: Duration,
}

impl std::fmt::Debug for BuiltinWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltinWorld")
            .field("mode", &self.mode)
            .field("dir", &self.dir.path())
            .field("service", &self.service_addr)
            .finish_non_exhaustive()
    }
}

/// What a custom authenticator can be built from.
pub struct FixtureContext<'a> {
    /// The scenario's clock; advance events move it.
    pub clock: Arc<dyn Clock>,
    /// The identities, as the scenario starts.
    pub identities: &'a Identities,
    /// Base URL of the reference auth service (`http://127.0.0.1:PORT`), for adapters that ask
    /// a service; its paths are `authbench_authsvc::PATH_*`.
    pub service_url: &'a str,
    /// The fixture folder: `users.htpasswd`, `users.htgroup`, `jwt.secret` as the mode has them.
    pub dir: &'a Path,
}

/// Builds a user's own authenticator for a scenario run.
pub type CustomBuilder =
    Box<dyn FnOnce(&FixtureContext<'_>) -> Result<Arc<dyn Authenticator>, String> + Send>;

/// The identities of a scenario, generated ones included.
pub fn identities_of(scenario: &Scenario) -> Identities {
    let mut ids = scenario.identities.clone();
    if let Some(g) = &scenario.generate {
        for n in 1..=g.count {
            let name = format!("{}{n}", g.prefix);
            let password = Secret::new(format!("{name}-pw"));
            ids.entry(name).or_insert_with(|| Identity {
                password,
                ..Identity::default()
            });
        }
    }
    ids
}

impl BuiltinWorld {
    /// Builds the world for `mode`: clock, service, files, keys, authenticator.
    pub async fn build(loaded: &LoadedScenario, mode: Mode) -> Result<BuiltinWorld, WorldError> {
        Self::build_with(loaded, mode, None).await
    }

    /// Like [`build`](Self::build), then puts `custom`'s authenticator under test in place of the
    /// mode's own. Everything else — clock, service, files, keys, how clients present
    /// credentials, which expectations apply — is `mode`'s.
    pub async fn build_with(
        loaded: &LoadedScenario,
        mode: Mode,
        custom: Option<CustomBuilder>,
    ) -> Result<BuiltinWorld, WorldError> {
        let scenario = &loaded.scenario;
        let setup = &scenario.setup;
        let start = scenario
            .start
            .unwrap_or(authbench_scenario::spec::DEFAULT_START);
        let clock = Arc::new(ManualClock::at_secs(start));
        let dyn_clock: Arc<dyn Clock> = clock.clone();
        let dir = tempfile::tempdir().map_err(|e| err("cannot make a fixture folder", e))?;
        let identities = identities_of(scenario);

        let mut options = ServiceOptions::with_clock(dyn_clock.clone());
        // Scenarios expect precise reason codes from round-trip mode, so the service sends them
        // (`authbench serve` does not by default).
        options.expose_reasons = true;
        options.token_ttl = setup.jwt.token_ttl;
        options.audience = setup.jwt.audience.clone();
        // Tokens the service issues carry the claims of the scenario's JWT profile.
        options.claims = crate::deployment::issued_claims(jwt_config(scenario, None)?);
        let service =
            AuthService::new(&identities, options).map_err(|e| err("reference service", e))?;
        let running = service
            .spawn_loopback()
            .await
            .map_err(|e| err("cannot start the reference service", e))?;
        let service_addr = running.local_addr();
        let base_url = running.base_url().to_owned();

        let file_scheme = (file_scheme(setup.file.scheme), setup.file.cost);
        let mut fixture_file = None;
        let mut jwt = None;
        let authenticator: Arc<dyn Authenticator> = match mode {
            Mode::File => {
                write_htpasswd(dir.path(), &identities, &BTreeSet::new(), file_scheme)?;
                let mut config = FileConfig::new("users.htpasswd");
                if identities.values().any(|i| !i.roles.is_empty()) {
                    std::fs::write(
                        dir.path().join("users.htgroup"),
                        authbench_file::fixture::htgroup_for(&identities),
                    )
                    .map_err(|e| err("cannot write the group file", e))?;
                    config = config.with_groups("users.htgroup");
                }
                let auth = Arc::new(
                    FileAuthenticator::from_config(&config, dir.path())
                        .map_err(|e| err("file mode", e))?,
                );
                fixture_file = Some(auth.clone());
                auth
            }
            Mode::Jwt => {
                let config = jwt_config(scenario, Some((&base_url, dir.path())))?;
                let auth = JwtAuthenticator::from_config(&config, dir.path(), dyn_clock.clone())
                    .await
                    .map_err(|e| err("jwt mode", e))?;
                jwt = Some(match setup.jwt.source {
                    TokenSource::Local => JwtTokens::Local(Box::new(LocalTokens {
                        minter: TokenMinter::from_config(&config, dir.path())
                            .map_err(|e| err("jwt minter", e))?,
                        config,
                        ttl: setup.jwt.token_ttl,
                    })),
                    TokenSource::Service => JwtTokens::Service,
                });
                Arc::new(auth)
            }
            Mode::Roundtrip => {
                let rt = &setup.roundtrip;
                let path = match rt.protocol {
                    Protocol::Red5pro => authbench_authsvc::PATH_VALIDATE,
                    Protocol::Mediamtx => authbench_authsvc::PATH_MEDIAMTX,
                    Protocol::NginxRtmp => authbench_authsvc::PATH_NGINX_RTMP,
                    Protocol::Srs => authbench_authsvc::PATH_SRS,
                };
                let mut config = RoundTripConfig::new(format!("{base_url}{path}"), rt.protocol);
                config.timeout = Some(rt.timeout);
                config.cache_ttl = rt.cache_ttl;
                Arc::new(
                    RoundTripAuthenticator::from_config(&config, dir.path(), dyn_clock.clone())
                        .map_err(|e| err("round-trip mode", e))?,
                )
            }
        };
        let authenticator = match custom {
            Some(build) => build(&FixtureContext {
                clock: dyn_clock.clone(),
                identities: &identities,
                service_url: &base_url,
                dir: dir.path(),
            })
            .map_err(|e| WorldError::Failed(format!("custom authenticator: {e}")))?,
            None => authenticator,
        };
        Ok(BuiltinWorld {
            mode,
            clock,
            dir,
            identities,
            removed: BTreeSet::new(),
            authenticator,
            file: fixture_file,
            service,
            running: Some(running),
            service_addr,
            jwt,
            file_scheme,
        })
    }

    /// The injected clock.
    pub fn clock(&self) -> &Arc<ManualClock> {
        &self.clock
    }

    /// The reference service's handle (stats, admin operations).
    pub fn service(&self) -> ServiceHandle {
        self.service.handle()
    }

    async fn service_event(&mut self, event: &ServiceEvent) -> Result<(), WorldError> {
        let handle = self.service.handle();
        let faults = |value: Value| -> Result<(), WorldError> {
            let faults: Faults =
                serde_json::from_value(value).map_err(|e| err("service faults", e))?;
            handle
                .set_faults(faults)
                .map_err(|e| err("service faults", e))
        };
        match event {
            ServiceEvent::Down => {
                if let Some(running) = self.running.take() {
                    running.shutdown().await;
                }
            }
            ServiceEvent::Up => {
                if self.running.is_none() {
                    let running = self
                        .service
                        .spawn(self.service_addr)
                        .await
                        .map_err(|e| err("cannot restart the reference service", e))?;
                    self.running = Some(running);
                }
            }
            ServiceEvent::Latency(d) => faults(
                json!({"latency": {"fixed": authbench_core::duration::format_duration(*d)}}),
            )?,
            ServiceEvent::Hang => faults(json!({"hang": true}))?,
            ServiceEvent::Malformed => faults(json!({"malformed_rate": 1.0}))?,
            ServiceEvent::Healthy => handle.clear_faults(),
        }
        Ok(())
    }

    fn rewrite_htpasswd(&self) -> Result<(), WorldError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        write_htpasswd(
            self.dir.path(),
            &self.identities,
            &self.removed,
            self.file_scheme,
        )?;
        file.reload().map_err(|e| err("htpasswd reload", e))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl World for BuiltinWorld {
    fn mode(&self) -> Mode {
        self.mode
    }

    fn authenticator(&self) -> &Arc<dyn Authenticator> {
        &self.authenticator
    }

    fn account(&self, identity: &str) -> Result<Account, WorldError> {
        let found = self
            .identities
            .get(identity)
            .ok_or_else(|| WorldError::Failed(format!("unknown identity `{identity}`")))?;
        Ok(Account {
            user: identity.to_owned(),
            password: found.password.clone(),
        })
    }

    async fn token(&self, name: &str, options: TokenOptions<'_>) -> Result<String, WorldError> {
        let identity = self
            .identities
            .get(name)
            .ok_or_else(|| WorldError::Failed(format!("unknown identity `{name}`")))?;
        match &self.jwt {
            Some(JwtTokens::Local(local)) => {
                let LocalTokens {
                    minter,
                    config,
                    ttl: default,
                } = local.as_ref();
                let iat = self.clock.now_secs();
                let exp = iat.saturating_add(options.ttl.unwrap_or(*default).as_secs());
                let mut claims = authbench_jwt::claims_for(config, name, identity, iat, exp);
                if let Value::Object(map) = &mut claims {
                    map.insert("jti".into(), json!(authbench_jwt::random_jti()));
                    if let Some(aud) = options.audience {
                        map.insert("aud".into(), json!(aud));
                    }
                }
                minter
                    .sign(&claims)
                    .map_err(|e| err("cannot mint a token", e))
            }
            Some(JwtTokens::Service) => {
                if options.ttl.is_some() || options.audience.is_some() {
                    return Err(WorldError::Failed(
                        "`token_ttl` and `token_audience` need locally minted tokens (`source: local`)"
                            .into(),
                    ));
                }
                self.service
                    .handle()
                    .issue_token(name)
                    .map(|t| t.token.expose().to_owned())
                    .map_err(|e| err("the reference service refused to issue a token", e))
            }
            None => Err(WorldError::Failed("tokens exist only in jwt mode".into())),
        }
    }

    async fn apply(&mut self, event: &Event) -> Result<(), WorldError> {
        let handle = self.service.handle();
        match event {
            Event::Advance(by) => self.clock.advance(*by),
            Event::Revoke(user) => {
                handle.revoke(user).map_err(|e| err("revoke", e))?;
                if let Some(i) = self.identities.get_mut(user) {
                    i.revoked = true;
                }
            }
            Event::Restore(user) => {
                handle.restore(user).map_err(|e| err("restore", e))?;
                if let Some(i) = self.identities.get_mut(user) {
                    i.revoked = false;
                }
            }
            Event::SetPassword(change) => {
                handle
                    .set_password(&change.user, change.password.expose())
                    .map_err(|e| err("set_password", e))?;
                if let Some(i) = self.identities.get_mut(&change.user) {
                    i.password = change.password.clone();
                }
                self.rewrite_htpasswd()?;
            }
            Event::RemoveUser(user) => {
                // The service has no deletion; revoking is how its operators lock an account.
                handle.revoke(user).map_err(|e| err("remove_user", e))?;
                self.removed.insert(user.clone());
                self.rewrite_htpasswd()?;
            }
            Event::CorruptHtpasswd => {
                if let Some(file) = &self.file {
                    replace_file(
                        &self.dir.path().join("users.htpasswd"),
                        "this line has no colon\n",
                    )?;
                    // The reload is expected to fail and keep the previous good file in force.
                    let _ = file.reload();
                }
            }
            Event::RotateKeys => {
                handle.rotate_keys().map_err(|e| err("rotate_keys", e))?;
            }
            Event::Service(event) => self.service_event(event).await?,
        }
        Ok(())
    }

    fn service_calls(&self) -> Option<u64> {
        Some(self.service.handle().stats().server_calls())
    }

    async fn shutdown(mut self: Box<Self>) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

fn file_scheme(s: HashScheme) -> Scheme {
    match s {
        HashScheme::Bcrypt => Scheme::Bcrypt,
        HashScheme::Apr1 => Scheme::Apr1,
        HashScheme::Sha1 => Scheme::Sha1,
        HashScheme::Sha256 => Scheme::Sha256Crypt,
        HashScheme::Sha512 => Scheme::Sha512Crypt,
    }
}

fn write_htpasswd(
    dir: &Path,
    identities: &Identities,
    removed: &BTreeSet<String>,
    (scheme, cost): (Scheme, u32),
) -> Result<(), WorldError> {
    let kept: Identities = identities
        .iter()
        .filter(|(name, _)| !removed.contains(*name))
        .map(|(n, i)| (n.clone(), i.clone()))
        .collect();
    let text = authbench_file::fixture::htpasswd_for(&kept, scheme, cost)
        .map_err(|e| err("htpasswd", e))?;
    replace_file(&dir.join("users.htpasswd"), &text)
}

/// Writes by rename, as file mode requires: a reader never sees half a file.
fn replace_file(path: &Path, text: &str) -> Result<(), WorldError> {
    let tmp: PathBuf = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| err("cannot write a fixture file", e))?;
    std::fs::rename(&tmp, path).map_err(|e| err("cannot replace a fixture file", e))
}

/// The `jwt:` section for the scenario. `service` is the reference service's base URL and the
/// fixture folder (for the secret file); `None` gives a key-less config for shaping claims only.
fn jwt_config(
    scenario: &Scenario,
    service: Option<(&str, &Path)>,
) -> Result<JwtConfig, WorldError> {
    let s = &scenario.setup.jwt;
    let mut config = JwtConfig::new(s.profile, &[s.algorithm]);
    config.audiences = if s.audiences.is_empty() {
        s.audience.iter().cloned().collect()
    } else {
        s.audiences.clone()
    };
    config.max_ttl = s.max_ttl;
    if s.one_time {
        config.replay = Some(ReplayConfig::new(100_000));
    }
    match (s.source, service) {
        (TokenSource::Service, Some((base_url, _))) => {
            // The reference service signs with ES256 and publishes its keys by discovery.
            config.algorithms = vec![Algorithm::ES256];
            config.oidc_discovery =
                Some(format!("{base_url}{}", authbench_authsvc::PATH_DISCOVERY));
        }
        (TokenSource::Local, Some((_, dir))) => {
            std::fs::write(dir.join("jwt.secret"), random_secret()?)
                .map_err(|e| err("cannot write the JWT secret", e))?;
            config.secret_file = Some("jwt.secret".into());
            config.issuers = s.issuer.iter().cloned().collect();
            for (name, tenant) in &s.tenants {
                config.issuers.push(tenant.issuer.clone());
                config.tenants.insert(
                    tenant.issuer.clone(),
                    TenantConfig::new(tenant.rooms.iter().cloned()).with_name(name.clone()),
                );
            }
        }
        (_, None) => {}
    }
    Ok(config)
}

/// Three random 128-bit values: 66 characters, well above Red5 Pro's 32-byte minimum.
fn random_secret() -> Result<String, WorldError> {
    Ok((0..3).map(|_| authbench_jwt::random_jti()).collect())
}
