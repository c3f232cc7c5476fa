//! htpasswd and group file parsing (`authbench-file`), through the public loaders (they read
//! paths, so the input is written to two files first), then a decision with the first entry.
//!
//! Input: one selector byte, the credentials file, and optionally a NUL byte followed by the
//! group file. Selector bits 0–1 pick the loader (htpasswd; htpasswd allowing plaintext, as
//! `danger_plaintext: true`; Red5 Pro's plaintext file), bit 2 whether the group file is used.
//!
//! Properties: loading any bytes is a value or an error, never a panic; a loaded file decides
//! a request for its first entry without panicking. Inputs naming a bcrypt cost above 6 or
//! `rounds=` above 10,000 are skipped: loading computes a dummy hash at the file's cost for
//! timing equalisation (bcrypt cost 16 takes seconds by design), which would only slow the
//! fuzzer down.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use authbench_core::{Action, AuthRequest, Authenticator, Credentials, StreamPath, Transport};
use authbench_file::{FileAuthenticator, danger};
use authbench_fuzz::{block_on, selector};
use libfuzzer_sys::fuzz_target;

struct Files {
    _dir: tempfile::TempDir,
    htpasswd: PathBuf,
    groups: PathBuf,
}

fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        Files {
            htpasswd: dir.path().join("users.htpasswd"),
            groups: dir.path().join("users.htgroup"),
            _dir: dir,
        }
    })
}

fn decide(auth: &FileAuthenticator, user: &str, password: &str) {
    let Ok(path) = StreamPath::new("live/room1/cam1") else {
        return;
    };
    let req = AuthRequest::new(
        Action::Publish,
        Transport::Rtmp,
        path,
        Credentials::user_password(user, password),
    );
    let _ = block_on(auth.authenticate(&req));
}

/// Whether `text` names a bcrypt cost above 6 or a `rounds=` count above 10,000.
fn slow_by_design(text: &[u8]) -> bool {
    let bcrypt = text.windows(7).any(|w| {
        w[0] == b'$'
            && w[1] == b'2'
            && w[3] == b'$'
            && w[4].is_ascii_digit()
            && w[5].is_ascii_digit()
            && w[6] == b'$'
            && (w[4] - b'0') * 10 + (w[5] - b'0') > 6
    });
    let rounds = text
        .windows(7)
        .enumerate()
        .filter(|(_, w)| *w == b"rounds=")
        .any(|(i, _)| {
            let digits = text[i + 7..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            digits > 5
                || std::str::from_utf8(&text[i + 7..i + 7 + digits])
                    .ok()
                    .and_then(|d| d.parse::<u32>().ok())
                    .is_some_and(|n| n > 10_000)
        });
    bcrypt || rounds
}

fuzz_target!(|data: &[u8]| {
    if slow_by_design(data) {
        return;
    }
    let Some((sel, rest)) = selector(data) else {
        return;
    };
    let (users, groups) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let f = files();
    if std::fs::write(&f.htpasswd, users).is_err() {
        return;
    }
    let groups = match groups {
        Some(g) if sel & 0b100 != 0 => {
            if std::fs::write(&f.groups, g).is_err() {
                return;
            }
            Some(f.groups.clone())
        }
        _ => None,
    };
    let loaded = match sel & 0b11 {
        1 => danger::htpasswd_allowing_plaintext(&f.htpasswd, groups),
        2 => danger::red5pro_plaintext(&f.htpasswd, groups),
        _ => FileAuthenticator::from_paths(&f.htpasswd, groups),
    };
    let Ok(auth) = loaded else {
        return;
    };
    let _ = auth.user_count();
    let _ = auth.dominant_scheme();

    let text = String::from_utf8_lossy(users);
    let sep = if sel & 0b11 == 2 { ' ' } else { ':' };
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    if let Some((user, password)) = first.and_then(|l| l.split_once(sep)) {
        decide(&auth, user, password);
        decide(&auth, user, "");
        decide(&auth, "no-such-user", password);
    }
});
