//! HTTPS to the auth service: a TLS front (tokio-rustls, a throwaway CA made with rcgen) before
//! the reference service, trusted through `ca_file`.

mod common;

use std::sync::Arc;

use authbench_core::DenyReason;
use authbench_roundtrip::{Protocol, RoundTripAuthenticator, RoundTripConfigError};
use common::*;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA and a TLS front on 127.0.0.1 forwarding to `backend`; returns the CA PEM and the port.
async fn tls_front(backend: std::net::SocketAddr) -> (String, u16) {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("ca");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let tls = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (ca.pem(), port)
}

#[tokio::test]
async fn https_with_an_extra_ca_file() {
    let clock = clock();
    let svc = service(clock.clone()).await;
    let (ca_pem, port) = tls_front(svc.local_addr()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ca.pem"), ca_pem).expect("write ca");

    for (protocol, path) in [
        (Protocol::Red5pro, authbench_authsvc::PATH_VALIDATE),
        (Protocol::Mediamtx, authbench_authsvc::PATH_MEDIAMTX),
    ] {
        let mut cfg = config(format!("https://127.0.0.1:{port}{path}"), protocol);
        cfg.ca_file = Some("ca.pem".into());
        // ca_file is resolved against base_dir, like every path in a config.
        let auth =
            RoundTripAuthenticator::from_config(&cfg, dir.path(), clock.clone()).expect("config");
        assert!(
            auth.authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
                .await
                .is_allow()
        );
        assert_eq!(
            reason(&auth, &publish("alice", "bad", "live/room1/cam1")).await,
            Some(DenyReason::BadPassword)
        );

        // Without the CA the certificate is not trusted: no decision can be made.
        cfg.ca_file = None;
        let untrusting =
            RoundTripAuthenticator::from_config(&cfg, dir.path(), clock.clone()).expect("config");
        let d = untrusting
            .authenticate(&publish("alice", "alice-pw", "live/room1/cam1"))
            .await;
        assert_eq!(d.reason(), Some(DenyReason::BackendUnavailable), "{d:?}");
    }
}

#[tokio::test]
async fn bad_ca_files_are_config_errors_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("junk.pem"), "not a certificate").expect("write");
    let mut cfg = config(
        "https://127.0.0.1:1/validateCredentials".into(),
        Protocol::Red5pro,
    );
    cfg.ca_file = Some("missing.pem".into());
    let err = RoundTripAuthenticator::from_config(&cfg, dir.path(), clock()).expect_err("missing");
    assert!(
        matches!(err, RoundTripConfigError::CaFileRead { .. }),
        "{err}"
    );
    assert!(err.to_string().starts_with("roundtrip.ca_file"), "{err}");
    cfg.ca_file = Some("junk.pem".into());
    let err = RoundTripAuthenticator::from_config(&cfg, dir.path(), clock()).expect_err("junk");
    assert!(
        matches!(err, RoundTripConfigError::CaFileParse { .. }),
        "{err}"
    );
}
