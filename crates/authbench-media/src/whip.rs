//! The WHIP / WHEP probe (RFC 9725 and the WHEP draft): the client side as far as the server's
//! answer to an SDP offer.
//!
//! The probe POSTs a minimal valid offer (`application/sdp`; audio and video, `sendonly` for
//! WHIP and `recvonly` for WHEP, no ICE candidates, so no media packet is ever sent) to the
//! endpoint template filled in for the request (`{stream}`, `{app}`, `{name}`, `{credentials}`:
//! see [`crate::template`]). The offer's direction follows the transport: WHIP publishes and
//! WHEP plays, whatever the request's action says.
//!
//! Credentials: `present: token` sends `Authorization: Bearer <token>` (RFC 9725 §4.5);
//! `present: password` sends `Authorization: Basic` with the user name and password (what
//! MediaMTX and similar servers accept). A request with neither sends no `Authorization`. A
//! token that no header can carry (a control character) is `malformed_credentials`
//! and nothing is sent: the probe never asks without the credentials it was given. A
//! template with `{credentials}` also carries them in the URL's query (for servers whose hooks
//! see only the URL, such as SRS); `Authorization` is sent all the same. The filled-in URL is
//! never shown: details and logs name the endpoint's origin only.
//!
//! Verdicts:
//!
//! * `201 Created` is an allow. The session resource named by `Location` is then deleted
//!   (`DELETE`, same credentials), but only when it lies on the endpoint's own origin: the probe
//!   never sends credentials to a host the server names.
//! * Any `4xx` is `server_refused` with the status and the start of the body: `401` / `403` are
//!   the authentication answers, and a `404` (no such stream), `409` (already publishing) or
//!   `400` (offer refused) is the server refusing this session just the same.
//! * A `5xx` is `backend_unavailable`: the server failed rather than refused, so it says nothing
//!   about these credentials.
//! * Any other status (a `200` where the protocol says `201`, a redirect, which is never
//!   followed) is `backend_protocol_error`, as is a header block or body over [`MAX_BODY_LEN`].
//! * No connection is `backend_unavailable`; no complete answer within the timeout is
//!   `backend_timeout`.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use authbench_core::duration::format_duration;
use authbench_core::{AuthRequest, Decision, DenyReason, Transport};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue, LOCATION};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::ServerName;
use url::{Host, Url};

use crate::{CLEANUP_TIMEOUT, Close, Present, Probed, QueryNames};

/// Longest answer body read (an SDP answer is a few KiB), and the bound on the header block.
pub const MAX_BODY_LEN: usize = 64 * 1024;
/// Most of a refusal's body shown in the detail, counted after the request's secrets are
/// redacted from it.
const SHOWN_BODY_LEN: usize = 160;

/// Asks the WHIP or WHEP endpoint (`endpoint` is the template) whether `req` may publish or play.
pub(crate) async fn probe(
    endpoint: &str,
    req: &AuthRequest,
    present: Present,
    names: &QueryNames,
    timeout: Duration,
) -> Probed {
    let name = req.transport.as_str();
    // Holds the credentials with `{credentials}`: only the parse error's kind is ever shown.
    let filled = crate::template::expand(endpoint, req, present, names);
    let url = match filled.map(|u| Url::parse(&u)) {
        Ok(Ok(u)) => u,
        Ok(Err(e)) => {
            return Decision::deny(
                DenyReason::BackendUnavailable,
                format!("bad {name} endpoint: {e}"),
            )
            .into();
        }
        Err(e) => {
            return Decision::deny(
                DenyReason::BackendUnavailable,
                format!("bad {name} endpoint template: {e}"),
            )
            .into();
        }
    };
    let target = match Target::new(url) {
        Ok(t) => t,
        Err(e) => return Decision::deny(DenyReason::BackendUnavailable, e).into(),
    };
    let auth = match authorization(req, present) {
        Ok(auth) => auth,
        Err(decision) => return decision.into(),
    };
    let deadline = Instant::now() + timeout;
    // The connection task outlives the answer only as long as cleanup may take.
    let linger = deadline + CLEANUP_TIMEOUT;
    let offer = sdp_offer(req.transport);
    let exchange = async {
        let mut conn = target.connect(linger).await?;
        let post = target.request(Method::POST, target.url.clone(), auth.clone(), Some(offer));
        let resp = conn
            .send_request(post)
            .await
            .map_err(|e| answer_failed(&e))?;
        let status = resp.status();
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok::<_, Failure>((conn, status, location, resp.into_body()))
    };
    // The head first, then the body: a session opened by a 201 whose body never ends is still
    // known, and deleted.
    let (conn, status, location, body) = match tokio::time::timeout_at(deadline, exchange).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(Failure::Unavailable(d))) => {
            return Decision::deny(DenyReason::BackendUnavailable, d).into();
        }
        Ok(Err(Failure::Protocol(d))) => {
            return Decision::deny(
                DenyReason::BackendProtocolError,
                crate::sanitize(req, &format!("{name}: {d}")),
            )
            .into();
        }
        Err(_) => {
            return Decision::deny(
                DenyReason::BackendTimeout,
                format!(
                    "no {name} answer from {} within {}",
                    target.shown,
                    format_duration(timeout)
                ),
            )
            .into();
        }
    };
    let session = (status == StatusCode::CREATED)
        .then(|| location.as_deref().and_then(|l| target.same_origin(l)))
        .flatten();
    let body = Limited::new(body, MAX_BODY_LEN).collect();
    let decision = match tokio::time::timeout_at(deadline, body).await {
        Ok(Ok(body)) => judge(req, present, name, status, &body.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Decision::deny(
            DenyReason::BackendProtocolError,
            format!(
                "{name}: the {status} answer's body is longer than {} KiB",
                MAX_BODY_LEN >> 10
            ),
        ),
        Ok(Err(e)) => Decision::deny(
            DenyReason::BackendUnavailable,
            format!("{name}: the {status} answer's body was cut short ({e})"),
        ),
        Err(_) => Decision::deny(
            DenyReason::BackendTimeout,
            format!(
                "{name}: the {status} answer's body did not end within {}",
                format_duration(timeout)
            ),
        ),
    };
    // A session the server opened is taken down whatever the verdict (an oversized 201 too).
    let Some(session) = session else {
        let decision = if decision.is_allow() && status == StatusCode::CREATED {
            with_note(
                decision,
                "no Location on the server's own origin: session not deleted",
            )
        } else {
            decision
        };
        return decision.into();
    };
    let delete = target.request(Method::DELETE, session, auth, None);
    let close: Close = Box::pin(async move {
        let deleted =
            tokio::time::timeout(CLEANUP_TIMEOUT, target.delete(conn, delete, linger)).await;
        let problem = match deleted {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e,
            Err(_) => "no answer to DELETE in time".to_owned(),
        };
        tracing::warn!("{name} session at {} not deleted: {problem}", target.shown);
    });
    Probed {
        decision,
        close: Some(close),
    }
}

/// The decision for a complete answer.
fn judge(
    req: &AuthRequest,
    present: Present,
    name: &str,
    status: StatusCode,
    body: &Bytes,
) -> Decision {
    let reason = status.canonical_reason().unwrap_or("");
    let said = || {
        // Secrets out first, then the cut: a secret across the cut would survive in part.
        let text = crate::redact(req, String::from_utf8_lossy(body).trim());
        let shown: String = text.chars().take(SHOWN_BODY_LEN).collect();
        match (shown.is_empty(), shown.len() < text.len()) {
            (true, _) => format!("{name}: {} {reason}", status.as_u16()),
            (false, false) => format!("{name}: {} {reason}: {shown}", status.as_u16()),
            (false, true) => format!("{name}: {} {reason}: {shown}…", status.as_u16()),
        }
    };
    if status == StatusCode::CREATED {
        Decision::allow(crate::principal(req, present))
    } else if status.is_client_error() {
        crate::refused(req, &said())
    } else if status.is_server_error() {
        Decision::deny(
            DenyReason::BackendUnavailable,
            crate::sanitize(req, &said()),
        )
    } else {
        let why = if status.is_redirection() {
            "redirects are not followed"
        } else {
            "the protocol answers an offer with 201 Created"
        };
        Decision::deny(
            DenyReason::BackendProtocolError,
            format!("{name}: answered {} {reason}; {why}", status.as_u16()),
        )
    }
}

fn with_note(decision: Decision, note: &str) -> Decision {
    match decision {
        Decision::Allow(mut a) => {
            a.note = Some(note.to_owned());
            Decision::Allow(a)
        }
        deny => deny,
    }
}

/// The `Authorization` value for what the clients of this server present, marked sensitive:
/// `None` when the request carries nothing of that kind, a `malformed_credentials` deny when what
/// it carries cannot be written in a header (a token with a control character).
/// Never a request without the credentials instead: an open server would let that in.
fn authorization(req: &AuthRequest, present: Present) -> Result<Option<HeaderValue>, Decision> {
    let c = &req.credentials;
    let text = match present {
        Present::Token => match &c.token {
            Some(token) => format!("Bearer {}", token.expose()),
            None => return Ok(None),
        },
        Present::Password => {
            let user = c.username.as_deref().unwrap_or_default();
            let password = c.password.as_ref().map(|p| p.expose()).unwrap_or_default();
            if c.username.is_none() && c.password.is_none() {
                return Ok(None);
            }
            // The server splits at the first `:`: such a name would reach it cut short.
            if user.contains(':') {
                return Err(Decision::deny(
                    DenyReason::MalformedCredentials,
                    "a user name with `:` cannot be sent with Basic authentication",
                ));
            }
            let pair = format!("{user}:{password}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        }
    };
    // Basic is base64 and always fits; a Bearer token is written as it is.
    let mut value = HeaderValue::from_str(&text).map_err(|_| {
        Decision::deny(
            DenyReason::MalformedCredentials,
            format!(
                "the {} holds a control character, which an HTTP Authorization header cannot carry",
                present.as_str()
            ),
        )
    })?;
    value.set_sensitive(true);
    Ok(Some(value))
}

/// A minimal SDP offer a WebRTC server accepts: one H.264 video and one Opus audio section,
/// bundled, ICE credentials and a DTLS fingerprint (random: no DTLS ever starts), no candidates.
pub(crate) fn sdp_offer(transport: Transport) -> Bytes {
    let direction = match transport {
        Transport::Whep => "recvonly",
        _ => "sendonly",
    };
    let session = u64::from_le_bytes(crate::random()) >> 2;
    let ufrag = format!("{:08x}", u32::from_le_bytes(crate::random()));
    let pwd = format!("{:032x}", u128::from_le_bytes(crate::random()));
    let mut fingerprint = String::new();
    for b in crate::random::<32>() {
        if !fingerprint.is_empty() {
            fingerprint.push(':');
        }
        let _ = write!(fingerprint, "{b:02X}");
    }
    let common = |mid: u8| {
        format!(
            "c=IN IP4 0.0.0.0\r\n\
             a=rtcp:9 IN IP4 0.0.0.0\r\n\
             a=ice-ufrag:{ufrag}\r\n\
             a=ice-pwd:{pwd}\r\n\
             a=ice-options:trickle\r\n\
             a=fingerprint:sha-256 {fingerprint}\r\n\
             a=setup:actpass\r\n\
             a=mid:{mid}\r\n\
             a={direction}\r\n\
             a=rtcp-mux\r\n"
        )
    };
    let sdp = format!(
        "v=0\r\n\
         o=- {session} 2 IN IP4 127.0.0.1\r\n\
         s=-\r\n\
         t=0 0\r\n\
         a=group:BUNDLE 0 1\r\n\
         a=msid-semantic: WMS\r\n\
         m=video 9 UDP/TLS/RTP/SAVPF 96\r\n\
         {video}\
         a=rtcp-rsize\r\n\
         a=rtpmap:96 H264/90000\r\n\
         a=rtcp-fb:96 nack\r\n\
         a=rtcp-fb:96 nack pli\r\n\
         a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n\
         m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n\
         {audio}\
         a=rtpmap:111 opus/48000/2\r\n\
         a=fmtp:111 minptime=10;useinbandfec=1\r\n",
        video = common(0),
        audio = common(1),
    );
    Bytes::from(sdp)
}

/// Why the exchange ended without a complete answer.
enum Failure {
    Unavailable(String),
    Protocol(String),
}

fn answer_failed(e: &hyper::Error) -> Failure {
    if e.is_parse() || e.is_parse_status() {
        Failure::Protocol(format!("the answer is not HTTP/1.1 within bounds ({e})"))
    } else {
        Failure::Unavailable(format!("the connection failed before an answer ({e})"))
    }
}

/// The endpoint as resolved for one request.
struct Target {
    url: Url,
    host: Host<String>,
    port: u16,
    https: bool,
    /// `scheme://host:port`, for details (never a path or query: they may carry a stream key).
    shown: String,
}

impl Target {
    fn new(url: Url) -> Result<Self, String> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => return Err(format!("scheme `{other}` is not http or https")),
        };
        let host = url
            .host()
            .map(|h| h.to_owned())
            .ok_or_else(|| "the endpoint has no host".to_owned())?;
        let port = url
            .port_or_known_default()
            .ok_or_else(|| "the endpoint has no port".to_owned())?;
        let shown = format!("{}://{host}:{port}", url.scheme());
        Ok(Target {
            url,
            host,
            port,
            https,
            shown,
        })
    }

    /// `location` resolved against the endpoint, if it stays on the endpoint's origin.
    fn same_origin(&self, location: &str) -> Option<Url> {
        let resolved = self.url.join(location).ok()?;
        (resolved.origin() == self.url.origin()).then_some(resolved)
    }

    fn request(
        &self,
        method: Method,
        url: Url,
        auth: Option<HeaderValue>,
        body: Option<Bytes>,
    ) -> Request<Full<Bytes>> {
        let with_body = body.is_some();
        let mut req = Request::new(Full::new(body.unwrap_or_default()));
        *req.method_mut() = method;
        // The origin-form target: path and query of the URL.
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        if let Ok(uri) = target.parse() {
            *req.uri_mut() = uri;
        }
        let headers = req.headers_mut();
        let host = match url.port() {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.to_string(),
        };
        if let Ok(v) = HeaderValue::from_str(&host) {
            headers.insert(HOST, v);
        }
        if with_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/sdp"));
        }
        if let Some(auth) = auth {
            headers.insert(AUTHORIZATION, auth);
        }
        req
    }

    /// A new HTTP/1.1 connection (TCP, then TLS for https); its task ends by `linger`.
    async fn connect(&self, linger: Instant) -> Result<SendRequest<Full<Bytes>>, Failure> {
        let tcp = match &self.host {
            Host::Domain(d) => TcpStream::connect((d.as_str(), self.port)).await,
            Host::Ipv4(ip) => TcpStream::connect((*ip, self.port)).await,
            Host::Ipv6(ip) => TcpStream::connect((*ip, self.port)).await,
        }
        .map_err(|e| {
            Failure::Unavailable(match e.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    format!("{} refused the TCP connection", self.shown)
                }
                _ => format!("cannot reach {}: {e}", self.shown),
            })
        })?;
        let _ = tcp.set_nodelay(true);
        if self.https {
            let name = match &self.host {
                Host::Domain(d) => ServerName::try_from(d.clone())
                    .map_err(|e| Failure::Unavailable(format!("{}: {e}", self.shown)))?,
                Host::Ipv4(ip) => ServerName::IpAddress(std::net::IpAddr::V4(*ip).into()),
                Host::Ipv6(ip) => ServerName::IpAddress(std::net::IpAddr::V6(*ip).into()),
            };
            let tls = tls_connector()
                .map_err(Failure::Unavailable)?
                .connect(name, tcp)
                .await
                .map_err(|e| {
                    Failure::Unavailable(format!("TLS with {} failed: {e}", self.shown))
                })?;
            handshake(TokioIo::new(tls), linger).await
        } else {
            handshake(TokioIo::new(tcp), linger).await
        }
    }

    /// Sends the DELETE on the same connection when it is still open, else on a new one.
    async fn delete(
        &self,
        mut conn: SendRequest<Full<Bytes>>,
        req: Request<Full<Bytes>>,
        linger: Instant,
    ) -> Result<(), String> {
        if conn.ready().await.is_err() {
            conn = self.connect(linger).await.map_err(|f| match f {
                Failure::Unavailable(d) | Failure::Protocol(d) => d,
            })?;
        }
        let resp = conn.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status();
        // Drain a bounded body so the server sees the exchange complete.
        let _ = Limited::new(resp.into_body(), MAX_BODY_LEN).collect().await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("DELETE answered {status}"))
        }
    }
}

async fn handshake<T>(io: TokioIo<T>, linger: Instant) -> Result<SendRequest<Full<Bytes>>, Failure>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (send, conn) = http1::Builder::new()
        .max_buf_size(MAX_BODY_LEN)
        // Checked on a complete head too: one read may bring more than the buffer bound.
        .max_header_size(MAX_BODY_LEN)
        .handshake(io)
        .await
        .map_err(|e| Failure::Unavailable(format!("HTTP handshake failed: {e}")))?;
    tokio::spawn(async move {
        // Errors reach the request in flight; a stalled server is dropped at `linger`.
        let _ = tokio::time::timeout_at(linger, conn).await;
    });
    Ok(send)
}

/// rustls (aws-lc-rs) verifying with the platform's roots, built once.
fn tls_connector() -> Result<&'static TlsConnector, String> {
    static TLS: OnceLock<Result<TlsConnector, String>> = OnceLock::new();
    TLS.get_or_init(|| {
        let provider = Arc::new(aws_lc_rs::default_provider());
        let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
            .map_err(|e| format!("no TLS verifier: {e}"))?;
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("no TLS config: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(TlsConnector::from(Arc::new(config)))
    })
    .as_ref()
    .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbench_core::{Action, Credentials, StreamPath};

    fn req(credentials: Credentials) -> AuthRequest {
        AuthRequest::new(
            Action::Publish,
            Transport::Whip,
            StreamPath::new("live/cam1").expect("path"),
            credentials,
        )
    }

    #[test]
    fn the_offer_has_the_direction_of_the_transport_and_no_candidates() {
        let whip = String::from_utf8(sdp_offer(Transport::Whip).to_vec()).expect("utf8");
        let whep = String::from_utf8(sdp_offer(Transport::Whep).to_vec()).expect("utf8");
        assert_eq!(whip.matches("a=sendonly\r\n").count(), 2);
        assert_eq!(whep.matches("a=recvonly\r\n").count(), 2);
        assert!(!whip.contains("a=candidate"));
        assert!(whip.starts_with("v=0\r\n"));
        let fp = whip
            .lines()
            .find_map(|l| l.strip_prefix("a=fingerprint:sha-256 "))
            .expect("fingerprint");
        assert_eq!(fp.split(':').count(), 32);
    }

    #[test]
    fn credentials_go_as_bearer_or_basic_and_are_sensitive() {
        let mut c = Credentials::user_password("alice", "pw");
        c.token = Some("tok".into());
        let r = req(c);
        let bearer = authorization(&r, Present::Token)
            .ok()
            .flatten()
            .expect("bearer");
        assert_eq!(bearer.to_str().ok(), Some("Bearer tok"));
        assert!(bearer.is_sensitive());
        let basic = authorization(&r, Present::Password)
            .ok()
            .flatten()
            .expect("basic");
        assert_eq!(basic.to_str().ok(), Some("Basic YWxpY2U6cHc="));
        assert_eq!(
            authorization(&req(Credentials::none()), Present::Token),
            Ok(None)
        );
        assert_eq!(
            authorization(&req(Credentials::none()), Present::Password),
            Ok(None)
        );
    }

    #[test]
    fn a_token_no_header_can_carry_is_malformed_never_dropped() {
        for bad in ["a\r\nX-Injected: 1", "tok\u{0}"] {
            let decision =
                authorization(&req(Credentials::token(bad)), Present::Token).expect_err("refused");
            assert_eq!(
                decision.reason(),
                Some(DenyReason::MalformedCredentials),
                "{bad:?}"
            );
        }
        // Basic is base64: any characters fit ...
        let basic = authorization(
            &req(Credentials::user_password("al\u{1}ice", "pä\nss")),
            Present::Password,
        );
        assert!(matches!(basic, Ok(Some(_))), "{basic:?}");
        // ... but a user name with `:`, which the server would split wrongly, is refused.
        let colon = authorization(
            &req(Credentials::user_password("al:ice", "pw")),
            Present::Password,
        )
        .expect_err("refused");
        assert_eq!(colon.reason(), Some(DenyReason::MalformedCredentials));
    }

    #[test]
    fn statuses_map_to_reasons() {
        let r = req(Credentials::token("tok"));
        let judge = |s: u16, body: &str| {
            judge(
                &r,
                Present::Token,
                "whip",
                StatusCode::from_u16(s).expect("status"),
                &Bytes::from(body.to_owned()),
            )
        };
        assert!(judge(201, "v=0").is_allow());
        assert_eq!(
            judge(200, "").reason(),
            Some(DenyReason::BackendProtocolError)
        );
        assert_eq!(
            judge(307, "").reason(),
            Some(DenyReason::BackendProtocolError)
        );
        assert_eq!(judge(404, "").reason(), Some(DenyReason::ServerRefused));
        assert_eq!(
            judge(503, "").reason(),
            Some(DenyReason::BackendUnavailable)
        );
    }

    #[test]
    fn only_a_location_on_the_same_origin_is_deleted() {
        let t = Target::new(Url::parse("http://127.0.0.1:8889/live/cam1/whip").expect("url"))
            .expect("target");
        assert_eq!(
            t.same_origin("/session/abc").map(String::from),
            Some("http://127.0.0.1:8889/session/abc".into())
        );
        assert_eq!(
            t.same_origin("abc").map(String::from),
            Some("http://127.0.0.1:8889/live/cam1/abc".into())
        );
        assert_eq!(t.same_origin("http://203.0.113.9/session/abc"), None);
        assert_eq!(t.same_origin("https://127.0.0.1:8889/session/abc"), None);
    }
}
