//! Stripe-like object ids: a type prefix followed by 24 random base62 characters.

use rand::Rng;
use rand::distr::Alphanumeric;

/// Length of the random part of every generated id.
pub(crate) const RANDOM_LEN: usize = 24;

/// Returns `prefix` followed by [`RANDOM_LEN`] base62 characters (`cus_` → `cus_Ab3…`).
pub(crate) fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + RANDOM_LEN);
    id.push_str(prefix);
    id.extend(
        rand::rng()
            .sample_iter(&Alphanumeric)
            .take(RANDOM_LEN)
            .map(char::from),
    );
    id
}

/// Returns `len` random base62 characters (used for secrets and fingerprints).
pub fn random_base62(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_24_base62_chars() {
        for prefix in ["cus_", "cs_test_", "evt_", "whsec_"] {
            let id = new_id(prefix);
            let rest = id.strip_prefix(prefix).expect("prefix kept");
            assert_eq!(rest.len(), RANDOM_LEN);
            assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        }
    }

    #[test]
    fn ids_are_unique() {
        let a = new_id("cus_");
        let b = new_id("cus_");
        assert_ne!(a, b);
    }
}
