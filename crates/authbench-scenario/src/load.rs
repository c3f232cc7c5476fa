//! Loading scenario files: parse, then check what the types alone cannot (exactly one action per
//! step, known identities, an expectation for every mode), each error at `file:line:column`.

use std::path::{Path, PathBuf};

use authbench_core::{StreamPath, Transport};

use crate::Mode;
use crate::spec::{Expect, RequestSpec, Scenario, ServiceCalls, Step, TokenSource};
use crate::yaml::{self, YamlError};

/// A scenario that parsed and passed validation.
#[derive(Debug)]
pub struct LoadedScenario {
    /// The scenario's name (given, or the file stem).
    pub name: String,
    /// Where it came from: a path, or `builtin:NAME` for the shipped library.
    pub source: String,
    /// The scenario.
    pub scenario: Scenario,
}

/// The most steps a `repeat` may ask for.
pub const MAX_REPEAT: u32 = 100_000;
/// The most generated identities.
pub const MAX_GENERATED: u32 = 100_000;

/// Loads and validates one scenario file.
pub fn load_file(path: &Path) -> Result<LoadedScenario, YamlError> {
    let text = yaml::read_text(path)?;
    load_str(&text, path, path.display().to_string())
}

/// Validates scenario text; `file` names it in errors, `source` is recorded in the result.
pub fn load_str(text: &str, file: &Path, source: String) -> Result<LoadedScenario, YamlError> {
    let scenario: Scenario = yaml::parse(text, file)?;
    validate(&scenario, file)?;
    let name = match &scenario.name {
        Some(name) => name.clone(),
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".to_owned()),
    };
    Ok(LoadedScenario {
        name,
        source,
        scenario,
    })
}

/// The `.yaml` / `.yml` files a list of paths names: files as given, directories searched one
/// level deep (sorted), skipping files whose name ends in `.schema.json` and deployment examples
/// under a `deployments/` folder.
pub fn collect_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, YamlError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| YamlError::whole_file(path, format!("cannot list: {e}")))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && is_yaml(p))
                .collect();
            found.sort();
            out.extend(found);
        } else if path.exists() {
            out.push(path.clone());
        } else {
            return Err(YamlError::whole_file(path, "no such file or directory"));
        }
    }
    Ok(out)
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

fn validate(scenario: &Scenario, file: &Path) -> Result<(), YamlError> {
    let modes = scenario.modes();
    if modes.is_empty() {
        return Err(YamlError::at(file, 1, 1, "`modes` is empty"));
    }
    if scenario.steps.is_empty() {
        return Err(YamlError::at(
            file,
            1,
            1,
            "a scenario needs at least one step",
        ));
    }
    if let Some(generate) = &scenario.generate
        && (generate.count == 0 || generate.count > MAX_GENERATED)
    {
        return Err(YamlError::at(
            file,
            1,
            1,
            format!("`generate.count` must be 1 to {MAX_GENERATED}"),
        ));
    }
    let setup = &scenario.setup.jwt;
    if setup.source == TokenSource::Local && !setup.algorithm.is_hmac() {
        return Err(YamlError::at(
            file,
            1,
            1,
            format!(
                "local tokens are HMAC-signed (HS256, HS384, HS512), not {}; use `source: service` for asymmetric keys",
                setup.algorithm
            ),
        ));
    }
    let known = |name: &str| {
        scenario.identities.contains_key(name)
            || scenario.generate.as_ref().is_some_and(|g| {
                name.strip_prefix(g.prefix.as_str())
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| (1..=g.count).contains(&n))
            })
    };
    for spanned in &scenario.steps {
        let at = spanned.referenced;
        let here = |message: String| {
            YamlError::at(file, at.line() as usize, at.column() as usize, message)
        };
        check_step(&spanned.value, &modes, &known).map_err(here)?;
    }
    Ok(())
}

fn check_step(step: &Step, modes: &[Mode], known: &dyn Fn(&str) -> bool) -> Result<(), String> {
    let step = match step {
        Step::Event(event) => {
            return match event.user() {
                Some(user) if !known(user) => Err(format!("unknown identity `{user}`")),
                _ => Ok(()),
            };
        }
        Step::Request(step) => step,
    };
    if let Expect::PerMode(map) = &step.expect {
        for mode in modes {
            if !map.contains_key(mode) {
                return Err(format!("`expect` has no outcome for mode `{mode}`"));
            }
        }
        if let Some(extra) = map.keys().find(|m| !modes.contains(m)) {
            return Err(format!(
                "`expect` names mode `{extra}`, which this scenario does not run"
            ));
        }
    }
    if let Some(ServiceCalls::PerMode(map)) = &step.service_calls
        && let Some(mode) = modes.iter().find(|m| !map.contains_key(m))
    {
        return Err(format!("`service_calls` has no count for mode `{mode}`"));
    }
    check_request(&step.request, known)
}

fn check_request(request: &RequestSpec, known: &dyn Fn(&str) -> bool) -> Result<(), String> {
    if let Some(name) = &request.identity
        && !known(name)
    {
        return Err(format!("unknown identity `{name}`"));
    }
    let forms = [
        request.stream.is_some(),
        request.url.is_some(),
        request.streamid.is_some(),
    ];
    if forms.iter().filter(|f| **f).count() != 1 {
        return Err("a request gives exactly one of `stream`, `url` or `streamid`".to_owned());
    }
    if request.authorization.is_some() && request.url.is_none() {
        return Err("`authorization` goes with `url`".to_owned());
    }
    if request.streamid.is_some() && request.transport != Transport::Srt {
        return Err("`streamid` goes with `transport: srt`".to_owned());
    }
    let implied = matches!(request.transport, Transport::Whip | Transport::Whep)
        || request.streamid.is_some();
    if request.action.is_none() && !implied {
        return Err(format!("a {} request needs `action`", request.transport));
    }
    if let Some(stream) = &request.stream {
        StreamPath::new(stream).map_err(|e| format!("`stream`: {e}"))?;
    }
    if request.identity.is_none() && (request.password.is_some() || request.tamper.is_some()) {
        return Err("`password` and `tamper` need `as`".to_owned());
    }
    if let Some(n) = request.repeat
        && (n == 0 || n > MAX_REPEAT)
    {
        return Err(format!("`repeat` must be 1 to {MAX_REPEAT}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> YamlError {
        match load_str(text, Path::new("t.yaml"), "t.yaml".into()) {
            Ok(s) => panic!("expected an error, loaded {}", s.name),
            Err(e) => e,
        }
    }

    const HEAD: &str = "description: d\nidentities:\n  alice: {password: pw}\nsteps:\n";

    #[test]
    fn a_valid_scenario_loads_with_its_file_name() {
        let text = format!(
            "{HEAD}  - request: {{as: alice, action: publish, transport: rtmp, stream: live/cam1}}\n    expect: allow\n  - advance: 61s\n"
        );
        let s = load_str(&text, Path::new("dir/short-ttl.yaml"), "x".into()).expect("loads");
        assert_eq!(s.name, "short-ttl");
        assert_eq!(s.scenario.steps.len(), 2);
    }

    #[test]
    fn step_errors_point_at_the_step() {
        let e = error(&format!("{HEAD}  - advance: 1s\n  - revoke: bob\n"));
        assert_eq!((e.line, e.column), (Some(6), Some(5)), "{e}");
        assert!(e.message.contains("unknown identity `bob`"), "{e}");

        let e = error(&format!("{HEAD}  - advance: 1s\n    revoke: alice\n"));
        assert!(e.message.contains("one event per step"), "{e}");

        let e = error(&format!(
            "{HEAD}  - request: {{as: alice, action: publish, transport: rtmp, stream: live/cam1}}\n"
        ));
        assert!(e.message.contains("needs `expect`"), "{e}");

        let e = error(&format!("{HEAD}  - rotate_keys: false\n"));
        assert!(
            e.message.contains("`rotate_keys: false` is not an event"),
            "{e}"
        );
        assert_eq!(e.line, Some(5), "{e}");

        let e = error(&format!(
            "{HEAD}  - request: {{as: alice, action: publish, transport: rtmp, stream: live/cam1}}\n    expect: {{jwt: allow, file: allow}}\n"
        ));
        assert!(e.message.contains("no outcome for mode `roundtrip`"), "{e}");

        let e = error(&format!(
            "{HEAD}  - request: {{as: alice, transport: rtmp, stream: live/cam1}}\n    expect: allow\n"
        ));
        assert!(e.message.contains("needs `action`"), "{e}");
    }

    #[test]
    fn expectations_are_checked_while_parsing() {
        let e = error(&format!(
            "{HEAD}  - request: {{as: alice, action: publish, transport: rtmp, stream: live/cam1}}\n    expect: deny(expird)\n"
        ));
        assert!(e.message.contains("unknown deny reason `expird`"), "{e}");
        assert_eq!(e.line, Some(6));

        let e = error(&format!(
            "{HEAD}  - request: {{as: alice, action: publish, transport: rtmp, stream: live/cam1}}\n    expect: no\n"
        ));
        assert!(e.message.contains("found `no`"), "{e}");
    }

    #[test]
    fn a_typo_in_a_setup_value_names_file_line_and_column() {
        let text = format!(
            "description: d\nsetup:\n  jwt: {{profile: red5}}\n{}",
            &HEAD[14..]
        );
        let e = error(&text);
        assert_eq!((e.line, e.column), (Some(3), Some(18)), "{e}");
        assert!(
            e.message.contains("unknown variant `red5`")
                && e.message.contains("red5pro")
                && e.message.contains("mediamtx"),
            "{e}"
        );

        let text = format!(
            "description: d\nsetup:\n  jwt: {{algorithm: HS257}}\n{}",
            &HEAD[14..]
        );
        let e = error(&text);
        assert_eq!(e.line, Some(3), "{e}");
        assert!(
            e.message.contains("HS257") && e.message.contains("HS256"),
            "{e}"
        );

        let text = format!(
            "description: d\nsetup:\n  roundtrip: {{protocol: red5}}\n{}",
            &HEAD[14..]
        );
        let e = error(&text);
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("red5pro"), "{e}");
    }

    #[test]
    fn a_typo_in_a_field_name_names_file_line_and_column() {
        let e = error(&format!(
            "{HEAD}  - request: {{as: alice, action: publish, transport: rtmp, stream: live/cam1}}\n    expcet: allow\n"
        ));
        assert_eq!((e.line, e.column), (Some(6), Some(5)), "{e}");
        assert!(
            e.to_string()
                .starts_with("t.yaml:6:5: unknown field `expcet`"),
            "{e}"
        );
    }
}
