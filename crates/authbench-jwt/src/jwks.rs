//! Keys over HTTP: a JWKS URL, or OIDC discovery that leads to one.
//!
//! Refresh is lazy and happens on the request path, decided with the injected clock (so tests
//! need no background task and no sleeping):
//!
//! * keys older than `jwks_refresh` are re-fetched by the next request;
//! * a token whose `kid` is unknown triggers one re-fetch (key rotation);
//! * whatever the trigger, at most one fetch starts per `jwks_min_refetch` — otherwise anyone
//!   could make the server download keys at will by sending made-up `kid`s;
//! * fetches are single-flight: concurrent requests wait for the one fetch under way;
//! * a failed fetch keeps the last good keys; with no keys at all, decisions are
//!   `backend_unavailable`.
//!
//! Only `kid` selects a key: a token's `jku`, `x5u` and `jwk` headers are never read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use authbench_core::redact;
use reqwest::Url;

use crate::keys::{KeySet, MAX_JWKS_BYTES, parse_jwks};

const WELL_KNOWN: &str = "/.well-known/openid-configuration";

/// Where keys come from. `Debug` shows the URLs redacted.
#[derive(Clone)]
pub(crate) enum RemoteSource {
    /// A JWKS URL.
    Jwks(Url),
    /// OIDC discovery: the discovery document URL and the issuer it must name.
    Discovery { url: Url, issuer: String },
}

impl RemoteSource {
    /// A JWKS URL (`jwks_url`).
    pub fn jwks(url: &str) -> Option<Self> {
        http_url(url).map(RemoteSource::Jwks)
    }

    /// OIDC discovery from an issuer URL or its `/.well-known/openid-configuration` URL.
    pub fn discovery(url: &str) -> Option<Self> {
        let (doc, issuer) = match url.strip_suffix(WELL_KNOWN) {
            Some(issuer) => (url.to_owned(), issuer.to_owned()),
            None => {
                let issuer = url.trim_end_matches('/');
                (format!("{issuer}{WELL_KNOWN}"), issuer.to_owned())
            }
        };
        Some(RemoteSource::Discovery {
            url: http_url(&doc)?,
            issuer,
        })
    }
}

impl std::fmt::Debug for RemoteSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RemoteSource::Jwks(url) => f.debug_tuple("Jwks").field(&shown(url)).finish(),
            RemoteSource::Discovery { url, issuer } => f
                .debug_struct("Discovery")
                .field("url", &shown(url))
                .field("issuer", &redact::url(issuer))
                .finish(),
        }
    }
}

/// A URL for messages, logs and `Debug`: user info and query values replaced (a key endpoint is
/// often reached with basic-auth credentials or an `access_token` parameter).
fn shown(url: &Url) -> String {
    redact::url(url.as_str())
}

fn http_url(s: &str) -> Option<Url> {
    Url::parse(s)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// The keys in force, swapped whole on a successful fetch.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub keys: KeySet,
    /// The issuer named by the discovery document.
    pub issuer: Option<String>,
    /// Bumped whenever the set of keys changes (empties the verified-token cache).
    pub generation: u64,
}

#[derive(Debug, Default)]
struct Meta {
    last_success: Option<Duration>,
    last_attempt: Option<Duration>,
    /// From discovery, once known.
    jwks_uri: Option<Url>,
    /// Why the last fetch failed (for `backend_unavailable` details).
    last_error: Option<String>,
}

/// A remote key source with its cache and refresh policy.
pub(crate) struct RemoteKeys {
    client: reqwest::Client,
    source: RemoteSource,
    refresh: Duration,
    min_refetch: Duration,
    snapshot: ArcSwap<Snapshot>,
    meta: Mutex<Meta>,
    fetch_lock: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

impl std::fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKeys")
            .field("source", &self.source)
            .field("refresh", &self.refresh)
            .field("min_refetch", &self.min_refetch)
            .field("keys", &self.snapshot.load().keys.len())
            .field("fetches", &self.fetch_count())
            .finish_non_exhaustive()
    }
}

impl RemoteKeys {
    pub fn new(
        source: RemoteSource,
        timeout: Duration,
        refresh: Duration,
        min_refetch: Duration,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()?;
        Ok(RemoteKeys {
            client,
            source,
            refresh,
            min_refetch,
            snapshot: ArcSwap::from_pointee(Snapshot::default()),
            meta: Mutex::new(Meta::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        })
    }

    /// The keys in force.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Fetches started so far (for tests and stats).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Why the last fetch failed, if it did.
    pub fn last_error(&self) -> Option<String> {
        self.meta.lock().ok().and_then(|m| m.last_error.clone())
    }

    fn may_fetch(&self, meta: &Meta, now: Duration) -> bool {
        meta.last_attempt
            .is_none_or(|t| now.saturating_sub(t) >= self.min_refetch)
    }

    /// Whether the keys are missing or older than the refresh interval, and a fetch is allowed.
    pub fn wants_refresh(&self, now: Duration) -> bool {
        let Ok(meta) = self.meta.lock() else {
            return false;
        };
        let stale = meta
            .last_success
            .is_none_or(|t| now.saturating_sub(t) >= self.refresh);
        stale && self.may_fetch(&meta, now)
    }

    /// Fetches the keys if the rate limit allows; returns whether a fetch succeeded.
    /// Concurrent callers queue on one lock, and those who arrive after a fetch at the same
    /// time find the rate limit spent and return without fetching.
    pub async fn fetch(&self, now: Duration) -> bool {
        let _single_flight = self.fetch_lock.lock().await;
        {
            let Ok(mut meta) = self.meta.lock() else {
                return false;
            };
            if !self.may_fetch(&meta, now) {
                return false;
            }
            meta.last_attempt = Some(now);
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = self.fetch_once().await;
        let Ok(mut meta) = self.meta.lock() else {
            return false;
        };
        match result {
            Ok((keys, issuer, jwks_uri)) => {
                let old = self.snapshot.load();
                let generation =
                    if old.keys.fingerprint() == keys.fingerprint() && old.issuer == issuer {
                        old.generation
                    } else {
                        old.generation.wrapping_add(1)
                    };
                self.snapshot.store(Arc::new(Snapshot {
                    keys,
                    issuer,
                    generation,
                }));
                meta.last_success = Some(now);
                meta.last_error = None;
                if jwks_uri.is_some() {
                    meta.jwks_uri = jwks_uri;
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "JWKS fetch failed; keeping the last good keys");
                meta.last_error = Some(e);
                // Discover again next time, in case the provider moved its key set.
                meta.jwks_uri = None;
                false
            }
        }
    }

    async fn fetch_once(&self) -> Result<(KeySet, Option<String>, Option<Url>), String> {
        let (jwks_url, issuer) = match &self.source {
            RemoteSource::Jwks(url) => (url.clone(), None),
            RemoteSource::Discovery { url, issuer } => {
                let known = self
                    .meta
                    .lock()
                    .ok()
                    .and_then(|m| m.jwks_uri.clone())
                    .zip(self.snapshot.load().issuer.clone());
                match known {
                    Some((jwks, iss)) => (jwks, Some(iss)),
                    None => {
                        let (jwks, iss) = self.discover(url, issuer).await?;
                        (jwks, Some(iss))
                    }
                }
            }
        };
        let body = self.get(&jwks_url).await?;
        let shown = shown(&jwks_url);
        let (keys, skipped) = parse_jwks(&body).map_err(|e| format!("{shown}: {e}"))?;
        for note in skipped {
            tracing::warn!(url = %shown, "JWKS entry {note}");
        }
        if keys.is_empty() {
            return Err(format!("{shown}: the key set has no usable signature keys"));
        }
        Ok((KeySet::new(keys), issuer, Some(jwks_url)))
    }

    async fn discover(&self, url: &Url, expected_issuer: &str) -> Result<(Url, String), String> {
        #[derive(serde::Deserialize)]
        struct Doc {
            issuer: String,
            jwks_uri: String,
        }
        let body = self.get(url).await?;
        let shown = shown(url);
        let doc: Doc = serde_json::from_slice(&body).map_err(|_| {
            format!("{shown}: not an OpenID provider configuration (needs issuer and jwks_uri)")
        })?;
        // OpenID Connect Discovery §4.3: the issuer must be the one the document was found under.
        // Both issuers and the jwks_uri are URLs, shown redacted like every other.
        if doc.issuer.trim_end_matches('/') != expected_issuer.trim_end_matches('/') {
            return Err(format!(
                "{shown}: discovery names issuer `{}`, expected `{}`",
                redact::url(&doc.issuer),
                redact::url(expected_issuer)
            ));
        }
        let jwks = http_url(&doc.jwks_uri).ok_or_else(|| {
            format!(
                "{shown}: jwks_uri `{}` is not an http(s) URL",
                redact::url(&doc.jwks_uri)
            )
        })?;
        Ok((jwks, doc.issuer))
    }

    /// GET with a size cap.
    async fn get(&self, url: &Url) -> Result<Vec<u8>, String> {
        let shown = shown(url);
        let describe = |e: &reqwest::Error| {
            if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "connection failed"
            } else {
                "request failed"
            }
        };
        let mut resp = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("{shown}: {}", describe(&e)))?;
        if !resp.status().is_success() {
            return Err(format!("{shown}: HTTP status {}", resp.status().as_u16()));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
        {
            return Err(format!(
                "{shown}: document larger than {MAX_JWKS_BYTES} bytes"
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("{shown}: {}", describe(&e)))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!(
                    "{shown}: document larger than {MAX_JWKS_BYTES} bytes"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_urls() {
        let Some(RemoteSource::Discovery { url, issuer }) =
            RemoteSource::discovery("http://127.0.0.1:9/realms/a/")
        else {
            panic!("parses");
        };
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/realms/a/.well-known/openid-configuration"
        );
        assert_eq!(issuer, "http://127.0.0.1:9/realms/a");
        let Some(RemoteSource::Discovery { issuer, .. }) =
            RemoteSource::discovery("https://idp.test/.well-known/openid-configuration")
        else {
            panic!("parses");
        };
        assert_eq!(issuer, "https://idp.test");
        assert!(RemoteSource::jwks("file:///etc/passwd").is_none());
        assert!(RemoteSource::jwks("not a url").is_none());
    }
}
