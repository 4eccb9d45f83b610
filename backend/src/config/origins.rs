//! Origins: normalising one, and whether a URL lies within a list of them.

/// Normalises `scheme://host[:port]` (a trailing `/` allowed) to lower case; `None` if it is not
/// an http(s) origin.
pub fn normalize_origin(s: &str) -> Option<String> {
    let s = s.strip_suffix('/').unwrap_or(s);
    let (scheme, authority) = s.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    if authority.is_empty()
        || authority
            .chars()
            .any(|c| matches!(c, '/' | '?' | '#' | '@' | '\\') || c.is_whitespace())
    {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// Whether `url` lies within one of `origins`: same scheme and host(:port), followed by the end,
/// `/`, `?` or `#` (so `https://app.example.com.evil.net` is not within `https://app.example.com`).
pub fn url_within_origins(url: &str, origins: &[String]) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') || authority.contains('\\') {
        return false;
    }
    let Some(origin) = normalize_origin(&format!("{scheme}://{authority}")) else {
        return false;
    };
    origins.contains(&origin)
}
