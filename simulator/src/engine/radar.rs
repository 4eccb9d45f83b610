//! Radar early fraud warnings: raised by the 5423 test card or the control plane, made
//! non-actionable when the charge is disputed or fully refunded.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::charges::succeeded_charge;
use crate::error::StripeError;
use crate::ids::new_id;

/// The `fraud_type` of early fraud warnings raised by 4000000000005423 unless an account
/// sets another. Stripe does not document the test card's `fraud_type`; this default is a
/// guess (see `simulator/docs/guesses.md`).
pub(crate) const DEFAULT_FRAUD_TYPE: &str = "made_with_stolen_card";

/// The `fraud_type` values Stripe documents.
pub(crate) const FRAUD_TYPES: &[&str] = &[
    "card_never_received",
    "fraudulent_card_application",
    "made_with_counterfeit_card",
    "made_with_lost_card",
    "made_with_stolen_card",
    "misc",
    "unauthorized_use_of_card",
];

/// Sets the account's `fraud_type` for test early fraud warnings (`None` = default).
pub(crate) fn set_fraud_type(
    st: &mut AccountState,
    fraud_type: Option<&str>,
) -> Result<(), StripeError> {
    if let Some(t) = fraud_type
        && !FRAUD_TYPES.contains(&t)
    {
        return Err(StripeError::invalid(
            "fraud_type",
            format!(
                "Invalid fraud_type: must be one of {}.",
                FRAUD_TYPES.join(", ")
            ),
        ));
    }
    st.payments.fraud_type = fraud_type.map(str::to_string);
    Ok(())
}

/// The `fraud_type` the account's 5423 warnings get.
pub(crate) fn fraud_type(st: &AccountState) -> String {
    st.payments
        .fraud_type
        .clone()
        .unwrap_or_else(|| DEFAULT_FRAUD_TYPE.to_string())
}

/// Raises an early fraud warning (`issfr_…`, `actionable` unless the charge is already
/// disputed or fully refunded) on a succeeded charge → `radar.early_fraud_warning.created`.
pub(crate) fn create(
    st: &mut AccountState,
    charge: &str,
    fraud_type: &str,
) -> Result<Value, StripeError> {
    if !FRAUD_TYPES.contains(&fraud_type) {
        return Err(StripeError::invalid(
            "fraud_type",
            format!(
                "Invalid fraud_type: must be one of {}.",
                FRAUD_TYPES.join(", ")
            ),
        ));
    }
    let ch = succeeded_charge(st, charge, "charge")?;
    let efw = json!({
        "id": new_id("issfr_"),
        "object": "radar.early_fraud_warning",
        "actionable": ch["disputed"] != true && ch["refunded"] != true,
        "charge": charge,
        "created": st.now(),
        "fraud_type": fraud_type,
        "livemode": false,
        "payment_intent": ch["payment_intent"],
    });
    st.store.put(efw.clone());
    st.emit(
        &EventRequest::default(),
        "radar.early_fraud_warning.created",
        efw.clone(),
        None,
    );
    Ok(efw)
}

/// Makes every actionable early fraud warning on `charge` non-actionable
/// (`radar.early_fraud_warning.updated`, automatic).
pub(crate) fn deactivate(st: &mut AccountState, charge: &str) {
    let ids: Vec<String> = st
        .store
        .ids_of("radar.early_fraud_warning")
        .filter(|id| {
            st.store
                .get(id)
                .is_some_and(|w| w["charge"] == charge && w["actionable"] == true)
        })
        .cloned()
        .collect();
    for id in ids {
        if let Some(w) = st.store.get_kind_mut("radar.early_fraud_warning", &id) {
            w["actionable"] = json!(false);
            let w = w.clone();
            st.emit(
                &EventRequest::default(),
                "radar.early_fraud_warning.updated",
                w,
                Some(json!({"actionable": true})),
            );
        }
    }
}
