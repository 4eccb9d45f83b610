//! The harness's client for the billing backend's HTTP API, as the web app and the admin
//! dashboard call it: JSON bodies and a bearer token.

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

/// A client for one backend instance.
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
