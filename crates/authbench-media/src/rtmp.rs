//! The RTMP probe: the client side of RTMP as far as the server's verdict on a publish or play.
//!
//! Simple handshake (C0/C1, S0/S1/S2, C2), `connect` → `_result` / `_error`, `createStream` →
//! stream id, then `publish` / `play` → `onStatus`. Allowed on `NetStream.Publish.Start` /
//! `NetStream.Play.Start` (a `NetStream.Play.Reset` may come first); refused on `_error`, a
//! rejection status (`level: error`, `….Rejected`, `….BadName`, …), a `close` command, or the
//! connection closed after `connect` was sent. After an allow the stream is deleted
//! (`FCUnpublish`, `deleteStream`) and the connection closed.
//!
//! Where the credentials go follows [`RtmpCredentials`]: ffmpeg's habit by default. The query's
//! argument names are the config's [`QueryNames`] (`username`, `password`, `token` by default;
//! `user`, `pass`, `jwt` for MediaMTX).

mod chunk;

use std::io;
use std::time::Duration;

use authbench_core::duration::format_duration;
use authbench_core::{Action, AuthRequest, Decision, DenyReason, StreamPath, redact};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::Instant;

use crate::amf0::{self, Value};
use crate::{CLEANUP_TIMEOUT, Close, Present, Probed, QueryNames, RtmpCredentials};
use chunk::{ChunkError, ChunkReader, be_u32, encode_message, kind};

/// The port RTMP servers listen on when the endpoint names none.
pub const DEFAULT_PORT: u16 = 1935;
/// Size of C1, C2, S1 and S2.
const HANDSHAKE_LEN: usize = 1536;
/// The RTMP version byte (C0 / S0).
const RTMP_VERSION: u8 = 3;
/// The probe never changes its outgoing chunk size.
const OUT_CHUNK_SIZE: usize = chunk::DEFAULT_CHUNK_SIZE;
/// Chunk stream ids as ffmpeg uses them: protocol control, connection commands, stream commands.
const CSID_CONTROL: u8 = 2;
const CSID_COMMAND: u8 = 3;
const CSID_STREAM: u8 = 8;
/// User Control events (RTMP specification, section 7.1.7).
const UC_PING_REQUEST: u16 = 6;
const UC_PING_RESPONSE: u16 = 7;
/// flashVer values: an encoder's when publishing (Flash Media Live Encoder's, which fits the 31
/// characters nginx-rtmp keeps) and ffmpeg's when playing.
const FLASHVER_PUBLISH: &str = "FMLE/3.0 (compatible; FMSc/1.0)";
const FLASHVER_PLAY: &str = "LNX 9,0,124,2";

/// What the probe sends in `connect` and `publish` / `play`. `app`, `tc_url` and `stream` may
/// carry the credential query: `Debug` shows the query's names with the values redacted.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ConnectParams {
    /// `host:port` to connect to.
    pub addr: String,
    /// The connect command's `app`.
    pub app: String,
    /// The connect command's `tcUrl`.
    pub tc_url: String,
    /// The name published or played.
    pub stream: String,
}

impl std::fmt::Debug for ConnectParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectParams")
            .field("addr", &self.addr)
            .field("app", &redact::url(&self.app))
            .field("tc_url", &redact::url(&self.tc_url))
            .field("stream", &redact::url(&self.stream))
            .finish()
    }
}

/// Splits the request's path as the client would.
///
/// * [`RtmpCredentials::Stream`] (ffmpeg): the app is the first two path segments at most
///   (`live/room1` of `live/room1/cam1`, `live/a` of `live/a/b/cam1`), the stream name the rest
///   with the credential query appended; `tcUrl` is the endpoint plus the app, without the query.
/// * [`RtmpCredentials::Connect`] (OBS, Red5 Pro SDKs): the app is everything but the last
///   segment, with the query on both app and `tcUrl`; the stream name is bare.
pub(crate) fn connect_params(
    endpoint: &str,
    path: &StreamPath,
    query: Option<&str>,
    place: RtmpCredentials,
) -> Result<ConnectParams, String> {
    let url = url::Url::parse(endpoint).map_err(|e| format!("bad rtmp endpoint: {e}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| "bad rtmp endpoint: no host".to_owned())?;
    let addr = format!("{host}:{}", url.port().unwrap_or(DEFAULT_PORT));
    let base = endpoint.trim_end_matches('/');
    let raw = path.as_str();
    let (app, stream) = match place {
        RtmpCredentials::Stream => {
            // ffmpeg (libavformat/rtmpproto.c): the app ends at the second '/' of the path.
            let mut cuts = raw.match_indices('/').map(|(i, _)| i);
            match (cuts.next(), cuts.next()) {
                (Some(_), Some(second)) => (&raw[..second], &raw[second + 1..]),
                (Some(first), None) => (&raw[..first], &raw[first + 1..]),
                _ => ("", raw),
            }
        }
        RtmpCredentials::Connect => match raw.rsplit_once('/') {
            Some((scope, stream)) => (scope, stream),
            None => ("", raw),
        },
    };
    let with_query = |s: &str| match query {
        Some(q) => format!("{s}?{q}"),
        None => s.to_owned(),
    };
    Ok(match place {
        RtmpCredentials::Stream => ConnectParams {
            addr,
            app: app.to_owned(),
            tc_url: format!("{base}/{app}"),
            stream: with_query(stream),
        },
        RtmpCredentials::Connect => ConnectParams {
            addr,
            app: with_query(app),
            tc_url: with_query(&format!("{base}/{app}")),
            stream: stream.to_owned(),
        },
    })
}

/// Asks the RTMP server at `endpoint` whether `req` may publish or play.
pub(crate) async fn probe(
    endpoint: &str,
    req: &AuthRequest,
    present: Present,
    place: RtmpCredentials,
    names: &QueryNames,
    timeout: Duration,
) -> Probed {
    let query = crate::credential_query(req, present, names);
    let params = match connect_params(endpoint, &req.path, query.as_deref(), place) {
        Ok(p) => p,
        Err(e) => return Decision::deny(DenyReason::BackendUnavailable, e).into(),
    };
    let deadline = Instant::now() + timeout;
    let mut stage = Stage::Connecting;
    let mut session = None;
    let verdict =
        tokio::time::timeout_at(deadline, run(&params, req.action, &mut stage, &mut session)).await;
    let decision = match verdict {
        Ok(Ok(())) => Decision::allow(crate::principal(req, present)),
        Ok(Err(Failure::Refused(said))) => crate::refused(req, &said),
        Ok(Err(Failure::Unavailable(d))) => Decision::deny(DenyReason::BackendUnavailable, d),
        Ok(Err(Failure::Protocol(d))) => Decision::deny(
            DenyReason::BackendProtocolError,
            crate::sanitize(req, &format!("rtmp {}: {d}", stage.as_str())),
        ),
        Err(_) => Decision::deny(
            DenyReason::BackendTimeout,
            format!(
                "no rtmp verdict from {} within {} (waiting for {})",
                params.addr,
                format_duration(timeout),
                stage.as_str()
            ),
        ),
    };
    // Closing never changes the verdict; a server that stalls here is left behind.
    let allowed = decision.is_allow();
    let action = req.action;
    let close = session.map(|mut s| -> Close {
        Box::pin(async move {
            let _ = tokio::time::timeout(CLEANUP_TIMEOUT, s.close(allowed, action, &params)).await;
        })
    });
    Probed { decision, close }
}

/// How far the probe got, for timeout and protocol-error details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Connecting,
    Handshake,
    Connect,
    CreateStream,
    Publish,
    Play,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::Connecting => "the TCP connection",
            Stage::Handshake => "the handshake",
            Stage::Connect => "the connect answer",
            Stage::CreateStream => "the createStream answer",
            Stage::Publish => "the publish status",
            Stage::Play => "the play status",
        }
    }
}

/// Why a probe ended without an allow.
#[derive(Debug)]
enum Failure {
    /// The server said no (its words).
    Refused(String),
    /// No server to ask.
    Unavailable(String),
    /// Not RTMP, or beyond a bound.
    Protocol(String),
}

/// One command message: name, transaction id, the remaining values.
#[derive(Debug)]
struct Command {
    name: String,
    txn: f64,
    args: Vec<Value>,
}

impl Command {
    /// The first argument that is a status object (has a `code`).
    fn info(&self) -> Option<&Value> {
        self.args.iter().find(|a| a.get("code").is_some())
    }

    /// A status object saying no: level `error`, or a refusal code at any level.
    fn is_refusal(&self) -> bool {
        let Some(info) = self.info() else {
            return false;
        };
        let text = |k: &str| info.get(k).and_then(Value::as_str).unwrap_or_default();
        text("level") == "error" || REFUSAL_SUFFIXES.iter().any(|s| text("code").ends_with(s))
    }

    /// `code: description` of the status object, for a refusal detail.
    fn said(&self) -> String {
        let Some(info) = self.info() else {
            return format!("{} with no status object", self.name);
        };
        let text = |k: &str| info.get(k).and_then(Value::as_str).unwrap_or_default();
        match (text("code"), text("description")) {
            (code, "") => code.to_owned(),
            (code, description) => format!("{code}: {description}"),
        }
    }
}

struct Session {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    chunks: ChunkReader,
    /// The server's Window Acknowledgement Size, once told.
    window: Option<u32>,
    last_ack: u64,
    /// The window size last announced to the server.
    announced_window: Option<u32>,
    /// `connect` has been sent: from then on a closed connection is the server's refusal.
    connect_sent: bool,
    next_txn: f64,
    stream_id: Option<u32>,
}

async fn run(
    params: &ConnectParams,
    action: Action,
    stage: &mut Stage,
    slot: &mut Option<Session>,
) -> Result<(), Failure> {
    let tcp = TcpStream::connect(&params.addr).await.map_err(|e| {
        Failure::Unavailable(match e.kind() {
            io::ErrorKind::ConnectionRefused => {
                format!("rtmp server {} refused the TCP connection", params.addr)
            }
            _ => format!("cannot reach rtmp server {}: {e}", params.addr),
        })
    })?;
    let _ = tcp.set_nodelay(true);
    let (rd, wr) = tcp.into_split();
    let s = slot.insert(Session {
        reader: BufReader::new(rd),
        writer: wr,
        chunks: ChunkReader::new(),
        window: None,
        last_ack: 0,
        announced_window: None,
        connect_sent: false,
        next_txn: 1.0,
        stream_id: None,
    });

    *stage = Stage::Handshake;
    s.handshake().await?;

    *stage = Stage::Connect;
    let mut props = vec![
        ("app", Value::from(params.app.as_str())),
        ("type", Value::from("nonprivate")),
        (
            "flashVer",
            Value::from(match action {
                Action::Publish => FLASHVER_PUBLISH,
                Action::Subscribe => FLASHVER_PLAY,
            }),
        ),
        ("tcUrl", Value::from(params.tc_url.as_str())),
    ];
    if action == Action::Subscribe {
        // What ffmpeg adds when playing.
        props.extend([
            ("fpad", Value::Boolean(false)),
            ("capabilities", Value::Number(15.0)),
            ("audioCodecs", Value::Number(4071.0)),
            ("videoCodecs", Value::Number(252.0)),
            ("videoFunction", Value::Number(1.0)),
        ]);
    }
    let txn = s
        .send_command(CSID_COMMAND, 0, "connect", vec![Value::object(props)])
        .await?;
    s.connect_sent = true;
    let reply = s.await_reply(txn, "connect").await?;
    if reply.name != "_result" {
        return Err(Failure::Refused(format!("connect: {}", reply.said())));
    }

    *stage = Stage::CreateStream;
    let name = Value::from(params.stream.as_str());
    if action == Action::Publish {
        // ffmpeg announces the stream before creating it; servers answer or ignore these.
        s.send_command(
            CSID_COMMAND,
            0,
            "releaseStream",
            vec![Value::Null, name.clone()],
        )
        .await?;
        s.send_command(
            CSID_COMMAND,
            0,
            "FCPublish",
            vec![Value::Null, name.clone()],
        )
        .await?;
    }
    let txn = s
        .send_command(CSID_COMMAND, 0, "createStream", vec![Value::Null])
        .await?;
    let reply = s.await_reply(txn, "createStream").await?;
    if reply.name != "_result" {
        return Err(Failure::Refused(format!("createStream: {}", reply.said())));
    }
    let stream_id = reply
        .args
        .iter()
        .find_map(Value::as_number)
        .and_then(stream_id_from)
        .ok_or_else(|| Failure::Protocol("createStream _result without a stream id".into()))?;
    s.stream_id = Some(stream_id);

    let (command, args, want) = match action {
        Action::Publish => {
            *stage = Stage::Publish;
            (
                "publish",
                vec![Value::Null, name, Value::from("live")],
                "NetStream.Publish.Start",
            )
        }
        Action::Subscribe => {
            *stage = Stage::Play;
            // -2000: live or recorded, as ffmpeg asks by default.
            (
                "play",
                vec![Value::Null, name, Value::Number(-2000.0)],
                "NetStream.Play.Start",
            )
        }
    };
    let txn = s
        .send_command(CSID_STREAM, stream_id, command, args)
        .await?;
    s.await_status(txn, command, want).await
}

/// A stream id from an AMF0 number: a whole number in `u32` range.
fn stream_id_from(n: f64) -> Option<u32> {
    (n.is_finite() && n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n))
        .then_some(n as u32)
}

/// Status codes that are a refusal even at level `status` (servers differ in the level they use).
const REFUSAL_SUFFIXES: [&str; 7] = [
    ".Rejected",
    ".Failed",
    ".BadName",
    ".StreamNotFound",
    ".Unauthorized",
    ".Forbidden",
    ".Closed",
];

impl Session {
    fn closed(&self) -> Failure {
        if self.connect_sent {
            Failure::Refused("connection closed by the server".into())
        } else {
            Failure::Unavailable(
                "the rtmp server closed the connection during the handshake".into(),
            )
        }
    }

    fn io_failure(&self, e: io::Error) -> Failure {
        match ChunkError::from(e) {
            ChunkError::Closed => self.closed(),
            ChunkError::Io(e) => Failure::Unavailable(format!("rtmp connection failed: {e}")),
            ChunkError::Protocol(p) => Failure::Protocol(p),
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        match self.writer.write_all(bytes).await {
            Ok(()) => Ok(()),
            Err(e) => Err(self.io_failure(e)),
        }
    }

    async fn handshake(&mut self) -> Result<(), Failure> {
        // C1: time 0, four zero bytes (the simple handshake), then random bytes.
        let mut c0c1 = vec![0u8; 1 + HANDSHAKE_LEN];
        c0c1[0] = RTMP_VERSION;
        let random: [u8; HANDSHAKE_LEN - 8] = crate::random();
        c0c1[9..].copy_from_slice(&random);
        self.write(&c0c1).await?;
        let mut s0 = [0u8; 1];
        if let Err(e) = self.reader.read_exact(&mut s0).await {
            return Err(self.io_failure(e));
        }
        if s0[0] != RTMP_VERSION {
            return Err(Failure::Protocol(format!(
                "version byte 0x{:02x} where RTMP has 0x03 (not an RTMP server?)",
                s0[0]
            )));
        }
        let mut s1s2 = vec![0u8; 2 * HANDSHAKE_LEN];
        if let Err(e) = self.reader.read_exact(&mut s1s2).await {
            return Err(self.io_failure(e));
        }
        // C2 echoes S1. S2 (the echo of C1) is not checked: servers differ and it proves nothing
        // about authentication.
        let c2 = s1s2[..HANDSHAKE_LEN].to_vec();
        self.write(&c2).await
    }

    /// Sends a command with the next transaction id, which it returns.
    async fn send_command(
        &mut self,
        csid: u8,
        stream_id: u32,
        name: &str,
        args: Vec<Value>,
    ) -> Result<f64, Failure> {
        let txn = self.next_txn;
        self.next_txn += 1.0;
        let mut values = vec![Value::from(name), Value::Number(txn)];
        values.extend(args);
        let payload = amf0::encode_all(&values);
        let bytes = encode_message(
            csid,
            kind::COMMAND_AMF0,
            stream_id,
            &payload,
            OUT_CHUNK_SIZE,
        );
        self.write(&bytes).await?;
        Ok(txn)
    }

    async fn send_control(&mut self, type_id: u8, payload: &[u8]) -> Result<(), Failure> {
        let bytes = encode_message(CSID_CONTROL, type_id, 0, payload, OUT_CHUNK_SIZE);
        self.write(&bytes).await
    }

    /// Reads messages, handling protocol control ones, until a command arrives.
    async fn next_command(&mut self) -> Result<Command, Failure> {
        loop {
            let msg = match self.chunks.read_message(&mut self.reader).await {
                Ok(m) => m,
                Err(ChunkError::Closed) => return Err(self.closed()),
                Err(ChunkError::Io(e)) => {
                    return Err(Failure::Unavailable(format!("rtmp connection failed: {e}")));
                }
                Err(ChunkError::Protocol(p)) => return Err(Failure::Protocol(p)),
            };
            self.acknowledge().await?;
            let short = |what: &str| Failure::Protocol(format!("{what} message cut short"));
            match msg.type_id {
                kind::SET_CHUNK_SIZE => self
                    .chunks
                    .set_chunk_size(&msg.payload)
                    .map_err(|_| Failure::Protocol("invalid Set Chunk Size".into()))?,
                kind::ABORT => self.chunks.abort(&msg.payload),
                kind::ACKNOWLEDGEMENT => {}
                kind::WINDOW_ACK_SIZE => {
                    let size = be_u32(&msg.payload).ok_or_else(|| short("Window Ack Size"))?;
                    self.window = Some(size.max(1));
                }
                kind::SET_PEER_BANDWIDTH => {
                    let size = be_u32(&msg.payload)
                        .filter(|_| msg.payload.len() >= 5)
                        .ok_or_else(|| short("Set Peer Bandwidth"))?;
                    // The receiver answers with its window size when it differs (section 5.4.5).
                    if self.announced_window != Some(size) {
                        self.announced_window = Some(size);
                        self.send_control(kind::WINDOW_ACK_SIZE, &size.to_be_bytes())
                            .await?;
                    }
                }
                kind::USER_CONTROL => {
                    let event = msg
                        .payload
                        .get(..2)
                        .map(|b| u16::from_be_bytes([b[0], b[1]]))
                        .ok_or_else(|| short("User Control"))?;
                    if event == UC_PING_REQUEST {
                        let stamp = msg.payload.get(2..6).ok_or_else(|| short("Ping"))?;
                        let mut pong = UC_PING_RESPONSE.to_be_bytes().to_vec();
                        pong.extend_from_slice(stamp);
                        self.send_control(kind::USER_CONTROL, &pong).await?;
                    }
                }
                kind::COMMAND_AMF0 => return decode_command(&msg.payload),
                // An AMF3 command message starts with a format byte, then AMF0 values.
                kind::COMMAND_AMF3 => {
                    return decode_command(msg.payload.get(1..).unwrap_or_default());
                }
                // Audio, video, data and aggregate messages carry no verdict.
                _ => {}
            }
        }
    }

    /// Sends an Acknowledgement when the server's window is used up.
    async fn acknowledge(&mut self) -> Result<(), Failure> {
        let Some(window) = self.window else {
            return Ok(());
        };
        let read = self.chunks.total_read();
        if read - self.last_ack >= u64::from(window) {
            self.last_ack = read;
            // The sequence number is the byte count, wrapping at 32 bits.
            let seq = (read & u64::from(u32::MAX)) as u32;
            self.send_control(kind::ACKNOWLEDGEMENT, &seq.to_be_bytes())
                .await?;
        }
        Ok(())
    }

    /// Waits for `_result` or `_error` answering `txn`; a `close` from the server is a refusal.
    /// An `onStatus` refusing the connection (some servers send one instead of, or before,
    /// `_error`) ends the wait too.
    async fn await_reply(&mut self, txn: f64, command: &str) -> Result<Command, Failure> {
        loop {
            let cmd = self.next_command().await?;
            match cmd.name.as_str() {
                "_result" | "_error" if cmd.txn == txn => return Ok(cmd),
                "close" => return Err(Failure::Refused(format!("close: {}", cmd.said()))),
                "onStatus" if cmd.is_refusal() => {
                    return Err(Failure::Refused(format!("{command}: {}", cmd.said())));
                }
                _ => {}
            }
        }
    }

    /// Waits for the `onStatus` that starts (or refuses) the publish or play.
    async fn await_status(&mut self, txn: f64, command: &str, want: &str) -> Result<(), Failure> {
        loop {
            let cmd = self.next_command().await?;
            match cmd.name.as_str() {
                "onStatus" => {
                    let Some(info) = cmd.info() else {
                        return Err(Failure::Protocol("onStatus without a status object".into()));
                    };
                    let code = info.get("code").and_then(Value::as_str).unwrap_or_default();
                    if code == want {
                        return Ok(());
                    }
                    if cmd.is_refusal() {
                        return Err(Failure::Refused(format!("{command}: {}", cmd.said())));
                    }
                    // Play.Reset, PublishNotify and the like come before the start.
                }
                "_error" if cmd.txn == txn => {
                    return Err(Failure::Refused(format!("{command}: {}", cmd.said())));
                }
                "close" => return Err(Failure::Refused(format!("close: {}", cmd.said()))),
                _ => {}
            }
        }
    }

    /// Ends the session: after an allow the stream is unpublished and deleted, the connection
    /// shut down and the server's remaining bytes read until it closes; otherwise the connection is
    /// only shut down.
    async fn close(&mut self, allowed: bool, action: Action, params: &ConnectParams) {
        if allowed && let Some(sid) = self.stream_id {
            if action == Action::Publish {
                let name = Value::from(params.stream.as_str());
                let _ = self
                    .send_command(CSID_COMMAND, 0, "FCUnpublish", vec![Value::Null, name])
                    .await;
            }
            let _ = self
                .send_command(
                    CSID_COMMAND,
                    0,
                    "deleteStream",
                    vec![Value::Null, Value::Number(f64::from(sid))],
                )
                .await;
        }
        let _ = self.writer.shutdown().await;
        if !allowed {
            // A refused, stalled or garbled session is not worth waiting for.
            return;
        }
        // Wait for the server to close its side, so what it still sends (a status for
        // deleteStream, an acknowledgement) is read rather than answered by a reset. Bounded by
        // the caller's cleanup timeout and by the bytes a reader may take.
        let mut sink = [0u8; 4096];
        let mut left = chunk::MAX_TOTAL_READ;
        while let Ok(n @ 1..) = self.reader.read(&mut sink).await {
            left = left.saturating_sub(n as u64);
            if left == 0 {
                break;
            }
        }
    }
}

/// A command message's values: name, transaction id, arguments.
fn decode_command(payload: &[u8]) -> Result<Command, Failure> {
    let values = amf0::decode_all(payload)
        .map_err(|e| Failure::Protocol(format!("command message: {e}")))?;
    let mut it = values.into_iter();
    let name = match it.next() {
        Some(Value::String(s)) => s,
        _ => return Err(Failure::Protocol("command message without a name".into())),
    };
    // A missing transaction id is taken as 0 (onStatus-style notifications).
    let txn = match it.next() {
        Some(Value::Number(n)) => n,
        Some(_) | None => 0.0,
    };
    Ok(Command {
        name,
        txn,
        args: it.collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(path: &str, query: Option<&str>, place: RtmpCredentials) -> ConnectParams {
        connect_params(
            "rtmp://127.0.0.1:1935",
            &StreamPath::new(path).expect("path"),
            query,
            place,
        )
        .expect("params")
    }

    #[test]
    fn ffmpeg_puts_the_query_on_the_stream_name() {
        assert_eq!(
            params(
                "live/room1/cam1",
                Some("username=u&password=p"),
                RtmpCredentials::Stream
            ),
            ConnectParams {
                addr: "127.0.0.1:1935".into(),
                app: "live/room1".into(),
                tc_url: "rtmp://127.0.0.1:1935/live/room1".into(),
                stream: "cam1?username=u&password=p".into(),
            }
        );
        let p = params("live/a/b/cam1", None, RtmpCredentials::Stream);
        assert_eq!((p.app.as_str(), p.stream.as_str()), ("live/a", "b/cam1"));
        let p = params("live/cam1", Some("token=t"), RtmpCredentials::Stream);
        assert_eq!(
            (p.app.as_str(), p.stream.as_str()),
            ("live", "cam1?token=t")
        );
    }

    #[test]
    fn connect_placement_puts_the_query_on_app_and_tc_url() {
        assert_eq!(
            params("live/room1/cam1", Some("token=t"), RtmpCredentials::Connect),
            ConnectParams {
                addr: "127.0.0.1:1935".into(),
                app: "live/room1?token=t".into(),
                tc_url: "rtmp://127.0.0.1:1935/live/room1?token=t".into(),
                stream: "cam1".into(),
            }
        );
    }

    #[test]
    fn debug_never_shows_the_credential_query() {
        for place in [RtmpCredentials::Stream, RtmpCredentials::Connect] {
            let p = params(
                "live/room1/cam1",
                Some("username=alice&password=hunter2&token=eyJ.x.y"),
                place,
            );
            let shown = format!("{p:?}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("eyJ"),
                "{shown}"
            );
            assert!(shown.contains("password=[redacted]"), "{shown}");
            assert!(
                shown.contains("cam1") && shown.contains("live/room1"),
                "{shown}"
            );
        }
    }

    #[test]
    fn the_default_port_is_1935() {
        let p = connect_params(
            "rtmp://localhost",
            &StreamPath::new("live/x").expect("path"),
            None,
            RtmpCredentials::Stream,
        )
        .expect("params");
        assert_eq!(p.addr, "localhost:1935");
        assert_eq!(p.tc_url, "rtmp://localhost/live");
    }

    #[test]
    fn stream_ids_must_be_whole_u32_numbers() {
        assert_eq!(stream_id_from(1.0), Some(1));
        assert_eq!(stream_id_from(1.5), None);
        assert_eq!(stream_id_from(-1.0), None);
        assert_eq!(stream_id_from(f64::NAN), None);
        assert_eq!(stream_id_from(5e9), None);
    }
}
