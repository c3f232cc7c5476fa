//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, Decision, StreamPath, Transport,
};

/// A committed fixture file.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A request for `live/room1/cam1` over RTMP.
pub fn request(action: Action, credentials: Credentials) -> AuthRequest {
    let path = StreamPath::new("live/room1/cam1").expect("valid path");
    AuthRequest::new(action, Transport::Rtmp, path, credentials)
}

/// Decides a publish with user name and password.
pub async fn publish(auth: &dyn Authenticator, user: &str, password: &str) -> Decision {
    auth.authenticate(&request(
        Action::Publish,
        Credentials::user_password(user, password),
    ))
    .await
}

/// Decides a subscribe with user name and password.
pub async fn subscribe(auth: &dyn Authenticator, user: &str, password: &str) -> Decision {
    auth.authenticate(&request(
        Action::Subscribe,
        Credentials::user_password(user, password),
    ))
    .await
}

/// Writes `content` to `dir/name` by writing a temporary file and renaming it over the target,
/// as a careful administrator (or a deploy tool) replaces a credentials file.
pub fn replace_file(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, content).expect("write temp file");
    std::fs::rename(&tmp, &path).expect("rename over target");
    path
}

/// Polls a future on the current thread with no runtime at all (the inline verification path).
pub fn block_on_without_runtime<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            return v;
        }
    }
}
