//! Turns a step's request into what a client of the mode under test would send.
//!
//! A client presents what its deployment's mode uses: a token in jwt mode, a user name and
//! password otherwise (`present: password` and `present: nothing` override that). Raw client
//! forms (`url`, `authorization`, `streamid`) have the placeholders `{user}`, `{password}`,
//! `{token}`, `{query}` and `{authorization}` filled in, then go through the same connect
//! parsing a server does.

use std::collections::HashMap;
use std::time::Duration;

use authbench_core::connect::{self, ClientConnect};
use authbench_core::{Action, AuthRequest, Credentials, Deny, StreamPath, Transport};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use authbench_core::Mode;
use authbench_scenario::spec::{Present, RequestSpec, Tamper};

use crate::world::{TokenOptions, World, WorldError};

/// Characters left alone in URL query values and userinfo (RFC 3986 unreserved).
const URL_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What the client presents, before it is put on the wire.
#[derive(Default)]
struct Presented {
    user: String,
    password: String,
    token: String,
    uses_token: bool,
}

/// Builds the request of a step for the world's mode. `tokens` keeps the tokens clients already
/// hold (a client logs in once and reuses its token). The outer error is the world's; the inner
/// one a malformed-credentials deny from connect parsing (what a server would answer).
pub async fn build(
    spec: &RequestSpec,
    world: &dyn World,
    tokens: &mut HashMap<String, String>,
) -> Result<Result<AuthRequest, Deny>, WorldError> {
    let presented = present(spec, world, tokens).await?;
    if let Some(stream) = &spec.stream {
        let path =
            StreamPath::new(stream).map_err(|e| WorldError::Failed(format!("stream: {e}")))?;
        let credentials = match (spec.present, presented.uses_token) {
            (Present::Nothing, _) => Credentials::none(),
            (_, true) => Credentials::token(presented.token.as_str()),
            (_, false) => {
                Credentials::user_password(presented.user.as_str(), presented.password.as_str())
            }
        };
        let implied = match spec.transport {
            Transport::Whip => Some(Action::Publish),
            Transport::Whep => Some(Action::Subscribe),
            _ => None,
        };
        let action = spec
            .action
            .or(implied)
            .ok_or_else(|| WorldError::Failed("a structured request needs `action`".into()))?;
        return Ok(Ok(AuthRequest::new(
            action,
            spec.transport,
            path,
            credentials,
        )));
    }
    let url = spec.url.as_deref().map(|u| fill(u, &presented, true));
    let authorization = spec
        .authorization
        .as_deref()
        .map(|a| fill(a, &presented, false));
    let streamid = spec.streamid.as_deref().map(|s| fill(s, &presented, false));
    Ok(connect::parse(&ClientConnect {
        transport: spec.transport,
        action: spec.action,
        url: url.as_deref(),
        authorization: authorization.as_deref(),
        streamid: streamid.as_deref(),
    }))
}

async fn present(
    spec: &RequestSpec,
    world: &dyn World,
    tokens: &mut HashMap<String, String>,
) -> Result<Presented, WorldError> {
    let (Some(name), false) = (&spec.identity, spec.present == Present::Nothing) else {
        return Ok(Presented::default());
    };
    let account = world.account(name)?;
    let password = spec
        .password
        .clone()
        .unwrap_or_else(|| account.password.expose().to_owned());
    if world.mode() != Mode::Jwt || spec.present == Present::Password {
        return Ok(Presented {
            user: account.user,
            password,
            token: String::new(),
            uses_token: false,
        });
    }
    let fresh = spec.fresh_token || spec.token_ttl.is_some() || spec.token_audience.is_some();
    let token = match tokens.get(name) {
        Some(t) if !fresh => t.clone(),
        _ => {
            let options = TokenOptions {
                ttl: spec.token_ttl,
                audience: spec.token_audience.as_deref(),
            };
            let t = world.token(name, options).await?;
            tokens.insert(name.clone(), t.clone());
            t
        }
    };
    let token = match spec.tamper {
        Some(how) => tamper(&token, how)?,
        None => token,
    };
    // MediaMTX-style clients put the token where the password goes.
    Ok(Presented {
        user: account.user,
        password: token.clone(),
        token,
        uses_token: true,
    })
}

fn fill(template: &str, p: &Presented, in_url: bool) -> String {
    let enc = |v: &str| {
        if in_url {
            utf8_percent_encode(v, URL_VALUE).to_string()
        } else {
            v.to_owned()
        }
    };
    let query = if p.uses_token {
        format!("token={}", enc(&p.token))
    } else if p.user.is_empty() {
        String::new()
    } else {
        format!("username={}&password={}", enc(&p.user), enc(&p.password))
    };
    let authorization = if p.uses_token {
        format!("Bearer {}", p.token)
    } else if p.user.is_empty() {
        String::new()
    } else {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", p.user, p.password))
        )
    };
    template
        .replace("{user}", &enc(&p.user))
        .replace("{password}", &enc(&p.password))
        .replace("{token}", &enc(&p.token))
        .replace("{query}", &query)
        .replace("{authorization}", &authorization)
}

/// Spoils a token the way attackers do.
fn tamper(token: &str, how: Tamper) -> Result<String, WorldError> {
    let mut parts = token.splitn(3, '.');
    let (Some(header), Some(payload), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        // A target's token source may hand out opaque tokens: nothing to tamper with there.
        return Err(WorldError::Unavailable(
            "the step tampers with a JWT, and this token is not one".into(),
        ));
    };
    // Three dot-separated parts that do not decode are an opaque token too; the step is
    // skipped, and the reason never quotes the token.
    let decode = |part: &str| -> Result<Value, WorldError> {
        let not_a_jwt = |what: &str| {
            WorldError::Unavailable(format!(
                "the step tampers with a JWT, and this token is not one (a part is not {what})"
            ))
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| not_a_jwt("base64url"))?;
        serde_json::from_slice(&bytes).map_err(|_| not_a_jwt("JSON"))
    };
    let encode = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    Ok(match how {
        Tamper::Payload => {
            // Grant every role and push the expiry a day out: what a forger would want.
            let mut claims = decode(payload)?;
            if let Value::Object(map) = &mut claims {
                map.insert(
                    "roles".into(),
                    Value::String("red5-publisher,red5-subscriber".into()),
                );
                if let Some(exp) = map.get("exp").and_then(Value::as_u64) {
                    map.insert(
                        "exp".into(),
                        Value::from(exp.saturating_add(Duration::from_secs(86_400).as_secs())),
                    );
                }
            }
            format!("{header}.{}.{signature}", encode(&claims))
        }
        Tamper::AlgNone => {
            let mut h = decode(header)?;
            if let Value::Object(map) = &mut h {
                map.insert("alg".into(), Value::String("none".into()));
            }
            format!("{}.{payload}.", encode(&h))
        }
        Tamper::Signature => {
            let forged = URL_SAFE_NO_PAD.encode([0x42u8; 32]);
            format!("{header}.{payload}.{forged}")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_fill_per_mode() {
        let by_password = Presented {
            user: "al ice".into(),
            password: "p&ss".into(),
            ..Presented::default()
        };
        assert_eq!(
            fill("rtmp://h/live/cam1?{query}", &by_password, true),
            "rtmp://h/live/cam1?username=al%20ice&password=p%26ss"
        );
        assert_eq!(
            fill("{authorization}", &by_password, false),
            "Basic YWwgaWNlOnAmc3M="
        );
        let by_token = Presented {
            user: "alice".into(),
            password: "t.o.k".into(),
            token: "t.o.k".into(),
            uses_token: true,
        };
        assert_eq!(
            fill("rtmp://h/a/b?{query}", &by_token, true),
            "rtmp://h/a/b?token=t.o.k"
        );
        assert_eq!(
            fill("publish:live/cam1:{user}:{password}", &by_token, false),
            "publish:live/cam1:alice:t.o.k"
        );
    }

    #[test]
    fn tampering_changes_what_it_says() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"a","exp":100}"#);
        let token = format!("{header}.{payload}.c2ln");
        let none = tamper(&token, Tamper::AlgNone).expect("tampers");
        assert!(none.ends_with('.'));
        let h = URL_SAFE_NO_PAD
            .decode(none.split('.').next().expect("header"))
            .expect("b64");
        assert!(String::from_utf8_lossy(&h).contains("\"none\""));
        let forged = tamper(&token, Tamper::Payload).expect("tampers");
        assert!(forged.ends_with(".c2ln"));
        assert_ne!(forged, token);
        assert!(tamper("not-a-jwt", Tamper::Signature).is_err());
    }

    #[test]
    fn a_far_expiry_saturates_instead_of_overflowing() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#);
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"a","exp":{}}}"#, u64::MAX - 5));
        let forged = tamper(&format!("{header}.{payload}.c2ln"), Tamper::Payload).expect("tampers");
        let claims = URL_SAFE_NO_PAD
            .decode(forged.split('.').nth(1).expect("payload"))
            .expect("b64");
        let claims: Value = serde_json::from_slice(&claims).expect("json");
        assert_eq!(claims["exp"].as_u64(), Some(u64::MAX));
    }

    #[test]
    fn tampering_with_an_opaque_token_is_a_skip_not_a_failure() {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#);
        let not_json = URL_SAFE_NO_PAD.encode("plain words");
        for (token, how) in [
            ("abc.de!f.ghi".to_owned(), Tamper::Payload),
            ("ab$c.def.ghi".to_owned(), Tamper::AlgNone),
            (format!("{header}.{not_json}.sig"), Tamper::Payload),
            (format!("{not_json}.{header}.sig"), Tamper::AlgNone),
        ] {
            match tamper(&token, how) {
                Err(WorldError::Unavailable(why)) => {
                    assert!(why.contains("not one"), "{why}");
                    assert!(!why.contains(&token), "{why}");
                }
                other => panic!("{token}: expected a skip, got {other:?}"),
            }
        }
        match tamper("not-a-jwt", Tamper::Signature) {
            Err(WorldError::Unavailable(_)) => {}
            other => panic!("expected a skip, got {other:?}"),
        }
    }
}
