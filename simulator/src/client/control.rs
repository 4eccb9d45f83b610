//! [`Control`]: the simulator's control plane (`/_sim/…`) of one account, one method per
//! route, JSON in and out (the routes are listed in the simulator README, "Control plane").

use reqwest::Method;
use serde_json::{Value, json};

use super::error::ApiError;
use super::transport::{Body, Transport};

/// The control plane of one account (one API key) of a running simulator.
#[derive(Debug, Clone)]
pub struct Control {
    transport: Transport,
}

impl Control {
    /// A client for `base_url` (e.g. `RunningSimulator::base_url`) and the account `key`,
    /// with an HTTP client of its own.
    pub fn new(base_url: &str, key: &str) -> Control {
        // reqwest is built without a default TLS provider; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Control::with_client(reqwest::Client::new(), base_url, key)
    }

    /// Uses an existing HTTP client.
    pub fn with_client(http: reqwest::Client, base_url: &str, key: &str) -> Control {
        Control {
            transport: Transport::new(http, base_url, key),
        }
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, ApiError> {
        self.transport
            .send(Method::POST, path, Body::Json(&body))
            .await
    }

    async fn get(&self, path: &str) -> Result<Value, ApiError> {
        self.transport.send(Method::GET, path, Body::Empty).await
    }

    /// `POST /_sim/reset`
    pub async fn reset(&self) -> Result<Value, ApiError> {
        self.post("/_sim/reset", json!({})).await
    }

    /// `GET /_sim/clock`
    pub async fn clock(&self) -> Result<Value, ApiError> {
        self.get("/_sim/clock").await
    }

    /// `POST /_sim/clock/advance {seconds}`
    pub async fn advance_seconds(&self, seconds: i64) -> Result<Value, ApiError> {
        self.post("/_sim/clock/advance", json!({"seconds": seconds}))
            .await
    }

    /// `POST /_sim/clock/advance {days}`
    pub async fn advance_days(&self, days: i64) -> Result<Value, ApiError> {
        self.post("/_sim/clock/advance", json!({"days": days}))
            .await
    }

    /// `POST /_sim/clock/advance {to}`
    pub async fn advance_to(&self, to: i64) -> Result<Value, ApiError> {
        self.post("/_sim/clock/advance", json!({"to": to})).await
    }

    /// `POST /_sim/settings/renewals` (`retry_days`, `after_final_failure`,
    /// `finalize_after_secs`, `upcoming_days`; pass only what changes).
    pub async fn renewal_settings(&self, settings: Value) -> Result<Value, ApiError> {
        self.post("/_sim/settings/renewals", settings).await
    }

    /// `POST /_sim/checkout/sessions/{id}/pay {card_number}` → `{redirect_url}`.
    pub async fn pay_checkout(&self, session: &str, card: &str) -> Result<Value, ApiError> {
        self.post(
            &format!("/_sim/checkout/sessions/{session}/pay"),
            json!({"card_number": card}),
        )
        .await
    }

    /// `POST /_sim/checkout/sessions/{id}/decline {card_number?}`.
    pub async fn decline_checkout(
        &self,
        session: &str,
        card: Option<&str>,
    ) -> Result<Value, ApiError> {
        let body = match card {
            Some(c) => json!({"card_number": c}),
            None => json!({}),
        };
        self.post(&format!("/_sim/checkout/sessions/{session}/decline"), body)
            .await
    }

    /// `GET /_sim/portal/sessions/{bps}`
    pub async fn portal(&self, bps: &str) -> Result<Value, ApiError> {
        self.get(&format!("/_sim/portal/sessions/{bps}")).await
    }

    /// `POST /_sim/portal/sessions/{bps}/cancel {subscription?, mode?}`
    pub async fn portal_cancel(
        &self,
        bps: &str,
        subscription: Option<&str>,
        mode: Option<&str>,
    ) -> Result<Value, ApiError> {
        self.post(
            &format!("/_sim/portal/sessions/{bps}/cancel"),
            json!({"subscription": subscription, "mode": mode}),
        )
        .await
    }

    /// `POST /_sim/portal/sessions/{bps}/update_card {card_number}`
    pub async fn portal_update_card(&self, bps: &str, card: &str) -> Result<Value, ApiError> {
        self.post(
            &format!("/_sim/portal/sessions/{bps}/update_card"),
            json!({"card_number": card}),
        )
        .await
    }

    /// `POST /_sim/portal/sessions/{bps}/switch_plan {price, subscription?}`
    pub async fn portal_switch_plan(
        &self,
        bps: &str,
        price: &str,
        subscription: Option<&str>,
    ) -> Result<Value, ApiError> {
        self.post(
            &format!("/_sim/portal/sessions/{bps}/switch_plan"),
            json!({"price": price, "subscription": subscription}),
        )
        .await
    }

    /// `POST /_sim/charges/{ch}/dispute {reason, inquiry}`
    pub async fn dispute(
        &self,
        charge: &str,
        reason: &str,
        inquiry: bool,
    ) -> Result<Value, ApiError> {
        self.post(
            &format!("/_sim/charges/{charge}/dispute"),
            json!({"reason": reason, "inquiry": inquiry}),
        )
        .await
    }

    /// `POST /_sim/charges/{ch}/early_fraud_warning {fraud_type?}`
    pub async fn early_fraud_warning(
        &self,
        charge: &str,
        fraud_type: Option<&str>,
    ) -> Result<Value, ApiError> {
        self.post(
            &format!("/_sim/charges/{charge}/early_fraud_warning"),
            json!({"fraud_type": fraud_type}),
        )
        .await
    }

    /// `POST /_sim/customers/{cus}/payments {next_payments: fail|succeed|card}`
    pub async fn customer_payments(
        &self,
        customer: &str,
        next_payments: &str,
    ) -> Result<Value, ApiError> {
        self.post(
            &format!("/_sim/customers/{customer}/payments"),
            json!({"next_payments": next_payments}),
        )
        .await
    }

    /// `POST /_sim/trigger {event}`
    pub async fn trigger(&self, event: &str) -> Result<Value, ApiError> {
        self.post("/_sim/trigger", json!({"event": event})).await
    }

    /// `POST /_sim/emit {type, object?}`: sends one event of `event_type` carrying `object`
    /// (for example a resource as it is now, re-sent as an update).
    pub async fn emit(&self, event_type: &str, object: Option<Value>) -> Result<Value, ApiError> {
        let mut body = json!({"type": event_type});
        if let Some(object) = object {
            body["object"] = object;
        }
        self.post("/_sim/emit", body).await
    }

    /// `POST /_sim/delivery_mode {mode, seed, …}` (pass only what changes).
    pub async fn delivery_mode(&self, settings: Value) -> Result<Value, ApiError> {
        self.post("/_sim/delivery_mode", settings).await
    }

    /// `POST /_sim/webhook_endpoints/{we}/roll_secret {secret?, expires_in}`: a new signing
    /// secret (`secret`, or a generated one); the old one stays valid for `expires_in` seconds.
    pub async fn roll_secret(
        &self,
        endpoint: &str,
        secret: Option<&str>,
        expires_in: i64,
    ) -> Result<Value, ApiError> {
        let mut body = json!({"expires_in": expires_in});
        if let Some(secret) = secret {
            body["secret"] = json!(secret);
        }
        self.post(
            &format!("/_sim/webhook_endpoints/{endpoint}/roll_secret"),
            body,
        )
        .await
    }

    /// `GET /_sim/deliveries` (every attempt, oldest first).
    pub async fn deliveries(&self) -> Result<Value, ApiError> {
        self.get("/_sim/deliveries").await
    }

    /// `GET /_sim/deliveries/summary`
    pub async fn deliveries_summary(&self) -> Result<Value, ApiError> {
        self.get("/_sim/deliveries/summary").await
    }

    /// `POST /_sim/quiesce {timeout_ms}`; `Ok` with `quiescent: false` when the deadline
    /// passed.
    pub async fn quiesce(&self, timeout_ms: u64) -> Result<Value, ApiError> {
        self.post("/_sim/quiesce", json!({"timeout_ms": timeout_ms}))
            .await
    }

    /// `POST /_sim/snapshot`
    pub async fn snapshot(&self) -> Result<Value, ApiError> {
        self.post("/_sim/snapshot", json!({})).await
    }
}
