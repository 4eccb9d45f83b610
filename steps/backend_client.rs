//! The harness's client for the billing backend's HTTP API, as the web app and the admin
//! dashboard call it: JSON bodies and a bearer token.

use billing::routes;
use serde_json::Value;

/// What the backend answered: status and JSON body (or the raw text wrapped in a JSON string).
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// HTTP status code.
    pub status: u16,
    /// Parsed body.
    pub body: Value,
    /// Response headers (`Retry-After`, …).
    pub headers: reqwest::header::HeaderMap,
}

impl ApiResponse {
    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `error.code` of a JSON error body, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }
}

impl std::fmt::Display for ApiResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}", self.status, self.body)
    }
}

/// What ops do with an early fraud warning through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FraudAction {
    /// Refund the charge.
    Refund,
    /// Mark the warning handled without a refund.
    Ignore,
}

/// A client for one backend instance: a method per route, the paths from `billing::routes`.
#[derive(Debug, Clone)]
pub struct BackendClient {
    http: reqwest::Client,
    base_url: String,
}

impl BackendClient {
    /// A client for the backend at `base_url` (no trailing slash).
    pub fn new(http: reqwest::Client, base_url: &str) -> Self {
        BackendClient {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    /// The backend's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Starts Checkout (`POST` [`routes::CHECKOUT_SESSION`]) with `{tier, cycle, …}`.
    pub async fn create_checkout_session(&self, token: Option<&str>, body: &Value) -> ApiResponse {
        self.post_json(routes::CHECKOUT_SESSION, token, body).await
    }

    /// Opens the billing portal (`POST` [`routes::PORTAL_SESSION`]).
    pub async fn create_portal_session(&self, token: Option<&str>, body: &Value) -> ApiResponse {
        self.post_json(routes::PORTAL_SESSION, token, body).await
    }

    /// The holder's subscription status ([`routes::STATUS`]).
    pub async fn status(&self, token: Option<&str>) -> ApiResponse {
        self.get(routes::STATUS, token).await
    }

    /// The plans on sale ([`routes::PLANS`]).
    pub async fn plans(&self) -> ApiResponse {
        self.get(routes::PLANS, None).await
    }

    /// The disputes, for an admin ([`routes::DISPUTES`]).
    pub async fn disputes(&self, token: Option<&str>) -> ApiResponse {
        self.get(routes::DISPUTES, token).await
    }

    /// One dispute ([`routes::DISPUTE`]).
    pub async fn dispute(&self, id: &str, token: Option<&str>) -> ApiResponse {
        self.get(&routes::with_id(routes::DISPUTE, id), token).await
    }

    /// Stages or submits evidence on a dispute ([`routes::DISPUTE_EVIDENCE`]).
    pub async fn dispute_evidence(
        &self,
        id: &str,
        token: Option<&str>,
        body: &Value,
    ) -> ApiResponse {
        self.post_json(&routes::with_id(routes::DISPUTE_EVIDENCE, id), token, body)
            .await
    }

    /// Concedes a dispute ([`routes::DISPUTE_CLOSE`]).
    pub async fn close_dispute(&self, id: &str, token: Option<&str>, body: &Value) -> ApiResponse {
        self.post_json(&routes::with_id(routes::DISPUTE_CLOSE, id), token, body)
            .await
    }

    /// The early fraud warnings, for an admin ([`routes::FRAUD_WARNINGS`]).
    pub async fn fraud_warnings(&self, token: Option<&str>) -> ApiResponse {
        self.get(routes::FRAUD_WARNINGS, token).await
    }

    /// One early fraud warning ([`routes::FRAUD_WARNING`]).
    pub async fn fraud_warning(&self, id: &str, token: Option<&str>) -> ApiResponse {
        self.get(&routes::with_id(routes::FRAUD_WARNING, id), token)
            .await
    }

    /// Acts on an early fraud warning: `refund` ([`routes::FRAUD_WARNING_REFUND`]) or
    /// `ignore` ([`routes::FRAUD_WARNING_IGNORE`]).
    pub async fn act_on_fraud_warning(
        &self,
        id: &str,
        action: FraudAction,
        token: Option<&str>,
        body: &Value,
    ) -> ApiResponse {
        let route = match action {
            FraudAction::Refund => routes::FRAUD_WARNING_REFUND,
            FraudAction::Ignore => routes::FRAUD_WARNING_IGNORE,
        };
        self.post_json(&routes::with_id(route, id), token, body)
            .await
    }

    /// Delivers a webhook as Stripe does: raw bytes and its signature headers
    /// ([`routes::WEBHOOK_PATH`]).
    pub async fn deliver_webhook(&self, headers: &[(&str, String)], body: Vec<u8>) -> ApiResponse {
        self.post_raw(routes::WEBHOOK_PATH, headers, body).await
    }

    /// The Prometheus metrics ([`routes::METRICS`]).
    pub async fn metrics(&self) -> ApiResponse {
        self.get(routes::METRICS, None).await
    }

    /// `POST path` with a JSON body, as `token`'s holder (or anonymously).
    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> ApiResponse {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::send(request).await
    }

    /// `POST path` with raw bytes and extra headers: how Stripe delivers a webhook.
    pub async fn post_raw(
        &self,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> ApiResponse {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base_url))
            .header("content-type", "application/json; charset=utf-8")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        Self::send(request).await
    }

    /// `GET path` as `token`'s holder (or anonymously).
    pub async fn get(&self, path: &str, token: Option<&str>) -> ApiResponse {
        let mut request = self.http.get(format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::send(request).await
    }

    async fn send(request: reqwest::RequestBuilder) -> ApiResponse {
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let text = response.text().await.unwrap_or_default();
                let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
                ApiResponse {
                    status,
                    body,
                    headers,
                }
            }
            // A connection failure is an answer a step must be able to show, not a panic here.
            Err(e) => ApiResponse {
                status: 0,
                body: Value::String(format!("no answer: {e}")),
                headers: Default::default(),
            },
        }
    }
}
