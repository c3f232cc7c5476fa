//! How events reach the target: `control:` hooks in a target file.
//!
//! ```yaml
//! control:                  # every hook optional; a scenario event without one is skipped
//!   revoke:  {http: {method: POST, url: "https://admin.example/users/{user}/disable", headers: {Authorization: {env: ADMIN_TOKEN}}}}
//!   restore: {command: [./restore-user, "{user}"], timeout: 30s}
//!   set_password: {http: {method: PUT, url: "https://admin.example/users/{user}/password", body: {password: "{password}"}}}
//!   remove_user: {command: [./remove-user, "{user}"]}
//!   rotate_keys: {command: [./rotate-keys]}
//! ```
//!
//! A hook is an `http` request or a `command`, with a `timeout` (default 10s). Templates may use
//! `{identity}`, `{user}` and `{password}` (for `set_password`: the new password). In a URL the
//! values are percent-encoded; in a JSON body they are the contents of JSON strings. An `http`
//! hook succeeds on a 2xx answer (redirects are not followed); a `command` hook on exit code 0.
//! A command is given `AUTHBENCH_PASSWORD` (the new password), `AUTHBENCH_USER` and
//! `AUTHBENCH_IDENTITY` in its environment, so a script need not take the password as an argument.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use authbench_core::Secret;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use crate::call::{self, Argv, CallError, CommandRun, DEFAULT_TIMEOUT, HttpCall};
use crate::template::{MissingValue, Placeholder, Values};

/// An event a control hook carries to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ControlKind {
    /// Revoke a user: their next request must be denied.
    Revoke,
    /// Undo a revocation.
    Restore,
    /// Change a user's password (the new one is `{password}`).
    SetPassword,
    /// Delete a user.
    RemoveUser,
    /// Rotate the token signing keys.
    RotateKeys,
}

impl ControlKind {
    /// Every kind, in file order.
    pub const ALL: [ControlKind; 5] = [
        ControlKind::Revoke,
        ControlKind::Restore,
        ControlKind::SetPassword,
        ControlKind::RemoveUser,
        ControlKind::RotateKeys,
    ];

    /// The key under `control:`.
    pub fn as_str(self) -> &'static str {
        match self {
            ControlKind::Revoke => "revoke",
            ControlKind::Restore => "restore",
            ControlKind::SetPassword => "set_password",
            ControlKind::RemoveUser => "remove_user",
            ControlKind::RotateKeys => "rotate_keys",
        }
    }

    /// Its place in [`ALL`](Self::ALL): the variants are fieldless and declared in that order.
    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ControlKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a hook does, as written in the file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HookAction {
    /// An HTTP request.
    Http(HttpCall),
    /// A command.
    Command(Argv),
}

/// One hook as written in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct HookSpec {
    /// The request or command.
    pub action: HookAction,
    /// Time allowed (default 10s).
    pub timeout: Option<Duration>,
}

const HOOK_FIELDS: &[&str] = &["http", "command", "timeout"];
const HOOK_PLACEHOLDERS: [Placeholder; 3] = [
    Placeholder::Identity,
    Placeholder::User,
    Placeholder::Password,
];

impl<'de> Deserialize<'de> for HookSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HookSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map with http or command")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<HookSpec, A::Error> {
                let (action, timeout) = crate::de::one_of(
                    map,
                    "a control hook",
                    HOOK_FIELDS,
                    |kind, map| {
                        let action = match kind {
                            "http" => HookAction::Http(map.next_value()?),
                            _ => HookAction::Command(map.next_value()?),
                        };
                        let used = match &action {
                            HookAction::Http(call) => call.placeholders(),
                            HookAction::Command(argv) => argv.placeholders(),
                        };
                        if let Some(p) = used.iter().find(|p| !HOOK_PLACEHOLDERS.contains(p)) {
                            return Err(de::Error::custom(format!(
                                "{p} is not known to control hooks (use {{identity}}, {{user}}, {{password}})"
                            )));
                        }
                        Ok(action)
                    },
                )?;
                Ok(HookSpec { action, timeout })
            }
        }
        d.deserialize_map(V)
    }
}

impl schemars::JsonSchema for HookSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "HookSpec".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let http = generator.subschema_for::<HttpCall>();
        let command = generator.subschema_for::<Argv>();
        schemars::json_schema!({
            "description": "A control hook: an http request or a command (exactly one); timeout optional (default 10s).",
            "type": "object",
            "properties": {
                "http": http,
                "command": command,
                "timeout": { "type": "string", "description": "Time allowed, e.g. `10s`." }
            },
            "additionalProperties": false,
            "oneOf": [ { "required": ["http"] }, { "required": ["command"] } ]
        })
    }
}

/// `control:` as written in the file.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlSpec {
    /// Revoke `{user}`.
    #[serde(default)]
    pub revoke: Option<HookSpec>,
    /// Restore `{user}` after a revocation.
    #[serde(default)]
    pub restore: Option<HookSpec>,
    /// Set `{user}`'s password to `{password}`.
    #[serde(default)]
    pub set_password: Option<HookSpec>,
    /// Delete `{user}`.
    #[serde(default)]
    pub remove_user: Option<HookSpec>,
    /// Rotate the token signing keys.
    #[serde(default)]
    pub rotate_keys: Option<HookSpec>,
}

impl ControlSpec {
    /// The hook for `kind`, if written.
    pub fn get(&self, kind: ControlKind) -> Option<&HookSpec> {
        match kind {
            ControlKind::Revoke => self.revoke.as_ref(),
            ControlKind::Restore => self.restore.as_ref(),
            ControlKind::SetPassword => self.set_password.as_ref(),
            ControlKind::RemoveUser => self.remove_user.as_ref(),
            ControlKind::RotateKeys => self.rotate_keys.as_ref(),
        }
    }
}

/// The values an event gives a hook. `Debug` redacts the password.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    /// The scenario identity concerned (`{identity}`).
    pub identity: Option<String>,
    /// Its user name at the target (`{user}`).
    pub user: Option<String>,
    /// The new password, for `set_password` (`{password}`).
    pub password: Option<Secret>,
}

impl Vars {
    /// Values for an event about one identity's account.
    pub fn account(identity: impl Into<String>, user: impl Into<String>) -> Self {
        Vars {
            identity: Some(identity.into()),
            user: Some(user.into()),
            password: None,
        }
    }

    /// The same values with a new password.
    pub fn with_password(mut self, password: Secret) -> Self {
        self.password = Some(password);
        self
    }

    fn values(&self) -> Values<'_> {
        Values {
            identity: self.identity.as_deref(),
            user: self.user.as_deref(),
            password: self.password.as_ref(),
            client_id: None,
            client_secret: None,
        }
    }
}

/// Why a hook failed. Messages name the hook (`control.revoke`), never a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// The hook uses a placeholder the event gives no value for.
    #[error("control.{kind}: the event gives no value for {placeholder}")]
    Missing {
        /// The hook.
        kind: ControlKind,
        /// The placeholder.
        placeholder: Placeholder,
    },
    /// The HTTP request or the command failed (or answered other than 2xx / exit 0).
    #[error("control.{kind}: {source}")]
    Call {
        /// The hook.
        kind: ControlKind,
        /// What failed.
        #[source]
        source: CallError,
    },
}

/// A ready hook.
#[derive(Debug, Clone)]
pub struct Hook {
    kind: ControlKind,
    action: Action,
    timeout: Duration,
    base_dir: PathBuf,
    client: reqwest::Client,
}

#[derive(Debug, Clone)]
enum Action {
    Http(HttpCall),
    Command(Argv),
}

impl Hook {
    /// The event it carries.
    pub fn kind(&self) -> ControlKind {
        self.kind
    }

    /// `http` or `command`, for reports.
    pub fn mechanism(&self) -> &'static str {
        match self.action {
            Action::Http(_) => "http",
            Action::Command(_) => "command",
        }
    }

    /// The time allowed.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs the hook: `Ok` on a 2xx answer or exit code 0. A placeholder the event gives no
    /// value for is [`ControlError::Missing`], found while the templates are filled in, before
    /// anything is sent or started.
    pub async fn run(&self, vars: &Vars) -> Result<(), ControlError> {
        let kind = self.kind;
        let values = vars.values();
        let call_err = |source| match source {
            CallError::Template {
                source: MissingValue::Placeholder(placeholder),
                ..
            } => ControlError::Missing { kind, placeholder },
            source => ControlError::Call { kind, source },
        };
        match &self.action {
            Action::Http(call) => {
                let answer = call
                    .send(&self.client, &self.base_dir, &values, self.timeout)
                    .await
                    .map_err(call_err)?;
                if (200..300).contains(&answer.status) {
                    Ok(())
                } else {
                    Err(call_err(CallError::Status {
                        method: call.method,
                        url: call.shown_url(),
                        status: answer.status,
                    }))
                }
            }
            Action::Command(argv) => {
                let how = CommandRun {
                    env: vec![
                        ("AUTHBENCH_IDENTITY", vars.identity.as_deref()),
                        ("AUTHBENCH_USER", vars.user.as_deref()),
                        (
                            "AUTHBENCH_PASSWORD",
                            vars.password.as_ref().map(Secret::expose),
                        ),
                        ("AUTHBENCH_CLIENT_SECRET", None),
                    ],
                    capture: false,
                    timeout: self.timeout,
                };
                argv.run(&self.base_dir, &values, how)
                    .await
                    .map(drop)
                    .map_err(call_err)
            }
        }
    }
}

/// The target's control hooks (from [`LoadedTarget::control`](crate::LoadedTarget::control)).
#[derive(Debug, Clone, Default)]
pub struct Control {
    hooks: [Option<Hook>; 5],
}

impl Control {
    /// Ready hooks from their spec; `base_dir` resolves relative programs and secret files.
    pub fn new(spec: &ControlSpec, base_dir: &Path) -> Result<Control, ControlError> {
        let mut control = Control::default();
        let mut client = None;
        for kind in ControlKind::ALL {
            let Some(hook) = spec.get(kind) else { continue };
            let client = match &client {
                Some(c) => Clone::clone(c),
                None => {
                    let c = call::client().map_err(|source| ControlError::Call { kind, source })?;
                    client.insert(c).clone()
                }
            };
            let action = match &hook.action {
                HookAction::Http(call) => Action::Http(call.clone()),
                HookAction::Command(argv) => Action::Command(argv.clone()),
            };
            control.hooks[kind.index()] = Some(Hook {
                kind,
                action,
                timeout: hook.timeout.unwrap_or(DEFAULT_TIMEOUT),
                base_dir: base_dir.to_owned(),
                client,
            });
        }
        Ok(control)
    }

    /// The hook for `kind`; `None` when the target has none (the event's steps are skipped).
    pub fn hook(&self, kind: ControlKind) -> Option<&Hook> {
        self.hooks[kind.index()].as_ref()
    }

    /// The kinds with a hook.
    pub fn kinds(&self) -> impl Iterator<Item = ControlKind> + '_ {
        ControlKind::ALL
            .into_iter()
            .filter(|k| self.hook(*k).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_slot() {
        for (i, kind) in ControlKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind}");
        }
        assert_eq!(ControlKind::ALL.len(), Control::default().hooks.len());
    }
}
