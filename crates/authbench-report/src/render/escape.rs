//! Escaping of every string that comes from a scenario (names, details) before it is rendered.

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for Markdown (GitHub flavour), including table cells: inline markup characters
/// are backslash-escaped, HTML is neutralised, and line breaks become spaces so a cell or list item
/// stays on one line.
pub(crate) fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown code span for a short label (`deny(expired)`); backticks and line breaks are
/// dropped and pipes escaped, so it is safe inside a table cell.
pub(crate) fn code(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, '`' | '\n' | '\r'))
        .collect::<String>()
        .replace('|', "\\|");
    format!("`{cleaned}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn markdown_keeps_a_cell_in_one_piece() {
        assert_eq!(markdown("a|b\n*c* <i>"), "a\\|b \\*c\\* &lt;i&gt;");
        assert_eq!(code("deny(`x`|y)"), "`deny(x\\|y)`");
    }
}
