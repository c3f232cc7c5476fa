//! Minting tokens in a profile's shape from the one identity model (for `authbench token`, the
//! scenario fixture builder and the reference auth service).

use std::path::Path;
use std::time::Duration;

use authbench_core::{Identity, Role, Transport};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{AlgorithmFamily, EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::Algorithm;
use crate::build;
use crate::config::{JwtConfig, Profile, TenantSource};
use crate::error::{JwtConfigError, MintError, describe_key_error};

/// Signs tokens with the configured secret (HS*) or `signing_key` (other algorithms), using the
/// first configured algorithm the available key can sign.
pub struct TokenMinter {
    cfg: JwtConfig,
    alg: Algorithm,
    key: EncodingKey,
}

impl std::fmt::Debug for TokenMinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenMinter")
            .field("profile", &self.cfg.profile)
            .field("alg", &self.alg)
            .field("kid", &self.cfg.signing_kid)
            .finish_non_exhaustive()
    }
}

fn private_key(pem: &[u8]) -> Result<EncodingKey, String> {
    EncodingKey::from_rsa_pem(pem)
        .or_else(|_| EncodingKey::from_ec_pem(pem))
        .or_else(|_| EncodingKey::from_ed_pem(pem))
        .map_err(|e| {
            format!(
                "{} (expected a PKCS#8 or PKCS#1 RSA, PKCS#8 EC or PKCS#8 Ed25519 private key)",
                describe_key_error(e.kind())
            )
        })
}

impl TokenMinter {
    /// A minter for `cfg`; paths resolve against `base_dir`.
    pub fn from_config(cfg: &JwtConfig, base_dir: &Path) -> Result<Self, JwtConfigError> {
        let algorithms = build::algorithms(cfg)?;
        let secret = build::secret(cfg, base_dir)?
            .map(|s| {
                EncodingKey::from_secret(&s).map_err(|e| JwtConfigError::BadKey {
                    key: "secret",
                    location: "secret".to_owned(),
                    reason: describe_key_error(e.kind()),
                })
            })
            .transpose()?;
        let signing = match &cfg.signing_key {
            None => None,
            Some(rel) => {
                let path = base_dir.join(rel);
                let pem = std::fs::read(&path).map_err(|source| JwtConfigError::Read {
                    key: "signing_key",
                    path: path.clone(),
                    source,
                })?;
                Some(private_key(&pem).map_err(|reason| JwtConfigError::BadKey {
                    key: "signing_key",
                    location: path.display().to_string(),
                    reason,
                })?)
            }
        };
        for alg in algorithms {
            let jose = jsonwebtoken::Algorithm::from(alg);
            let key = if jose.family() == AlgorithmFamily::Hmac {
                secret.as_ref()
            } else {
                signing.as_ref().filter(|k| k.family() == jose.family())
            };
            // A probe signature settles curve / key-size fit (ES256 needs a P-256 key, …).
            if let Some(key) = key
                && jsonwebtoken::crypto::sign(b"probe", key, jose).is_ok()
            {
                return Ok(TokenMinter {
                    cfg: cfg.clone(),
                    alg,
                    key: key.clone(),
                });
            }
        }
        Err(JwtConfigError::Invalid {
            key: "signing_key",
            reason: MintError::NoSigningKey.to_string(),
        })
    }

    /// The algorithm tokens are signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// A token for identity `name`, issued at `issued_at` (Unix seconds), valid for `ttl`, with
    /// a fresh random `jti`.
    pub fn mint(
        &self,
        name: &str,
        identity: &Identity,
        issued_at: u64,
        ttl: Duration,
    ) -> Result<String, MintError> {
        let exp = issued_at
            .checked_add(ttl.as_secs())
            .ok_or(MintError::TimeOverflow)?;
        let mut claims = claims_for(&self.cfg, name, identity, issued_at, exp);
        if let Value::Object(map) = &mut claims {
            map.insert("jti".to_owned(), Value::String(random_jti()));
        }
        self.sign(&claims)
    }

    /// Signs arbitrary claims with this minter's key, algorithm and `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, MintError> {
        let mut header = Header::new(self.alg.into());
        header.kid = self.cfg.signing_kid.clone();
        jsonwebtoken::encode(&header, claims, &self.key).map_err(MintError::Sign)
    }
}

/// A random `jti` (128 bits, base64url).
pub fn random_jti() -> String {
    let mut bytes = [0u8; 16];
    // Should the system RNG fail, a process-wide counter still keeps jti values distinct.
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        bytes[..8].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

fn issuer_for(cfg: &JwtConfig, identity: &Identity) -> Option<String> {
    if cfg.tenant_from == TenantSource::Issuer
        && let Some(tenant) = &identity.tenant
        && let Some((iss, _)) = cfg
            .tenants
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some(tenant.as_str()))
    {
        return Some(iss.clone());
    }
    if let Some(first) = cfg.issuers.first() {
        return Some(first.clone());
    }
    cfg.oidc_discovery.as_deref().map(|url| {
        url.strip_suffix("/.well-known/openid-configuration")
            .unwrap_or(url.trim_end_matches('/'))
            .to_owned()
    })
}

fn red5_transport(t: Transport) -> &'static str {
    match t {
        Transport::Rtmp => "RTMP",
        Transport::Rtsp => "RTSP",
        Transport::Whip => "WHIP",
        Transport::Whep => "WHEP",
        Transport::Srt => "SRT",
    }
}

/// The claims a token for `identity` carries in `cfg`'s profile, without `jti` (add one with
/// [`random_jti`] when replay protection is on). Pure: same input, same output.
///
/// * all profiles: `sub` = `name`, `iat` = `nbf` = `iat`, `exp`, `iss` (the issuer of the
///   identity's tenant when `tenants` name it, else the first of `issuers`, else the discovery
///   issuer), `aud` (first of `audiences`);
/// * red5pro: `roles` `red5-publisher,red5-subscriber`, `red5-room` `r1,r2`, `red5-transport`
///   `RTMP,WHIP` (each omitted when the identity does not restrict it, which Red5 Pro reads as
///   "any");
/// * generic: arrays under the configured names (`roles: [publisher]`, `rooms`, `transports`)
///   and the tenant claim;
/// * mediamtx: `mediamtx_permissions` with one `{action, path}` per role and room, a room
///   becoming the path expression `~^[^/]+/ROOM/[^/]+$`; MediaMTX cannot restrict transports,
///   so they are not expressed.
pub fn claims_for(cfg: &JwtConfig, name: &str, identity: &Identity, iat: u64, exp: u64) -> Value {
    let names = cfg.claim_names();
    let mut m = Map::new();
    m.insert("sub".into(), json!(name));
    if let Some(iss) = issuer_for(cfg, identity) {
        m.insert("iss".into(), json!(iss));
    }
    if let Some(aud) = cfg.audiences.first() {
        m.insert("aud".into(), json!(aud));
    }
    m.insert("iat".into(), json!(iat));
    m.insert("nbf".into(), json!(iat));
    m.insert("exp".into(), json!(exp));
    let roles: Vec<Role> = identity.roles.clone();
    match cfg.profile {
        Profile::Red5pro => {
            if !roles.is_empty() {
                let r: Vec<&str> = roles
                    .iter()
                    .map(|r| match r {
                        Role::Publisher => "red5-publisher",
                        Role::Subscriber => "red5-subscriber",
                    })
                    .collect();
                m.insert(names.roles.clone(), json!(r.join(",")));
            }
            if !identity.rooms.is_empty() {
                m.insert(names.rooms.clone(), json!(identity.rooms.join(",")));
            }
            if !identity.transports.is_empty() {
                let t: Vec<&str> = identity
                    .transports
                    .iter()
                    .map(|t| red5_transport(*t))
                    .collect();
                m.insert(names.transports.clone(), json!(t.join(",")));
            }
        }
        Profile::Generic => {
            if !roles.is_empty() {
                let r: Vec<&str> = roles
                    .iter()
                    .map(|r| match r {
                        Role::Publisher => "publisher",
                        Role::Subscriber => "subscriber",
                    })
                    .collect();
                m.insert(names.roles.clone(), json!(r));
            }
            if !identity.rooms.is_empty() {
                m.insert(names.rooms.clone(), json!(identity.rooms));
            }
            if !identity.transports.is_empty() {
                let t: Vec<&str> = identity.transports.iter().map(|t| t.as_str()).collect();
                m.insert(names.transports.clone(), json!(t));
            }
        }
        Profile::Mediamtx => {
            let actions: Vec<&str> = [(Role::Publisher, "publish"), (Role::Subscriber, "read")]
                .into_iter()
                .filter(|(r, _)| identity.has_role(*r))
                .map(|(_, a)| a)
                .collect();
            let paths: Vec<String> = if identity.rooms.is_empty() {
                vec![String::new()]
            } else {
                identity
                    .rooms
                    .iter()
                    .map(|room| format!("~^[^/]+/{}/[^/]+$", regex::escape(room)))
                    .collect()
            };
            let perms: Vec<Value> = actions
                .iter()
                .flat_map(|a| paths.iter().map(move |p| json!({"action": a, "path": p})))
                .collect();
            m.insert(names.permissions.clone(), Value::Array(perms));
        }
    }
    if (cfg.profile == Profile::Generic || cfg.tenant_from == TenantSource::Claim)
        && let Some(t) = &identity.tenant
    {
        m.insert(names.tenant.clone(), json!(t));
    }
    Value::Object(m)
}
