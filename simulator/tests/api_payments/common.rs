//! Helpers of the payment tests: a simulator on 127.0.0.1:0, an API client, customers with
//! a card, prices, a paid payment intent.

use axum::http::StatusCode;
use serde_json::Value;
use stripe_sim::{RunningSimulator, SimOptions, start};

pub async fn sim() -> RunningSimulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    start(listener, SimOptions::default()).await.expect("start")
}

pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub key: String,
}

impl Api {
    pub fn new(sim: &RunningSimulator) -> Api {
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

    pub async fn send(
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

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, form).await
    }

    pub async fn ok(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (s, v) = self.post(path, form).await;
        assert_eq!(s, StatusCode::OK, "POST {path} {form:?}: {v}");
        v
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, &[]).await
    }

    pub async fn get_ok(&self, path: &str) -> Value {
        let (s, v) = self.get(path).await;
        assert_eq!(s, StatusCode::OK, "GET {path}: {v}");
        v
    }

    /// Event types, oldest first.
    pub async fn event_types(&self) -> Vec<String> {
        let v = self.get_ok("/v1/events?limit=100").await;
        let mut t: Vec<String> = v["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|e| e["type"].as_str().expect("type").to_string())
            .collect();
        t.reverse();
        t
    }
}

pub fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

pub async fn customer_with_card(api: &Api, pm: &str) -> (String, String) {
    let cus = api
        .ok(
            "/v1/customers",
            &[
                ("email", "ada@example.com"),
                ("payment_method", pm),
                ("invoice_settings[default_payment_method]", pm),
            ],
        )
        .await;
    let pm = cus["invoice_settings"]["default_payment_method"]
        .as_str()
        .expect("default pm")
        .to_string();
    (id(&cus), pm)
}

pub async fn price(api: &Api, amount: &str) -> (String, String) {
    let product = api.ok("/v1/products", &[("name", "Pro")]).await;
    let price = api
        .ok(
            "/v1/prices",
            &[
                ("product", &id(&product)),
                ("unit_amount", amount),
                ("currency", "usd"),
                ("recurring[interval]", "month"),
            ],
        )
        .await;
    (id(&product), id(&price))
}

pub async fn paid_intent(api: &Api, pm: &str) -> Value {
    api.ok(
        "/v1/payment_intents",
        &[
            ("amount", "2000"),
            ("currency", "usd"),
            ("payment_method", pm),
            ("confirm", "true"),
        ],
    )
    .await
}
