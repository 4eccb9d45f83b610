//! A small form-encoding HTTP client for the simulator's API, shared by the charges and
//! test-card tests: one fresh account (key) per `Api`.
#![allow(dead_code)]

use axum::http::StatusCode;
use serde_json::Value;
use stripe_sim::{RunningSimulator, SimOptions, start};

/// Starts a simulator on a free port.
pub async fn sim() -> RunningSimulator {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind sim");
    start(listener, SimOptions::default()).await.expect("start")
}

/// One account on a running simulator.
pub struct Api {
    http: reqwest::Client,
    /// `http://127.0.0.1:…`
    pub base: String,
    /// `sk_test_…`
    pub key: String,
}

impl Api {
    /// A client with a fresh key (a fresh, empty account).
    pub fn new(sim: &RunningSimulator) -> Api {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Api {
            http: reqwest::Client::new(),
            base: sim.base_url.clone(),
            key: format!("sk_test_{}", stripe_sim::ids::random_base62(20)),
        }
    }

    /// Sends a request; POST parameters as a form body, others in the query string.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut url = format!("{}{path}", self.base);
        if method != reqwest::Method::POST && !body.is_empty() {
            url = format!("{url}?{body}");
        }
        let mut rb = self
            .http
            .request(method.clone(), url)
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

    /// POST.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, form).await
    }

    /// POST that must answer 200.
    pub async fn ok(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (s, v) = self.post(path, form).await;
        assert_eq!(s, StatusCode::OK, "POST {path} {form:?}: {v}");
        v
    }

    /// GET with query parameters.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, query).await
    }

    /// GET that must answer 200.
    pub async fn get_ok(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let (s, v) = self.get(path, query).await;
        assert_eq!(s, StatusCode::OK, "GET {path} {query:?}: {v}");
        v
    }

    /// Event types, oldest first (the newest 100).
    pub async fn event_types(&self) -> Vec<String> {
        let v = self.get_ok("/v1/events", &[("limit", "100")]).await;
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

/// The `id` of an object.
pub fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}
