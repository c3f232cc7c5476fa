//! `authbench serve`: the reference auth service, until Ctrl-C.

use std::sync::Arc;

use authbench_authsvc::{AuthService, ServiceConfig, ServiceOptions};
use authbench_core::{Clock, Identities, SystemClock};
use authbench_harness::deployment as config;

use crate::CliError;
use crate::args::ServeArgs;

pub(crate) async fn run(args: ServeArgs) -> Result<u8, CliError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (identities, section, jwt) = match &args.config {
        Some(path) => {
            let loaded = config::load(path)?;
            (
                loaded.config.identities,
                loaded.config.service.unwrap_or_default(),
                loaded.config.jwt,
            )
        }
        None => (Identities::new(), ServiceConfig::default(), None),
    };
    if identities.is_empty() {
        eprintln!(
            "authbench serve: no identities configured; every request will be denied as unknown_user"
        );
    }
    let mut options: ServiceOptions = section.options(clock)?;
    // With a `jwt:` section, the tokens issued are shaped for that validator's claim profile, so
    // the deployment's media server accepts them as it would its identity provider's.
    if let Some(jwt) = jwt {
        options.claims = config::issued_claims(jwt);
    }
    let listen = args
        .listen
        .or(section.listen)
        .unwrap_or_else(|| ([127, 0, 0, 1], 8089).into());
    let not_started = |source| CliError::Service { listen, source };
    let service = AuthService::new(&identities, options).map_err(not_started)?;
    let running = service.spawn(listen).await.map_err(not_started)?;
    eprintln!(
        "authbench serve: listening on {} ({} identities); Red5 Pro round trip at {}, MediaMTX auth at {}, \
         nginx-rtmp on_publish/on_play at {}, SRS http_hooks at {}, JWKS at {}; Ctrl-C stops",
        running.base_url(),
        identities.len(),
        running.url(authbench_authsvc::PATH_VALIDATE),
        running.url(authbench_authsvc::PATH_MEDIAMTX),
        running.url(authbench_authsvc::PATH_NGINX_RTMP),
        running.url(authbench_authsvc::PATH_SRS),
        running.url(authbench_authsvc::PATH_JWKS),
    );
    tokio::signal::ctrl_c().await.map_err(CliError::Signal)?;
    running.shutdown().await;
    Ok(0)
}
