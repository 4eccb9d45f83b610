//! A customer's balance on the invoices of a subscription change and of renewals: a credit
//! (negative `balance`, such as an `always_invoice` downgrade leaves) lowers `amount_due`,
//! an amount owed (positive) raises it, and an invoice whose total is negative adds the
//! difference to the credit. The invoice shows `starting_balance` and `ending_balance`; a
//! changed balance → `customer.updated`.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::updates;

/// Applies the customer's balance to `invoice` (not yet stored) and stores the balance left.
/// Does nothing when the balance is 0 and the total is not negative.
pub(crate) fn apply(st: &mut AccountState, req: &EventRequest, invoice: &mut Value) {
    let customer_id = invoice["customer"].as_str().unwrap_or_default().to_string();
    let Some(balance) = st
        .store
        .get_kind("customer", &customer_id)
        .map(|c| c["balance"].as_i64().unwrap_or(0))
    else {
        return;
    };
    let total = invoice["total"].as_i64().unwrap_or(0);
    if balance == 0 && total >= 0 {
        return;
    }
    let Some(old) = st.store.get_kind("customer", &customer_id).cloned() else {
        return;
    };
    let sum = total + balance;
    let left = sum.min(0);
    invoice["starting_balance"] = json!(balance);
    invoice["ending_balance"] = json!(left);
    invoice["amount_due"] = json!(sum.max(0));
    invoice["amount_remaining"] = json!(sum.max(0));
    let mut new = old.clone();
    new["balance"] = json!(left);
    updates::record(st, req, "customer.updated", &old, &new);
}
