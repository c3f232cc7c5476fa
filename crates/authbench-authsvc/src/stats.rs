//! Counters of what the service did (`GET /admin/stats`, [`ServiceHandle::stats`](crate::ServiceHandle::stats)).
//! Fixed-size atomic arrays: counting never allocates and never grows.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use authbench_core::DenyReason;
use serde::Serialize;

/// The endpoints the service counts requests for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Validate,
    Invalidate,
    MediaMtx,
    NginxRtmp,
    Srs,
    Token,
    Jwks,
    Discovery,
    Health,
    Admin,
    Other,
}

impl Endpoint {
    const ALL: [Endpoint; 11] = [
        Endpoint::Validate,
        Endpoint::Invalidate,
        Endpoint::MediaMtx,
        Endpoint::NginxRtmp,
        Endpoint::Srs,
        Endpoint::Token,
        Endpoint::Jwks,
        Endpoint::Discovery,
        Endpoint::Health,
        Endpoint::Admin,
        Endpoint::Other,
    ];

    /// The endpoint a request path belongs to.
    pub(crate) fn of(path: &str) -> Endpoint {
        match path {
            crate::PATH_VALIDATE => Endpoint::Validate,
            crate::PATH_INVALIDATE => Endpoint::Invalidate,
            crate::PATH_MEDIAMTX => Endpoint::MediaMtx,
            crate::PATH_NGINX_RTMP => Endpoint::NginxRtmp,
            crate::PATH_SRS => Endpoint::Srs,
            crate::PATH_TOKEN => Endpoint::Token,
            crate::PATH_JWKS => Endpoint::Jwks,
            crate::PATH_DISCOVERY => Endpoint::Discovery,
            crate::PATH_HEALTH => Endpoint::Health,
            p if p.starts_with("/admin/") => Endpoint::Admin,
            _ => Endpoint::Other,
        }
    }

    /// Whether a streaming server (or its auth plugin) calls this endpoint while deciding:
    /// credential checks, tokens, keys and discovery; not health probes, the admin API or
    /// unknown paths. A new endpoint has to be placed here.
    fn decides(self) -> bool {
        match self {
            Endpoint::Validate
            | Endpoint::Invalidate
            | Endpoint::MediaMtx
            | Endpoint::NginxRtmp
            | Endpoint::Srs
            | Endpoint::Token
            | Endpoint::Jwks
            | Endpoint::Discovery => true,
            Endpoint::Health | Endpoint::Admin | Endpoint::Other => false,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Endpoint::Validate => "validate_credentials",
            Endpoint::Invalidate => "invalidate_credentials",
            Endpoint::MediaMtx => "mediamtx_auth",
            Endpoint::NginxRtmp => "nginx_rtmp",
            Endpoint::Srs => "srs",
            Endpoint::Token => "token",
            Endpoint::Jwks => "jwks",
            Endpoint::Discovery => "openid_configuration",
            Endpoint::Health => "healthz",
            Endpoint::Admin => "admin",
            Endpoint::Other => "other",
        }
    }
}

/// The kinds of fault the service applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    Latency,
    Hang,
    Drop,
    Error,
    Redirect,
    Malformed,
    Oversized,
}

impl FaultKind {
    const ALL: [FaultKind; 7] = [
        FaultKind::Latency,
        FaultKind::Hang,
        FaultKind::Drop,
        FaultKind::Error,
        FaultKind::Redirect,
        FaultKind::Malformed,
        FaultKind::Oversized,
    ];

    fn name(self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::Hang => "hang",
            FaultKind::Drop => "drop",
            FaultKind::Error => "error",
            FaultKind::Redirect => "redirect",
            FaultKind::Malformed => "malformed",
            FaultKind::Oversized => "oversized",
        }
    }
}

fn counters(n: usize) -> Box<[AtomicU64]> {
    (0..n).map(|_| AtomicU64::new(0)).collect()
}

fn bump(slot: Option<&AtomicU64>) {
    if let Some(c) = slot {
        c.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Debug)]
pub(crate) struct Stats {
    requests: Box<[AtomicU64]>,
    allows: Box<[AtomicU64]>,
    denies: Box<[AtomicU64]>,
    reasons: Box<[AtomicU64]>,
    faults: Box<[AtomicU64]>,
    connections_total: AtomicU64,
    connections_open: AtomicU64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            requests: counters(Endpoint::ALL.len()),
            allows: counters(Endpoint::ALL.len()),
            denies: counters(Endpoint::ALL.len()),
            reasons: counters(DenyReason::ALL.len()),
            faults: counters(FaultKind::ALL.len()),
            connections_total: AtomicU64::new(0),
            connections_open: AtomicU64::new(0),
        }
    }
}

impl Stats {
    pub(crate) fn request(&self, e: Endpoint) {
        bump(self.requests.get(e as usize));
    }

    pub(crate) fn allow(&self, e: Endpoint) {
        bump(self.allows.get(e as usize));
    }

    pub(crate) fn deny(&self, e: Endpoint, reason: DenyReason) {
        bump(self.denies.get(e as usize));
        let idx = DenyReason::ALL.iter().position(|r| *r == reason);
        bump(idx.and_then(|i| self.reasons.get(i)));
    }

    pub(crate) fn fault(&self, kind: FaultKind) {
        bump(self.faults.get(kind as usize));
    }

    pub(crate) fn connection_opened(&self) {
        self.connections_total.fetch_add(1, Ordering::Relaxed);
        self.connections_open.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        fn named<T: Copy>(
            keys: &[T],
            values: &[AtomicU64],
            name: impl Fn(T) -> &'static str,
        ) -> BTreeMap<String, u64> {
            keys.iter()
                .zip(values)
                .map(|(k, v)| (name(*k).to_owned(), v.load(Ordering::Relaxed)))
                .filter(|(_, v)| *v > 0)
                .collect()
        }
        StatsSnapshot {
            requests: named(&Endpoint::ALL, &self.requests, Endpoint::name),
            allows: named(&Endpoint::ALL, &self.allows, Endpoint::name),
            denies: named(&Endpoint::ALL, &self.denies, Endpoint::name),
            deny_reasons: named(DenyReason::ALL, &self.reasons, DenyReason::code),
            faults_applied: named(&FaultKind::ALL, &self.faults, FaultKind::name),
            connections_total: self.connections_total.load(Ordering::Relaxed),
            connections_open: self.connections_open.load(Ordering::Relaxed),
        }
    }
}

/// A copy of the counters. Maps leave out zero counts.
///
/// ```json
/// {"requests": {"validate_credentials": 12, "admin": 1},
///  "allows": {"validate_credentials": 9}, "denies": {"validate_credentials": 3},
///  "deny_reasons": {"bad_password": 2, "revoked": 1},
///  "faults_applied": {"latency": 4}, "connections_total": 3, "connections_open": 1}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StatsSnapshot {
    /// Requests received, by endpoint (`validate_credentials`, `invalidate_credentials`,
    /// `mediamtx_auth`, `nginx_rtmp`, `srs`, `token`, `jwks`, `openid_configuration`, `healthz`,
    /// `admin`, `other`).
    pub requests: BTreeMap<String, u64>,
    /// Allow answers, by endpoint.
    pub allows: BTreeMap<String, u64>,
    /// Deny answers, by endpoint.
    pub denies: BTreeMap<String, u64>,
    /// Deny answers, by reason code.
    pub deny_reasons: BTreeMap<String, u64>,
    /// Faults applied, by kind (`latency`, `hang`, `drop`, `error`, `redirect`, `malformed`,
    /// `oversized`).
    pub faults_applied: BTreeMap<String, u64>,
    /// Connections accepted since start.
    pub connections_total: u64,
    /// Connections open now.
    pub connections_open: u64,
}

impl StatsSnapshot {
    /// Requests received by the endpoint with this name (0 if none).
    pub fn requests_to(&self, endpoint: &str) -> u64 {
        self.requests.get(endpoint).copied().unwrap_or(0)
    }

    /// Requests received on the endpoints a streaming server calls while deciding (validation,
    /// invalidation, the MediaMTX, nginx-rtmp and SRS hooks, token, keys, discovery); health
    /// probes, the admin API and unknown paths are not counted.
    pub fn server_calls(&self) -> u64 {
        Endpoint::ALL
            .iter()
            .filter(|e| e.decides())
            .map(|e| self.requests_to(e.name()))
            .sum()
    }

    /// Denies with this reason (0 if none).
    pub fn denies_for(&self, reason: DenyReason) -> u64 {
        self.deny_reasons.get(reason.code()).copied().unwrap_or(0)
    }

    /// Faults of this kind applied (0 if none).
    pub fn faults_of(&self, kind: &str) -> u64 {
        self.faults_applied.get(kind).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_calls_count_every_decision_endpoint_and_nothing_else() {
        let stats = Stats::default();
        for e in Endpoint::ALL {
            stats.request(e);
        }
        stats.request(Endpoint::NginxRtmp);
        stats.request(Endpoint::Srs);
        let snapshot = stats.snapshot();
        // Validate, invalidate, MediaMTX, nginx-rtmp (2), SRS (2), token, JWKS, discovery.
        assert_eq!(snapshot.server_calls(), 10);
        assert_eq!(snapshot.requests_to("healthz"), 1);
        assert_eq!(snapshot.requests_to("admin"), 1);
        assert_eq!(snapshot.requests_to("other"), 1);

        let only_probes = Stats::default();
        only_probes.request(Endpoint::Health);
        only_probes.request(Endpoint::Admin);
        only_probes.request(Endpoint::Other);
        assert_eq!(only_probes.snapshot().server_calls(), 0);
    }
}
