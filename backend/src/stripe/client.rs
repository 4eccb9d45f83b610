//! A thin HTTP client for the Stripe API: form bodies with bracket keys, Bearer auth, the pinned
//! `Stripe-Version`, an `Idempotency-Key` on every POST, timeouts, and retries with jittered
//! exponential backoff on 429/409/5xx and connection errors, honouring `Stripe-Should-Retry`.

use std::time::Duration;

use rand::Rng;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::error::{ErrorEnvelope, StripeApiErrorBody, StripeError};
use crate::config::Secret;

/// The Stripe API version every request pins (matches the simulator's `API_VERSION`).
pub const API_VERSION: &str = "2026-10-28.endive";

/// A form body: ordered `(key, value)` pairs with Stripe's bracket keys already spelled out
/// (`line_items[0][price]`, `metadata[user_id]`).
pub type Form = Vec<(String, String)>;

/// Timeouts and retry policy.
#[derive(Debug, Clone)]
pub struct StripeClientOptions {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for a whole request/response.
    pub request_timeout: Duration,
    /// Retries after the first attempt (Stripe's SDKs default to 2).
    pub max_retries: u32,
    /// First backoff; doubled per retry, with jitter, capped at `max_backoff`.
    pub initial_backoff: Duration,
    /// Backoff cap.
    pub max_backoff: Duration,
}

impl Default for StripeClientOptions {
    fn default() -> Self {
        StripeClientOptions {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_retries: 2,
            initial_backoff: Duration::from_millis(300),
            max_backoff: Duration::from_secs(4),
        }
    }
}

/// A Stripe API client bound to one account's secret key and base URL.
#[derive(Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    base: String,
    key: Secret,
    options: StripeClientOptions,
    metrics: Option<std::sync::Arc<crate::metrics::Metrics>>,
}

impl std::fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeClient")
            .field("base", &self.base)
            .field("key", &self.key)
            .finish()
    }
}

pub use crate::http_client::install_crypto_provider;

impl StripeClient {
    /// Builds a client for `base` (e.g. `https://api.stripe.com`, no trailing slash).
    pub fn new(
        base: &str,
        key: Secret,
        options: StripeClientOptions,
    ) -> Result<StripeClient, StripeError> {
        let http = crate::http_client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .user_agent(concat!("golive-billing/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| StripeError::Transport(format!("building HTTP client: {e}")))?;
        Ok(StripeClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            key,
            options,
            metrics: None,
        })
    }

    /// Counts failed calls in `metrics` (`billing_stripe_api_errors_total`).
    pub fn with_metrics(mut self, metrics: std::sync::Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// GET `path` (e.g. `/v1/subscriptions/sub_1`) with query parameters.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, StripeError> {
        self.send(Method::GET, path, query, None, None).await
    }

    /// POST `path` with a form body and an idempotency key (reused by every retry, so Stripe
    /// performs the operation at most once).
    pub async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &Form,
        idempotency_key: &str,
    ) -> Result<T, StripeError> {
        self.send(Method::POST, path, &[], Some(form), Some(idempotency_key))
            .await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        form: Option<&Form>,
        idempotency_key: Option<&str>,
    ) -> Result<T, StripeError> {
        let result = self
            .send_with_retries(method, path, query, form, idempotency_key)
            .await;
        if let (Err(e), Some(m)) = (&result, &self.metrics) {
            let kind = match e {
                StripeError::Decode(_) => "decode",
                e if e.is_unavailable() => "unavailable",
                _ => "rejected",
            };
            m.inc(crate::metrics::STRIPE_ERRORS, &[kind]);
        }
        result
    }

    async fn send_with_retries<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        form: Option<&Form>,
        idempotency_key: Option<&str>,
    ) -> Result<T, StripeError> {
        let url = format!("{}{}", self.base, path);
        let body = form.map(encode_form);
        let mut attempt = 0u32;
        loop {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(self.key.expose())
                .header("Stripe-Version", API_VERSION);
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(key) = idempotency_key {
                req = req.header("Idempotency-Key", key);
            }
            if let Some(body) = &body {
                req = req
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body.clone());
            }
            let outcome = match req.send().await {
                Ok(resp) => self.read(resp).await,
                Err(e) => Attempt::Retryable(StripeError::Transport(describe_transport(&e))),
            };
            match outcome {
                Attempt::Done(result) => return result,
                Attempt::Retryable(err) if attempt < self.options.max_retries => {
                    let delay = self.backoff(attempt);
                    tracing::warn!(
                        method = %method, path, attempt = attempt + 1, delay_ms = delay.as_millis() as u64,
                        error = %err, "retrying Stripe request"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Attempt::Retryable(err) => return Err(err),
            }
        }
    }

    async fn read<T: DeserializeOwned>(&self, resp: reqwest::Response) -> Attempt<T> {
        let status = resp.status();
        let should_retry = resp
            .headers()
            .get("Stripe-Should-Retry")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.eq_ignore_ascii_case("true"));
        let request_id = resp
            .headers()
            .get("Request-Id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Attempt::Retryable(StripeError::Transport(describe_transport(&e))),
        };
        if status.is_success() {
            return Attempt::Done(
                serde_json::from_slice(&bytes).map_err(|e| StripeError::Decode(e.to_string())),
            );
        }
        let body = serde_json::from_slice::<ErrorEnvelope>(&bytes)
            .map(|e| e.error)
            .unwrap_or_else(|_| StripeApiErrorBody {
                kind: "api_error".into(),
                ..Default::default()
            });
        let err = StripeError::Api {
            status: status.as_u16(),
            body: Box::new(body),
            request_id,
        };
        if should_retry.unwrap_or_else(|| retryable_status(status)) {
            Attempt::Retryable(err)
        } else {
            Attempt::Done(Err(err))
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self
            .options
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.options.max_backoff);
        // Jitter: 50–100 % of the computed delay, so simultaneous retries spread out.
        let factor = rand::rng().random_range(0.5..=1.0);
        base.mul_f64(factor)
    }
}

enum Attempt<T> {
    Done(Result<T, StripeError>),
    Retryable(StripeError),
}

/// Without `Stripe-Should-Retry`: retry lock conflicts (409), rate limits (429) and server
/// errors (5xx), as Stripe's SDKs do.
fn retryable_status(status: StatusCode) -> bool {
    status == StatusCode::CONFLICT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

fn describe_transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else {
        // reqwest's Display includes the URL, which holds no secret (the key is a header).
        e.to_string()
    }
}

/// Percent-encodes a form body. Brackets in keys are encoded as `%5B`/`%5D`, which Stripe (and
/// the simulator) decode like raw brackets.
pub fn encode_form(form: &Form) -> String {
    let mut ser = form_urlencoded_serializer();
    for (k, v) in form {
        ser.append_pair(k, v);
    }
    ser.finish()
}

fn form_urlencoded_serializer() -> FormSerializer {
    FormSerializer(String::new())
}

/// A tiny `application/x-www-form-urlencoded` writer (avoids an extra dependency).
struct FormSerializer(String);

impl FormSerializer {
    fn append_pair(&mut self, k: &str, v: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        encode_component(&mut self.0, k);
        self.0.push('=');
        encode_component(&mut self.0, v);
    }

    fn finish(self) -> String {
        self.0
    }
}

fn encode_component(out: &mut String, s: &str) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_handles_brackets_and_urls() {
        let form: Form = vec![
            ("line_items[0][price]".into(), "price_1".into()),
            (
                "success_url".into(),
                "https://a.example/ok?session_id={CHECKOUT_SESSION_ID}&x=1 2".into(),
            ),
        ];
        assert_eq!(
            encode_form(&form),
            "line_items%5B0%5D%5Bprice%5D=price_1&success_url=https%3A%2F%2Fa.example%2Fok%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D%26x%3D1+2"
        );
    }

    #[test]
    fn retry_policy_without_header() {
        assert!(retryable_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(retryable_status(StatusCode::SERVICE_UNAVAILABLE));
        assert!(retryable_status(StatusCode::CONFLICT));
        assert!(!retryable_status(StatusCode::BAD_REQUEST));
        assert!(!retryable_status(StatusCode::PAYMENT_REQUIRED));
    }
}
