//! HTML escaping and the page frame shared by hosted pages.

/// Escapes text for HTML element content and double-quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
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

/// Whether a URL is safe to put in an `href` (http/https only; no `javascript:`).
pub(crate) fn safe_href(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A complete page: `title` (escaped here) and an already-escaped `body`.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 30rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }}
label {{ display: block; margin-top: 1rem; font-weight: 600; }}
input {{ width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }}
button {{ margin-top: 1.5rem; width: 100%; padding: .75rem; font-size: 1.1rem; background: #0a5bd6; color: #fff; border: 0; border-radius: 4px; }}
.error {{ color: #a00000; border: 1px solid #a00000; padding: .5rem; border-radius: 4px; }}
.note {{ color: #555; font-size: .9rem; }}
</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"#,
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert!(safe_href("https://example.com/a?b=1"));
        assert!(!safe_href("javascript:alert(1)"));
        assert!(page("<t>", "").contains("<title>&lt;t&gt;</title>"));
    }
}
