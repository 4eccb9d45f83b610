//! Builders for the billing objects (API version `2026-10-28.endive` shapes, after Stripe's
//! own example objects): payment method, subscription and its items, invoice and its lines,
//! payment intent, charge. Pure functions of their inputs so Checkout, the subscriptions API
//! and renewals build identical shapes.

pub(crate) mod card_source;
pub(crate) mod invoice_item;
pub(crate) mod setup_intent;

use serde_json::{Map, Value, json};

use crate::cards::ResolvedCard;
use crate::ids::{new_id, random_base62};
use crate::time::clock::{Interval, add_interval, year_of};

pub(crate) mod status;

use status::{InvoiceStatus, PaymentIntentStatus, SubscriptionStatus};

/// A card payment method attached to `customer`.
pub(crate) fn payment_method(
    card: &ResolvedCard,
    customer: Option<&str>,
    email: Option<&str>,
    now: i64,
) -> Value {
    json!({
        "id": new_id("pm_"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {
            "address": {"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null},
            "email": email,
            "name": null,
            "phone": null,
            "tax_id": null,
        },
        "card": {
            "brand": card.brand,
            "checks": {
                "address_line1_check": card.checks.line1,
                "address_postal_code_check": card.checks.postal,
                "cvc_check": card.checks.cvc,
            },
            "country": card.country,
            "display_brand": card.brand,
            "exp_month": 12,
            "exp_year": year_of(now) + 3,
            // Stable per card number within the simulator (Stripe's is stable per number too).
            "fingerprint": fingerprint(&card.number),
            "funding": card.funding,
            "generated_from": null,
            "last4": card.last4,
            "networks": {"available": [card.brand], "preferred": null},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": true},
            "wallet": null,
        },
        "created": now,
        "customer": customer,
        "customer_account": null,
        "livemode": false,
        "metadata": {},
        "type": "card",
    })
}

fn fingerprint(number: &str) -> String {
    // FNV-1a, rendered base62-ish: only needs to be stable and opaque.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in number.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..16)
        .map(|i| alphabet[((h >> (i * 4)) % 62) as usize] as char)
        .collect()
}

/// The legacy `plan` view of a recurring price, as subscription items still carry it.
pub(crate) fn plan_of(price: &Value) -> Value {
    json!({
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "interval": price["recurring"]["interval"],
        "interval_count": price["recurring"]["interval_count"],
        "livemode": false,
        "metadata": price["metadata"],
        "meter": null,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": null,
        "transform_usage": null,
        "trial_period_days": null,
        "usage_type": "licensed",
    })
}

/// The end of the period that starts at `start` for a recurring `price`.
pub(crate) fn period_end(price: &Value, start: i64) -> i64 {
    let interval = price["recurring"]["interval"]
        .as_str()
        .and_then(Interval::parse)
        .unwrap_or(Interval::Month);
    let count = price["recurring"]["interval_count"].as_i64().unwrap_or(1);
    add_interval(start, interval, count)
}

/// The earliest `current_period_end` of a subscription's items.
pub(crate) fn subscription_period_end(sub: &Value) -> Option<i64> {
    sub["items"]["data"]
        .as_array()?
        .iter()
        .filter_map(|i| i["current_period_end"].as_i64())
        .min()
}

/// The start of a subscription's current period.
pub(crate) fn subscription_period_start(sub: &Value) -> Option<i64> {
    sub["items"]["data"]
        .as_array()?
        .iter()
        .filter_map(|i| i["current_period_start"].as_i64())
        .min()
}

/// Inputs of a new subscription.
#[derive(Debug, Clone)]
pub(crate) struct NewSubscription<'a> {
    /// `sub_…` (chosen by the caller so the invoice can refer to it first).
    pub(crate) id: &'a str,
    /// `cus_…`
    pub(crate) customer: &'a str,
    /// (price object, quantity) per item.
    pub(crate) items: &'a [(Value, i64)],
    /// `pm_…`
    pub(crate) default_payment_method: Option<&'a str>,
    /// `in_…` of the first invoice.
    pub(crate) latest_invoice: Option<&'a str>,
    /// Subscription metadata.
    pub(crate) metadata: Value,
    /// Subscription description.
    pub(crate) description: Option<&'a str>,
    /// Status (`incomplete` until the first invoice is paid).
    pub(crate) status: SubscriptionStatus,
    /// Current time; the first period starts here.
    pub(crate) now: i64,
}

/// A subscription item (no metadata) for `price` × `quantity` over `period`
/// (start, end) — the one place items are built, at creation and when an update adds one.
pub(crate) fn subscription_item(
    subscription: &str,
    price: &Value,
    quantity: i64,
    period: (Value, Value),
    now: i64,
) -> Value {
    json!({
        "id": new_id("si_"),
        "object": "subscription_item",
        "billing_thresholds": null,
        "created": now,
        "current_period_end": period.1,
        "current_period_start": period.0,
        "current_trial": null,
        "discounts": [],
        "metadata": {},
        "plan": plan_of(price),
        "price": price,
        "quantity": quantity,
        "subscription": subscription,
        "tax_rates": [],
    })
}

/// A subscription with its items and their periods.
pub(crate) fn subscription(s: &NewSubscription<'_>) -> Value {
    let items: Vec<Value> = s
        .items
        .iter()
        .map(|(price, qty)| {
            let period = (json!(s.now), json!(period_end(price, s.now)));
            subscription_item(s.id, price, *qty, period, s.now)
        })
        .collect();
    let currency = s
        .items
        .first()
        .map(|(p, _)| p["currency"].clone())
        .unwrap_or(json!("usd"));
    json!({
        "id": s.id,
        "object": "subscription",
        "application": null,
        "application_fee_percent": null,
        "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null},
        "billing_cycle_anchor": s.now,
        "billing_cycle_anchor_config": null,
        "billing_mode": {"flexible": null, "type": "classic"},
        "billing_schedules": [],
        "billing_thresholds": null,
        "cancel_at": null,
        "cancel_at_period_end": false,
        "canceled_at": null,
        "cancellation_details": {"comment": null, "feedback": null, "feedback_option": null, "reason": null},
        "collection_method": "charge_automatically",
        "created": s.now,
        "currency": currency,
        "customer": s.customer,
        "customer_account": null,
        "days_until_due": null,
        "default_payment_method": s.default_payment_method,
        "default_source": null,
        "default_tax_rates": [],
        "description": s.description,
        "discounts": [],
        "ended_at": null,
        "invoice_settings": {"account_tax_ids": null, "custom_fields": null, "description": null, "footer": null, "issuer": {"type": "self"}},
        "items": {
            "object": "list",
            "data": items,
            "has_more": false,
            "total_count": s.items.len(),
            "url": format!("/v1/subscription_items?subscription={}", s.id),
        },
        "latest_invoice": s.latest_invoice,
        "livemode": false,
        "managed_payments": null,
        "metadata": s.metadata,
        "next_pending_invoice_item_invoice": null,
        "on_behalf_of": null,
        "pause_collection": null,
        "payment_settings": {
            "payment_method_options": null,
            "payment_method_types": null,
            "save_default_payment_method": "on_subscription",
        },
        "pending_invoice_item_interval": null,
        "pending_setup_intent": null,
        "pending_update": null,
        "schedule": null,
        "start_date": s.now,
        "status": s.status,
        "test_clock": null,
        "transfer_data": null,
        "trial_end": null,
        "trial_settings": {"end_behavior": {"billing_cycle_anchor": null, "missing_payment_method": "create_invoice"}},
        "trial_start": null,
    })
}

/// A draft invoice for `subscription` (`billing_reason` such as `subscription_create`),
/// one line per subscription item, covering the items' current periods. `product_name`
/// looks up a product's name for the line descriptions ("1 × Basic (at $20.00 / month)").
pub(crate) fn subscription_invoice(
    id: &str,
    subscription: &Value,
    customer: &Value,
    billing_reason: &str,
    now: i64,
    product_name: impl Fn(&str) -> Option<String>,
) -> Value {
    let sub_id = subscription["id"].as_str().unwrap_or_default();
    let currency = subscription["currency"].clone();
    let mut total = 0i64;
    let lines: Vec<Value> = subscription["items"]["data"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|item| {
            let qty = item["quantity"].as_i64().unwrap_or(1);
            let unit = item["price"]["unit_amount"].as_i64().unwrap_or(0);
            let amount = unit * qty;
            total += amount;
            json!({
                "id": new_id("il_"),
                "object": "line_item",
                "amount": amount,
                "currency": currency,
                "description": format!(
                    "{qty} × {} (at {} / {})",
                    item["price"]["product"].as_str().and_then(&product_name).unwrap_or_else(|| "Subscription".into()),
                    money(unit, currency.as_str().unwrap_or("usd")),
                    item["price"]["recurring"]["interval"].as_str().unwrap_or("month")
                ),
                "discount_amounts": [],
                "discountable": true,
                "discounts": [],
                "invoice": id,
                "livemode": false,
                "metadata": {},
                "parent": {
                    "invoice_item_details": null,
                    "subscription_item_details": {
                        "invoice_item": null,
                        "proration": false,
                        "proration_details": {"credited_items": null},
                        "subscription": sub_id,
                        "subscription_item": item["id"],
                    },
                    "type": "subscription_item_details",
                },
                "period": {"end": item["current_period_end"], "start": item["current_period_start"]},
                "pretax_credit_amounts": [],
                "pricing": {
                    "price_details": {"price": item["price"]["id"], "product": item["price"]["product"]},
                    "type": "price_details",
                    "unit_amount_decimal": item["price"]["unit_amount_decimal"],
                },
                "quantity": qty,
                "quantity_decimal": qty.to_string(),
                "subscription": sub_id,
                "subtotal": amount,
                "taxes": [],
            })
        })
        .collect();
    json!({
        "id": id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Stripe Simulator",
        "account_tax_ids": null,
        "amount_due": total,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_remaining": total,
        "amount_shipping": 0,
        "application": null,
        "attempt_count": 0,
        "attempted": false,
        "auto_advance": true,
        "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null, "provider": null, "status": null},
        "automatically_finalizes_at": null,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "custom_fields": null,
        "customer": customer["id"],
        "customer_account": null,
        "customer_address": null,
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": customer["phone"],
        "customer_shipping": null,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": null,
        "default_source": null,
        "default_tax_rates": [],
        "description": null,
        "discounts": [],
        "due_date": null,
        "effective_at": null,
        "ending_balance": null,
        "footer": null,
        "from_invoice": null,
        "hosted_invoice_url": null,
        "invoice_pdf": null,
        "issuer": {"type": "self"},
        "last_finalization_error": null,
        "latest_revision": null,
        "lines": {
            "object": "list",
            "data": lines,
            "has_more": false,
            "total_count": subscription["items"]["data"].as_array().map_or(0, Vec::len),
            "url": format!("/v1/invoices/{id}/lines"),
        },
        "livemode": false,
        "metadata": {},
        "next_payment_attempt": null,
        "number": null,
        "on_behalf_of": null,
        "parent": {
            "quote_details": null,
            "subscription_details": {"metadata": subscription["metadata"], "subscription": sub_id},
            "type": "subscription_details",
        },
        "payment_settings": {"default_mandate": null, "payment_method_options": null, "payment_method_types": null},
        "period_end": now,
        "period_start": now,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": null,
        "rendering": null,
        "shipping_cost": null,
        "shipping_details": null,
        "starting_balance": 0,
        "statement_descriptor": null,
        "status": InvoiceStatus::Draft,
        "status_transitions": {"finalized_at": null, "marked_uncollectible_at": null, "paid_at": null, "voided_at": null},
        "subscription": sub_id,
        "subtotal": total,
        "subtotal_excluding_tax": total,
        "test_clock": null,
        "total": total,
        "total_discount_amounts": [],
        "total_excluding_tax": total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": null,
    })
}

/// A payment intent for an invoice.
pub(crate) fn payment_intent(
    amount: i64,
    currency: &Value,
    customer: &str,
    payment_method: &str,
    description: &str,
    now: i64,
) -> Value {
    let id = new_id("pi_");
    json!({
        "id": id,
        "object": "payment_intent",
        "allowed_payment_method_types": null,
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": null,
        "application_fee_amount": null,
        "automatic_payment_methods": null,
        "canceled_at": null,
        "cancellation_reason": null,
        "capture_method": "automatic",
        "client_secret": format!("{id}_secret_{}", random_base62(24)),
        "confirmation_method": "automatic",
        "created": now,
        "currency": currency,
        "customer": customer,
        "customer_account": null,
        "description": description,
        "excluded_payment_method_types": null,
        "last_payment_error": null,
        "latest_charge": null,
        "livemode": false,
        "managed_payments": null,
        "metadata": {},
        "next_action": null,
        "on_behalf_of": null,
        "payment_method": payment_method,
        "payment_method_configuration_details": null,
        "payment_method_options": {"card": {"installments": null, "mandate_options": null, "network": null, "request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_record": null,
        "processing": null,
        "receipt_email": null,
        "review": null,
        "setup_future_usage": "off_session",
        "shipping": null,
        "source": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": PaymentIntentStatus::RequiresConfirmation,
        "transfer_data": null,
        "transfer_group": null,
    })
}

/// A successful card charge for a payment intent.
pub(crate) fn charge(pi: &Value, pm: &Value, now: i64) -> Value {
    let id = new_id("ch_");
    json!({
        "id": id,
        "object": "charge",
        "amount": pi["amount"],
        "amount_captured": pi["amount"],
        "amount_refunded": 0,
        "application": null,
        "application_fee": null,
        "application_fee_amount": null,
        "balance_transaction": new_id("txn_"),
        "billing_details": pm["billing_details"],
        "calculated_statement_descriptor": "STRIPE SIMULATOR",
        "captured": true,
        "created": now,
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": pi["description"],
        "disputed": false,
        "failure_balance_transaction": null,
        "failure_code": null,
        "failure_message": null,
        "fraud_details": {},
        "livemode": false,
        "metadata": {},
        "on_behalf_of": null,
        "outcome": {
            "advice_code": null,
            "network_advice_code": null,
            "network_decline_code": null,
            "network_status": "approved_by_network",
            "reason": null,
            "risk_level": "normal",
            "risk_score": 20,
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": true,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": {
            "card": {
                "amount_authorized": pi["amount"],
                "authorization_code": null,
                "brand": pm["card"]["brand"],
                "checks": pm["card"]["checks"],
                "country": pm["card"]["country"],
                "electronic_commerce_indicator": null,
                "exp_month": pm["card"]["exp_month"],
                "exp_year": pm["card"]["exp_year"],
                "fingerprint": pm["card"]["fingerprint"],
                "funding": pm["card"]["funding"],
                "installments": null,
                "last4": pm["card"]["last4"],
                "mandate": null,
                "network": pm["card"]["brand"],
                "network_token": {"used": false},
                "network_transaction_id": random_base62(15),
                "regulated_status": "unregulated",
                "three_d_secure": null,
                "transaction_link_id": null,
                "wallet": null,
            },
            "type": "card",
        },
        "receipt_email": null,
        "receipt_number": null,
        "receipt_url": null,
        "refunded": false,
        "refunds": {"object": "list", "data": [], "has_more": false, "total_count": 0, "url": format!("/v1/charges/{id}/refunds")},
        "review": null,
        "shipping": null,
        "source": null,
        "source_transfer": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": "succeeded",
        "transfer_data": null,
        "transfer_group": null,
    })
}

/// Formats minor units for people: `2000, "usd"` → `$20.00`, `1500, "eur"` → `15.00 EUR`.
/// Zero-decimal currencies (jpy, krw, …) have no fraction.
pub(crate) fn money(amount: i64, currency: &str) -> String {
    const ZERO_DECIMAL: &[&str] = &[
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
        "xaf", "xof", "xpf",
    ];
    let cur = currency.to_ascii_lowercase();
    let n = if ZERO_DECIMAL.contains(&cur.as_str()) {
        amount.to_string()
    } else {
        let sign = if amount < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", amount.abs() / 100, amount.abs() % 100)
    };
    match cur.as_str() {
        "usd" => format!("${n}"),
        "eur" => format!("€{n}"),
        "gbp" => format!("£{n}"),
        _ => format!("{n} {}", cur.to_ascii_uppercase()),
    }
}

/// Old values of the top-level keys that differ between `old` and `new`
/// (`previous_attributes` of `*.updated` events).
pub(crate) fn previous_attributes(old: &Value, new: &Value) -> Value {
    let mut prev = Map::new();
    if let (Value::Object(o), Value::Object(n)) = (old, new) {
        for (k, v) in o {
            if n.get(k) != Some(v) {
                prev.insert(k.clone(), v.clone());
            }
        }
        for k in n.keys() {
            if !o.contains_key(k) {
                prev.insert(k.clone(), Value::Null);
            }
        }
    }
    Value::Object(prev)
}

#[cfg(test)]
mod tests;
