//! A small reader for the CSV files Locust writes (Python's `csv` module, RFC 4180 quoting): no
//! dependency for three files of a few dozen rows. Errors name `file:line`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::ImportError;

/// One data row: its line in the file and its fields by column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    /// 1-based line where the row starts.
    pub line: usize,
    fields: HashMap<String, String>,
}

/// A parsed file: where it came from and its rows.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// The file.
    pub path: PathBuf,
    /// The data rows, header excluded.
    pub rows: Vec<Row>,
}

impl Table {
    /// Parses `text` (the file at `path`) whose header must have every column in `required`.
    pub(crate) fn parse(path: &Path, text: &str, required: &[&str]) -> Result<Table, ImportError> {
        let records = records(path, text)?;
        let mut it = records.into_iter();
        let Some((_, header)) = it.next() else {
            return Err(ImportError::malformed(
                path,
                1,
                "the file is empty (no header)",
            ));
        };
        for col in required {
            if !header.iter().any(|h| h == col) {
                return Err(ImportError::malformed(
                    path,
                    1,
                    format!("the header has no `{col}` column"),
                ));
            }
        }
        let mut rows = Vec::new();
        for (line, values) in it {
            if values.len() != header.len() {
                return Err(ImportError::malformed(
                    path,
                    line,
                    format!("{} fields, the header has {}", values.len(), header.len()),
                ));
            }
            rows.push(Row {
                line,
                fields: header.iter().cloned().zip(values).collect(),
            });
        }
        Ok(Table {
            path: path.to_owned(),
            rows,
        })
    }

    /// The text of `col` in `row` (a column the header was checked to have).
    pub(crate) fn text<'a>(&self, row: &'a Row, col: &str) -> Result<&'a str, ImportError> {
        row.fields.get(col).map(String::as_str).ok_or_else(|| {
            ImportError::malformed(&self.path, row.line, format!("no `{col}` field"))
        })
    }

    /// `col` as a finite number of 0 or more; `None` for Locust's `N/A`.
    pub(crate) fn number(&self, row: &Row, col: &str) -> Result<Option<f64>, ImportError> {
        let text = self.text(row, col)?;
        if text == "N/A" {
            return Ok(None);
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
            _ => Err(ImportError::malformed(
                &self.path,
                row.line,
                format!("`{col}` is `{}`, not a number of 0 or more", shown(text)),
            )),
        }
    }

    /// `col` as a number, required.
    pub(crate) fn required(&self, row: &Row, col: &str) -> Result<f64, ImportError> {
        self.number(row, col)?
            .ok_or_else(|| ImportError::malformed(&self.path, row.line, format!("`{col}` is N/A")))
    }

    /// `col` as a count.
    pub(crate) fn count(&self, row: &Row, col: &str) -> Result<u64, ImportError> {
        let text = self.text(row, col)?;
        text.parse::<u64>().map_err(|_| {
            ImportError::malformed(
                &self.path,
                row.line,
                format!("`{col}` is `{}`, not a count", shown(text)),
            )
        })
    }
}

/// At most 40 characters of a field, for messages.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// The records of `text` with the line each starts on; blank lines are skipped.
fn records(path: &Path, text: &str) -> Result<Vec<(usize, Vec<String>)>, ImportError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut was_quoted = false;
        loop {
            let Some(c) = chars.next() else {
                if quoted {
                    return Err(ImportError::malformed(
                        path,
                        start,
                        "a quoted field is not closed",
                    ));
                }
                break;
            };
            if quoted {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => quoted = false,
                    '\n' => {
                        line += 1;
                        field.push(c);
                    }
                    _ => field.push(c),
                }
                continue;
            }
            match c {
                '"' if field.is_empty() && !was_quoted => {
                    quoted = true;
                    was_quoted = true;
                }
                '"' => {
                    return Err(ImportError::malformed(
                        path,
                        line,
                        "a quote inside an unquoted field",
                    ));
                }
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    was_quoted = false;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    line += 1;
                    break;
                }
                _ if was_quoted => {
                    return Err(ImportError::malformed(
                        path,
                        line,
                        "text after a closing quote",
                    ));
                }
                _ => field.push(c),
            }
        }
        fields.push(field);
        if !(fields.len() == 1 && fields.first().is_some_and(String::is_empty)) {
            out.push((start, fields));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_rfc_4180() {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",3\n\n\"multi\nline\",,z\n";
        let t = Table::parse(Path::new("f.csv"), text, &["a", "c"]).expect("parses");
        assert_eq!(t.rows.len(), 2);
        let r = &t.rows[0];
        assert_eq!(r.line, 2);
        assert_eq!(t.text(r, "b").expect("b"), "x, \"y\"");
        let r = &t.rows[1];
        assert_eq!(r.line, 4);
        assert_eq!(t.text(r, "a").expect("a"), "multi\nline");
        assert_eq!(t.text(r, "b").expect("b"), "");
    }

    #[test]
    fn malformed_files_name_file_and_line() {
        let err = |text: &str| {
            Table::parse(Path::new("s.csv"), text, &["a"])
                .expect_err("malformed")
                .to_string()
        };
        assert_eq!(err(""), "s.csv:1: the file is empty (no header)");
        assert_eq!(err("b\n1\n"), "s.csv:1: the header has no `a` column");
        assert_eq!(err("a,b\n1,2\n3\n"), "s.csv:3: 1 fields, the header has 2");
        assert_eq!(err("a\n\"open\n"), "s.csv:2: a quoted field is not closed");
        assert_eq!(
            err("a\nx\"y\n"),
            "s.csv:2: a quote inside an unquoted field"
        );
        let t = Table::parse(Path::new("s.csv"), "a\nfast\n-1\nN/A\n", &["a"]).expect("parses");
        assert_eq!(
            t.number(&t.rows[0], "a").expect_err("text").to_string(),
            "s.csv:2: `a` is `fast`, not a number of 0 or more"
        );
        assert!(t.number(&t.rows[1], "a").is_err());
        assert_eq!(t.number(&t.rows[2], "a").expect("N/A"), None);
        assert_eq!(
            t.required(&t.rows[2], "a").expect_err("N/A").to_string(),
            "s.csv:4: `a` is N/A"
        );
    }
}
