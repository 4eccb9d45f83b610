//! What the soak's users and ops do in one run: call the backend as a client would (trying
//! again while it is down or restarting), subscribe and pay on Stripe's Checkout, cancel or
//! replace the card in the billing portal, and answer disputes and early fraud warnings.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::error::SoakError;
use super::plan::{Flow, FlowKind};
use super::run::Run;
use crate::steps::actors::Actor;
use crate::steps::backend_under_test::APP_ORIGIN;

/// How long one call to the backend keeps being retried while it is down or restarting.
const CALL_DEADLINE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(25);
/// Stripe's test card that attaches but fails every charge.
const FAILS_ON_RENEWAL: &str = "4000000000000341";

impl Run {
    fn token(&self, flow: &Flow) -> String {
        Actor::with_identity(
            "user",
            &flow.user_id(),
            &format!("{}@soak.golive.test", flow.user_id()),
            &self.jwt_secret,
        )
        .token
    }

    /// Calls the backend as a client would, trying again while it is down or restarting
    /// (connection refused, 5xx) and while `retry_on` says the answer is not final yet.
    async fn call(
        &self,
        path: &str,
        token: &str,
        body: Option<Value>,
        retry_on: &[u16],
    ) -> Result<Value, SoakError> {
        let give_up = Instant::now() + CALL_DEADLINE;
        let url = format!("{}{path}", self.base_url);
        loop {
            let request = match &body {
                Some(b) => self.http.post(&url).json(b),
                None => self.http.get(&url),
            };
            let seen = match request.bearer_auth(token).send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let value: Value = r.json().await.unwrap_or(Value::Null);
                    if (200..300).contains(&status) {
                        return Ok(value);
                    }
                    if status < 500 && !retry_on.contains(&status) {
                        return Err(SoakError::Refused {
                            path: path.to_string(),
                            status,
                            body: value,
                        });
                    }
                    format!("{status}: {value}")
                }
                Err(e) => e.to_string(),
            };
            if Instant::now() >= give_up {
                return Err(SoakError::NoAnswer {
                    path: path.to_string(),
                    seen,
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The user subscribes through the backend and pays on Stripe's Checkout.
    pub(super) async fn subscribe(&self, flow: &Flow) -> Result<(), SoakError> {
        let (tier, cycle) = flow.kind.plan(flow.index);
        let session = self
            .call(
                billing::routes::CHECKOUT_SESSION,
                &self.token(flow),
                Some(json!({
                    "tier": tier, "billing_cycle": cycle,
                    "success_url": format!("{APP_ORIGIN}/billing/success"),
                    "cancel_url": format!("{APP_ORIGIN}/pricing"),
                })),
                &[],
            )
            .await?;
        let id = session["session_id"].as_str().unwrap_or_default();
        self.control
            .pay_checkout(id, flow.kind.card())
            .await
            .map(|_| ())
            .map_err(SoakError::stripe(format!("{} paying {id}", flow.user_id())))
    }

    /// What happens next: cancelling in the portal, or ops answering a dispute or warning.
    pub(super) async fn answer(&self, flow: &Flow) -> Result<(), SoakError> {
        let admin = self.admin.token.clone();
        match flow.kind {
            FlowKind::Cancellation => {
                let bps = self.portal(flow).await?;
                self.control
                    .portal_cancel(&bps, None, Some("immediately"))
                    .await
                    .map(|_| ())
                    .map_err(SoakError::stripe(format!("{} cancelling", flow.user_id())))
            }
            FlowKind::Failure => {
                let bps = self.portal(flow).await?;
                self.control
                    .portal_update_card(&bps, FAILS_ON_RENEWAL)
                    .await
                    .map(|_| ())
                    .map_err(SoakError::stripe(format!(
                        "{} replacing the card",
                        flow.user_id()
                    )))
            }
            FlowKind::Dispute => {
                let id = self.wait_for_record("disputes", flow).await?;
                if flow.index.is_multiple_of(2) {
                    self.call(
                        &billing::routes::with_id(billing::routes::DISPUTE_EVIDENCE, &id),
                        &admin,
                        Some(json!({"evidence": {"uncategorized_text": "winning_evidence"}, "submit": true})),
                        &[],
                    )
                    .await
                    .map(|_| ())
                } else {
                    self.call(
                        &billing::routes::with_id(billing::routes::DISPUTE_CLOSE, &id),
                        &admin,
                        Some(json!({"confirm": true})),
                        &[],
                    )
                    .await
                    .map(|_| ())
                }
            }
            FlowKind::FraudWarning => {
                let id = self.wait_for_record("fraud_warnings", flow).await?;
                let route = if flow.index.is_multiple_of(2) {
                    billing::routes::FRAUD_WARNING_REFUND
                } else {
                    billing::routes::FRAUD_WARNING_IGNORE
                };
                self.call(
                    &billing::routes::with_id(route, &id),
                    &admin,
                    Some(json!({"notes": "soak"})),
                    &[],
                )
                .await
                .map(|_| ())
            }
            _ => Ok(()),
        }
    }

    /// Opens the billing portal from the app; returns the portal session's id. (404 until the
    /// backend has recorded the user's customer.)
    async fn portal(&self, flow: &Flow) -> Result<String, SoakError> {
        let portal = self
            .call(
                billing::routes::PORTAL_SESSION,
                &self.token(flow),
                Some(json!({"return_url": format!("{APP_ORIGIN}/account")})),
                &[404],
            )
            .await?;
        let url = portal["url"].as_str().unwrap_or_default();
        Ok(url.rsplit('/').next().unwrap_or_default().to_string())
    }

    /// The id of the user's dispute or warning, once the backend has recorded it.
    async fn wait_for_record(&self, table: &str, flow: &Flow) -> Result<String, SoakError> {
        let query = match table {
            "disputes" => "SELECT id FROM disputes WHERE user_id = $1",
            _ => "SELECT id FROM fraud_warnings WHERE user_id = $1",
        };
        let give_up = Instant::now() + CALL_DEADLINE;
        loop {
            let found: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
                .bind(flow.user_id())
                .fetch_optional(&self.pool)
                .await
                .map_err(SoakError::sql(format!("reading {table}")))?;
            if let Some(id) = found {
                return Ok(id);
            }
            if Instant::now() >= give_up {
                return Err(SoakError::NotRecorded {
                    user: flow.user_id(),
                    table: table.to_string(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
