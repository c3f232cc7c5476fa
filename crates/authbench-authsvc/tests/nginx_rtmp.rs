//! `POST /nginx-rtmp` (and `GET` for `notify_method get`) over loopback, with the bodies
//! nginx-rtmp-module sends, answered as the module reads answers (2xx continue, else drop).

mod common;

use authbench_authsvc::{PATH_NGINX_RTMP, ServiceOptions, nginx_rtmp_request};
use authbench_core::{Action, DenyReason, connect};
use bytes::Bytes;
use common::{identities, reason, start};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// The session part of a notification, as the module writes it for ffmpeg publishing to
/// `rtmp://127.0.0.1:1935/live/room1/cam1?…`.
const SESSION: &str = "app=live/room1&flashver=FMLE/3.0%20(compatible;%20Lavf59.27.100)&swfurl=&tcurl=rtmp://127.0.0.1:1935/live/room1&pageurl=&addr=127.0.0.1&clientid=1";

fn publish(args: &str) -> String {
    format!("{SESSION}&call=publish&name=cam1&type=live&{args}")
}

fn play(args: &str) -> String {
    format!("{SESSION}&call=play&name=cam1&start=4294965296&duration=0&reset=0&{args}")
}

struct Answer {
    status: StatusCode,
    body: Value,
}

/// Sends a notification as the module does: a form POST, or a GET with the form as the query.
async fn notify(addr: std::net::SocketAddr, method: &str, form: &str) -> Answer {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let req = if method == "GET" {
        Request::get(format!("{PATH_NGINX_RTMP}?{form}"))
            .header("host", "127.0.0.1")
            .body(Full::new(Bytes::new()))
    } else {
        Request::post(PATH_NGINX_RTMP)
            .header("host", "127.0.0.1")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(form.to_owned())))
    }
    .expect("request");
    let resp = send.send_request(req).await.expect("answer");
    let status = resp.status();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Answer {
        status,
        body: serde_json::from_slice(&body).expect("JSON answer"),
    }
}

#[tokio::test]
async fn good_wrong_and_revoked_credentials() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();

    let ok = notify(a, "POST", &publish("username=alice&password=alice-pw")).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body, json!({"subject": "alice"}));

    let cases = [
        (
            publish("username=alice&password=wrong"),
            DenyReason::BadPassword,
        ),
        (
            publish("username=nobody&password=x"),
            DenyReason::UnknownUser,
        ),
        (
            publish("username=carol&password=carol-pw"),
            DenyReason::Revoked,
        ),
        (
            publish("username=bob&password=bob-pw"),
            DenyReason::RoleForbidden,
        ),
        (publish(""), DenyReason::MissingCredentials),
        (
            publish("username=alice&password=a&password=b"),
            DenyReason::MalformedCredentials,
        ),
        (
            format!("{SESSION}&call=publish&name=cam1&type=live&username=alice&password=alice-pw")
                .replace("app=live/room1", "app=live/room2"),
            DenyReason::RoomForbidden,
        ),
    ];
    for (form, want) in &cases {
        let got = notify(a, "POST", form).await;
        assert_eq!(got.status, StatusCode::FORBIDDEN, "{form}");
        assert_eq!(reason(&got.body), *want, "{form}");
    }

    // A play by a subscriber, with a token the service issued, over `notify_method get`.
    let token = svc.issue_token("bob").expect("token").token;
    let by_token = play(&format!("token={}", token.expose()));
    let got = notify(a, "GET", &by_token).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["subject"], "bob");

    // Revocation reaches the next notification, and the on_update repeat.
    svc.revoke("bob").expect("revoke");
    let got = notify(a, "GET", &by_token).await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    assert_eq!(reason(&got.body), DenyReason::Revoked);
    let update = format!(
        "{SESSION}&call=update_play&time=30&timestamp=30000&name=cam1&token={}",
        token.expose()
    );
    assert_eq!(
        notify(a, "POST", &update).await.status,
        StatusCode::FORBIDDEN
    );

    let stats = svc.stats();
    assert_eq!(stats.requests_to("nginx_rtmp"), 1 + cases.len() as u64 + 3);
    assert_eq!(stats.allows.get("nginx_rtmp"), Some(&2));
    assert_eq!(
        stats.denies.get("nginx_rtmp"),
        Some(&(cases.len() as u64 + 2))
    );
    assert_eq!(stats.denies_for(DenyReason::Revoked), 3);
}

#[tokio::test]
async fn reasons_stay_out_unless_exposed() {
    let mut options = ServiceOptions::default();
    options.expose_reasons = false;
    let svc = start(options).await;
    let got = notify(
        svc.local_addr(),
        "POST",
        &publish("username=alice&password=wrong"),
    )
    .await;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    assert_eq!(got.body, json!({"error": "authentication failed"}));
}

#[tokio::test]
async fn notices_are_acknowledged_and_the_rest_is_a_bad_request() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();
    for call in ["publish_done", "play_done", "done", "record_done", "update"] {
        let got = notify(a, "POST", &format!("{SESSION}&call={call}&name=cam1")).await;
        assert_eq!(got.status, StatusCode::OK, "{call}");
        assert_eq!(got.body, json!({}), "{call}");
    }
    for form in [
        format!("{SESSION}&call=connect&username=alice&password=alice-pw"),
        format!("{SESSION}&call=bogus&name=cam1"),
        "call=publish&name=cam1".to_owned(),
        String::new(),
    ] {
        let got = notify(a, "POST", &form).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{form}");
        assert!(got.body["error"].is_string(), "{form}");
    }
    let stats = svc.stats();
    assert_eq!(stats.allows.get("nginx_rtmp"), None);
    assert_eq!(stats.denies.get("nginx_rtmp"), None);
}

#[test]
fn a_notification_reads_as_decide_url_reads_the_client_url() {
    let url = "rtmp://127.0.0.1:1935/live/room1/cam1?username=alice&password=p%26w%20x";
    let want = connect::rtmp(url, Action::Publish).expect("parses");
    let got = nginx_rtmp_request(&publish("username=alice&password=p%26w%20x")).expect("parses");
    assert_eq!(got.action, want.action);
    assert_eq!(got.transport, want.transport);
    assert_eq!(got.path, want.path);
    assert_eq!(got.credentials, want.credentials);
    assert!(identities().contains_key("alice"));
}
