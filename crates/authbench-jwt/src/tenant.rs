//! Tenants: each issuer (or tenant-claim value) owns room prefixes; a token of one tenant for a
//! room of another is `tenant_mismatch`. A room belongs to a prefix by [`room_belongs_to`], the
//! rule the reference service uses too: the prefix followed by the end of the room or a separator.

use std::collections::HashMap;

use authbench_core::tenant::room_belongs_to;
use authbench_core::{Deny, DenyReason, StreamPath};

use crate::config::{JwtConfig, TenantSource};
use crate::validator::Verified;

/// The tenant map of a validator.
#[derive(Debug)]
pub(crate) struct Tenants {
    source: TenantSource,
    rooms: HashMap<String, Vec<String>>,
}

impl Tenants {
    pub fn from_config(cfg: &JwtConfig) -> Option<Self> {
        (!cfg.tenants.is_empty()).then(|| Tenants {
            source: cfg.tenant_from,
            rooms: cfg
                .tenants
                .iter()
                .map(|(k, t)| (k.clone(), t.rooms.clone()))
                .collect(),
        })
    }

    /// Fails closed: no tenant key, an unknown tenant, or a stream with no room are mismatches.
    pub fn check(&self, v: &Verified, path: &StreamPath) -> Result<(), Deny> {
        let key = match self.source {
            TenantSource::Issuer => v.iss.as_deref().ok_or_else(|| {
                Deny::new(
                    DenyReason::MissingClaim,
                    "token has no `iss` to tell its tenant",
                )
            })?,
            TenantSource::Claim => match &v.tenant {
                Err(d) => return Err(d.clone()),
                Ok(None) => {
                    return Err(Deny::new(
                        DenyReason::MissingClaim,
                        "token has no tenant claim",
                    ));
                }
                Ok(Some(t)) => t.as_str(),
            },
        };
        let shown: String = key.chars().take(64).collect();
        let Some(prefixes) = self.rooms.get(key) else {
            return Err(Deny::new(
                DenyReason::TenantMismatch,
                format!("`{shown}` is not a configured tenant"),
            ));
        };
        let Some(room) = path.room() else {
            return Err(Deny::new(
                DenyReason::TenantMismatch,
                format!("`{path}` has no room, so it belongs to no tenant"),
            ));
        };
        // The one tenant rule, shared with the reference service: `acme` owns `acme-1` and
        // `acme/x`, never `acmeevil`.
        if prefixes.iter().any(|p| room_belongs_to(room, p)) {
            Ok(())
        } else {
            Err(Deny::new(
                DenyReason::TenantMismatch,
                format!("room `{room}` does not belong to tenant `{shown}`"),
            ))
        }
    }
}
