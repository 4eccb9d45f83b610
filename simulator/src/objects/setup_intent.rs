//! The SetupIntent object (`seti_…`), as Checkout's setup mode creates it: card only, for
//! off-session use, created `requires_payment_method` and then `succeeded`.

use serde_json::{Value, json};

use crate::ids::{new_id, random_base62};

/// A new setup intent for `customer` (if any), waiting for its payment method.
pub(crate) fn setup_intent(
    customer: Option<&str>,
    description: Option<&str>,
    metadata: Value,
    now: i64,
) -> Value {
    let id = new_id("seti_");
    json!({
        "id": id,
        "object": "setup_intent",
        "allowed_payment_method_types": null,
        "application": null,
        "automatic_payment_methods": null,
        "cancellation_reason": null,
        "client_secret": format!("{id}_secret_{}", random_base62(24)),
        "created": now,
        "customer": customer,
        "customer_account": null,
        "description": description,
        "excluded_payment_method_types": null,
        "flow_directions": null,
        "last_setup_error": null,
        "latest_attempt": null,
        "livemode": false,
        "mandate": null,
        "metadata": metadata,
        "next_action": null,
        "on_behalf_of": null,
        "payment_method": null,
        "payment_method_configuration_details": null,
        "payment_method_options": {"card": {"mandate_options": null, "network": null, "request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "single_use_mandate": null,
        "status": "requires_payment_method",
        "usage": "off_session",
    })
}
