//! Connect parsing (`authbench_core::connect`): URLs (rtmp, rtsp, whip, whep), `Authorization`
//! header values and SRT streamids.
//!
//! Input: one selector byte, then up to three fields separated by `\n`: the URL, the
//! `Authorization` value and the streamid (an empty field is absent). Selector bits 0–2 pick the
//! transport, bits 3–4 the action (none, publish, subscribe), bits 5–7 the entry point.
//!
//! Properties: nothing panics; every refusal is `malformed_credentials` (the module's contract);
//! an accepted request keeps the transport, the action WHIP / WHEP imply and a stream path that
//! parses back to itself, and no token longer than the cap.

#![no_main]

use authbench_core::connect::{self, ClientConnect, MAX_TOKEN_LEN};
use authbench_core::{Action, AuthRequest, Deny, DenyReason, StreamPath, Transport};
use authbench_fuzz::{fields, selector};
use libfuzzer_sys::fuzz_target;

const TRANSPORTS: [Transport; 5] = [
    Transport::Rtmp,
    Transport::Rtsp,
    Transport::Whip,
    Transport::Whep,
    Transport::Srt,
];

fn refused_as_malformed(deny: &Deny) {
    assert_eq!(
        deny.reason,
        DenyReason::MalformedCredentials,
        "a connect refusal must be malformed_credentials: {deny:?}"
    );
}

fn check(result: Result<AuthRequest, Deny>, transport: Transport, action: Option<Action>) {
    let req = match result {
        Ok(req) => req,
        Err(deny) => return refused_as_malformed(&deny),
    };
    assert_eq!(req.transport, transport);
    match transport {
        Transport::Whip => assert_eq!(req.action, Action::Publish),
        Transport::Whep => assert_eq!(req.action, Action::Subscribe),
        _ => {}
    }
    if let Some(action) = action {
        assert_eq!(req.action, action, "the action asked for is the one parsed");
    }
    let reparsed = StreamPath::new(req.path.as_str()).expect("a parsed path parses again");
    assert_eq!(reparsed, req.path);
    if let Some(token) = &req.credentials.token {
        assert!(token.len() <= MAX_TOKEN_LEN);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((sel, rest)) = selector(data) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let parts = fields(text, '\n', 3);
    let field = |i: usize| parts.get(i).copied().filter(|s| !s.is_empty());
    let transport = TRANSPORTS[usize::from(sel & 0b111) % TRANSPORTS.len()];
    let action = match (sel >> 3) & 0b11 {
        1 => Some(Action::Publish),
        2 => Some(Action::Subscribe),
        _ => None,
    };
    let (url, authorization, streamid) = (field(0), field(1), field(2));
    match sel >> 5 {
        1 => check(
            connect::rtmp(url.unwrap_or(""), action.unwrap_or(Action::Publish)),
            Transport::Rtmp,
            Some(action.unwrap_or(Action::Publish)),
        ),
        2 => check(
            connect::rtsp(
                url.unwrap_or(""),
                action.unwrap_or(Action::Subscribe),
                authorization,
            ),
            Transport::Rtsp,
            Some(action.unwrap_or(Action::Subscribe)),
        ),
        3 => {
            let t = if sel & 1 == 0 {
                Transport::Whip
            } else {
                Transport::Whep
            };
            check(
                connect::whip_whep(t, url.unwrap_or(""), authorization),
                t,
                None,
            );
        }
        4 => {
            if let Err(deny) = connect::authorization(text) {
                refused_as_malformed(&deny);
            }
        }
        5 => check(connect::srt(text), Transport::Srt, None),
        _ => check(
            connect::parse(&ClientConnect {
                transport,
                action,
                url,
                authorization,
                streamid,
            }),
            transport,
            action,
        ),
    }
});
