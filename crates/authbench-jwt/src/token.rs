//! The outer layer of a token: size cap, the three base64url parts, and the protected header.
//! Everything here reads hostile input: no panics, and every failure is a precise deny.

use std::borrow::Cow;
use std::str::FromStr;

use authbench_core::{Deny, DenyReason};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

/// Longest token accepted, in bytes, checked before any decoding.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The three parts of a compact JWS, still encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parts<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    pub header: &'a str,
    pub payload: &'a str,
    pub signature: &'a str,
}

/// Whether `s` looks like a JWT: three non-empty base64url parts separated by dots. Used to tell a
/// JWT sent as a password from a password.
pub fn has_jwt_shape(s: &str) -> bool {
    if s.len() > MAX_TOKEN_LEN {
        // Still JWT-shaped for the purpose of choosing it; the size check denies it precisely.
        return s.split('.').count() == 3;
    }
    let mut parts = 0;
    for part in s.split('.') {
        parts += 1;
        if part.is_empty()
            || !part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
    }
    parts == 3
}

fn malformed(detail: impl Into<String>) -> Deny {
    Deny::new(DenyReason::MalformedCredentials, detail)
}

/// Splits a token after checking its size. The signature part may be empty (an unsecured token);
/// the header check then refuses its `alg`.
pub(crate) fn split(token: &str) -> Result<Parts<'_>, Deny> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(malformed(format!(
            "token is {} bytes, longer than the {MAX_TOKEN_LEN}-byte limit",
            token.len()
        )));
    }
    let Some((signing_input, signature)) = token.rsplit_once('.') else {
        return Err(malformed("token is not three dot-separated parts"));
    };
    let Some((header, payload)) = signing_input.split_once('.') else {
        return Err(malformed("token is not three dot-separated parts"));
    };
    if payload.contains('.') {
        return Err(malformed(
            "token has more than three parts (JWE or garbage)",
        ));
    }
    if header.is_empty() || payload.is_empty() {
        return Err(malformed("token has an empty header or payload"));
    }
    Ok(Parts {
        signing_input,
        header,
        payload,
        signature,
    })
}

/// Decodes one base64url part (no padding, canonical).
pub(crate) fn b64(part: &str, what: &str) -> Result<Vec<u8>, Deny> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| malformed(format!("token {what} is not base64url")))
}

/// What the validator uses from the protected header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub alg: Algorithm,
    pub kid: Option<String>,
}

/// Records that a member was present, whatever its value.
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Present(true))
    }
}

/// A string that borrows from the input when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

// `jku`, `x5u`, `jwk` and `x5c` are deliberately not read: a key named by the token itself would
// let the attacker choose the key. Duplicate members are rejected by serde.
#[derive(Deserialize)]
struct RawHeader<'a> {
    #[serde(borrow)]
    alg: Option<Text<'a>>,
    #[serde(borrow, default)]
    kid: Option<Text<'a>>,
    #[serde(default)]
    crit: Present,
}

/// Decodes and checks the header: a JSON object with a supported `alg` and no `crit` extension
/// (none is understood, so RFC 7515 §4.1.11 requires refusing any).
pub(crate) fn parse_header(part: &str) -> Result<Header, Deny> {
    let json = b64(part, "header")?;
    let raw: RawHeader<'_> = serde_json::from_slice(&json).map_err(|e| {
        malformed(format!(
            "token header is not a valid JSON object ({} at column {})",
            json_category(&e),
            e.column()
        ))
    })?;
    if raw.crit.0 {
        return Err(malformed(
            "token header has `crit` extensions, none of which are understood",
        ));
    }
    let Some(Text(alg)) = raw.alg else {
        return Err(malformed("token header has no `alg`"));
    };
    let alg = Algorithm::from_str(&alg).map_err(|_| {
        // `none` and unknown names land here; the name is short and not secret.
        let shown: String = alg.chars().take(16).collect();
        Deny::new(
            DenyReason::AlgorithmNotAllowed,
            format!("token alg `{shown}` is not a supported signature algorithm"),
        )
    })?;
    Ok(Header {
        alg,
        kid: raw.kid.map(|Text(k)| k.into_owned()),
    })
}

/// A short, value-free description of a JSON error.
pub(crate) fn json_category(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "wrong shape",
        serde_json::error::Category::Eof => "truncated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn jwt_shape() {
        assert!(has_jwt_shape("a.b.c"));
        assert!(has_jwt_shape("eyJ_-.eyJ.sig-_"));
        assert!(!has_jwt_shape("hunter2"));
        assert!(!has_jwt_shape("a.b"));
        assert!(!has_jwt_shape("a.b."));
        assert!(!has_jwt_shape("a.b.c.d"));
        assert!(!has_jwt_shape("a b.c.d"));
    }

    #[test]
    fn split_rejects_bad_shapes() {
        for t in ["", "abc", "a.b", "a..c", ".b.c", "a.b.c.d"] {
            let e = split(t).expect_err(t);
            assert_eq!(e.reason, DenyReason::MalformedCredentials, "{t}");
        }
        assert!(
            split("a.b.").is_ok(),
            "empty signature is for the alg check to refuse"
        );
        let big = "a".repeat(MAX_TOKEN_LEN + 1);
        assert_eq!(
            split(&big).expect_err("big").reason,
            DenyReason::MalformedCredentials
        );
    }

    #[test]
    fn header_checks() {
        let h =
            parse_header(&enc(r#"{"alg":"HS256","kid":"k1","jku":"http://evil"}"#)).expect("ok");
        assert_eq!(
            h,
            Header {
                alg: Algorithm::HS256,
                kid: Some("k1".into())
            }
        );
        let reason = |j: &str| parse_header(&enc(j)).expect_err(j).reason;
        assert_eq!(reason(r#"{"alg":"none"}"#), DenyReason::AlgorithmNotAllowed);
        assert_eq!(
            reason(r#"{"alg":"HS256","crit":["x"]}"#),
            DenyReason::MalformedCredentials
        );
        assert_eq!(
            reason(r#"{"alg":"HS256","crit":null}"#),
            DenyReason::MalformedCredentials
        );
        assert_eq!(reason(r#"{"typ":"JWT"}"#), DenyReason::MalformedCredentials);
        assert_eq!(reason(r#"[1,2]"#), DenyReason::MalformedCredentials);
        assert_eq!(reason(r#"{"alg":5}"#), DenyReason::MalformedCredentials);
        assert_eq!(
            reason(r#"{"alg":"HS256","alg":"none"}"#),
            DenyReason::MalformedCredentials
        );
        assert_eq!(
            parse_header("!!!").expect_err("b64").reason,
            DenyReason::MalformedCredentials
        );
    }
}
