//! Round-trip mode: decision throughput over loopback beside a raw HTTP POST to the same
//! service, at concurrency 1, 8 and 64.
//!
//! # What each id measures
//!
//! * `roundtrip/reference/raw_post/{C}`: `C` workers, each on its own HTTP/1 keep-alive connection
//!   made directly with hyper, POST a Red5 Pro-shaped JSON body (the very bytes the decision
//!   sends) to the reference service's `/healthz` (a handler that touches no state) and read the
//!   whole answer. This is the cost of one loopback request/response on the same server stack.
//! * `roundtrip/reference/raw_validate/{C}`: the same raw POST to `/validateCredentials`, so the
//!   service decides an allowed publish as it does for a decision: `decision / raw_validate` is
//!   what the round-trip client itself costs beyond a bare hyper connection, while
//!   `raw_validate / raw_post` is the service's own decision work.
//! * `roundtrip/decision/red5pro/{C}`: `C` workers share one `RoundTripAuthenticator` (a pooled
//!   hyper client) and decide an allowed publish through the `Authenticator` trait: request
//!   encoding, the round trip, the service's password check and rules, answer parsing, the
//!   per-attempt deadline and body cap.
//! * `roundtrip/reference/reqwest_post/{C}`: the raw POST to `/healthz` through one pooled
//!   reqwest client (no redirects, no retries, no proxy): what a general-purpose HTTP client
//!   library costs beyond a bare hyper connection.
//! * `roundtrip/decision/mediamtx/{C}`: as `red5pro`, with the MediaMTX protocol.
//!
//! One iteration is one request per worker (`Throughput::Elements(C)`), so Criterion's
//! elements/s is requests per second and time per iteration is comparable across ids of the same
//! concurrency. Each iteration spawns its `C` workers afresh for every slice (below), the same way
//! for every workload. The service runs on its own thread and single-threaded runtime, the
//! clients on another, so server and client each have a core of the 2-core machine.
//!
//! # Interleaved measurement of `raw_post`, `raw_validate` and `red5pro`
//!
//! Consecutive runs on a virtual machine drift by up to 1.6x, far more than the difference being
//! measured, so two ids timed one after the other cannot be compared. These three ids are
//! therefore measured *interleaved*: whichever of them Criterion is timing, the bench runs all
//! three workloads in short alternating slices (about 5 ms of work each, the order rotating every
//! round so each workload goes first, second and third equally often) and hands Criterion the
//! time of its own workload only. Every round is a paired measurement of the three under the same
//! machine conditions. After the three ids of one concurrency, the bench prints the paired ratios
//! from every round timed for them (warm-up included):
//!
//! ```text
//! roundtrip/paired/64: decision/red5pro ÷ raw_post = 1.21 (95% CI 1.18–1.24); ...;
//!   decision/red5pro ÷ raw_post per window: 1.19 while timing raw_post, ...
//! ```
//!
//! The ratio is Σ decision time ÷ Σ raw time over the same rounds; the interval is a percentile
//! bootstrap over Criterion's samples (each sample is one block of consecutive rounds), so
//! correlation between nearby rounds is kept within a block. The same ratio is also shown for
//! each id's window alone: the three agree when there is no order effect. Criterion's own per-id
//! estimates are still printed, but their ratio compares two different measurement windows and
//! drifts with the machine; the paired line does not.
//!
//! Target (issue 13): a decision costs at most 1.3x the raw POST at concurrency 1 and 64. The
//! authenticator used to send through reqwest, which alone cost about 1.66x the raw request
//! (compare `reqwest_post`); it now uses a pooled hyper client, so what remains is the mode's own
//! work and the service's decision.

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
        Protocol::NginxRtmp => authbench_authsvc::PATH_NGINX_RTMP,
        Protocol::Srs => authbench_authsvc::PATH_SRS,
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

/// The three workloads measured interleaved.
const RAW_POST: usize = 0;
const RAW_VALIDATE: usize = 1;
const DECISION: usize = 2;
const PAIRED_NAMES: [&str; 3] = ["raw_post", "raw_validate", "decision/red5pro"];

/// About this much work per workload per slice.
const SLICE: Duration = Duration::from_millis(5);

/// One workload of the interleaved set.
enum Work {
    Raw {
        conns: Vec<SendRequest<Full<Bytes>>>,
        path: &'static str,
    },
    Decide {
        auth: Arc<RoundTripAuthenticator>,
        workers: usize,
    },
}

impl Work {
    fn run(&mut self, rt: &Runtime, addr: SocketAddr, iters: u64) -> Duration {
        match self {
            Work::Raw { conns, path } => time_raw(rt, addr, conns, path, iters),
            Work::Decide { auth, workers } => time_decisions(rt, auth, *workers, iters),
        }
    }
}

/// `raw_post`, `raw_validate` and `red5pro` at one concurrency, run in alternating slices; the
/// time of every workload in every Criterion sample is kept for the paired ratios.
struct Interleaved {
    addr: SocketAddr,
    works: [Work; 3],
    /// Iterations per slice.
    slice: u64,
    /// Which workload goes first in the next round.
    rotation: usize,
    /// Per Criterion sample (one `iter_custom` call): each workload's total time.
    blocks: Vec<[Duration; 3]>,
    /// Per block: the workload whose id Criterion was timing.
    owners: Vec<usize>,
}

impl Interleaved {
    fn new(rt: &Runtime, addr: SocketAddr, workers: usize) -> Self {
        let (post, validate) = rt.block_on(async {
            (
                open_connections(addr, workers).await,
                open_connections(addr, workers).await,
            )
        });
        let auth = authenticator(addr, Protocol::Red5pro);
        let mut works = [
            Work::Raw {
                conns: post,
                path: PATH_HEALTH,
            },
            Work::Raw {
                conns: validate,
                path: PATH_VALIDATE,
            },
            Work::Decide { auth, workers },
        ];
        // Open the pool's connections and warm every path, then size the slices from the raw
        // POST's time per iteration.
        for w in &mut works {
            w.run(rt, addr, 20);
        }
        let per_iter = works[RAW_POST].run(rt, addr, 50) / 50;
        let slice = (SLICE.as_nanos() / per_iter.as_nanos().max(1)).clamp(1, 10_000) as u64;
        Interleaved {
            addr,
            works,
            slice,
            rotation: 0,
            blocks: Vec::new(),
            owners: Vec::new(),
        }
    }

    /// Runs `iters` iterations of every workload in alternating slices; returns `own`'s time.
    fn measure(&mut self, rt: &Runtime, own: usize, iters: u64) -> Duration {
        let mut totals = [Duration::ZERO; 3];
        let mut remaining = iters;
        while remaining > 0 {
            let n = remaining.min(self.slice);
            for k in 0..3 {
                let w = (self.rotation + k) % 3;
                totals[w] += self.works[w].run(rt, self.addr, n);
            }
            self.rotation = (self.rotation + 1) % 3;
            remaining -= n;
        }
        self.blocks.push(totals);
        self.owners.push(own);
        totals[own]
    }

    /// `Σ num ÷ Σ den` over all blocks, with a 95% percentile-bootstrap interval over blocks.
    fn ratio(&self, num: usize, den: usize) -> Option<(f64, f64, f64)> {
        let sums = |picks: &mut dyn Iterator<Item = usize>| {
            let (mut n, mut d) = (0.0, 0.0);
            for i in picks {
                n += self.blocks[i][num].as_secs_f64();
                d += self.blocks[i][den].as_secs_f64();
            }
            n / d
        };
        let len = self.blocks.len();
        if len < 2 {
            return None;
        }
        let point = sums(&mut (0..len));
        // xorshift64*: a fixed seed, so the interval is reproducible for the same samples.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as usize
        };
        let mut boot: Vec<f64> = (0..2000)
            .map(|_| sums(&mut (0..len).map(|_| next() % len)))
            .collect();
        boot.sort_by(f64::total_cmp);
        Some((point, boot[50], boot[1949]))
    }

    fn report(&self, workers: usize) {
        let rounds_note = format!(
            "{} samples of rounds of {} iteration(s) per workload",
            self.blocks.len(),
            self.slice
        );
        let mut parts = Vec::new();
        for (num, den) in [
            (DECISION, RAW_POST),
            (DECISION, RAW_VALIDATE),
            (RAW_VALIDATE, RAW_POST),
        ] {
            if let Some((r, lo, hi)) = self.ratio(num, den) {
                parts.push(format!(
                    "{} ÷ {} = {r:.3} (95% CI {lo:.3}–{hi:.3})",
                    PAIRED_NAMES[num], PAIRED_NAMES[den]
                ));
            }
        }
        // The same ratio within each id's own measurement window: they should agree with each
        // other (no order effect) while Criterion's per-id estimates may not (drift).
        let mut windows = Vec::new();
        for (own, name) in PAIRED_NAMES.iter().enumerate() {
            let (mut d, mut p) = (0.0, 0.0);
            for (block, _) in self
                .blocks
                .iter()
                .zip(&self.owners)
                .filter(|(_, o)| **o == own)
            {
                d += block[DECISION].as_secs_f64();
                p += block[RAW_POST].as_secs_f64();
            }
            if p > 0.0 {
                windows.push(format!("{:.3} while timing {name}", d / p));
            }
        }
        if !windows.is_empty() {
            parts.push(format!(
                "decision/red5pro ÷ raw_post per window: {}",
                windows.join(", ")
            ));
        }
        if !parts.is_empty() {
            println!(
                "roundtrip/paired/{workers}: {}; {rounds_note}",
                parts.join("; ")
            );
        }
    }
}

fn roundtrip(c: &mut Criterion) {
    let server = start_server();
    let addr = server.addr;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");

    for workers in CONCURRENCY {
        let mut set = Interleaved::new(&rt, addr, workers);
        for (group, name, own) in [
            ("roundtrip/reference", "raw_post", RAW_POST),
            ("roundtrip/reference", "raw_validate", RAW_VALIDATE),
            ("roundtrip/decision", "red5pro", DECISION),
        ] {
            let mut g = c.benchmark_group(group);
            // Criterion counts only the workload's own time: the wall time is three times this.
            g.warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(3))
                .sample_size(30)
                .throughput(Throughput::Elements(workers as u64));
            g.bench_with_input(BenchmarkId::new(name, workers), &workers, |b, _| {
                b.iter_custom(|iters| set.measure(&rt, own, iters));
            });
            g.finish();
        }
        set.report(workers);
    }

    let mut reference = c.benchmark_group("roundtrip/reference");
    reference
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
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
    let auth = authenticator(addr, Protocol::Mediamtx);
    for workers in CONCURRENCY {
        // Open the pool's connections before measuring.
        time_decisions(&rt, &auth, workers, 2);
        decision.throughput(Throughput::Elements(workers as u64));
        decision.bench_with_input(BenchmarkId::new("mediamtx", workers), &workers, |b, &w| {
            b.iter_custom(|iters| time_decisions(&rt, &auth, w, iters));
        });
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
