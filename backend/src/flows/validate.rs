//! Checks shared by every admin action, whether it came from the API or a page: Stripe-looking
//! ids, note length, page size.

use crate::error::ApiError;

/// Checks that `id` looks like a Stripe id with one of `prefixes` (else 400).
pub fn check_id(id: &str, prefixes: &[&str]) -> Result<(), ApiError> {
    let ok = prefixes.iter().any(|p| id.starts_with(p))
        && id.len() <= 255
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_id",
            format!("Expected an id starting with {}.", prefixes.join(" or ")),
        ))
    }
}

/// Notes: optional, at most 2,000 characters (else 422); blank means none.
pub fn check_notes(notes: &Option<String>) -> Result<Option<String>, ApiError> {
    match notes.as_deref().map(str::trim) {
        Some(n) if n.chars().count() > 2000 => Err(ApiError::Unprocessable {
            code: "notes_too_long",
            message: "notes must be at most 2000 characters.".into(),
        }),
        Some("") | None => Ok(None),
        Some(n) => Ok(Some(n.to_string())),
    }
}

/// `limit` 1–100 (default 20).
pub fn check_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(20),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(
            "invalid_limit",
            "limit must be between 1 and 100.",
        )),
    }
}

/// The longest redirect URL we send. Stripe limits string parameters to 5,000 characters; that
/// this is also its limit for URLs is an assumption.
pub const MAX_REDIRECT_URL_LEN: usize = 5000;

/// Checks a success/cancel/return URL the way Stripe will, before anything is created: the
/// scheme and host are lower-cased (Stripe refuses `HTTPS://…`), it must lie within `origins`,
/// be at most [`MAX_REDIRECT_URL_LEN`] long, and hold
/// only characters RFC 3986 allows (no space, quote, `<`, `>`, `\`, `^`, `` ` ``, `|`, `{`, `}`,
/// non-ASCII or control characters; `%` only before two hex digits), except Checkout's
/// `{CHECKOUT_SESSION_ID}` placeholder. Returns the normalised URL.
pub fn check_redirect_url(name: &str, url: &str, origins: &[String]) -> Result<String, ApiError> {
    let refuse =
        |why: &str| ApiError::bad_request("invalid_redirect_url", format!("{name} {why}."));
    let outside = || {
        refuse(&format!(
            "must start with one of the allowed origins: {}",
            origins.join(", ")
        ))
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(outside());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let normalised = format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        rest[..end].to_ascii_lowercase(),
        &rest[end..]
    );
    if !crate::config::url_within_origins(&normalised, origins) {
        return Err(outside());
    }
    if normalised.len() > MAX_REDIRECT_URL_LEN {
        return Err(refuse(&format!(
            "is longer than {MAX_REDIRECT_URL_LEN} characters"
        )));
    }
    let without_placeholder = normalised.replace(crate::flows::checkout::SESSION_PLACEHOLDER, "");
    let bytes = without_placeholder.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let ok = b.is_ascii_alphanumeric()
            || b"-._~:/?#[]@!$&'()*+,;=".contains(&b)
            || (b == b'%'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit));
        if !ok {
            return Err(refuse(
                "contains a character a URL may not hold (percent-encode spaces, quotes, < > and non-ASCII text)",
            ));
        }
    }
    Ok(normalised)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Vec<String> {
        vec!["https://app.example.com".into()]
    }

    #[test]
    fn redirect_urls_are_normalised_or_refused_like_stripe() {
        let o = origins();
        assert_eq!(
            check_redirect_url("success_url", "HTTPS://App.Example.com/Done?X=1", &o).unwrap(),
            "https://app.example.com/Done?X=1"
        );
        assert!(
            check_redirect_url(
                "u",
                "https://app.example.com/ok?s={CHECKOUT_SESSION_ID}",
                &o
            )
            .is_ok()
        );
        assert!(check_redirect_url("u", "https://app.example.com/a%20b", &o).is_ok());
        for bad in [
            "https://app.example.com/ok?x=\"a\"",
            "https://app.example.com/o k",
            "https://app.example.com/<script>",
            "https://app.example.com/a>b",
            "https://app.example.com/caf\u{e9}",
            "https://app.example.com/a%zz",
            "https://app.example.com/a{b}",
            "https://app.example.com/a\\b",
            "https://app.example.com/\n",
            "https://evil.example.com/",
            "app.example.com/",
        ] {
            let e = check_redirect_url("u", bad, &o).unwrap_err();
            assert_eq!(e.status_and_code().1, "invalid_redirect_url", "{bad}");
        }
        let long = format!("https://app.example.com/{}", "a".repeat(5000));
        assert!(check_redirect_url("u", &long, &o).is_err());
        let edge = format!("https://app.example.com/{}", "a".repeat(4976));
        assert_eq!(edge.len(), 5000);
        assert!(check_redirect_url("u", &edge, &o).is_ok());
    }
}
