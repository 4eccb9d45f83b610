//! [`Secret`]: a value that is never printed beyond its kind prefix.

use std::fmt;

/// A secret value (API key, webhook secret, JWT secret). `Debug` and `Display` show only its
/// kind prefix, so it can't leak through logs or error messages by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must use it (an HTTP header, an HMAC key).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", redact(&self.0))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

/// Shows at most a key's kind prefix (`sk_test_…`, `whsec_…`), never its secret part.
pub fn redact(value: &str) -> String {
    const KNOWN: [&str; 6] = [
        "sk_test_", "sk_live_", "rk_test_", "rk_live_", "whsec_", "pk_",
    ];
    match KNOWN.iter().find(|p| value.starts_with(*p)) {
        Some(p) => format!("{p}…"),
        None if value.is_empty() => "(empty)".to_string(),
        None => "…".to_string(),
    }
}
