//! The SRT client side: the caller half of the caller–listener handshake (HSv5; SRT's
//! `docs/features/handshake.md` and draft-sharabayko-srt §3.2.1 / §4.3), as far as the
//! listener's verdict.
//!
//! 1. Induction: a handshake of version 4, type field `UDT_DGRAM` (2), request type `INDUCTION`
//!    (1), destination socket 0. An HSv5 listener answers version 5, the magic `0x4A17` in the
//!    extension field, and a SYN cookie.
//! 2. Conclusion: version 5, the cookie, extension flags HSREQ | CONFIG, and two extensions:
//!    `SRT_CMD_HSREQ` (SRT version, live-mode flags, TSBPD delays) and `SRT_CMD_SID`, the streamid.
//!    Destination socket 0 again: a libsrt listener only routes requests addressed to 0.
//! 3. A `CONCLUSION` answer is an allow; a handshake whose request type is 1000 or more is a
//!    rejection (request type − 1000 is the rejection reason: `SRT_REJ_*` below 1000, the
//!    predefined `SRT_REJX_*` codes 1000–1999, user-defined codes from 2000), which is
//!    `server_refused` with the code and its name. After an allow the probe sends `SHUTDOWN`.
//!
//! The streamid is SRT's access-control form, built so that `authbench_core::connect::srt` reads
//! back the request's path, action and credentials by default: `#!::r=PATH,m=publish|request`
//! plus, with `present: password`, `u=USER,p=PASSWORD`, and with `present: token`, `s=TOKEN` (the
//! key the SRT access-control document calls the session id). The credential keys are the
//! config's [`StreamidKeys`](crate::StreamidKeys): MediaMTX reads the user from `u` and the
//! *password* from `s` (and takes a token as a password), and refuses a streamid with any key it
//! does not know, such as `p`; so for MediaMTX `streamid_keys: {password: s}`. A value holding `,`
//! cannot be written in that form, and a streamid over 512 bytes is more than SRT carries: both
//! are `malformed_credentials`, and nothing is sent.
//!
//! UDP is lossy, so the current handshake packet is sent again every [`RETRANSMIT_INTERVAL`]
//! until an answer or the deadline (as libsrt's caller does). Datagrams are read into a
//! [`MAX_DATAGRAM`]-byte buffer. A datagram that is not a handshake answer addressed to this
//! caller is ignored, and counted in the timeout's detail: UDP has no connection, so a stale
//! packet of an earlier session on the same port pair, or one forged by anybody who can send to
//! this port, must not decide. A listener answering only garbage thus ends in `backend_timeout`
//! ("… N datagrams that were not an SRT handshake answer were ignored"). An ICMP port-unreachable
//! (nothing listens) is `backend_unavailable`.

use std::fmt::Write as _;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use authbench_core::connect::MAX_STREAMID_LEN;
use authbench_core::duration::format_duration;
use authbench_core::{Action, AuthRequest, Decision, DenyReason};
use tokio::net::UdpSocket;
use tokio::time::{Instant, timeout_at};

use crate::{Present, Probed, StreamidKeys, principal, refused};

/// How often an unanswered handshake packet is sent again.
pub(crate) const RETRANSMIT_INTERVAL: Duration = Duration::from_millis(250);
/// Largest datagram read; anything beyond is cut off by the kernel (an SRT handshake answer
/// fits in an Ethernet MTU).
pub(crate) const MAX_DATAGRAM: usize = 1500;
/// The SRT magic in the listener's induction answer (`SrtHSRequest::SRT_MAGIC_CODE`).
const SRT_MAGIC: u16 = 0x4A17;
/// The SRT version the caller announces in HSREQ (1.5.0).
const SRT_VERSION: u32 = 0x0001_0500;
/// Live-mode HSREQ flags as libsrt's caller sets them: TSBPDSND | TSBPDRCV | HAICRYPT |
/// TLPKTDROP | NAKREPORT | REXMITFLG (no STREAM: message API, as live mode expects).
const HSREQ_FLAGS: u32 = 0x3F;
/// TSBPD latency announced for both directions, in milliseconds (libsrt's live default).
const LATENCY_MS: u32 = 120;
const HS_INDUCTION: u32 = 1;
const HS_CONCLUSION: u32 = 0xFFFF_FFFF;
/// Request types from here up are rejections (`URQ_FAILURE_TYPES`).
const URQ_FAILURE_TYPES: u32 = 1000;
const CTRL_HANDSHAKE: u16 = 0x0000;
const CTRL_SHUTDOWN: u16 = 0x0005;
const EXT_FLAG_HSREQ: u16 = 0x0001;
const EXT_FLAG_CONFIG: u16 = 0x0004;
const SRT_CMD_HSREQ: u16 = 1;
const SRT_CMD_SID: u16 = 5;
const UDT_DGRAM: u16 = 2;
const MTU: u32 = 1500;
const FLOW_WINDOW: u32 = 8192;
/// Header (16 bytes) plus the fixed handshake fields (48 bytes).
const HANDSHAKE_LEN: usize = 64;

/// Asks the SRT listener at `endpoint` (`srt://host:port`) whether `req` may publish or
/// subscribe, within `timeout`.
pub(crate) async fn probe(
    endpoint: &str,
    req: &AuthRequest,
    present: Present,
    keys: &StreamidKeys,
    timeout: Duration,
) -> Probed {
    let deadline = Instant::now() + timeout;
    // The one shutdown datagram after an allow is sent at once, never waited on: nothing to close
    // later.
    match run(endpoint, req, present, keys, timeout, deadline).await {
        Ok(decision) | Err(decision) => decision.into(),
    }
}

async fn run(
    endpoint: &str,
    req: &AuthRequest,
    present: Present,
    keys: &StreamidKeys,
    timeout: Duration,
    deadline: Instant,
) -> Result<Decision, Decision> {
    let streamid = streamid(req, present, keys)?;
    let (host, port) = parse_endpoint(endpoint)?;
    let shown = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let unavailable = |what: String| Decision::deny(DenyReason::BackendUnavailable, what);
    let addr = timeout_at(deadline, tokio::net::lookup_host((host.as_str(), port)))
        .await
        .map_err(|_| {
            Decision::deny(
                DenyReason::BackendTimeout,
                format!(
                    "{shown} did not resolve within {}",
                    format_duration(timeout)
                ),
            )
        })?
        .map_err(|e| unavailable(format!("{shown} does not resolve ({})", e.kind())))?
        .next()
        .ok_or_else(|| unavailable(format!("{shown} resolves to no address")))?;
    let local: SocketAddr = match addr.ip() {
        IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let io_fail = |e: io::Error| {
        if e.kind() == io::ErrorKind::ConnectionRefused {
            unavailable(format!(
                "nothing listens at {shown} (ICMP port unreachable)"
            ))
        } else {
            unavailable(format!("UDP to {shown} failed ({})", e.kind()))
        }
    };
    let socket = UdpSocket::bind(local).await.map_err(io_fail)?;
    // Connected: only the listener's datagrams are received, and an ICMP error comes back as
    // ConnectionRefused.
    socket.connect(addr).await.map_err(io_fail)?;

    let caller = Caller::new(addr.ip(), streamid);
    let started = Instant::now();
    let mut ignored = 0usize;
    let no_answer = |phase: &str, ignored: usize| {
        let mut detail = format!(
            "no SRT {phase} answer from {shown} within {}",
            format_duration(timeout)
        );
        if ignored > 0 {
            let _ = write!(
                detail,
                " ({ignored} datagrams that were not an SRT handshake answer were ignored)"
            );
        }
        Decision::deny(DenyReason::BackendTimeout, detail)
    };

    // Induction.
    let induction = caller.induction(timestamp(started));
    let mut next_send = Instant::now();
    let cookie = loop {
        match exchange(
            &socket,
            &induction,
            caller.socket_id,
            &mut next_send,
            deadline,
        )
        .await
        {
            Exchange::Answer(hs) if hs.request_type == HS_INDUCTION => {
                if hs.version < 5 {
                    return Err(Decision::deny(
                        DenyReason::BackendProtocolError,
                        format!(
                            "the listener at {shown} speaks only HSv4 (SRT before 1.3), which carries no streamid"
                        ),
                    ));
                }
                if hs.extension_field != SRT_MAGIC {
                    return Err(Decision::deny(
                        DenyReason::BackendProtocolError,
                        format!(
                            "the listener at {shown} answered the induction without the SRT magic 0x4A17"
                        ),
                    ));
                }
                break hs.cookie;
            }
            Exchange::Answer(hs) if hs.request_type >= URQ_FAILURE_TYPES => {
                return Ok(rejection(req, hs.request_type));
            }
            Exchange::Answer(_) | Exchange::Ignored => ignored += 1,
            Exchange::Timeout => return Err(no_answer("induction", ignored)),
            Exchange::Io(e) => return Err(io_fail(e)),
        }
    };

    // Conclusion.
    let conclusion = caller.conclusion(timestamp(started), cookie);
    // The conclusion goes at once; its retransmissions follow the same interval.
    next_send = Instant::now();
    let listener_socket = loop {
        match exchange(
            &socket,
            &conclusion,
            caller.socket_id,
            &mut next_send,
            deadline,
        )
        .await
        {
            Exchange::Answer(hs) if hs.request_type == HS_CONCLUSION => break hs.socket_id,
            Exchange::Answer(hs) if hs.request_type >= URQ_FAILURE_TYPES => {
                return Ok(rejection(req, hs.request_type));
            }
            // A late answer to a retransmitted induction.
            Exchange::Answer(hs) if hs.request_type == HS_INDUCTION => {}
            Exchange::Answer(_) | Exchange::Ignored => ignored += 1,
            Exchange::Timeout => return Err(no_answer("conclusion", ignored)),
            Exchange::Io(e) => return Err(io_fail(e)),
        }
    };

    // Connected: close at once, so the listener does not wait for data until its own timeout.
    // One datagram, never waited on; a loss leaves the listener to time the session out.
    let _ = socket
        .send(&shutdown(timestamp(started), listener_socket))
        .await;
    Ok(Decision::allow(principal(req, present)))
}

/// The endpoint's host and port (`srt://host:port`; SRT has no default port).
fn parse_endpoint(endpoint: &str) -> Result<(String, u16), Decision> {
    let unusable = || {
        Decision::deny(
            DenyReason::BackendUnavailable,
            "the srt endpoint is not an srt://host:port URL",
        )
    };
    let url = url::Url::parse(endpoint).map_err(|_| unusable())?;
    let host = url.host_str().ok_or_else(unusable)?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok((host, url.port().ok_or_else(unusable)?))
}

/// The streamid for `req` (see the module docs). Contains secrets: never log it.
pub(crate) fn streamid(
    req: &AuthRequest,
    present: Present,
    keys: &StreamidKeys,
) -> Result<String, Decision> {
    let malformed = |what: &str| {
        Decision::deny(
            DenyReason::MalformedCredentials,
            format!("{what}, which an SRT access-control streamid (`#!::k=v,…`) cannot carry"),
        )
    };
    let path = req.path.as_str();
    if path.contains(',') {
        return Err(malformed("the stream path holds `,`"));
    }
    let mode = match req.action {
        Action::Publish => "publish",
        Action::Subscribe => "request",
    };
    let mut out = format!("#!::r={path},m={mode}");
    let c = &req.credentials;
    let mut add = |key: &str, value: &str, what: &str| {
        if value.contains(',') || value.chars().any(char::is_control) {
            return Err(malformed(&format!(
                "the {what} holds `,` or a control character"
            )));
        }
        let _ = write!(out, ",{key}={value}");
        Ok(())
    };
    match present {
        Present::Password => {
            if let Some(user) = &c.username {
                add(&keys.user, user, "user name")?;
            }
            if let Some(password) = &c.password {
                add(&keys.password, password.expose(), "password")?;
            }
        }
        Present::Token => {
            if let Some(token) = &c.token {
                add(&keys.token, token.expose(), "token")?;
            }
        }
    }
    if out.len() > MAX_STREAMID_LEN {
        return Err(Decision::deny(
            DenyReason::MalformedCredentials,
            format!(
                "the streamid would be {} bytes, more than the {MAX_STREAMID_LEN} SRT carries",
                out.len()
            ),
        ));
    }
    Ok(out)
}

/// The `server_refused` deny for a rejection handshake.
fn rejection(req: &AuthRequest, request_type: u32) -> Decision {
    let reason = request_type - URQ_FAILURE_TYPES;
    refused(
        req,
        &format!(
            "the listener rejected the handshake: {reason} {}",
            rejection_name(reason)
        ),
    )
}

/// The name of a rejection reason (libsrt `srt.h` `SRT_REJ_*`, `access_control.h` `SRT_REJX_*`).
pub(crate) fn rejection_name(reason: u32) -> String {
    const INTERNAL: [&str; 18] = [
        "SRT_REJ_UNKNOWN",
        "SRT_REJ_SYSTEM",
        "SRT_REJ_PEER",
        "SRT_REJ_RESOURCE",
        "SRT_REJ_ROGUE",
        "SRT_REJ_BACKLOG",
        "SRT_REJ_IPE",
        "SRT_REJ_CLOSE",
        "SRT_REJ_VERSION",
        "SRT_REJ_RDVCOOKIE",
        "SRT_REJ_BADSECRET",
        "SRT_REJ_UNSECURE",
        "SRT_REJ_MESSAGEAPI",
        "SRT_REJ_CONGESTION",
        "SRT_REJ_FILTER",
        "SRT_REJ_GROUP",
        "SRT_REJ_TIMEOUT",
        "SRT_REJ_CRYPTO",
    ];
    let predefined = match reason {
        1000 => Some("SRT_REJX_FALLBACK"),
        1001 => Some("SRT_REJX_KEY_NOTSUP"),
        1002 => Some("SRT_REJX_FILEPATH"),
        1003 => Some("SRT_REJX_HOSTNOTFOUND"),
        1400 => Some("SRT_REJX_BAD_REQUEST"),
        1401 => Some("SRT_REJX_UNAUTHORIZED"),
        1402 => Some("SRT_REJX_OVERLOAD"),
        1403 => Some("SRT_REJX_FORBIDDEN"),
        1404 => Some("SRT_REJX_NOTFOUND"),
        1405 => Some("SRT_REJX_BAD_MODE"),
        1406 => Some("SRT_REJX_UNACCEPTABLE"),
        1409 => Some("SRT_REJX_CONFLICT"),
        1415 => Some("SRT_REJX_NOTSUP_MEDIA"),
        1423 => Some("SRT_REJX_LOCKED"),
        1424 => Some("SRT_REJX_FAILED_DEPEND"),
        1500 => Some("SRT_REJX_ISE"),
        1501 => Some("SRT_REJX_UNIMPLEMENTED"),
        1502 => Some("SRT_REJX_GW"),
        1503 => Some("SRT_REJX_DOWN"),
        1505 => Some("SRT_REJX_VERSION"),
        1507 => Some("SRT_REJX_NOROOM"),
        _ => None,
    };
    match reason {
        0..1000 => INTERNAL
            .get(reason as usize)
            .map_or_else(|| "(an SRT internal code)".to_owned(), |n| (*n).to_owned()),
        1000..2000 => predefined.map_or_else(
            || "(a predefined application code)".to_owned(),
            |n| n.to_owned(),
        ),
        _ => "(a user-defined code)".to_owned(),
    }
}

/// Microseconds since the probe started, as SRT timestamps count (wrapping at 32 bits).
fn timestamp(started: Instant) -> u32 {
    // Truncation is the wrap SRT timestamps have.
    started.elapsed().as_micros() as u32
}

/// What one caller sends.
struct Caller {
    socket_id: u32,
    initial_sequence: u32,
    peer_ip: [u8; 16],
    streamid: String,
}

impl Caller {
    fn new(peer: IpAddr, streamid: String) -> Self {
        let random = u64::from_le_bytes(crate::random());
        Caller {
            // Non-zero (0 addresses a listener) and positive as a C int, as libsrt's ids are.
            socket_id: ((random >> 32) as u32 & 0x3FFF_FFFF) | 1,
            // Sequence numbers have 31 bits.
            initial_sequence: random as u32 & 0x7FFF_FFFF,
            peer_ip: peer_ip_field(peer),
            streamid,
        }
    }

    fn handshake(
        &self,
        timestamp: u32,
        version: u32,
        type_field: u16,
        request_type: u32,
        cookie: u32,
    ) -> Vec<u8> {
        let mut p = Vec::with_capacity(HANDSHAKE_LEN + 64 + self.streamid.len());
        control_header(&mut p, CTRL_HANDSHAKE, timestamp, 0);
        put(&mut p, version);
        p.extend_from_slice(&0u16.to_be_bytes()); // encryption field: no PBKEYLEN advertised
        p.extend_from_slice(&type_field.to_be_bytes());
        put(&mut p, self.initial_sequence);
        put(&mut p, MTU);
        put(&mut p, FLOW_WINDOW);
        put(&mut p, request_type);
        put(&mut p, self.socket_id);
        put(&mut p, cookie);
        p.extend_from_slice(&self.peer_ip);
        p
    }

    fn induction(&self, timestamp: u32) -> Vec<u8> {
        self.handshake(timestamp, 4, UDT_DGRAM, HS_INDUCTION, 0)
    }

    fn conclusion(&self, timestamp: u32, cookie: u32) -> Vec<u8> {
        let mut p = self.handshake(
            timestamp,
            5,
            EXT_FLAG_HSREQ | EXT_FLAG_CONFIG,
            HS_CONCLUSION,
            cookie,
        );
        // SRT_CMD_HSREQ: version, flags, receiver TSBPD delay << 16 | sender TSBPD delay.
        p.extend_from_slice(&SRT_CMD_HSREQ.to_be_bytes());
        p.extend_from_slice(&3u16.to_be_bytes());
        put(&mut p, SRT_VERSION);
        put(&mut p, HSREQ_FLAGS);
        put(&mut p, (LATENCY_MS << 16) | LATENCY_MS);
        // SRT_CMD_SID.
        let sid = sid_words(&self.streamid);
        p.extend_from_slice(&SRT_CMD_SID.to_be_bytes());
        // At most 512 / 4 words (the streamid length is checked before).
        p.extend_from_slice(&((sid.len() / 4) as u16).to_be_bytes());
        p.extend_from_slice(&sid);
        p
    }
}

/// The `SHUTDOWN` control packet for the listener's socket (4 bytes of padding as its body, as
/// libsrt sends it).
fn shutdown(timestamp: u32, listener_socket: u32) -> Vec<u8> {
    let mut p = Vec::with_capacity(20);
    control_header(&mut p, CTRL_SHUTDOWN, timestamp, listener_socket);
    put(&mut p, 0);
    p
}

fn control_header(p: &mut Vec<u8>, control_type: u16, timestamp: u32, destination: u32) {
    p.extend_from_slice(&(0x8000 | control_type).to_be_bytes());
    p.extend_from_slice(&0u16.to_be_bytes()); // subtype
    put(p, 0); // type-specific information
    put(p, timestamp);
    put(p, destination);
}

fn put(p: &mut Vec<u8>, word: u32) {
    p.extend_from_slice(&word.to_be_bytes());
}

/// The streamid as SID extension content: zero-padded to whole 32-bit words, each word's bytes
/// reversed. libsrt copies the string into host-order (little-endian) words and converts every
/// word of the packet to network order, so on the wire `#!::` reads `::!#`.
pub(crate) fn sid_words(streamid: &str) -> Vec<u8> {
    let mut bytes = streamid.as_bytes().to_vec();
    bytes.resize(bytes.len().div_ceil(4) * 4, 0);
    for word in bytes.chunks_exact_mut(4) {
        word.reverse();
    }
    bytes
}

/// The peer address field as libsrt writes it: the address's bytes in 32-bit words, each word
/// reversed by the same host-to-network conversion (IPv4 in the first word, the rest zero).
fn peer_ip_field(peer: IpAddr) -> [u8; 16] {
    let mut field = [0u8; 16];
    match peer {
        IpAddr::V4(v4) => field[..4].copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) => field.copy_from_slice(&v6.octets()),
    }
    for word in field.chunks_exact_mut(4) {
        word.reverse();
    }
    field
}

/// The fields of a handshake answer the caller looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Handshake {
    pub(crate) version: u32,
    pub(crate) extension_field: u16,
    pub(crate) request_type: u32,
    pub(crate) socket_id: u32,
    pub(crate) cookie: u32,
}

/// Reads a handshake control packet addressed to `socket_id`; anything else is `None`.
pub(crate) fn parse_handshake(datagram: &[u8], socket_id: u32) -> Option<Handshake> {
    let word = |i: usize| -> Option<u32> {
        let b = datagram.get(i..i + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    if datagram.len() < HANDSHAKE_LEN {
        return None;
    }
    let first = word(0)?;
    // Control bit set, control type handshake, subtype 0.
    if first != 0x8000_0000 || word(12)? != socket_id {
        return None;
    }
    Some(Handshake {
        version: word(16)?,
        extension_field: (word(20)? & 0xFFFF) as u16,
        request_type: word(36)?,
        socket_id: word(40)?,
        cookie: word(44)?,
    })
}

/// What waiting for an answer gave.
enum Exchange {
    Answer(Handshake),
    /// A datagram that is not a handshake for this caller.
    Ignored,
    Timeout,
    Io(io::Error),
}

/// Sends `packet` when `next_send` has come (and schedules the next send
/// [`RETRANSMIT_INTERVAL`] later), then waits for one datagram until the next send or the
/// deadline. A datagram that is ignored does not cause a send: a peer answering every packet
/// with garbage gets one packet per interval, not a ping-pong.
async fn exchange(
    socket: &UdpSocket,
    packet: &[u8],
    socket_id: u32,
    next_send: &mut Instant,
    deadline: Instant,
) -> Exchange {
    let mut buf = [0u8; MAX_DATAGRAM];
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Exchange::Timeout;
        }
        if now >= *next_send {
            if let Err(e) = socket.send(packet).await {
                return Exchange::Io(e);
            }
            *next_send = now + RETRANSMIT_INTERVAL;
        }
        let wake = (*next_send).min(deadline);
        match timeout_at(wake, socket.recv(&mut buf)).await {
            Ok(Ok(n)) => {
                return match parse_handshake(buf.get(..n).unwrap_or_default(), socket_id) {
                    Some(hs) => Exchange::Answer(hs),
                    None => Exchange::Ignored,
                };
            }
            Ok(Err(e)) => return Exchange::Io(e),
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_words_reverse_each_zero_padded_word() {
        assert_eq!(sid_words("#!::r=a"), b"::!#\0a=r".to_vec());
        assert_eq!(sid_words("#!::"), b"::!#".to_vec());
        assert_eq!(sid_words("#!::r=ab"), b"::!#ba=r".to_vec());
        assert_eq!(sid_words("#!::x"), b"::!#\0\0\0x".to_vec());
    }

    #[test]
    fn rejection_codes_are_named_by_range() {
        assert_eq!(rejection_name(2), "SRT_REJ_PEER");
        assert_eq!(rejection_name(17), "SRT_REJ_CRYPTO");
        assert_eq!(rejection_name(40), "(an SRT internal code)");
        assert_eq!(rejection_name(1403), "SRT_REJX_FORBIDDEN");
        assert_eq!(rejection_name(1777), "(a predefined application code)");
        assert_eq!(rejection_name(2005), "(a user-defined code)");
    }

    #[test]
    fn the_peer_address_is_written_as_libsrt_writes_it() {
        let f = peer_ip_field(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(f[..4], [1, 0, 0, 127]);
        assert!(f[4..].iter().all(|b| *b == 0));
    }

    #[test]
    fn only_handshakes_for_this_caller_are_read() {
        let caller = Caller::new(IpAddr::V4(Ipv4Addr::LOCALHOST), "#!::r=a".into());
        let mut answer = caller.handshake(0, 5, SRT_MAGIC, HS_INDUCTION, 0xC0FFEE);
        // The listener addresses its answer to the caller's socket.
        answer[12..16].copy_from_slice(&caller.socket_id.to_be_bytes());
        let hs = parse_handshake(&answer, caller.socket_id).expect("handshake");
        assert_eq!(
            (hs.version, hs.extension_field, hs.cookie),
            (5, SRT_MAGIC, 0xC0FFEE)
        );
        assert_eq!(parse_handshake(&answer, caller.socket_id ^ 1), None);
        assert_eq!(parse_handshake(&answer[..63], caller.socket_id), None);
        let mut data = answer.clone();
        data[0] = 0x00; // a data packet
        assert_eq!(parse_handshake(&data, caller.socket_id), None);
    }
}
