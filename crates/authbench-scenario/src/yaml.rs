//! YAML loading with errors that read `file:line:column: message`.
//!
//! Every authbench YAML file (deployment configs, scenarios) goes through here, so they all get
//! the same strictness: unknown fields are errors (the types say `deny_unknown_fields`), duplicate
//! keys are errors, and booleans are only `true` / `false` (`expect: no` is the string "no").

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// Largest YAML file read, in bytes: these are hand-written files, not data sets.
pub const MAX_YAML_BYTES: u64 = 16 * 1024 * 1024;

/// A YAML file that could not be read or does not fit the expected shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// The file (as given).
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// The offending lines with a caret, for humans (may be empty).
    pub snippet: String,
}

impl YamlError {
    /// An error about a whole file (unreadable, too large).
    pub fn whole_file(file: &Path, message: impl Into<String>) -> Self {
        YamlError {
            file: file.to_owned(),
            line: None,
            column: None,
            message: message.into(),
            snippet: String::new(),
        }
    }

    /// An error at a known place in the file (for checks made after parsing).
    pub fn at(file: &Path, line: usize, column: usize, message: impl Into<String>) -> Self {
        YamlError {
            file: file.to_owned(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
            snippet: String::new(),
        }
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for YamlError {}

/// Reads and parses a YAML file.
pub fn load<T: DeserializeOwned>(file: &Path) -> Result<T, YamlError> {
    let text = read_text(file)?;
    parse(&text, file)
}

/// Reads a text file, refusing one over [`MAX_YAML_BYTES`].
pub fn read_text(file: &Path) -> Result<String, YamlError> {
    let meta = std::fs::metadata(file)
        .map_err(|e| YamlError::whole_file(file, format!("cannot read: {e}")))?;
    if meta.len() > MAX_YAML_BYTES {
        return Err(YamlError::whole_file(
            file,
            format!(
                "is {} bytes, over the {MAX_YAML_BYTES}-byte limit",
                meta.len()
            ),
        ));
    }
    std::fs::read_to_string(file)
        .map_err(|e| YamlError::whole_file(file, format!("cannot read: {e}")))
}

/// Parses YAML text; `file` names it in errors.
pub fn parse<T: DeserializeOwned>(text: &str, file: &Path) -> Result<T, YamlError> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let location = e.location();
        let plain = e.without_snippet().to_string();
        let full = e.to_string();
        // The rendered error repeats the message on its first line; the rest is the snippet.
        let snippet = full
            .split_once('\n')
            .map(|(_, rest)| rest.to_owned())
            .unwrap_or_default();
        YamlError {
            file: file.to_owned(),
            line: location.as_ref().map(|l| l.line() as usize),
            column: location.as_ref().map(|l| l.column() as usize),
            message: strip_location(&plain).to_owned(),
            snippet,
        }
    })
}

/// Removes the "line N column M: " prefix or " at line N, column M" suffix serde-saphyr adds,
/// since [`YamlError`] prints the place itself.
fn strip_location(message: &str) -> &str {
    let mut text = message.trim();
    if let Some(rest) = text.strip_prefix("error: ") {
        text = rest;
    }
    if text.starts_with("line ")
        && let Some((_, rest)) = text.split_once(": ")
    {
        text = rest;
    }
    match text.rfind(" at line ") {
        Some(at) if text[at..].contains(", column ") => &text[..at],
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        #[serde(default)]
        flag: bool,
        #[serde(default, with = "authbench_core::duration::serde_human_opt")]
        ttl: Option<std::time::Duration>,
        #[serde(default)]
        steps: Vec<Step>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Step {
        expect: String,
    }

    fn error(text: &str) -> YamlError {
        match parse::<Doc>(text, Path::new("s.yaml")) {
            Ok(doc) => panic!("expected an error, parsed {doc:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let e = error("name: a\nsteps:\n  - expect: allow\n  - expct: deny\n");
        assert!(
            e.to_string()
                .starts_with("s.yaml:4:5: unknown field `expct`"),
            "{e}"
        );
        assert_eq!((e.line, e.column), (Some(4), Some(5)));
        assert!(e.snippet.contains("expct"), "{}", e.snippet);
    }

    #[test]
    fn strict_booleans_duplicates_missing_fields_and_custom_errors() {
        let e = error("name: a\nflag: yes\n");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("boolean"), "{}", e.message);

        let e = error("name: a\nname: b\n");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("duplicate"), "{}", e.message);

        let e = error("flag: true\n");
        assert!(e.message.contains("missing field `name`"), "{}", e.message);

        let e = error("name: a\nttl: 5x\n");
        assert_eq!((e.line, e.column), (Some(2), Some(6)));
        assert!(
            e.to_string()
                .starts_with("s.yaml:2:6: duration `5x` has unknown unit"),
            "{e}"
        );
    }

    #[test]
    fn no_means_the_string_no() {
        let doc: Doc =
            parse("name: a\nsteps:\n  - expect: no\n", Path::new("s.yaml")).expect("parses");
        assert_eq!(doc.steps[0].expect, "no");
    }
}
