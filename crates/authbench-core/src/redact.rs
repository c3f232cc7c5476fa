//! Showing configured URLs without their secrets.
//!
//! Auth services and key sets are often reached with a credential in the URL itself
//! (`https://user:pass@host/…`, `…/jwks.json?access_token=…`, `…?api_key=…`). Anything that shows
//! such a URL — an error, a deny detail, a log line, a report — goes through [`url`] first.

/// What stands in for a removed secret.
pub const REDACTED: &str = "[redacted]";

/// `scheme://user:pass@host/path?key=value#frag` → `scheme://[redacted]@host/path?key=[redacted]`.
///
/// Works on any text, URL-shaped or not, and never fails: the user info is replaced, every query
/// value is replaced (the names stay, so a reader still sees *which* parameters were sent), and
/// the fragment is dropped. Text with no `://` is treated as a path with an optional query.
pub fn url(text: &str) -> String {
    let without_fragment = text.split_once('#').map_or(text, |(before, _)| before);
    let (before_query, query) = match without_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (without_fragment, None),
    };
    let mut shown = match before_query.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rfind('@') {
                Some(at) => format!("{scheme}://{REDACTED}{}{path}", &authority[at..]),
                None => before_query.to_owned(),
            }
        }
        None => before_query.to_owned(),
    };
    if let Some(query) = query {
        shown.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) => format!("{name}={REDACTED}"),
                None if pair.is_empty() => String::new(),
                // A bare `?SECRET` is a value with no name.
                None => REDACTED.to_owned(),
            })
            .collect();
        shown.push_str(&pairs.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::url;

    #[test]
    fn user_info_and_query_values_are_redacted() {
        assert_eq!(
            url("https://u:p@auth.example/validate?api_key=SECRET&x=1#frag"),
            "https://[redacted]@auth.example/validate?api_key=[redacted]&x=[redacted]"
        );
    }

    #[test]
    fn a_url_without_secrets_is_unchanged() {
        assert_eq!(url("http://127.0.0.1:8089/v"), "http://127.0.0.1:8089/v");
        assert_eq!(url("http://h/a@b"), "http://h/a@b");
    }

    #[test]
    fn a_bare_query_and_text_that_is_not_a_url_keep_nothing_secret() {
        assert_eq!(url("http://h/jwks?SECRET"), "http://h/jwks?[redacted]");
        assert_eq!(url("not a url?token=SECRET"), "not a url?token=[redacted]");
        assert_eq!(url("h@x:y@z://"), "h@x:y@z://");
    }
}
