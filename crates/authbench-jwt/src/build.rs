//! From a [`JwtConfig`] to the pieces a validator and a minter need: parsed algorithms, loaded
//! keys, checked claim names. Every error names the key and file at fault.

use std::path::{Path, PathBuf};

use jsonwebtoken::{Algorithm, AlgorithmFamily};

use crate::claims::{ClaimSpec, REGISTERED, Slot};
use crate::config::{JwtConfig, Profile, TenantSource};
use crate::error::JwtConfigError;
use crate::keys::{MIN_HMAC_SECRET_LEN, VerifyKey, parse_jwks};

/// The allowed algorithms, in configured order, without duplicates. (Names were checked when the
/// config was parsed: [`crate::Algorithm`] holds supported algorithms only.)
pub(crate) fn algorithms(cfg: &JwtConfig) -> Result<Vec<crate::Algorithm>, JwtConfigError> {
    if cfg.algorithms.is_empty() {
        return Err(JwtConfigError::NoAlgorithms);
    }
    let mut out = Vec::new();
    for &alg in &cfg.algorithms {
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    Ok(out)
}

fn read(
    key: &'static str,
    base_dir: &Path,
    rel: &Path,
) -> Result<(PathBuf, Vec<u8>), JwtConfigError> {
    let path = base_dir.join(rel);
    std::fs::read(&path)
        .map(|bytes| (path.clone(), bytes))
        .map_err(|source| JwtConfigError::Read { key, path, source })
}

/// The HMAC secret, if one is configured: file bytes or environment value with surrounding
/// whitespace trimmed (so `openssl rand -base64 32 > file` works), used as-is (not base64-decoded).
pub(crate) fn secret(cfg: &JwtConfig, base_dir: &Path) -> Result<Option<Vec<u8>>, JwtConfigError> {
    let (bytes, source_name) = match (&cfg.secret_file, &cfg.secret_env) {
        (Some(_), Some(_)) => return Err(JwtConfigError::Conflict("secret_file", "secret_env")),
        (None, None) => return Ok(None),
        (Some(file), None) => {
            let (path, bytes) = read("secret_file", base_dir, file)?;
            (bytes, format!("secret_file {}", path.display()))
        }
        (None, Some(var)) => {
            let value =
                std::env::var(var).map_err(|_| JwtConfigError::SecretEnvMissing(var.clone()))?;
            (value.into_bytes(), format!("secret_env {var}"))
        }
    };
    let trimmed = bytes.trim_ascii().to_vec();
    if trimmed.len() < MIN_HMAC_SECRET_LEN {
        return Err(JwtConfigError::WeakSecret {
            source_name,
            len: trimmed.len(),
        });
    }
    Ok(Some(trimmed))
}

/// Keys held locally: secret, PEM public keys and the JWKS file.
pub(crate) fn static_keys(
    cfg: &JwtConfig,
    base_dir: &Path,
) -> Result<Vec<VerifyKey>, JwtConfigError> {
    let mut keys = Vec::new();
    if let Some(secret) = secret(cfg, base_dir)? {
        keys.push(
            VerifyKey::hmac(&secret).map_err(|reason| JwtConfigError::BadKey {
                key: "secret",
                location: "secret".to_owned(),
                reason,
            })?,
        );
    }
    for rel in &cfg.public_keys {
        let (path, pem) = read("public_keys", base_dir, rel)?;
        keys.push(
            VerifyKey::from_public_pem(&pem).map_err(|reason| JwtConfigError::BadKey {
                key: "public_keys",
                location: path.display().to_string(),
                reason,
            })?,
        );
    }
    if let Some(rel) = &cfg.jwks_file {
        let (path, json) = read("jwks_file", base_dir, rel)?;
        let bad = |reason: String| JwtConfigError::BadKey {
            key: "jwks_file",
            location: path.display().to_string(),
            reason,
        };
        let (found, skipped) = parse_jwks(&json).map_err(bad)?;
        for note in skipped {
            tracing::warn!(file = %path.display(), "JWKS entry {note}");
        }
        if found.is_empty() {
            return Err(bad("no usable signature keys".to_owned()));
        }
        keys.extend(found);
    }
    Ok(keys)
}

fn family_needs(f: AlgorithmFamily) -> &'static str {
    match f {
        AlgorithmFamily::Hmac => "secret_file, secret_env or an oct JWK",
        AlgorithmFamily::Rsa => "an RSA public key",
        AlgorithmFamily::Ec => "an EC public key on the matching curve",
        AlgorithmFamily::Ed => "an Ed25519 public key",
    }
}

/// With local keys only, every allowed algorithm must have a key: an allowed algorithm nothing can
/// verify is a misconfiguration (and was how `alg` confusion slipped in elsewhere).
pub(crate) fn check_coverage(algs: &[Algorithm], keys: &[VerifyKey]) -> Result<(), JwtConfigError> {
    for &alg in algs {
        if !keys.iter().any(|k| k.fits(alg)) {
            return Err(JwtConfigError::AlgorithmWithoutKey {
                alg: format!("{alg:?}"),
                needs: family_needs(alg.family()),
            });
        }
    }
    Ok(())
}

/// Which custom claims the parser keeps, after checking the configured names.
pub(crate) fn claim_spec(cfg: &JwtConfig) -> Result<ClaimSpec, JwtConfigError> {
    let names = cfg.claim_names();
    let c = &cfg.claims;
    let invalid = |reason: String| JwtConfigError::Invalid {
        key: "claims",
        reason,
    };
    if cfg.profile == Profile::Mediamtx
        && (c.roles.is_some() || c.rooms.is_some() || c.transports.is_some())
    {
        return Err(invalid(
            "roles, rooms and transports claims do not apply to the mediamtx profile (use permissions)".into(),
        ));
    }
    if cfg.profile != Profile::Mediamtx && c.permissions.is_some() {
        return Err(invalid(
            "the permissions claim applies to the mediamtx profile only".into(),
        ));
    }
    let mut wanted: Vec<(String, Slot)> = match cfg.profile {
        Profile::Red5pro | Profile::Generic => vec![
            (names.roles.clone(), Slot::Roles),
            (names.rooms.clone(), Slot::Rooms),
            (names.transports.clone(), Slot::Transports),
        ],
        Profile::Mediamtx => vec![(names.permissions.clone(), Slot::Permissions)],
    };
    if cfg.profile == Profile::Generic || cfg.tenant_from == TenantSource::Claim {
        wanted.push((names.tenant.clone(), Slot::Tenant));
    }
    for (i, (name, _)) in wanted.iter().enumerate() {
        if name.is_empty() || REGISTERED.contains(&name.as_str()) {
            return Err(invalid(format!("`{name}` cannot name a custom claim")));
        }
        if wanted[..i].iter().any(|(n, _)| n == name) {
            return Err(invalid(format!("`{name}` names two different claims")));
        }
    }
    Ok(ClaimSpec { wanted })
}

/// Range checks of the remaining options.
pub(crate) fn check_options(cfg: &JwtConfig) -> Result<(), JwtConfigError> {
    let invalid = |key: &'static str, reason: &str| JwtConfigError::Invalid {
        key,
        reason: reason.to_owned(),
    };
    if cfg.replay.as_ref().is_some_and(|r| r.max_entries == 0) {
        return Err(invalid("replay.max_entries", "must be at least 1"));
    }
    if cfg.cache.as_ref().is_some_and(|c| c.max_entries == 0) {
        return Err(invalid("cache.max_entries", "must be at least 1"));
    }
    if cfg.max_ttl.is_some_and(|t| t.is_zero()) {
        return Err(invalid("max_ttl", "must be longer than 0s"));
    }
    for (key, t) in &cfg.tenants {
        if t.rooms.is_empty() {
            return Err(JwtConfigError::Invalid {
                key: "tenants",
                reason: format!("tenant `{key}` lists no room prefixes"),
            });
        }
        // The tenant rule gives an empty prefix no room at all; a single-tenant deployment
        // leaves `tenants` out instead.
        if t.rooms.iter().any(String::is_empty) {
            return Err(JwtConfigError::Invalid {
                key: "tenants",
                reason: format!(
                    "tenant `{key}` lists an empty room prefix, which owns no room (leave `tenants` out for a single tenant)"
                ),
            });
        }
    }
    if cfg.jwks_url.is_some() && cfg.oidc_discovery.is_some() {
        return Err(JwtConfigError::Conflict("jwks_url", "oidc_discovery"));
    }
    if cfg.has_remote_keys() && (cfg.jwks_timeout.is_zero() || cfg.jwks_refresh.is_zero()) {
        return Err(invalid(
            "jwks_timeout/jwks_refresh",
            "must be longer than 0s",
        ));
    }
    Ok(())
}
