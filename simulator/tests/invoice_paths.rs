//! Every way of paying a subscription's first invoice runs the same invoice code
//! (`engine::invoices::collect`): paying a Checkout Session, `POST /v1/subscriptions` with a
//! good card, and `POST /v1/invoices/{id}/pay` after `payment_behavior=default_incomplete`.
//! The paid invoices must agree on every field but ids, times and the customer's details,
//! and so must their payment intents. Checkout once set these fields by a copy of its own,
//! which had already drifted (`next_payment_attempt` never reset, `attempt_count` fixed at 1).

use axum::http::StatusCode;
use serde_json::{Value, json};
use stripe_sim::{RunningSimulator, SimOptions, start};

async fn sim() -> RunningSimulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    start(listener, SimOptions::default()).await.expect("start")
}

struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    fn new(sim: &RunningSimulator) -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Api {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: sim.base_url.clone(),
            key: format!("sk_test_{}", stripe_sim::ids::random_base62(20)),
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut rb = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if method == reqwest::Method::POST {
            rb = rb
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let r = rb.send().await.expect("send");
        let status = StatusCode::from_u16(r.status().as_u16()).expect("status");
        (status, r.json().await.expect("json"))
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, form).await
    }

    async fn ok(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (s, v) = self.post(path, form).await;
        assert_eq!(s, StatusCode::OK, "POST {path} {form:?}: {v}");
        v
    }

    async fn get_ok(&self, path: &str) -> Value {
        let (s, v) = self.send(reqwest::Method::GET, path, &[]).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
        v
    }
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

/// The invoice with everything that differs between two equivalent payments blanked: ids,
/// numbers, times, and the customer's own fields.
fn comparable(mut v: Value) -> Value {
    fn blank(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    let volatile = k == "id"
                        || k.ends_with("_at")
                        || k.starts_with("period")
                        || k.starts_with("current_period")
                        || [
                            "created",
                            "number",
                            "customer",
                            "customer_email",
                            "customer_name",
                            "effective_at",
                            "subscription",
                            "invoice",
                            "subscription_item",
                            "latest_charge",
                            "payment_method",
                            "price",
                            "product",
                            "start",
                            "end",
                            "client_secret",
                            "url",
                        ]
                        .contains(&k.as_str());
                    if volatile && !x.is_null() {
                        *x = json!("<varies>");
                    } else {
                        blank(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(blank),
            _ => {}
        }
    }
    blank(&mut v);
    v
}

async fn price(api: &Api) -> String {
    let product = api.ok("/v1/products", &[("name", "Pro")]).await;
    let price = api
        .ok(
            "/v1/prices",
            &[
                ("product", &id(&product)),
                ("unit_amount", "2000"),
                ("currency", "usd"),
                ("recurring[interval]", "month"),
            ],
        )
        .await;
    id(&price)
}

async fn customer_with_card(api: &Api) -> (String, String) {
    let cus = api
        .ok(
            "/v1/customers",
            &[
                ("email", "ada@example.com"),
                ("payment_method", "pm_card_visa"),
                ("invoice_settings[default_payment_method]", "pm_card_visa"),
            ],
        )
        .await;
    let pm = cus["invoice_settings"]["default_payment_method"]
        .as_str()
        .expect("default pm")
        .to_string();
    (id(&cus), pm)
}

/// The paid invoice and its payment intent.
async fn paid(api: &Api, invoice: &str) -> (Value, Value) {
    let inv = api.get_ok(&format!("/v1/invoices/{invoice}")).await;
    assert_eq!(inv["status"], "paid", "{inv}");
    let intents = api
        .get_ok(&format!(
            "/v1/payment_intents?customer={}",
            inv["customer"].as_str().expect("customer")
        ))
        .await;
    let pi = intents["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|pi| pi["status"] == "succeeded")
        .cloned()
        .expect("a succeeded payment intent");
    (comparable(inv), comparable(pi))
}

#[tokio::test]
async fn checkout_api_creation_and_invoice_pay_leave_the_same_paid_invoice() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let price = price(&api).await;

    // Checkout.
    let session = api
        .ok(
            "/v1/checkout/sessions",
            &[
                ("mode", "subscription"),
                ("line_items[0][price]", &price),
                ("success_url", "https://app.example/ok"),
                ("customer_email", "eve@example.com"),
            ],
        )
        .await;
    api.ok(
        &format!("/_sim/checkout/sessions/{}/pay", id(&session)),
        &[("card_number", "4242424242424242")],
    )
    .await;
    let session = api
        .get_ok(&format!("/v1/checkout/sessions/{}", id(&session)))
        .await;
    let checkout = paid(&api, session["invoice"].as_str().expect("invoice")).await;

    // POST /v1/subscriptions with a good card.
    let (cus, _) = customer_with_card(&api).await;
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[("customer", &cus), ("items[0][price]", &price)],
        )
        .await;
    let created = paid(&api, sub["latest_invoice"].as_str().expect("invoice")).await;

    // default_incomplete, then POST /v1/invoices/{id}/pay.
    let (cus, pm) = customer_with_card(&api).await;
    let sub = api
        .ok(
            "/v1/subscriptions",
            &[
                ("customer", &cus),
                ("items[0][price]", &price),
                ("payment_behavior", "default_incomplete"),
            ],
        )
        .await;
    let invoice = sub["latest_invoice"].as_str().expect("invoice").to_string();
    let open = api.get_ok(&format!("/v1/invoices/{invoice}")).await;
    assert_eq!(open["status"], "open");
    assert_eq!(open["attempt_count"], 0);
    api.ok(
        &format!("/v1/invoices/{invoice}/pay"),
        &[("payment_method", &pm)],
    )
    .await;
    let paid_later = paid(&api, &invoice).await;

    for (name, (inv, pi)) in [
        ("POST /v1/subscriptions", &created),
        ("invoices/pay", &paid_later),
    ] {
        assert_eq!(&checkout.0, inv, "Checkout's invoice differs from {name}'s");
        assert_eq!(
            &checkout.1, pi,
            "Checkout's payment intent differs from {name}'s"
        );
    }
    let inv = &checkout.0;
    assert_eq!(inv["attempt_count"], 1);
    assert_eq!(inv["attempted"], true);
    assert_eq!(inv["next_payment_attempt"], Value::Null);
    assert_eq!(inv["amount_remaining"], 0);
    assert_eq!(checkout.1["description"], "Subscription creation");
    sim.shutdown().await;
}
