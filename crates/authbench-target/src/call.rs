//! The two ways a target file reaches the user's systems: an HTTP request or a command. Token
//! sources and control hooks are built on these.
//!
//! HTTP: redirects are not followed (a token endpoint or an admin API that redirects is
//! misconfigured, and following would carry credentials elsewhere), no proxy is used, answers are
//! read up to [`MAX_ANSWER_BYTES`], and the whole exchange is bounded by the caller's timeout.
//!
//! Commands: run without a shell, stdin closed, stderr discarded (a script's diagnostics may hold
//! the secrets it was given), stdout read up to [`MAX_ANSWER_BYTES`]; on timeout the child is
//! killed.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use authbench_core::duration::format_duration;
use authbench_core::{Secret, redact};
use serde::de::{self, Deserialize, Deserializer};
use tokio::io::AsyncReadExt;

use crate::secret::{HeaderValue, SecretError};
use crate::template::{JsonTemplate, MissingValue, Placeholder, Template, Values};

/// Largest answer body (HTTP) or output (command) read, in bytes.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Default time allowed for one token fetch or one control hook.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Headers a file may not set: they frame the request, and the client sets them itself.
const RESERVED_HEADERS: [&str; 8] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
];

/// Why an HTTP request or a command failed. Messages show URLs as written in the file (with
/// placeholders, not values) and through [`redact::url`]; never a secret, a header value or a
/// command's output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// A placeholder has no value for this account, or a value cannot go into the URL.
    #[error("`{template}`: {source}")]
    Template {
        /// The template as written (a URL is redacted).
        template: String,
        /// What is missing.
        #[source]
        source: MissingValue,
    },
    /// The URL, filled in, is not an absolute `http` or `https` URL.
    #[error("`{url}` is not an absolute http(s) URL")]
    Url {
        /// The URL as written, redacted.
        url: String,
    },
    /// A header's secret could not be resolved.
    #[error("header {name}: {source}")]
    HeaderSecret {
        /// The header's name.
        name: String,
        /// Why the secret could not be read.
        #[source]
        source: SecretError,
    },
    /// A header's value cannot be sent (a control character, not visible ASCII). The value is
    /// not shown.
    #[error("header {name}: the value is not a valid HTTP header value")]
    HeaderValue {
        /// The header's name.
        name: String,
    },
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {}", chain(.0))]
    Client(#[source] reqwest::Error),
    /// The request failed before an answer came (refused, reset, TLS).
    #[error("{method} {url}: {}", chain(.source))]
    Send {
        /// The method.
        method: Method,
        /// The URL as written, redacted.
        url: String,
        /// The HTTP client's error (without the URL, which may hold filled-in values).
        #[source]
        source: reqwest::Error,
    },
    /// No complete answer (or exit) within the timeout; a command is killed.
    #[error("{what}: no answer within {}", format_duration(*.after))]
    Timeout {
        /// The request (`POST URL`) or the program.
        what: String,
        /// The timeout.
        after: Duration,
    },
    /// The answer's body, or a command's output, is larger than [`MAX_ANSWER_BYTES`].
    #[error("{what}: the answer is over {MAX_ANSWER_BYTES} bytes")]
    TooLarge {
        /// The request (`POST URL`) or the program.
        what: String,
    },
    /// The answer's status is not 2xx (a redirect is not followed).
    #[error("{method} {url} answered HTTP {status}")]
    Status {
        /// The method.
        method: Method,
        /// The URL as written, redacted.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The command could not be started.
    #[error("cannot start {program}: {source}")]
    Spawn {
        /// The program as written (placeholders not filled in), resolved.
        program: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The command's output could not be read, or it could not be waited for.
    #[error("{program}: {source}")]
    Io {
        /// The program as written (placeholders not filled in), resolved.
        program: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The command exited with a non-zero code (its stderr is not shown).
    #[error("{program} exited with code {code}")]
    Exit {
        /// The program as written (placeholders not filled in), resolved.
        program: PathBuf,
        /// The exit code.
        code: i32,
    },
    /// The command was ended by a signal.
    #[error("{program} was ended by a signal")]
    Signal {
        /// The program as written (placeholders not filled in), resolved.
        program: PathBuf,
    },
}

/// An error and its sources, `: `-separated (the HTTP client's own message is only "error
/// sending request"; the cause is in its sources).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` (the default).
    #[default]
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Request headers: names checked when the file is loaded, values plain or secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub BTreeMap<String, HeaderValue>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, HeaderValue>::deserialize(d)?;
        let mut seen = std::collections::BTreeSet::new();
        for name in map.keys() {
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(de::Error::custom(format!(
                    "`{}` is not a valid header name",
                    name.escape_debug()
                )));
            }
            let lower = name.to_ascii_lowercase();
            if RESERVED_HEADERS.contains(&lower.as_str()) {
                return Err(de::Error::custom(format!(
                    "header {name} is set by the HTTP client and cannot be configured"
                )));
            }
            if !seen.insert(lower) {
                return Err(de::Error::custom(format!(
                    "header {name} is given twice (header names ignore case)"
                )));
            }
        }
        Ok(Headers(map))
    }
}

impl schemars::JsonSchema for Headers {
    fn schema_name() -> Cow<'static, str> {
        "Headers".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let value = generator.subschema_for::<HeaderValue>();
        schemars::json_schema!({
            "description": "Request headers; values are plain text or {env: NAME} / {file: PATH}.",
            "type": "object",
            "additionalProperties": value
        })
    }
}

impl Headers {
    /// Resolves every value, for sending.
    pub(crate) fn resolve(&self, base_dir: &Path) -> Result<reqwest::header::HeaderMap, CallError> {
        let mut out = reqwest::header::HeaderMap::new();
        for (name, value) in &self.0 {
            let secret = value
                .resolve(base_dir)
                .map_err(|source| CallError::HeaderSecret {
                    name: name.clone(),
                    source,
                })?;
            let header_name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| CallError::HeaderValue { name: name.clone() })?;
            let mut header_value = reqwest::header::HeaderValue::from_str(secret.expose())
                .map_err(|_| CallError::HeaderValue { name: name.clone() })?;
            header_value.set_sensitive(matches!(value, HeaderValue::Secret(_)));
            out.insert(header_name, header_value);
        }
        Ok(out)
    }

    /// Resolves every value to its plain text or secret (for the round-trip config).
    pub(crate) fn resolve_secrets(
        &self,
        base_dir: &Path,
    ) -> Result<BTreeMap<String, Secret>, (String, SecretError)> {
        self.0
            .iter()
            .map(|(name, value)| {
                value
                    .resolve(base_dir)
                    .map(|s| (name.clone(), s))
                    .map_err(|e| (name.clone(), e))
            })
            .collect()
    }
}

/// The HTTP client token sources and hooks use: no redirects, no proxy.
pub(crate) fn client() -> Result<reqwest::Client, CallError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(CallError::Client)
}

/// An answer: status and body (at most [`MAX_ANSWER_BYTES`]).
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// `text` as an absolute http(s) URL with a host.
pub(crate) fn parse_http_url(text: &str) -> Option<url::Url> {
    let url = url::Url::parse(text).ok()?;
    let usable = matches!(url.scheme(), "http" | "https") && url.host_str().is_some();
    usable.then_some(url)
}

/// Sends `request` and reads the answer, all within `timeout`. `shown` is the redacted URL for
/// messages.
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
    method: Method,
    shown: &str,
    timeout: Duration,
) -> Result<Answer, CallError> {
    let what = || format!("{method} {shown}");
    let work = async {
        let send = |source: reqwest::Error| CallError::Send {
            method,
            url: shown.to_owned(),
            source: source.without_url(),
        };
        let mut response = request.send().await.map_err(send)?;
        let status = response.status().as_u16();
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err(CallError::TooLarge { what: what() });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(send)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(CallError::TooLarge { what: what() });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status, body })
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| CallError::Timeout {
            what: what(),
            after: timeout,
        })?
}

/// An HTTP request template: method, URL, headers and an optional JSON body.
///
/// A control hook's `http:` is read straight into one (its schema and messages keep the name
/// `HttpHookSpec`); a `tokens: {http: …}` source builds one when the source is made ready.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename = "HttpHookSpec", deny_unknown_fields)]
#[schemars(description = "`control.<kind>: {http: …}`.")]
pub struct HttpCall {
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
}

impl HttpCall {
    /// The placeholders used in the URL and the body.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut out: Vec<_> = self.url.placeholders().collect();
        if let Some(body) = &self.body {
            out.extend(body.placeholders());
        }
        out
    }

    /// The URL as written, redacted, for messages.
    pub fn shown_url(&self) -> String {
        redact::url(self.url.as_written())
    }

    /// Sends the request with `values` filled in. Every placeholder, in the URL and then in the
    /// body, is filled in before the URL is checked, the headers' secrets are read or anything
    /// is sent: a missing value is [`CallError::Template`] and nothing reaches the server.
    pub(crate) async fn send(
        &self,
        client: &reqwest::Client,
        base_dir: &Path,
        values: &Values<'_>,
        timeout: Duration,
    ) -> Result<Answer, CallError> {
        let shown = self.shown_url();
        let url = self
            .url
            .render_url(values)
            .map_err(|source| CallError::Template {
                template: shown.clone(),
                source,
            })?;
        let body = match &self.body {
            Some(body) => Some(body.render(values).map_err(|source| CallError::Template {
                template: "body".to_owned(),
                source,
            })?),
            None => None,
        };
        let url = parse_http_url(&url).ok_or_else(|| CallError::Url { url: shown.clone() })?;
        let headers = self.headers.resolve(base_dir)?;
        let mut request = client
            .request(self.method.to_reqwest(), url)
            .headers(headers);
        if let Some(json) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(json.to_string());
        }
        exchange(request, self.method, &shown, timeout).await
    }
}

/// A command template: the program and its arguments, no shell.
#[derive(Clone, PartialEq, Eq)]
pub struct Argv(Vec<Template>);

impl fmt::Debug for Argv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl<'de> Deserialize<'de> for Argv {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let argv = Vec::<Template>::deserialize(d)?;
        match argv.first() {
            None => Err(de::Error::custom(
                "a command needs at least the program: [PROGRAM, ARG…]",
            )),
            Some(p) if p.as_written().is_empty() => {
                Err(de::Error::custom("a command's program is empty"))
            }
            Some(_) => Ok(Argv(argv)),
        }
    }
}

impl schemars::JsonSchema for Argv {
    fn schema_name() -> Cow<'static, str> {
        "Argv".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A command: the program (a relative path is relative to the target file's folder) and its arguments, run without a shell; `{placeholders}` are filled in per argument.",
            "type": "array",
            "items": { "type": "string" },
            "minItems": 1
        })
    }
}

/// What a command runs with besides its arguments.
pub(crate) struct CommandRun<'a> {
    /// Environment variables set for the child (a `None` value removes the variable, so an
    /// inherited one cannot stand in for a missing secret).
    pub env: Vec<(&'static str, Option<&'a str>)>,
    /// Whether stdout is read and returned.
    pub capture: bool,
    /// The time allowed, start to exit.
    pub timeout: Duration,
}

impl Argv {
    /// The placeholders used.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        self.0.iter().flat_map(Template::placeholders).collect()
    }

    /// The program as written.
    pub fn program(&self) -> &str {
        self.0.first().map_or("", Template::as_written)
    }

    /// Runs the command with `values` filled in; returns its stdout when captured.
    pub(crate) async fn run(
        &self,
        base_dir: &Path,
        values: &Values<'_>,
        how: CommandRun<'_>,
    ) -> Result<Vec<u8>, CallError> {
        let mut args = Vec::with_capacity(self.0.len());
        for arg in &self.0 {
            args.push(arg.render(values).map_err(|source| CallError::Template {
                template: arg.as_written().to_owned(),
                source,
            })?);
        }
        // `Argv` is never empty (see its `Deserialize`); an empty one has no program to start.
        let Some((first, rest)) = args.split_first() else {
            return Err(CallError::Spawn {
                program: PathBuf::new(),
                source: std::io::ErrorKind::NotFound.into(),
            });
        };
        // Messages name the program as written: a placeholder in it may be filled with a secret.
        let program = resolve_program(base_dir, self.program());
        let mut command = tokio::process::Command::new(resolve_program(base_dir, first));
        command
            .args(rest)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .stdout(if how.capture {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true);
        for (name, value) in &how.env {
            match value {
                Some(v) => command.env(name, v),
                None => command.env_remove(name),
            };
        }
        let mut child = command.spawn().map_err(|source| CallError::Spawn {
            program: program.clone(),
            source,
        })?;
        let stdout = child.stdout.take();
        let io = |source| CallError::Io {
            program: program.clone(),
            source,
        };
        let work = async {
            let mut out = Vec::new();
            if let Some(stdout) = stdout {
                stdout
                    .take(MAX_ANSWER_BYTES as u64 + 1)
                    .read_to_end(&mut out)
                    .await
                    .map_err(io)?;
                if out.len() > MAX_ANSWER_BYTES {
                    return Ok((None, out));
                }
            }
            let status = child.wait().await.map_err(io)?;
            Ok((Some(status), out))
        };
        let outcome = tokio::time::timeout(how.timeout, work).await;
        let (status, out) = match outcome {
            Ok(done) => done?,
            Err(_) => {
                // Best effort: the child may have exited on its own in the meantime.
                let _ = child.kill().await;
                return Err(CallError::Timeout {
                    what: program.display().to_string(),
                    after: how.timeout,
                });
            }
        };
        let Some(status) = status else {
            let _ = child.kill().await;
            return Err(CallError::TooLarge {
                what: program.display().to_string(),
            });
        };
        match status.code() {
            Some(0) => Ok(out),
            Some(code) => Err(CallError::Exit { program, code }),
            None => Err(CallError::Signal { program }),
        }
    }
}

/// A program with a `/` in a relative path is relative to the target file's folder; a bare name
/// is looked up in `PATH`.
pub(crate) fn resolve_program(base_dir: &Path, program: &str) -> PathBuf {
    let path = Path::new(program);
    if path.is_relative() && program.contains('/') {
        base_dir.join(path.strip_prefix(".").unwrap_or(path))
    } else {
        path.to_owned()
    }
}
