//! Billing portal configurations and sessions: a new configuration's defaults, the
//! account's default configuration (created on first use), recording creations and updates
//! (`billing_portal.configuration.created` / `.updated`) and creating sessions
//! (`billing_portal.session.created`). What a session lets the customer do is in `portal.rs`.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::updates;
use crate::ids::new_id;

/// The features of a configuration with everything off, as Stripe renders them.
fn default_features() -> Value {
    json!({
        "customer_update": {"allowed_updates": [], "enabled": false},
        "invoice_history": {"enabled": false},
        "payment_method_update": {"enabled": false, "payment_method_configuration": null},
        "subscription_cancel": {
            "cancellation_reason": {"enabled": false, "options": []},
            "enabled": false,
            "mode": "at_period_end",
            "proration_behavior": "none",
        },
        // Not configurable here; rendered as Stripe's default (pausing off, one month).
        "subscription_pause": {
            "duration": {"interval_options": [{"interval": "month", "interval_count": 1}], "type": "interval_options"},
            "enabled": false,
        },
        "subscription_update": {
            "billing_cycle_anchor": null,
            "default_allowed_updates": [],
            "enabled": false,
            "products": [],
            "proration_behavior": "none",
            "schedule_at_period_end": {"conditions": []},
            "trial_update_behavior": "end_trial",
        },
    })
}

fn new_config(st: &AccountState, is_default: bool) -> Value {
    let now = st.now();
    json!({
        "id": new_id("bpc_"),
        "object": "billing_portal.configuration",
        "active": true,
        "application": null,
        "business_profile": {"headline": null, "privacy_policy_url": null, "terms_of_service_url": null},
        "created": now,
        "default_return_url": null,
        "features": default_features(),
        "is_default": is_default,
        "livemode": false,
        "login_page": {"enabled": false, "url": null},
        "metadata": {},
        "name": null,
        "updated": now,
    })
}

/// A new configuration with every feature off; the account's default if it has none yet.
/// Not stored: the caller applies its parameters, then [`create_configuration`].
pub(crate) fn new_configuration(st: &AccountState) -> Value {
    let is_default = !st
        .store
        .ids_of("billing_portal.configuration")
        .any(|_| true);
    new_config(st, is_default)
}

/// Stores a new configuration → `billing_portal.configuration.created`.
pub(crate) fn create_configuration(st: &mut AccountState, req: &EventRequest, cfg: &Value) {
    st.store.put(cfg.clone());
    st.emit(
        req,
        "billing_portal.configuration.created",
        cfg.clone(),
        None,
    );
}

/// Records a configuration update `old` → `new`: `updated` stamped and
/// `billing_portal.configuration.updated` when something changed, nothing otherwise.
pub(crate) fn update_configuration(
    st: &mut AccountState,
    req: &EventRequest,
    old: &Value,
    mut new: Value,
) -> Value {
    if new != *old {
        new["updated"] = json!(st.now());
        updates::record(st, req, "billing_portal.configuration.updated", old, &new);
    }
    new
}

/// The account's default configuration, created on first use (cancel at period end,
/// invoice history, payment method update, customer update of e-mail and address on).
pub(crate) fn default_configuration(st: &mut AccountState) -> Value {
    let existing = st
        .store
        .ids_of("billing_portal.configuration")
        .filter_map(|id| st.store.get(id))
        .find(|o| o["is_default"] == true)
        .cloned();
    if let Some(cfg) = existing {
        return cfg;
    }
    let mut cfg = new_config(st, true);
    for f in [
        "customer_update",
        "invoice_history",
        "payment_method_update",
        "subscription_cancel",
    ] {
        cfg["features"][f]["enabled"] = json!(true);
    }
    cfg["features"]["customer_update"]["allowed_updates"] = json!(["email", "address"]);
    st.store.put(cfg.clone());
    cfg
}

/// A portal session to create (parameters already checked).
#[derive(Debug, Clone)]
pub(crate) struct NewSession<'a> {
    /// `cus_…` (live).
    pub(crate) customer: &'a str,
    /// The configuration it uses (active).
    pub(crate) configuration: &'a Value,
    /// Where the portal sends the customer back.
    pub(crate) return_url: Option<&'a str>,
    /// `locale`, as given.
    pub(crate) locale: Option<&'a str>,
    /// The simulator's public base URL (the session's `url` is `{base}/p/session/{id}`).
    pub(crate) base_url: &'a str,
}

/// Stores a new portal session → `billing_portal.session.created`. The caller indexes its
/// id so the hosted page finds the account.
pub(crate) fn create_session(
    st: &mut AccountState,
    req: &EventRequest,
    s: &NewSession<'_>,
) -> Value {
    let id = new_id("bps_");
    let session = json!({
        "id": id,
        "object": "billing_portal.session",
        "configuration": s.configuration["id"],
        "created": st.now(),
        "customer": s.customer,
        "customer_account": null,
        "flow": null,
        "livemode": false,
        "locale": s.locale,
        "on_behalf_of": null,
        "return_url": s.return_url,
        "url": format!("{}/p/session/{id}", s.base_url),
    });
    st.store.put(session.clone());
    st.emit(req, "billing_portal.session.created", session.clone(), None);
    session
}
