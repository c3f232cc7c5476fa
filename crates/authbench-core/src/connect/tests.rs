use super::*;
use crate::DenyReason::MalformedCredentials;

fn ok(r: Result<AuthRequest, Deny>) -> AuthRequest {
    match r {
        Ok(r) => r,
        Err(d) => panic!("expected a request, got {d}"),
    }
}

fn err(r: Result<AuthRequest, Deny>) -> Deny {
    match r {
        Ok(r) => panic!("expected malformed, got {r:?}"),
        Err(d) => d,
    }
}

/// (user name, password, token) as plain strings.
type Shown<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

fn creds(req: &AuthRequest) -> Shown<'_> {
    let c = &req.credentials;
    (
        c.username.as_deref(),
        c.password.as_ref().map(Secret::expose),
        c.token.as_ref().map(Secret::expose),
    )
}

#[test]
fn rtmp_forms() {
    let cases: &[(&str, &str, Shown)] = &[
        (
            "rtmp://h/live/room1/cam1?username=alice&password=s3cret",
            "live/room1/cam1",
            (Some("alice"), Some("s3cret"), None),
        ),
        (
            "rtmp://h:1935/live/cam1?token=abc.def.ghi",
            "live/cam1",
            (None, None, Some("abc.def.ghi")),
        ),
        (
            "rtmps://h/live/cam1?jwt=abc.def.ghi&other=1",
            "live/cam1",
            (None, None, Some("abc.def.ghi")),
        ),
        ("rtmp://h/live/cam1", "live/cam1", (None, None, None)),
        ("rtmp://h/live/cam1?", "live/cam1", (None, None, None)),
        (
            "rtmp://h/live/r%C3%A9/cam1?username=al%20ice&password=p%40ss+word",
            "live/ré/cam1",
            (Some("al ice"), Some("p@ss word"), None),
        ),
        (
            "rtmp://h/live/cam1?user=bob&pass=x&token=t",
            "live/cam1",
            (Some("bob"), Some("x"), Some("t")),
        ),
        ("rtmp://h/live/cam1#frag", "live/cam1", (None, None, None)),
    ];
    for (url, path, expected) in cases {
        let req = ok(rtmp(url, Action::Publish));
        assert_eq!(req.path.as_str(), *path, "{url}");
        assert_eq!(creds(&req), *expected, "{url}");
        assert_eq!(
            (req.action, req.transport),
            (Action::Publish, Transport::Rtmp)
        );
    }
}

#[test]
fn rtmp_garbage_is_malformed() {
    let long = format!("rtmp://h/live/cam1?token={}", "a".repeat(MAX_URL_LEN));
    let huge_token = format!("rtmp://h/live/cam1?token={}", "a".repeat(MAX_TOKEN_LEN + 1));
    let cases = [
        "",
        "rtmp:/h/live",
        "http://h/live/cam1",
        "rtmp:///live/cam1",
        "rtmp://h/",
        "rtmp://h/live//cam1",
        "rtmp://h/live/../cam1",
        "rtmp://h/live/cam1?username=a&username=b",
        "rtmp://h/live/cam1?token=",
        "rtmp://h/live/%FF/cam1",
        "rtmp://h/live/cam1?password=%C3",
        "rtmp://h/live/cam 1",
        "rtmp://h/live/cam1\n",
        long.as_str(),
    ];
    for url in cases {
        assert_eq!(
            err(rtmp(url, Action::Subscribe)).reason,
            MalformedCredentials,
            "{url:?}"
        );
    }
    // The token limit applies to the token, within the URL limit.
    assert!(huge_token.len() > MAX_URL_LEN);
    let token_only = format!("rtmp://h/l/c?token={}", "a".repeat(MAX_TOKEN_LEN + 1));
    assert_eq!(
        err(rtmp(&token_only, Action::Publish)).reason,
        MalformedCredentials
    );
}

#[test]
fn rtsp_userinfo_query_and_header() {
    let req = ok(rtsp(
        "rtsp://alice:s%3Acret@h:8554/live/cam1",
        Action::Subscribe,
        None,
    ));
    assert_eq!(creds(&req), (Some("alice"), Some("s:cret"), None));

    let req = ok(rtsp(
        "rtsp://h/live/cam1",
        Action::Publish,
        Some("Basic YWxpY2U6czNjcmV0"),
    ));
    assert_eq!(creds(&req), (Some("alice"), Some("s3cret"), None));

    let req = ok(rtsp(
        "rtsps://h/live/cam1",
        Action::Publish,
        Some("bearer  abc.def.ghi "),
    ));
    assert_eq!(creds(&req), (None, None, Some("abc.def.ghi")));

    let req = ok(rtsp(
        "rtsp://h/live/cam1?token=abc",
        Action::Subscribe,
        None,
    ));
    assert_eq!(creds(&req), (None, None, Some("abc")));

    for (url, header) in [
        ("rtsp://a:b@h/live/cam1", Some("Basic YWxpY2U6czNjcmV0")),
        (
            "rtsp://h/live/cam1",
            Some("Digest username=\"a\", nonce=\"n\""),
        ),
        ("rtsp://h/live/cam1", Some("Basic !!!notbase64")),
        ("rtsp://h/live/cam1", Some("Basic bm9jb2xvbg==")),
        ("rtsp://h/live/cam1", Some("Bearer")),
        ("rtsp://h/live/cam1", Some("")),
        ("rtsp://h/live/cam1?token=a", Some("Bearer b")),
        ("rtmp://h/live/cam1", None),
    ] {
        assert_eq!(
            err(rtsp(url, Action::Subscribe, header)).reason,
            MalformedCredentials,
            "{url} {header:?}"
        );
    }
}

#[test]
fn unknown_scheme_detail_does_not_echo_a_bare_token() {
    let d = err(rtsp(
        "rtsp://h/live/cam1",
        Action::Subscribe,
        Some("eyJhbGciOi.secretpart.sig"),
    ));
    assert!(!d.detail.contains("secretpart"), "{}", d.detail);
    // A bare password or key made of letters only looks like a scheme name, but is not one.
    for bare in ["letmein", "Hunter", "swordfish abc"] {
        let d = err(rtsp("rtsp://h/live/cam1", Action::Subscribe, Some(bare)));
        assert_eq!(d.reason, MalformedCredentials);
        let word = bare.split(' ').next().unwrap_or(bare);
        assert!(!d.detail.contains(word), "{}", d.detail);
    }
    let d = err(rtsp(
        "rtsp://h/live/cam1",
        Action::Subscribe,
        Some("Negotiate abc"),
    ));
    assert!(d.detail.contains("Negotiate"), "{}", d.detail);
}

#[test]
fn whip_whep_paths_and_bearer() {
    let cases = [
        (
            Transport::Whip,
            "http://h:8889/live/room1/cam1/whip",
            "live/room1/cam1",
            Action::Publish,
        ),
        (
            Transport::Whep,
            "https://h/live/cam1/whep/",
            "live/cam1",
            Action::Subscribe,
        ),
        (
            Transport::Whip,
            "https://h/live/whip/endpoint/cam1?requestId=1",
            "live/cam1",
            Action::Publish,
        ),
        (
            Transport::Whep,
            "https://h/live/room2/cam1",
            "live/room2/cam1",
            Action::Subscribe,
        ),
    ];
    for (transport, url, path, action) in cases {
        let req = ok(whip_whep(transport, url, Some("Bearer tok")));
        assert_eq!((req.path.as_str(), req.action), (path, action), "{url}");
        assert_eq!(creds(&req), (None, None, Some("tok")));
    }
    let req = ok(whip_whep(Transport::Whep, "http://h/live/cam1/whep", None));
    assert!(req.credentials.is_empty());
    assert_eq!(
        err(whip_whep(Transport::Whip, "rtmp://h/live/cam1", None)).reason,
        MalformedCredentials
    );
}

#[test]
fn parse_checks_action_against_the_transport() {
    let connect = ClientConnect {
        transport: Transport::Whip,
        action: Some(Action::Subscribe),
        url: Some("http://h/live/cam1/whip"),
        authorization: None,
        streamid: None,
    };
    assert_eq!(err(parse(&connect)).reason, MalformedCredentials);
    let rtmp_without_action = ClientConnect {
        transport: Transport::Rtmp,
        action: None,
        url: Some("rtmp://h/live/cam1"),
        ..connect
    };
    assert_eq!(
        err(parse(&rtmp_without_action)).reason,
        MalformedCredentials
    );
    let srt_mismatch = ClientConnect {
        transport: Transport::Srt,
        action: Some(Action::Subscribe),
        url: None,
        authorization: None,
        streamid: Some("publish:live/cam1"),
    };
    assert_eq!(err(parse(&srt_mismatch)).reason, MalformedCredentials);
    let srt_ok = ClientConnect {
        action: Some(Action::Publish),
        ..srt_mismatch
    };
    assert_eq!(ok(parse(&srt_ok)).action, Action::Publish);
}

#[test]
fn srt_access_control_form() {
    let req = ok(srt("#!::r=live/room1/cam1,m=publish,u=alice,p=s3cret"));
    assert_eq!(
        (req.action, req.path.as_str()),
        (Action::Publish, "live/room1/cam1")
    );
    assert_eq!(creds(&req), (Some("alice"), Some("s3cret"), None));

    let req = ok(srt(
        "#!::u=bob,r=live/cam1,s=abc.def.ghi,h=example.test,t=stream,x=ignored",
    ));
    assert_eq!(req.action, Action::Subscribe, "mode defaults to request");
    assert_eq!(creds(&req), (Some("bob"), None, Some("abc.def.ghi")));

    assert!(ok(srt("#!::r=live/cam1,m=request")).credentials.is_empty());

    for id in [
        "#!::m=publish",
        "#!::r=live/cam1,m=bidirectional",
        "#!::r=live/cam1,m=shout",
        "#!::r=live/cam1,t=file",
        "#!::r=live/cam1,r=live/cam2",
        "#!::r=live/cam1,u=a,u=b",
        "#!::r=live/cam1,garbage",
        "#!::r=,m=publish",
    ] {
        assert_eq!(err(srt(id)).reason, MalformedCredentials, "{id}");
    }
}

#[test]
fn srt_mediamtx_form() {
    let req = ok(srt("publish:live/room1/cam1:alice:s3cret"));
    assert_eq!(
        (req.action, req.path.as_str()),
        (Action::Publish, "live/room1/cam1")
    );
    assert_eq!(creds(&req), (Some("alice"), Some("s3cret"), None));

    let req = ok(srt("read:live/cam1"));
    assert_eq!(req.action, Action::Subscribe);
    assert!(req.credentials.is_empty());

    let req = ok(srt("read:live/cam1:jwt=abc.def.ghi"));
    assert_eq!(creds(&req), (None, None, Some("abc.def.ghi")));

    let req = ok(srt("read:live/cam1:any:eyJ.tok.en:x=1"));
    assert_eq!(creds(&req), (Some("any"), Some("eyJ.tok.en"), None));

    for id in [
        "",
        "publish",
        "play:live/cam1",
        "publish::u:p",
        "publish:live/cam1:a:b:c:d",
        &"x".repeat(MAX_STREAMID_LEN + 1),
    ] {
        assert_eq!(err(srt(id)).reason, MalformedCredentials, "{id}");
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A deterministic sweep of hostile inputs: every parser must return, never panic.
    let alphabet = [
        "%", "%F", "%FF", ":", "@", "/", "?", "&", "=", "#", "#!::", ",", "+", "é", "\0", "..",
        "rtmp://", "a",
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..5_000 {
        let mut s = String::new();
        for _ in 0..(state % 12) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            s.push_str(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        let _ = rtmp(&s, Action::Publish);
        let _ = rtmp(&format!("rtmp://h/{s}"), Action::Publish);
        let _ = rtsp(&format!("rtsp://{s}@h/l/c"), Action::Publish, Some(&s));
        let _ = whip_whep(Transport::Whip, &format!("http://h/{s}/whip"), Some(&s));
        let _ = srt(&s);
        let _ = srt(&format!("#!::{s}"));
        let _ = authorization(&format!("Basic {s}"));
    }
}

/// The deny for `r`, after checking it is `malformed_credentials` and does not quote `secret`.
fn refused_without(r: Result<AuthRequest, Deny>, secret: &str) -> Deny {
    let d = err(r);
    assert_eq!(d.reason, MalformedCredentials, "{}", d.detail);
    assert!(
        !d.detail.contains(secret),
        "`{secret}` is quoted in: {}",
        d.detail
    );
    d
}

#[test]
fn a_password_in_place_of_the_scheme_is_not_quoted() {
    // `user:pass@` typed before the scheme: split at `://`, the "scheme" is the credentials.
    let d = refused_without(
        rtmp("alice:alice-pw@rtmp://h/live/cam1", Action::Publish),
        "alice-pw",
    );
    assert!(!d.detail.contains("alice"), "{}", d.detail);
    for url in ["hunter2://h/live/cam1", "Hunter2x://h/live/cam1"] {
        refused_without(rtsp(url, Action::Publish, None), "unter2");
    }
    refused_without(
        whip_whep(Transport::Whip, "hunter2://h/live/cam1/whip", None),
        "unter2",
    );
}

#[test]
fn an_unknown_mediamtx_streamid_action_is_not_quoted() {
    // A streamid that starts with the password, say because the fields were swapped.
    refused_without(srt("pw-hunter2:live/cam1:alice"), "hunter2");
    refused_without(srt("hunter2"), "hunter2");
}

#[test]
fn srt_mode_and_type_values_are_not_quoted() {
    // A password holding `,m=` puts its tail where the mode goes.
    refused_without(srt("#!::r=live/cam1,u=alice,p=abc,m=hunter2xyz"), "hunter2");
    refused_without(srt("#!::r=live/cam1,u=alice,p=abc,t=hunter2xyz"), "hunter2");
    refused_without(srt("#!::r=live/cam1,m=s3cr3t-tail"), "s3cr3t");
}

#[test]
fn a_repeated_srt_key_is_refused() {
    // The last `m=` used to win while a server reading the first sees another action.
    for id in [
        "#!::r=live/cam1,m=request,m=publish,u=bob,p=pw",
        "#!::r=live/cam1,m=publish,m=publish",
        "#!::r=live/cam1,t=stream,t=stream",
        "#!::r=live/cam1,h=a.example,h=b.example",
        "#!::r=live/cam1,x=1,x=2",
        "#!::r=live/cam1,s=a.b.c,s=a.b.c",
        "#!::r=live/cam1,p=a,p=a",
    ] {
        let d = refused_without(srt(id), "pw");
        assert!(d.detail.contains("more than once"), "{id}: {}", d.detail);
    }
    // Different keys are still fine.
    let req = ok(srt("#!::r=live/cam1,m=publish,u=bob,p=pw,h=a.example,x=1"));
    assert_eq!(req.action, Action::Publish);
}
