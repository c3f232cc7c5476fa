//! Inputs found by the fuzz targets in `fuzz/` (see docs/fuzzing.md), kept as regression tests.

use std::sync::Arc;

use authbench_core::{
    Action, AuthRequest, Authenticator, Credentials, DenyReason, ManualClock, StreamPath, Transport,
};
use authbench_jwt::{Algorithm, JwtAuthenticator, JwtConfig, Profile};

/// `fuzz/regressions/jwt/token-that-is-a-detail-word`: a "token" that is a piece of a deny
/// detail's own text (the fuzz target's check that details never repeat the token was too
/// strict for it) is `malformed_credentials`.
#[tokio::test]
async fn token_that_is_a_detail_word_is_malformed() {
    let dir = authbench_testkit::keys::dir();
    let mut cfg = JwtConfig::new(Profile::Red5pro, &[Algorithm::HS256]);
    cfg.secret_file = Some("hs.secret".into());
    let clock = Arc::new(ManualClock::at_secs(1_700_000_010));
    let auth = JwtAuthenticator::from_static_config(&cfg, dir, clock).expect("config builds");
    let req = AuthRequest::new(
        Action::Publish,
        Transport::Rtmp,
        StreamPath::new("live/room1/cam1").expect("path"),
        Credentials::token(" is not three dot-separated par"),
    );
    let decision = auth.authenticate(&req).await;
    assert_eq!(decision.reason(), Some(DenyReason::MalformedCredentials));
}
