//! What the command-line tests share: child processes that die with the test, and `authbench
//! serve` started as its own process on a free loopback port.

#![allow(dead_code, clippy::unwrap_used)] // each test file uses part of it

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The longest `authbench serve` is given to say where it listens.
const START: Duration = Duration::from_secs(60);

/// A child process killed (and reaped) when the test ends, however it ends.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `authbench serve`, running until dropped.
pub struct Served {
    /// The process.
    pub process: Killed,
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub base: String,
    /// The start-up line that says where it listens.
    pub startup: String,
}

/// `authbench serve --listen 127.0.0.1:0 --config CONFIG`, once it says where it listens. Its
/// stderr is read to the end on a thread of its own, so the service never blocks on a full pipe.
pub fn serve(config: &Path) -> Served {
    let mut process = Killed(
        Command::new(env!("CARGO_BIN_EXE_authbench"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start authbench serve"),
    );
    let stderr = process.0.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let started = Instant::now();
    loop {
        let line = rx
            .recv_timeout(START.saturating_sub(started.elapsed()))
            .expect("authbench serve says where it listens");
        if let Some(rest) = line.split("listening on ").nth(1) {
            let base = rest.split_whitespace().next().unwrap().to_owned();
            return Served {
                process,
                base,
                startup: line,
            };
        }
    }
}
