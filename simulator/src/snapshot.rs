//! Optional persistence (`--state FILE`, off by default): a JSON snapshot of every account —
//! its API key, objects (events included), clock offset, webhook secrets, checkout-session
//! line items, payment-method test behaviours, payment and renewal settings and delivery
//! mode. Loaded at start (a missing file is an empty start; a corrupt one is an error that
//! names the file and the problem, never a silent empty state), written atomically (temp
//! file + rename) at shutdown and by `POST /_sim/snapshot`.
//!
//! Not kept: idempotency keys, the delivery log, deliveries in flight, rolled secrets.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::account::{Account, AccountState, SessionItem, SessionSubscriptionData};
use crate::app::App;
use crate::cards::{Behaviour, Decline};
use crate::outbox::DeliveryMode;
use crate::time::FinalFailure;

/// Snapshot format version.
pub(crate) const VERSION: i64 = 1;

const DECLINES: &[(Decline, &str)] = &[
    (Decline::Generic, "generic"),
    (Decline::InsufficientFunds, "insufficient_funds"),
    (Decline::LostCard, "lost_card"),
    (Decline::StolenCard, "stolen_card"),
    (Decline::ExpiredCard, "expired_card"),
    (Decline::IncorrectCvc, "incorrect_cvc"),
    (Decline::ProcessingError, "processing_error"),
    (Decline::IncorrectNumber, "incorrect_number"),
    (Decline::RadarBlock, "radar_block"),
    (Decline::VelocityExceeded, "velocity_exceeded"),
    (Decline::AuthenticationRequired, "authentication_required"),
];

fn behaviour_to(b: Behaviour) -> Value {
    match b {
        Behaviour::Succeeds => json!({"kind": "succeeds"}),
        Behaviour::Declined(d) => json!({"kind": "declined",
            "decline": DECLINES.iter().find(|(x, _)| *x == d).map(|(_, n)| *n)}),
        Behaviour::AttachOkChargeFails => json!({"kind": "attach_ok_charge_fails"}),
        Behaviour::Dispute { reason, inquiry } => {
            json!({"kind": "dispute", "reason": reason, "inquiry": inquiry})
        }
        Behaviour::EarlyFraudWarning => json!({"kind": "early_fraud_warning"}),
        Behaviour::ElevatedRisk => json!({"kind": "elevated_risk"}),
        Behaviour::AuthenticationRequired => json!({"kind": "authentication_required"}),
    }
}

fn behaviour_from(v: &Value) -> Option<Behaviour> {
    Some(match v["kind"].as_str()? {
        "succeeds" => Behaviour::Succeeds,
        "declined" => {
            let name = v["decline"].as_str()?;
            Behaviour::Declined(DECLINES.iter().find(|(_, n)| *n == name)?.0)
        }
        "attach_ok_charge_fails" => Behaviour::AttachOkChargeFails,
        "dispute" => {
            let reason = crate::engine::disputes::DISPUTE_REASONS
                .iter()
                .find(|r| **r == v["reason"].as_str().unwrap_or_default())?;
            Behaviour::Dispute {
                reason,
                inquiry: v["inquiry"] == true,
            }
        }
        "early_fraud_warning" => Behaviour::EarlyFraudWarning,
        "elevated_risk" => Behaviour::ElevatedRisk,
        "authentication_required" => Behaviour::AuthenticationRequired,
        _ => return None,
    })
}

fn account_to(key: &str, st: &AccountState) -> Value {
    let items: Map<String, Value> = st
        .session_items
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                json!(
                    v.iter()
                        .map(|i| json!({"price": i.price, "quantity": i.quantity}))
                        .collect::<Vec<_>>()
                ),
            )
        })
        .collect();
    let sub_data: Map<String, Value> = st
        .session_subscription_data
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                json!({"metadata": v.metadata, "description": v.description, "fields": v.fields}),
            )
        })
        .collect();
    let behaviours: Map<String, Value> = st
        .pm_behaviour
        .iter()
        .map(|(k, b)| (k.clone(), behaviour_to(*b)))
        .collect();
    json!({
        "key": key,
        "clock_offset": st.clock_offset,
        "objects": st.store.export(),
        "webhook_secrets": st.secrets.current,
        "session_items": items,
        "session_subscription_data": sub_data,
        "pm_behaviour": behaviours,
        "token_cards": st.token_cards,
        "payments": {
            "fraud_type": st.payments.fraud_type,
            "customer_override": st.payments.customer_override,
        },
        "renewals": st.time.settings,
        "trial_notified": st.time.trial_notified,
        "upcoming_sent": st.time.upcoming_sent,
        "deleted_clocks": st.time.deleted_clocks,
        "invoice_payment_intents": st.time.invoice_payment_intents,
        "authorizations": st.time.authorizations,
        "delivery": st.delivery.settings,
    })
}

fn bad(path: &Path, what: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "the state file {} is not a valid stripe-sim snapshot: {what}. Fix: restore it from a backup or delete it to start empty.",
            path.display()
        ),
    )
}

fn account_from(path: &Path, v: &Value, st: &mut AccountState) -> std::io::Result<()> {
    st.clock_offset = v["clock_offset"].as_i64().unwrap_or(0);
    for o in v["objects"]
        .as_array()
        .ok_or_else(|| bad(path, "an account has no objects list"))?
    {
        if o["id"].as_str().is_none() || o["object"].as_str().is_none() {
            return Err(bad(path, "an object has no id or type"));
        }
        st.store.put(o.clone());
    }
    st.secrets.current = serde_json::from_value(v["webhook_secrets"].clone())
        .map_err(|e| bad(path, format!("webhook_secrets: {e}")))?;
    if let Some(m) = v["session_items"].as_object() {
        for (k, items) in m {
            let list = items
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|i| SessionItem {
                    price: i["price"].as_str().unwrap_or_default().to_string(),
                    quantity: i["quantity"].as_i64().unwrap_or(1),
                })
                .collect();
            st.session_items.insert(k.clone(), list);
        }
    }
    if let Some(m) = v["session_subscription_data"].as_object() {
        for (k, d) in m {
            st.session_subscription_data.insert(
                k.clone(),
                SessionSubscriptionData {
                    metadata: d["metadata"].clone(),
                    description: d["description"].as_str().map(str::to_string),
                    fields: d["fields"].clone(),
                },
            );
        }
    }
    if let Some(m) = v["pm_behaviour"].as_object() {
        for (k, b) in m {
            let b = behaviour_from(b)
                .ok_or_else(|| bad(path, format!("unknown card behaviour for {k}")))?;
            st.pm_behaviour.insert(k.clone(), b);
        }
    }
    st.token_cards = serde_json::from_value(v["token_cards"].clone()).unwrap_or_default();
    st.payments.fraud_type = v["payments"]["fraud_type"].as_str().map(str::to_string);
    st.payments.customer_override =
        serde_json::from_value::<HashMap<String, bool>>(v["payments"]["customer_override"].clone())
            .unwrap_or_default();
    let r = &v["renewals"];
    if let Some(days) = r["retry_days"].as_array() {
        st.time.settings.retry_days = days.iter().filter_map(Value::as_i64).collect();
    }
    if let Some(f) = r["after_final_failure"]
        .as_str()
        .and_then(FinalFailure::parse)
    {
        st.time.settings.after_final_failure = f;
    }
    if let Some(s) = r["finalize_after_secs"].as_i64() {
        st.time.settings.finalize_after_secs = s;
    }
    if let Some(d) = r["upcoming_days"].as_i64() {
        st.time.settings.upcoming_days = d;
    }
    st.time.trial_notified =
        serde_json::from_value(v["trial_notified"].clone()).unwrap_or_default();
    st.time.upcoming_sent = serde_json::from_value(v["upcoming_sent"].clone()).unwrap_or_default();
    st.time.deleted_clocks =
        serde_json::from_value(v["deleted_clocks"].clone()).unwrap_or_default();
    st.time.invoice_payment_intents =
        serde_json::from_value(v["invoice_payment_intents"].clone()).unwrap_or_default();
    st.time.authorizations =
        serde_json::from_value(v["authorizations"].clone()).unwrap_or_default();
    let d = &v["delivery"];
    if let Some(m) = d["mode"].as_str().and_then(DeliveryMode::parse) {
        st.delivery.settings.mode = m;
    }
    st.delivery.settings.seed = d["seed"].as_u64().unwrap_or(0);
    st.delivery.settings.rate = d["rate"].as_f64().unwrap_or(1.0);
    st.delivery.settings.delay_ms = d["delay_ms"].as_u64().unwrap_or(500);
    Ok(())
}

/// Writes every account to `path` atomically. Returns the number of accounts.
pub(crate) fn save(app: &App, path: &Path) -> std::io::Result<usize> {
    let accounts: Vec<Value> = app
        .accounts()
        .iter()
        .map(|(key, a)| account_to(key, &a.lock()))
        .collect();
    let n = accounts.len();
    let doc = json!({"stripe_sim_snapshot": VERSION, "saved_at": crate::time::clock::wall_now(), "accounts": accounts});
    let bytes = serde_json::to_vec(&doc).map_err(std::io::Error::other)?;
    write_atomically(path, &bytes)?;
    Ok(n)
}

/// Replaces `path` with `bytes` so that a crash at any moment leaves either the previous
/// snapshot or the new one, whole: a temporary file of its own in the same folder, flushed to
/// disk, renamed over the old one, then the folder flushed so the rename itself survives.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    static SEQUENCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".into());
    let tmp = path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Loads `path` into `app` (nothing if the file does not exist). Restarts webhook workers
/// and re-indexes hosted-page sessions. Returns the number of accounts loaded.
pub(crate) fn load(app: &Arc<App>, path: &Path) -> std::io::Result<usize> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| bad(path, e))?;
    if doc["stripe_sim_snapshot"].as_i64() != Some(VERSION) {
        return Err(bad(
            path,
            format!("expected \"stripe_sim_snapshot\": {VERSION}"),
        ));
    }
    let accounts = doc["accounts"]
        .as_array()
        .ok_or_else(|| bad(path, "no accounts list"))?;
    for a in accounts {
        let key = a["key"]
            .as_str()
            .ok_or_else(|| bad(path, "an account has no key"))?;
        let account: Arc<Account> = app.account(key);
        let mut fresh = AccountState::default();
        account_from(path, a, &mut fresh)?;
        let sessions: Vec<String> = fresh
            .store
            .ids_of("checkout.session")
            .chain(fresh.store.ids_of("billing_portal.session"))
            .cloned()
            .collect();
        *account.lock() = fresh;
        for s in sessions {
            app.index_session(&s, account.clone());
        }
    }
    Ok(accounts.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_replaces_the_old_one_whole_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("stripe-sim-snap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        write_atomically(&path, b"{\"old\":1}").unwrap();
        write_atomically(&path, b"{\"new\":2}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"new\":2}");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["state.json"]);
        // A folder that cannot be written keeps the old snapshot intact.
        assert!(write_atomically(&dir.join("missing/state.json"), b"x").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"new\":2}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn behaviours_round_trip() {
        for b in [
            Behaviour::Succeeds,
            Behaviour::Declined(Decline::InsufficientFunds),
            Behaviour::AttachOkChargeFails,
            Behaviour::Dispute {
                reason: "fraudulent",
                inquiry: true,
            },
            Behaviour::EarlyFraudWarning,
        ] {
            assert_eq!(behaviour_from(&behaviour_to(b)), Some(b));
        }
        assert_eq!(behaviour_from(&json!({"kind": "nope"})), None);
    }
}
