use super::*;

#[test]
fn previous_attributes_lists_changed_keys() {
    let old = json!({"a": 1, "b": {"x": 1}, "c": 3});
    let new = json!({"a": 1, "b": {"x": 2}, "c": 3, "d": 4});
    assert_eq!(
        previous_attributes(&old, &new),
        json!({"b": {"x": 1}, "d": null})
    );
}

#[test]
fn money_formats() {
    assert_eq!(money(2000, "usd"), "$20.00");
    assert_eq!(money(1505, "eur"), "€15.05");
    assert_eq!(money(500, "jpy"), "500 JPY");
    assert_eq!(money(99, "chf"), "0.99 CHF");
}

#[test]
fn subscription_and_invoice_shapes() {
    let price = json!({"id": "price_1", "object": "price", "active": true, "unit_amount": 2000,
        "unit_amount_decimal": "2000", "currency": "usd", "product": "prod_1", "created": 1,
        "metadata": {}, "nickname": null, "recurring": {"interval": "month", "interval_count": 1}});
    let now = 1_769_860_800; // 2026-01-31T12:00:00Z
    let items = [(price, 2)];
    let sub = subscription(&NewSubscription {
        id: "sub_1",
        customer: "cus_1",
        items: &items,
        default_payment_method: Some("pm_1"),
        latest_invoice: Some("in_1"),
        metadata: json!({"user_id": "42"}),
        description: None,
        status: SubscriptionStatus::Incomplete,
        now,
    });
    let item = &sub["items"]["data"][0];
    assert_eq!(item["current_period_start"], now);
    assert_eq!(item["current_period_end"], 1_772_280_000);
    assert_eq!(item["plan"]["amount"], 2000);
    assert!(sub.get("current_period_end").is_none());
    let customer = json!({"id": "cus_1", "email": "a@b.c", "name": null, "phone": null});
    let inv = subscription_invoice("in_1", &sub, &customer, "subscription_create", now, |p| {
        (p == "prod_1").then(|| "Basic".to_string())
    });
    assert_eq!(
        inv["lines"]["data"][0]["description"],
        "2 × Basic (at $20.00 / month)"
    );
    assert_eq!(inv["amount_due"], 4000);
    assert_eq!(
        inv["parent"]["subscription_details"]["subscription"],
        "sub_1"
    );
    assert_eq!(
        inv["parent"]["subscription_details"]["metadata"]["user_id"],
        "42"
    );
    assert_eq!(inv["lines"]["data"][0]["period"]["end"], 1_772_280_000);
    assert_eq!(inv["subscription"], "sub_1");
}
