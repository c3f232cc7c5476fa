//! The RTMP probe against an RTMP server double on loopback: what the double records (app,
//! tcUrl, stream name, commands) is where a real client would have put the credentials, and each
//! way a server can answer or misbehave gives one exact decision.

use std::sync::Arc;
use std::time::Duration;

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Decision, DenyReason, StreamPath, Transport,
};
use authbench_media::amf0::{self, Value};
use authbench_media::{MediaAuthenticator, MediaConfig, Present, QueryNames, RtmpCredentials};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Generous bound on waiting for the double's record: a hang fails the test instead of blocking.
const WAIT: Duration = Duration::from_secs(20);

/// An RTMP server written from the specification, independent of the probe's chunk code: it reads
/// type-0 and type-3 chunks (all the probe sends) and writes type-0, type-1 and type-3 chunks.
mod double {
    use super::*;

    /// How the double answers.
    #[derive(Debug, Clone)]
    pub enum Script {
        /// Accepts: control messages, connect `_result`, stream id 1, then the start status.
        Accept,
        /// `_error` for connect, with this description.
        ErrorOnConnect(&'static str),
        /// `onStatus` level `error` with this code and description for publish / play.
        RefuseStream(&'static str, String),
        /// Closes the connection once connect has arrived.
        DropAfterConnect,
        /// Answers connect with an `onStatus` rejection (no `_error`), then closes.
        StatusOnConnect,
        /// Sends S0 and half of S1, then says nothing more.
        StallHandshake,
        /// Answers the handshake with an HTTP response.
        GarbageHandshake,
        /// Answers connect with a command message that is not AMF0.
        GarbageCommand,
        /// Answers connect with the header of a 10 MiB message, then the bytes.
        HugeMessage,
        /// Answers connect with audio messages that never end (each one small).
        Flood,
    }

    /// What one connection carried.
    #[derive(Debug, Default, Clone)]
    pub struct Record {
        pub app: Option<String>,
        pub tc_url: Option<String>,
        pub flash_ver: Option<String>,
        /// The name given to publish or play.
        pub stream: Option<String>,
        /// Command names in arrival order.
        pub commands: Vec<String>,
        /// The client answered the double's ping.
        pub ping_answered: bool,
        /// The window size the client announced after Set Peer Bandwidth.
        pub window_announced: Option<u32>,
        /// A message the double could not read.
        pub error: Option<String>,
    }

    pub struct Double {
        pub endpoint: String,
        records: mpsc::UnboundedReceiver<Record>,
    }

    impl Double {
        pub async fn start(script: Script) -> Double {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            let (tx, records) = mpsc::unbounded_channel();
            tokio::spawn(async move {
                while let Ok((sock, _)) = listener.accept().await {
                    let tx = tx.clone();
                    let script = script.clone();
                    tokio::spawn(async move {
                        let mut record = Record::default();
                        if let Err(e) = serve(sock, &script, &mut record).await {
                            record.error.get_or_insert(e);
                        }
                        let _ = tx.send(record);
                    });
                }
            });
            Double {
                endpoint: format!("rtmp://{addr}"),
                records,
            }
        }

        /// The record of the next connection that ended.
        pub async fn record(&mut self) -> Record {
            tokio::time::timeout(WAIT, self.records.recv())
                .await
                .expect("the double's connection ended")
                .expect("a record")
        }
    }

    struct Conn {
        sock: TcpStream,
        out_chunk: usize,
        in_chunk: usize,
        /// Per chunk stream: (length, type, stream id, buffer).
        partial: std::collections::HashMap<u8, (usize, u8, u32, Vec<u8>)>,
    }

    /// Reads until the client closes; errors only for unreadable input.
    async fn drain(sock: &mut TcpStream) {
        let mut buf = [0u8; 4096];
        while let Ok(n) = sock.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    }

    async fn serve(mut sock: TcpStream, script: &Script, rec: &mut Record) -> Result<(), String> {
        let mut c0c1 = vec![0u8; 1537];
        sock.read_exact(&mut c0c1)
            .await
            .map_err(|e| e.to_string())?;
        if c0c1[0] != 3 {
            return Err(format!("C0 was {}", c0c1[0]));
        }
        match script {
            Script::StallHandshake => {
                let mut partial = vec![3u8];
                partial.extend_from_slice(&[0u8; 700]);
                let _ = sock.write_all(&partial).await;
                drain(&mut sock).await;
                return Ok(());
            }
            Script::GarbageHandshake => {
                let _ = sock
                    .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                    .await;
                drain(&mut sock).await;
                return Ok(());
            }
            _ => {}
        }
        // S0, S1 (time, zero, pattern), S2 (echo of C1).
        let mut reply = vec![3u8];
        reply.extend((0..1536u32).map(|i| (i % 251) as u8));
        reply.extend_from_slice(&c0c1[1..]);
        sock.write_all(&reply).await.map_err(|e| e.to_string())?;
        let mut c2 = vec![0u8; 1536];
        sock.read_exact(&mut c2).await.map_err(|e| e.to_string())?;
        if c2[..] != reply[1..1537] {
            return Err("C2 does not echo S1".into());
        }
        let mut conn = Conn {
            sock,
            out_chunk: 128,
            in_chunk: 128,
            partial: Default::default(),
        };
        loop {
            let Some((type_id, payload)) = conn.read_message().await? else {
                return Ok(());
            };
            match type_id {
                5 => {
                    rec.window_announced = Some(u32::from_be_bytes(
                        payload[..4].try_into().expect("4 bytes"),
                    ))
                }
                4 if payload[..2] == [0, 7] => rec.ping_answered = true,
                20 => {
                    let values = amf0::decode_all(&payload).map_err(|e| e.to_string())?;
                    let name = values[0].as_str().unwrap_or_default().to_owned();
                    let txn = values[1].as_number().unwrap_or_default();
                    rec.commands.push(name.clone());
                    if !conn.on_command(&name, txn, &values, script, rec).await? {
                        drain(&mut conn.sock).await;
                        return Ok(());
                    }
                }
                other => return Err(format!("unexpected message type {other} from the client")),
            }
        }
    }

    impl Conn {
        async fn read_message(&mut self) -> Result<Option<(u8, Vec<u8>)>, String> {
            loop {
                let mut b = [0u8; 1];
                if self.sock.read_exact(&mut b).await.is_err() {
                    return Ok(None);
                }
                let (fmt, csid) = (b[0] >> 6, b[0] & 0x3f);
                if !(2..=63).contains(&csid) {
                    return Err(format!("the client used chunk stream id {csid}"));
                }
                match fmt {
                    0 => {
                        let mut h = [0u8; 11];
                        self.sock
                            .read_exact(&mut h)
                            .await
                            .map_err(|e| e.to_string())?;
                        let len = u32::from_be_bytes([0, h[3], h[4], h[5]]) as usize;
                        let sid = u32::from_le_bytes([h[7], h[8], h[9], h[10]]);
                        self.partial.insert(csid, (len, h[6], sid, Vec::new()));
                    }
                    3 => {
                        if self.partial.get(&csid).is_none_or(|p| p.3.len() >= p.0) {
                            return Err("a type-3 chunk that continues nothing".into());
                        }
                    }
                    _ => return Err(format!("the client sent a type-{fmt} header")),
                }
                let (len, type_id, _, buf) = self.partial.get_mut(&csid).expect("partial");
                let want = (*len - buf.len()).min(self.in_chunk);
                let start = buf.len();
                buf.resize(start + want, 0);
                self.sock
                    .read_exact(&mut buf[start..])
                    .await
                    .map_err(|e| e.to_string())?;
                if buf.len() == *len {
                    let type_id = *type_id;
                    let payload = std::mem::take(buf);
                    self.partial.remove(&csid);
                    return Ok(Some((type_id, payload)));
                }
            }
        }

        /// Writes a message: a type-0 header (or type-1 when `compressed`), type-3 continuations.
        async fn send(
            &mut self,
            csid: u8,
            type_id: u8,
            sid: u32,
            payload: &[u8],
            ts: u32,
            compressed: bool,
        ) {
            let mut out = Vec::new();
            let len = (payload.len() as u32).to_be_bytes();
            let extended = ts >= 0xFF_FFFF;
            let ts_field = if extended {
                [0xff, 0xff, 0xff]
            } else {
                let b = ts.to_be_bytes();
                [b[1], b[2], b[3]]
            };
            if compressed {
                out.push(0x40 | csid);
                out.extend_from_slice(&ts_field);
                out.extend_from_slice(&len[1..]);
                out.push(type_id);
            } else {
                out.push(csid);
                out.extend_from_slice(&ts_field);
                out.extend_from_slice(&len[1..]);
                out.push(type_id);
                out.extend_from_slice(&sid.to_le_bytes());
            }
            if extended {
                out.extend_from_slice(&ts.to_be_bytes());
            }
            for (i, piece) in payload.chunks(self.out_chunk).enumerate() {
                if i > 0 {
                    out.push(0xc0 | csid);
                    if extended {
                        out.extend_from_slice(&ts.to_be_bytes());
                    }
                }
                out.extend_from_slice(piece);
            }
            let _ = self.sock.write_all(&out).await;
        }

        async fn command(&mut self, csid: u8, sid: u32, values: &[Value], compressed: bool) {
            let payload = amf0::encode_all(values);
            self.send(csid, 20, sid, &payload, 0, compressed).await;
        }

        async fn status(
            &mut self,
            sid: u32,
            level: &str,
            code: &str,
            description: &str,
            compressed: bool,
        ) {
            let info = Value::object([
                ("level", Value::from(level)),
                ("code", Value::from(code)),
                ("description", Value::from(description)),
            ]);
            self.command(
                5,
                sid,
                &[
                    Value::from("onStatus"),
                    Value::Number(0.0),
                    Value::Null,
                    info,
                ],
                compressed,
            )
            .await;
        }

        /// Answers one command; false when the double stops answering.
        async fn on_command(
            &mut self,
            name: &str,
            txn: f64,
            values: &[Value],
            script: &Script,
            rec: &mut Record,
        ) -> Result<bool, String> {
            match name {
                "connect" => {
                    let obj = values.get(2).ok_or("connect without an object")?;
                    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
                    rec.app = text("app");
                    rec.tc_url = text("tcUrl");
                    rec.flash_ver = text("flashVer");
                    match script {
                        Script::ErrorOnConnect(description) => {
                            let info = Value::object([
                                ("level", Value::from("error")),
                                ("code", Value::from("NetConnection.Connect.Rejected")),
                                ("description", Value::from(*description)),
                            ]);
                            self.command(
                                3,
                                0,
                                &[Value::from("_error"), Value::Number(txn), Value::Null, info],
                                false,
                            )
                            .await;
                            return Ok(false);
                        }
                        Script::StatusOnConnect => {
                            self.status(
                                0,
                                "status",
                                "NetConnection.Connect.Rejected",
                                "[ code=403 need auth; authmod=adobe ]",
                                false,
                            )
                            .await;
                            return Ok(false);
                        }
                        Script::DropAfterConnect => {
                            let _ = self.sock.shutdown().await;
                            return Ok(false);
                        }
                        Script::GarbageCommand => {
                            self.send(3, 20, 0, &[0x11, 0x22, 0x33], 0, false).await;
                            return Ok(false);
                        }
                        Script::Flood => {
                            let audio = vec![0xaf; 4000];
                            self.out_chunk = 4096;
                            self.send(2, 1, 0, &4096u32.to_be_bytes(), 0, false).await;
                            for _ in 0..4000 {
                                self.send(6, 8, 1, &audio, 0, false).await;
                            }
                            return Ok(false);
                        }
                        Script::HugeMessage => {
                            let huge = vec![0u8; 10 << 20];
                            self.out_chunk = 10 << 20;
                            self.send(3, 20, 0, &huge, 0, false).await;
                            return Ok(false);
                        }
                        _ => {}
                    }
                    // As nginx-rtmp does: window, peer bandwidth, chunk size; then a ping.
                    self.send(2, 5, 0, &5_000_000u32.to_be_bytes(), 0, false)
                        .await;
                    self.send(2, 6, 0, &[0, 0x4c, 0x4b, 0x40, 2], 0, false)
                        .await;
                    self.send(2, 1, 0, &4096u32.to_be_bytes(), 0, false).await;
                    self.out_chunk = 4096;
                    self.send(2, 4, 0, &[0, 6, 0, 0, 0, 42], 0, false).await;
                    let props = Value::object([("fmsVer", Value::from("FMS/3,0,1,123"))]);
                    let info = Value::object([
                        ("level", Value::from("status")),
                        ("code", Value::from("NetConnection.Connect.Success")),
                        ("description", Value::from("Connection succeeded.")),
                    ]);
                    self.command(
                        3,
                        0,
                        &[Value::from("_result"), Value::Number(txn), props, info],
                        false,
                    )
                    .await;
                    // An unrelated server call the client must skip.
                    self.command(
                        3,
                        0,
                        &[Value::from("onBWDone"), Value::Number(0.0), Value::Null],
                        true,
                    )
                    .await;
                }
                "FCPublish" => {
                    self.command(
                        3,
                        0,
                        &[Value::from("onFCPublish"), Value::Number(0.0), Value::Null],
                        true,
                    )
                    .await;
                }
                "createStream" => {
                    self.command(
                        3,
                        0,
                        &[
                            Value::from("_result"),
                            Value::Number(txn),
                            Value::Null,
                            Value::Number(1.0),
                        ],
                        true,
                    )
                    .await;
                }
                "publish" | "play" => {
                    rec.stream = values.get(3).and_then(Value::as_str).map(str::to_owned);
                    if let Script::RefuseStream(code, description) = script {
                        self.status(1, "error", code, description, false).await;
                        return Ok(true);
                    }
                    // Stream Begin, then for play a reset and a media message with an extended
                    // timestamp spread over two 4096-byte chunks.
                    self.send(2, 4, 0, &[0, 0, 0, 0, 0, 1], 0, false).await;
                    if name == "play" {
                        self.status(
                            1,
                            "status",
                            "NetStream.Play.Reset",
                            "Playing and resetting.",
                            false,
                        )
                        .await;
                        self.send(6, 8, 1, &[0xaf; 5000], 0x0100_0000, false).await;
                        self.status(
                            1,
                            "status",
                            "NetStream.Play.Start",
                            "Started playing.",
                            true,
                        )
                        .await;
                    } else {
                        self.status(
                            1,
                            "status",
                            "NetStream.Publish.Start",
                            "Start publishing.",
                            false,
                        )
                        .await;
                    }
                }
                _ => {}
            }
            Ok(true)
        }
    }
}

use double::{Double, Script};

fn request(action: Action, path: &str, credentials: Credentials) -> AuthRequest {
    AuthRequest::new(
        action,
        Transport::Rtmp,
        StreamPath::new(path).expect("path"),
        credentials,
    )
}

fn alice() -> Credentials {
    Credentials::user_password("alice", "s3cret&1")
}

fn probe(double: &Double, present: Present) -> Arc<dyn Authenticator> {
    probe_with(MediaConfig::new(present).with_rtmp(&double.endpoint))
}

fn probe_with(config: MediaConfig) -> Arc<dyn Authenticator> {
    Arc::new(MediaAuthenticator::new(config).expect("valid config"))
}

/// The decision, once the session has closed (as runners wait for it); bounded so a hang fails
/// the test.
async fn decide(auth: &Arc<dyn Authenticator>, req: &AuthRequest) -> Decision {
    tokio::time::timeout(WAIT, async {
        let decision = auth.authenticate(req).await;
        auth.settle().await;
        decision
    })
    .await
    .expect("a decision in bounded time")
}

fn deny(d: &Decision) -> (DenyReason, String) {
    match d {
        Decision::Deny(d) => (d.reason, d.detail.clone()),
        Decision::Allow(a) => panic!("expected a deny, got an allow for {}", a.principal),
    }
}

#[tokio::test]
async fn publish_is_allowed_with_the_credentials_where_ffmpeg_puts_them() {
    let mut double = Double::start(Script::Accept).await;
    let auth = probe(&double, Present::Password);
    let d = decide(&auth, &request(Action::Publish, "live/room1/cam1", alice())).await;
    assert_eq!(d.principal(), Some("alice"), "{d:?}");
    let rec = double.record().await;
    assert_eq!(rec.error, None);
    assert_eq!(rec.app.as_deref(), Some("live/room1"));
    assert_eq!(
        rec.tc_url.as_deref(),
        Some(format!("{}/live/room1", double.endpoint).as_str())
    );
    assert_eq!(
        rec.stream.as_deref(),
        Some("cam1?username=alice&password=s3cret%261")
    );
    assert_eq!(
        rec.flash_ver.as_deref(),
        Some("FMLE/3.0 (compatible; FMSc/1.0)")
    );
    // ffmpeg's publish sequence, then the stream is taken down cleanly.
    assert_eq!(
        rec.commands,
        [
            "connect",
            "releaseStream",
            "FCPublish",
            "createStream",
            "publish",
            "FCUnpublish",
            "deleteStream"
        ]
    );
    assert!(rec.ping_answered, "the ping was not answered");
    assert_eq!(rec.window_announced, Some(5_000_000));
}

#[tokio::test]
async fn play_is_allowed_after_a_reset_and_a_media_message_with_an_extended_timestamp() {
    let mut double = Double::start(Script::Accept).await;
    let auth = probe(&double, Present::Token);
    let creds = Credentials::token("eyJ.tok.en");
    let d = decide(&auth, &request(Action::Subscribe, "live/room1/cam1", creds)).await;
    // The probe cannot know who a token names.
    assert_eq!(d.principal(), Some(authbench_media::ANONYMOUS), "{d:?}");
    let rec = double.record().await;
    assert_eq!(rec.error, None);
    assert_eq!(rec.stream.as_deref(), Some("cam1?token=eyJ.tok.en"));
    assert_eq!(rec.flash_ver.as_deref(), Some("LNX 9,0,124,2"));
    assert_eq!(
        rec.commands,
        ["connect", "createStream", "play", "deleteStream"]
    );
}

#[tokio::test]
async fn connect_placement_puts_the_query_on_app_and_tc_url() {
    let mut double = Double::start(Script::Accept).await;
    let auth = probe_with(
        MediaConfig::new(Present::Password)
            .with_rtmp(&double.endpoint)
            .with_rtmp_credentials(RtmpCredentials::Connect),
    );
    let d = decide(&auth, &request(Action::Publish, "live/room1/cam1", alice())).await;
    assert!(d.is_allow(), "{d:?}");
    let rec = double.record().await;
    let query = "username=alice&password=s3cret%261";
    assert_eq!(rec.app, Some(format!("live/room1?{query}")));
    assert_eq!(
        rec.tc_url,
        Some(format!("{}/live/room1?{query}", double.endpoint))
    );
    assert_eq!(rec.stream.as_deref(), Some("cam1"));
}

/// MediaMTX's RTMP names: `user` / `pass`, and `jwt` for its JWT method.
fn mediamtx_names() -> QueryNames {
    QueryNames {
        user: "user".into(),
        password: "pass".into(),
        token: "jwt".into(),
    }
}

#[tokio::test]
async fn the_configured_query_names_go_on_the_stream_name() {
    let mut double = Double::start(Script::Accept).await;
    let auth = probe_with(
        MediaConfig::new(Present::Password)
            .with_rtmp(&double.endpoint)
            .with_query_names(mediamtx_names()),
    );
    let d = decide(&auth, &request(Action::Publish, "live/room1/cam1", alice())).await;
    assert!(d.is_allow(), "{d:?}");
    let rec = double.record().await;
    assert_eq!(rec.app.as_deref(), Some("live/room1"));
    assert_eq!(
        rec.stream.as_deref(),
        Some("cam1?user=alice&pass=s3cret%261")
    );
}

#[tokio::test]
async fn the_configured_token_name_goes_on_app_and_tc_url_with_connect_placement() {
    let mut double = Double::start(Script::Accept).await;
    let auth = probe_with(
        MediaConfig::new(Present::Token)
            .with_rtmp(&double.endpoint)
            .with_rtmp_credentials(RtmpCredentials::Connect)
            .with_query_names(mediamtx_names()),
    );
    let req = request(
        Action::Subscribe,
        "live/room1/cam1",
        Credentials::token("eyJ.tok.en"),
    );
    let d = decide(&auth, &req).await;
    assert!(d.is_allow(), "{d:?}");
    let rec = double.record().await;
    assert_eq!(rec.app.as_deref(), Some("live/room1?jwt=eyJ.tok.en"));
    assert_eq!(
        rec.tc_url,
        Some(format!("{}/live/room1?jwt=eyJ.tok.en", double.endpoint))
    );
    assert_eq!(rec.stream.as_deref(), Some("cam1"));
}

#[tokio::test]
async fn no_credentials_are_sent_as_none_and_the_server_decides() {
    let mut double = Double::start(Script::Accept).await;
    let auth = probe(&double, Present::Password);
    let d = decide(
        &auth,
        &request(Action::Publish, "live/cam1", Credentials::none()),
    )
    .await;
    assert_eq!(d.principal(), Some(authbench_media::ANONYMOUS));
    let rec = double.record().await;
    assert_eq!(
        (rec.app.as_deref(), rec.stream.as_deref()),
        (Some("live"), Some("cam1"))
    );
}

#[tokio::test]
async fn an_error_on_connect_is_server_refused_with_its_description() {
    let mut double = Double::start(Script::ErrorOnConnect("authentication failed")).await;
    let auth = probe_with(
        MediaConfig::new(Present::Password)
            .with_rtmp(&double.endpoint)
            .with_rtmp_credentials(RtmpCredentials::Connect),
    );
    let d = decide(&auth, &request(Action::Publish, "live/room1/cam1", alice())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::ServerRefused,
            "connect: NetConnection.Connect.Rejected: authentication failed".into()
        )
    );
    assert_eq!(double.record().await.commands, ["connect"]);
}

#[tokio::test]
async fn a_refused_publish_is_server_refused_with_the_status_and_no_echoed_secret() {
    let script = Script::RefuseStream(
        "NetStream.Publish.Rejected",
        "bad password s3cret&1 for alice".into(),
    );
    let mut double = Double::start(script).await;
    let auth = probe(&double, Present::Password);
    let d = decide(&auth, &request(Action::Publish, "live/room1/cam1", alice())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::ServerRefused,
            "publish: NetStream.Publish.Rejected: bad password [redacted] for alice".into()
        )
    );
    // Refused: no deleteStream for a stream that never started.
    assert_eq!(
        double.record().await.commands,
        [
            "connect",
            "releaseStream",
            "FCPublish",
            "createStream",
            "publish"
        ]
    );
}

#[tokio::test]
async fn a_refused_play_is_server_refused() {
    let script = Script::RefuseStream("NetStream.Play.StreamNotFound", "No such stream".into());
    let double = Double::start(script).await;
    let auth = probe(&double, Present::Token);
    let req = request(Action::Subscribe, "live/cam9", Credentials::token("t"));
    assert_eq!(
        deny(&decide(&auth, &req).await),
        (
            DenyReason::ServerRefused,
            "play: NetStream.Play.StreamNotFound: No such stream".into()
        )
    );
}

#[tokio::test]
async fn a_connection_dropped_after_connect_is_server_refused() {
    let mut double = Double::start(Script::DropAfterConnect).await;
    let auth = probe(&double, Present::Password);
    let d = decide(&auth, &request(Action::Publish, "live/room1/cam1", alice())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::ServerRefused,
            "connection closed by the server".into()
        )
    );
    assert_eq!(double.record().await.app.as_deref(), Some("live/room1"));
}

#[tokio::test]
async fn a_stall_mid_handshake_is_backend_timeout() {
    let mut double = Double::start(Script::StallHandshake).await;
    let auth = probe_with(
        MediaConfig::new(Present::Password)
            .with_rtmp(&double.endpoint)
            .with_timeout(Duration::from_millis(300)),
    );
    let d = decide(&auth, &request(Action::Publish, "live/cam1", alice())).await;
    let (reason, detail) = deny(&d);
    assert_eq!(reason, DenyReason::BackendTimeout);
    assert!(
        detail.ends_with("within 300ms (waiting for the handshake)"),
        "{detail}"
    );
    // The probe closed its side: the double's connection ended.
    assert_eq!(double.record().await.error, None);
}

#[tokio::test]
async fn an_http_answer_to_the_handshake_is_a_protocol_error() {
    let double = Double::start(Script::GarbageHandshake).await;
    let auth = probe(&double, Present::Password);
    let d = decide(&auth, &request(Action::Publish, "live/cam1", alice())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendProtocolError,
            "rtmp the handshake: version byte 0x48 where RTMP has 0x03 (not an RTMP server?)"
                .into()
        )
    );
}

#[tokio::test]
async fn a_command_that_is_not_amf0_is_a_protocol_error() {
    let double = Double::start(Script::GarbageCommand).await;
    let auth = probe(&double, Present::Password);
    let d = decide(&auth, &request(Action::Publish, "live/cam1", alice())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendProtocolError,
            "rtmp the connect answer: command message: AMF0 marker 0x11 not supported".into()
        )
    );
}

#[tokio::test]
async fn a_10_mib_message_is_a_protocol_error_before_it_is_read() {
    let double = Double::start(Script::HugeMessage).await;
    let auth = probe(&double, Present::Password);
    let d = decide(&auth, &request(Action::Publish, "live/cam1", alice())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendProtocolError,
            "rtmp the connect answer: a message of 10485760 bytes (type 20) exceeds the 1024 KiB limit"
                .into()
        )
    );
}

#[tokio::test]
async fn no_server_listening_is_backend_unavailable() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let auth = probe_with(MediaConfig::new(Present::Password).with_rtmp(format!("rtmp://{addr}")));
    let d = decide(&auth, &request(Action::Publish, "live/cam1", alice())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendUnavailable,
            format!("rtmp server {addr} refused the TCP connection")
        )
    );
}

#[tokio::test]
async fn a_transport_without_an_endpoint_is_backend_unavailable() {
    let auth = probe_with(MediaConfig::new(Present::Password).with_rtmp("rtmp://127.0.0.1:1"));
    let mut req = request(Action::Publish, "live/cam1", alice());
    req.transport = Transport::Whep;
    assert_eq!(
        deny(&decide(&auth, &req).await),
        (
            DenyReason::BackendUnavailable,
            "no whep endpoint in the media config".into()
        )
    );
}

#[tokio::test]
async fn an_on_status_rejection_of_connect_is_server_refused_with_its_words() {
    let double = Double::start(Script::StatusOnConnect).await;
    let auth = probe(&double, Present::Password);
    let d = decide(&auth, &request(Action::Publish, "live/cam1", alice())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::ServerRefused,
            "connect: NetConnection.Connect.Rejected: [ code=403 need auth; authmod=adobe ]".into()
        )
    );
}

#[tokio::test]
async fn a_server_that_floods_without_a_verdict_is_cut_off_at_8_mib() {
    let double = Double::start(Script::Flood).await;
    let auth = probe(&double, Present::Password);
    let d = decide(&auth, &request(Action::Publish, "live/cam1", alice())).await;
    assert_eq!(
        deny(&d),
        (
            DenyReason::BackendProtocolError,
            "rtmp the connect answer: the server sent more than 8 MiB without a verdict".into()
        )
    );
}
