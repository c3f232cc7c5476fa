//! The round-trip hook protocols' answer parsing (`authbench-roundtrip`): Red5 Pro's JSON
//! `{"result": …}` and MediaMTX's status (with an optional `subject`).
//!
//! Input: the HTTP status (two bytes, big-endian), one flag byte (bit 0: the request carried
//! credentials), then the body. Both protocols read every input.
//!
//! Properties, checked against the body parsed here with `serde_json` (unpaired surrogate
//! escapes, which the JSON grammar allows, made valid first): Red5 Pro allows only a
//! `200` whose body is a JSON object with `result` true (or `"true"`); MediaMTX allows exactly
//! the 2xx statuses; a subject is non-empty, at most 256 bytes, without control characters; a
//! deny never claims an infrastructure reason the service may not decide, and every status a
//! protocol does not read is `backend_protocol_error`.

#![no_main]

use authbench_core::{Deny, DenyReason};
use authbench_roundtrip::fuzzing::{mtx_answer, red5_answer};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

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

/// `body` with the four hex digits of every `\uD800`–`\uDFFF` escape made `0000`. The JSON
/// grammar allows unpaired surrogates (RFC 8259 §8.2), which `serde_json::Value` refuses.
fn without_surrogates(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    let mut i = 0;
    while i + 6 <= out.len() {
        let e = &out[i..i + 6];
        if e[0] == b'\\'
            && e[1] == b'u'
            && e[2].eq_ignore_ascii_case(&b'd')
            && matches!(e[3].to_ascii_lowercase(), b'8'..=b'9' | b'a'..=b'f')
            && e[4].is_ascii_hexdigit()
            && e[5].is_ascii_hexdigit()
        {
            out[i + 2..i + 6].copy_from_slice(b"0000");
            i += 6;
        } else {
            i += 1;
        }
    }
    out
}

fn red5_allows(status: u16, body: &[u8]) -> bool {
    if status != 200 {
        return false;
    }
    match serde_json::from_slice::<Value>(&without_surrogates(body)) {
        Ok(Value::Object(map)) => match map.get("result") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        },
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
