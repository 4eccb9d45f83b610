//! The draft's text is exactly what building the customer as a `Value` and serializing it
//! gives (the way customers were built before the draft).

use super::*;

/// The customer built as a `Value`, with the draft's random parts (`id`, `invoice_prefix`)
/// and time.
fn reference(new: &NewCustomer, id: &str, prefix: &str, now: i64) -> Value {
    let mut obj = json!({
        "id": id,
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": now,
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": new.description,
        "discount": null,
        "email": new.email,
        "invoice_prefix": prefix,
        "invoice_settings": {
            "custom_fields": null,
            "default_payment_method": null,
            "footer": null,
            "rendering_options": null,
        },
        "livemode": false,
        "metadata": new.metadata,
        "name": new.name,
        "next_invoice_sequence": 1,
        "phone": new.phone,
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
    });
    if let Value::Object(d) = new.details.clone() {
        for (k, v) in d {
            match v {
                Value::Object(m) if k == "invoice_settings" => {
                    for (sk, sv) in m {
                        obj[k.as_str()][sk] = sv;
                    }
                }
                v => obj[k] = v,
            }
        }
    }
    if let Some((id, t)) = new.clock {
        obj["test_clock"] = json!(id);
        obj["created"] = json!(t);
    }
    obj
}

fn new_customer<'a>(details: Value, clock: Option<(&'a str, i64)>) -> NewCustomer<'a> {
    NewCustomer {
        email: Some("ada \"the\" <a@b.c>\u{e9}\n"),
        name: Some("Ada"),
        description: None,
        phone: Some("+33 1"),
        metadata: json!({"n": "1", "z\\": "\u{1}"}),
        details,
        clock,
    }
}

#[test]
fn the_text_is_the_value_serialized() {
    let cases = [
        json!({}),
        json!({"invoice_settings": {}}),
        json!({"invoice_settings": {"footer": "Thanks", "custom_fields": [{"name": "VAT", "value": "FR1"}]},
            "address": {"city": "Lyon", "country": null}, "balance": -500, "business_name": "Acme",
            "individual_name": null, "invoice_prefix": "ACME1", "next_invoice_sequence": 7,
            "tax_exempt": "exempt", "default_source": "card_1",
            "shipping": {"address": null, "name": "Ada", "phone": null}}),
        // Details the draft has no field for are set as given.
        json!({"invoice_settings": {"other": 1, "footer": "f"}, "zeta": true, "email": "x@y.z"}),
        json!({"invoice_settings": "replaced", "test_clock": "clock_other", "created": 5}),
    ];
    for details in cases {
        for clock in [None, Some(("clock_1", 1_700_000_000))] {
            let new = new_customer(details.clone(), clock);
            let shown = format!("{details} {clock:?}");
            let expected_new = new_customer(details.clone(), clock);
            let draft = Draft::new(1_234, new);
            let text = draft.text();
            let prefix = draft.invoice_prefix.as_str().expect("prefix").to_string();
            let expected = reference(&expected_new, &draft.id, &prefix, 1_234);
            assert_eq!(
                text,
                serde_json::to_string(&expected).expect("json"),
                "{shown}"
            );
            assert_eq!(draft.into_value(), expected, "{shown}");
        }
    }
}

#[test]
fn ids_and_prefixes_are_fresh() {
    let a = Draft::new(0, new_customer(json!({}), None));
    let b = Draft::new(0, new_customer(json!({}), None));
    assert!(a.id.starts_with("cus_") && a.id != b.id);
    let prefix = a.invoice_prefix.as_str().expect("prefix");
    assert_eq!(prefix.len(), 8);
    assert!(
        prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
}
