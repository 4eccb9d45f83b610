//! The real Stripe simulator (`stripe-sim`, a dev-dependency only: the backend never depends
//! on it at run time), started in this test process: a fresh account (its own `sk_test_…`
//! key) with the BASIC and PRO prices created through the API, as ops create them in the
//! Dashboard. Every test that talks to Stripe talks to it: objects are made through its real
//! flows (customers, charges, subscriptions, Checkout) and its control plane (disputes, fraud
//! warnings, the clock), and the events the backend receives are the simulator's own.

use serde_json::{Value, json};
use stripe_sim::client::Control;

/// A running simulator and one account on it.
pub struct Sim {
    /// The API base (`http://127.0.0.1:…`).
    pub base_url: String,
    /// The account's secret key.
    pub key: String,
    /// `price_…` of BASIC monthly.
    pub basic_monthly: String,
    /// `price_…` of BASIC yearly.
    pub basic_yearly: String,
    /// `price_…` of PRO monthly.
    pub pro_monthly: String,
    /// The control plane (`/_sim/…`) of this account.
    pub control: Control,
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
        let key = format!("sk_test_backend{}", rand::random::<u64>());
        let mut sim = Sim {
            control: Control::new(&running.base_url, &key),
            base_url: running.base_url.clone(),
            key,
            basic_monthly: String::new(),
            basic_yearly: String::new(),
            pro_monthly: String::new(),
            http: reqwest::Client::new(),
            running: Some(running),
        };
        let (basic, basic_monthly) = sim.price(None, "BASIC", 900, "month").await;
        sim.basic_monthly = basic_monthly;
        sim.basic_yearly = sim.price(Some(&basic), "BASIC", 9000, "year").await.1;
        sim.pro_monthly = sim.price(None, "PRO", 2900, "month").await.1;
        sim
    }

    /// A USD price every `interval` of `product` (a new one named `name` when `None`):
    /// (product, price).
    async fn price(
        &self,
        product: Option<&str>,
        name: &str,
        amount: i64,
        interval: &str,
    ) -> (String, String) {
        let product = match product {
            Some(p) => p.to_string(),
            None => {
                let p = self.post("/v1/products", &[("name", name)]).await;
                p["id"].as_str().expect("a product id").to_string()
            }
        };
        let amount = amount.to_string();
        let price = self
            .post(
                "/v1/prices",
                &[
                    ("product", &product),
                    ("unit_amount", &amount),
                    ("currency", "usd"),
                    ("recurring[interval]", interval),
                ],
            )
            .await;
        let price = price["id"].as_str().expect("a price id").to_string();
        (product, price)
    }

    /// The variables that point the backend at this account (merged over the defaults).
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("STRIPE_API_BASE", self.base_url.clone()),
            ("STRIPE_SECRET_KEY", self.key.clone()),
            (
                "STRIPE_PLAN_PRICE_MAPPING_TEST",
                json!({"basic": {"monthly": self.basic_monthly, "yearly": self.basic_yearly},
                       "pro": {"monthly": self.pro_monthly}})
                .to_string(),
            ),
        ]
    }

    /// `POST path` with a form body, as Stripe's SDKs send it; panics unless 2xx.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (status, v) = self.send_form(path, form, None).await;
        assert!((200..300).contains(&status), "POST {path}: {status} {v}");
        v
    }

    /// `POST path` with an `Idempotency-Key`, as the backend sends it: a replay of a key the
    /// backend used answers the backend's first response. Returns the status and body.
    pub async fn post_keyed(&self, path: &str, form: &[(&str, &str)], key: &str) -> (u16, Value) {
        self.send_form(path, form, Some(key)).await
    }

    async fn send_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        key: Option<&str>,
    ) -> (u16, Value) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut req = self
            .http
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(&self.key)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let r = req.body(body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// `GET path`; panics unless 2xx.
    pub async fn get(&self, path: &str) -> Value {
        self.bodiless(reqwest::Method::GET, path).await
    }

    /// `DELETE path`; panics unless 2xx.
    pub async fn delete(&self, path: &str) -> Value {
        self.bodiless(reqwest::Method::DELETE, path).await
    }

    /// A request without a body; panics unless 2xx.
    async fn bodiless(&self, method: reqwest::Method, path: &str) -> Value {
        let r = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {v}");
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

    /// A customer of `user_id` (as the backend's first Checkout makes one), with a good card
    /// as its default payment method.
    pub async fn customer(&self, user_id: &str) -> String {
        let c = self
            .post(
                "/v1/customers",
                &[
                    ("email", &format!("{user_id}@example.com")),
                    ("metadata[user_id]", user_id),
                    ("payment_method", "pm_card_visa"),
                    ("invoice_settings[default_payment_method]", "pm_card_visa"),
                ],
            )
            .await;
        c["id"].as_str().expect("a customer id").to_string()
    }

    /// A succeeded charge of `amount` cents to `customer` (a card token, as the legacy
    /// Charges API takes it).
    pub async fn charge(&self, customer: &str, amount: i64) -> Value {
        let amount = amount.to_string();
        self.post(
            "/v1/charges",
            &[
                ("amount", &amount),
                ("currency", "usd"),
                ("customer", customer),
                ("source", "tok_visa"),
            ],
        )
        .await
    }

    /// A subscription of `customer` to `price`, paid with its default card, carrying
    /// `metadata[user_id]` as the backend's Checkout sets it.
    pub async fn subscribe(&self, customer: &str, user_id: &str, price: &str) -> Value {
        self.post(
            "/v1/subscriptions",
            &[
                ("customer", customer),
                ("items[0][price]", price),
                ("metadata[user_id]", user_id),
            ],
        )
        .await
    }

    /// A real, paid subscription of a new customer of `user_id` to `price`: (customer, the
    /// subscription as Stripe holds it now).
    pub async fn subscribed(&self, user_id: &str, price: &str) -> (String, Value) {
        let cus = self.customer(user_id).await;
        let sub = self.subscribe(&cus, user_id, price).await;
        (cus, sub)
    }

    /// The simulator's own event of `kind` about the object `id` (the newest such).
    pub async fn event_of(&self, kind: &str, id: &str) -> Value {
        // The newest few first (a test asks about what it just made), then the last 100.
        for limit in [5, 100] {
            let list = self
                .get(&format!("/v1/events?type={kind}&limit={limit}"))
                .await;
            let found = list["data"]
                .as_array()
                .and_then(|d| d.iter().find(|e| e["data"]["object"]["id"] == id))
                .cloned();
            if let Some(e) = found {
                return e;
            }
        }
        panic!("no {kind} event about {id} among the last 100")
    }

    /// The newest event of `kind` among the account's last 100 (the one the latest flow made).
    pub async fn latest(&self, kind: &str) -> Value {
        let list = self.get(&format!("/v1/events?type={kind}&limit=1")).await;
        list["data"][0].clone()
    }

    /// Stops the simulator.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }
}
