//! The words a report uses to explain why the modes decided differently. This table is read by
//! users: keep each sentence short, true of the mode in general, and free of secrets.
//!
//! A difference is explained mode by mode: [`why`] says, for one mode's outcome seen beside the
//! others', what made that mode decide so. Specific (mode, outcome, contrast) pairs come first; a
//! deny without a specific sentence is described by its reason; an allow without one says nothing,
//! and when no mode has anything to say, [`explain`] falls back to listing the outcomes.

use std::str::FromStr;

use authbench_core::Mode;
use authbench_core::{Capability, DenyReason};

use crate::model::ActualOutcome;

/// One mode's outcome, as the explanation table sees it.
enum Seen<'a> {
    Allow,
    Deny(Option<DenyReason>, &'a str),
    Unsupported(&'a [String], &'a str),
    Skipped,
}

impl<'a> Seen<'a> {
    fn of(o: &'a ActualOutcome) -> Seen<'a> {
        match o {
            ActualOutcome::Allow { .. } => Seen::Allow,
            ActualOutcome::Deny { reason, .. } => {
                Seen::Deny(DenyReason::from_str(reason).ok(), reason)
            }
            ActualOutcome::Unsupported { missing, would } => Seen::Unsupported(missing, would),
            ActualOutcome::Skipped { .. } => Seen::Skipped,
        }
    }
}

/// Why one mode decided as it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// A sentence specific to the mode and the contrast.
    Said(String),
    /// No specific sentence: the mode denied, and this describes the reason. Modes denying for
    /// the same reason are named together.
    Denies(String),
}

impl Why {
    /// The sentence for one column, named by its label (`roundtrip`, `roundtrip @ staging`).
    pub fn text(&self, label: &str) -> String {
        match self {
            Why::Said(s) => s.clone(),
            Why::Denies(d) => format!("{label} denies: {d}"),
        }
    }
}

/// Why `mode` decided `own` while the other modes decided `others`; `None` when there is nothing
/// specific to say (an allow in plain contrast to a deny explained elsewhere).
pub fn why(mode: Mode, own: &ActualOutcome, others: &[&ActualOutcome]) -> Option<Why> {
    let other_reasons: Vec<DenyReason> = others
        .iter()
        .filter_map(|o| match Seen::of(o) {
            Seen::Deny(r, _) => r,
            _ => None,
        })
        .collect();
    let others_allow = others
        .iter()
        .any(|o| matches!(o, ActualOutcome::Allow { .. }));
    match Seen::of(own) {
        Seen::Skipped => None,
        Seen::Unsupported(missing, would) => Some(Why::Said(cannot_express(mode, missing, would))),
        Seen::Deny(reason, code) => Some(why_deny(mode, reason, code, others_allow)),
        Seen::Allow => {
            // Several contrasts can hold at once (revoked and expired): say each, once.
            let mut reasons = other_reasons;
            reasons.sort_unstable();
            reasons.dedup();
            let mut said: Vec<String> = Vec::new();
            for text in reasons.into_iter().filter_map(|r| why_allow(mode, r)) {
                if !said.contains(&text) {
                    said.push(text);
                }
            }
            (!said.is_empty()).then(|| Why::Said(said.join("; ")))
        }
    }
}

/// Why `mode` denied for `reason` (`code` when the reason is newer than this table).
fn why_deny(mode: Mode, reason: Option<DenyReason>, code: &str, others_allow: bool) -> Why {
    use DenyReason as R;
    use Mode::{File, Jwt, Roundtrip};
    let Some(reason) = reason else {
        return Why::Denies(format!("reason `{code}`"));
    };
    let text = match (mode, reason) {
        (Roundtrip, R::Revoked) => {
            "the round-trip service is asked on every request, so it sees the revocation at once"
        }
        (Jwt, R::Expired) => "the token's exp has passed, and jwt mode checks it on every request",
        (Jwt, R::NotYetValid) => "the token's nbf lies in the future",
        (Jwt, R::TtlTooLong) => "the token's lifetime is longer than the configured max_ttl",
        (Roundtrip, R::BadPassword) if others_allow => {
            "the round-trip service checks the current password, so a change takes effect at once"
        }
        (File, R::BadPassword) if others_allow => {
            "file mode checks the password in the htpasswd file as it is now"
        }
        (Roundtrip, R::BackendUnavailable) => {
            "round-trip mode needs the auth service for every decision; it could not be reached, \
             so the request is denied (fail closed)"
        }
        (Roundtrip, R::BackendTimeout) => {
            "round-trip mode needs the auth service for every decision; it did not answer in \
             time, so the request is denied (fail closed)"
        }
        (Roundtrip, R::BackendProtocolError) => {
            "the auth service answered something that is not a valid answer, so round-trip mode \
             denies (fail closed); with the MediaMTX protocol, though, any 2xx is an allow and \
             its body is ignored, as in MediaMTX itself"
        }
        (Jwt, R::TokenReplayed) => {
            "the token's jti was already used, and jwt mode refuses a second use of a one-time token"
        }
        (Jwt, R::UnknownKey) => {
            "the token was signed with a key the validator no longer has (keys were rotated)"
        }
        // No specific sentence: describe the reason.
        _ => return Why::Denies(describe(reason).to_owned()),
    };
    Why::Said(text.to_owned())
}

/// Why `mode` allowed what another mode denied for `reason`; `None` when the allow is not a
/// property of the mode (the deny's own sentence explains the difference).
fn why_allow(mode: Mode, reason: DenyReason) -> Option<String> {
    use DenyReason as R;
    use Mode::{File, Jwt, Roundtrip};
    let text = match (mode, reason) {
        (Jwt, R::Revoked) => {
            "a JWT stays valid until its exp: revoking the user does not reach a token already issued"
        }
        (File, R::Revoked) => {
            "file mode has no revocation: an htpasswd entry stays valid until the file is changed"
        }
        (File, R::Expired) => "htpasswd credentials do not expire",
        (Roundtrip, R::Expired) => {
            "the round-trip service decides on the user's current state, not on a token's exp"
        }
        (Jwt, R::BadPassword) => {
            "a token issued before the password change stays valid until its exp"
        }
        (Jwt, R::BackendUnavailable | R::BackendTimeout | R::BackendProtocolError) => {
            "jwt mode validates the token locally and does not need the auth service"
        }
        (File, R::BackendUnavailable | R::BackendTimeout | R::BackendProtocolError) => {
            "file mode checks a local file and does not need the auth service"
        }
        (_, R::TokenReplayed) => {
            return Some(format!(
                "{mode} mode has no one-time credentials, so a second use is let in"
            ));
        }
        _ => return None,
    };
    Some(text.to_owned())
}

/// The explanation of a whole difference: each column's [`Why`] as a sentence (columns named by
/// their labels), columns that deny for the same described reason named together; when no column
/// has anything to say, the outcomes.
pub fn explain(whys: &[(String, String, Option<Why>)]) -> String {
    let mut said: Vec<String> = Vec::new();
    let mut grouped: Vec<&str> = Vec::new();
    for (mode, _, why) in whys {
        match why {
            None => {}
            Some(Why::Said(s)) => said.push(s.clone()),
            Some(Why::Denies(d)) if grouped.contains(&d.as_str()) => {}
            Some(Why::Denies(d)) => {
                grouped.push(d);
                let modes: Vec<String> = whys
                    .iter()
                    .filter(|(_, _, w)| matches!(w, Some(Why::Denies(e)) if e == d))
                    .map(|(m, _, _)| m.clone())
                    .collect();
                said.push(if modes.len() == 1 {
                    format!("{mode} denies: {d}")
                } else {
                    format!("{} deny: {d}", join_and(&modes))
                });
            }
        }
    }
    if said.is_empty() {
        let outcomes: Vec<String> = whys.iter().map(|(m, o, _)| format!("{m} {o}")).collect();
        return format!("The modes decided differently: {}.", outcomes.join(", "));
    }
    let sentences: Vec<String> = said.iter().map(|s| sentence(s)).collect();
    let mut text = sentences.join(". ");
    text.push('.');
    text
}

/// Starts a sentence with a capital, except a mode's name, which is a lower-case code.
fn sentence(s: &str) -> String {
    let starts_with_mode = Mode::ALL.iter().any(|m| {
        s.strip_prefix(m.as_str())
            .is_some_and(|rest| rest.starts_with(' '))
    });
    if starts_with_mode {
        s.to_owned()
    } else {
        capitalise(s)
    }
}

/// `file mode cannot express rooms (it would allow)`.
fn cannot_express(mode: Mode, missing: &[String], would: &str) -> String {
    let what = if missing.is_empty() {
        "the rule this step tests".to_owned()
    } else {
        join_and(missing)
    };
    let would = match would {
        "allow" => " (left to itself it would allow the request)".to_owned(),
        "" => String::new(),
        code => format!(" (left to itself it would deny: {code})"),
    };
    format!(
        "{mode} mode cannot express {}{would}",
        what.replace('_', " ")
    )
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// One phrase per deny reason, used when no specific sentence applies.
pub fn describe(reason: DenyReason) -> &'static str {
    use DenyReason as R;
    match reason {
        R::MissingCredentials => "no credentials of the kind it needs were presented",
        R::MalformedCredentials => "the credentials could not be parsed",
        R::UnknownUser => "the user is not known to it",
        R::BadPassword => "the password does not match",
        R::BadSignature => "the token's signature does not verify",
        R::AlgorithmNotAllowed => "the token's algorithm is not allowed",
        R::UnknownKey => "no key matches the token's kid",
        R::Expired => "the credential has expired",
        R::NotYetValid => "the token is not valid yet",
        R::TtlTooLong => "the token's lifetime exceeds the maximum",
        R::MissingClaim => "a required claim is missing",
        R::IssuerNotAllowed => "the token's issuer is not accepted",
        R::AudienceMismatch => "the token's audience is not accepted",
        R::RoleForbidden => "the principal's roles do not allow this action",
        R::RoomForbidden => "the principal may not use this room",
        R::TransportForbidden => "the principal may not use this transport",
        R::TenantMismatch => "the principal belongs to another tenant",
        R::TokenReplayed => "the one-time token was already used",
        R::ReplayCacheFull => "the replay cache is full, so it fails closed",
        R::Revoked => "the user or token has been revoked",
        R::BackendRejected => "the auth service said no",
        R::BackendUnavailable => "the auth service could not be reached (fail closed)",
        R::BackendTimeout => "the auth service did not answer in time (fail closed)",
        R::BackendProtocolError => "the auth service's answer was not valid (fail closed)",
        R::RateLimited => "too many failed attempts, so it refuses for a while",
        R::ServerRefused => "the media server refused the session",
        _ => "see the deny reason code",
    }
}

/// What a capability means, for the capability matrix.
pub fn capability_description(cap: Capability) -> &'static str {
    match cap {
        Capability::Roles => "separate publisher and subscriber rights",
        Capability::Rooms => "restrict a principal to some rooms / paths",
        Capability::Transports => "restrict a principal to some transports",
        Capability::Tenants => "keep tenants apart",
        Capability::Expiry => "credentials that expire by themselves",
        Capability::Revocation => "take access away before the credentials expire",
        Capability::PasswordChange => "a password change takes effect on the next request",
        Capability::OneTimeUse => "refuse a second use of the same credential",
        Capability::OfflineDecision => "decide without any network call",
        _ => "see the capability code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow() -> ActualOutcome {
        ActualOutcome::Allow {
            principal: "alice".into(),
        }
    }

    fn deny(reason: &str) -> ActualOutcome {
        ActualOutcome::Deny {
            reason: reason.into(),
            detail: String::new(),
        }
    }

    #[test]
    fn revocation_is_explained_for_both_sides() {
        let (a, d) = (allow(), deny("revoked"));
        let rt = why(Mode::Roundtrip, &d, &[&a, &a])
            .expect("roundtrip")
            .text("roundtrip");
        assert!(rt.contains("sees the revocation at once"), "{rt}");
        let jwt = why(Mode::Jwt, &a, &[&d, &a]).expect("jwt").text("jwt");
        assert!(jwt.contains("stays valid until its exp"), "{jwt}");
        let file = why(Mode::File, &a, &[&a, &d]).expect("file").text("file");
        assert!(file.contains("no revocation"), "{file}");
    }

    #[test]
    fn a_broken_answer_says_where_round_trip_does_not_fail_closed() {
        let (a, broken) = (allow(), deny("backend_protocol_error"));
        let rt = why(Mode::Roundtrip, &broken, &[&a, &a])
            .expect("roundtrip")
            .text("roundtrip");
        assert!(rt.contains("(fail closed)"), "{rt}");
        assert!(
            rt.contains("MediaMTX protocol, though, any 2xx is an allow and its body is ignored"),
            "{rt}"
        );
    }

    #[test]
    fn an_allow_against_several_denies_says_each() {
        let (a, rev, exp) = (allow(), deny("revoked"), deny("expired"));
        assert_eq!(
            why(Mode::File, &a, &[&exp, &rev, &rev]),
            Some(Why::Said(
                "htpasswd credentials do not expire; file mode has no revocation: an htpasswd \
                 entry stays valid until the file is changed"
                    .into()
            ))
        );
    }

    #[test]
    fn htpasswd_does_not_expire() {
        let (a, d) = (allow(), deny("expired"));
        assert_eq!(
            why(Mode::File, &a, &[&d]),
            Some(Why::Said("htpasswd credentials do not expire".into()))
        );
    }

    #[test]
    fn unsupported_names_the_missing_capabilities() {
        let u = ActualOutcome::Unsupported {
            missing: vec!["rooms".into(), "one_time_use".into()],
            would: "allow".into(),
        };
        let text = why(Mode::File, &u, &[&allow()])
            .expect("unsupported")
            .text("file");
        assert!(
            text.starts_with("file mode cannot express rooms and one time use"),
            "{text}"
        );
    }

    #[test]
    fn unknown_codes_and_plain_allows_fall_back() {
        let odd = deny("some_future_code");
        let text = why(Mode::Jwt, &odd, &[&allow()]).expect("deny").text("jwt");
        assert!(text.contains("some_future_code"), "{text}");
        assert_eq!(why(Mode::Jwt, &allow(), &[&deny("unknown_user")]), None);
        let all = explain(&[
            ("jwt".into(), "allow".into(), None),
            ("file".into(), "deny(x)".into(), None),
        ]);
        assert_eq!(
            all,
            "The modes decided differently: jwt allow, file deny(x)."
        );
    }

    #[test]
    fn explain_joins_sentences() {
        let text = explain(&[
            (
                "jwt".into(),
                "allow".into(),
                Some(Why::Said("a JWT stays valid".into())),
            ),
            (
                "roundtrip".into(),
                "deny(revoked)".into(),
                Some(Why::Said("the service sees it".into())),
            ),
        ]);
        assert_eq!(text, "A JWT stays valid. The service sees it.");
        let text = explain(&[(
            "jwt".into(),
            "allow".into(),
            Some(Why::Said("jwt mode is local".into())),
        )]);
        assert_eq!(text, "jwt mode is local.");
        let room = || Some(Why::Denies("the principal may not use this room".into()));
        let text = explain(&[
            ("jwt".into(), "deny(room_forbidden)".into(), room()),
            ("roundtrip".into(), "deny(room_forbidden)".into(), room()),
            (
                "file".into(),
                "unsupported".into(),
                Some(Why::Said("file mode cannot express rooms".into())),
            ),
        ]);
        assert_eq!(
            text,
            "jwt and roundtrip deny: the principal may not use this room. file mode cannot express rooms."
        );
    }

    #[test]
    fn every_deny_reason_has_a_description() {
        for &r in DenyReason::ALL {
            assert_ne!(describe(r), "see the deny reason code", "{r}");
        }
        for c in Capability::ALL {
            assert_ne!(capability_description(c), "see the capability code", "{c}");
        }
    }
}
