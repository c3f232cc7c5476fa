//! A real nginx-rtmp and a real client: nginx with Debian's RTMP module asks `authbench serve`
//! (`on_publish` / `on_play` → `POST /nginx-rtmp`), and ffmpeg publishes a one-second test
//! pattern, or plays one second of a live stream, with the credentials in the RTMP URL. Good
//! credentials are accepted; a wrong password, a forbidden room or role and a revoked user are
//! refused, exactly as the service decides (ffmpeg's exit status, the service's counters and
//! nginx's log say so); and what nginx forwards reads as the same request
//! `authbench decide --url` makes of that URL, field for field with what the round-trip client
//! sends. The media probe (`authbench_media::MediaAuthenticator`) publishing and playing through
//! the same nginx is allowed or refused exactly when `authbench decide --mode roundtrip` (protocol
//! `nginx-rtmp`) against the service allows, a refusal read as nginx dropping the connection.
//! A target file whose `media:` section names that nginx runs a scenario through it beside the
//! built-in round trip (same allow / deny on every step that runs, an RTSP step skipped), and
//! `authbench decide --target --mode media` asks it once.
//!
//! Needs nginx, libnginx-mod-rtmp and ffmpeg: `scripts/install-media-servers.sh` installs them.
//! Run with `cargo test -p authbench-cli --features media-servers --test nginx_rtmp`; with the
//! feature on and a tool missing, the test fails and names the script. Everything listens on
//! 127.0.0.1, every child is killed when the test ends, and every wait is bounded.
#![cfg(feature = "media-servers")]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use authbench_core::{Action, AuthRequest, Transport, connect};
use serde_json::{Value, json};

use common::Killed;

/// Where Debian's libnginx-mod-rtmp installs the module.
const MODULE: &str = "/usr/lib/nginx/modules/ngx_rtmp_module.so";
const INSTALL: &str = "scripts/install-media-servers.sh";
/// The longest any child is waited for: start-up, one publish, one answer.
const WAIT: Duration = Duration::from_secs(60);

fn missing(what: &str) -> ! {
    panic!(
        "{what}; the media-servers tests need nginx, libnginx-mod-rtmp and ffmpeg: run {INSTALL}"
    )
}

/// Fails (never skips) when a tool the feature promises is missing.
fn require_tools() {
    let runs = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    if runs("nginx", &["-v"]).is_none() {
        missing("nginx is not installed");
    }
    if !Path::new(MODULE).is_file() {
        missing(&format!("the nginx RTMP module {MODULE} is not installed"));
    }
    match runs("ffmpeg", &["-hide_banner", "-encoders"]) {
        None => missing("ffmpeg is not installed"),
        Some(out) if !String::from_utf8_lossy(&out.stdout).contains("libx264") => {
            missing("this ffmpeg has no libx264 encoder")
        }
        Some(_) => {}
    }
}

/// A port free on 127.0.0.1 now (nginx binds it a moment later).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Waits until something accepts connections on `port`.
fn wait_for_port(port: u16, what: &str, log: &Path) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < WAIT,
            "{what} did not listen on 127.0.0.1:{port} within {WAIT:?}; its log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for `child` to exit, at most [`WAIT`].
fn wait_exit(child: &mut Killed, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().expect("child status") {
            return status;
        }
        assert!(
            start.elapsed() < WAIT,
            "{what} did not finish within {WAIT:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `authbench serve --listen 127.0.0.1:0 --config CONFIG`; returns it and its base URL.
fn serve(config: &Path) -> (Killed, String) {
    let served = common::serve(config);
    // The start-up message names the hook URLs a media server's config points at.
    for path in [
        authbench_authsvc::PATH_NGINX_RTMP,
        authbench_authsvc::PATH_SRS,
    ] {
        let want = format!("{}{path}", served.base);
        assert!(
            served
                .startup
                .split_whitespace()
                .any(|word| word.trim_end_matches([',', ';']) == want),
            "{}",
            served.startup
        );
    }
    (served.process, served.base)
}

/// One HTTP/1.1 request to the service; the status and the body.
fn http(base: &str, method: &str, path: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).expect("connect to the service");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn stats(base: &str) -> Value {
    let (status, body) = http(base, "GET", "/admin/stats");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("stats JSON")
}

fn count(stats: &Value, group: &str, key: &str) -> u64 {
    stats[group][key].as_u64().unwrap_or(0)
}

/// A loopback HTTP server that records each request's form (body, or query of a GET) and
/// answers `403` (so a publish it is asked about ends at once). Returns its URL.
fn recorder() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the recorder");
    let url = format!(
        "http://{}/hook",
        listener.local_addr().expect("recorder address")
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let _ = s.set_read_timeout(Some(WAIT));
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let form = loop {
                match s.read(&mut buf) {
                    Ok(n @ 1..) => got.extend_from_slice(&buf[..n]),
                    _ => break None,
                }
                let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&got[..end]).to_string();
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if got.len() < end + 4 + length {
                    continue;
                }
                let body = String::from_utf8_lossy(&got[end + 4..end + 4 + length]).to_string();
                let query = head
                    .lines()
                    .next()
                    .and_then(|l| l.split(' ').nth(1))
                    .and_then(|t| t.split_once('?'))
                    .map(|(_, q)| q.to_owned());
                break Some(if body.is_empty() {
                    query.unwrap_or_default()
                } else {
                    body
                });
            };
            let _ = s.write_all(b"HTTP/1.0 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
            if let Some(form) = form {
                let _ = tx.send(form);
            }
        }
    });
    (url, rx)
}

/// The nginx config from the template, in `dir`.
fn nginx_conf(
    dir: &Path,
    [rtmp_port, open_port]: [u16; 2],
    hook_url: &str,
    recorder_url: &str,
) -> PathBuf {
    let template = include_str!("nginx/nginx.conf.template");
    let conf = template
        .replace("@MODULE@", MODULE)
        .replace("@DIR@", &dir.display().to_string())
        .replace("@RTMP_PORT@", &rtmp_port.to_string())
        .replace("@OPEN_PORT@", &open_port.to_string())
        .replace("@HOOK_URL@", hook_url)
        .replace("@RECORDER_URL@", recorder_url);
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).expect("write nginx.conf");
    path
}

/// ffmpeg publishing a one-second test pattern to `url`; its exit status.
fn ffmpeg_publish(url: &str, log: &Path) -> ExitStatus {
    let log_file = std::fs::File::create(log).expect("ffmpeg log");
    let mut child = Killed(
        Command::new("ffmpeg")
            .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-re"])
            .args([
                "-f",
                "lavfi",
                "-i",
                "testsrc=duration=1:size=320x240:rate=10",
            ])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
            ])
            .args(["-g", "10", "-f", "flv", url])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start ffmpeg"),
    );
    wait_exit(&mut child, "ffmpeg")
}

/// ffmpeg publishing a test pattern of `seconds` to `url`, in the background.
fn ffmpeg_publish_for(seconds: u32, url: &str, log: &Path) -> Killed {
    let log_file = std::fs::File::create(log).expect("ffmpeg log");
    Killed(
        Command::new("ffmpeg")
            .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-re"])
            .args(["-f", "lavfi", "-i"])
            .arg(format!("testsrc=duration={seconds}:size=320x240:rate=10"))
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
            ])
            .args(["-g", "10", "-f", "flv", url])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start ffmpeg"),
    )
}

/// ffmpeg playing one second of `url` (decoded, then dropped); its exit status.
fn ffmpeg_play(url: &str, log: &Path) -> ExitStatus {
    let log_file = std::fs::File::create(log).expect("ffmpeg log");
    let mut child = Killed(
        Command::new("ffmpeg")
            .args(["-hide_banner", "-nostdin", "-loglevel", "error"])
            // Bounded: a player that gets no data gives up rather than wait forever.
            .args([
                "-rw_timeout",
                "30000000",
                "-i",
                url,
                "-t",
                "1",
                "-f",
                "null",
                "-",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start ffmpeg"),
    );
    wait_exit(&mut child, "ffmpeg")
}

/// Waits until the service's `group`/`key` counter reaches `n`.
fn wait_for_count(base: &str, group: &str, key: &str, n: u64) -> Value {
    let start = Instant::now();
    loop {
        let s = stats(base);
        if count(&s, group, key) >= n {
            return s;
        }
        assert!(
            start.elapsed() < WAIT,
            "{group}.{key} did not reach {n} within {WAIT:?}: {s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `%XX` and `+` decoded (test forms are ASCII).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of `key` in a form, decoded.
fn field(form: &str, key: &str) -> Option<String> {
    form.split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| decode(v))
}

fn same_request(a: &AuthRequest, b: &AuthRequest, what: &str) {
    assert_eq!(a.action, b.action, "{what}: action");
    assert_eq!(a.transport, b.transport, "{what}: transport");
    assert_eq!(a.path, b.path, "{what}: stream path");
    assert_eq!(a.credentials, b.credentials, "{what}: credentials");
}

/// `authbench serve`, a recording server and nginx, started on free loopback ports; stopped
/// (killed) when dropped.
struct World {
    dir: tempfile::TempDir,
    base: String,
    rtmp_port: u16,
    /// The open twin: the same rooms without hooks.
    open_port: u16,
    recorder_url: String,
    recorded: mpsc::Receiver<String>,
    // Fields drop in order: nginx is killed first, then the service.
    _nginx: Killed,
    _service: Killed,
}

impl World {
    fn start() -> World {
        require_tools();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("serve.yaml");
        std::fs::write(
            &config,
            "service:\n  expose_reasons: true\nidentities:\n  \
             alice: {password: alice-pw, roles: [publisher], rooms: [room1]}\n  \
             bob: {password: bob-pw, roles: [subscriber]}\n  \
             carol: {password: carol-pw, roles: [publisher]}\n",
        )
        .expect("write the service config");
        let (service, base) = serve(&config);
        let (recorder_url, recorded) = recorder();
        let rtmp_port = free_port();
        let open_port = std::iter::repeat_with(free_port)
            .find(|p| *p != rtmp_port)
            .expect("a second free port");
        let conf = nginx_conf(
            dir.path(),
            [rtmp_port, open_port],
            &format!("{base}{}", authbench_authsvc::PATH_NGINX_RTMP),
            &recorder_url,
        );
        let startup_log = dir.path().join("startup.log");
        let nginx = Killed(
            Command::new("nginx")
                .arg("-p")
                .arg(dir.path())
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(&startup_log)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start nginx"),
        );
        wait_for_port(rtmp_port, "nginx", &startup_log);
        wait_for_port(open_port, "nginx's open server", &startup_log);
        World {
            dir,
            base,
            rtmp_port,
            open_port,
            recorder_url,
            recorded,
            _nginx: nginx,
            _service: service,
        }
    }

    /// The URL a client puts its credentials in, as ffmpeg users write it.
    fn url(&self, path: &str, user: &str, password: &str) -> String {
        format!(
            "rtmp://127.0.0.1:{}/{path}?username={user}&password={password}",
            self.rtmp_port
        )
    }

    fn log(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.log"))
    }

    fn read_log(&self, name: &str) -> String {
        std::fs::read_to_string(self.log(name)).unwrap_or_default()
    }
}

#[test]
fn ffmpeg_through_nginx_rtmp_is_accepted_or_refused_as_the_service_decides() {
    let w = World::start();
    let (base, recorder_url) = (&w.base, &w.recorder_url);
    let error_log = w.dir.path().join("error.log");

    let url = |path: &str, user: &str, password: &str| w.url(path, user, password);
    let publish = |name: &str, url: &str| ffmpeg_publish(url, &w.log(name));
    let ffmpeg_log = |name: &str| w.read_log(name);

    // Good credentials: nginx lets ffmpeg publish its second of video.
    let good = publish("good", &url("live/room1/cam1", "alice", "alice-pw"));
    assert!(good.success(), "ffmpeg was refused: {}", ffmpeg_log("good"));
    let s = stats(base);
    assert_eq!(count(&s, "allows", "nginx_rtmp"), 1, "{s}");
    assert_eq!(count(&s, "denies", "nginx_rtmp"), 0, "{s}");

    // The same over `notify_method get` (application live/open).
    let get = publish("get", &url("live/open/cam1", "carol", "carol-pw"));
    assert!(get.success(), "ffmpeg was refused: {}", ffmpeg_log("get"));
    let get_wrong = publish("get-wrong", &url("live/open/cam1", "carol", "nope"));
    assert!(!get_wrong.success(), "a wrong password was accepted");
    let s = stats(base);
    assert_eq!(count(&s, "allows", "nginx_rtmp"), 2, "{s}");
    assert_eq!(count(&s, "denies", "nginx_rtmp"), 1, "{s}");

    // A wrong password: the service refuses, nginx drops ffmpeg.
    let wrong = publish("wrong", &url("live/room1/cam1", "alice", "wrong-pw"));
    assert!(!wrong.success(), "a wrong password was accepted");
    let s = stats(base);
    assert_eq!(count(&s, "deny_reasons", "bad_password"), 2, "{s}");

    // A room alice may not use.
    let room = publish("room", &url("live/room2/cam1", "alice", "alice-pw"));
    assert!(!room.success(), "another room was accepted");
    let s = stats(base);
    assert_eq!(count(&s, "deny_reasons", "room_forbidden"), 1, "{s}");

    // Revoked: the same good credentials are refused from the next publish on.
    let (status, body) = http(base, "POST", "/admin/users/alice/revoke");
    assert_eq!(status, 200, "{body}");
    let revoked = publish("revoked", &url("live/room1/cam1", "alice", "alice-pw"));
    assert!(!revoked.success(), "a revoked user was accepted");
    let s = stats(base);
    assert_eq!(count(&s, "deny_reasons", "revoked"), 1, "{s}");
    assert_eq!(count(&s, "allows", "nginx_rtmp"), 2, "{s}");
    assert_eq!(count(&s, "denies", "nginx_rtmp"), 4, "{s}");
    assert_eq!(count(&s, "requests", "nginx_rtmp"), 6, "{s}");

    // nginx asked the service once per publish, with the client's arguments.
    let log = std::fs::read_to_string(&error_log).expect("nginx error log");
    assert_eq!(
        log.matches("notify: publish '").count(),
        6,
        "nginx error log:\n{log}"
    );
    assert!(log.contains("args='username=alice&password="), "{log}");

    // What nginx forwards for a URL is the request `authbench decide --url` makes of it, and
    // the round-trip client (protocol nginx-rtmp) sends the same fields.
    let client_url = url("rec/room1/cam1", "alice", "p%26ss%20w");
    let rec = publish("recorded", &client_url);
    assert!(!rec.success(), "the recorder refuses every publish");
    let from_nginx = w
        .recorded
        .recv_timeout(WAIT)
        .expect("nginx notified the recorder");
    let want = connect::rtmp(&client_url, Action::Publish).expect("the URL parses");
    let nginx_req =
        authbench_authsvc::nginx_rtmp_request(&from_nginx).expect("nginx's form parses");
    same_request(&nginx_req, &want, "nginx's notification vs the URL");
    assert_eq!(want.transport, Transport::Rtmp);

    let decide_config = w.dir.path().join("decide.yaml");
    std::fs::write(
        &decide_config,
        format!("roundtrip:\n  url: {recorder_url}\n  protocol: nginx-rtmp\n  timeout: 5s\n"),
    )
    .expect("write the decide config");
    let decided = Command::new(env!("CARGO_BIN_EXE_authbench"))
        .args(["decide", "--config"])
        .arg(&decide_config)
        .args([
            "--mode",
            "roundtrip",
            "--action",
            "publish",
            "--transport",
            "rtmp",
        ])
        .args(["--url", &client_url])
        .stdin(Stdio::null())
        .output()
        .expect("run authbench decide");
    assert_eq!(
        decided.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&decided.stderr)
    );
    let answer: Value = serde_json::from_slice(&decided.stdout).expect("decide prints JSON");
    assert_eq!(answer["reason"], "backend_rejected", "{answer}");
    let from_client = w
        .recorded
        .recv_timeout(WAIT)
        .expect("the round-trip client asked the recorder");
    let client_req =
        authbench_authsvc::nginx_rtmp_request(&from_client).expect("the client's form parses");
    same_request(&client_req, &nginx_req, "round-trip client vs nginx");
    for key in ["call", "app", "name", "type", "username", "password"] {
        assert_eq!(
            field(&from_client, key),
            field(&from_nginx, key),
            "field `{key}`: client {from_client} vs nginx {from_nginx}"
        );
    }
    assert_eq!(field(&from_nginx, "password").as_deref(), Some("p&ss w"));
}

#[test]
fn ffmpeg_playing_through_nginx_rtmp_is_accepted_or_refused_as_the_service_decides() {
    let w = World::start();
    let base = &w.base;
    // alice publishes for long enough that a player finds the stream live.
    let _publisher = ffmpeg_publish_for(
        30,
        &w.url("live/room1/cam1", "alice", "alice-pw"),
        &w.log("publisher"),
    );
    wait_for_count(base, "allows", "nginx_rtmp", 1);

    // bob, a subscriber, plays one second of it: on_play allowed.
    let good = ffmpeg_play(&w.url("live/room1/cam1", "bob", "bob-pw"), &w.log("bob"));
    assert!(
        good.success(),
        "bob's play was refused: {}",
        w.read_log("bob")
    );
    let s = stats(base);
    assert_eq!(count(&s, "allows", "nginx_rtmp"), 2, "{s}");

    let wrong = ffmpeg_play(&w.url("live/room1/cam1", "bob", "nope"), &w.log("wrong"));
    assert!(!wrong.success(), "a wrong password played");
    // alice may publish but not subscribe.
    let role = ffmpeg_play(
        &w.url("live/room1/cam1", "alice", "alice-pw"),
        &w.log("role"),
    );
    assert!(!role.success(), "a publisher-only user played");
    let (status, body) = http(base, "POST", "/admin/users/bob/revoke");
    assert_eq!(status, 200, "{body}");
    let revoked = ffmpeg_play(
        &w.url("live/room1/cam1", "bob", "bob-pw"),
        &w.log("revoked"),
    );
    assert!(!revoked.success(), "a revoked user played");

    let s = stats(base);
    assert_eq!(count(&s, "deny_reasons", "bad_password"), 1, "{s}");
    assert_eq!(count(&s, "deny_reasons", "role_forbidden"), 1, "{s}");
    assert_eq!(count(&s, "deny_reasons", "revoked"), 1, "{s}");
    assert_eq!(count(&s, "allows", "nginx_rtmp"), 2, "{s}");
    assert_eq!(count(&s, "denies", "nginx_rtmp"), 3, "{s}");
    let log = std::fs::read_to_string(w.dir.path().join("error.log")).expect("nginx error log");
    assert_eq!(
        log.matches("notify: play '").count(),
        4,
        "nginx error log:\n{log}"
    );
}

/// `authbench decide --mode roundtrip` (protocol `nginx-rtmp`, against `hook`) for the request a
/// client makes of `url`; its JSON answer.
fn decide_roundtrip(w: &World, hook: &str, url: &str, action: &str, name: &str) -> Value {
    let config = w.dir.path().join("decide-service.yaml");
    std::fs::write(
        &config,
        format!("roundtrip:\n  url: {hook}\n  protocol: nginx-rtmp\n  timeout: 5s\n"),
    )
    .expect("write the decide config");
    let out_path = w.dir.path().join(format!("decide-{name}.json"));
    let out = std::fs::File::create(&out_path).expect("decide output file");
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_authbench"))
            .args(["decide", "--config"])
            .arg(&config)
            .args(["--mode", "roundtrip", "--action", action])
            .args(["--transport", "rtmp", "--url", url])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("run authbench decide"),
    );
    let status = wait_exit(&mut child, "authbench decide");
    let text = std::fs::read_to_string(&out_path).expect("decide's output");
    let answer: Value = serde_json::from_str(&text).expect("decide prints JSON");
    let allowed = answer["decision"] == "allow";
    assert_eq!(
        status.code(),
        Some(if allowed { 0 } else { 1 }),
        "decide's exit status vs its answer {answer}"
    );
    answer
}

#[test]
fn the_media_probe_through_nginx_rtmp_is_allowed_or_refused_as_the_service_decides() {
    use authbench_core::{Authenticator, Decision, DenyReason, Transport};
    use authbench_media::{MediaAuthenticator, MediaConfig, Present, Reference};

    let w = World::start();
    let base = &w.base;
    let hook = format!("{base}{}", authbench_authsvc::PATH_NGINX_RTMP);
    let probe = MediaAuthenticator::new(
        MediaConfig::new(Present::Password)
            .with_rtmp(format!("rtmp://127.0.0.1:{}", w.rtmp_port))
            .with_reference(Reference {
                rtmp: Some(format!("rtmp://127.0.0.1:{}", w.open_port)),
                ..Reference::default()
            }),
    )
    .expect("a valid media config");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");

    // Each case: the probe asks nginx (which asks the service), and `decide` asks the service
    // directly with the round-trip client speaking nginx-rtmp; the two must agree. The check
    // returns decide's answer, whose `reason` is the service's own (the service exposes reasons).
    let mut requests = 0;
    let mut check = |case: &str, path: &str, user: &str, password: &str, action: Action| {
        let url = w.url(path, user, password);
        let req = connect::rtmp(&url, action).expect("the URL parses");
        let start = Instant::now();
        let decision = runtime.block_on(probe.authenticate(&req));
        let took = start.elapsed();
        // The session closes, and the same join is made at the open twin.
        runtime.block_on(probe.settle());
        eprintln!("media probe, {case}: {action} over rtmp, {took:?} to the verdict");
        let verb = match action {
            Action::Publish => "publish",
            Action::Subscribe => "subscribe",
        };
        let decided = decide_roundtrip(&w, &hook, &url, verb, &case.replace(' ', "-"));
        requests += 2;
        match &decision {
            Decision::Allow(a) => {
                assert_eq!(
                    decided["decision"], "allow",
                    "{case}: probe allowed, decide {decided}"
                );
                assert_eq!(a.principal, user, "{case}");
                assert_eq!(decided["principal"], user, "{case}: {decided}");
            }
            Decision::Deny(d) => {
                assert_eq!(
                    decided["decision"], "deny",
                    "{case}: probe denied ({d}), decide {decided}"
                );
                assert_eq!(d.reason, DenyReason::ServerRefused, "{case}: {d}");
                // nginx-rtmp drops a client whose notification is refused, without a status.
                assert_eq!(d.detail, "connection closed by the server", "{case}");
            }
        }
        let s = stats(base);
        assert_eq!(count(&s, "requests", "nginx_rtmp"), requests, "{case}: {s}");
        decided
    };
    let reason = |v: &Value| v["reason"].as_str().map(str::to_owned);

    // Good credentials: alice publishes in her room, bob (a subscriber) plays.
    let good = check(
        "good publish",
        "live/room1/probe1",
        "alice",
        "alice-pw",
        Action::Publish,
    );
    assert_eq!(reason(&good), None, "{good}");
    let good = check(
        "good play",
        "live/room1/probe1",
        "bob",
        "bob-pw",
        Action::Subscribe,
    );
    assert_eq!(reason(&good), None, "{good}");

    // Wrong passwords.
    let wrong = check(
        "wrong publish",
        "live/room1/probe2",
        "alice",
        "nope",
        Action::Publish,
    );
    assert_eq!(reason(&wrong).as_deref(), Some("bad_password"), "{wrong}");
    let wrong = check(
        "wrong play",
        "live/room1/probe2",
        "bob",
        "nope",
        Action::Subscribe,
    );
    assert_eq!(reason(&wrong).as_deref(), Some("bad_password"), "{wrong}");

    // Users without the role: bob may only play, alice only publish.
    let role = check(
        "role publish",
        "live/room1/probe3",
        "bob",
        "bob-pw",
        Action::Publish,
    );
    assert_eq!(reason(&role).as_deref(), Some("role_forbidden"), "{role}");
    let role = check(
        "role play",
        "live/room1/probe3",
        "alice",
        "alice-pw",
        Action::Subscribe,
    );
    assert_eq!(reason(&role).as_deref(), Some("role_forbidden"), "{role}");

    // A room alice may not publish in (nginx's application `live/room2`).
    let room = check(
        "room",
        "live/room2/probe5",
        "alice",
        "alice-pw",
        Action::Publish,
    );
    assert_eq!(reason(&room).as_deref(), Some("room_forbidden"), "{room}");

    // Revoked through the admin API: the same good credentials are refused from then on.
    for user in ["alice", "bob"] {
        let (status, body) = http(base, "POST", &format!("/admin/users/{user}/revoke"));
        assert_eq!(status, 200, "{body}");
    }
    let revoked = check(
        "revoked publish",
        "live/room1/probe4",
        "alice",
        "alice-pw",
        Action::Publish,
    );
    assert_eq!(reason(&revoked).as_deref(), Some("revoked"), "{revoked}");
    let revoked = check(
        "revoked play",
        "live/room1/probe4",
        "bob",
        "bob-pw",
        Action::Subscribe,
    );
    assert_eq!(reason(&revoked).as_deref(), Some("revoked"), "{revoked}");

    // The service saw each case twice (through nginx and from decide), with the same reasons.
    let s = stats(base);
    assert_eq!(count(&s, "allows", "nginx_rtmp"), 4, "{s}");
    assert_eq!(count(&s, "denies", "nginx_rtmp"), 14, "{s}");
    assert_eq!(count(&s, "deny_reasons", "room_forbidden"), 2, "{s}");
    for code in ["bad_password", "role_forbidden", "revoked"] {
        assert_eq!(count(&s, "deny_reasons", code), 4, "{code}: {s}");
    }

    // Every verdict was timed, and every join made again at the open twin, which admitted all.
    let joins = probe.join_times();
    assert_eq!(joins.len(), 1, "{joins:?}");
    let rtmp = &joins[0];
    assert_eq!(rtmp.transport, Transport::Rtmp);
    assert_eq!(
        (rtmp.admitted.len(), rtmp.refused.len()),
        (2, 7),
        "{rtmp:?}"
    );
    assert_eq!((rtmp.open.len(), rtmp.open_failed), (9, 0), "{rtmp:?}");
    let median = |v: &[std::time::Duration]| {
        let mut v = v.to_vec();
        v.sort();
        v[v.len() / 2]
    };
    eprintln!(
        "time to verdict over rtmp: admitted {:?}, refused {:?}, open twin {:?} (medians)",
        median(&rtmp.admitted),
        median(&rtmp.refused),
        median(&rtmp.open)
    );
    // The open twin never asked the service: its counts are the authenticated server's alone.
    let log = std::fs::read_to_string(w.dir.path().join("error.log")).expect("nginx error log");
    assert_eq!(
        log.matches("notify: publish '").count(),
        5,
        "nginx error log:\n{log}"
    );
    assert_eq!(
        log.matches("notify: play '").count(),
        4,
        "nginx error log:\n{log}"
    );
}

/// `authbench ARGS…` with its stdout in a file of `w`'s folder; its exit status and stdout.
fn authbench(w: &World, args: &[&std::ffi::OsStr], name: &str) -> (ExitStatus, String) {
    let out_path = w.dir.path().join(format!("{name}.out"));
    let out = std::fs::File::create(&out_path).expect("output file");
    let err = std::fs::File::create(w.log(name)).expect("log file");
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_authbench"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("run authbench"),
    );
    let status = wait_exit(&mut child, name);
    let stdout = std::fs::read_to_string(&out_path).expect("authbench's output");
    (status, stdout)
}

#[test]
fn a_target_files_media_section_runs_scenarios_and_decides_through_nginx_rtmp() {
    let w = World::start();
    let dir = w.dir.path();
    for (file, secret) in [
        ("alice.pw", "alice-pw"),
        ("bob.pw", "bob-pw"),
        ("wrong.pw", "not-alices"),
    ] {
        std::fs::write(dir.join(file), secret).expect("write a secret");
    }
    let target = dir.join("lab.yaml");
    std::fs::write(
        &target,
        format!(
            "name: lab\n\
             media:\n  \
             rtmp: 'rtmp://127.0.0.1:{}'\n  \
             present: password\n  \
             reference: {{rtmp: 'rtmp://127.0.0.1:{}'}}\n\
             identities:\n  \
             alice: {{password: {{file: alice.pw}}}}\n  \
             bob: {{password: {{file: bob.pw}}}}\n  \
             mallory: {{user: alice, password: {{file: wrong.pw}}}}\n",
            w.rtmp_port, w.open_port
        ),
    )
    .expect("write the target file");
    // The shipped scenario, which runs only against a target: its paths are this nginx's
    // applications and its identities the service's accounts.
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/nginx-rtmp.yaml");

    let out_dir = dir.join("report");
    let (status, stdout) = authbench(
        &w,
        &[
            "run".as_ref(),
            "--target".as_ref(),
            target.as_os_str(),
            "--with-builtin".as_ref(),
            scenario.as_os_str(),
            "--out".as_ref(),
            out_dir.as_os_str(),
        ],
        "run-media",
    );
    assert_eq!(
        status.code(),
        Some(0),
        "{stdout}\n{}",
        w.read_log("run-media")
    );
    assert!(stdout.contains("roundtrip @ lab media"), "{stdout}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("report.json")).expect("report.json"),
    )
    .expect("report.json is JSON");
    let steps = report["scenarios"][0]["steps"]
        .as_array()
        .expect("the scenario's steps");
    assert_eq!(steps.len(), 5, "{report}");
    let mut ran = 0;
    for step in steps {
        let results = step["results"].as_array().expect("results");
        let of = |target: Option<&str>| {
            results
                .iter()
                .find(|r| r["mode"] == "roundtrip" && r["target"].as_str() == target)
                .unwrap_or_else(|| panic!("no roundtrip result at {target:?}: {step}"))
        };
        let (builtin, media) = (of(None), of(Some("lab media")));
        if step["name"] == "a subscriber plays over rtsp" {
            assert_eq!(media["actual"]["outcome"], "skipped", "{step}");
            assert!(
                media
                    .to_string()
                    .contains("the target's media server has no rtsp endpoint"),
                "{step}"
            );
            continue;
        }
        ran += 1;
        assert_eq!(
            media["actual"]["outcome"], builtin["actual"]["outcome"],
            "{step}"
        );
        assert_eq!(media["passed"], true, "{step}");
        if media["actual"]["outcome"] == "deny" {
            assert_eq!(media["actual"]["reason"], "server_refused", "{step}");
        }
    }
    assert_eq!(ran, 4);

    // Time to verdict over rtmp, each of the 4 joins also made at the open twin.
    let joins = report["joins"].as_array().expect("a joins section");
    assert_eq!(joins.len(), 1, "{joins:?}");
    let rtmp = &joins[0];
    assert_eq!(
        (&rtmp["mode"], &rtmp["target"], &rtmp["transport"]),
        (&json!("roundtrip"), &json!("lab media"), &json!("rtmp")),
        "{rtmp}"
    );
    let count = |kind: &str| rtmp[kind]["count"].as_u64().expect("a count");
    assert_eq!(count("admitted") + count("refused"), 4, "{rtmp}");
    assert!(count("admitted") > 0 && count("refused") > 0, "{rtmp}");
    assert_eq!(
        (count("open"), &rtmp["open_failed"]),
        (4, &json!(0)),
        "{rtmp}"
    );
    assert!(rtmp["auth_adds_p50_us"].is_f64(), "{rtmp}");
    eprintln!(
        "time to verdict over rtmp through nginx: admitted p50 {} µs, open twin p50 {} µs, \
         authentication adds {} µs (×{})",
        rtmp["admitted"]["summary"]["p50_us"],
        rtmp["open"]["summary"]["p50_us"],
        rtmp["auth_adds_p50_us"],
        rtmp["auth_ratio_p50"]
    );
    let markdown = std::fs::read_to_string(out_dir.join("report.md")).expect("report.md");
    assert!(
        markdown.contains("## Time to verdict at the media server"),
        "{markdown}"
    );

    // `decide --mode media` asks nginx once, with the identity's credentials from the target.
    let decide = |identity: &str, name: &str| {
        authbench(
            &w,
            &[
                "decide".as_ref(),
                "--target".as_ref(),
                target.as_os_str(),
                "--mode".as_ref(),
                "media".as_ref(),
                "--identity".as_ref(),
                identity.as_ref(),
                "--action".as_ref(),
                "publish".as_ref(),
                "--transport".as_ref(),
                "rtmp".as_ref(),
                "--stream".as_ref(),
                "live/room1/lab4".as_ref(),
            ],
            name,
        )
    };
    let (status, out) = decide("alice", "decide-media-good");
    let answer: Value = serde_json::from_str(out.trim()).expect("decide prints JSON");
    assert_eq!(status.code(), Some(0), "{answer}");
    assert_eq!(answer["mode"], "media", "{answer}");
    assert_eq!(answer["decision"], "allow", "{answer}");
    assert_eq!(answer["principal"], "alice", "{answer}");
    let (status, out) = decide("mallory", "decide-media-wrong");
    let answer: Value = serde_json::from_str(out.trim()).expect("decide prints JSON");
    assert_eq!(status.code(), Some(1), "{answer}");
    assert_eq!(answer["decision"], "deny", "{answer}");
    assert_eq!(answer["reason"], "server_refused", "{answer}");
    assert!(!out.contains("not-alices"), "{out}");
}
