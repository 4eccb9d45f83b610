//! Webhook signing secrets, current and rolled, in one place per account. An endpoint has one
//! current `whsec_…`; rolling it (the way Stripe's dashboard does) makes a new one current
//! at once and keeps the previous one signing for a window, during which every delivery
//! carries two `v1=` signatures — the old secret's first, the current one last (the
//! async-stripe crate only checks the last). Validation of a roll request is the domain's
//! (`engine/webhook_endpoints.rs`); delivery only reads [`WebhookSecrets::signing`].

use std::collections::HashMap;

/// Default window during which the previous secret keeps signing (Stripe lets the user
/// choose up to 24 h; one hour is this simulator's default).
pub(crate) const DEFAULT_ROLL_WINDOW_SECS: i64 = 3600;
/// Longest window Stripe offers.
pub(crate) const MAX_ROLL_WINDOW_SECS: i64 = 24 * 3600;

/// A previous secret of an endpoint that stays valid until `expires_at` (wall clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RolledSecret {
    /// The old `whsec_…`.
    pub(crate) secret: String,
    /// Unix seconds (wall clock) after which it is no longer used to sign.
    pub(crate) expires_at: i64,
}

/// Every endpoint's secrets.
#[derive(Debug, Default)]
pub(crate) struct WebhookSecrets {
    /// The current secret per endpoint id; never part of the endpoint object after creation.
    pub(crate) current: HashMap<String, String>,
    /// Previous secrets per endpoint id, oldest first (not kept in snapshots).
    pub(crate) rolled: HashMap<String, Vec<RolledSecret>>,
}

impl WebhookSecrets {
    /// Sets the first secret of a new endpoint.
    pub(crate) fn set(&mut self, endpoint: &str, secret: String) {
        self.current.insert(endpoint.to_string(), secret);
    }

    /// Forgets a deleted endpoint's secrets.
    pub(crate) fn remove(&mut self, endpoint: &str) {
        self.current.remove(endpoint);
        self.rolled.remove(endpoint);
    }

    /// Makes `secret` current; the previous one keeps signing until `now + window_secs`
    /// (not at all when 0). Returns when the previous one stops, if it goes on.
    pub(crate) fn roll(
        &mut self,
        endpoint: &str,
        secret: String,
        window_secs: i64,
        now: i64,
    ) -> Option<i64> {
        let old = self.current.insert(endpoint.to_string(), secret.clone());
        let rolled = self.rolled.entry(endpoint.to_string()).or_default();
        rolled.retain(|r| r.expires_at > now);
        match old {
            Some(old) if window_secs > 0 && old != secret => {
                rolled.push(RolledSecret {
                    secret: old,
                    expires_at: now + window_secs,
                });
                Some(now + window_secs)
            }
            _ => None,
        }
    }

    /// The secrets that sign a delivery at `now`: rolled ones still in their window first,
    /// the current one last. Empty when the endpoint has no secret.
    pub(crate) fn signing(&self, endpoint: &str, now: i64) -> Vec<String> {
        let Some(current) = self.current.get(endpoint) else {
            return Vec::new();
        };
        let mut secrets: Vec<String> = self
            .rolled
            .get(endpoint)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|r| r.expires_at > now)
            .map(|r| r.secret.clone())
            .collect();
        secrets.push(current.clone());
        secrets
    }
}
