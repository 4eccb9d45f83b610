//! Simulator-only routes under `/_sim/…` (the one place for them): the JSON twin of the
//! hosted Checkout page and the webhook delivery log. Authenticated with the account's API
//! key like the Stripe API.

use std::sync::Arc;

use axum::Router;
use axum::routing::MethodFilter;
use serde_json::{Value, json};

use crate::app::App;
use crate::checkout_flow::{PaymentInput, complete};
use crate::error::StripeError;
use crate::pipeline::{Call, route, route_id};

/// All `/_sim` routes.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/_sim/checkout/sessions/{id}/pay",
            route_id(MethodFilter::POST, pay_session),
        )
        .route("/_sim/deliveries", route(MethodFilter::GET, deliveries))
}

/// `POST /_sim/checkout/sessions/{id}/pay` `{card_number, email?}` → `{"redirect_url"}`.
pub fn pay_session(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "card_number",
        "email",
        "exp",
        "exp_month",
        "exp_year",
        "cvc",
    ])?;
    let card_number = p.required("card_number")?.to_string();
    if c.account
        .lock()
        .store
        .get_kind("checkout.session", c.id())
        .is_none()
    {
        return Err(StripeError::missing("checkout.session", c.id()));
    }
    let done = complete(
        &c.account,
        c.id(),
        &PaymentInput {
            card_number,
            email: p.nonempty("email")?.map(str::to_string),
        },
    )?;
    Ok(json!({ "redirect_url": done.redirect_url }))
}

/// `GET /_sim/deliveries` (optional filters `event_id`, `endpoint_id`) → every attempt,
/// oldest first.
pub fn deliveries(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["event_id", "endpoint_id"])?;
    let event_id = p.nonempty("event_id")?;
    let endpoint_id = p.nonempty("endpoint_id")?;
    let log = c
        .account
        .deliveries
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let data: Vec<&crate::webhooks::delivery::DeliveryRecord> = log
        .iter()
        .filter(|r| event_id.is_none_or(|e| r.event_id == e))
        .filter(|r| endpoint_id.is_none_or(|e| r.endpoint_id == e))
        .collect();
    Ok(json!({ "object": "list", "data": data }))
}
