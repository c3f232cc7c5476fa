//! `{placeholder}` templates in URLs, JSON bodies and command arguments.
//!
//! A template is text in which `{identity}`, `{user}`, `{password}`, `{client_id}` and
//! `{client_secret}` stand for the account's values. Any other `{name}` made of letters, digits
//! and `_` is an error when the file is loaded (a typo must not reach the target as text); braces
//! around anything else (`{"a": 1}`, `{ }`) are kept as written. Substitution is one pass: a
//! value that itself contains `{user}` is not substituted again.
//!
//! Where a value goes decides how it is written: in a URL it is percent-encoded (every byte but
//! `A-Z a-z 0-9 - . _ ~`), in a JSON body it is the content of a JSON string (the body is built as
//! a JSON value, never by splicing text), in a command argument it is the argument.

use std::fmt;

use authbench_core::Secret;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::{self, Deserialize, Deserializer};

/// A placeholder name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Placeholder {
    /// `{identity}`: the scenario's identity name.
    Identity,
    /// `{user}`: the account's user name.
    User,
    /// `{password}`: the account's password (a control hook's: the new password).
    Password,
    /// `{client_id}`: the account's OAuth2 client id.
    ClientId,
    /// `{client_secret}`: the account's OAuth2 client secret.
    ClientSecret,
}

impl Placeholder {
    /// Every placeholder.
    pub const ALL: [Placeholder; 5] = [
        Placeholder::Identity,
        Placeholder::User,
        Placeholder::Password,
        Placeholder::ClientId,
        Placeholder::ClientSecret,
    ];

    /// The name between the braces.
    pub fn as_str(self) -> &'static str {
        match self {
            Placeholder::Identity => "identity",
            Placeholder::User => "user",
            Placeholder::Password => "password",
            Placeholder::ClientId => "client_id",
            Placeholder::ClientSecret => "client_secret",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Placeholder::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Value(Placeholder),
}

/// A parsed template. [`as_written`](Self::as_written) gives the text as written in the file,
/// which holds placeholders, not values; `Debug` shows it through
/// [`authbench_core::redact::url`].
#[derive(Clone, PartialEq, Eq)]
pub struct Template {
    written: String,
    parts: Vec<Part>,
}

/// A `{name}` that is not a placeholder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown placeholder `{{{name}}}` (known: {{identity}}, {{user}}, {{password}}, {{client_id}}, {{client_secret}})"
)]
pub struct UnknownPlaceholder {
    /// The name between the braces.
    pub name: String,
}

impl Template {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Template, UnknownPlaceholder> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if name_len > 0 && after[name_len..].starts_with('}') {
                let name = &after[..name_len];
                let Some(placeholder) = Placeholder::from_name(name) else {
                    return Err(UnknownPlaceholder {
                        name: name.to_owned(),
                    });
                };
                literal.push_str(&rest[..open]);
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(Part::Value(placeholder));
                rest = &after[name_len + 1..];
            } else {
                literal.push_str(&rest[..=open]);
                rest = after;
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template {
            written: text.to_owned(),
            parts,
        })
    }

    /// The text as written in the file.
    pub fn as_written(&self) -> &str {
        &self.written
    }

    /// The placeholders used.
    pub fn placeholders(&self) -> impl Iterator<Item = Placeholder> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Value(v) => Some(*v),
            Part::Text(_) => None,
        })
    }

    /// The text with the values put in as they are (JSON strings, command arguments).
    pub fn render(&self, values: &Values<'_>) -> Result<String, MissingValue> {
        self.render_with(values, |v, out| out.push_str(v))
    }

    /// The text with the values percent-encoded (URLs). `.` and `..` are refused as values: a
    /// URL parser would take them as path segments and climb out of the path.
    pub fn render_url(&self, values: &Values<'_>) -> Result<String, MissingValue> {
        let mut dots = None;
        let rendered = self.render_with(values, |v, out| {
            if v == "." || v == ".." {
                dots = Some(());
            }
            out.extend(utf8_percent_encode(v, URL_VALUE));
        })?;
        match dots {
            Some(()) => Err(MissingValue::DotSegment),
            None => Ok(rendered),
        }
    }

    fn render_with(
        &self,
        values: &Values<'_>,
        mut put: impl FnMut(&str, &mut String),
    ) -> Result<String, MissingValue> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value(p) => put(values.get(*p)?, &mut out),
            }
        }
        Ok(out)
    }
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A URL written with a key in its query or user info is shown without it.
        fmt::Debug::fmt(&authbench_core::redact::url(&self.written), f)
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Template::parse(&text).map_err(de::Error::custom)
    }
}

impl schemars::JsonSchema for Template {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Template".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "Text in which {identity}, {user}, {password}, {client_id} and {client_secret} are filled in."
        })
    }
}

/// Everything but RFC 3986's unreserved characters is encoded, so a value is one path segment or
/// one query value wherever it is put.
const URL_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The values a template may use. Missing ones are errors when a template needs them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Values<'a> {
    /// `{identity}`.
    pub identity: Option<&'a str>,
    /// `{user}`.
    pub user: Option<&'a str>,
    /// `{password}`.
    pub password: Option<&'a Secret>,
    /// `{client_id}`.
    pub client_id: Option<&'a str>,
    /// `{client_secret}`.
    pub client_secret: Option<&'a Secret>,
}

/// Why a template could not be filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MissingValue {
    /// The placeholder has no value for this account.
    #[error("no value for {0}")]
    Placeholder(Placeholder),
    /// A value put into a URL is `.` or `..`.
    #[error("a value put into the URL is `.` or `..`")]
    DotSegment,
}

impl Values<'_> {
    fn get(&self, p: Placeholder) -> Result<&str, MissingValue> {
        let value = match p {
            Placeholder::Identity => self.identity,
            Placeholder::User => self.user,
            Placeholder::Password => self.password.map(Secret::expose),
            Placeholder::ClientId => self.client_id,
            Placeholder::ClientSecret => self.client_secret.map(Secret::expose),
        };
        value.ok_or(MissingValue::Placeholder(p))
    }

    /// The secrets among the values, to keep them out of messages that quote a peer's answer.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        [self.password, self.client_secret]
            .into_iter()
            .flatten()
            .map(Secret::expose)
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// A JSON body template: every string in it (not the keys) is a [`Template`], parsed once when
/// the file is loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonTemplate(Node);

/// A JSON value whose strings are parsed templates.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    String(Template),
    Array(Vec<Node>),
    /// Keys in the order written.
    Object(Vec<(String, Node)>),
    /// `null`, a boolean or a number, sent as written.
    Other(serde_json::Value),
}

impl Node {
    fn parse(v: serde_json::Value) -> Result<Node, UnknownPlaceholder> {
        Ok(match v {
            serde_json::Value::String(s) => Node::String(Template::parse(&s)?),
            serde_json::Value::Array(items) => Node::Array(
                items
                    .into_iter()
                    .map(Node::parse)
                    .collect::<Result<_, _>>()?,
            ),
            serde_json::Value::Object(map) => Node::Object(
                map.into_iter()
                    .map(|(k, v)| Ok((k, Node::parse(v)?)))
                    .collect::<Result<_, _>>()?,
            ),
            other => Node::Other(other),
        })
    }

    fn placeholders(&self, out: &mut Vec<Placeholder>) {
        match self {
            Node::String(t) => out.extend(t.placeholders()),
            Node::Array(items) => items.iter().for_each(|i| i.placeholders(out)),
            Node::Object(entries) => entries.iter().for_each(|(_, i)| i.placeholders(out)),
            Node::Other(_) => {}
        }
    }

    fn render(&self, values: &Values<'_>) -> Result<serde_json::Value, MissingValue> {
        Ok(match self {
            Node::String(t) => serde_json::Value::String(t.render(values)?),
            Node::Array(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|i| i.render(values))
                    .collect::<Result<_, _>>()?,
            ),
            Node::Object(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, i)| Ok((k.clone(), i.render(values)?)))
                    .collect::<Result<_, _>>()?,
            ),
            Node::Other(v) => v.clone(),
        })
    }
}

impl JsonTemplate {
    /// Parses every string of `value`.
    pub fn new(value: serde_json::Value) -> Result<Self, UnknownPlaceholder> {
        Node::parse(value).map(JsonTemplate)
    }

    /// The placeholders used.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut out = Vec::new();
        self.0.placeholders(&mut out);
        out
    }

    /// The JSON value with the values put into its strings.
    pub fn render(&self, values: &Values<'_>) -> Result<serde_json::Value, MissingValue> {
        self.0.render(values)
    }
}

impl<'de> Deserialize<'de> for JsonTemplate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        JsonTemplate::new(value).map_err(de::Error::custom)
    }
}

impl schemars::JsonSchema for JsonTemplate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "JsonTemplate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A JSON body; {placeholders} are filled in inside its strings (never spliced as text)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(password: &'a Secret) -> Values<'a> {
        Values {
            identity: Some("alice"),
            user: Some("qa alice/1"),
            password: Some(password),
            client_id: None,
            client_secret: None,
        }
    }

    #[test]
    fn placeholders_are_replaced_once_and_other_braces_kept() {
        let pw = Secret::new("{user}&x");
        let t = Template::parse("a {user} b {password} {\"k\": 1} {} {x-y}").expect("parses");
        assert_eq!(
            t.render(&values(&pw)).expect("renders"),
            "a qa alice/1 b {user}&x {\"k\": 1} {} {x-y}"
        );
        assert_eq!(
            t.placeholders().collect::<Vec<_>>(),
            [Placeholder::User, Placeholder::Password]
        );
    }

    #[test]
    fn url_values_are_percent_encoded() {
        let pw = Secret::new("p");
        let t = Template::parse("http://h/users/{user}/x?u={user}").expect("parses");
        assert_eq!(
            t.render_url(&values(&pw)).expect("renders"),
            "http://h/users/qa%20alice%2F1/x?u=qa%20alice%2F1"
        );
        let v = Values {
            user: Some(".."),
            ..values(&pw)
        };
        assert_eq!(t.render_url(&v), Err(MissingValue::DotSegment));
    }

    #[test]
    fn unknown_and_missing_placeholders_are_errors() {
        let e = Template::parse("x {usr}").expect_err("unknown");
        assert_eq!(e.name, "usr");
        assert!(
            e.to_string().starts_with("unknown placeholder `{usr}`"),
            "{e}"
        );
        let pw = Secret::new("p");
        let t = Template::parse("{client_id}").expect("parses");
        assert_eq!(
            t.render(&values(&pw)),
            Err(MissingValue::Placeholder(Placeholder::ClientId))
        );
    }

    #[test]
    fn json_templates_fill_strings_not_keys() {
        let body = serde_json::json!({"{user}": "{user}", "n": [1, "{password}"], "b": true});
        let t = JsonTemplate::new(body).expect("valid");
        let pw = Secret::new("pa\"ss");
        assert_eq!(
            t.render(&values(&pw)).expect("renders"),
            serde_json::json!({"{user}": "qa alice/1", "n": [1, "pa\"ss"], "b": true})
        );
        let e = JsonTemplate::new(serde_json::json!({"a": ["{nope}"]})).expect_err("unknown");
        assert_eq!(e.name, "nope");
    }

    #[test]
    fn a_json_template_without_placeholders_renders_as_written() {
        let body = serde_json::json!({"z": [null, 1.5, {"y": false, "x": "{ }"}], "a": "t"});
        let t = JsonTemplate::new(body.clone()).expect("valid");
        assert!(t.placeholders().is_empty());
        let pw = Secret::new("p");
        let rendered = t.render(&values(&pw)).expect("renders");
        assert_eq!(rendered, body);
        // Keys keep their order.
        assert_eq!(rendered.to_string(), body.to_string());
    }
}
