//! The engine: which criteria apply to a deployment, worded with its own numbers, then the
//! measured figures against its latency budget and peak join rate.

use std::time::Duration;

use authbench_core::duration::{format_duration, format_micros};
use authbench_scenario::Mode;

use crate::criteria::{
    CriterionId as Id, FILE_SMALL_USERS, HIGH_SERVICE_RATE, MANY_USERS, SERVICE_RATE,
    SHORT_WINDOW_SECS, VERY_MANY_USERS,
};
use crate::deployment::{
    Deployment, IdentityProvider, LoadedDeployment, RevocationNeed, RevocationScope,
};
use crate::measurements::{FigureSource, Measurements, fmt_rate};
use crate::option::Choice;
use crate::recommendation::{Board, Figure, Reason, Recommendation, Verdict};

/// Ranks every option for `loaded`, checking measured figures from `figures`.
pub fn recommend(loaded: &LoadedDeployment, figures: &Measurements) -> Recommendation {
    let d = &loaded.deployment;
    let mut board = Board::default();
    deployment_rules(d, &mut board);
    for choice in Choice::ALL {
        if !board.is_ruled_out(choice) {
            measured_rules(d, figures, choice, &mut board);
        }
    }
    let mut ranking = board.rank();
    for option in &mut ranking {
        if !option.ruled_out() {
            option.capacity_plan = crate::capacity::plan(d, figures, option.option);
        }
    }
    let answer = answer(&ranking);
    Recommendation {
        deployment: loaded.name.clone(),
        source: loaded.source.clone(),
        facts: facts(d),
        figures: figures.source.clone(),
        figure_notes: figures.notes.clone(),
        answer,
        ranking,
        warnings: warnings(d),
    }
}

/// The modes whose figures matter for `d`: those of the options the deployment alone does not
/// rule out (what the quick measurement runs).
pub fn modes_to_measure(d: &Deployment) -> Vec<Mode> {
    let mut board = Board::default();
    deployment_rules(d, &mut board);
    let mut modes: Vec<Mode> = Choice::ALL
        .iter()
        .filter(|c| !board.is_ruled_out(**c))
        .flat_map(|c| c.modes().iter().copied())
        .collect();
    modes.sort();
    modes.dedup();
    modes
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", fmt_rate(n as f64))
    }
}

/// The joins per second the round-trip service answers under `choice`.
fn service_rate(d: &Deployment, choice: Choice) -> f64 {
    match choice {
        Choice::Mode(Mode::Roundtrip) => d.peak_joins(),
        Choice::JwtRoundtrip => match d.revocation().applies_to {
            RevocationScope::Publish => d.peak_publishes().unwrap_or(d.peak_joins()),
            RevocationScope::All => d.peak_joins(),
        },
        Choice::Mode(Mode::File | Mode::Jwt) => 0.0,
    }
}

fn deployment_rules(d: &Deployment, b: &mut Board) {
    let users = d.users();
    let user_text = plural(users, "user", "users");
    let available = d.auth_service.available;

    // Clients.
    if d.clients().rtmp_legacy >= 100.0 {
        b.fire(
            Id::ClientsAllLegacy,
            "every client is RTMP-only and cannot pass connection parameters, so none can \
             present credentials to any mode; only network controls can keep strangers out",
        );
    }

    // Identity provider.
    match d.identity_provider {
        IdentityProvider::Oidc => {
            b.fire(
                Id::JwtOidcProvider,
                "the OIDC provider already issues standard JWTs; the media server validates \
                 them locally with the provider's keys (JWKS)",
            );
            b.fire(
                Id::FileDuplicatesProvider,
                "users live in the OIDC provider; a file would be a hand-kept copy that drifts",
            );
        }
        IdentityProvider::OwnService => {
            b.fire(
                Id::JwtOwnIssuer,
                "the own auth service can sign tokens at login; joins are then validated \
                 without calling it",
            );
            b.fire(
                Id::RoundtripExistingApi,
                "the own auth service can answer the media server's round trips directly",
            );
            b.fire(
                Id::FileDuplicatesProvider,
                "users live in the own service; a file would be a hand-kept copy that drifts",
            );
        }
        IdentityProvider::None if available => {
            b.fire(
                Id::JwtBuildIssuer,
                "there is no identity provider: JWT needs a token issuer to be built and run \
                 first",
            );
            b.fire(
                Id::FilePlainCredentials,
                "users have plain usernames and passwords, which the file holds as they are",
            );
        }
        IdentityProvider::None => {
            b.fire(
                Id::JwtNoIssuer,
                "there is no identity provider and no service can be run to issue tokens",
            );
            b.fire(
                Id::FilePlainCredentials,
                "users have plain usernames and passwords, which the file holds as they are",
            );
        }
    }

    // Users.
    let r = d.restrict;
    let tenants = d.tenants();
    let simple = !r.rooms && !r.transports && tenants <= 1;
    if users <= FILE_SMALL_USERS && simple {
        b.fire(
            Id::FileSmallSimple,
            format!(
                "{user_text} (at most {FILE_SMALL_USERS}) and no room, transport or tenant rules"
            ),
        );
    }
    if users > VERY_MANY_USERS {
        b.fire(
            Id::FileVeryManyUsers,
            format!(
                "{user_text} (over {}) to keep in a file by hand",
                fmt_rate(VERY_MANY_USERS as f64)
            ),
        );
    } else if users > MANY_USERS {
        b.fire(
            Id::FileManyUsers,
            format!("{user_text} (over {MANY_USERS}) to keep in a file by hand"),
        );
    }
    if users > MANY_USERS {
        b.fire(
            Id::JwtManyUsers,
            format!("{user_text} (over {MANY_USERS}): tokens scale with the user base"),
        );
    }

    revocation_rules(d, b);

    // Access rules.
    let mut wanted = Vec::new();
    if r.roles {
        wanted.push("roles");
    }
    if r.rooms {
        wanted.push("rooms");
    }
    if r.transports {
        wanted.push("transports");
    }
    if tenants > 1 {
        wanted.push("tenants");
    }
    if r.rooms || r.transports || tenants > 1 {
        let cannot: Vec<&str> = wanted.iter().copied().filter(|w| *w != "roles").collect();
        b.fire(
            Id::FileCannotRestrict,
            format!(
                "{} must be restricted; an htpasswd file knows only users, passwords and groups",
                cannot.join(", ")
            ),
        );
    } else if r.roles {
        b.fire(
            Id::FileGroupRoles,
            "publisher and subscriber roles come from the group file (`publishers:` / \
             `subscribers:` lines)",
        );
    }
    let claims: Vec<&str> = wanted.iter().copied().filter(|w| *w != "tenants").collect();
    if !claims.is_empty() {
        b.fire(
            Id::JwtAccessControl,
            format!(
                "{} are carried as token claims and enforced locally",
                claims.join(", ")
            ),
        );
    }
    if tenants > 1 {
        b.fire(
            Id::JwtMultiTenant,
            format!(
                "{} tenants: one issuer per tenant and room claims keep them apart",
                fmt_rate(f64::from(tenants))
            ),
        );
    }
    if !wanted.is_empty() {
        b.fire(
            Id::RoundtripCustomLogic,
            format!(
                "the service decides {} with whatever logic it needs",
                wanted.join(", ")
            ),
        );
    }
    if r.transports {
        b.fire(
            Id::RoundtripTransportField,
            "transport rules need MediaMTX's HTTP auth protocol; Red5 Pro's round-trip body \
             carries no transport",
        );
    }

    // The auth service.
    if available {
        b.fire(
            Id::RoundtripServiceDependency,
            "joins that are asked of the service fail (closed) while it is down or slow; it \
             must be run with high availability",
        );
    } else {
        b.fire(
            Id::RoundtripNeedsService,
            "no auth service can be run and kept available to answer round trips",
        );
    }

    // Join rate.
    for choice in [Choice::Mode(Mode::Roundtrip), Choice::JwtRoundtrip] {
        let rate = service_rate(d, choice);
        let what = match (choice, d.revocation().applies_to) {
            (Choice::Mode(Mode::Roundtrip), _) | (_, RevocationScope::All) => "every join",
            (_, RevocationScope::Publish) => "re-checking publishes",
        };
        let text = format!(
            "{} joins/s at peak reach the auth service ({what}), each a network call",
            fmt_rate(rate)
        );
        if rate >= HIGH_SERVICE_RATE {
            b.fire_for(Id::RoundtripHighJoinRate, choice, text, None);
        } else if rate >= SERVICE_RATE {
            b.fire_for(Id::RoundtripJoinRate, choice, text, None);
        }
    }
    for choice in [Choice::Mode(Mode::Jwt), Choice::JwtRoundtrip] {
        let local = d.peak_joins() - service_rate(d, choice);
        if local >= HIGH_SERVICE_RATE {
            b.fire_for(
                Id::JwtStatelessScale,
                choice,
                format!(
                    "{} joins/s at peak are decided locally, with no network call",
                    fmt_rate(local)
                ),
                None,
            );
        }
    }
}

fn revocation_rules(d: &Deployment, b: &mut Board) {
    let rev = d.revocation();
    let scope = match rev.applies_to {
        RevocationScope::All => "joins",
        RevocationScope::Publish => "publishing",
    };
    let short = match rev.need {
        RevocationNeed::None => {
            b.fire(
                Id::ComboNothingToRecheck,
                "no revocation need: the round-trip re-check would guard nothing",
            );
            false
        }
        RevocationNeed::Immediate => {
            b.fire(
                Id::JwtCannotRevoke,
                format!(
                    "revocation of {scope} must be immediate; a token stays valid until it \
                     expires (plain JWT qualifies only combined with a round-trip re-check)"
                ),
            );
            b.fire(
                Id::FileCannotRevoke,
                format!(
                    "revocation of {scope} must be immediate; a file changes only when edited \
                     and reloaded"
                ),
            );
            b.fire(
                Id::RoundtripCurrentState,
                format!("revocation of {scope} must be immediate; a round trip sees the user's current state"),
            );
            true
        }
        RevocationNeed::Within => {
            let window = rev.within.unwrap_or(Duration::ZERO);
            let w = format_duration(window);
            b.fire(
                Id::FileManualRevocation,
                format!("revoking within {w} means editing the file and reloading it in time"),
            );
            if window.as_secs() >= SHORT_WINDOW_SECS {
                b.fire(
                    Id::JwtShortLivedTokens,
                    format!("tokens that live at most {w} end revoked access within {w}"),
                );
                b.fire(
                    Id::ComboNothingToRecheck,
                    format!("tokens living at most {w} already meet the {w} revocation window"),
                );
                false
            } else {
                b.fire(
                    Id::JwtVeryShortTtl,
                    format!(
                        "revoking within {w} needs tokens that live under {w}: clients must \
                         fetch new ones almost every join"
                    ),
                );
                b.fire(
                    Id::RoundtripShortWindow,
                    format!("revocation within {w} is shorter than a practical token lifetime; a round trip sees it at once"),
                );
                true
            }
        }
    };
    if short && rev.applies_to == RevocationScope::All {
        b.fire(
            Id::ComboRecheckEveryJoin,
            "revocation covers every join, so every join would be asked of the service as \
             well: plain round-trip does that with one mechanism",
        );
    }
    b.fire(
        Id::ComboTwoMechanisms,
        "tokens and a round-trip service must both be run and agree on users",
    );
}

/// One mode's part of an option's decision: the mode and the joins per second it decides.
fn legs(d: &Deployment, choice: Choice) -> Vec<(Mode, f64)> {
    match choice {
        Choice::Mode(mode) => vec![(mode, d.peak_joins())],
        Choice::JwtRoundtrip => vec![
            (Mode::Jwt, d.peak_joins()),
            (Mode::Roundtrip, service_rate(d, choice)),
        ],
    }
}

fn measured_rules(d: &Deployment, m: &Measurements, choice: Choice, b: &mut Board) {
    let budget = d.latency_budget();
    let budget_us = budget.as_secs_f64() * 1e6;
    let budget_text = format_duration(budget);
    let mut total_us = 0.0;
    let mut parts = Vec::new();
    let mut complete = true;
    for (mode, rate) in legs(d, choice) {
        let Some(fig) = m.mode(mode) else {
            complete = false;
            b.fire_for(
                Id::MeasuredMissing,
                choice,
                format!(
                    "no {mode} figures {}; its latency is not checked against the {budget_text} budget",
                    match &m.source {
                        FigureSource::Report { .. } => "in the report",
                        _ => "were measured",
                    }
                ),
                None,
            );
            continue;
        };
        let cost = fig.cost_at(rate);
        if let Some(throughput) = cost.short_of_rate {
            b.breach(choice);
            b.fire_for(
                Id::MeasuredCapacityBelowPeak,
                choice,
                format!(
                    "{mode} completed at most {} decisions/s under load, short of the {} joins/s it must carry",
                    fmt_rate(throughput),
                    fmt_rate(rate)
                ),
                Some(Figure {
                    modes: vec![mode],
                    p99_us: cost.p99_us,
                    budget_us,
                    rate_per_s: rate,
                    throughput_per_s: Some(throughput),
                }),
            );
        }
        total_us += cost.p99_us;
        parts.push(format!(
            "{mode} p99 {} {}",
            format_micros(cost.p99_us),
            cost.basis
        ));
        if mode == Mode::Roundtrip {
            let loopback = match d.auth_service.rtt {
                Some(rtt) => {
                    total_us += rtt.as_secs_f64() * 1e6;
                    parts.push(format!("network rtt {}", format_duration(rtt)));
                    format!(
                        "round-trip figures come from a service on loopback; the {} network \
                         round trip given in `auth_service.rtt` is added",
                        format_duration(rtt)
                    )
                }
                None => "round-trip figures come from a service on loopback; the real network \
                         round trip to the service comes on top (give `auth_service.rtt`)"
                    .to_owned(),
            };
            b.fire_for(Id::MeasuredLoopback, choice, loopback, None);
        }
    }
    if !complete || parts.is_empty() {
        return;
    }
    let rate = d.peak_joins();
    let figure = Some(Figure {
        modes: choice.modes().to_vec(),
        p99_us: total_us,
        budget_us,
        rate_per_s: rate,
        throughput_per_s: None,
    });
    let sum = if parts.len() > 1 {
        format!("{} = {}", parts.join(" + "), format_micros(total_us))
    } else {
        parts.join("")
    };
    if total_us > budget_us {
        b.breach(choice);
        b.fire_for(
            Id::MeasuredP99OverBudget,
            choice,
            format!("{sum}, over the {budget_text} budget"),
            figure,
        );
    } else {
        b.fire_for(
            Id::MeasuredP99WithinBudget,
            choice,
            format!("{sum}, within the {budget_text} budget"),
            figure,
        );
    }
}

fn warnings(d: &Deployment) -> Vec<Reason> {
    let legacy = d.clients().rtmp_legacy;
    if legacy <= 0.0 || legacy >= 100.0 {
        return Vec::new();
    }
    let c = Id::ClientsLegacyRtmp.criterion();
    vec![Reason::new(
        c,
        crate::criteria::Effect::Note,
        format!(
            "{legacy}% of clients are RTMP-only and cannot pass connection parameters: no mode \
             can authenticate them. Keep that share behind network controls (an ingest endpoint \
             reachable only from their addresses, IP allow lists, a VPN) until they can send \
             credentials"
        ),
        None,
    )]
}

fn facts(d: &Deployment) -> String {
    let rev = d.revocation();
    let revocation = match rev.need {
        RevocationNeed::None => "no revocation need".to_owned(),
        RevocationNeed::Immediate => "immediate revocation".to_owned(),
        RevocationNeed::Within => format!(
            "revocation within {}",
            format_duration(rev.within.unwrap_or(Duration::ZERO))
        ),
    };
    let revocation =
        if rev.need != RevocationNeed::None && rev.applies_to == RevocationScope::Publish {
            format!("{revocation} (publishing)")
        } else {
            revocation
        };
    let r = d.restrict;
    let restrict: Vec<&str> = [
        (r.roles, "roles"),
        (r.rooms, "rooms"),
        (r.transports, "transports"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect();
    let mut parts = vec![
        plural(d.users(), "user", "users"),
        format!("identity provider: {}", d.identity_provider.as_str()),
        revocation,
        format!("peak {} joins/s", fmt_rate(d.peak_joins())),
        format!("p99 budget {}", format_duration(d.latency_budget())),
        plural(u64::from(d.tenants()), "tenant", "tenants"),
    ];
    if !restrict.is_empty() {
        parts.push(format!("restrict {}", restrict.join(", ")));
    }
    parts.push(if d.auth_service.available {
        "auth service can be run".to_owned()
    } else {
        "no auth service".to_owned()
    });
    if d.clients().rtmp_legacy > 0.0 {
        parts.push(format!("{}% legacy RTMP", d.clients().rtmp_legacy));
    }
    parts.join(" · ")
}

fn answer(ranking: &[crate::recommendation::RankedOption]) -> String {
    let Some(first) = ranking.first() else {
        return "no options".to_owned();
    };
    let top = |o: &crate::recommendation::RankedOption| {
        o.reasons
            .iter()
            .find(|r| matches!(r.effect, crate::criteria::Effect::Points(p) if p > 0))
            .or(o.reasons.first())
            .map(|r| r.text.clone())
            .unwrap_or_default()
    };
    match first.verdict {
        Verdict::RuledOut => format!(
            "No option can serve this deployment: {}.",
            first
                .reasons
                .first()
                .map(|r| r.text.as_str())
                .unwrap_or("every option is ruled out")
        ),
        Verdict::PoorFit => format!(
            "No option fits well; the least bad is {} ({}).",
            first.option, first.summary
        ),
        Verdict::Recommended | Verdict::Viable => {
            format!("Use {}: {}.", first.option, top(first))
        }
    }
}
