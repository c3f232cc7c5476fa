//! `POST /srs` over loopback, with the bodies SRS's `http_hooks` send, answered as SRS reads
//! answers (200 with `{"code": 0}` lets the client on; a non-zero code refuses it).

mod common;

use authbench_authsvc::{PATH_SRS, ServiceOptions, srs_request};
use authbench_core::{Action, DenyReason, Transport, connect};
use common::{post, reason, start};
use hyper::StatusCode;
use serde_json::{Value, json};

/// An SRS 5 `on_publish` / `on_play` body.
fn hook(action: &str, tc_url: &str, app: &str, stream: &str, param: &str) -> Value {
    let mut v = json!({
        "server_id": "vid-0xk989d", "service_id": "4h2b5q0w", "action": action,
        "client_id": "341w361a", "ip": "127.0.0.1", "vhost": "__defaultVhost__", "app": app,
        "tcUrl": tc_url, "stream": stream, "param": param,
        "stream_url": format!("/{app}/{stream}"), "stream_id": "vid-124q9y3",
    });
    if action == "on_play" {
        v["pageUrl"] = json!("");
    }
    v
}

fn publish(param: &str) -> Value {
    hook(
        "on_publish",
        "rtmp://127.0.0.1/live/room1",
        "live/room1",
        "cam1",
        param,
    )
}

#[tokio::test]
async fn good_wrong_and_revoked_credentials() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();

    let ok = post(a, PATH_SRS, &publish("?username=alice&password=alice-pw")).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json(), json!({"code": 0, "subject": "alice"}));

    let cases = [
        (
            publish("?username=alice&password=wrong"),
            DenyReason::BadPassword,
        ),
        (
            publish("?username=carol&password=carol-pw"),
            DenyReason::Revoked,
        ),
        (publish(""), DenyReason::MissingCredentials),
        (
            // alice may use rtmp and whip, not srt.
            hook(
                "on_publish",
                "srt://127.0.0.1:10080/live/room1",
                "live/room1",
                "cam1",
                "?username=alice&password=alice-pw",
            ),
            DenyReason::TransportForbidden,
        ),
        (
            hook(
                "on_publish",
                "rtmp://127.0.0.1/live/room2",
                "live/room2",
                "cam1",
                "?username=alice&password=alice-pw",
            ),
            DenyReason::RoomForbidden,
        ),
    ];
    for (body, want) in &cases {
        let got = post(a, PATH_SRS, body).await;
        // The documented refusal: HTTP 200 with a non-zero code.
        assert_eq!(got.status, StatusCode::OK, "{body}");
        assert_eq!(got.json()["code"], 403, "{body}");
        assert_eq!(reason(&got.json()), *want, "{body}");
    }

    // WebRTC publishing (WHIP) is alice's.
    let whip = hook(
        "on_publish",
        "webrtc://127.0.0.1/live/room1",
        "live/room1",
        "cam1",
        "?username=alice&password=alice-pw",
    );
    assert_eq!(post(a, PATH_SRS, &whip).await.json()["code"], 0);

    // A play by token; revoked, the next callback refuses.
    let token = svc.issue_token("bob").expect("token").token;
    let play = hook(
        "on_play",
        "rtmp://127.0.0.1/live",
        "live",
        "cam9",
        &format!("?token={}", token.expose()),
    );
    assert_eq!(
        post(a, PATH_SRS, &play).await.json(),
        json!({"code": 0, "subject": "bob"})
    );
    svc.revoke("bob").expect("revoke");
    assert_eq!(
        reason(&post(a, PATH_SRS, &play).await.json()),
        DenyReason::Revoked
    );

    let stats = svc.stats();
    assert_eq!(stats.allows.get("srs"), Some(&3));
    assert_eq!(stats.denies.get("srs"), Some(&(cases.len() as u64 + 1)));
}

#[tokio::test]
async fn notices_answer_zero_and_the_rest_is_a_bad_request() {
    let svc = start(ServiceOptions::default()).await;
    let a = svc.local_addr();
    for action in ["on_unpublish", "on_stop", "on_close", "on_dvr", "on_hls"] {
        let got = post(
            a,
            PATH_SRS,
            &hook(action, "rtmp://h/live", "live", "cam1", ""),
        )
        .await;
        assert_eq!(got.status, StatusCode::OK, "{action}");
        assert_eq!(&got.body[..], b"0", "{action}");
    }
    for body in [
        hook("on_connect", "rtmp://h/live", "live", "", "?username=alice"),
        hook("on_bogus", "rtmp://h/live", "live", "cam1", ""),
        json!({"app": "live", "stream": "cam1"}),
        json!([1, 2]),
    ] {
        let got = post(a, PATH_SRS, &body).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{body}");
    }
    let stats = svc.stats();
    assert_eq!(stats.allows.get("srs"), None);
    assert_eq!(stats.denies.get("srs"), None);
}

#[test]
fn a_callback_reads_as_decide_url_reads_the_client_url() {
    let want = connect::rtmp(
        "rtmp://127.0.0.1/live/room1/cam1?username=alice&password=p%26w",
        Action::Publish,
    )
    .expect("parses");
    let body = serde_json::to_vec(&publish("?username=alice&password=p%26w")).expect("json");
    let got = srs_request(&body).expect("parses");
    assert_eq!(got.action, want.action);
    assert_eq!(got.path, want.path);
    assert_eq!(got.credentials, want.credentials);
    assert_eq!(got.transport, Transport::Rtmp);
}
