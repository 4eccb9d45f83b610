//! Refunds of succeeded charges.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::charges::succeeded_charge;
use crate::engine::{radar, updates};
use crate::error::StripeError;
use crate::ids::new_id;
use crate::objects;

/// Refunds `amount` (default: what is left) of a succeeded charge: creates `re_…`, updates
/// the charge (`amount_refunded`, `refunded`, `refunds`), emits `charge.refunded` and
/// `refund.created`; a full refund makes the charge's early fraud warnings non-actionable.
/// Refunding more than what is left is a 400.
pub(crate) fn refund(
    st: &mut AccountState,
    req: &EventRequest,
    charge: &str,
    amount: Option<i64>,
    reason: Option<&str>,
    metadata: Value,
) -> Result<Value, StripeError> {
    let mut ch = succeeded_charge(st, charge, "charge")?;
    let captured = ch["amount_captured"].as_i64().unwrap_or(0);
    let already = ch["amount_refunded"].as_i64().unwrap_or(0);
    let left = captured - already;
    let amount = amount.unwrap_or(left);
    if ch["refunded"] == true || left <= 0 {
        return Err(StripeError::InvalidRequest {
            code: Some("charge_already_refunded"),
            param: None,
            message: format!("Charge {charge} has already been refunded."),
        });
    }
    if amount < 1 {
        return Err(StripeError::invalid(
            "amount",
            "Invalid amount: must be at least 1.",
        ));
    }
    // A chargeback (not an inquiry) cannot be refunded on top.
    let charged_back = st
        .store
        .ids_of("dispute")
        .filter_map(|id| st.store.get(id))
        .any(|d| d["charge"] == charge && d["is_charge_refundable"] == false);
    if charged_back {
        return Err(StripeError::InvalidRequest {
            code: Some("charge_disputed"),
            param: None,
            message: format!("Charge {charge} has been charged back; cannot issue a refund."),
        });
    }
    if amount > left {
        return Err(StripeError::InvalidRequest {
            code: Some("amount_too_large"),
            param: Some("amount".into()),
            message: format!(
                "Refund amount ({}) is greater than unrefunded amount on charge ({}).",
                objects::money(amount, ch["currency"].as_str().unwrap_or("usd")),
                objects::money(left, ch["currency"].as_str().unwrap_or("usd")),
            ),
        });
    }
    let now = st.now();
    let re = json!({
        "id": new_id("re_"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn_"),
        "charge": charge,
        "created": now,
        "currency": ch["currency"],
        "customer": ch["customer"],
        "customer_account": null,
        "destination_details": {"card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"}, "type": "card"},
        "metadata": metadata,
        "payment_intent": ch["payment_intent"],
        "payment_method": ch["payment_method"],
        "reason": reason,
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": "succeeded",
        "transfer_reversal": null,
    });
    st.store.put(re.clone());
    let old = ch.clone();
    let total = already + amount;
    ch["amount_refunded"] = json!(total);
    ch["refunded"] = json!(total >= captured);
    if let Some(list) = ch["refunds"]["data"].as_array_mut() {
        list.insert(0, re.clone());
        let n = list.len();
        ch["refunds"]["total_count"] = json!(n);
    }
    st.store.put(ch.clone());
    let mut prev = json!({"amount_refunded": already, "refunds": old["refunds"]});
    if old["refunded"] != ch["refunded"] {
        prev["refunded"] = old["refunded"].clone();
    }
    st.emit(req, "charge.refunded", ch.clone(), Some(prev));
    st.emit(req, "refund.created", re.clone(), None);
    if total >= captured {
        radar::deactivate(st, charge);
    }
    Ok(re)
}

/// Records a refund update `old` → `new` (`refund.updated`; nothing when unchanged).
pub(crate) fn update(st: &mut AccountState, req: &EventRequest, old: &Value, new: Value) -> Value {
    updates::record(st, req, "refund.updated", old, &new);
    new
}
