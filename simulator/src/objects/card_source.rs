//! The legacy `card` object: a card made from a `tok_…` token, as `POST /v1/charges`
//! (`source`) and customer sources (`POST /v1/customers/{id}/sources`) use it.

use serde_json::{Value, json};

use crate::ids::new_id;

/// The name Stripe shows in a card object's `brand` (`Visa`, `MasterCard`, …) for a
/// payment method's `card.brand`.
pub(crate) fn brand_name(brand: &str) -> &'static str {
    match brand {
        "visa" => "Visa",
        "mastercard" => "MasterCard",
        "amex" => "American Express",
        "discover" => "Discover",
        "diners" => "Diners Club",
        "jcb" => "JCB",
        "unionpay" => "UnionPay",
        _ => "Unknown",
    }
}

/// A `card_…` object with the card details of `pm` (a payment method built by
/// `objects::payment_method`), belonging to `customer` if any.
pub(crate) fn card(pm: &Value, customer: Option<&str>) -> Value {
    let c = &pm["card"];
    json!({
        "id": new_id("card_"),
        "object": "card",
        "address_city": null,
        "address_country": null,
        "address_line1": null,
        "address_line1_check": c["checks"]["address_line1_check"],
        "address_line2": null,
        "address_state": null,
        "address_zip": null,
        "address_zip_check": c["checks"]["address_postal_code_check"],
        "allow_redisplay": "unspecified",
        "brand": brand_name(c["brand"].as_str().unwrap_or_default()),
        "country": c["country"],
        "customer": customer,
        "cvc_check": c["checks"]["cvc_check"],
        "dynamic_last4": null,
        "exp_month": c["exp_month"],
        "exp_year": c["exp_year"],
        "fingerprint": c["fingerprint"],
        "funding": c["funding"],
        "last4": c["last4"],
        "metadata": {},
        "name": null,
        "regulated_status": "unregulated",
        "tokenization_method": null,
        "wallet": null,
    })
}

/// The payment-method view of a card object, as the charge builder
/// (`objects::charge`) reads it: `id`, `billing_details` and `card`.
pub(crate) fn as_payment_method(card: &Value) -> Value {
    let brand = [
        "visa",
        "mastercard",
        "amex",
        "discover",
        "diners",
        "jcb",
        "unionpay",
    ]
    .into_iter()
    .find(|b| card["brand"] == brand_name(b))
    .unwrap_or("unknown");
    json!({
        "id": card["id"],
        "billing_details": {
            "address": {"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null},
            "email": null,
            "name": card["name"],
            "phone": null,
            "tax_id": null,
        },
        "card": {
            "brand": brand,
            "checks": {
                "address_line1_check": card["address_line1_check"],
                "address_postal_code_check": card["address_zip_check"],
                "cvc_check": card["cvc_check"],
            },
            "country": card["country"],
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "fingerprint": card["fingerprint"],
            "funding": card["funding"],
            "last4": card["last4"],
        },
    })
}
