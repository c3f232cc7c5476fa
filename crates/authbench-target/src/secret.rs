//! Secrets in a target file: read from the environment or from a file, never written inline.
//!
//! ```yaml
//! password: {env: QA_ALICE_PW}      # an environment variable (set and not empty)
//! password: {file: secrets/alice}   # a file, relative to the target file's folder
//! ```
//!
//! A file's content is taken as it is, except for one trailing newline (`\n` or `\r\n`), which
//! editors and `echo` add. The value is resolved when it is needed, so a target file can be
//! checked (`authbench validate`) on a machine that does not hold the secrets.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use authbench_core::Secret;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// Largest secret file read, in bytes: a password, a token or a client secret, not a data set.
pub const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// What a string where a secret belongs is told.
const INLINE_REFUSED: &str = "a secret is never written inline: use {env: NAME} or {file: PATH}";

/// Where a secret comes from. `Debug` shows the variable name or the path, never a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable: `{env: NAME}`.
    Env(String),
    /// A file: `{file: PATH}`, relative to the target file's folder.
    File(PathBuf),
}

/// Why a secret could not be resolved. Names the variable or the path, never the value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The environment variable is not set, or not valid Unicode.
    #[error("environment variable {name} is not set")]
    EnvUnset {
        /// The variable's name.
        name: String,
    },
    /// The environment variable is set to the empty string.
    #[error("environment variable {name} is empty")]
    EnvEmpty {
        /// The variable's name.
        name: String,
    },
    /// The file cannot be read.
    #[error("cannot read secret file {}: {source}", .path.display())]
    FileRead {
        /// The resolved path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty (or holds only a newline).
    #[error("secret file {} is empty", .path.display())]
    FileEmpty {
        /// The resolved path.
        path: PathBuf,
    },
    /// The file is larger than [`MAX_SECRET_FILE_BYTES`].
    #[error("secret file {} is over the {MAX_SECRET_FILE_BYTES}-byte limit", .path.display())]
    FileTooLarge {
        /// The resolved path.
        path: PathBuf,
    },
    /// A secret of a given key could not be resolved (`identities.alice.password: …`).
    #[error("{key}: {source}")]
    In {
        /// Where in the target file the secret is configured.
        key: String,
        /// Why it could not be resolved.
        #[source]
        source: Box<SecretError>,
    },
    /// The file is not UTF-8 text.
    #[error("secret file {} is not UTF-8 text", .path.display())]
    FileNotText {
        /// The resolved path.
        path: PathBuf,
    },
}

impl SecretRef {
    /// Reads the secret; a relative file path is taken relative to `base_dir` (the target file's
    /// folder).
    pub fn resolve(&self, base_dir: &Path) -> Result<Secret, SecretError> {
        self.resolve_with(base_dir, &|name| std::env::var(name).ok())
    }

    /// [`resolve`](Self::resolve) with the environment given as a lookup (tests cannot set the
    /// process's environment safely).
    pub(crate) fn resolve_with(
        &self,
        base_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Secret, SecretError> {
        match self {
            SecretRef::Env(name) => match env(name) {
                Some(value) if value.is_empty() => {
                    Err(SecretError::EnvEmpty { name: name.clone() })
                }
                Some(value) => Ok(Secret::new(value)),
                None => Err(SecretError::EnvUnset { name: name.clone() }),
            },
            SecretRef::File(rel) => {
                let path = base_dir.join(rel);
                let read = |source| SecretError::FileRead {
                    path: path.clone(),
                    source,
                };
                // Read through a bound, not by the reported size: a device or a pipe reports 0.
                let mut bytes = Vec::new();
                std::fs::File::open(&path)
                    .and_then(|f| f.take(MAX_SECRET_FILE_BYTES + 1).read_to_end(&mut bytes))
                    .map_err(read)?;
                if bytes.len() as u64 > MAX_SECRET_FILE_BYTES {
                    return Err(SecretError::FileTooLarge { path });
                }
                let Ok(mut text) = String::from_utf8(bytes) else {
                    return Err(SecretError::FileNotText { path });
                };
                if text.ends_with('\n') {
                    text.pop();
                    if text.ends_with('\r') {
                        text.pop();
                    }
                }
                if text.is_empty() {
                    return Err(SecretError::FileEmpty { path });
                }
                Ok(Secret::new(text))
            }
        }
    }
}

impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SecretRefVisitor)
    }
}

struct SecretRefVisitor;

impl<'de> Visitor<'de> for SecretRefVisitor {
    type Value = SecretRef;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{env: NAME} or {file: PATH}")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<SecretRef, E> {
        Err(E::custom(INLINE_REFUSED))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SecretRef, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom(
                "a secret reference needs one key: env or file",
            ));
        };
        let secret = match key.as_str() {
            "env" => {
                let name: String = map.next_value()?;
                if name.is_empty() || name.contains(['=', '\0']) {
                    return Err(de::Error::custom(format!(
                        "`{}` is not an environment variable name",
                        name.escape_debug()
                    )));
                }
                SecretRef::Env(name)
            }
            "file" => {
                let path: PathBuf = map.next_value()?;
                if path.as_os_str().is_empty() {
                    return Err(de::Error::custom("a secret file path is empty"));
                }
                SecretRef::File(path)
            }
            other => return Err(de::Error::unknown_field(other, &["env", "file"])),
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(
                "a secret reference has exactly one key: env or file",
            ));
        }
        Ok(secret)
    }
}

impl schemars::JsonSchema for SecretRef {
    fn schema_name() -> Cow<'static, str> {
        "SecretRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A secret read from an environment variable or a file (relative to the target file); never written inline.",
            "oneOf": [
                {
                    "type": "object",
                    "properties": { "env": { "type": "string", "minLength": 1 } },
                    "required": ["env"],
                    "additionalProperties": false
                },
                {
                    "type": "object",
                    "properties": { "file": { "type": "string", "minLength": 1 } },
                    "required": ["file"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// A header value: plain text (`Accept: application/json`) or a secret (`{env: …}` /
/// `{file: …}`). `Debug` shows plain text and where a secret comes from, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// Text written in the file, not secret.
    Plain(String),
    /// A secret, resolved when the header is sent.
    Secret(SecretRef),
}

impl HeaderValue {
    /// The value to send.
    pub fn resolve(&self, base_dir: &Path) -> Result<Secret, SecretError> {
        match self {
            HeaderValue::Plain(text) => Ok(Secret::new(text.clone())),
            HeaderValue::Secret(secret) => secret.resolve(base_dir),
        }
    }
}

impl<'de> Deserialize<'de> for HeaderValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, {env: NAME} or {file: PATH}")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<HeaderValue, E> {
                Ok(HeaderValue::Plain(v.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<HeaderValue, A::Error> {
                SecretRefVisitor.visit_map(map).map(HeaderValue::Secret)
            }
        }
        d.deserialize_any(V)
    }
}

impl schemars::JsonSchema for HeaderValue {
    fn schema_name() -> Cow<'static, str> {
        "HeaderValue".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let secret = generator.subschema_for::<SecretRef>();
        schemars::json_schema!({
            "description": "A header value: plain text, or a secret from {env: NAME} / {file: PATH}.",
            "anyOf": [ { "type": "string" }, secret ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUE: &str = "s3cr3t-value";

    fn fake_env(name: &str) -> Option<String> {
        match name {
            "SET" => Some(VALUE.to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn env_secrets_resolve_and_errors_name_the_variable_only() {
        let dir = Path::new("/nonexistent");
        let s = SecretRef::Env("SET".into())
            .resolve_with(dir, &fake_env)
            .expect("resolves");
        assert_eq!(s.expose(), VALUE);
        assert_eq!(format!("{s:?}"), "[redacted]");

        let e = SecretRef::Env("EMPTY".into())
            .resolve_with(dir, &fake_env)
            .expect_err("empty");
        assert!(
            matches!(&e, SecretError::EnvEmpty { name } if name == "EMPTY"),
            "{e:?}"
        );
        assert_eq!(e.to_string(), "environment variable EMPTY is empty");

        let e = SecretRef::Env("UNSET".into())
            .resolve_with(dir, &fake_env)
            .expect_err("unset");
        assert_eq!(e.to_string(), "environment variable UNSET is not set");
    }

    #[test]
    fn the_real_environment_is_read() {
        // Cargo sets this for every test binary it runs.
        let s = SecretRef::Env("CARGO_PKG_NAME".into())
            .resolve(Path::new("."))
            .expect("resolves");
        assert_eq!(s.expose(), "authbench-target");
    }

    #[test]
    fn file_secrets_resolve_relative_to_the_base_and_errors_name_the_path_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("secrets")).expect("mkdir");
        std::fs::write(dir.path().join("secrets/bob"), format!("{VALUE}\n")).expect("write");
        let s = SecretRef::File("secrets/bob".into())
            .resolve(dir.path())
            .expect("resolves");
        assert_eq!(s.expose(), VALUE);

        let e = SecretRef::File("secrets/carol".into())
            .resolve(dir.path())
            .expect_err("missing");
        let text = e.to_string();
        assert!(
            matches!(&e, SecretError::FileRead { path, .. } if *path == dir.path().join("secrets/carol")),
            "{e:?}"
        );
        assert!(
            text.starts_with(&format!(
                "cannot read secret file {}: ",
                dir.path().join("secrets/carol").display()
            )),
            "{text}"
        );

        std::fs::write(dir.path().join("bin"), [0xff, 0xfe, b'x']).expect("write");
        let e = SecretRef::File("bin".into())
            .resolve(dir.path())
            .expect_err("binary");
        assert!(matches!(e, SecretError::FileNotText { .. }), "{e:?}");
    }

    #[test]
    fn inline_values_and_malformed_references_are_refused() {
        let file = Path::new("t.yaml");
        let e =
            authbench_scenario::yaml::parse::<SecretRef>("hunter2\n", file).expect_err("inline");
        assert_eq!(e.message, INLINE_REFUSED);
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let e = authbench_scenario::yaml::parse::<SecretRef>("{env: A, file: b}\n", file)
            .expect_err("two keys");
        assert_eq!(
            e.message,
            "a secret reference has exactly one key: env or file"
        );
        let e = authbench_scenario::yaml::parse::<SecretRef>("{value: x}\n", file)
            .expect_err("unknown");
        assert!(
            e.message.starts_with("unknown field `value`"),
            "{}",
            e.message
        );
        let r = authbench_scenario::yaml::parse::<SecretRef>("{file: a/b}\n", file).expect("file");
        assert_eq!(r, SecretRef::File("a/b".into()));
        let h =
            authbench_scenario::yaml::parse::<HeaderValue>("plain text\n", file).expect("plain");
        assert_eq!(h, HeaderValue::Plain("plain text".into()));
        let h = authbench_scenario::yaml::parse::<HeaderValue>("{env: K}\n", file).expect("env");
        assert_eq!(h, HeaderValue::Secret(SecretRef::Env("K".into())));
    }

    #[test]
    fn a_file_loses_one_trailing_newline_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("s"), "pa ss\n\n").expect("write");
        std::fs::write(dir.path().join("crlf"), "x\r\n").expect("write");
        let s = SecretRef::File("s".into())
            .resolve(dir.path())
            .expect("resolves");
        assert_eq!(s.expose(), "pa ss\n");
        let s = SecretRef::File("crlf".into())
            .resolve(dir.path())
            .expect("resolves");
        assert_eq!(s.expose(), "x");
    }

    #[test]
    fn a_file_is_read_up_to_the_limit_whatever_size_it_reports() {
        let e = SecretRef::File("/dev/zero".into())
            .resolve(Path::new("/"))
            .expect_err("endless");
        assert!(matches!(e, SecretError::FileTooLarge { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "secret file /dev/zero is over the 65536-byte limit"
        );
    }

    #[test]
    fn a_file_of_only_a_newline_is_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("s"), "\n").expect("write");
        let e = SecretRef::File("s".into())
            .resolve(dir.path())
            .expect_err("empty");
        assert!(matches!(e, SecretError::FileEmpty { .. }), "{e:?}");
    }
}
