//! Listening: the accept loop (bounded connections, header read timeout, graceful shutdown) and
//! the layer in front of the router: faults, then the request body, read whole within the body
//! deadline and the size cap before any handler sees it (a body that stops arriving is answered
//! `408`, one that is too large `413`, and the connection is closed either way).

use std::convert::Infallible;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use authbench_core::Identities;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use bytes::{Bytes, BytesMut};
use http_body::Body as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;
use tower_service::Service;

use crate::body::RepeatBody;
use crate::config::ServiceOptions;
use crate::faults::{Outcome, unit_random};
use crate::routes::{self, admin::PeerAddr};
use crate::state::{ServiceError, ServiceHandle, Shared};
use crate::stats::{Endpoint, FaultKind};

/// How long shutdown waits for requests in flight before it lets go of them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The reference auth service, built but not yet listening. [`spawn`](Self::spawn) it (again and
/// again if need be: state such as revocations survives a restart).
#[derive(Debug, Clone)]
pub struct AuthService {
    shared: Arc<Shared>,
}

impl AuthService {
    /// A service for these identities. Generates the first signing key.
    pub fn new(identities: &Identities, options: ServiceOptions) -> Result<Self, ServiceError> {
        Ok(AuthService {
            shared: Arc::new(Shared::new(identities, options)?),
        })
    }

    /// The service's operations as Rust calls.
    pub fn handle(&self) -> ServiceHandle {
        ServiceHandle {
            shared: self.shared.clone(),
        }
    }

    /// Binds `addr` and serves on it in a background task of the current Tokio runtime.
    pub async fn spawn(&self, addr: SocketAddr) -> Result<RunningService, ServiceError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServiceError::Listen {
                addr: addr.to_string(),
                source,
            })?;
        self.serve(listener)
    }

    /// Serves on `127.0.0.1` on a free port.
    pub async fn spawn_loopback(&self) -> Result<RunningService, ServiceError> {
        self.spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Serves on a listener the caller bound, in a background task of the current Tokio runtime.
    pub fn serve(&self, listener: TcpListener) -> Result<RunningService, ServiceError> {
        let local_addr = listener
            .local_addr()
            .map_err(|source| ServiceError::Listen {
                addr: "the given listener".into(),
                source,
            })?;
        let base_url = format!("http://{local_addr}");
        self.shared.listening_on(base_url.clone());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let router = routes::router(self.shared.clone());
        let task = tokio::spawn(accept_loop(
            self.shared.clone(),
            listener,
            router,
            shutdown_rx,
        ));
        tracing::info!(%local_addr, "auth service listening");
        Ok(RunningService {
            handle: self.handle(),
            local_addr,
            base_url,
            shutdown,
            task: Some(task),
        })
    }
}

/// A listening service. Dropping it shuts it down (without waiting);
/// [`shutdown`](Self::shutdown) waits until it has stopped.
pub struct RunningService {
    handle: ServiceHandle,
    local_addr: SocketAddr,
    base_url: String,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for RunningService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningService")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl RunningService {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://ADDR:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The base URL followed by `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The service's operations as Rust calls.
    pub fn handle(&self) -> &ServiceHandle {
        &self.handle
    }

    /// Stops accepting, lets requests in flight finish (hanging and delayed ones are cut short
    /// with `503`), and waits for that, at most a few seconds.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Deref for RunningService {
    type Target = ServiceHandle;

    fn deref(&self) -> &ServiceHandle {
        &self.handle
    }
}

impl Drop for RunningService {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(
    shared: Arc<Shared>,
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let limit = Arc::new(Semaphore::new(shared.options.max_connections.max(1)));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(shared.options.header_read_timeout)
        .keep_alive(true);
    loop {
        if *shutdown.borrow() {
            break;
        }
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => p,
            _ = shutdown.changed() => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let svc = {
            let shared = shared.clone();
            let router = router.clone();
            let shutdown = shutdown.clone();
            hyper::service::service_fn(move |req| {
                front(shared.clone(), router.clone(), peer, shutdown.clone(), req)
            })
        };
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), svc));
        shared.stats.connection_opened();
        let shared = shared.clone();
        tokio::spawn(async move {
            let _ = conn.await;
            shared.stats.connection_closed();
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still in flight after the shutdown grace period");
        }
    }
    tracing::info!("auth service stopped");
}

/// Returned by the fault layer to make hyper close the connection without an answer.
#[derive(Debug)]
struct DroppedConnection;

impl fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DroppedConnection {}

fn plain(status: StatusCode, message: &str) -> Response<Body> {
    routes::error(status, message)
}

/// Counts the request, applies faults, then hands the request to the router.
async fn front(
    shared: Arc<Shared>,
    mut router: Router,
    peer: SocketAddr,
    mut shutdown: watch::Receiver<bool>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DroppedConnection> {
    let path = req.uri().path().to_owned();
    shared.stats.request(Endpoint::of(&path));
    let faults = shared.faults();
    if !faults.is_empty() && faults.applies_to(&path) {
        if let Some(latency) = &faults.latency {
            shared.stats.fault(FaultKind::Latency);
            tokio::select! {
                () = tokio::time::sleep(latency.sample(unit_random)) => {}
                _ = shutdown.changed() => {
                    return Ok(plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down"));
                }
            }
        }
        if faults.hang {
            shared.stats.fault(FaultKind::Hang);
            let mut changed = shared.faults_changed.subscribe();
            while shared.faults().hang {
                tokio::select! {
                    r = changed.changed() => if r.is_err() { break },
                    _ = shutdown.changed() => {
                        return Ok(plain(StatusCode::SERVICE_UNAVAILABLE, "shutting down"));
                    }
                }
            }
        }
        match faults.draw(unit_random) {
            None => {}
            Some(Outcome::Drop) => {
                shared.stats.fault(FaultKind::Drop);
                return Err(DroppedConnection);
            }
            Some(Outcome::Error) => {
                shared.stats.fault(FaultKind::Error);
                return Ok(plain(StatusCode::INTERNAL_SERVER_ERROR, "injected fault"));
            }
            Some(Outcome::Redirect) => {
                shared.stats.fault(FaultKind::Redirect);
                let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
                let mut resp = StatusCode::TEMPORARY_REDIRECT.into_response();
                if let Ok(v) = HeaderValue::from_str(target) {
                    resp.headers_mut().insert(header::LOCATION, v);
                }
                return Ok(resp);
            }
            Some(Outcome::Malformed) => {
                shared.stats.fault(FaultKind::Malformed);
                return Ok(json_body(Body::from(r#"{"result": tru"#)));
            }
            Some(Outcome::Oversized(len)) => {
                shared.stats.fault(FaultKind::Oversized);
                return Ok(json_body(Body::new(RepeatBody::new(len))));
            }
        }
    }
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body = match declared {
        Some(n) if n > routes::MAX_REQUEST_BODY as u64 => Err(BodyProblem::TooLarge),
        _ => read_body(body, shared.options.body_read_timeout).await,
    };
    let body = match body {
        Ok(b) => b,
        Err(BodyProblem::TooLarge) => {
            return Ok(closing(plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is larger than the service accepts",
            )));
        }
        Err(BodyProblem::Late) => {
            tracing::debug!(%peer, "request body not received within the body read timeout");
            return Ok(closing(plain(
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive in time",
            )));
        }
        Err(BodyProblem::Broken) => {
            return Ok(closing(plain(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            )));
        }
    };
    let mut req = Request::from_parts(parts, Body::from(body));
    req.extensions_mut().insert(PeerAddr(peer));
    let resp: Result<Response<Body>, Infallible> = router.call(req).await;
    match resp {
        Ok(r) => Ok(r),
        Err(never) => match never {},
    }
}

/// Why a request body was not read.
enum BodyProblem {
    /// More than [`routes::MAX_REQUEST_BODY`] bytes, declared or sent.
    TooLarge,
    /// Not complete within the body read timeout.
    Late,
    /// The connection failed or the framing was invalid.
    Broken,
}

/// Reads a whole request body, at most [`routes::MAX_REQUEST_BODY`] bytes, within `deadline`.
async fn read_body(mut body: Incoming, deadline: Duration) -> Result<Bytes, BodyProblem> {
    let read = async {
        let mut buf = BytesMut::new();
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            let frame = frame.map_err(|_| BodyProblem::Broken)?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > routes::MAX_REQUEST_BODY {
                    return Err(BodyProblem::TooLarge);
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(buf.freeze())
    };
    tokio::time::timeout(deadline, read)
        .await
        .unwrap_or(Err(BodyProblem::Late))
}

/// Asks hyper to close the connection once this answer is written (the rest of the request
/// body, if any, is never read).
fn closing(mut resp: Response<Body>) -> Response<Body> {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

fn json_body(body: Body) -> Response<Body> {
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
