//! Round-trip mode: decision throughput over loopback beside a raw HTTP POST in the same run, at
//! concurrency 1, 8 and 64.
//!
//! * `roundtrip/reference/raw_post/{C}`: `C` workers, each on its own HTTP/1 keep-alive connection
//!   made directly with hyper, POST a Red5 Pro-shaped JSON body to the reference service's
//!   `/healthz` (a handler that touches no state) and read the whole answer. This is the cost of
//!   one loopback request/response on the same server stack.
//! * `roundtrip/reference/raw_validate/{C}`: the same raw POST to `/validateCredentials`, so the
//!   service decides an allowed publish as it does for a decision: `decision / raw_validate` is
//!   what the round-trip client itself costs beyond a bare hyper connection, while
//!   `raw_validate / raw_post` is the service's own decision work.
//! * `roundtrip/reference/reqwest_post/{C}`: the same POST to `/healthz` through one pooled
//!   reqwest client (no redirects, no retries, no proxy), reading the whole answer: what a
//!   general-purpose HTTP client library costs beyond a bare hyper connection.
//! * `roundtrip/decision/{red5pro,mediamtx}/{C}`: `C` workers share one `RoundTripAuthenticator`
//!   (a pooled hyper client) and decide an allowed publish: request encoding, the round trip, the
//!   service's password check and rules, answer parsing, the per-attempt deadline and body cap.
//!
//! One iteration is one request per worker (`Throughput::Elements(C)`), so Criterion's
//! elements/s is requests per second and time per iteration is comparable across ids of the same
//! concurrency. The service runs on its own thread and single-threaded runtime, the clients on
//! another, so server and client each have a core of the 2-core machine.
//!
//! Target: a decision costs at most 1.3x the raw request (ratio of the mean times per iteration at
//! the same concurrency). The authenticator used to send through reqwest, which alone cost about
//! 1.66x the raw request (compare `reqwest_post`: reqwest 0.13 runs every request through tower
//! layers and re-parses the request URL from the response's URI); it now uses a pooled hyper
//! client, so what remains is the mode's own work and the service's decision.

use std::hint::black_box;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use authbench_authsvc::{AuthService, PATH_HEALTH, PATH_MEDIAMTX, PATH_VALIDATE, ServiceOptions};
use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Identities, Identity, StreamPath, SystemClock,
    Transport,
};
use authbench_roundtrip::{Protocol, RoundTripAuthenticator, RoundTripConfig};
use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::runtime::Runtime;
use tokio::sync::oneshot;

const CONCURRENCY: [usize; 3] = [1, 8, 64];

/// The reference service on its own thread; dropping the sender stops it.
struct Server {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

fn start_server() -> Server {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let mut users = Identities::new();
            users.insert(
                "alice".into(),
                Identity {
                    password: "alice-pw".into(),
                    rooms: vec!["room1".into()],
                    ..Identity::default()
                },
            );
            let service = AuthService::new(&users, ServiceOptions::default()).expect("service");
            let running = service.spawn_loopback().await.expect("listen");
            addr_tx.send(running.local_addr()).expect("report address");
            let _ = stop_rx.await;
            running.shutdown().await;
        });
    });
    Server {
        addr: addr_rx.recv().expect("server address"),
        _stop: stop_tx,
    }
}

fn request() -> AuthRequest {
    AuthRequest::new(
        Action::Publish,
        Transport::Rtmp,
        StreamPath::new("live/room1/cam1").expect("path"),
        Credentials::user_password("alice", "alice-pw"),
    )
}

fn authenticator(addr: SocketAddr, protocol: Protocol) -> Arc<RoundTripAuthenticator> {
    let path = match protocol {
        Protocol::Red5pro => PATH_VALIDATE,
        Protocol::Mediamtx => PATH_MEDIAMTX,
    };
    let cfg = RoundTripConfig::new(format!("http://{addr}{path}"), protocol);
    Arc::new(
        RoundTripAuthenticator::from_config(&cfg, Path::new("."), Arc::new(SystemClock))
            .expect("config"),
    )
}

/// A raw HTTP/1 keep-alive connection.
async fn connect(addr: SocketAddr) -> SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (send, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    send
}

const RAW_BODY: &str = r#"{"type":"publisher","username":"alice","password":"alice-pw","token":"","streamID":"cam1","scope":"live/room1"}"#;

async fn raw_post(send: &mut SendRequest<Full<Bytes>>, addr: SocketAddr, path: &'static str) {
    let req = hyper::Request::post(path)
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Full::new(Bytes::from_static(RAW_BODY.as_bytes())))
        .expect("request");
    send.ready().await.expect("ready");
    let resp = send.send_request(req).await.expect("answer");
    assert!(resp.status().is_success());
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    black_box(body);
}

/// Runs `iters` rounds of one request per worker across `conns`, returns the elapsed time.
fn time_raw(
    rt: &Runtime,
    addr: SocketAddr,
    conns: &mut Vec<SendRequest<Full<Bytes>>>,
    path: &'static str,
    iters: u64,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let workers: Vec<_> = conns
            .drain(..)
            .map(|mut send| {
                tokio::spawn(async move {
                    for _ in 0..iters {
                        raw_post(&mut send, addr, path).await;
                    }
                    send
                })
            })
            .collect();
        for w in workers {
            conns.push(w.await.expect("worker"));
        }
        start.elapsed()
    })
}

fn time_reqwest(
    rt: &Runtime,
    client: &reqwest::Client,
    url: &str,
    workers: usize,
    iters: u64,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (0..workers)
            .map(|_| {
                let client = client.clone();
                let url = url.to_owned();
                tokio::spawn(async move {
                    for _ in 0..iters {
                        let resp = client
                            .post(&url)
                            .header("content-type", "application/json")
                            .header("accept", "application/json")
                            .body(RAW_BODY)
                            .send()
                            .await
                            .expect("answer");
                        assert!(resp.status().is_success());
                        black_box(resp.bytes().await.expect("body"));
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("worker");
        }
        start.elapsed()
    })
}

fn time_decisions(
    rt: &Runtime,
    auth: &Arc<RoundTripAuthenticator>,
    workers: usize,
    iters: u64,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let tasks: Vec<_> = (0..workers)
            .map(|_| {
                let auth = auth.clone();
                tokio::spawn(async move {
                    let req = request();
                    for _ in 0..iters {
                        let d = auth.authenticate(&req).await;
                        assert!(d.is_allow(), "{d:?}");
                        black_box(d);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("worker");
        }
        start.elapsed()
    })
}

fn roundtrip(c: &mut Criterion) {
    let server = start_server();
    let addr = server.addr;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");

    let mut reference = c.benchmark_group("roundtrip/reference");
    reference
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    for workers in CONCURRENCY {
        let mut conns: Vec<_> = rt.block_on(async { open_connections(addr, workers).await });
        reference.throughput(Throughput::Elements(workers as u64));
        reference.bench_with_input(BenchmarkId::new("raw_post", workers), &workers, |b, _| {
            b.iter_custom(|iters| time_raw(&rt, addr, &mut conns, PATH_HEALTH, iters));
        });
        reference.bench_with_input(
            BenchmarkId::new("raw_validate", workers),
            &workers,
            |b, _| {
                b.iter_custom(|iters| time_raw(&rt, addr, &mut conns, PATH_VALIDATE, iters));
            },
        );
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never().max_retries_per_request(0))
        .no_proxy()
        .build()
        .expect("client");
    let url = format!("http://{addr}{PATH_HEALTH}");
    for workers in CONCURRENCY {
        time_reqwest(&rt, &client, &url, workers, 2);
        reference.throughput(Throughput::Elements(workers as u64));
        reference.bench_with_input(
            BenchmarkId::new("reqwest_post", workers),
            &workers,
            |b, &w| {
                b.iter_custom(|iters| time_reqwest(&rt, &client, &url, w, iters));
            },
        );
    }
    reference.finish();

    let mut decision = c.benchmark_group("roundtrip/decision");
    decision
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    for (name, protocol) in [
        ("red5pro", Protocol::Red5pro),
        ("mediamtx", Protocol::Mediamtx),
    ] {
        let auth = authenticator(addr, protocol);
        for workers in CONCURRENCY {
            // Open the pool's connections before measuring.
            time_decisions(&rt, &auth, workers, 2);
            decision.throughput(Throughput::Elements(workers as u64));
            decision.bench_with_input(BenchmarkId::new(name, workers), &workers, |b, &w| {
                b.iter_custom(|iters| time_decisions(&rt, &auth, w, iters));
            });
        }
    }
    decision.finish();
}

async fn open_connections(addr: SocketAddr, n: usize) -> Vec<SendRequest<Full<Bytes>>> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(connect(addr).await);
    }
    conns
}

criterion_group!(benches, roundtrip);
criterion_main!(benches);
