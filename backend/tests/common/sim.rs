//! The real Stripe simulator (`stripe-sim`, a dev-dependency only: the backend never depends
//! on it at run time), started in this test process: a fresh account (its own `sk_test_…`
//! key) with the BASIC and PRO prices created through the API, as ops create them in the
//! Dashboard. Tests that need Stripe's behaviour use it; the hand-written stand-in in
//! `common/mod.rs` remains only where a test must seed an object in a state no flow of the
//! simulator produces, or count Stripe calls.

use serde_json::{Value, json};

/// A running simulator and one account on it.
pub struct Sim {
    /// The API base (`http://127.0.0.1:…`).
    pub base_url: String,
    /// The account's secret key.
    pub key: String,
    /// `price_…` of BASIC monthly.
    pub basic_monthly: String,
    /// `price_…` of PRO monthly.
    pub pro_monthly: String,
    http: reqwest::Client,
    running: Option<stripe_sim::RunningSimulator>,
}

impl Sim {
    /// Starts the simulator on a free port and creates the plans' products and prices.
    pub async fn start() -> Sim {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = stripe_sim::start(listener, stripe_sim::SimOptions::default())
            .await
            .expect("the simulator starts");
        let mut sim = Sim {
            base_url: running.base_url.clone(),
            key: format!("sk_test_backend{}", rand::random::<u64>()),
            basic_monthly: String::new(),
            pro_monthly: String::new(),
            http: reqwest::Client::new(),
            running: Some(running),
        };
        sim.basic_monthly = sim.price("BASIC", 900).await;
        sim.pro_monthly = sim.price("PRO", 2900).await;
        sim
    }

    /// A monthly USD price of a new product named `name`.
    async fn price(&self, name: &str, amount: i64) -> String {
        let product = self.post("/v1/products", &[("name", name)]).await;
        let product = product["id"].as_str().expect("a product id");
        let amount = amount.to_string();
        let price = self
            .post(
                "/v1/prices",
                &[
                    ("product", product),
                    ("unit_amount", &amount),
                    ("currency", "usd"),
                    ("recurring[interval]", "month"),
                ],
            )
            .await;
        price["id"].as_str().expect("a price id").to_string()
    }

    /// The variables that point the backend at this account (merged over the defaults).
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("STRIPE_API_BASE", self.base_url.clone()),
            ("STRIPE_SECRET_KEY", self.key.clone()),
            (
                "STRIPE_PLAN_PRICE_MAPPING_TEST",
                json!({"basic": {"monthly": self.basic_monthly},
                       "pro": {"monthly": self.pro_monthly}})
                .to_string(),
            ),
        ]
    }

    /// `POST path` with a form body, as Stripe's SDKs send it; panics unless 2xx.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let r = self
            .http
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(&self.key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {v}");
        v
    }

    /// `GET path`; panics unless 2xx.
    pub async fn get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}{path}", self.base_url))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "GET {path}: {status} {v}");
        v
    }

    /// Pays Checkout session `cs` on its hosted page with `card` (a test card number).
    pub async fn pay(&self, cs: &str, card: &str) {
        let r = self
            .http
            .post(format!("{}/_sim/checkout/sessions/{cs}/pay", self.base_url))
            .bearer_auth(&self.key)
            .json(&json!({"card_number": card}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "paying {cs}: {}", r.status());
    }

    /// Stops the simulator.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }
}
