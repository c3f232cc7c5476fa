//! The target world: a scenario run against the user's own deployment, as named in a target file
//! (`authbench-target`). The authenticator under test is the mode's real one, configured with the
//! target's sections (their auth service, their identity provider's keys, their htpasswd file);
//! clients present the credentials of the real accounts the file maps scenario identities to, with
//! tokens from the file's token source; events reach the deployment through its `control` hooks.
//!
//! What the target cannot do is skipped with the reason, never counted as held or failed:
//!
//! * a scenario whose setup for a mode differs from the target's (another wire protocol or claim
//!   profile, one-time tokens the target does not enforce, …): the whole mode;
//! * a step as an identity the file does not map, or that needs a token minted with a chosen
//!   lifetime or audience;
//! * every step after an event the target has no control for (a revocation without
//!   `control.revoke`, a clock advance on a real clock, a service fault, a corrupted file): from
//!   there on, the deployment no longer is where the scenario says it is.
//!
//! A target file with a `media:` section has a second source of worlds, [`MediaWorlds`]: the
//! `as` mode's clients, accounts, tokens and control, with the media probe
//! (`authbench_media::MediaAuthenticator`) as the authenticator, so the media server itself
//! decides. A request over a transport the media server has no endpoint for is skipped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use authbench_core::outcome::{JoinTimes, TargetInfo};
use authbench_core::{AuthRequest, Authenticator, Clock, Mode, Secret, SystemClock, Transport};
use authbench_file::FileAuthenticator;
use authbench_jwt::JwtAuthenticator;
use authbench_media::{MediaAuthenticator, MediaConfig};
use authbench_roundtrip::RoundTripAuthenticator;
use authbench_scenario::load::LoadedScenario;
use authbench_scenario::spec::{Event, Scenario};
use authbench_target::spec::origin;
use authbench_target::{Control, ControlKind, LoadedTarget, TokenSource, Vars};

use crate::runner::Worlds;
use crate::world::{Account, TokenOptions, World, WorldError};

/// The worlds of one target file: one per (scenario, mode) the target has a section for.
pub struct TargetWorlds {
    target: Arc<LoadedTarget>,
    tokens: Option<Arc<TokenSource>>,
    control: Arc<Control>,
}

/// Why a target file's building blocks could not be made (a token source or control hook that
/// does not hold together).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetSetupError {
    /// The `jwt.tokens` section.
    #[error("{file}: {source}")]
    Tokens {
        /// The target file.
        file: PathBuf,
        /// What is wrong.
        #[source]
        source: authbench_target::TokenError,
    },
    /// The `control` section.
    #[error("{file}: {source}")]
    Control {
        /// The target file.
        file: PathBuf,
        /// What is wrong.
        #[source]
        source: authbench_target::ControlError,
    },
}

impl TargetWorlds {
    /// The worlds of `target`.
    pub fn new(target: LoadedTarget) -> Result<TargetWorlds, TargetSetupError> {
        let file = target.file().to_owned();
        let tokens = target
            .token_source()
            .map_err(|source| TargetSetupError::Tokens {
                file: file.clone(),
                source,
            })?
            .map(Arc::new);
        let control = target
            .control()
            .map_err(|source| TargetSetupError::Control { file, source })?;
        Ok(TargetWorlds {
            target: Arc::new(target),
            tokens,
            control: Arc::new(control),
        })
    }

    /// The target file.
    pub fn target(&self) -> &LoadedTarget {
        &self.target
    }

    /// The modes the target has a section for.
    pub fn modes(&self) -> Vec<Mode> {
        self.target.modes()
    }

    /// The world `mode` runs in at the target, outside any scenario (`authbench decide
    /// --target`). `Ok(None)` when the target has no section for the mode.
    pub async fn world_for(&self, mode: Mode) -> Result<Option<Box<dyn World>>, WorldError> {
        self.build(None, mode).await
    }

    async fn build(
        &self,
        scenario: Option<&str>,
        mode: Mode,
    ) -> Result<Option<Box<dyn World>>, WorldError> {
        if !self.target.modes().contains(&mode) {
            return Ok(None);
        }
        // The target's clock is the real one: tokens, expiry and caches run on wall time.
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let base = self.target.base_dir();
        let mut file = None;
        let authenticator: Arc<dyn Authenticator> = match mode {
            Mode::Roundtrip => {
                let config = self
                    .target
                    .roundtrip_config()
                    .map_err(|e| WorldError::failed("roundtrip", e))?
                    .ok_or_else(|| WorldError::Failed("no `roundtrip:` section".into()))?;
                Arc::new(
                    RoundTripAuthenticator::from_config(&config, base, clock)
                        .map_err(|e| WorldError::failed("roundtrip", e))?,
                )
            }
            Mode::Jwt => {
                let config = self
                    .target
                    .jwt_config()
                    .ok_or_else(|| WorldError::Failed("no `jwt:` section".into()))?;
                Arc::new(
                    JwtAuthenticator::from_config(&config, base, clock)
                        .await
                        .map_err(|e| WorldError::failed("jwt", e))?,
                )
            }
            Mode::File => {
                let config = self
                    .target
                    .file_config()
                    .ok_or_else(|| WorldError::Failed("no `file:` section".into()))?;
                let auth = Arc::new(
                    FileAuthenticator::from_config(&config, base)
                        .map_err(|e| WorldError::failed("file", e))?,
                );
                file = Some(auth.clone());
                auth
            }
        };
        Ok(Some(Box::new(self.world_with(
            scenario,
            mode,
            self.info(mode),
            authenticator,
            file,
            None,
        ))))
    }

    /// A world of `mode` whose clients are the target's, deciding with `authenticator`.
    fn world_with(
        &self,
        scenario: Option<&str>,
        mode: Mode,
        info: TargetInfo,
        authenticator: Arc<dyn Authenticator>,
        file: Option<Arc<FileAuthenticator>>,
        media: Option<Arc<MediaAuthenticator>>,
    ) -> TargetWorld {
        TargetWorld {
            mode,
            scenario: scenario.map(str::to_owned),
            target: self.target.clone(),
            info,
            authenticator,
            file,
            media,
            tokens: self.tokens.clone(),
            control: self.control.clone(),
            passwords: HashMap::new(),
            undo: Vec::new(),
        }
    }

    /// The worlds of the target's media server, when the file has a `media:` section.
    pub fn media(&self) -> Option<MediaWorlds> {
        let config = self.target.media_config()?;
        let mode = self.target.media_as()?;
        Some(MediaWorlds {
            targets: TargetWorlds {
                target: self.target.clone(),
                tokens: self.tokens.clone(),
                control: self.control.clone(),
            },
            config,
            mode,
        })
    }

    /// What `mode` tests at the target, for reports.
    fn info(&self, mode: Mode) -> TargetInfo {
        let description = self.target.describe();
        let tested = match mode {
            Mode::Roundtrip => format!(
                "{} ({})",
                description.roundtrip_service.unwrap_or_default(),
                description.roundtrip_protocol.unwrap_or_default()
            ),
            Mode::Jwt => format!(
                "tokens by {} from {}",
                description.jwt_tokens.unwrap_or_default(),
                description
                    .jwt_issuer
                    .unwrap_or_else(|| "the configured keys".into())
            ),
            Mode::File => description.htpasswd.unwrap_or_default(),
        };
        TargetInfo {
            name: description.name,
            tested,
        }
    }
}

#[async_trait::async_trait]
impl Worlds for TargetWorlds {
    async fn world(
        &self,
        loaded: &LoadedScenario,
        mode: Mode,
    ) -> Result<Option<Box<dyn World>>, WorldError> {
        if !self.target.modes().contains(&mode) {
            return Ok(None);
        }
        if let Some(why) = mismatch(&loaded.scenario, mode, &self.target) {
            return Err(WorldError::Unavailable(why));
        }
        self.build(Some(&loaded.name), mode).await
    }

    fn target(&self, mode: Mode) -> Option<TargetInfo> {
        Some(self.info(mode))
    }
}

/// The worlds of a target's media server (its `media:` section): one, for the mode the file
/// judges the server as (`as`), whose clients, accounts, tokens and control are the target's and
/// whose authenticator is the media probe. Other modes do not run here.
pub struct MediaWorlds {
    targets: TargetWorlds,
    config: MediaConfig,
    mode: Mode,
}

impl MediaWorlds {
    /// The mode whose clients and expectations judge the media server.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The target file.
    pub fn target(&self) -> &LoadedTarget {
        &self.targets.target
    }

    /// The media server's world outside any scenario (`authbench decide --target --mode media`).
    pub async fn world(&self) -> Result<Box<dyn World>, WorldError> {
        Ok(Box::new(self.build(None)?))
    }

    fn build(&self, scenario: Option<&str>) -> Result<TargetWorld, WorldError> {
        let probe = Arc::new(
            MediaAuthenticator::new(self.config.clone())
                .map_err(|e| WorldError::failed("media", e))?,
        );
        Ok(self.targets.world_with(
            scenario,
            self.mode,
            self.info(),
            probe.clone(),
            None,
            Some(probe),
        ))
    }

    /// `{name} media`, tested: `media server rtmp://host:port, …` (origins only: never a path, a
    /// query or a credential).
    fn info(&self) -> TargetInfo {
        let endpoints: Vec<String> = Transport::ALL
            .into_iter()
            .filter_map(|t| self.config.endpoint(t))
            // Origins only: a WHIP / WHEP template's `{stream}` is in its path.
            .map(|e| origin(e).unwrap_or_else(|| "(not a URL)".into()))
            .collect();
        TargetInfo {
            name: format!("{} media", self.targets.target.name()),
            tested: format!("media server {}", endpoints.join(", ")),
        }
    }
}

#[async_trait::async_trait]
impl Worlds for MediaWorlds {
    async fn world(
        &self,
        loaded: &LoadedScenario,
        mode: Mode,
    ) -> Result<Option<Box<dyn World>>, WorldError> {
        if mode != self.mode {
            return Ok(None);
        }
        Ok(Some(Box::new(self.build(Some(&loaded.name))?)))
    }

    fn target(&self, mode: Mode) -> Option<TargetInfo> {
        (mode == self.mode).then(|| self.info())
    }
}

/// Why the scenario's setup for `mode` describes another deployment than the target, if it does:
/// its expectations would then be about a system the target is not.
fn mismatch(scenario: &Scenario, mode: Mode, target: &LoadedTarget) -> Option<String> {
    let setup = &scenario.setup;
    match mode {
        Mode::Roundtrip => {
            let config = &target.spec().roundtrip.as_ref()?.config;
            let wanted = setup.roundtrip.protocol;
            if config.protocol != wanted {
                return Some(format!(
                    "the scenario's round trip speaks {}; the target's speaks {}",
                    wanted.as_str(),
                    config.protocol.as_str()
                ));
            }
            if setup.roundtrip.cache_ttl != config.cache_ttl {
                return Some(
                    "the scenario caches round-trip answers differently from the target \
                     (`cache_ttl`)"
                        .into(),
                );
            }
        }
        Mode::Jwt => {
            let config = &target.spec().jwt.as_ref()?.config;
            let wanted = &setup.jwt;
            if config.profile != wanted.profile {
                return Some(format!(
                    "the scenario's tokens follow the {} claim profile; the target validates {}",
                    wanted.profile.as_str(),
                    config.profile.as_str()
                ));
            }
            if wanted.one_time != config.replay.is_some() {
                return Some(if wanted.one_time {
                    "the scenario's tokens are one-time; the target does not refuse a replayed \
                     token (no `replay`)"
                        .into()
                } else {
                    "the target refuses replayed tokens (`replay`); the scenario reuses them".into()
                });
            }
            if !wanted.tenants.is_empty() {
                return Some(
                    "the scenario has per-tenant issuers whose tokens only it can mint".into(),
                );
            }
            if wanted.max_ttl.is_some() && wanted.max_ttl != config.max_ttl {
                return Some("the scenario caps token lifetimes differently (`max_ttl`)".into());
            }
            let audiences: Vec<&String> = if wanted.audiences.is_empty() {
                wanted.audience.iter().collect()
            } else {
                wanted.audiences.iter().collect()
            };
            if !audiences.is_empty() && audiences.iter().any(|a| !config.audiences.contains(a)) {
                return Some(
                    "the scenario requires audiences the target does not (`audiences`)".into(),
                );
            }
        }
        Mode::File => {
            let config = target.spec().file.as_ref()?;
            let roles = scenario.identities.values().any(|i| !i.roles.is_empty());
            if roles && config.groups.is_none() {
                return Some(
                    "the scenario's identities have roles; the target's file mode has no group \
                     file (`groups`)"
                        .into(),
                );
            }
        }
    }
    None
}

/// One mode of one scenario at the target.
struct TargetWorld {
    mode: Mode,
    scenario: Option<String>,
    target: Arc<LoadedTarget>,
    info: TargetInfo,
    authenticator: Arc<dyn Authenticator>,
    file: Option<Arc<FileAuthenticator>>,
    /// The media probe, when it is the authenticator.
    media: Option<Arc<MediaAuthenticator>>,
    tokens: Option<Arc<TokenSource>>,
    control: Arc<Control>,
    /// Passwords changed by `set_password` events, by identity.
    passwords: HashMap<String, Secret>,
    /// The hooks that put back what the events changed, in the order the events came: a
    /// `restore` for an account revoked or removed in this run (dropped again when the run
    /// restores it), the previous password for a `set_password`.
    undo: Vec<(ControlKind, Vars)>,
}

impl TargetWorld {
    /// The real account of a scenario identity: `SCENARIO/IDENTITY` in the file's `identities`
    /// first (accounts for one scenario), then `IDENTITY`.
    fn mapped(&self, identity: &str) -> Result<authbench_target::Account, WorldError> {
        let scoped = self
            .scenario
            .as_ref()
            .and_then(|s| self.target.account(&format!("{s}/{identity}")));
        match scoped.or_else(|| self.target.account(identity)) {
            Some(Ok(account)) => Ok(account),
            Some(Err(e)) => Err(WorldError::failed("target identities", e)),
            None => Err(WorldError::Unavailable(format!(
                "identity `{identity}` has no account in the target file (`identities.{identity}`)"
            ))),
        }
    }

    /// Where in the undo list the `restore` of `user` waits, when this run revoked or removed
    /// that account and has not restored it yet.
    fn pending_restore(&self, user: &str) -> Option<usize> {
        self.undo.iter().position(|(kind, vars)| {
            *kind == ControlKind::Restore && vars.user.as_deref() == Some(user)
        })
    }

    fn hook_for(event: &Event) -> Result<ControlKind, WorldError> {
        let unavailable = |why: &str| Err(WorldError::Unavailable(why.to_owned()));
        match event {
            Event::Revoke(_) => Ok(ControlKind::Revoke),
            Event::Restore(_) => Ok(ControlKind::Restore),
            Event::SetPassword(_) => Ok(ControlKind::SetPassword),
            Event::RemoveUser(_) => Ok(ControlKind::RemoveUser),
            Event::RotateKeys => Ok(ControlKind::RotateKeys),
            Event::Advance(_) => unavailable("the target runs on the real clock"),
            Event::CorruptHtpasswd => unavailable("authbench never damages a target's files"),
            Event::Service(_) => unavailable("faults cannot be injected into the target's service"),
        }
    }
}

#[async_trait::async_trait]
impl World for TargetWorld {
    fn mode(&self) -> Mode {
        self.mode
    }

    fn target(&self) -> Option<TargetInfo> {
        Some(self.info.clone())
    }

    fn authenticator(&self) -> &Arc<dyn Authenticator> {
        &self.authenticator
    }

    fn unsupported(&self, req: &AuthRequest) -> Option<String> {
        let media = self.media.as_ref()?;
        media.config().endpoint(req.transport).is_none().then(|| {
            format!(
                "the target's media server has no {} endpoint",
                req.transport
            )
        })
    }

    fn account(&self, identity: &str) -> Result<Account, WorldError> {
        let account = self.mapped(identity)?;
        let password = match self.passwords.get(identity) {
            Some(changed) => changed.clone(),
            None => account.password.clone().ok_or_else(|| {
                WorldError::Unavailable(format!(
                    "identity `{identity}` has no password in the target file"
                ))
            })?,
        };
        Ok(Account {
            user: account.user,
            password,
        })
    }

    async fn token(&self, identity: &str, options: TokenOptions<'_>) -> Result<String, WorldError> {
        if options.ttl.is_some() || options.audience.is_some() {
            return Err(WorldError::Unavailable(
                "the step needs a token minted with a chosen lifetime or audience; the target's \
                 tokens come from its token source"
                    .into(),
            ));
        }
        let source = self
            .tokens
            .as_ref()
            .ok_or_else(|| WorldError::Failed("the target has no `jwt.tokens`".into()))?;
        let mut account = self.mapped(identity)?;
        if let Some(changed) = self.passwords.get(identity) {
            account.password = Some(changed.clone());
        }
        let token = source
            .fetch(&account)
            .await
            .map_err(|e| WorldError::failed(&format!("a token for `{identity}`"), e))?;
        Ok(token.expose().to_owned())
    }

    async fn apply(&mut self, event: &Event) -> Result<(), WorldError> {
        let kind = Self::hook_for(event)?;
        let hook = self.control.hook(kind).ok_or_else(|| {
            WorldError::Unavailable(format!(
                "the target file has no `control.{}`",
                kind.as_str()
            ))
        })?;
        let (vars, undo) = match event.user() {
            Some(identity) => {
                let account = self.mapped(identity)?;
                let vars = Vars::account(identity, account.user.clone());
                match event {
                    Event::SetPassword(change) => {
                        let before = self.passwords.get(identity).cloned().or(account.password);
                        let undo = before
                            .map(|old| (ControlKind::SetPassword, vars.clone().with_password(old)));
                        (vars.with_password(change.password.clone()), undo)
                    }
                    Event::Revoke(_) | Event::RemoveUser(_) => {
                        (vars.clone(), Some((ControlKind::Restore, vars)))
                    }
                    // The account was active when the run found it, unless this run revoked
                    // it: a restore is never undone by revoking (see `shutdown`).
                    _ => (vars, None),
                }
            }
            None => (Vars::default(), None),
        };
        hook.run(&vars)
            .await
            .map_err(|e| WorldError::failed(&format!("control.{}", kind.as_str()), e))?;
        let pending = vars.user.as_deref().and_then(|u| self.pending_restore(u));
        match (event, pending) {
            // Restoring what this run revoked: the pair cancels out.
            (Event::Restore(_), Some(i)) => {
                self.undo.remove(i);
            }
            // Already revoked in this run: the restore waiting for it puts the account back.
            (Event::Revoke(_) | Event::RemoveUser(_), Some(_)) => {}
            _ => self.undo.extend(undo),
        }
        if let Event::SetPassword(change) = event {
            self.passwords
                .insert(change.user.clone(), change.password.clone());
        }
        // The hook may have changed the credentials file: read it again now rather than wait
        // for a watcher.
        if let Some(file) = &self.file {
            file.reload()
                .map_err(|e| WorldError::failed("reloading the target's htpasswd file", e))?;
        }
        Ok(())
    }

    fn service_calls(&self) -> Option<u64> {
        None
    }

    fn joins(&self) -> Vec<JoinTimes> {
        self.media
            .as_ref()
            .map(|probe| probe.join_times())
            .unwrap_or_default()
    }

    /// Leaves the deployment as the run found it, through the control hooks, latest first, so
    /// the next mode (or the next run) starts from the accounts the target file describes: an
    /// account revoked or removed in this run and not restored since comes back through
    /// `control.restore`, and every password change is undone. A restore is never undone: the
    /// run found the account active, or revoked it itself (then the restore cancelled that
    /// revocation). Where a hook is missing, nothing can be put back.
    async fn shutdown(self: Box<Self>) {
        for (kind, vars) in self.undo.iter().rev() {
            if let Some(hook) = self.control.hook(*kind) {
                // Best effort: the run's results are in; a failed undo cannot change them.
                let _ = hook.run(vars).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    use authbench_scenario::spec::RequestSpec;

    use super::*;
    use crate::session::{Prepared, Session};

    fn media_worlds(dir: &Path) -> MediaWorlds {
        std::fs::write(dir.join("pw"), "alice-pw").unwrap();
        let target = authbench_target::parse(
            "name: lab\n\
             media: {rtmp: 'rtmp://127.0.0.1:1935', whip: 'http://127.0.0.1:8889/{stream}/whip', present: password}\n\
             identities:\n  alice: {user: al, password: {file: pw}}\n",
            &dir.join("t.yaml"),
        )
        .unwrap();
        TargetWorlds::new(target).unwrap().media().unwrap()
    }

    fn spec(yaml: &str) -> RequestSpec {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[tokio::test]
    async fn a_transport_the_media_server_has_no_endpoint_for_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let media = media_worlds(dir.path());
        assert_eq!(media.mode(), Mode::Roundtrip);
        let mut session = Session::new(media.world().await.unwrap());
        assert_eq!(session.world().mode(), Mode::Roundtrip);
        assert_eq!(
            session.world().authenticator().mode(),
            authbench_media::MODE
        );

        let rtsp = spec("{as: alice, action: subscribe, transport: rtsp, stream: live/cam1}");
        match session.request(&rtsp).await.unwrap() {
            Prepared::Skipped(why) => {
                assert_eq!(why, "the target's media server has no rtsp endpoint")
            }
            other => panic!("expected a skip, got {other:?}"),
        }
        let rtmp = spec("{as: alice, action: publish, transport: rtmp, stream: live/cam1}");
        match session.request(&rtmp).await.unwrap() {
            Prepared::Ready(req) => assert_eq!(req.transport, Transport::Rtmp),
            other => panic!("expected a request, got {other:?}"),
        }
        session.shutdown().await;
    }

    /// Media worlds whose control hooks write `kind user` lines to the returned log.
    #[cfg(unix)]
    fn recording_worlds(dir: &Path) -> (MediaWorlds, std::path::PathBuf) {
        use std::os::unix::fs::PermissionsExt;

        let log = dir.join("log");
        let hook = dir.join("hook");
        std::fs::write(
            &hook,
            format!("#!/bin/sh\necho \"$*\" >> '{}'\n", log.display()),
        )
        .unwrap();
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.join("pw"), "a-pw").unwrap();
        let target = authbench_target::parse(
            "name: lab\n\
             media: {rtmp: 'rtmp://127.0.0.1:1935', present: password}\n\
             identities:\n  alice: {user: al, password: {file: pw}}\n  bob: {user: bo, password: {file: pw}}\n\
             control:\n\
             \x20 revoke: {command: [./hook, revoke, '{user}']}\n\
             \x20 restore: {command: [./hook, restore, '{user}']}\n\
             \x20 remove_user: {command: [./hook, remove_user, '{user}']}\n",
            &dir.join("t.yaml"),
        )
        .unwrap();
        (TargetWorlds::new(target).unwrap().media().unwrap(), log)
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn shutdown_undoes_only_what_the_run_changed() {
        let dir = tempfile::tempdir().unwrap();
        let (media, log) = recording_worlds(dir.path());
        let mut world = media.world().await.unwrap();
        for event in [
            // Never revoked in this run: restoring it must not end with it revoked.
            Event::Restore("bob".into()),
            // Revoked and restored: the pair cancels out.
            Event::Revoke("alice".into()),
            Event::Restore("alice".into()),
            // Removed, then revoked again: one restore puts it back.
            Event::RemoveUser("alice".into()),
            Event::Revoke("alice".into()),
        ] {
            world.apply(&event).await.unwrap();
        }
        let applied = "restore bo\nrevoke al\nrestore al\nremove_user al\nrevoke al\n";
        assert_eq!(std::fs::read_to_string(&log).unwrap(), applied);
        world.shutdown().await;
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            format!("{applied}restore al\n")
        );

        // A run that only restores leaves nothing to undo.
        std::fs::remove_file(&log).unwrap();
        let mut world = media.world().await.unwrap();
        world.apply(&Event::Restore("alice".into())).await.unwrap();
        world.shutdown().await;
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "restore al\n");
    }

    #[test]
    fn the_media_worlds_name_the_server_without_paths_and_run_only_the_as_mode() {
        let dir = tempfile::tempdir().unwrap();
        let media = media_worlds(dir.path());
        let info = Worlds::target(&media, Mode::Roundtrip).unwrap();
        assert_eq!(info.name, "lab media");
        assert_eq!(
            info.tested,
            "media server rtmp://127.0.0.1:1935, http://127.0.0.1:8889"
        );
        assert_eq!(Worlds::target(&media, Mode::Jwt), None);
        assert_eq!(Worlds::target(&media, Mode::File), None);
    }
}
