//! Rolling an endpoint's signing secret the way Stripe's dashboard does: a new `whsec_…`
//! becomes current at once; the previous one stays valid for a window, during which every
//! delivery carries two `v1=` signatures — the old secret's first, the current one last
//! (the async-stripe crate only checks the last).

use crate::account::AccountState;
use crate::error::StripeError;
use crate::ids::random_base62;
use crate::time::clock::wall_now;
use crate::webhooks::RolledSecret;

/// Default window during which the previous secret keeps signing (Stripe lets the user
/// choose up to 24 h; one hour is this simulator's default).
pub const DEFAULT_ROLL_WINDOW_SECS: i64 = 3600;
/// Longest window Stripe offers.
pub const MAX_ROLL_WINDOW_SECS: i64 = 24 * 3600;

/// The outcome of a roll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rolled {
    /// The new current secret.
    pub secret: String,
    /// When the previous secret stops signing (wall clock), `None` if it stopped at once.
    pub previous_expires_at: Option<i64>,
}

/// Replaces `endpoint`'s secret with `new_secret` (or a fresh one) and keeps the old one
/// valid for `window_secs` (0 = stop using it now).
pub fn roll(
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
        None => format!("whsec_{}", random_base62(32)),
    };
    let now = wall_now();
    let old = st
        .webhook_secrets
        .insert(endpoint.to_string(), secret.clone());
    let rolled = st
        .delivery
        .rolled_secrets
        .entry(endpoint.to_string())
        .or_default();
    rolled.retain(|r| r.expires_at > now);
    let previous_expires_at = match old {
        Some(old) if window_secs > 0 && old != secret => {
            rolled.push(RolledSecret {
                secret: old,
                expires_at: now + window_secs,
            });
            Some(now + window_secs)
        }
        _ => None,
    };
    Ok(Rolled {
        secret,
        previous_expires_at,
    })
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
        st.webhook_secrets
            .insert("we_1".into(), "whsec_old_secret".into());
        let r = roll(&mut st, "we_1", Some("whsec_new_secret"), 60).expect("roll");
        assert_eq!(r.secret, "whsec_new_secret");
        assert!(r.previous_expires_at.is_some());
        assert_eq!(st.webhook_secrets["we_1"], "whsec_new_secret");
        assert_eq!(
            st.delivery.rolled_secrets["we_1"][0].secret,
            "whsec_old_secret"
        );
        let r = roll(&mut st, "we_1", None, 0).expect("roll now");
        assert_eq!(r.previous_expires_at, None);
        assert!(r.secret.starts_with("whsec_"));
        assert!(roll(&mut st, "we_x", None, 0).is_err());
        assert!(roll(&mut st, "we_1", Some("nope"), 0).is_err());
        assert!(roll(&mut st, "we_1", None, MAX_ROLL_WINDOW_SECS + 1).is_err());
    }
}
