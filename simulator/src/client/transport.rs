//! The one HTTP transport of [`Stripe`](super::Stripe) and [`Control`](super::Control): the
//! account's key as a bearer token, a form or JSON body, the answer as JSON, and every
//! non-2xx answer or failed call as an [`ApiError`].

use reqwest::Method;
use serde_json::Value;

use super::error::ApiError;

/// What a request carries.
pub(super) enum Body<'a> {
    /// Nothing (`GET`, `DELETE`).
    Empty,
    /// A form, as Stripe's API takes it; keys may use Stripe's bracket nesting
    /// (`line_items[0][price]`).
    Form(Vec<(&'a str, &'a str)>),
    /// A JSON object, as the control plane takes it.
    Json(&'a Value),
}

/// One account (one secret key) at one base URL.
#[derive(Debug, Clone)]
pub(super) struct Transport {
    http: reqwest::Client,
    base_url: String,
    key: String,
}

impl Transport {
    /// `base_url` without its trailing slash.
    pub(super) fn new(http: reqwest::Client, base_url: &str, key: &str) -> Transport {
        Transport {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            key: key.to_string(),
        }
    }

    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(super) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(super) fn key(&self) -> &str {
        &self.key
    }

    /// `method path` with `body`; the answer's JSON (or its text as a JSON string) on a 2xx.
    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Body<'_>,
    ) -> Result<Value, ApiError> {
        let request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .bearer_auth(&self.key);
        let request = match body {
            Body::Empty => request,
            Body::Form(pairs) => request.form(&pairs),
            Body::Json(value) => request.json(value),
        };
        let transport = |source| ApiError::Transport {
            method: method.clone(),
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
            Err(ApiError::Status {
                method,
                path: path.to_string(),
                status,
                body,
            })
        }
    }
}
