//! How a client of an identity gets its token: `jwt.tokens:` in a target file.
//!
//! ```yaml
//! jwt:
//!   tokens:                   # exactly one of oauth2, http, command, static; timeout optional (10s)
//!     oauth2: {grant: client_credentials, token_url: https://idp.example/oauth2/token, scope: "stream"}
//!     # http: {url: https://app.example/api/token, body: {user: "{user}", password: "{password}"}, pointer: /token}
//!     # command: [./mint-token, "{identity}"]
//!     # static: {}            # each identity's `token: {env|file}`
//!     timeout: 10s
//! ```
//!
//! * **`oauth2`** follows RFC 6749: the client credentials grant (§4.4) or the resource owner
//!   password grant (§4.3), a form-encoded `POST` to the token endpoint. The client authenticates
//!   with HTTP Basic (`client_secret_basic`, §2.3.1: id and secret form-urlencoded first) unless
//!   `auth: client_secret_post` puts them in the form; an identity with a `client_id` and no
//!   secret is a public client and sends only its `client_id`. Without `token_url`, the endpoint
//!   is the `token_endpoint` of the `jwt.oidc_discovery` document (OpenID Connect Discovery 1.0),
//!   fetched once. The answer is §5.1 JSON: `access_token` (or `id_token` with `use: id_token`),
//!   and `token_type`, when present, must be `Bearer`. A §5.2 error answer is reported with its
//!   `error` code and description. `params` adds form parameters an IdP needs (`audience`,
//!   `resource`).
//! * **`http`** calls any HTTP API: `method` (default `POST`), `url`, `headers`, a JSON `body`
//!   whose strings may hold `{identity}`, `{user}`, `{password}`, `{client_id}`,
//!   `{client_secret}`, and `pointer`, the RFC 6901 JSON pointer to the token in the answer
//!   (default `/access_token`). Any status but 2xx is an error naming the status only.
//! * **`command`** runs a program (no shell) with placeholders filled in per argument. Secrets
//!   are also given in the environment, so a script need not take them on its command line,
//!   where other users of the machine can see them: `AUTHBENCH_PASSWORD`,
//!   `AUTHBENCH_CLIENT_SECRET`, with `AUTHBENCH_IDENTITY` and `AUTHBENCH_USER`. Its stdout,
//!   trimmed, is the token; a non-zero exit is an error with the exit code (stderr is discarded,
//!   never echoed); on timeout it is killed.
//! * **`static`** uses each identity's `token:`.
//!
//! Every fetch is bounded by the timeout, answers are read up to 64 KiB, redirects are not
//! followed and no proxy is used. Errors never hold a secret or a token.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use authbench_core::{Secret, redact};
use base64::Engine;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::call::{
    self, Argv, CallError, CommandRun, DEFAULT_TIMEOUT, Headers, HttpCall, Method, parse_http_url,
};
use crate::template::{JsonTemplate, MissingValue, Template, Values};

/// The OAuth2 grant used to get a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// RFC 6749 §4.4: the client's own credentials (the identity's `client_id` and
    /// `client_secret`).
    ClientCredentials,
    /// RFC 6749 §4.3: the resource owner's user name and password (the identity's `user` and
    /// `password`), with the client's credentials when the identity has them.
    Password,
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1; the default).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1, "NOT RECOMMENDED" but
    /// widely required).
    ClientSecretPost,
}

/// Which token of the token endpoint's answer is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenField {
    /// `access_token` (the default).
    #[default]
    AccessToken,
    /// `id_token` (OpenID Connect), for servers that validate ID tokens.
    IdToken,
}

impl TokenField {
    fn as_str(self) -> &'static str {
        match self {
            TokenField::AccessToken => "access_token",
            TokenField::IdToken => "id_token",
        }
    }
}

/// Form parameters the token source sets itself; `params` may not set them.
const OAUTH2_OWN_PARAMS: [&str; 6] = [
    "grant_type",
    "username",
    "password",
    "client_id",
    "client_secret",
    "scope",
];

/// `tokens: {oauth2: …}`.
#[derive(Clone, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Spec {
    /// The grant: `client_credentials` or `password`.
    pub grant: Grant,
    /// The token endpoint; without it, `jwt.oidc_discovery` must be set and its
    /// `token_endpoint` is used.
    #[serde(default)]
    pub token_url: Option<String>,
    /// The `scope` parameter (space-separated scopes).
    #[serde(default)]
    pub scope: Option<String>,
    /// Client authentication: `client_secret_basic` (default) or `client_secret_post`.
    #[serde(default)]
    pub auth: ClientAuth,
    /// Which token to use: `access_token` (default) or `id_token`.
    #[serde(default, rename = "use")]
    pub use_token: TokenField,
    /// Extra form parameters (`audience`, `resource`, …); not the ones the grant sets.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// Shows `token_url` through [`redact::url`]: an endpoint may carry a credential.
impl fmt::Debug for OAuth2Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Spec")
            .field("grant", &self.grant)
            .field("token_url", &self.token_url.as_deref().map(redact::url))
            .field("scope", &self.scope)
            .field("auth", &self.auth)
            .field("use_token", &self.use_token)
            .field("params", &self.params)
            .finish()
    }
}

/// `tokens: {http: …}`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpTokenSpec {
    /// The method (default `POST`).
    #[serde(default)]
    pub method: Method,
    /// The URL; placeholders are percent-encoded.
    pub url: Template,
    /// Request headers: plain text or `{env|file}` secrets.
    #[serde(default)]
    pub headers: Headers,
    /// A JSON body; placeholders are filled in inside its strings.
    #[serde(default)]
    pub body: Option<JsonTemplate>,
    /// RFC 6901 JSON pointer to the token in the answer (default `/access_token`).
    #[serde(default)]
    pub pointer: Option<String>,
}

/// `tokens: {static: {}}`: each identity's `token:` is its token.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StaticSpec {}

/// Which token source, as written in the file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TokenSourceSpec {
    /// An OAuth2 grant at the user's identity provider.
    OAuth2(OAuth2Spec),
    /// Any HTTP API that answers with a token in JSON.
    Http(HttpTokenSpec),
    /// A program that prints the token.
    Command(Argv),
    /// Tokens given per identity.
    Static(StaticSpec),
}

impl TokenSourceSpec {
    /// The key in the file: `oauth2`, `http`, `command`, `static`.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenSourceSpec::OAuth2(_) => "oauth2",
            TokenSourceSpec::Http(_) => "http",
            TokenSourceSpec::Command(_) => "command",
            TokenSourceSpec::Static(_) => "static",
        }
    }
}

/// `jwt.tokens:`: one source and its timeout.
#[derive(Debug, Clone, PartialEq)]
pub struct TokensSpec {
    /// The source.
    pub source: TokenSourceSpec,
    /// Time allowed for one fetch (default 10s).
    pub timeout: Option<Duration>,
}

const TOKENS_FIELDS: &[&str] = &["oauth2", "http", "command", "static", "timeout"];

impl<'de> Deserialize<'de> for TokensSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TokensSpec;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map with one of oauth2, http, command, static")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TokensSpec, A::Error> {
                let (source, timeout) = crate::de::one_of(
                    map,
                    "jwt.tokens",
                    TOKENS_FIELDS,
                    |kind, map| {
                        Ok(match kind {
                            "oauth2" => {
                                let spec: OAuth2Spec = map.next_value()?;
                                if let Some(url) = &spec.token_url
                                    && parse_http_url(url).is_none()
                                {
                                    return Err(de::Error::custom(format!(
                                        "jwt.tokens.oauth2.token_url: `{}` is not an absolute http(s) URL",
                                        redact::url(url)
                                    )));
                                }
                                if let Some(own) = spec
                                    .params
                                    .keys()
                                    .find(|k| OAUTH2_OWN_PARAMS.contains(&k.as_str()))
                                {
                                    return Err(de::Error::custom(format!(
                                        "jwt.tokens.oauth2.params: `{own}` is set by the grant itself"
                                    )));
                                }
                                TokenSourceSpec::OAuth2(spec)
                            }
                            "http" => {
                                let spec: HttpTokenSpec = map.next_value()?;
                                if let Some(p) = &spec.pointer
                                    && !(p.is_empty() || p.starts_with('/'))
                                {
                                    return Err(de::Error::custom(format!(
                                        "jwt.tokens.http.pointer: `{}` is not a JSON pointer (RFC 6901: empty or starting with `/`)",
                                        p.escape_debug()
                                    )));
                                }
                                TokenSourceSpec::Http(spec)
                            }
                            "command" => TokenSourceSpec::Command(map.next_value()?),
                            _ => TokenSourceSpec::Static(map.next_value()?),
                        })
                    },
                )?;
                Ok(TokensSpec { source, timeout })
            }
        }
        d.deserialize_map(V)
    }
}

impl schemars::JsonSchema for TokensSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TokensSpec".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let oauth2 = generator.subschema_for::<OAuth2Spec>();
        let http = generator.subschema_for::<HttpTokenSpec>();
        let command = generator.subschema_for::<Argv>();
        let fixed = generator.subschema_for::<StaticSpec>();
        schemars::json_schema!({
            "description": "How a client of an identity gets its token: exactly one of oauth2, http, command, static; timeout optional (default 10s).",
            "type": "object",
            "properties": {
                "oauth2": oauth2,
                "http": http,
                "command": command,
                "static": fixed,
                "timeout": { "type": "string", "description": "Time allowed for one fetch, e.g. `10s`." }
            },
            "additionalProperties": false,
            "oneOf": [
                { "required": ["oauth2"] },
                { "required": ["http"] },
                { "required": ["command"] },
                { "required": ["static"] }
            ]
        })
    }
}

/// A scenario identity's real account, with its secrets resolved. `Debug` redacts the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The scenario's identity name.
    pub identity: String,
    /// The user name at the target.
    pub user: String,
    /// The password, when mapped.
    pub password: Option<Secret>,
    /// The OAuth2 client id, when mapped.
    pub client_id: Option<String>,
    /// The OAuth2 client secret, when mapped.
    pub client_secret: Option<Secret>,
    /// A ready token (for `tokens: static`), when mapped.
    pub token: Option<Secret>,
}

impl Account {
    /// An account with only a user name.
    pub fn new(identity: impl Into<String>, user: impl Into<String>) -> Self {
        Account {
            identity: identity.into(),
            user: user.into(),
            password: None,
            client_id: None,
            client_secret: None,
            token: None,
        }
    }

    fn values(&self) -> Values<'_> {
        Values {
            identity: Some(&self.identity),
            user: Some(&self.user),
            password: self.password.as_ref(),
            client_id: self.client_id.as_deref(),
            client_secret: self.client_secret.as_ref(),
        }
    }
}

/// Why no token could be had. Messages name the source (`jwt.tokens.oauth2`) and the identity,
/// never a secret or a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The identity's mapping lacks a value the source needs.
    #[error(
        "jwt.tokens.{kind}: identity `{identity}` has no {what} (set identities.{identity}.{what})"
    )]
    Missing {
        /// The source: `oauth2`, `http`, `command`, `static`.
        kind: &'static str,
        /// The identity.
        identity: String,
        /// The missing key: `password`, `client_id`, `client_secret`, `token`.
        what: &'static str,
    },
    /// The HTTP request or the command failed.
    #[error("jwt.tokens.{kind}: {source}")]
    Call {
        /// The source.
        kind: &'static str,
        /// What failed.
        #[source]
        source: CallError,
    },
    /// The token endpoint answered with an RFC 6749 §5.2 error.
    #[error("jwt.tokens.oauth2: the token endpoint refused: {error}{}", .description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        /// The `error` code (`invalid_client`, `invalid_grant`, …).
        error: String,
        /// The `error_description`, when given (cleaned: printable ASCII, at most 200
        /// characters, the account's secrets replaced).
        description: Option<String>,
        /// The HTTP status.
        status: u16,
    },
    /// The answer (or a command's output) does not hold a usable token.
    #[error("jwt.tokens.{kind}: {from}: {problem}")]
    Answer {
        /// The source.
        kind: &'static str,
        /// The URL (redacted) or program that answered.
        from: String,
        /// What is wrong with the answer.
        problem: String,
    },
}

/// A ready token source (from [`LoadedTarget::token_source`](crate::LoadedTarget::token_source)).
pub struct TokenSource {
    kind: &'static str,
    source: Source,
    timeout: Duration,
    base_dir: PathBuf,
    /// `jwt.oidc_discovery`, for an `oauth2` source without `token_url`.
    discovery: Option<String>,
    client: reqwest::Client,
    token_endpoint: tokio::sync::OnceCell<url::Url>,
}

/// A source made ready: an `http` source's request is built once, here.
enum Source {
    OAuth2(OAuth2Spec),
    Http { call: HttpCall, pointer: String },
    Command(Argv),
    Static,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("kind", &self.kind)
            .field("timeout", &self.timeout)
            .field("discovery", &self.discovery.as_deref().map(redact::url))
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// A source from its spec. `base_dir` resolves relative programs and secret files;
    /// `discovery` is `jwt.oidc_discovery`, used by `oauth2` without `token_url`.
    pub fn new(
        spec: &TokensSpec,
        base_dir: &Path,
        discovery: Option<&str>,
    ) -> Result<TokenSource, TokenError> {
        let kind = spec.source.kind();
        let client = call::client().map_err(|source| TokenError::Call { kind, source })?;
        let source = match &spec.source {
            TokenSourceSpec::OAuth2(spec) => Source::OAuth2(spec.clone()),
            TokenSourceSpec::Http(spec) => Source::Http {
                call: HttpCall {
                    method: spec.method,
                    url: spec.url.clone(),
                    headers: spec.headers.clone(),
                    body: spec.body.clone(),
                },
                pointer: spec
                    .pointer
                    .clone()
                    .unwrap_or_else(|| "/access_token".to_owned()),
            },
            TokenSourceSpec::Command(argv) => Source::Command(argv.clone()),
            TokenSourceSpec::Static(_) => Source::Static,
        };
        Ok(TokenSource {
            kind,
            source,
            timeout: spec.timeout.unwrap_or(DEFAULT_TIMEOUT),
            base_dir: base_dir.to_owned(),
            discovery: discovery.map(str::to_owned),
            client,
            token_endpoint: tokio::sync::OnceCell::new(),
        })
    }

    /// The source's key in the file: `oauth2`, `http`, `command`, `static`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The time allowed for one fetch.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Gets a token for `who`.
    pub async fn fetch(&self, who: &Account) -> Result<Secret, TokenError> {
        let kind = self.kind;
        match &self.source {
            Source::OAuth2(spec) => self.oauth2(spec, who).await,
            Source::Http { call, pointer } => self.http(call, pointer, who).await,
            Source::Command(argv) => {
                let out = argv
                    .run(
                        &self.base_dir,
                        &who.values(),
                        CommandRun {
                            env: vec![
                                ("AUTHBENCH_IDENTITY", Some(&who.identity)),
                                ("AUTHBENCH_USER", Some(&who.user)),
                                (
                                    "AUTHBENCH_PASSWORD",
                                    who.password.as_ref().map(Secret::expose),
                                ),
                                (
                                    "AUTHBENCH_CLIENT_SECRET",
                                    who.client_secret.as_ref().map(Secret::expose),
                                ),
                            ],
                            capture: true,
                            timeout: self.timeout,
                        },
                    )
                    .await
                    .map_err(call_error(kind, who))?;
                let from = call::resolve_program(&self.base_dir, argv.program())
                    .display()
                    .to_string();
                let answer = |problem: &str| TokenError::Answer {
                    kind,
                    from: from.clone(),
                    problem: problem.to_owned(),
                };
                let text = String::from_utf8(out).map_err(|_| answer("its output is not UTF-8"))?;
                let token = text.trim();
                if token.is_empty() {
                    return Err(answer("it printed no token"));
                }
                if token.contains(|c: char| c.is_whitespace() || c.is_control()) {
                    return Err(answer(
                        "its output is not one token (it holds whitespace or control characters)",
                    ));
                }
                Ok(Secret::new(token))
            }
            Source::Static => who.token.clone().ok_or_else(|| TokenError::Missing {
                kind,
                identity: who.identity.clone(),
                what: "token",
            }),
        }
    }

    async fn http(
        &self,
        call: &HttpCall,
        pointer: &str,
        who: &Account,
    ) -> Result<Secret, TokenError> {
        const KIND: &str = "http";
        let answer = call
            .send(&self.client, &self.base_dir, &who.values(), self.timeout)
            .await
            .map_err(call_error(KIND, who))?;
        let shown = call.shown_url();
        if !(200..300).contains(&answer.status) {
            return Err(TokenError::Call {
                kind: KIND,
                source: CallError::Status {
                    method: call.method,
                    url: shown,
                    status: answer.status,
                },
            });
        }
        let problem = |problem: String| TokenError::Answer {
            kind: KIND,
            from: shown.clone(),
            problem,
        };
        let json: Value = serde_json::from_slice(&answer.body)
            .map_err(|e| problem(format!("the answer is not JSON: {e}")))?;
        match json.pointer(pointer) {
            Some(Value::String(token)) if !token.is_empty() => Ok(Secret::new(token.clone())),
            Some(Value::String(_)) => Err(problem(format!("the token at {pointer} is empty"))),
            Some(_) => Err(problem(format!("the value at {pointer} is not a string"))),
            None => Err(problem(format!("the answer has nothing at {pointer}"))),
        }
    }

    /// The token endpoint: `token_url`, or discovery's `token_endpoint` (fetched once).
    async fn token_endpoint(&self, spec: &OAuth2Spec) -> Result<url::Url, TokenError> {
        const KIND: &str = "oauth2";
        if let Some(url) = &spec.token_url {
            return parse_http_url(url).ok_or_else(|| TokenError::Call {
                kind: KIND,
                source: CallError::Url {
                    url: redact::url(url),
                },
            });
        }
        let Some(discovery) = &self.discovery else {
            return Err(TokenError::Answer {
                kind: KIND,
                from: "jwt".to_owned(),
                problem: "no token_url and no oidc_discovery to find the token endpoint".to_owned(),
            });
        };
        self.token_endpoint
            .get_or_try_init(|| self.discover(discovery))
            .await
            .cloned()
    }

    /// OpenID Connect Discovery 1.0 §4: `GET` the configuration document, take
    /// `token_endpoint`.
    async fn discover(&self, discovery: &str) -> Result<url::Url, TokenError> {
        const KIND: &str = "oauth2";
        const WELL_KNOWN: &str = "/.well-known/openid-configuration";
        let doc = if discovery.ends_with(WELL_KNOWN) {
            discovery.to_owned()
        } else {
            format!("{}{WELL_KNOWN}", discovery.trim_end_matches('/'))
        };
        let shown = redact::url(&doc);
        let call_err = |source| TokenError::Call { kind: KIND, source };
        let url =
            parse_http_url(&doc).ok_or_else(|| call_err(CallError::Url { url: shown.clone() }))?;
        let request = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json");
        let answer = call::exchange(request, Method::Get, &shown, self.timeout)
            .await
            .map_err(call_err)?;
        if !(200..300).contains(&answer.status) {
            return Err(call_err(CallError::Status {
                method: Method::Get,
                url: shown,
                status: answer.status,
            }));
        }
        let problem = |problem: &str| TokenError::Answer {
            kind: KIND,
            from: shown.clone(),
            problem: problem.to_owned(),
        };
        let json: Value = serde_json::from_slice(&answer.body)
            .map_err(|_| problem("the discovery document is not JSON"))?;
        let Some(endpoint) = json.get("token_endpoint").and_then(Value::as_str) else {
            return Err(problem(
                "the discovery document has no token_endpoint string",
            ));
        };
        parse_http_url(endpoint)
            .ok_or_else(|| problem("the discovery document's token_endpoint is not an http(s) URL"))
    }

    /// RFC 6749 §4.3 / §4.4 token request.
    async fn oauth2(&self, spec: &OAuth2Spec, who: &Account) -> Result<Secret, TokenError> {
        const KIND: &str = "oauth2";
        let endpoint = self.token_endpoint(spec).await?;
        let shown = redact::url(endpoint.as_str());
        let (body, authorization) = token_request(spec, who)?;
        let mut request = self
            .client
            .post(endpoint)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        if let Some(value) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        let answer = call::exchange(request.body(body), Method::Post, &shown, self.timeout)
            .await
            .map_err(|source| TokenError::Call { kind: KIND, source })?;
        let values = who.values();
        let secrets = values.secrets();
        let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
        if !(200..300).contains(&answer.status) {
            // §5.2: an error answer names its `error` code.
            if let Some(error) = json
                .as_ref()
                .and_then(|j| j.get("error"))
                .and_then(Value::as_str)
            {
                let description = json
                    .as_ref()
                    .and_then(|j| j.get("error_description"))
                    .and_then(Value::as_str)
                    .map(|d| clean(d, &secrets))
                    .filter(|d| !d.is_empty());
                return Err(TokenError::Refused {
                    error: clean(error, &secrets),
                    description,
                    status: answer.status,
                });
            }
            return Err(TokenError::Call {
                kind: KIND,
                source: CallError::Status {
                    method: Method::Post,
                    url: shown,
                    status: answer.status,
                },
            });
        }
        let problem = |problem: String| TokenError::Answer {
            kind: KIND,
            from: shown.clone(),
            problem,
        };
        let Some(Value::Object(json)) = json else {
            return Err(problem("the answer is not a JSON object".to_owned()));
        };
        // §5.1 / §7.1: a token type other than Bearer is not a bearer token.
        match json.get("token_type") {
            None => {}
            Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
            Some(Value::String(t)) => {
                return Err(problem(format!(
                    "token_type `{}` is not Bearer",
                    clean(t, &secrets)
                )));
            }
            Some(_) => return Err(problem("token_type is not a string".to_owned())),
        }
        let field = spec.use_token.as_str();
        match json.get(field) {
            Some(Value::String(token)) if !token.is_empty() => Ok(Secret::new(token.clone())),
            Some(Value::String(_)) => Err(problem(format!("{field} is empty"))),
            Some(_) => Err(problem(format!("{field} is not a string"))),
            None => Err(problem(format!("the answer has no {field}"))),
        }
    }
}

/// The form body of an RFC 6749 §4.3 / §4.4 token request, and the `Authorization` header when
/// the client authenticates with HTTP Basic.
fn token_request(
    spec: &OAuth2Spec,
    who: &Account,
) -> Result<(String, Option<reqwest::header::HeaderValue>), TokenError> {
    const KIND: &str = "oauth2";
    let missing = |what| TokenError::Missing {
        kind: KIND,
        identity: who.identity.clone(),
        what,
    };
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    match spec.grant {
        Grant::ClientCredentials => {
            // §4.4: only confidential clients use this grant.
            if who.client_id.is_none() {
                return Err(missing("client_id"));
            }
            if who.client_secret.is_none() {
                return Err(missing("client_secret"));
            }
            form.append_pair("grant_type", "client_credentials");
        }
        Grant::Password => {
            let password = who.password.as_ref().ok_or_else(|| missing("password"))?;
            form.append_pair("grant_type", "password");
            form.append_pair("username", &who.user);
            form.append_pair("password", password.expose());
        }
    }
    if let Some(scope) = &spec.scope {
        form.append_pair("scope", scope);
    }
    for (name, value) in &spec.params {
        form.append_pair(name, value);
    }
    let mut authorization = None;
    match (&who.client_id, &who.client_secret, spec.auth) {
        (Some(id), Some(secret), ClientAuth::ClientSecretBasic) => {
            // Base64 text is always a valid header value.
            let mut value = reqwest::header::HeaderValue::from_str(&basic(id, secret))
                .map_err(|_| missing("client_secret"))?;
            value.set_sensitive(true);
            authorization = Some(value);
        }
        (Some(id), Some(secret), ClientAuth::ClientSecretPost) => {
            form.append_pair("client_id", id);
            form.append_pair("client_secret", secret.expose());
        }
        // §2.1 / §3.2.1: a public client identifies itself with its id alone.
        (Some(id), None, _) => {
            form.append_pair("client_id", id);
        }
        (None, _, _) => {}
    }
    Ok((form.finish(), authorization))
}

/// RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic(id: &str, secret: &Secret) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(id), encode(secret.expose()));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// Text from a peer, fit for a message: printable ASCII only, at most 200 characters, and none
/// of the account's secrets (a server may echo what it was sent).
fn clean(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        text = text.replace(secret, redact::REDACTED);
    }
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(200)
        .collect()
}

/// A call's error as a token error: a placeholder `who` has no value for (found while the
/// templates are filled in, before anything is sent or started) is [`TokenError::Missing`].
fn call_error<'a>(kind: &'static str, who: &'a Account) -> impl Fn(CallError) -> TokenError + 'a {
    move |source| match source {
        CallError::Template {
            source: MissingValue::Placeholder(p),
            ..
        } => TokenError::Missing {
            kind,
            identity: who.identity.clone(),
            what: p.as_str(),
        },
        source => TokenError::Call { kind, source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_before_base64() {
        let header = basic("my client", &Secret::new("a:b+c%d"));
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(header.trim_start_matches("Basic "))
            .expect("base64");
        assert_eq!(
            String::from_utf8(decoded).expect("utf-8"),
            "my+client:a%3Ab%2Bc%25d"
        );
    }

    #[test]
    fn sources_hooks_and_their_futures_can_be_shared_across_tasks() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>(_: T) {}
        send_sync::<TokenSource>();
        send_sync::<crate::Control>();
        send_sync::<crate::LoadedTarget>();
        let spec = TokensSpec {
            source: TokenSourceSpec::Static(StaticSpec {}),
            timeout: None,
        };
        let source = TokenSource::new(&spec, Path::new("/"), None).expect("builds");
        let account = Account::new("alice", "qa-alice");
        send(source.fetch(&account));
        let control = crate::Control::default();
        if let Some(hook) = control.hook(crate::ControlKind::Revoke) {
            send(hook.run(&crate::Vars::default()));
        }
    }

    #[test]
    fn peer_text_loses_secrets_and_control_characters() {
        assert_eq!(
            clean("bad secret s3cr3t\n\u{1b}[31m", &["s3cr3t"]),
            "bad secret [redacted]??[31m"
        );
        assert_eq!(clean(&"x".repeat(500), &[]).len(), 200);
    }
}
