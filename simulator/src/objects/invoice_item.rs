//! Builders of invoice items (`invoiceitem`, API version `2026-10-28.endive`) and of the
//! invoice line an invoice item becomes once an invoice takes it. Only the proration items
//! of a subscription change are built here (`proration: true`, parent
//! `subscription_details`).

use serde_json::{Value, json};

use crate::ids::new_id;

/// What one proration invoice item is made of.
#[derive(Debug, Clone)]
pub(crate) struct NewProration<'a> {
    /// The subscription (its `customer`, `currency`, `id`, `test_clock`).
    pub(crate) subscription: &'a Value,
    /// The subscription item the proration is for (its `id`, `price`).
    pub(crate) item: &'a Value,
    /// The quantity prorated.
    pub(crate) quantity: i64,
    /// The prorated amount (negative for unused time).
    pub(crate) amount: i64,
    /// The line description ("Unused time on Basic after 15 Jun 2026").
    pub(crate) description: String,
    /// (start, end) of the time prorated: the proration date and the period's end.
    pub(crate) period: (i64, i64),
    /// For a credit: the invoice and line that billed the time now unused.
    pub(crate) credited: Option<(String, String)>,
}

/// A pending (`invoice: null`) proration invoice item.
pub(crate) fn proration_item(p: &NewProration<'_>) -> Value {
    let sub = p.subscription;
    let credited_items = match &p.credited {
        Some((invoice, line)) => json!({
            "invoice_line_item_details": {"invoice": invoice, "invoice_line_items": [line]},
            "type": "invoice_line_items",
        }),
        None => Value::Null,
    };
    json!({
        "id": new_id("ii_"),
        "object": "invoiceitem",
        "amount": p.amount,
        "currency": sub["currency"],
        "customer": sub["customer"],
        "customer_account": null,
        "date": p.period.0,
        "description": p.description,
        "discountable": false,
        "discounts": [],
        "invoice": null,
        "livemode": false,
        "metadata": {},
        "net_amount": p.amount,
        "parent": {
            "subscription_details": {"subscription": sub["id"], "subscription_item": p.item["id"]},
            "type": "subscription_details",
        },
        "period": {"end": p.period.1, "start": p.period.0},
        "pricing": {
            "price_details": {"price": p.item["price"]["id"], "product": p.item["price"]["product"]},
            "type": "price_details",
            "unit_amount_decimal": unit_decimal(p.amount, p.quantity),
        },
        "proration": true,
        "proration_details": {"credited_items": credited_items, "discount_amounts": []},
        "quantity": p.quantity,
        "quantity_decimal": p.quantity.to_string(),
        "tax_rates": [],
        "test_clock": sub["test_clock"],
    })
}

/// The prorated amount per unit, as a decimal string with at most 12 decimal places and no
/// trailing zeros (`-1000`, `333.333333333333`).
fn unit_decimal(amount: i64, quantity: i64) -> String {
    if quantity <= 1 || amount % quantity == 0 {
        return (amount / quantity.max(1)).to_string();
    }
    let scaled = (i128::from(amount) * 1_000_000_000_000) / i128::from(quantity);
    let sign = if scaled < 0 { "-" } else { "" };
    let abs = scaled.unsigned_abs();
    let frac = format!("{:012}", abs % 1_000_000_000_000);
    format!(
        "{sign}{}.{}",
        abs / 1_000_000_000_000,
        frac.trim_end_matches('0')
    )
}

/// The line of `invoice_id` that an invoice item becomes: parent
/// `subscription_item_details` naming the invoice item, `proration` as the item's.
pub(crate) fn line_of_item(item: &Value, invoice_id: &str) -> Value {
    let sub = &item["parent"]["subscription_details"];
    let credited = match &item["proration_details"]["credited_items"]["invoice_line_item_details"] {
        Value::Object(d) => {
            json!({"invoice": d["invoice"], "invoice_line_items": d["invoice_line_items"]})
        }
        _ => Value::Null,
    };
    json!({
        "id": new_id("il_"),
        "object": "line_item",
        "amount": item["amount"],
        "currency": item["currency"],
        "description": item["description"],
        "discount_amounts": [],
        "discountable": item["discountable"],
        "discounts": [],
        "invoice": invoice_id,
        "livemode": false,
        "metadata": item["metadata"],
        "parent": {
            "invoice_item_details": null,
            "subscription_item_details": {
                "invoice_item": item["id"],
                "proration": item["proration"],
                "proration_details": {"credited_items": credited},
                "subscription": sub["subscription"],
                "subscription_item": sub["subscription_item"],
            },
            "type": "subscription_item_details",
        },
        "period": item["period"],
        "pretax_credit_amounts": [],
        "pricing": item["pricing"],
        "quantity": item["quantity"],
        "quantity_decimal": item["quantity_decimal"],
        "subscription": sub["subscription"],
        "subtotal": item["amount"],
        "taxes": [],
    })
}

#[cfg(test)]
mod tests {
    use super::unit_decimal;

    #[test]
    fn unit_amounts_as_decimals() {
        assert_eq!(unit_decimal(-1000, 1), "-1000");
        assert_eq!(unit_decimal(3000, 2), "1500");
        assert_eq!(unit_decimal(1000, 3), "333.333333333333");
        assert_eq!(unit_decimal(-1001, 2), "-500.5");
    }
}
