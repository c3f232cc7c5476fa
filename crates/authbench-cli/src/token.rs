//! `authbench token`: mint a JWT for an identity of the config (tests, trying a config).

use std::time::Duration;

use authbench_core::{Clock, SystemClock};
use authbench_harness::deployment as config;
use authbench_jwt::TokenMinter;

use crate::args::TokenArgs;
use crate::{CliError, print_out};

pub(crate) async fn run(args: TokenArgs) -> Result<u8, CliError> {
    let loaded = config::load(&args.config)?;
    let file = args.config.display();
    let jwt = loaded
        .config
        .jwt
        .as_ref()
        .ok_or_else(|| CliError::Usage(format!("{file}: has no `jwt:` section")))?;
    let identity = loaded
        .config
        .identities
        .get(&args.identity)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{file}: no identity `{}` under `identities:`",
                args.identity
            ))
        })?;
    if args.ttl < Duration::from_secs(1) {
        return Err(CliError::Usage("--ttl must be at least 1s".into()));
    }
    let minter =
        TokenMinter::from_config(jwt, &loaded.base_dir).map_err(|source| CliError::JwtSection {
            file: args.config.clone(),
            source,
        })?;
    let at = args.at.unwrap_or_else(|| SystemClock.now_secs());
    let token = minter.mint(&args.identity, identity, at, args.ttl)?;
    print_out(&token)?;
    Ok(0)
}
