//! [`Stripe`]: Stripe's API (`/v1/…`) of one account, on the simulator or on Stripe itself.

use reqwest::Method;
use serde_json::Value;

use super::control::Control;
use super::error::ApiError;
use super::transport::{Body, Transport};

/// One Stripe account (one secret key) on the simulator, or on Stripe test mode.
#[derive(Debug, Clone)]
pub struct Stripe {
    transport: Transport,
}

impl Stripe {
    /// A client for the account behind `key` at `base_url` (`http://127.0.0.1:12111`, or
    /// `https://api.stripe.com`; a trailing slash is dropped).
    pub fn new(http: reqwest::Client, base_url: &str, key: &str) -> Stripe {
        Stripe {
            transport: Transport::new(http, base_url, key),
        }
    }

    /// The account's secret key.
    pub fn key(&self) -> &str {
        self.transport.key()
    }

    /// The API's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// The simulator's control plane of the same account, over the same HTTP client (only a
    /// simulator answers it).
    pub fn control(&self) -> Control {
        Control::with_client(self.transport.http().clone(), self.base_url(), self.key())
    }

    /// `POST path` with a Stripe form body; keys may use Stripe's bracket nesting
    /// (`line_items[0][price]`).
    pub async fn post<K: AsRef<str>>(
        &self,
        path: &str,
        form: &[(K, String)],
    ) -> Result<Value, ApiError> {
        let pairs = form.iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
        self.transport
            .send(Method::POST, path, Body::Form(pairs))
            .await
    }

    /// `GET path` (its query string included in `path`, if any).
    pub async fn get(&self, path: &str) -> Result<Value, ApiError> {
        self.transport.send(Method::GET, path, Body::Empty).await
    }

    /// `DELETE path` (deleting a customer, cancelling a subscription at once, …).
    pub async fn delete(&self, path: &str) -> Result<Value, ApiError> {
        self.transport.send(Method::DELETE, path, Body::Empty).await
    }

    /// Registers a webhook endpoint for `url` listening to `events`; returns its id and the
    /// signing secret, which Stripe shows only at creation.
    pub async fn create_webhook_endpoint(
        &self,
        url: &str,
        events: &[&str],
    ) -> Result<(String, String), ApiError> {
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
}
