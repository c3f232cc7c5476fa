//! The JWT path from raw token to decision (`authbench-jwt`), through the real
//! `JwtAuthenticator` with a manual clock, for two key sources: an HS256 shared secret
//! (`secret_file`) and a JWKS file (the RSA, EC and Ed25519 keys of the test key set plus an
//! `oct` HS256 key, with the verified-token cache on).
//!
//! Input: a first byte `0` followed by a raw token (tried against both authenticators), or any
//! other first byte followed by bytes read by `arbitrary` as a [`Built`] token: header and
//! claims JSON (well-formed fields, arbitrary extra members, or raw text), signed with the
//! configured secret, another secret, nothing or raw bytes, then mutated byte by byte.
//!
//! THE PROPERTY: no input is ever allowed unless it is a token signed with a configured key.
//! On every allow the signature is checked here, independently of the validator: the header's
//! `alg` is read, HMAC-SHA256 over `header.payload` is recomputed with the secret (or the
//! JWKS key's signature verified with aws-lc-rs), and the token's signature must be exactly
//! that. Also: a deny detail never contains a token-shaped input, and deciding twice (the second time
//! from the verified-token cache) gives the same decision.

#![no_main]

use std::sync::{Arc, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use authbench_core::{
    Action, AuthRequest, Authenticator, Clock, Credentials, Decision, ManualClock, StreamPath,
    Transport,
};
use authbench_fuzz::block_on;
use authbench_jwt::{Algorithm, CacheConfig, JwtAuthenticator, JwtConfig, Profile};
use authbench_testkit::keys;
use aws_lc_rs::{hmac, signature};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};

/// The manual clock's time (the test vectors' `at`).
const T0: u64 = 1_700_000_010;
/// The issuer the HS256 config expects (the test vectors' issuer).
const ISSUER: &str = "https://idp.example.test";
/// Most byte mutations applied to one built token.
const MAX_MUTATIONS: usize = 4;

/// A key the validator may accept, as this target checks it.
enum Key {
    Hmac(Vec<u8>),
    Rsa { n: Vec<u8>, e: Vec<u8> },
    P256(Vec<u8>),
    Ed25519(Vec<u8>),
}

struct World {
    /// The configured HMAC secret (the file's bytes, surrounding whitespace trimmed).
    secret: Vec<u8>,
    hs: JwtAuthenticator,
    jwks: JwtAuthenticator,
    jwks_keys: Vec<Key>,
    _dir: tempfile::TempDir,
}

fn b64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(s)
        .expect("test key set is valid base64url")
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let keys_dir = keys::dir();
        let secret_file = keys::path(keys::HS_SECRET);
        let secret = keys::hmac_secret();
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::at_secs(T0));

        let mut hs_cfg = JwtConfig::new(Profile::Red5pro, &[Algorithm::HS256]);
        hs_cfg.secret_file = Some(secret_file);
        hs_cfg.issuers = vec![ISSUER.to_owned()];
        let hs = JwtAuthenticator::from_static_config(&hs_cfg, keys_dir, clock.clone())
            .expect("the HS256 config builds");

        let text = keys::read(keys::JWKS);
        let mut doc: Value = serde_json::from_slice(&text).expect("jwks.json is JSON");
        let mut jwks_keys = vec![Key::Hmac(secret.clone())];
        if let Some(list) = doc.get_mut("keys").and_then(Value::as_array_mut) {
            for k in list.iter() {
                let s = |name: &str| k.get(name).and_then(Value::as_str).unwrap_or("");
                if s("use") == "enc" || s("alg") == "RSA-OAEP" {
                    continue;
                }
                match s("kty") {
                    "RSA" => jwks_keys.push(Key::Rsa {
                        n: b64(s("n")),
                        e: b64(s("e")),
                    }),
                    "EC" if s("crv") == "P-256" => {
                        let mut point = vec![4u8];
                        point.extend(b64(s("x")));
                        point.extend(b64(s("y")));
                        jwks_keys.push(Key::P256(point));
                    }
                    "OKP" if s("crv") == "Ed25519" => jwks_keys.push(Key::Ed25519(b64(s("x")))),
                    _ => {}
                }
            }
            list.push(json!({
                "kty": "oct", "kid": "hs-1", "alg": "HS256", "use": "sig",
                "k": URL_SAFE_NO_PAD.encode(&secret),
            }));
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let jwks_file = dir.path().join("jwks.json");
        std::fs::write(&jwks_file, serde_json::to_vec(&doc).expect("JSON")).expect("write");
        let mut jwks_cfg = JwtConfig::new(
            Profile::Red5pro,
            &[
                Algorithm::HS256,
                Algorithm::RS256,
                Algorithm::ES256,
                Algorithm::EdDSA,
            ],
        );
        jwks_cfg.jwks_file = Some(jwks_file);
        jwks_cfg.cache = Some(CacheConfig { max_entries: 64 });
        let jwks = JwtAuthenticator::from_static_config(&jwks_cfg, dir.path(), clock)
            .expect("the JWKS config builds");
        World {
            secret,
            hs,
            jwks,
            jwks_keys,
            _dir: dir,
        }
    })
}

/// Whether `key` signed `message` with `alg`, checked with aws-lc-rs.
fn verifies(key: &Key, alg: &str, message: &[u8], sig: &[u8]) -> bool {
    match (key, alg) {
        (Key::Hmac(secret), "HS256") => {
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), message);
            tag.as_ref() == sig
        }
        (Key::Rsa { n, e }, "RS256") => signature::RsaPublicKeyComponents { n, e }
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
            .is_ok(),
        (Key::P256(point), "ES256") => {
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(message, sig)
                .is_ok()
        }
        (Key::Ed25519(x), "EdDSA") => signature::UnparsedPublicKey::new(&signature::ED25519, x)
            .verify(message, sig)
            .is_ok(),
        _ => false,
    }
}

/// THE PROPERTY: `token` was allowed, so it must be `header.payload.signature` with a
/// signature one of `keys` made over `header.payload` with the header's `alg`.
fn assert_signed(token: &str, keys: &[&Key], allowed_algs: &[&str]) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "allowed a token without three parts");
    let header = URL_SAFE_NO_PAD
        .decode(parts[0])
        .expect("allowed a token whose header is not base64url");
    let header: Value =
        serde_json::from_slice(&header).expect("allowed a token whose header is not JSON");
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .expect("allowed a token without a string alg");
    assert!(allowed_algs.contains(&alg), "allowed alg {alg}");
    let sig = URL_SAFE_NO_PAD
        .decode(parts[2])
        .expect("allowed a token whose signature is not base64url");
    let message = &token.as_bytes()[..parts[0].len() + 1 + parts[1].len()];
    assert!(
        keys.iter().any(|k| verifies(k, alg, message, &sig)),
        "ALLOWED A TOKEN NOT SIGNED WITH A CONFIGURED KEY"
    );
}

/// `AUTHBENCH_FUZZ_VERBOSE=1` prints every decision (to see that allows are reached).
fn verbose() -> bool {
    static VERBOSE: OnceLock<bool> = OnceLock::new();
    *VERBOSE.get_or_init(|| std::env::var_os("AUTHBENCH_FUZZ_VERBOSE").is_some_and(|v| v == "1"))
}

fn same(a: &Decision, b: &Decision) -> bool {
    a.is_allow() == b.is_allow() && a.reason() == b.reason() && a.principal() == b.principal()
}

fn check(which: Which, req: &AuthRequest, token: &str) {
    let w = world();
    let (auth, keys, algs): (&JwtAuthenticator, Vec<&Key>, &[&str]) = match which {
        Which::Hs => (&w.hs, vec![&w.jwks_keys[0]], &["HS256"]),
        Which::Jwks => (
            &w.jwks,
            w.jwks_keys.iter().collect(),
            &["HS256", "RS256", "ES256", "EdDSA"],
        ),
    };
    let first = block_on(auth.authenticate(req));
    let again = block_on(auth.authenticate(req));
    assert!(same(&first, &again), "{first:?} then {again:?}");
    if verbose() {
        eprintln!("jwt fuzz: {which:?}: {first:?}");
    }
    match &first {
        Decision::Allow(_) => assert_signed(token, &keys, algs),
        Decision::Deny(deny) => {
            // Only token-shaped inputs: a short or dot-less one may be a word of the detail
            // itself (the fuzzer finds ` is not three dot-separated par`).
            if token.len() >= 24 && token.matches('.').count() >= 2 {
                assert!(
                    !deny.detail.contains(token),
                    "the token is in a deny detail"
                );
            }
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Which {
    Hs,
    Jwks,
}

#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => json!(i),
            Json::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Json::Str(s) => Value::String(s.clone()),
            Json::Arr(items) => Value::Array(items.iter().map(Json::value).collect()),
            Json::Obj(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.value()))
                    .collect(),
            ),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Alg {
    Hs256,
    Hs384,
    Hs512,
    None,
    Rs256,
    Es256,
    EdDsa,
    Ps256,
    Hs256Lower,
    Other(Json),
}

#[derive(Arbitrary, Debug)]
enum Kid {
    Hs,
    Rsa,
    Ec,
    Ed,
    Enc,
    Other(Json),
}

#[derive(Arbitrary, Debug)]
struct Header {
    alg: Option<Alg>,
    kid: Option<Kid>,
    typ: Option<String>,
    crit: Option<Json>,
    extra: Vec<(String, Json)>,
    /// Replaces the header JSON text.
    raw: Option<String>,
}

impl Header {
    fn text(&self) -> String {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut m = Map::new();
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.value());
        }
        if let Some(alg) = &self.alg {
            let v = match alg {
                Alg::Hs256 => json!("HS256"),
                Alg::Hs384 => json!("HS384"),
                Alg::Hs512 => json!("HS512"),
                Alg::None => json!("none"),
                Alg::Rs256 => json!("RS256"),
                Alg::Es256 => json!("ES256"),
                Alg::EdDsa => json!("EdDSA"),
                Alg::Ps256 => json!("PS256"),
                Alg::Hs256Lower => json!("hs256"),
                Alg::Other(j) => j.value(),
            };
            m.insert("alg".into(), v);
        }
        if let Some(kid) = &self.kid {
            let v = match kid {
                Kid::Hs => json!("hs-1"),
                Kid::Rsa => json!("rsa-1"),
                Kid::Ec => json!("ec-1"),
                Kid::Ed => json!("ed-1"),
                Kid::Enc => json!("enc-1"),
                Kid::Other(j) => j.value(),
            };
            m.insert("kid".into(), v);
        }
        if let Some(typ) = &self.typ {
            m.insert("typ".into(), json!(typ));
        }
        if let Some(crit) = &self.crit {
            m.insert("crit".into(), crit.value());
        }
        Value::Object(m).to_string()
    }
}

#[derive(Arbitrary, Debug)]
enum Time {
    /// Seconds from the clock's now.
    Rel(i16),
    Abs(i64),
    Float(f64),
    Other(Json),
}

impl Time {
    fn value(&self) -> Value {
        match self {
            Time::Rel(d) => json!(T0 as i64 + i64::from(*d)),
            Time::Abs(t) => json!(t),
            Time::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Time::Other(j) => j.value(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Roles {
    Publisher,
    Subscriber,
    Both,
    Other(Json),
}

#[derive(Arbitrary, Debug)]
struct Claims {
    sub: Option<Json>,
    exp: Option<Time>,
    nbf: Option<Time>,
    iat: Option<Time>,
    /// `None`: no `iss`; `Some(None)`: the configured issuer; `Some(Some(j))`: `j`.
    iss: Option<Option<Json>>,
    roles: Option<Roles>,
    room: Option<Json>,
    transport: Option<Json>,
    extra: Vec<(String, Json)>,
    /// Replaces the claims JSON text.
    raw: Option<String>,
}

impl Claims {
    fn text(&self) -> String {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut m = Map::new();
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.value());
        }
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        put("sub", self.sub.as_ref().map(Json::value));
        put("exp", self.exp.as_ref().map(Time::value));
        put("nbf", self.nbf.as_ref().map(Time::value));
        put("iat", self.iat.as_ref().map(Time::value));
        put(
            "iss",
            self.iss
                .as_ref()
                .map(|i| i.as_ref().map_or(json!(ISSUER), Json::value)),
        );
        put(
            "roles",
            self.roles.as_ref().map(|r| match r {
                Roles::Publisher => json!("red5-publisher"),
                Roles::Subscriber => json!("red5-subscriber"),
                Roles::Both => json!("red5-publisher,red5-subscriber"),
                Roles::Other(j) => j.value(),
            }),
        );
        put("red5-room", self.room.as_ref().map(Json::value));
        put("red5-transport", self.transport.as_ref().map(Json::value));
        Value::Object(m).to_string()
    }
}

#[derive(Arbitrary, Debug)]
enum Encoding {
    /// base64url without padding (the JWS form).
    UrlNoPad,
    UrlPadded,
    Standard,
}

impl Encoding {
    fn encode(&self, bytes: &[u8]) -> String {
        match self {
            Encoding::UrlNoPad => URL_SAFE_NO_PAD.encode(bytes),
            Encoding::UrlPadded => URL_SAFE.encode(bytes),
            Encoding::Standard => STANDARD.encode(bytes),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Signer {
    /// HMAC-SHA256 with the configured secret.
    Configured,
    /// HMAC-SHA384 with the configured secret.
    ConfiguredSha384,
    /// HMAC-SHA256 with another secret.
    Other(Vec<u8>),
    /// An empty signature.
    Empty,
    /// These bytes as the signature.
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
enum Mutation {
    Xor { at: u16, with: u8 },
    Insert { at: u16, byte: u8 },
    Remove { at: u16 },
    Truncate { at: u16 },
}

impl Mutation {
    fn apply(&self, bytes: &mut Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        let at = |i: u16| usize::from(i) % bytes.len();
        match *self {
            Mutation::Xor { at: i, with } => {
                let i = at(i);
                bytes[i] ^= with;
            }
            Mutation::Insert { at: i, byte } => {
                let i = at(i);
                bytes.insert(i, byte);
            }
            Mutation::Remove { at: i } => {
                let i = at(i);
                bytes.remove(i);
            }
            Mutation::Truncate { at: i } => {
                let i = at(i);
                bytes.truncate(i);
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Via {
    Token,
    /// The token as the password of this user (MediaMTX's form).
    Password(String),
}

#[derive(Arbitrary, Debug)]
struct Built {
    which: Which,
    header: Header,
    claims: Claims,
    header_encoding: Encoding,
    claims_encoding: Encoding,
    signer: Signer,
    signature_encoding: Encoding,
    mutations: Vec<Mutation>,
    via: Via,
    subscribe: bool,
    transport: u8,
    path: u8,
}

const PATHS: [&str; 4] = [
    "live/room1/cam1",
    "live/room2/cam1",
    "cam1",
    "live/acme/room1/cam1",
];
const TRANSPORTS: [Transport; 5] = [
    Transport::Rtmp,
    Transport::Rtsp,
    Transport::Whip,
    Transport::Whep,
    Transport::Srt,
];

fn request(action: Action, transport: Transport, path: &str, creds: Credentials) -> AuthRequest {
    let path = StreamPath::new(path).expect("a fixed valid path");
    AuthRequest::new(action, transport, path, creds)
}

fn built(b: &Built) {
    let w = world();
    let signing_input = format!(
        "{}.{}",
        b.header_encoding.encode(b.header.text().as_bytes()),
        b.claims_encoding.encode(b.claims.text().as_bytes())
    );
    let sig: Vec<u8> = match &b.signer {
        Signer::Configured => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, &w.secret);
            hmac::sign(&key, signing_input.as_bytes()).as_ref().to_vec()
        }
        Signer::ConfiguredSha384 => {
            let key = hmac::Key::new(hmac::HMAC_SHA384, &w.secret);
            hmac::sign(&key, signing_input.as_bytes()).as_ref().to_vec()
        }
        Signer::Other(secret) => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
            hmac::sign(&key, signing_input.as_bytes()).as_ref().to_vec()
        }
        Signer::Empty => Vec::new(),
        Signer::Raw(bytes) => bytes.clone(),
    };
    let mut bytes = format!("{signing_input}.{}", b.signature_encoding.encode(&sig)).into_bytes();
    for m in b.mutations.iter().take(MAX_MUTATIONS) {
        m.apply(&mut bytes);
    }
    let token = String::from_utf8_lossy(&bytes).into_owned();
    let creds = match &b.via {
        Via::Token => Credentials::token(token.as_str()),
        Via::Password(user) => Credentials::user_password(user.as_str(), token.as_str()),
    };
    let action = if b.subscribe {
        Action::Subscribe
    } else {
        Action::Publish
    };
    let transport = TRANSPORTS[usize::from(b.transport) % TRANSPORTS.len()];
    let path = PATHS[usize::from(b.path) % PATHS.len()];
    check(b.which, &request(action, transport, path, creds), &token);
}

fn raw(token: &str) {
    for which in [Which::Hs, Which::Jwks] {
        for action in [Action::Publish, Action::Subscribe] {
            let req = request(action, Transport::Rtmp, PATHS[0], Credentials::token(token));
            check(which, &req, token);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        None => {}
        Some((0, rest)) => raw(&String::from_utf8_lossy(rest)),
        Some((_, rest)) => {
            if let Ok(b) = Built::arbitrary_take_rest(Unstructured::new(rest)) {
                built(&b);
            }
        }
    }
});
