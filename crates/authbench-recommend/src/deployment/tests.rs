use super::*;

const BASE: &str = "\
users: 8
identity_provider: none
revocation: {need: none}
clients: {rtmp: 70, whip_whep: 30}
peak_joins_per_second: 2
latency_budget: 500ms
auth_service: {available: false}
";

fn error(text: &str) -> YamlError {
    match load_str(text, Path::new("d.yaml")) {
        Ok(d) => panic!("expected an error, loaded {}", d.name),
        Err(e) => e,
    }
}

fn with(line: &str) -> String {
    // Replace the line starting with the same key.
    let key = line.split(':').next().unwrap_or_default();
    BASE.lines()
        .map(|l| {
            if l.starts_with(&format!("{key}:")) {
                line.to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn a_minimal_description_loads_with_defaults() {
    let d = load_str(BASE, Path::new("dir/small-studio.yaml")).unwrap();
    assert_eq!(d.name, "small-studio");
    let d = d.deployment;
    assert_eq!(d.users(), 8);
    assert_eq!(d.tenants(), 1);
    assert_eq!(d.restrict, Restrictions::default());
    assert_eq!(d.revocation().applies_to, RevocationScope::All);
    assert_eq!(d.latency_budget(), Duration::from_millis(500));
    assert_eq!(d.peak_publishes(), None);
    assert_eq!(d.auth_service.rtt, None);
    assert_eq!(d.clients().whip_whep, 30.0);
}

#[test]
fn unknown_fields_name_file_line_and_column() {
    let e = error(&format!("{BASE}restrict: {{roles: true, room: true}}\n"));
    assert_eq!((e.line, e.column), (Some(8), Some(25)), "{e}");
    assert!(
        e.to_string()
            .starts_with("d.yaml:8:25: unknown field `room`"),
        "{e}"
    );
}

#[test]
fn booleans_are_strict() {
    let e = error(&with("auth_service: {available: yes}"));
    assert_eq!(e.line, Some(7), "{e}");
    assert!(e.message.contains("boolean"), "{e}");
}

#[test]
fn client_shares_must_add_up_to_100() {
    let e = error(&with("clients: {rtmp: 70, whip_whep: 20}"));
    assert_eq!((e.line, e.column), (Some(4), Some(10)), "{e}");
    assert!(e.message.contains("add up to 90, not 100"), "{e}");

    let e = error(&with("clients: {rtmp: 170, whip_whep: -70}"));
    assert!(e.message.contains("`clients.rtmp` is 170"), "{e}");
}

#[test]
fn revocation_fields_must_agree() {
    let e = error(&with("revocation: {need: within}"));
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("needs `within`"), "{e}");

    let e = error(&with("revocation: {need: immediate, within: 5m}"));
    assert!(e.message.contains("goes with `need: within`"), "{e}");

    let e = error(&with("revocation: {need: none, applies_to: publish}"));
    assert!(e.message.contains("`revocation.applies_to`"), "{e}");

    let e = error(&with("revocation: {need: within, within: 0}"));
    assert!(e.message.contains("write `need: immediate`"), "{e}");

    let e = error(&with("revocation: {need: soon}"));
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("soon"), "{e}");

    let ok = load_str(
        &with("revocation: {need: within, within: 5m, applies_to: publish}"),
        Path::new("d.yaml"),
    )
    .unwrap();
    let r = ok.deployment.revocation();
    assert_eq!(r.within, Some(Duration::from_secs(300)));
    assert_eq!(r.applies_to, RevocationScope::Publish);
}

#[test]
fn numbers_are_range_checked_where_they_are() {
    let e = error(&with("users: 0"));
    assert_eq!((e.line, e.column), (Some(1), Some(8)), "{e}");

    let e = error(&with("peak_joins_per_second: -3"));
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.message.contains("peak_joins_per_second"), "{e}");

    let e = error(&format!("{BASE}peak_publishes_per_second: 5\n"));
    assert_eq!(e.line, Some(8), "{e}");
    assert!(e.message.contains("publishes are joins"), "{e}");

    let e = error(&with("latency_budget: 0"));
    assert_eq!(e.line, Some(6), "{e}");
    assert!(e.message.contains("more than 0"), "{e}");

    let e = error(&with("latency_budget: 20 ms"));
    assert_eq!(e.line, Some(6), "{e}");
    assert!(e.message.contains("unknown unit"), "{e}");

    let e = error(&format!("{BASE}tenants: 0\n"));
    assert_eq!((e.line, e.column), (Some(8), Some(10)), "{e}");
}

#[test]
fn missing_required_fields_are_named() {
    let text: String = BASE
        .lines()
        .filter(|l| !l.starts_with("identity_provider"))
        .map(|l| format!("{l}\n"))
        .collect();
    let e = error(&text);
    assert!(
        e.message.contains("missing field `identity_provider`"),
        "{e}"
    );

    let e = error(&with("identity_provider: ldap"));
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.message.contains("ldap"), "{e}");
}

#[test]
fn headroom_defaults_to_0_7_and_must_be_a_share() {
    let d = load_str(BASE, Path::new("d.yaml")).unwrap().deployment;
    assert_eq!(d.headroom(), (0.7, false));
    let d = load_str(
        &with("auth_service: {available: true, headroom: 0.5}"),
        Path::new("d.yaml"),
    )
    .unwrap()
    .deployment;
    assert_eq!(d.headroom(), (0.5, true));
    for bad in ["0", "1.2", "-0.5"] {
        let e = error(&with(&format!(
            "auth_service: {{available: true, headroom: {bad}}}"
        )));
        assert_eq!((e.line, e.column), (Some(7), Some(43)), "{e}");
        assert_eq!(
            e.message,
            format!(
                "`auth_service.headroom` is {bad}; it is the share of measured capacity to plan \
                 on, more than 0 and at most 1 (default 0.7)"
            )
        );
    }
}
