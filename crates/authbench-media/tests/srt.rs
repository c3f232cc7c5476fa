//! The SRT probe against a listener double written here (UDP on loopback: accept, reject with a
//! code, stall, garbage) and, with the `probe-servers` feature, against `srt-live-transmit` as a
//! real listener for the accepted path.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use authbench_core::connect;
use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Decision, DenyReason, StreamPath, Transport,
};
use authbench_media::{MediaAuthenticator, MediaConfig, Present, StreamidKeys};
use tokio::net::UdpSocket;

/// The listener double's socket id for the accepted connection.
const LISTENER_SOCKET: u32 = 0x0BAD_CAFE;
const COOKIE: u32 = 0x1234_5678;
/// Generous: a bound on waiting, never a pass/fail criterion.
const WAIT: Duration = Duration::from_secs(10);

fn request(action: Action, credentials: Credentials) -> AuthRequest {
    AuthRequest::new(
        action,
        Transport::Srt,
        StreamPath::new("live/room1/cam1").expect("path"),
        credentials,
    )
}

fn probe(addr: SocketAddr, present: Present, timeout: Duration) -> MediaAuthenticator {
    MediaAuthenticator::new(
        MediaConfig::new(present)
            .with_srt(format!("srt://{addr}"))
            .with_timeout(timeout),
    )
    .expect("config")
}

fn deny(decision: &Decision) -> (DenyReason, &str) {
    match decision {
        Decision::Deny(d) => (d.reason, d.detail.as_str()),
        Decision::Allow(a) => panic!("expected a deny, got an allow for {}", a.principal),
    }
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// What the caller sent in a handshake.
#[derive(Debug, Clone)]
struct Seen {
    destination: u32,
    version: u32,
    type_field: u32,
    request_type: u32,
    socket_id: u32,
    cookie: u32,
    /// The streamid decoded from the SID extension (conclusion only).
    streamid: Option<String>,
}

fn parse_seen(p: &[u8]) -> Option<Seen> {
    if p.len() < 64 || be32(p, 0) != 0x8000_0000 {
        return None;
    }
    let mut streamid = None;
    let mut at = 64;
    while at + 4 <= p.len() {
        let ext_type = u16::from_be_bytes([p[at], p[at + 1]]);
        let words = u16::from_be_bytes([p[at + 2], p[at + 3]]) as usize;
        let content = p.get(at + 4..at + 4 + words * 4)?;
        if ext_type == 5 {
            let mut bytes: Vec<u8> = content
                .chunks_exact(4)
                .flat_map(|w| w.iter().rev().copied())
                .collect();
            while bytes.last() == Some(&0) {
                bytes.pop();
            }
            streamid = Some(String::from_utf8(bytes).expect("utf-8 streamid"));
        }
        at += 4 + words * 4;
    }
    Some(Seen {
        destination: be32(p, 12),
        version: be32(p, 16),
        type_field: be32(p, 20),
        request_type: be32(p, 36),
        socket_id: be32(p, 40),
        cookie: be32(p, 44),
        streamid,
    })
}

/// A handshake answer from the double.
fn answer(to: u32, version: u32, type_field: u32, request_type: u32, socket: u32) -> Vec<u8> {
    let mut p = Vec::new();
    for w in [0x8000_0000u32, 0, 0, to, version, type_field, 0, 1500, 8192] {
        p.extend_from_slice(&w.to_be_bytes());
    }
    for w in [request_type, socket, COOKIE, 0x0100_007F, 0, 0, 0] {
        p.extend_from_slice(&w.to_be_bytes());
    }
    p
}

/// How the double answers a conclusion.
#[derive(Clone, Copy)]
enum Conclude {
    Accept,
    /// Reject with this handshake request type (1000 + the rejection reason).
    Reject(u32),
}

#[derive(Clone, Copy)]
enum Behaviour {
    Handshake(Conclude),
    /// Never answers.
    Stall,
    /// Answers every datagram with bytes that are not SRT.
    Garbage,
}

#[derive(Default)]
struct Log {
    handshakes: Vec<Seen>,
    shutdowns: Vec<u32>,
}

/// The listener double on 127.0.0.1, port 0.
async fn listener(behaviour: Behaviour) -> (SocketAddr, Arc<Mutex<Log>>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = socket.local_addr().expect("addr");
    let log = Arc::new(Mutex::new(Log::default()));
    let seen = Arc::clone(&log);
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                return;
            };
            let p = &buf[..n];
            if n >= 16 && be32(p, 0) == 0x8005_0000 {
                seen.lock().expect("log").shutdowns.push(be32(p, 12));
                continue;
            }
            let Some(hs) = parse_seen(p) else { continue };
            seen.lock().expect("log").handshakes.push(hs.clone());
            let reply = match (behaviour, hs.request_type) {
                (Behaviour::Stall, _) => continue,
                (Behaviour::Garbage, _) => b"GET / HTTP/1.1\r\n\r\n".to_vec(),
                (Behaviour::Handshake(_), 1) => answer(hs.socket_id, 5, 0x4A17, 1, 0x1111),
                (Behaviour::Handshake(Conclude::Accept), 0xFFFF_FFFF) => {
                    answer(hs.socket_id, 5, 0, 0xFFFF_FFFF, LISTENER_SOCKET)
                }
                (Behaviour::Handshake(Conclude::Reject(code)), 0xFFFF_FFFF) => {
                    answer(hs.socket_id, 5, 0, code, 0)
                }
                _ => continue,
            };
            let _ = socket.send_to(&reply, from).await;
        }
    });
    (addr, log)
}

/// Waits (bounded) until `check` holds for the log.
async fn eventually(log: &Arc<Mutex<Log>>, check: impl Fn(&Log) -> bool) -> bool {
    let give_up = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < give_up {
        if check(&log.lock().expect("log")) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn an_accepted_handshake_allows_carries_the_streamid_and_shuts_down() {
    let (addr, log) = listener(Behaviour::Handshake(Conclude::Accept)).await;
    let req = request(
        Action::Publish,
        Credentials::user_password("alice", "s3cret"),
    );
    let decision = probe(addr, Present::Password, Duration::from_secs(5))
        .authenticate(&req)
        .await;
    assert_eq!(decision.principal(), Some("alice"), "{decision:?}");

    let log_now = log.lock().expect("log").handshakes.clone();
    let induction = log_now
        .iter()
        .find(|h| h.request_type == 1)
        .expect("induction");
    assert_eq!(
        (
            induction.destination,
            induction.version,
            induction.type_field,
            induction.cookie
        ),
        (0, 4, 2, 0)
    );
    let conclusion = log_now
        .iter()
        .find(|h| h.request_type == 0xFFFF_FFFF)
        .expect("conclusion");
    assert_eq!(
        conclusion.destination, 0,
        "a libsrt listener takes requests addressed to 0"
    );
    assert_eq!(conclusion.version, 5);
    assert_eq!(conclusion.cookie, COOKIE);
    assert_eq!(conclusion.socket_id, induction.socket_id);
    // HSREQ | CONFIG, no encryption advertised.
    assert_eq!(conclusion.type_field, 0x0000_0005);
    let streamid = conclusion.streamid.clone().expect("SID extension");
    assert_eq!(streamid, "#!::r=live/room1/cam1,m=publish,u=alice,p=s3cret");
    // What a server reading the streamid with authbench's own connect parsing gets back.
    assert_eq!(connect::srt(&streamid).expect("parses"), req);

    assert!(
        eventually(&log, |l| l.shutdowns == [LISTENER_SOCKET]).await,
        "a shutdown addressed to the listener's socket"
    );
}

#[tokio::test]
async fn a_token_goes_in_the_streamid_as_s_and_round_trips() {
    let (addr, log) = listener(Behaviour::Handshake(Conclude::Accept)).await;
    let mut credentials = Credentials::token("eyJ.t0k.en");
    credentials.username = Some("bob".into());
    let req = request(Action::Subscribe, credentials);
    let decision = probe(addr, Present::Token, Duration::from_secs(5))
        .authenticate(&req)
        .await;
    assert_eq!(decision.principal(), Some("anonymous"), "{decision:?}");
    let streamid = log
        .lock()
        .expect("log")
        .handshakes
        .iter()
        .find_map(|h| h.streamid.clone())
        .expect("streamid");
    assert_eq!(streamid, "#!::r=live/room1/cam1,m=request,s=eyJ.t0k.en");
    let parsed = connect::srt(&streamid).expect("parses");
    assert_eq!(parsed.action, Action::Subscribe);
    assert_eq!(parsed.credentials, Credentials::token("eyJ.t0k.en"));
}

/// The streamid the caller sent in its conclusion.
fn sent_streamid(log: &Arc<Mutex<Log>>) -> String {
    log.lock()
        .expect("log")
        .handshakes
        .iter()
        .find_map(|h| h.streamid.clone())
        .expect("streamid")
}

#[tokio::test]
async fn the_configured_keys_carry_a_password_as_mediamtx_reads_it() {
    let (addr, log) = listener(Behaviour::Handshake(Conclude::Accept)).await;
    let mediamtx = StreamidKeys {
        user: "u".into(),
        password: "s".into(),
        token: "s".into(),
    };
    let auth = MediaAuthenticator::new(
        MediaConfig::new(Present::Password)
            .with_srt(format!("srt://{addr}"))
            .with_streamid_keys(mediamtx),
    )
    .expect("config");
    let req = request(
        Action::Publish,
        Credentials::user_password("alice", "s3cret"),
    );
    let decision = auth.authenticate(&req).await;
    assert_eq!(decision.principal(), Some("alice"), "{decision:?}");
    // MediaMTX's `#!::` parser knows r, m, u, s (h, t) and refuses any other key.
    assert_eq!(
        sent_streamid(&log),
        "#!::r=live/room1/cam1,m=publish,u=alice,s=s3cret"
    );
}

#[tokio::test]
async fn a_configured_token_key_is_used_for_a_token() {
    let (addr, log) = listener(Behaviour::Handshake(Conclude::Accept)).await;
    let keys = StreamidKeys {
        token: "t0".into(),
        ..StreamidKeys::default()
    };
    let auth = MediaAuthenticator::new(
        MediaConfig::new(Present::Token)
            .with_srt(format!("srt://{addr}"))
            .with_streamid_keys(keys),
    )
    .expect("config");
    let req = request(Action::Subscribe, Credentials::token("eyJ.t0k.en"));
    assert!(auth.authenticate(&req).await.is_allow());
    assert_eq!(
        sent_streamid(&log),
        "#!::r=live/room1/cam1,m=request,t0=eyJ.t0k.en"
    );
}

#[tokio::test]
async fn a_rejection_is_server_refused_with_the_code_and_its_name() {
    for (wire, detail) in [
        (
            1000 + 1403,
            "the listener rejected the handshake: 1403 SRT_REJX_FORBIDDEN",
        ),
        (
            1000 + 1401,
            "the listener rejected the handshake: 1401 SRT_REJX_UNAUTHORIZED",
        ),
        (
            1000 + 2,
            "the listener rejected the handshake: 2 SRT_REJ_PEER",
        ),
        (
            1000 + 2005,
            "the listener rejected the handshake: 2005 (a user-defined code)",
        ),
    ] {
        let (addr, log) = listener(Behaviour::Handshake(Conclude::Reject(wire))).await;
        let req = request(Action::Publish, Credentials::user_password("alice", "bad"));
        let decision = probe(addr, Present::Password, Duration::from_secs(5))
            .authenticate(&req)
            .await;
        assert_eq!(deny(&decision), (DenyReason::ServerRefused, detail));
        assert!(
            log.lock().expect("log").shutdowns.is_empty(),
            "no shutdown after a rejection"
        );
    }
}

#[tokio::test]
async fn a_stalled_listener_is_a_timeout_after_retransmissions() {
    let (addr, log) = listener(Behaviour::Stall).await;
    let req = request(
        Action::Publish,
        Credentials::user_password("alice", "s3cret"),
    );
    let decision = probe(addr, Present::Password, Duration::from_secs(1))
        .authenticate(&req)
        .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendTimeout,
            format!("no SRT induction answer from {addr} within 1s").as_str()
        )
    );
    // UDP: the induction is sent again while no answer comes.
    let inductions = log
        .lock()
        .expect("log")
        .handshakes
        .iter()
        .filter(|h| h.request_type == 1)
        .count();
    assert!(inductions >= 2, "{inductions} induction(s) sent");
}

#[tokio::test]
async fn garbage_is_ignored_and_counted_until_the_timeout() {
    let (addr, log) = listener(Behaviour::Garbage).await;
    let req = request(
        Action::Subscribe,
        Credentials::user_password("alice", "s3cret"),
    );
    let decision = probe(addr, Present::Password, Duration::from_secs(1))
        .authenticate(&req)
        .await;
    let (reason, detail) = deny(&decision);
    assert_eq!(reason, DenyReason::BackendTimeout);
    let prefix = format!("no SRT induction answer from {addr} within 1s (");
    let suffix = " datagrams that were not an SRT handshake answer were ignored)";
    let ignored: usize = detail
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected detail: {detail}"));
    // A garbage answer does not trigger a resend: one induction per 250 ms interval at most,
    // so at most 5 in one second, each answered once.
    let sent = log.lock().expect("log").handshakes.len();
    assert!((1..=5).contains(&sent), "{sent} inductions sent");
    assert!(
        (1..=sent).contains(&ignored),
        "{ignored} ignored for {sent} sent"
    );
}

#[tokio::test]
async fn nothing_listening_is_backend_unavailable() {
    // A port that was just free: the kernel answers ICMP port unreachable on loopback.
    let addr = {
        let s = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        s.local_addr().expect("addr")
    };
    let req = request(
        Action::Publish,
        Credentials::user_password("alice", "s3cret"),
    );
    let decision = probe(addr, Present::Password, Duration::from_secs(5))
        .authenticate(&req)
        .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::BackendUnavailable,
            format!("nothing listens at {addr} (ICMP port unreachable)").as_str()
        )
    );
}

#[tokio::test]
async fn credentials_the_streamid_cannot_carry_are_refused_before_sending() {
    let (addr, log) = listener(Behaviour::Handshake(Conclude::Accept)).await;
    let req = request(
        Action::Publish,
        Credentials::user_password("alice", "a,m=request"),
    );
    let decision = probe(addr, Present::Password, Duration::from_secs(5))
        .authenticate(&req)
        .await;
    let (reason, detail) = deny(&decision);
    assert_eq!(reason, DenyReason::MalformedCredentials);
    assert_eq!(
        detail,
        "the password holds `,` or a control character, which an SRT access-control streamid (`#!::k=v,…`) cannot carry"
    );
    assert!(!detail.contains("m=request"));

    let long = request(Action::Publish, Credentials::token("t".repeat(500)));
    let decision = probe(addr, Present::Token, Duration::from_secs(5))
        .authenticate(&long)
        .await;
    assert_eq!(
        deny(&decision),
        (
            DenyReason::MalformedCredentials,
            "the streamid would be 534 bytes, more than the 512 SRT carries"
        )
    );
    assert!(
        log.lock().expect("log").handshakes.is_empty(),
        "nothing was sent"
    );
}

/// `srt-live-transmit` as a real SRT listener (libsrt): the probe's handshake completes.
#[cfg(feature = "probe-servers")]
mod real_listener {
    use super::*;
    use std::process::Stdio;
    use tokio::process::Command;

    const INSTALL: &str = "scripts/install-probe-servers.sh";

    /// Free loopback ports for the listener and for where it forwards (nothing is forwarded).
    fn free_ports() -> (u16, u16) {
        let port = |s: &std::net::UdpSocket| s.local_addr().expect("addr").port();
        let a = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let b = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        (port(&a), port(&b))
    }

    /// Starts `srt-live-transmit` listening on 127.0.0.1 with `options` added to its URL.
    fn start(srt_port: u16, udp_port: u16, options: &str) -> tokio::process::Child {
        assert!(
            std::process::Command::new("srt-live-transmit")
                .arg("-version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok(),
            "srt-live-transmit is not installed: run {INSTALL} (the probe-servers feature needs it)"
        );
        Command::new("srt-live-transmit")
            .arg(format!("srt://127.0.0.1:{srt_port}?mode=listener{options}"))
            .arg(format!("udp://127.0.0.1:{udp_port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("srt-live-transmit starts")
    }

    /// Asks until the listener has bound its port (until then nothing listens), bounded.
    async fn ask_when_up(addr: SocketAddr, req: &AuthRequest) -> Decision {
        let auth = probe(addr, Present::Password, Duration::from_secs(3));
        let give_up = tokio::time::Instant::now() + WAIT;
        loop {
            let d = auth.authenticate(req).await;
            if d.reason() != Some(DenyReason::BackendUnavailable)
                || tokio::time::Instant::now() >= give_up
            {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    #[tokio::test]
    async fn srt_live_transmit_accepts_the_handshake() {
        let (srt_port, udp_port) = free_ports();
        let mut child = start(srt_port, udp_port, "");
        let req = request(
            Action::Publish,
            Credentials::user_password("alice", "s3cret"),
        );
        let decision = ask_when_up(([127, 0, 0, 1], srt_port).into(), &req).await;
        assert_eq!(decision.principal(), Some("alice"), "{decision:?}");
        let _ = child.kill().await;
    }

    /// A listener that requires encryption refuses the probe (which never encrypts): a real
    /// rejection code from libsrt.
    #[tokio::test]
    async fn srt_live_transmit_with_a_passphrase_rejects_the_handshake() {
        let (srt_port, udp_port) = free_ports();
        let mut child = start(srt_port, udp_port, "&passphrase=0123456789abcdef");
        let req = request(
            Action::Publish,
            Credentials::user_password("alice", "s3cret"),
        );
        let decision = ask_when_up(([127, 0, 0, 1], srt_port).into(), &req).await;
        assert_eq!(
            deny(&decision),
            (
                DenyReason::ServerRefused,
                "the listener rejected the handshake: 11 SRT_REJ_UNSECURE"
            )
        );
        let _ = child.kill().await;
    }
}
