//! Loading a charge that later actions (refunds, disputes, fraud warnings) may act on.

use serde_json::Value;

use crate::account::AccountState;
use crate::error::StripeError;

/// The charge `charge` if it succeeded; 404 if unknown, 400 if it did not succeed.
pub(crate) fn succeeded_charge(
    st: &AccountState,
    charge: &str,
    param: &str,
) -> Result<Value, StripeError> {
    let ch = st
        .store
        .get_kind("charge", charge)
        .cloned()
        .ok_or_else(|| StripeError::missing_param("charge", charge, param))?;
    if ch["status"] != "succeeded" {
        return Err(StripeError::invalid(
            param,
            format!("Charge {charge} did not succeed."),
        ));
    }
    Ok(ch)
}
