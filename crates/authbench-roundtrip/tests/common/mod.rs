//! Shared helpers: the reference service on loopback, identities, requests.
#![allow(dead_code, missing_docs)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use authbench_authsvc::{AuthService, RunningService, ServiceOptions};
pub use authbench_core::Authenticator;
use authbench_core::{
    Action, AuthRequest, Clock, Credentials, Decision, DenyReason, Identities, Identity,
    ManualClock, Role, StreamPath, Transport,
};
use authbench_roundtrip::{Protocol, RoundTripAuthenticator, RoundTripConfig};

pub const T0: u64 = 1_700_000_000;

pub fn identities() -> Identities {
    let mut ids = Identities::new();
    ids.insert(
        "alice".into(),
        Identity {
            password: "alice-pw".into(),
            rooms: vec!["room1".into()],
            transports: vec![Transport::Rtmp, Transport::Whip],
            ..Identity::default()
        },
    );
    ids.insert(
        "bob".into(),
        Identity {
            password: "bob-pw".into(),
            roles: vec![Role::Subscriber],
            ..Identity::default()
        },
    );
    ids.insert(
        "carol".into(),
        Identity {
            password: "carol-pw".into(),
            revoked: true,
            ..Identity::default()
        },
    );
    ids.insert(
        "dave".into(),
        Identity {
            password: "dave-pw".into(),
            tenant: Some("acme".into()),
            ..Identity::default()
        },
    );
    ids
}

/// The reference service on 127.0.0.1:0 with a manual clock.
pub async fn service(clock: Arc<ManualClock>) -> RunningService {
    AuthService::new(&identities(), ServiceOptions::with_clock(clock))
        .expect("service")
        .spawn_loopback()
        .await
        .expect("listen")
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::at_secs(T0))
}

pub fn url_for(svc: &RunningService, protocol: Protocol) -> String {
    match protocol {
        Protocol::Red5pro => svc.url(authbench_authsvc::PATH_VALIDATE),
        Protocol::Mediamtx => svc.url(authbench_authsvc::PATH_MEDIAMTX),
        Protocol::NginxRtmp => svc.url(authbench_authsvc::PATH_NGINX_RTMP),
        Protocol::Srs => svc.url(authbench_authsvc::PATH_SRS),
    }
}

pub fn config(url: String, protocol: Protocol) -> RoundTripConfig {
    let mut cfg = RoundTripConfig::new(url, protocol);
    cfg.timeout = Some(Duration::from_secs(2));
    cfg
}

pub fn authenticator(cfg: &RoundTripConfig, clock: Arc<dyn Clock>) -> RoundTripAuthenticator {
    RoundTripAuthenticator::from_config(cfg, Path::new("."), clock).expect("valid config")
}

pub fn request(
    action: Action,
    transport: Transport,
    path: &str,
    creds: Credentials,
) -> AuthRequest {
    AuthRequest::new(
        action,
        transport,
        StreamPath::new(path).expect("path"),
        creds,
    )
}

pub fn publish(user: &str, pw: &str, path: &str) -> AuthRequest {
    request(
        Action::Publish,
        Transport::Rtmp,
        path,
        Credentials::user_password(user, pw),
    )
}

pub async fn reason(auth: &RoundTripAuthenticator, req: &AuthRequest) -> Option<DenyReason> {
    auth.authenticate(req).await.reason()
}

pub fn expect_allow(d: &Decision) -> &authbench_core::Allow {
    match d {
        Decision::Allow(a) => a,
        Decision::Deny(d) => panic!("expected allow, got {d}"),
    }
}

pub const BOTH: [Protocol; 2] = [Protocol::Red5pro, Protocol::Mediamtx];

/// A loopback HTTP server that reads each request whole (head and `Content-Length` body),
/// reports its bytes on the returned channel, answers with `answer` (raw bytes) and closes the
/// connection. Returns its address.
pub async fn fixed_answer(
    answer: &'static [u8],
) -> (
    std::net::SocketAddr,
    tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = s.read(&mut buf).await {
                got.extend_from_slice(&buf[..n]);
                if request_is_complete(&got) {
                    break;
                }
            }
            let _ = tx.send(got);
            let _ = s.write_all(answer).await;
            let _ = s.shutdown().await;
        }
    });
    (addr, rx)
}

fn request_is_complete(got: &[u8]) -> bool {
    let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    got.len() >= end + 4 + length
}
