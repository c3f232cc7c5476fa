//! Why a command failed, and the one function ([`CliError::exit_code`]) that turns it into an
//! exit code: bad input is [`EXIT_USAGE`], a failure of the environment or of the run itself is
//! [`EXIT_ENVIRONMENT`].

use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use authbench_authsvc::{ServiceConfigError, ServiceError};
use authbench_harness::WorldError;
use authbench_harness::deployment::ConfigError;
use authbench_harness::target::TargetSetupError;
use authbench_jwt::{JwtConfigError, MintError};
use authbench_load::LoadError;
use authbench_recommend::measure::MeasureError;
use authbench_report::ReadError;
use authbench_scenario::yaml::YamlError;

use crate::{EXIT_ENVIRONMENT, EXIT_USAGE};

/// Why a command could not do its work. Every command returns it; [`CliError::exit_code`] says
/// which exit code it ends with, and [`CliError::report`] prints it with its sources.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The command line asks for something that cannot be done as asked: flags that do not go
    /// together, a value out of range. Bad input.
    #[error("{0}")]
    Usage(String),
    /// A YAML file named on the command line (deployment config, scenario, deployment
    /// description) cannot be read or does not fit its format. Bad input.
    #[error("{}", YamlWithSnippet(.0))]
    Yaml(#[source] YamlError),
    /// Several scenario files are invalid; each error names its `file:line:column`. Bad input.
    #[error("{}", Scenarios(.0))]
    Scenarios(Vec<YamlError>),
    /// `validate` found invalid scenario files (each was printed as it was found). Bad input.
    #[error("{bad} of {total} files are invalid")]
    InvalidScenarios {
        /// How many failed to load.
        bad: usize,
        /// How many were checked.
        total: usize,
    },
    /// The deployment config has no section for the mode, or the mode refused its section.
    /// Bad input.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The config's `service:` section is invalid. Bad input.
    #[error(transparent)]
    ServiceConfig(#[from] ServiceConfigError),
    /// The config's `jwt:` section cannot mint tokens. Bad input.
    #[error("{}: `jwt:` section", file.display())]
    JwtSection {
        /// The config file.
        file: PathBuf,
        /// What the JWT mode said.
        #[source]
        source: JwtConfigError,
    },
    /// A token cannot be minted with the keys and times given. Bad input.
    #[error(transparent)]
    Mint(#[from] MintError),
    /// An input file named on the command line cannot be read. Bad input.
    #[error("{}: cannot read", path.display())]
    ReadInput {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A file named on the command line is not an authbench report. Bad input.
    #[error("{}", path.display())]
    ReadReport {
        /// The file.
        path: PathBuf,
        /// Why it is not a report this version reads.
        #[source]
        source: ReadError,
    },
    /// Two reports given to `compare` cannot be compared. Bad input.
    #[error("the reports cannot be compared: {}", .0.join("; "))]
    Incomparable(Vec<String>),
    /// The load engine refused or failed the run; bad input when the workload itself is
    /// empty or too short to measure, an environment failure otherwise.
    #[error("the load run failed")]
    Load(#[source] LoadError),
    /// The async runtime could not be started. Environment.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// A report could not be written. Environment.
    #[error("cannot write the report to {}", dir.display())]
    WriteReport {
        /// The folder asked for.
        dir: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The reference auth service could not be built or could not listen. Environment.
    #[error("the reference auth service cannot start on {listen}")]
    Service {
        /// The address asked for.
        listen: SocketAddr,
        /// What the service said.
        #[source]
        source: ServiceError,
    },
    /// `serve` could not wait for Ctrl-C. Environment.
    #[error("cannot wait for Ctrl-C")]
    Signal(#[source] std::io::Error),
    /// The answer could not be written to standard output (closed pipe, full disk).
    /// Environment.
    #[error("cannot write to standard output")]
    Output(#[source] std::io::Error),
    /// The decision could not be encoded as JSON. A defect, reported as a run failure.
    #[error("cannot encode the answer as JSON")]
    Encode(#[source] serde_json::Error),
    /// The quick in-process measurement of `recommend` could not run. Environment.
    #[error(transparent)]
    Measure(#[from] MeasureError),
    /// A background task of the run panicked or was cancelled. Environment.
    #[error("a task of the run failed")]
    Task(#[source] tokio::task::JoinError),
    /// A target file's token source or control hooks do not hold together. Bad input.
    #[error(transparent)]
    TargetSetup(#[from] TargetSetupError),
    /// `decide --target` cannot present the identity as asked (not mapped, or the step needs
    /// what the target cannot do). Bad input.
    #[error("{0}")]
    TargetCannot(String),
    /// The target could not be reached or set up as its file says (an identity provider that
    /// refuses, an authenticator that cannot be built). Environment.
    #[error("the target: {0}")]
    Target(#[source] WorldError),
}

impl CliError {
    /// The exit code this error ends the command with: [`EXIT_USAGE`] for bad input,
    /// [`EXIT_ENVIRONMENT`] for a failure of the environment or of the run itself.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_)
            | CliError::Yaml(_)
            | CliError::Scenarios(_)
            | CliError::InvalidScenarios { .. }
            | CliError::Config(_)
            | CliError::ServiceConfig(_)
            | CliError::JwtSection { .. }
            | CliError::Mint(_)
            | CliError::ReadInput { .. }
            | CliError::ReadReport { .. }
            | CliError::Incomparable(_)
            | CliError::TargetSetup(_)
            | CliError::TargetCannot(_) => EXIT_USAGE,
            CliError::Load(LoadError::EmptyWorkload | LoadError::NothingMeasured) => EXIT_USAGE,
            CliError::Load(_)
            | CliError::Runtime(_)
            | CliError::WriteReport { .. }
            | CliError::Service { .. }
            | CliError::Signal(_)
            | CliError::Output(_)
            | CliError::Encode(_)
            | CliError::Measure(_)
            | CliError::Task(_)
            | CliError::Target(_) => EXIT_ENVIRONMENT,
        }
    }

    /// Prints `authbench: error: ` and the error with its chain of sources on `out`, each source
    /// once (some sources already show theirs in their own message).
    pub fn report(&self, out: &mut dyn Write) {
        let mut message = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(e) = source {
            let text = e.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = e.source();
        }
        // Nothing more can be done when stderr itself cannot be written.
        let _ = writeln!(out, "authbench: error: {message}");
    }
}

impl From<YamlError> for CliError {
    fn from(e: YamlError) -> Self {
        CliError::Yaml(e)
    }
}

impl From<LoadError> for CliError {
    fn from(e: LoadError) -> Self {
        CliError::Load(e)
    }
}

/// A YAML error's `file:line:column: message`, then the offending lines when there are any.
struct YamlWithSnippet<'a>(&'a YamlError);

impl fmt::Display for YamlWithSnippet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        if !self.0.snippet.is_empty() {
            write!(f, "\n{}", self.0.snippet.trim_end())?;
        }
        Ok(())
    }
}

/// Every scenario error, one after another.
struct Scenarios<'a>(&'a [YamlError]);

impl fmt::Display for Scenarios<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}", YamlWithSnippet(e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;

    use super::*;

    fn reported(e: &CliError) -> String {
        let mut out = Vec::new();
        e.report(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn bad_input_is_2_and_the_environment_is_3() {
        let io = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
        assert_eq!(
            CliError::Yaml(YamlError::whole_file(Path::new("c.yaml"), "cannot read")).exit_code(),
            2
        );
        assert_eq!(CliError::Load(LoadError::NothingMeasured).exit_code(), 2);
        assert_eq!(CliError::Load(LoadError::Setup("x".into())).exit_code(), 3);
        assert_eq!(
            CliError::WriteReport {
                dir: "/proc/forbidden".into(),
                source: io(),
            }
            .exit_code(),
            3
        );
        assert_eq!(CliError::Output(io()).exit_code(), 3);
    }

    #[test]
    fn the_report_names_the_path_and_keeps_the_source() {
        let e = CliError::WriteReport {
            dir: "/proc/forbidden".into(),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no entry here"),
        };
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(
            reported(&e),
            "authbench: error: cannot write the report to /proc/forbidden: no entry here\n"
        );
    }

    #[test]
    fn a_source_already_in_the_message_is_not_repeated() {
        let e = CliError::ReadReport {
            path: "r.json".into(),
            source: authbench_report::Report::from_json("{").unwrap_err(),
        };
        let text = reported(&e);
        assert!(text.starts_with("authbench: error: r.json: not an authbench report: "));
        let serde = authbench_report::Report::from_json("{")
            .unwrap_err()
            .to_string();
        let serde = serde.trim_start_matches("not an authbench report: ");
        assert_eq!(text.matches(serde).count(), 1, "{text}");
    }
}
