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
