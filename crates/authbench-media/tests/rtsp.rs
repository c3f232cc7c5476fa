//! The RTSP probe against a server double written here (TCP on loopback: Basic and Digest
//! challenges, 403, 404, stall, garbage, a 10 MB reply) and, with the `probe-servers` feature,
//! against GStreamer's RTSP server with Basic authentication.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Decision, DenyReason, StreamPath, Transport,
};
use authbench_media::{MediaAuthenticator, MediaConfig, Present};
use base64::Engine as _;
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Generous: a bound on waiting, never a pass/fail criterion.
const WAIT: Duration = Duration::from_secs(10);
const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n";

fn request(action: Action, credentials: Credentials) -> AuthRequest {
    AuthRequest::new(
        action,
        Transport::Rtsp,
        StreamPath::new("live/room1/cam1").expect("path"),
        credentials,
    )
}

fn alice() -> Credentials {
    Credentials::user_password("alice", "s3cret")
}

fn probe(addr: SocketAddr, present: Present, timeout: Duration) -> MediaAuthenticator {
    MediaAuthenticator::new(
        MediaConfig::new(present)
            .with_rtsp(format!("rtsp://{addr}"))
            .with_timeout(timeout),
    )
    .expect("config")
}

/// The decision, once the session has closed (as runners wait for it).
async fn ask(addr: SocketAddr, present: Present, req: &AuthRequest) -> Decision {
    let probe = probe(addr, present, Duration::from_secs(5));
    let decision = probe.authenticate(req).await;
    probe.settle().await;
    decision
}

fn deny(decision: &Decision) -> (DenyReason, &str) {
    match decision {
        Decision::Deny(d) => (d.reason, d.detail.as_str()),
        Decision::Allow(a) => panic!("expected a deny, got an allow for {}", a.principal),
    }
}

/// What the double does with one request.
enum Reply {
    Send(String),
    Bytes(Vec<u8>),
    /// Sends the reply, then closes the connection.
    SendAndClose(String),
    /// Never answers (the connection stays open).
    Stall,
    Close,
}

/// One request as the double read it.
#[derive(Debug, Clone)]
struct Seen {
    connection: usize,
    head: String,
    body: String,
}

impl Seen {
    fn line(&self) -> &str {
        self.head.lines().next().unwrap_or_default()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    fn cseq(&self) -> &str {
        self.header("CSeq").unwrap_or("0")
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;
type Log = Arc<Mutex<Vec<Seen>>>;

/// The server double on 127.0.0.1, port 0: every request is recorded and answered by `handler`.
async fn server(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> (SocketAddr, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let log: Log = Arc::default();
    let handler: Arc<Handler> = Arc::new(handler);
    let seen = Arc::clone(&log);
    tokio::spawn(async move {
        let mut connection = 0;
        while let Ok((stream, _)) = listener.accept().await {
            connection += 1;
            tokio::spawn(serve(
                stream,
                connection,
                Arc::clone(&handler),
                Arc::clone(&seen),
            ));
        }
    });
    (addr, log)
}

async fn serve(mut stream: TcpStream, connection: usize, handler: Arc<Handler>, log: Log) {
    let mut buf = Vec::new();
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let mut seen = Seen {
            connection,
            head,
            body: String::new(),
        };
        let body_len: usize = seen
            .header("Content-Length")
            .map_or(0, |v| v.parse().expect("content-length"));
        while buf.len() < end + 4 + body_len {
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        seen.body = String::from_utf8_lossy(&buf[end + 4..end + 4 + body_len]).into_owned();
        buf.drain(..end + 4 + body_len);
        log.lock().expect("log").push(seen.clone());
        match handler(&seen) {
            Reply::Send(text) => {
                if stream.write_all(text.as_bytes()).await.is_err() {
                    return;
                }
            }
            Reply::Bytes(bytes) => {
                // The probe stops reading and closes: a write error ends this connection.
                let _ = stream.write_all(&bytes).await;
                return;
            }
            Reply::SendAndClose(text) => {
                let _ = stream.write_all(text.as_bytes()).await;
                return;
            }
            Reply::Stall => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Reply::Close => return,
        }
    }
}

fn reply(seen: &Seen, status: &str, headers: &[&str]) -> String {
    let mut text = format!("RTSP/1.0 {status}\r\nCSeq: {}\r\n", seen.cseq());
    for h in headers {
        text.push_str(h);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text
}

fn ok_with_sdp(seen: &Seen, extra: &[&str]) -> String {
    let mut text = format!(
        "RTSP/1.0 200 OK\r\nCSeq: {}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n",
        seen.cseq(),
        SDP.len()
    );
    for h in extra {
        text.push_str(h);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.push_str(SDP);
    text
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

const BASIC_CHALLENGE: &str = "WWW-Authenticate: Basic realm=\"test\"";

/// Answers 200 to the given Basic credentials and 401 with a Basic challenge to anything else.
fn basic_server(user: &'static str, password: &'static str) -> impl Fn(&Seen) -> Reply {
    move |seen| {
        if seen.header("Authorization") == Some(basic(user, password).as_str()) {
            Reply::Send(ok_with_sdp(seen, &[]))
        } else {
            Reply::Send(reply(seen, "401 Unauthorized", &[BASIC_CHALLENGE]))
        }
    }
}

async fn requests(log: &Log, at_least: usize) -> Vec<Seen> {
    let give_up = tokio::time::Instant::now() + WAIT;
    loop {
        let now = log.lock().expect("log").clone();
        if now.len() >= at_least || tokio::time::Instant::now() >= give_up {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_basic_challenge_is_answered_with_the_users_credentials() {
    let (addr, log) = server(basic_server("alice", "s3cret")).await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(decision.principal(), Some("alice"), "{decision:?}");
    let seen = requests(&log, 2).await;
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].line(),
        format!("DESCRIBE rtsp://{addr}/live/room1/cam1 RTSP/1.0")
    );
    assert_eq!(seen[0].header("Accept"), Some("application/sdp"));
    assert_eq!(
        seen[0].header("Authorization"),
        None,
        "no credentials unasked"
    );
    assert_eq!(seen[1].line(), seen[0].line());
    assert_eq!((seen[0].cseq(), seen[1].cseq()), ("1", "2"));
    assert_eq!(
        seen[1].header("Authorization"),
        Some(basic("alice", "s3cret").as_str())
    );
    assert_eq!(seen[1].connection, seen[0].connection, "same connection");
}

/// A Digest server (RFC 2617, MD5): checks the answer's response against its own computation.
fn digest_server(qop: bool) -> impl Fn(&Seen) -> Reply {
    move |seen| {
        let challenge = if qop {
            "WWW-Authenticate: Digest realm=\"media\", nonce=\"n0nce\", qop=\"auth\", opaque=\"op\", algorithm=MD5"
        } else {
            "WWW-Authenticate: Digest realm=\"media\", nonce=\"n0nce\""
        };
        let unauthorized = || {
            Reply::Send(reply(
                seen,
                "401 Unauthorized",
                &[BASIC_CHALLENGE, challenge],
            ))
        };
        let Some(auth) = seen
            .header("Authorization")
            .and_then(|a| a.strip_prefix("Digest "))
        else {
            return unauthorized();
        };
        let param = |name: &str| -> Option<String> {
            auth.split(", ").find_map(|p| {
                let (n, v) = p.split_once('=')?;
                (n == name).then(|| v.trim_matches('"').to_owned())
            })
        };
        let hex = |s: String| -> String {
            Md5::digest(s.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        let method = seen.line().split(' ').next().unwrap_or_default().to_owned();
        let uri = param("uri").unwrap_or_default();
        assert_eq!(uri, seen.line().split(' ').nth(1).unwrap_or_default());
        let ha1 = hex(format!(
            "{}:media:s3cret",
            param("username").unwrap_or_default()
        ));
        let ha2 = hex(format!("{method}:{uri}"));
        let expected = if qop {
            assert_eq!(param("qop").as_deref(), Some("auth"));
            assert_eq!(param("opaque").as_deref(), Some("op"));
            hex(format!(
                "{ha1}:n0nce:{}:{}:auth:{ha2}",
                param("nc").unwrap_or_default(),
                param("cnonce").unwrap_or_default()
            ))
        } else {
            assert_eq!(param("qop"), None);
            hex(format!("{ha1}:n0nce:{ha2}"))
        };
        if param("response") == Some(expected) && param("username").as_deref() == Some("alice") {
            Reply::Send(reply(seen, "200 OK", &[]))
        } else {
            unauthorized()
        }
    }
}

#[tokio::test]
async fn digest_is_preferred_over_basic_and_answered_per_rfc_2617() {
    for qop in [true, false] {
        let (addr, log) = server(digest_server(qop)).await;
        let decision = ask(addr, Present::Password, &request(Action::Publish, alice())).await;
        assert_eq!(
            decision.principal(),
            Some("alice"),
            "qop {qop}: {decision:?}"
        );
        let seen = requests(&log, 2).await;
        assert_eq!(
            seen[0].line(),
            format!("ANNOUNCE rtsp://{addr}/live/room1/cam1 RTSP/1.0")
        );
        assert_eq!(seen[0].header("Content-Type"), Some("application/sdp"));
        assert!(seen[0].body.starts_with("v=0\r\n"), "{}", seen[0].body);
        assert!(seen[0].body.contains("m=video 0 RTP/AVP 96\r\n"));
        assert!(
            seen[1]
                .header("Authorization")
                .is_some_and(|a| a.starts_with("Digest username=\"alice\", realm=\"media\"")),
            "{:?}",
            seen[1].header("Authorization")
        );
    }
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_second_status_line() {
    let (addr, _log) = server(basic_server("alice", "s3cret")).await;
    let req = request(
        Action::Subscribe,
        Credentials::user_password("alice", "wrong"),
    );
    let decision = ask(addr, Present::Password, &req).await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::ServerRefused,
            "RTSP/1.0 401 Unauthorized (after answering the Basic challenge)"
        )
    );
}

#[tokio::test]
async fn a_403_is_refused_with_its_status_line() {
    // After answering a challenge.
    let (addr, _log) = server(|seen: &Seen| match seen.header("Authorization") {
        None => Reply::Send(reply(seen, "401 Unauthorized", &[BASIC_CHALLENGE])),
        Some(_) => Reply::Send(reply(seen, "403 Forbidden", &[])),
    })
    .await;
    let decision = ask(addr, Present::Password, &request(Action::Publish, alice())).await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::ServerRefused,
            "RTSP/1.0 403 Forbidden (after answering the Basic challenge)"
        )
    );
    // Straight away.
    let (addr, _log) = server(|seen: &Seen| Reply::Send(reply(seen, "403 Forbidden", &[]))).await;
    let decision = ask(addr, Present::Password, &request(Action::Publish, alice())).await;
    assert_eq!(
        deny(&decision),
        (DenyReason::ServerRefused, "RTSP/1.0 403 Forbidden")
    );
}

#[tokio::test]
async fn a_missing_stream_is_the_server_refusing_the_session() {
    let (addr, _log) = server(|seen: &Seen| Reply::Send(reply(seen, "404 Not Found", &[]))).await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::ServerRefused,
            "RTSP/1.0 404 Not Found: the server refused the session (it has no stream at this path)"
        )
    );
    // Any other status: refused with the status.
    let (addr, _log) =
        server(|seen: &Seen| Reply::Send(reply(seen, "503 Service Unavailable", &[]))).await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::ServerRefused,
            "RTSP/1.0 503 Service Unavailable"
        )
    );
}

#[tokio::test]
async fn a_challenge_with_nothing_to_answer_is_refused() {
    let (addr, log) = server(basic_server("alice", "s3cret")).await;
    let req = request(Action::Subscribe, Credentials::none());
    let decision = ask(addr, Present::Password, &req).await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::ServerRefused,
            "RTSP/1.0 401 Unauthorized: the request has no password to answer the challenge with"
        )
    );
    assert_eq!(requests(&log, 1).await.len(), 1);
}

#[tokio::test]
async fn a_challenge_in_a_scheme_the_probe_does_not_speak_is_a_protocol_error() {
    let (addr, _log) = server(|seen: &Seen| {
        Reply::Send(reply(
            seen,
            "401 Unauthorized",
            &[
                "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256",
                "WWW-Authenticate: Bearer",
            ],
        ))
    })
    .await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendProtocolError,
            "the server's challenge offers only Digest (SHA-256), Bearer, which the probe does not answer (it speaks Basic and Digest MD5 with qop auth)"
        )
    );
}

#[tokio::test]
async fn a_token_goes_in_the_url_and_answers_a_challenge_as_the_password() {
    let (addr, log) = server(basic_server("token", "tok/en+1")).await;
    let req = request(Action::Subscribe, Credentials::token("tok/en+1"));
    let decision = ask(addr, Present::Token, &req).await;
    assert_eq!(decision.principal(), Some("anonymous"), "{decision:?}");
    let seen = requests(&log, 2).await;
    assert_eq!(
        seen[0].line(),
        format!("DESCRIBE rtsp://{addr}/live/room1/cam1?token=tok%2Fen%2B1 RTSP/1.0")
    );
    // What a server reading the URL with authbench's own connect parsing gets back.
    let url = seen[0].line().split(' ').nth(1).expect("uri");
    let parsed = authbench_core::connect::parse(&authbench_core::connect::ClientConnect {
        transport: Transport::Rtsp,
        action: Some(Action::Subscribe),
        url: Some(url),
        authorization: None,
        streamid: None,
    })
    .expect("parses");
    assert_eq!(parsed, req);
}

#[tokio::test]
async fn the_token_goes_in_the_url_under_the_configured_name() {
    let (addr, log) = server(basic_server("token", "eyJ.t")).await;
    let names = authbench_media::QueryNames {
        token: "jwt".into(),
        ..Default::default()
    };
    let probe = MediaAuthenticator::new(
        MediaConfig::new(Present::Token)
            .with_rtsp(format!("rtsp://{addr}"))
            .with_query_names(names),
    )
    .expect("config");
    let req = request(Action::Subscribe, Credentials::token("eyJ.t"));
    assert!(probe.authenticate(&req).await.is_allow());
    probe.settle().await;
    let seen = requests(&log, 2).await;
    assert_eq!(
        seen[0].line(),
        format!("DESCRIBE rtsp://{addr}/live/room1/cam1?jwt=eyJ.t RTSP/1.0")
    );
}

#[tokio::test]
async fn teardown_follows_an_allow_that_opened_a_session() {
    let (addr, log) = server(|seen: &Seen| {
        if seen.line().starts_with("TEARDOWN") {
            Reply::Send(reply(seen, "200 OK", &[]))
        } else {
            Reply::Send(ok_with_sdp(seen, &["Session: 12345678;timeout=60"]))
        }
    })
    .await;
    let decision = ask(addr, Present::Password, &request(Action::Publish, alice())).await;
    // Never challenged, so the password never went out: nobody was checked.
    assert_eq!(decision.principal(), Some("anonymous"), "{decision:?}");
    let seen = requests(&log, 2).await;
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].header("Authorization"), None);
    assert_eq!(
        seen[1].line(),
        format!("TEARDOWN rtsp://{addr}/live/room1/cam1 RTSP/1.0")
    );
    assert_eq!(seen[1].header("Session"), Some("12345678"));
}

#[tokio::test]
async fn teardown_after_a_challenge_carries_the_same_credentials() {
    let (addr, log) = server(|seen: &Seen| {
        match (
            seen.line().starts_with("TEARDOWN"),
            seen.header("Authorization"),
        ) {
            (_, None) => Reply::Send(reply(seen, "401 Unauthorized", &[BASIC_CHALLENGE])),
            (true, Some(_)) => Reply::Send(reply(seen, "200 OK", &[])),
            (false, Some(_)) => Reply::Send(reply(seen, "200 OK", &["Session: abc"])),
        }
    })
    .await;
    let decision = ask(addr, Present::Password, &request(Action::Publish, alice())).await;
    assert_eq!(decision.principal(), Some("alice"), "{decision:?}");
    let seen = requests(&log, 3).await;
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen[2].line().starts_with("TEARDOWN "),
        "{}",
        seen[2].line()
    );
    assert_eq!(seen[2].header("Session"), Some("abc"));
    assert_eq!(seen[2].cseq(), "3");
    assert_eq!(
        seen[2].header("Authorization"),
        Some(basic("alice", "s3cret").as_str())
    );
}

#[tokio::test]
async fn a_server_that_closes_after_the_challenge_is_answered_on_a_new_connection() {
    let (addr, log) = server(|seen: &Seen| match seen.header("Authorization") {
        None => Reply::SendAndClose(reply(
            seen,
            "401 Unauthorized",
            &[BASIC_CHALLENGE, "Connection: close"],
        )),
        Some(_) => Reply::Send(reply(seen, "200 OK", &[])),
    })
    .await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(decision.principal(), Some("alice"), "{decision:?}");
    let seen = requests(&log, 2).await;
    assert_eq!((seen[0].connection, seen[1].connection), (1, 2));
}

#[tokio::test]
async fn a_secret_the_server_echoes_never_reaches_the_detail() {
    let (addr, _log) = server(|seen: &Seen| match seen.header("Authorization") {
        None => Reply::Send(reply(seen, "401 Unauthorized", &[BASIC_CHALLENGE])),
        Some(_) => Reply::Send(reply(seen, "403 Forbidden for s3cret", &[])),
    })
    .await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::ServerRefused,
            "RTSP/1.0 403 Forbidden for [redacted] (after answering the Basic challenge)"
        )
    );
}

#[tokio::test]
async fn a_server_closing_without_an_answer_is_refused() {
    let (addr, _log) = server(|_: &Seen| Reply::Close).await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::ServerRefused,
            "the server closed the connection without answering DESCRIBE"
        )
    );
}

#[tokio::test]
async fn a_stalled_server_is_a_timeout() {
    let (addr, _log) = server(|_: &Seen| Reply::Stall).await;
    let decision = probe(addr, Present::Password, Duration::from_millis(500))
        .authenticate(&request(Action::Subscribe, alice()))
        .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendTimeout,
            format!("no RTSP answer to DESCRIBE from {addr} within 500ms").as_str()
        )
    );
}

#[tokio::test]
async fn garbage_is_a_protocol_error() {
    let (addr, _log) =
        server(|_: &Seen| Reply::Send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into())).await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendProtocolError,
            "the reply is not RTSP (status line `HTTP/1.1 200 OK`) (answer to DESCRIBE)"
        )
    );
    // A secret the garbage happens to echo is not repeated.
    let (addr, _log) = server(|_: &Seen| Reply::Send("ICY s3cret\r\n\r\n".into())).await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendProtocolError,
            "the reply is not RTSP (status line `ICY [redacted]`) (answer to DESCRIBE)"
        )
    );
    let (addr, _log) = server(|_: &Seen| Reply::Bytes(vec![0x16, 0x03, 0x01, 0x00, 0xff])).await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendProtocolError,
            "the server closed the connection in the middle of a reply (answer to DESCRIBE)"
        )
    );
}

#[tokio::test]
async fn a_10_mb_reply_is_a_protocol_error() {
    const TEN_MB: usize = 10 * 1024 * 1024;
    // Headers that never end.
    let (addr, _log) = server(|_: &Seen| {
        let mut bytes = b"RTSP/1.0 200 OK\r\nX-Padding: ".to_vec();
        bytes.resize(TEN_MB, b'a');
        Reply::Bytes(bytes)
    })
    .await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendProtocolError,
            "the reply's header block is longer than 16384 bytes (answer to DESCRIBE)"
        )
    );
    // A 10 MB body.
    let (addr, _log) = server(|seen: &Seen| {
        let mut bytes = format!(
            "RTSP/1.0 200 OK\r\nCSeq: {}\r\nContent-Length: {TEN_MB}\r\n\r\n",
            seen.cseq()
        )
        .into_bytes();
        bytes.resize(bytes.len() + TEN_MB, b'v');
        Reply::Bytes(bytes)
    })
    .await;
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendProtocolError,
            "the reply's body (10485760 bytes) is longer than 65536 bytes (answer to DESCRIBE)"
        )
    );
}

#[tokio::test]
async fn a_refused_connection_is_backend_unavailable() {
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        l.local_addr().expect("addr")
    };
    let decision = ask(
        addr,
        Present::Password,
        &request(Action::Subscribe, alice()),
    )
    .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendUnavailable,
            format!("nothing listens at {addr} (connection refused)").as_str()
        )
    );
}

/// GStreamer's RTSP server (gst-rtsp-server through Python) with Basic authentication.
#[cfg(feature = "probe-servers")]
mod gstreamer {
    use super::*;
    use std::process::Stdio;
    use tokio::io::{AsyncBufReadExt, BufReader};
    use tokio::process::{Child, Command};

    const INSTALL: &str = "scripts/install-probe-servers.sh";
    /// Debian's interpreter, where python3-gi is installed (a python3 earlier on PATH may not
    /// see it).
    const PYTHON: &str = "/usr/bin/python3";

    /// Starts the server script; its stdin stays open while the child lives (it exits on EOF).
    async fn gst_server() -> (SocketAddr, Child) {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/gst_rtsp_server.py"
        );
        let mut child = Command::new(PYTHON)
            .arg(script)
            .args(["alice", "s3cret", "/live/room1/cam1", "/live/room1/rec1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{PYTHON} does not start ({e}): run {INSTALL}"));
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(WAIT, lines.next_line()).await;
        let port = match line {
            Ok(Ok(Some(line))) => line
                .strip_prefix("PORT ")
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or_else(|| panic!("unexpected first line `{line}`")),
            _ => {
                let mut err = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = tokio::time::timeout(WAIT, stderr.read_to_string(&mut err)).await;
                }
                panic!(
                    "GStreamer's RTSP server did not start (is it installed? run {INSTALL}):\n{err}"
                );
            }
        };
        (([127, 0, 0, 1], port).into(), child)
    }

    #[tokio::test]
    async fn gstreamer_rtsp_server_with_basic_auth_decides_as_configured() {
        let (addr, mut child) = gst_server().await;

        let subscribe = ask(
            addr,
            Present::Password,
            &request(Action::Subscribe, alice()),
        )
        .await;
        assert_eq!(subscribe.principal(), Some("alice"), "{subscribe:?}");

        let wrong = request(
            Action::Subscribe,
            Credentials::user_password("alice", "wrong"),
        );
        assert_eq!(
            deny(&ask(addr, Present::Password, &wrong).await),
            (
                DenyReason::ServerRefused,
                "RTSP/1.0 401 Unauthorized (after answering the Basic challenge)"
            )
        );

        let none = request(Action::Subscribe, Credentials::none());
        assert_eq!(
            deny(&ask(addr, Present::Password, &none).await),
            (
                DenyReason::ServerRefused,
                "RTSP/1.0 401 Unauthorized: the request has no password to answer the challenge with"
            )
        );

        let publish = AuthRequest::new(
            Action::Publish,
            Transport::Rtsp,
            StreamPath::new("live/room1/rec1").expect("path"),
            alice(),
        );
        let published = ask(addr, Present::Password, &publish).await;
        assert_eq!(published.principal(), Some("alice"), "{published:?}");

        let missing = AuthRequest::new(
            Action::Subscribe,
            Transport::Rtsp,
            StreamPath::new("live/room1/nothing").expect("path"),
            alice(),
        );
        assert_eq!(
            deny(&ask(addr, Present::Password, &missing).await),
            (
                DenyReason::ServerRefused,
                "RTSP/1.0 404 Not Found: the server refused the session (it has no stream at this path)"
            )
        );
        let _ = child.kill().await;
    }
}

#[tokio::test]
async fn a_token_echoed_across_the_shown_status_line_is_redacted_before_the_cut() {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let token: String = (0..100)
        .map(|i| char::from(ALPHABET[(i * 7 + 3) % ALPHABET.len()]))
        .collect();
    // Not RTSP, and the token starts well before the 64 characters of the line that are shown.
    let line = format!("ICY {} {token}\r\n\r\n", "x".repeat(30));
    let (addr, _log) = server(move |_: &Seen| Reply::Send(line.clone())).await;
    let decision = ask(
        addr,
        Present::Token,
        &request(Action::Subscribe, Credentials::token(token.as_str())),
    )
    .await;
    let (reason, detail) = deny(&decision);
    assert_eq!(reason, DenyReason::BackendProtocolError);
    let chars: Vec<char> = token.chars().collect();
    for piece in chars.windows(20).map(|w| w.iter().collect::<String>()) {
        assert!(!detail.contains(piece.as_str()), "{piece} in {detail}");
    }
    assert_eq!(
        detail,
        format!(
            "the reply is not RTSP (status line `ICY {} [redacted]`) (answer to DESCRIBE)",
            "x".repeat(30)
        )
    );
}
