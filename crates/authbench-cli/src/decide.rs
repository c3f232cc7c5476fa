//! `authbench decide`: one decision as one JSON object.

use std::sync::Arc;
use std::time::Duration;

use authbench_core::connect::{self, ClientConnect};
use authbench_core::{
    AuthRequest, Clock, Credentials, Decision, ManualClock, StreamPath, SystemClock, Transport,
};
use std::path::Path;

use authbench_harness::deployment as config;
use authbench_harness::session::{Prepared, Session};
use authbench_harness::target::TargetWorlds;
use authbench_scenario::spec::{Present, RequestSpec};
use serde::Serialize;

use crate::args::{DecideArgs, DecideMode};
use crate::{CliError, EXIT_DENY, print_out};

/// The JSON line `decide` prints.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct DecisionJson<'a> {
    mode: &'a str,
    decision: &'static str,
    reason: Option<&'static str>,
    principal: Option<&'a str>,
    detail: Option<&'a str>,
}

impl<'a> DecisionJson<'a> {
    pub(crate) fn new(mode: &'a str, decision: &'a Decision) -> Self {
        match decision {
            Decision::Allow(a) => DecisionJson {
                mode,
                decision: "allow",
                reason: None,
                principal: Some(&a.principal),
                detail: a.note.as_deref(),
            },
            Decision::Deny(d) => DecisionJson {
                mode,
                decision: "deny",
                reason: Some(d.reason.code()),
                principal: None,
                detail: Some(&d.detail),
            },
        }
    }
}

pub(crate) async fn run(args: DecideArgs) -> Result<u8, CliError> {
    if let Some(target) = &args.target {
        return at_target(target, &args).await;
    }
    let DecideMode::Mode(mode) = args.mode else {
        return Err(CliError::Usage(
            "--mode media asks a target's media server: give --target".into(),
        ));
    };
    let config_file = args
        .config
        .as_deref()
        .ok_or_else(|| CliError::Usage("give --config or --target".into()))?;
    let loaded = config::load(config_file)?;
    let clock: Arc<dyn Clock> = match args.at {
        Some(at) => Arc::new(ManualClock::new(Duration::from_secs(at))),
        None => Arc::new(SystemClock),
    };
    let authenticator = config::build_authenticator(mode, &loaded, clock).await?;

    let decision = match request(&args)? {
        Ok(req) => authenticator.authenticate(&req).await,
        // What the client sent could not be parsed: that is a deny, not a usage error.
        Err(deny) => Decision::Deny(deny),
    };
    let json = serde_json::to_string(&DecisionJson::new(authenticator.mode(), &decision))
        .map_err(CliError::Encode)?;
    print_out(&json)?;
    Ok(if decision.is_allow() { 0 } else { EXIT_DENY })
}

/// `decide --target FILE --identity NAME`: the request as a client of the identity sends it to
/// the target, decided by the mode's authenticator configured from the target file — the way
/// `authbench run --target` decides a scenario step. `--mode media` asks the target's media
/// server, with the credentials a client of its `media.as` mode presents.
async fn at_target(target: &Path, args: &DecideArgs) -> Result<u8, CliError> {
    let worlds = TargetWorlds::new(authbench_target::load(target)?)?;
    let no_section = || {
        CliError::Usage(format!(
            "{}: has no `{}:` section",
            target.display(),
            args.mode
        ))
    };
    let world = match args.mode {
        DecideMode::Mode(mode) => worlds
            .world_for(mode)
            .await
            .map_err(CliError::Target)?
            .ok_or_else(no_section)?,
        DecideMode::Media => worlds
            .media()
            .ok_or_else(no_section)?
            .world()
            .await
            .map_err(CliError::Target)?,
    };
    let authorization = authorization_header(&args.header)?.map(str::to_owned);
    let spec = RequestSpec {
        identity: args.identity.clone(),
        action: Some(args.action),
        transport: args.transport,
        stream: args.stream.clone(),
        url: args.url.clone(),
        authorization,
        streamid: args.streamid.clone(),
        password: None,
        present: Present::Native,
        fresh_token: false,
        token_ttl: None,
        token_audience: None,
        tamper: None,
        repeat: None,
    };
    if spec.stream.is_none() && spec.url.is_none() && spec.streamid.is_none() {
        return Err(CliError::Usage(
            "say what the client sent: --url, --streamid or --stream".into(),
        ));
    }
    if spec.authorization.is_some() && spec.url.is_none() {
        return Err(CliError::Usage(
            "with --target, --header goes with --url".into(),
        ));
    }
    let mut session = Session::new(world);
    let decision = match session.request(&spec).await {
        Ok(Prepared::Ready(req)) => session.world().authenticator().authenticate(&req).await,
        Ok(Prepared::Refused(deny)) => Decision::Deny(deny),
        Ok(Prepared::Skipped(why)) => return Err(CliError::TargetCannot(why)),
        Err(e) => return Err(CliError::Target(e)),
    };
    let mode = session.world().authenticator().mode().to_owned();
    // A media session closes after the verdict: let it end before the process does.
    session.world().authenticator().settle().await;
    session.shutdown().await;
    let json =
        serde_json::to_string(&DecisionJson::new(&mode, &decision)).map_err(CliError::Encode)?;
    print_out(&json)?;
    Ok(if decision.is_allow() { 0 } else { EXIT_DENY })
}

/// Builds the request; the outer error is a usage error, the inner one a malformed-credentials deny.
fn request(args: &DecideArgs) -> Result<Result<AuthRequest, authbench_core::Deny>, CliError> {
    if let Some(url) = &args.url {
        let authorization = authorization_header(&args.header)?;
        return Ok(connect::parse(&ClientConnect {
            transport: args.transport,
            action: Some(args.action),
            url: Some(url),
            authorization,
            streamid: None,
        }));
    }
    if let Some(streamid) = &args.streamid {
        if args.transport != Transport::Srt {
            return Err(CliError::Usage(
                "--streamid goes with --transport srt".into(),
            ));
        }
        return Ok(connect::parse(&ClientConnect {
            transport: Transport::Srt,
            action: Some(args.action),
            url: None,
            authorization: None,
            streamid: Some(streamid),
        }));
    }
    let stream = args.stream.as_deref().ok_or_else(|| {
        CliError::Usage(
            "say what the client sent: --url, --streamid, or --stream with --header / --token / \
             --user --password"
                .into(),
        )
    })?;
    if args.transport == Transport::Srt {
        // As `--streamid` goes with srt only, srt goes with `--streamid` only: an SRT client
        // sends its path and credentials in the streamid, never apart.
        return Err(CliError::Usage(
            "--transport srt carries the stream path and credentials in the streamid: give \
             --streamid instead of --stream"
                .into(),
        ));
    }
    let path = StreamPath::new(stream).map_err(|e| CliError::Usage(format!("--stream: {e}")))?;
    // The core's rule, as on the --url path: WHIP is always publish, WHEP always subscribe.
    if let Err(deny) = connect::implied_action(args.transport, Some(args.action)) {
        return Ok(Err(deny));
    }
    if let Some(header) = authorization_header(&args.header)? {
        return Ok(connect::authorization(header)
            .map(|credentials| AuthRequest::new(args.action, args.transport, path, credentials)));
    }
    let mut credentials = Credentials::none();
    if let Some(token) = &args.token {
        credentials.token = Some(token.as_str().into());
    }
    if let (Some(user), Some(password)) = (&args.user, &args.password) {
        credentials.username = Some(user.clone());
        credentials.password = Some(password.as_str().into());
    }
    Ok(Ok(AuthRequest::new(
        args.action,
        args.transport,
        path,
        credentials,
    )))
}

fn authorization_header(headers: &[String]) -> Result<Option<&str>, CliError> {
    let mut found = None;
    for header in headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| CliError::Usage("--header takes `Name: value`".into()))?;
        if name.trim().eq_ignore_ascii_case("authorization") {
            if found.is_some() {
                return Err(CliError::Usage(
                    "--header Authorization is given twice".into(),
                ));
            }
            found = Some(value.trim());
        }
    }
    Ok(found)
}
