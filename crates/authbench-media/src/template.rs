//! WHIP / WHEP URL templates: the endpoint URL with placeholders the probe fills in per request.
//!
//! | placeholder | replaced by | for `live/room1/cam1` |
//! |---|---|---|
//! | `{stream}` | the whole stream path | `live/room1/cam1` |
//! | `{app}` | the path up to its last segment (empty for a one-segment path) | `live/room1` |
//! | `{name}` | the path's last segment | `cam1` |
//! | `{credentials}` | the credential query ([`crate::credential_query`]), empty without credentials | `username=alice&password=pw` |
//!
//! A template holds `{stream}` or `{name}`; any other `{…}` is a config error naming it. Each
//! value is percent-encoded for where it stands: in the path only what a path cannot carry is
//! escaped (a `/` stays), in the query everything but unreserved characters is (`live%2Froom1`).
//! `{credentials}` is allowed only in the query (after `?`): a credential in a path ends up in
//! access logs and `Location` headers. A placeholder after `#` is refused: a fragment is never
//! sent.
//!
//! The expanded URL with `{credentials}` carries secrets: it is never put in a detail, a log
//! or a `Debug` (the WHIP probe shows only the endpoint's origin).

use authbench_core::AuthRequest;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::config::{
    APP_PLACEHOLDER, CREDENTIALS_PLACEHOLDER, NAME_PLACEHOLDER, Present, QueryNames,
    STREAM_PLACEHOLDER,
};

/// Characters escaped in a value put into the template's path (path characters, `/` included,
/// stay).
pub(crate) const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// A placeholder of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Stream,
    App,
    Name,
    Credentials,
}

impl Slot {
    const ALL: [Slot; 4] = [Slot::Stream, Slot::App, Slot::Name, Slot::Credentials];

    fn text(self) -> &'static str {
        match self {
            Slot::Stream => STREAM_PLACEHOLDER,
            Slot::App => APP_PLACEHOLDER,
            Slot::Name => NAME_PLACEHOLDER,
            Slot::Credentials => CREDENTIALS_PLACEHOLDER,
        }
    }
}

/// A piece of a template: literal text, or a placeholder and whether it stands in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
    Slot { slot: Slot, in_query: bool },
}

/// Splits `template` into text and placeholders. Unknown placeholders are an error naming them
/// all; so are a `{` never closed and a placeholder in the fragment.
pub(crate) fn parse(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut unknown = Vec::new();
    let (mut in_query, mut in_fragment) = (false, false);
    let mut rest = template;
    loop {
        let open = rest.find('{').unwrap_or(rest.len());
        let text = &rest[..open];
        for c in text.chars() {
            match c {
                '?' => in_query = true,
                '#' => in_fragment = true,
                _ => {}
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        let after = &rest[open..];
        if after.is_empty() {
            break;
        }
        let Some(close) = after.find('}') else {
            return Err("the template has a `{` with no closing `}`".into());
        };
        let word = &after[..=close];
        match Slot::ALL.into_iter().find(|s| s.text() == word) {
            Some(_) if in_fragment => {
                return Err(format!(
                    "{word} is in the URL's fragment (after `#`), which is never sent"
                ));
            }
            Some(slot) => pieces.push(Piece::Slot { slot, in_query }),
            None => unknown.push(format!("`{}`", word.escape_debug())),
        }
        rest = &after[close + 1..];
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = Slot::ALL.iter().map(|s| s.text()).collect();
        return Err(format!(
            "unknown placeholder{} {} (known: {})",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.join(", "),
            known.join(", ")
        ));
    }
    Ok(pieces)
}

/// Checks a WHIP / WHEP template (see the module docs).
pub(crate) fn check(template: &str) -> Result<(), String> {
    let pieces = parse(template)?;
    let has = |want: Slot| {
        pieces
            .iter()
            .any(|p| matches!(p, Piece::Slot { slot, .. } if *slot == want))
    };
    if !has(Slot::Stream) && !has(Slot::Name) {
        return Err(format!(
            "the template has neither {STREAM_PLACEHOLDER} nor {NAME_PLACEHOLDER}"
        ));
    }
    let in_path = pieces.iter().any(|p| {
        matches!(
            p,
            Piece::Slot {
                slot: Slot::Credentials,
                in_query: false
            }
        )
    });
    if in_path {
        return Err(format!(
            "{CREDENTIALS_PLACEHOLDER} belongs in the query (after `?`), never in the path"
        ));
    }
    Ok(())
}

/// `template` filled in for `req`. With `{credentials}` the result carries secrets: never log it
/// or put it in a detail.
pub(crate) fn expand(
    template: &str,
    req: &AuthRequest,
    present: Present,
    names: &QueryNames,
) -> Result<String, String> {
    let path = req.path.as_str();
    let app = path.rsplit_once('/').map_or("", |(app, _)| app);
    let name = req.path.stream();
    let mut out = String::with_capacity(template.len() + path.len());
    for piece in parse(template)? {
        let (slot, in_query) = match piece {
            Piece::Text(text) => {
                out.push_str(text);
                continue;
            }
            Piece::Slot { slot, in_query } => (slot, in_query),
        };
        let value = match slot {
            Slot::Stream => path,
            Slot::App => app,
            Slot::Name => name,
            Slot::Credentials => {
                if let Some(query) = crate::credential_query(req, present, names) {
                    out.push_str(&query);
                }
                continue;
            }
        };
        let set = if in_query { crate::QUERY_VALUE } else { PATH };
        out.extend(utf8_percent_encode(value, set));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use authbench_core::{Action, Credentials, StreamPath, Transport};

    fn req(path: &str, credentials: Credentials) -> AuthRequest {
        AuthRequest::new(
            Action::Publish,
            Transport::Whip,
            StreamPath::new(path).expect("path"),
            credentials,
        )
    }

    #[test]
    fn app_and_name_split_the_path_at_its_last_segment() {
        let r = req("live/room1/cam1", Credentials::none());
        let names = QueryNames::default();
        let red5 = "https://h/{app}/whip/endpoint/{name}";
        assert_eq!(
            expand(red5, &r, Present::Password, &names).as_deref(),
            Ok("https://h/live/room1/whip/endpoint/cam1")
        );
        let one = req("cam1", Credentials::none());
        assert_eq!(
            expand(
                "http://h/{app}/x/{name}?s={stream}",
                &one,
                Present::Token,
                &names
            )
            .as_deref(),
            Ok("http://h//x/cam1?s=cam1")
        );
    }

    #[test]
    fn values_are_encoded_for_where_they_stand() {
        let r = req("live/room#1/a&b", Credentials::none());
        let srs = "http://h:1985/rtc/v1/whip/?app={app}&stream={name}&path={stream}";
        assert_eq!(
            expand(srs, &r, Present::Token, &QueryNames::default()).as_deref(),
            Ok(
                "http://h:1985/rtc/v1/whip/?app=live%2Froom%231&stream=a%26b&path=live%2Froom%231%2Fa%26b"
            )
        );
        assert_eq!(
            expand(
                "http://h/{stream}/whip",
                &r,
                Present::Token,
                &QueryNames::default()
            )
            .as_deref(),
            Ok("http://h/live/room%231/a&b/whip")
        );
    }

    #[test]
    fn credentials_expand_to_the_query_with_the_configured_names_or_to_nothing() {
        let names = QueryNames {
            user: "user".into(),
            password: "pass".into(),
            token: "jwt".into(),
        };
        let t = "http://h/rtc/v1/whip/?app={app}&stream={name}&{credentials}";
        let r = req("live/cam1", Credentials::user_password("al ice", "p&w"));
        assert_eq!(
            expand(t, &r, Present::Password, &names).as_deref(),
            Ok("http://h/rtc/v1/whip/?app=live&stream=cam1&user=al%20ice&pass=p%26w")
        );
        let r = req("live/cam1", Credentials::token("e.y.J"));
        assert_eq!(
            expand(t, &r, Present::Token, &names).as_deref(),
            Ok("http://h/rtc/v1/whip/?app=live&stream=cam1&jwt=e.y.J")
        );
        let r = req("live/cam1", Credentials::none());
        assert_eq!(
            expand(t, &r, Present::Token, &names).as_deref(),
            Ok("http://h/rtc/v1/whip/?app=live&stream=cam1&")
        );
    }

    #[test]
    fn templates_are_checked() {
        assert_eq!(check("http://h/{stream}/whip"), Ok(()));
        assert_eq!(check("https://h/{app}/whip/endpoint/{name}"), Ok(()));
        assert_eq!(
            check("http://h/whip/?app={app}&stream={name}&{credentials}"),
            Ok(())
        );
        assert_eq!(
            check("http://h/{app}/whip"),
            Err("the template has neither {stream} nor {name}".into())
        );
        assert_eq!(
            check("http://h/{room}/{stream}/{key}"),
            Err("unknown placeholders `{room}`, `{key}` (known: {stream}, {app}, {name}, {credentials})".into())
        );
        assert_eq!(
            check("http://h/{credentials}/{stream}"),
            Err("{credentials} belongs in the query (after `?`), never in the path".into())
        );
        assert_eq!(
            check("http://h/{stream}#{credentials}"),
            Err("{credentials} is in the URL's fragment (after `#`), which is never sent".into())
        );
        assert_eq!(
            check("http://h/{stream"),
            Err("the template has a `{` with no closing `}`".into())
        );
    }
}
