//! The target file: its format ([`TargetFile`]), loading with `file:line:column` errors
//! ([`load`]) and the loaded target ([`LoadedTarget`]).
//!
//! The mode sections reuse the deployment config's types (`authbench_roundtrip::RoundTripConfig`,
//! `authbench_jwt::JwtConfig`, `authbench_file::FileConfig`), so a target file says what a
//! deployment config says, plus what only a target needs: `roundtrip.headers` with values from
//! env or file, and `jwt.tokens`. The `media:` section is the media probe's config
//! (`authbench_media::MediaConfig`) plus `as`. Every key is checked: a typo anywhere, inside the mode sections
//! too, is an error at its line and column.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use authbench_core::{Mode, redact};
use authbench_file::FileConfig;
use authbench_jwt::JwtConfig;
use authbench_media::{MediaConfig, Present};
use authbench_roundtrip::RoundTripConfig;
use authbench_scenario::yaml::{self, YamlError};
use serde::Serialize;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor,
};

use crate::call::Headers;
use crate::control::{Control, ControlError, ControlSpec};
use crate::secret::{SecretError, SecretRef};
use crate::tokens::{Account, TokenError, TokenSource, TokenSourceSpec, TokensSpec};

/// A target file.
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "authbench target file",
    extend("anyOf" = [
        { "required": ["roundtrip"] },
        { "required": ["jwt"] },
        { "required": ["file"] },
        { "required": ["media"] }
    ])
)]
pub struct TargetFile {
    /// Names the target in reports (`roundtrip @ staging`).
    pub name: String,
    /// The user's round-trip auth service.
    #[serde(default)]
    pub roundtrip: Option<RoundTripSection>,
    /// How tokens are validated, and how clients get them.
    #[serde(default)]
    pub jwt: Option<JwtSection>,
    /// The user's htpasswd (and group) file.
    #[serde(default)]
    pub file: Option<FileConfig>,
    /// The user's media server, asked over the wire with the credentials of the `as` mode.
    #[serde(default)]
    pub media: Option<MediaSection>,
    /// Scenario identity → real account.
    #[serde(default)]
    pub identities: BTreeMap<String, IdentitySpec>,
    /// How events reach the target.
    #[serde(default)]
    pub control: ControlSpec,
}

/// `roundtrip:`: the deployment config's round-trip keys; `headers` values may be secrets.
#[derive(Debug, Clone)]
pub struct RoundTripSection {
    /// The config, its `headers` left empty (see [`headers`](Self::headers)).
    pub config: RoundTripConfig,
    /// Headers sent with every request to the service: plain text or `{env|file}`.
    pub headers: Headers,
}

/// `jwt:`: the deployment config's JWT keys plus `tokens`.
#[derive(Debug, Clone)]
pub struct JwtSection {
    /// The validation config.
    pub config: JwtConfig,
    /// How a client of an identity gets its token.
    pub tokens: TokensSpec,
}

/// `media:`: the media probe's keys plus `as`.
#[derive(Debug, Clone)]
pub struct MediaSection {
    /// The probe's config.
    pub config: MediaConfig,
    /// The mode whose clients and expectations the media server's decisions are judged by;
    /// `None`: by what the clients present (see [`LoadedTarget::media_as`]).
    pub as_mode: Option<Mode>,
}

/// One entry of `identities:`. Secrets come from `{env: …}` or `{file: …}` only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentitySpec {
    /// The user name at the target (default: the identity's name).
    #[serde(default)]
    pub user: Option<String>,
    /// The password.
    #[serde(default)]
    pub password: Option<SecretRef>,
    /// The OAuth2 client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The OAuth2 client secret.
    #[serde(default)]
    pub client_secret: Option<SecretRef>,
    /// A ready token, for `jwt.tokens: static`.
    #[serde(default)]
    pub token: Option<SecretRef>,
}

/// Reads the keys of a mode section: `extra` takes the keys only a target has (it returns `true`
/// when it took one), every other key goes to `C`'s own deserializer, which reports unknown keys
/// at their position (serde's `flatten` would lose both the check and the position).
struct Split<'a, A, F> {
    map: A,
    extra: &'a mut F,
}

impl<'de, A, F> MapAccess<'de> for Split<'_, A, F>
where
    A: MapAccess<'de>,
    F: FnMut(&str, &mut A) -> Result<bool, A::Error>,
{
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.map.next_key::<String>()? {
            if !(self.extra)(&key, &mut self.map)? {
                return seed.deserialize(key.into_deserializer()).map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

fn split<'de, A, C, F>(map: A, mut extra: F) -> Result<C, A::Error>
where
    A: MapAccess<'de>,
    C: Deserialize<'de>,
    F: FnMut(&str, &mut A) -> Result<bool, A::Error>,
{
    C::deserialize(de::value::MapAccessDeserializer::new(Split {
        map,
        extra: &mut extra,
    }))
}

impl<'de> Deserialize<'de> for RoundTripSection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RoundTripSection;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the roundtrip section (a map)")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RoundTripSection, A::Error> {
                let mut headers = None;
                let config: RoundTripConfig = split(map, |key, map: &mut A| {
                    if key != "headers" {
                        return Ok(false);
                    }
                    if headers.is_some() {
                        return Err(de::Error::duplicate_field("headers"));
                    }
                    headers = Some(map.next_value::<Headers>()?);
                    Ok(true)
                })?;
                Ok(RoundTripSection {
                    config,
                    headers: headers.unwrap_or_default(),
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for JwtSection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JwtSection;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the jwt section (a map)")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<JwtSection, A::Error> {
                let mut tokens = None;
                let config: JwtConfig = split(map, |key, map: &mut A| {
                    if key != "tokens" {
                        return Ok(false);
                    }
                    if tokens.is_some() {
                        return Err(de::Error::duplicate_field("tokens"));
                    }
                    tokens = Some(map.next_value::<TokensSpec>()?);
                    Ok(true)
                })?;
                let Some(tokens) = tokens else {
                    return Err(de::Error::custom(
                        "jwt: missing `tokens` (how a client of an identity gets its token: oauth2, http, command or static)",
                    ));
                };
                if let TokenSourceSpec::OAuth2(o) = &tokens.source
                    && o.token_url.is_none()
                    && config.oidc_discovery.is_none()
                {
                    return Err(de::Error::custom(
                        "jwt.tokens.oauth2: no token_url, and jwt has no oidc_discovery to find the token endpoint",
                    ));
                }
                Ok(JwtSection { config, tokens })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for MediaSection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MediaSection;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the media section (a map)")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MediaSection, A::Error> {
                let mut as_mode = None;
                let config: MediaConfig = split(map, |key, map: &mut A| {
                    if key != "as" {
                        return Ok(false);
                    }
                    if as_mode.is_some() {
                        return Err(de::Error::duplicate_field("as"));
                    }
                    as_mode = Some(map.next_value::<Mode>()?);
                    Ok(true)
                })?;
                config.validate().map_err(de::Error::custom)?;
                Ok(MediaSection { config, as_mode })
            }
        }
        d.deserialize_map(V)
    }
}

impl schemars::JsonSchema for MediaSection {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MediaSection".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let as_mode = generator.subschema_for::<Mode>();
        let mut schema = MediaConfig::json_schema(generator);
        if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
            let mut as_mode = as_mode.to_value();
            if let Some(o) = as_mode.as_object_mut() {
                o.insert(
                    "description".to_owned(),
                    "Whose clients and expectations the server's decisions are judged by (default: roundtrip for present: password, jwt for present: token).".into(),
                );
            }
            properties.insert("as".to_owned(), as_mode);
        }
        schema.insert(
            "description".to_owned(),
            "The user's media server, asked over the wire: the media probe's keys plus `as`."
                .into(),
        );
        schema
    }
}

impl schemars::JsonSchema for RoundTripSection {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RoundTripSection".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let headers = generator.subschema_for::<Headers>();
        let mut schema = RoundTripConfig::json_schema(generator);
        if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
            properties.insert("headers".to_owned(), headers.to_value());
        }
        schema.insert(
            "description".to_owned(),
            "The user's round-trip auth service: the deployment config's roundtrip keys; header values may be {env: NAME} / {file: PATH}.".into(),
        );
        schema
    }
}

impl schemars::JsonSchema for JwtSection {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "JwtSection".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let tokens = generator.subschema_for::<TokensSpec>();
        let mut schema = JwtConfig::json_schema(generator);
        if let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
            properties.insert("tokens".to_owned(), tokens.to_value());
        }
        match schema.get_mut("required").and_then(|r| r.as_array_mut()) {
            Some(required) => required.push("tokens".into()),
            None => {
                schema.insert("required".to_owned(), serde_json::json!(["tokens"]));
            }
        }
        schema.insert(
            "description".to_owned(),
            "How tokens are validated (the deployment config's jwt keys) and how clients get them (tokens).".into(),
        );
        schema
    }
}

/// Where a target file is loaded from, and what is in it.
#[derive(Debug, Clone)]
pub struct LoadedTarget {
    file: PathBuf,
    base_dir: PathBuf,
    spec: TargetFile,
}

/// What a report says was tested: never a secret of the target's URLs. The service and the key
/// hosts are shown as origins (no path or query); the JWT issuer, an identifier that often has a
/// path, as written with its user info and query values redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetDescription {
    /// The target's name.
    pub name: String,
    /// The round-trip service: `scheme://host:port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roundtrip_service: Option<String>,
    /// The round-trip protocol (`red5pro`, `mediamtx`, `nginx-rtmp`, `srs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roundtrip_protocol: Option<String>,
    /// The JWT issuer (first of `issuers`, redacted: `https://idp.example/realms/qa`), else the
    /// discovery or JWKS host (`scheme://host:port`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt_issuer: Option<String>,
    /// The token source (`oauth2`, `http`, `command`, `static`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt_tokens: Option<String>,
    /// The htpasswd file's name (not its folder).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub htpasswd: Option<String>,
}

impl fmt::Display for TargetDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        let mut parts = Vec::new();
        if let Some(service) = &self.roundtrip_service {
            let protocol = self.roundtrip_protocol.as_deref().unwrap_or("?");
            parts.push(format!("roundtrip {protocol} at {service}"));
        }
        if self.jwt_tokens.is_some() || self.jwt_issuer.is_some() {
            let issuer = self.jwt_issuer.as_deref().unwrap_or("local keys");
            let tokens = self.jwt_tokens.as_deref().unwrap_or("?");
            parts.push(format!("jwt from {issuer}, tokens by {tokens}"));
        }
        if let Some(file) = &self.htpasswd {
            parts.push(format!("file {file}"));
        }
        if !parts.is_empty() {
            write!(f, " ({})", parts.join("; "))?;
        }
        Ok(())
    }
}

/// `scheme://host:port` of a URL, for reports: no user info, path, query or fragment. A scheme
/// with no known default port and no port given (`rtmp://host/live`) is `scheme://host`. `None`
/// when the text is not a URL with a host.
///
/// ```
/// use authbench_target::spec::origin;
///
/// assert_eq!(
///     origin("https://u:p@auth.example/check?key=k").as_deref(),
///     Some("https://auth.example:443")
/// );
/// assert_eq!(origin("rtmp://media.example/live").as_deref(), Some("rtmp://media.example"));
/// assert_eq!(origin("srt://media.example:8890").as_deref(), Some("srt://media.example:8890"));
/// assert_eq!(origin("not a url"), None);
/// ```
pub fn origin(text: &str) -> Option<String> {
    let url = url::Url::parse(text).ok()?;
    let host = url.host_str()?;
    match url.port_or_known_default() {
        Some(port) => Some(format!("{}://{host}:{port}", url.scheme())),
        None => Some(format!("{}://{host}", url.scheme())),
    }
}

/// Loads and checks a target file. Syntax and shape errors carry `file:line:column`.
pub fn load(path: &Path) -> Result<LoadedTarget, YamlError> {
    let text = yaml::read_text(path)?;
    parse(&text, path)
}

/// Parses and checks a target file's text; `path` names it in errors and gives the folder
/// relative paths are resolved against.
pub fn parse(text: &str, path: &Path) -> Result<LoadedTarget, YamlError> {
    let spec: TargetFile = yaml::parse(text, path)?;
    if spec.name.trim().is_empty() {
        return Err(YamlError::whole_file(path, "name: is empty"));
    }
    if spec.roundtrip.is_none() && spec.jwt.is_none() && spec.file.is_none() && spec.media.is_none()
    {
        return Err(YamlError::whole_file(
            path,
            "names no mode to run: give at least one of roundtrip, jwt, file, media",
        ));
    }
    if let Some(media) = &spec.media
        && spec.jwt.is_none()
        && (media.as_mode == Some(Mode::Jwt)
            || (media.as_mode.is_none() && media.config.present == Present::Token))
    {
        return Err(YamlError::whole_file(
            path,
            "media: judged as jwt, but there is no `jwt:` section saying how clients get their tokens",
        ));
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let base_dir = std::path::absolute(folder).map_err(|e| {
        YamlError::whole_file(path, format!("cannot resolve the file's folder: {e}"))
    })?;
    Ok(LoadedTarget {
        file: path.to_owned(),
        base_dir,
        spec,
    })
}

impl TargetFile {
    /// The JSON Schema of target files (committed as `targets/target.schema.json`).
    pub fn json_schema() -> schemars::Schema {
        schemars::schema_for!(TargetFile)
    }
}

/// Why a target's mode section cannot be used as it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// A `roundtrip.headers` secret cannot be resolved.
    #[error("roundtrip.headers.{name}: {source}")]
    Header {
        /// The header's name.
        name: String,
        /// Why its secret cannot be read.
        #[source]
        source: SecretError,
    },
}

impl LoadedTarget {
    /// The target's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The file it was loaded from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The folder relative paths are resolved against (absolute).
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// The file as parsed.
    pub fn spec(&self) -> &TargetFile {
        &self.spec
    }

    /// The modes the target has a section for, in report order.
    pub fn modes(&self) -> Vec<Mode> {
        Mode::ALL
            .into_iter()
            .filter(|m| match m {
                Mode::Jwt => self.spec.jwt.is_some(),
                Mode::Roundtrip => self.spec.roundtrip.is_some(),
                Mode::File => self.spec.file.is_some(),
            })
            .collect()
    }

    /// What was tested, for reports.
    pub fn describe(&self) -> TargetDescription {
        let rt = self.spec.roundtrip.as_ref().map(|s| &s.config);
        let jwt = self.spec.jwt.as_ref();
        TargetDescription {
            name: self.spec.name.clone(),
            roundtrip_service: rt.map(|c| origin(&c.url).unwrap_or_else(|| "(not a URL)".into())),
            roundtrip_protocol: rt.map(|c| c.protocol.as_str().to_owned()),
            jwt_issuer: jwt.and_then(|j| {
                let c = &j.config;
                c.issuers
                    .first()
                    .map(|i| redact::url(i))
                    .or_else(|| c.oidc_discovery.as_deref().and_then(origin))
                    .or_else(|| c.jwks_url.as_deref().and_then(origin))
            }),
            jwt_tokens: jwt.map(|j| j.tokens.source.kind().to_owned()),
            htpasswd: self.spec.file.as_ref().map(|f| {
                f.htpasswd.file_name().map_or_else(
                    || f.htpasswd.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            }),
        }
    }

    /// The round-trip config, ready for the round-trip authenticator: `headers` resolved into the
    /// config's own field, `ca_file` made absolute. `None` without a `roundtrip:` section.
    pub fn roundtrip_config(&self) -> Result<Option<RoundTripConfig>, TargetError> {
        let Some(section) = &self.spec.roundtrip else {
            return Ok(None);
        };
        let mut config = section.config.clone();
        config.headers = section
            .headers
            .resolve_secrets(&self.base_dir)
            .map_err(|(name, source)| TargetError::Header { name, source })?;
        config.ca_file = config.ca_file.map(|p| self.base_dir.join(p));
        Ok(Some(config))
    }

    /// The JWT validation config with its paths made absolute. `None` without a `jwt:` section.
    pub fn jwt_config(&self) -> Option<JwtConfig> {
        let mut config = self.spec.jwt.as_ref()?.config.clone();
        let base = &self.base_dir;
        config.secret_file = config.secret_file.map(|p| base.join(p));
        config.public_keys = config.public_keys.iter().map(|p| base.join(p)).collect();
        config.jwks_file = config.jwks_file.map(|p| base.join(p));
        config.signing_key = config.signing_key.map(|p| base.join(p));
        Some(config)
    }

    /// The file-mode config with its paths made absolute. `None` without a `file:` section.
    pub fn file_config(&self) -> Option<FileConfig> {
        let mut config = self.spec.file.clone()?;
        config.htpasswd = self.base_dir.join(&config.htpasswd);
        config.groups = config.groups.map(|p| self.base_dir.join(p));
        Some(config)
    }

    /// The token source. `None` without a `jwt:` section.
    pub fn token_source(&self) -> Result<Option<TokenSource>, TokenError> {
        let Some(jwt) = &self.spec.jwt else {
            return Ok(None);
        };
        TokenSource::new(
            &jwt.tokens,
            &self.base_dir,
            jwt.config.oidc_discovery.as_deref(),
        )
        .map(Some)
    }

    /// The media probe's config. `None` without a `media:` section.
    pub fn media_config(&self) -> Option<MediaConfig> {
        Some(self.spec.media.as_ref()?.config.clone())
    }

    /// The mode whose clients and expectations the media server's decisions are judged by: `as`,
    /// else `roundtrip` when its clients present a password and `jwt` when a token. `None`
    /// without a `media:` section.
    pub fn media_as(&self) -> Option<Mode> {
        let media = self.spec.media.as_ref()?;
        Some(media.as_mode.unwrap_or(match media.config.present {
            Present::Password => Mode::Roundtrip,
            Present::Token => Mode::Jwt,
        }))
    }

    /// The control hooks (none when the file has no `control:`).
    pub fn control(&self) -> Result<Control, ControlError> {
        Control::new(&self.spec.control, &self.base_dir)
    }

    /// The scenario identities the file maps, in name order.
    pub fn identities(&self) -> impl Iterator<Item = &str> + '_ {
        self.spec.identities.keys().map(String::as_str)
    }

    /// The real account of a scenario identity, its secrets read now. `None`: the identity is
    /// not mapped (its steps are skipped).
    pub fn account(&self, identity: &str) -> Option<Result<Account, SecretError>> {
        let spec = self.spec.identities.get(identity)?;
        let read = |key: &str, s: &Option<SecretRef>| {
            s.as_ref()
                .map(|s| {
                    s.resolve(&self.base_dir).map_err(|e| SecretError::In {
                        key: format!("identities.{identity}.{key}"),
                        source: Box::new(e),
                    })
                })
                .transpose()
        };
        Some((|| {
            Ok(Account {
                identity: identity.to_owned(),
                user: spec.user.clone().unwrap_or_else(|| identity.to_owned()),
                password: read("password", &spec.password)?,
                client_id: spec.client_id.clone(),
                client_secret: read("client_secret", &spec.client_secret)?,
                token: read("token", &spec.token)?,
            })
        })())
    }
}
