//! The harness's client for Stripe's own API (form bodies, bearer key): the simulator's, or real
//! Stripe test mode's. The simulator-only control plane has its own typed client,
//! `stripe_sim::control::client::Control` (see `Rehearsal::control`).

use serde_json::Value;

/// A failed call, with what the simulator answered so a step can report it.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// The simulator answered with a non-2xx status.
    #[error("{method} {path} answered HTTP {status}: {body}")]
    Status {
        /// HTTP method.
        method: &'static str,
        /// Request path.
        path: String,
        /// HTTP status.
        status: u16,
        /// Response body (Stripe's error JSON).
        body: Value,
    },
    /// The request did not complete.
    #[error("{method} {path} failed: {source}")]
    Transport {
        /// HTTP method.
        method: &'static str,
        /// Request path.
        path: String,
        /// The client's error.
        #[source]
        source: reqwest::Error,
    },
}

impl StripeError {
    /// The HTTP status, when the simulator answered at all.
    pub fn status(&self) -> Option<u16> {
        match self {
            StripeError::Status { status, .. } => Some(*status),
            StripeError::Transport { .. } => None,
        }
    }
}

/// One Stripe account (one secret key) on the simulator, or on Stripe itself.
#[derive(Debug, Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    base_url: String,
    key: String,
}

impl StripeClient {
    /// A client for the account behind `key` at `base_url` (no trailing slash).
    pub fn new(http: reqwest::Client, base_url: &str, key: &str) -> Self {
        StripeClient {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            key: key.to_string(),
        }
    }

    /// The account's secret key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The API's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `POST path` with a Stripe form body; keys may use Stripe's bracket nesting
    /// (`line_items[0][price]`).
    pub async fn post<K: AsRef<str>>(
        &self,
        path: &str,
        form: &[(K, String)],
    ) -> Result<Value, StripeError> {
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
        let request = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.key)
            .form(&pairs);
        self.send("POST", path, request).await
    }

    /// `GET path` (query string included in `path` if any).
    pub async fn get(&self, path: &str) -> Result<Value, StripeError> {
        let request = self.http.get(self.url(path)).bearer_auth(&self.key);
        self.send("GET", path, request).await
    }

    /// Registers a webhook endpoint for `url` listening to `events`; returns its id and the
    /// signing secret, which Stripe shows only at creation.
    pub async fn create_webhook_endpoint(
        &self,
        url: &str,
        events: &[&str],
    ) -> Result<(String, String), StripeError> {
        let mut form = vec![("url".to_string(), url.to_string())];
        form.extend(
            events
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("enabled_events[{i}]"), e.to_string())),
        );
        let endpoint = self.post("/v1/webhook_endpoints", &form).await?;
        Ok((
            endpoint["id"].as_str().unwrap_or_default().to_string(),
            endpoint["secret"].as_str().unwrap_or_default().to_string(),
        ))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn send(
        &self,
        method: &'static str,
        path: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, StripeError> {
        let transport = |source| StripeError::Transport {
            method,
            path: path.to_string(),
            source,
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(transport)?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(StripeError::Status {
                method,
                path: path.to_string(),
                status,
                body,
            })
        }
    }
}
