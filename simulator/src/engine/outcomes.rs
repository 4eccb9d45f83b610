//! What a charge records about its authorisation: the fields of a failed charge
//! (`status`, `failure_code`, `outcome`, …) for a test card's decline, and Radar's risk
//! level for cards that set one. Used by every path that creates a charge (payment intents
//! and the legacy Charges API), so a test card reads the same on both.

use serde_json::{Value, json};

use crate::cards::{Behaviour, Decline};
use crate::error::StripeError;

/// Turns `charge` into a failed charge for decline `d` and returns the card error (402).
pub(crate) fn fail(charge: &mut Value, d: Decline) -> StripeError {
    let err = d.error(None);
    let body = err.body()["error"].clone();
    charge["status"] = json!("failed");
    charge["paid"] = json!(false);
    charge["captured"] = json!(false);
    charge["amount_captured"] = json!(0);
    charge["balance_transaction"] = Value::Null;
    charge["failure_code"] = body["code"].clone();
    charge["failure_message"] = body["message"].clone();
    let blocked = d == Decline::RadarBlock;
    charge["outcome"] = json!({
        "advice_code": null,
        "network_advice_code": null,
        "network_decline_code": null,
        "network_status": if blocked { "not_sent_to_network" } else { "declined_by_network" },
        "reason": if blocked { json!("highest_risk_level") } else { body["decline_code"].clone() },
        "risk_level": if blocked { "highest" } else { "normal" },
        "risk_score": if blocked { 95 } else { 20 },
        "seller_message": if blocked {
            "Stripe blocked this payment as too risky."
        } else {
            "The bank did not return any further details with this decline."
        },
        "type": if blocked { "blocked" } else { "issuer_declined" },
    });
    err
}

/// Sets the Radar risk of a successful charge from its card (only the elevated-risk card
/// changes anything; the score is a guess, see `simulator/docs/guesses.md`).
pub(crate) fn approve(charge: &mut Value, behaviour: Behaviour) {
    if behaviour == Behaviour::ElevatedRisk {
        charge["outcome"]["risk_level"] = json!("elevated");
        charge["outcome"]["risk_score"] = json!(65);
        charge["outcome"]["reason"] = json!("elevated_risk_level");
    }
}
