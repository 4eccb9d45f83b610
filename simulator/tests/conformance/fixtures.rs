//! One object of every resource the contract covers, made through the API as a user would,
//! and the ids the parameter examples need.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::client::Client;

/// One resource under test.
pub struct Fixture {
    /// The contract's name (`checkout.session`).
    pub resource: &'static str,
    /// The collection path (`/v1/checkout/sessions`).
    pub path: &'static str,
    /// The object's id.
    pub id: String,
    /// The object as retrieved (or, without a retrieve route, as created).
    pub object: Value,
    /// Whether `GET {path}/{id}` exists.
    pub retrievable: bool,
    /// The smallest valid create request, when the resource is created through the API.
    pub create_base: Value,
}

/// Every fixture, plus `name → id` substitutions for parameter examples.
pub struct Fixtures {
    pub all: Vec<Fixture>,
    pub ids: BTreeMap<&'static str, String>,
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

async fn first(c: &Client, path: &str, query: Value) -> Value {
    let a = c.get(path, &query).await;
    assert_eq!(a.status, 200, "GET {path}: {}", a.body);
    a.body["data"][0].clone()
}

/// Makes one object of each resource.
pub async fn make(c: &Client) -> Fixtures {
    let product_base = json!({"name": "Conformance"});
    let product = c.ok("/v1/products", &product_base).await;
    let price_base = json!({"currency": "usd", "unit_amount": 1500, "product": id(&product),
        "recurring": {"interval": "month"}});
    let price = c.ok("/v1/prices", &price_base).await;
    let customer = c
        .ok(
            "/v1/customers",
            &json!({"email": "ada@example.com", "payment_method": "pm_card_visa",
                "invoice_settings": {"default_payment_method": "pm_card_visa"}}),
        )
        .await;
    let pm_base = json!({"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
        "exp_year": 2034, "cvc": "123"}});
    let pm = c.ok("/v1/payment_methods", &pm_base).await;
    let pi_base = json!({"amount": 2000, "currency": "usd"});
    let pi = c
        .ok(
            "/v1/payment_intents",
            &json!({"amount": 2000, "currency": "usd", "customer": id(&customer),
                "payment_method": "pm_card_visa", "confirm": true}),
        )
        .await;
    let charge_id = pi["latest_charge"]
        .as_str()
        .expect("latest_charge")
        .to_string();
    let refund_base = json!({"charge": charge_id, "amount": 1});
    let refund = c.ok("/v1/refunds", &refund_base).await;
    let dpi = c
        .ok(
            "/v1/payment_intents",
            &json!({"amount": 3000, "currency": "usd", "payment_method": "pm_card_createDispute",
                "confirm": true}),
        )
        .await;
    let dispute = first(c, "/v1/disputes", json!({"payment_intent": id(&dpi)})).await;
    let fpi = c
        .ok(
            "/v1/payment_intents",
            &json!({"amount": 3000, "currency": "usd",
                "payment_method": "pm_card_createIssuerFraudRecord", "confirm": true}),
        )
        .await;
    let efw = first(
        c,
        "/v1/radar/early_fraud_warnings",
        json!({"payment_intent": id(&fpi)}),
    )
    .await;
    let cs_base = json!({"mode": "subscription", "success_url": "https://app.example/ok",
        "line_items": [{"price": id(&price), "quantity": 1}]});
    let cs = c.ok("/v1/checkout/sessions", &cs_base).await;
    // A setup intent is made by saving a card in a setup-mode session.
    let setup_cs = c
        .ok(
            "/v1/checkout/sessions",
            &json!({"mode": "setup", "currency": "usd", "customer": id(&customer),
                "success_url": "https://app.example/ok"}),
        )
        .await;
    c.ok(
        &format!("/_sim/checkout/sessions/{}/pay", id(&setup_cs)),
        &json!({"card_number": "4242424242424242"}),
    )
    .await;
    let seti = first(c, "/v1/setup_intents", json!({"customer": id(&customer)})).await;
    let sub_base = json!({"customer": id(&customer), "items": [{"price": id(&price)}]});
    let sub = c.ok("/v1/subscriptions", &sub_base).await;
    // A plan change invoiced at once: an invoice with proration lines and its invoice items.
    let price2 = c
        .ok(
            "/v1/prices",
            &json!({"currency": "usd", "unit_amount": 4500, "product": id(&product),
                "recurring": {"interval": "month"}}),
        )
        .await;
    let sub = c
        .ok(
            &format!("/v1/subscriptions/{}", id(&sub)),
            &json!({"items": [{"id": id(&sub["items"]["data"][0]), "price": id(&price2)}],
                "proration_behavior": "always_invoice",
                "proration_date": sub["items"]["data"][0]["current_period_start"].as_i64().expect("start") + 1}),
        )
        .await;
    let invoice_id = sub["latest_invoice"].as_str().expect("latest_invoice");
    let item = first(c, "/v1/invoiceitems", json!({"invoice": invoice_id})).await;
    let cfg_base = json!({"features": {"invoice_history": {"enabled": true}}});
    let cfg = c.ok("/v1/billing_portal/configurations", &cfg_base).await;
    let bps_base = json!({"customer": id(&customer), "return_url": "https://app.example/account"});
    let bps = c.ok("/v1/billing_portal/sessions", &bps_base).await;
    let we_base = json!({"url": "https://hooks.example/stripe", "enabled_events": ["*"]});
    let we = c.ok("/v1/webhook_endpoints", &we_base).await;
    let event = first(c, "/v1/events", json!({"limit": 1})).await;
    let clock_base = json!({"frozen_time": 1_900_000_000});
    let clock = c.ok("/v1/test_helpers/test_clocks", &clock_base).await;

    let none = Value::Null;
    let made: Vec<(&'static str, &'static str, String, bool, Value)> = vec![
        ("product", "/v1/products", id(&product), true, product_base),
        ("price", "/v1/prices", id(&price), true, price_base),
        (
            "customer",
            "/v1/customers",
            id(&customer),
            true,
            json!({"email": "x@example.com"}),
        ),
        (
            "payment_method",
            "/v1/payment_methods",
            id(&pm),
            true,
            pm_base,
        ),
        (
            "payment_intent",
            "/v1/payment_intents",
            id(&pi),
            true,
            pi_base,
        ),
        (
            "charge",
            "/v1/charges",
            charge_id.clone(),
            true,
            json!({"amount": 1000, "currency": "usd", "source": "tok_visa"}),
        ),
        (
            "setup_intent",
            "/v1/setup_intents",
            id(&seti),
            true,
            none.clone(),
        ),
        ("refund", "/v1/refunds", id(&refund), true, refund_base),
        ("dispute", "/v1/disputes", id(&dispute), true, none.clone()),
        (
            "radar.early_fraud_warning",
            "/v1/radar/early_fraud_warnings",
            id(&efw),
            true,
            none.clone(),
        ),
        (
            "checkout.session",
            "/v1/checkout/sessions",
            id(&cs),
            true,
            cs_base,
        ),
        (
            "subscription",
            "/v1/subscriptions",
            id(&sub),
            true,
            sub_base,
        ),
        (
            "invoice",
            "/v1/invoices",
            invoice_id.to_string(),
            true,
            json!({"customer": id(&customer)}),
        ),
        (
            "invoiceitem",
            "/v1/invoiceitems",
            id(&item),
            true,
            json!({"customer": id(&customer)}),
        ),
        (
            "billing_portal.configuration",
            "/v1/billing_portal/configurations",
            id(&cfg),
            true,
            cfg_base,
        ),
        (
            "billing_portal.session",
            "/v1/billing_portal/sessions",
            id(&bps),
            false,
            bps_base,
        ),
        (
            "webhook_endpoint",
            "/v1/webhook_endpoints",
            id(&we),
            true,
            we_base,
        ),
        ("event", "/v1/events", id(&event), true, none),
        (
            "test_helpers.test_clock",
            "/v1/test_helpers/test_clocks",
            id(&clock),
            true,
            clock_base,
        ),
    ];
    let mut all = Vec::new();
    for (resource, path, oid, retrievable, create_base) in made {
        let object = if retrievable {
            let a = c.get(&format!("{path}/{oid}"), &Value::Null).await;
            assert_eq!(a.status, 200, "GET {path}/{oid}: {}", a.body);
            a.body
        } else {
            bps.clone()
        };
        all.push(Fixture {
            resource,
            path,
            id: oid,
            object,
            retrievable,
            create_base,
        });
    }
    let ids = BTreeMap::from([
        ("customer", id(&customer)),
        ("price", id(&price)),
        ("product", id(&product)),
        ("payment_method", "pm_card_visa".to_string()),
        ("default_payment_method", "pm_card_visa".to_string()),
        ("charge", charge_id),
        ("payment_intent", id(&pi)),
        ("subscription", id(&sub)),
        ("configuration", id(&cfg)),
        ("test_clock", id(&clock)),
        ("currency", "usd".to_string()),
        ("email", "ada@example.com".to_string()),
        ("customer_email", "ada@example.com".to_string()),
        ("receipt_email", "ada@example.com".to_string()),
        ("url", "https://hooks.example/x".to_string()),
        ("success_url", "https://app.example/ok".to_string()),
        ("cancel_url", "https://app.example/cancel".to_string()),
        ("return_url", "https://app.example/account".to_string()),
        ("country", "US".to_string()),
    ]);
    Fixtures { all, ids }
}
