//! Webhook endpoints: storing, updating and deleting them, and their secrets (the first
//! one at creation, rolling, forgetting them on deletion). The secrets themselves live in `secrets.rs`; delivery reads them from there.

use serde_json::Value;

use crate::account::AccountState;
use crate::error::StripeError;
use crate::ids::random_base62;
use crate::secrets::MAX_ROLL_WINDOW_SECS;
use crate::time::clock::wall_now;

/// The outcome of a roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rolled {
    /// The new current secret.
    pub(crate) secret: String,
    /// When the previous secret stops signing (wall clock), `None` if it stopped at once.
    pub(crate) previous_expires_at: Option<i64>,
}

/// A fresh `whsec_…`.
pub(crate) fn new_secret() -> String {
    format!("whsec_{}", random_base62(32))
}

/// Replaces `endpoint`'s secret with `new_secret` (or a fresh one) and keeps the old one
/// valid for `window_secs` (0 = stop using it now).
pub(crate) fn roll_secret(
    st: &mut AccountState,
    endpoint: &str,
    new_secret: Option<&str>,
    window_secs: i64,
) -> Result<Rolled, StripeError> {
    if st.store.get_kind("webhook_endpoint", endpoint).is_none() {
        return Err(StripeError::missing("webhook_endpoint", endpoint));
    }
    if !(0..=MAX_ROLL_WINDOW_SECS).contains(&window_secs) {
        return Err(StripeError::invalid(
            "expires_in",
            format!("expires_in must be between 0 and {MAX_ROLL_WINDOW_SECS} seconds."),
        ));
    }
    let secret = match new_secret {
        Some(s) if s.starts_with("whsec_") && s.len() > 10 && !s.contains(char::is_whitespace) => {
            s.to_string()
        }
        Some(_) => {
            return Err(StripeError::invalid(
                "secret",
                "A webhook secret must start with whsec_ and have at least 4 more characters.",
            ));
        }
        None => self::new_secret(),
    };
    let previous_expires_at = st
        .secrets
        .roll(endpoint, secret.clone(), window_secs, wall_now());
    Ok(Rolled {
        secret,
        previous_expires_at,
    })
}

/// Stores a new endpoint `endpoint` with its first signing `secret`.
pub(crate) fn create(st: &mut AccountState, endpoint: &Value, secret: &str) {
    st.store.put(endpoint.clone());
    let id = endpoint["id"].as_str().unwrap_or_default();
    st.secrets.set(id, secret.to_string());
}

/// Stores an updated endpoint (Stripe emits no event for endpoint changes).
pub(crate) fn update(st: &mut AccountState, endpoint: &Value) {
    st.store.put(endpoint.clone());
}

/// Deletes endpoint `id` and forgets its secrets; delivery ends the endpoint's worker once
/// its queue is drained.
pub(crate) fn delete(st: &mut AccountState, id: &str) {
    st.store.remove(id);
    st.secrets.remove(id);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn roll_keeps_the_old_secret_for_the_window() {
        let mut st = AccountState::default();
        st.store
            .put(json!({"id": "we_1", "object": "webhook_endpoint"}));
        st.secrets.set("we_1", "whsec_old_secret".into());
        let r = roll_secret(&mut st, "we_1", Some("whsec_new_secret"), 60).expect("roll");
        assert_eq!(r.secret, "whsec_new_secret");
        assert!(r.previous_expires_at.is_some());
        assert_eq!(st.secrets.current["we_1"], "whsec_new_secret");
        assert_eq!(st.secrets.rolled["we_1"][0].secret, "whsec_old_secret");
        assert_eq!(
            st.secrets.signing("we_1", wall_now()),
            ["whsec_old_secret", "whsec_new_secret"]
        );
        let r = roll_secret(&mut st, "we_1", None, 0).expect("roll now");
        assert_eq!(r.previous_expires_at, None);
        assert!(r.secret.starts_with("whsec_"));
        assert!(roll_secret(&mut st, "we_x", None, 0).is_err());
        assert!(roll_secret(&mut st, "we_1", Some("nope"), 0).is_err());
        assert!(roll_secret(&mut st, "we_1", None, MAX_ROLL_WINDOW_SECS + 1).is_err());
    }
}
