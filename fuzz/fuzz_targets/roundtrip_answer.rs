//! The round-trip hook protocols' answer parsing (`authbench-roundtrip`): Red5 Pro's JSON
//! `{"result": …}` and MediaMTX's status (with an optional `subject`).
//!
//! Input: the HTTP status (two bytes, big-endian), one flag byte (bit 0: the request carried
//! credentials), then the body. Both protocols read every input.
//!
//! Properties, checked against the body read here with `serde_json` and `serde` visitors of
//! its own: Red5 Pro allows only a
//! `200` whose body is a JSON object with `result` true (or `"true"`); MediaMTX allows exactly
//! the 2xx statuses; a subject is non-empty, at most 256 bytes, without control characters; a
//! deny never claims an infrastructure reason the service may not decide, and every status a
//! protocol does not read is `backend_protocol_error`.

#![no_main]

use authbench_core::{Deny, DenyReason};
use authbench_roundtrip::fuzzing::{mtx_answer, red5_answer};
use libfuzzer_sys::fuzz_target;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

fn check_subject(subject: &Option<String>) {
    if let Some(s) = subject {
        assert!(
            !s.is_empty() && s.len() <= 256,
            "subject length {}",
            s.len()
        );
        assert!(
            !s.chars().any(char::is_control),
            "control character in subject"
        );
    }
}

fn check_deny(deny: &Deny) {
    assert!(
        !matches!(
            deny.reason,
            DenyReason::BackendUnavailable
                | DenyReason::BackendTimeout
                | DenyReason::ReplayCacheFull
        ),
        "an answer cannot decide {}",
        deny.reason
    );
}

/// What a `result` member held, as far as the check needs.
enum ResultMember {
    Bool(bool),
    Str(String),
    Other,
}

impl<'de> Deserialize<'de> for ResultMember {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ResultMember;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<ResultMember, E> {
                Ok(ResultMember::Bool(b))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ResultMember, E> {
                Ok(ResultMember::Str(s.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<ResultMember, E> {
                Ok(ResultMember::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<ResultMember, E> {
                Ok(ResultMember::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<ResultMember, E> {
                Ok(ResultMember::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<ResultMember, E> {
                Ok(ResultMember::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<ResultMember, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ResultMember::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<ResultMember, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(ResultMember::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON object's last `result` member; every other member is only checked against the JSON
/// grammar (as `IgnoredAny` does: numbers of any size and unpaired surrogate escapes are
/// grammatical, RFC 8259 §6 and §8.2, though `serde_json::Value` refuses them).
struct Object(Option<ResultMember>);

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Object;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Object, A::Error> {
                let mut result = None;
                while let Some(key) = a.next_key::<String>()? {
                    if key == "result" {
                        result = Some(a.next_value::<ResultMember>()?);
                    } else {
                        a.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Object(result))
            }
        }
        d.deserialize_map(V)
    }
}

/// Whether a Red5 Pro answer is an allow, read here independently of the crate: a `200` whose
/// body is UTF-8 JSON (RFC 8259 §8.1), an object, with `result` true or `"true"` (any case).
fn red5_allows(status: u16, body: &[u8]) -> bool {
    if status != 200 {
        return false;
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    match serde_json::from_str::<Object>(text) {
        Ok(Object(Some(ResultMember::Bool(b)))) => b,
        Ok(Object(Some(ResultMember::Str(s)))) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let presented = data[2] & 1 == 1;
    let body = &data[3..];

    match red5_answer(status, body) {
        Ok(subject) => {
            assert!(
                red5_allows(status, body),
                "Red5 Pro allow for HTTP {status}"
            );
            check_subject(&subject);
        }
        Err(deny) => {
            check_deny(&deny);
            if status != 200 {
                assert_eq!(deny.reason, DenyReason::BackendProtocolError);
            }
        }
    }

    match mtx_answer(status, body, presented) {
        Ok(subject) => {
            assert!(
                (200..=299).contains(&status),
                "MediaMTX allow for HTTP {status}"
            );
            check_subject(&subject);
        }
        Err(deny) => {
            assert!(
                !(200..=299).contains(&status),
                "MediaMTX deny for HTTP {status}"
            );
            check_deny(&deny);
            if status == 401 || status == 403 {
                assert_ne!(deny.reason, DenyReason::BackendProtocolError);
            } else {
                assert_eq!(deny.reason, DenyReason::BackendProtocolError);
            }
        }
    }
});
