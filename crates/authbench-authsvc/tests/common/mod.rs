//! Shared helpers for the service's integration tests: identities and a small HTTP/1 client.
#![allow(dead_code, missing_docs)]

use std::net::SocketAddr;

use authbench_core::Identities;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// The standard test identities: alice, bob, carol (revoked) and dave (tenant `acme`), passwords
/// `<name>-pw` (see `authbench_testkit::identities`).
pub fn identities() -> Identities {
    authbench_testkit::identities::standard()
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON answer")
    }
}

/// One persistent HTTP/1 connection.
pub struct Conn {
    send: SendRequest<Full<Bytes>>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (send, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(conn);
        Conn { send }
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let body = body
            .map(|b| Bytes::from(serde_json::to_vec(b).expect("json")))
            .unwrap_or_default();
        let req = req
            .header("content-type", "application/json")
            .body(Full::new(body))
            .expect("request");
        self.send.ready().await.expect("connection ready");
        let resp = self.send.send_request(req).await.expect("answer");
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.expect("body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// One request on a fresh connection.
pub async fn call(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Reply {
    Conn::open(addr).await.send(method, path, body, &[]).await
}

pub async fn post(addr: SocketAddr, path: &str, body: &Value) -> Reply {
    call(addr, "POST", path, Some(body)).await
}

pub fn red5(user: &str, password: &str, kind: &str, scope: &str, stream: &str) -> Value {
    serde_json::json!({
        "username": user, "password": password, "token": "",
        "type": kind, "streamID": stream, "scope": scope,
    })
}

pub fn mtx(user: &str, password: &str, action: &str, protocol: &str, path: &str) -> Value {
    serde_json::json!({
        "user": user, "password": password, "token": "", "ip": "127.0.0.1",
        "action": action, "path": path, "protocol": protocol, "id": null, "query": "",
    })
}

/// The reference service with `options`, listening on 127.0.0.1 port 0.
pub async fn start(
    options: authbench_authsvc::ServiceOptions,
) -> authbench_authsvc::RunningService {
    authbench_authsvc::AuthService::new(&identities(), options)
        .expect("service")
        .spawn_loopback()
        .await
        .expect("listen")
}

/// The `reason` code of a JSON deny answer.
pub fn reason(v: &Value) -> authbench_core::DenyReason {
    v["reason"]
        .as_str()
        .expect("reason field")
        .parse()
        .expect("known reason code")
}
