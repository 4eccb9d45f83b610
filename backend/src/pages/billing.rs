//! Where Stripe sends the payer back: `/billing/success?session_id=…` says "confirming your
//! payment" until the `checkout.session.completed` webhook has made the plan active, then
//! shows the plan; it refreshes itself every second for about a minute (no script), then
//! says plainly that confirmation is late and what to do. `/billing/cancelled` is where
//! leaving Checkout lands: nothing was charged.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::render::{PageError, date, page};
use super::session::{PageQuery, Viewer};
use crate::db::subscriptions;
use crate::plans::Tier;
use crate::state::AppState;

/// Seconds between two looks while the payment is being confirmed.
pub const REFRESH_SECS: u32 = 1;
/// How many looks before the page stops refreshing (about a minute).
pub const MAX_LOOKS: u32 = 60;

/// `?session_id=cs_…&look=N`.
#[derive(Debug, Deserialize)]
pub struct SuccessQuery {
    /// The Checkout Session Stripe sends back.
    pub session_id: Option<String>,
    /// How many times the page has looked already.
    pub look: Option<u32>,
}

/// `GET /billing/success`.
pub async fn success(
    viewer: Viewer,
    State(state): State<AppState>,
    PageQuery(q): PageQuery<SuccessQuery>,
) -> Result<Response, PageError> {
    let session_id = q.session_id.filter(|s| {
        s.starts_with("cs_")
            && s.len() <= 255
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    let row = subscriptions::get_by_user(&state.pool, &viewer.user.user_id).await?;
    let active = row
        .as_ref()
        .filter(|r| r.is_active && r.plan_tier != Tier::Free.as_str());
    let look = q.look.unwrap_or(0).min(MAX_LOOKS);
    let waiting = active.is_none() && session_id.is_some() && look < MAX_LOOKS;
    let refresh = session_id.as_deref().filter(|_| waiting).map(|s| {
        format!(
            "{REFRESH_SECS}; url=/billing/success?session_id={s}&look={}",
            look + 1
        )
    });
    let body = html! {
        @if let Some(r) = active {
            h1 { "Thank you — your plan is active" }
            p id="payment-status" role="status" {
                "Your " strong { (r.plan_name) } " plan"
                @if let Some(c) = &r.billing_cycle { " (" (c) ")" }
                " is active"
                @if r.current_period_end.is_some() { " until " (date(r.current_period_end)) }
                "."
            }
            p { a href="/account" { "Go to your account" } }
        } @else if session_id.is_none() {
            h1 { "Nothing to confirm" }
            p id="payment-status" role="status" { "This link does not name a checkout. If you paid, your plan shows on your account page once Stripe confirms it." }
            p { a href="/account" { "Go to your account" } }
        } @else if waiting {
            h1 { "Confirming your payment…" }
            p id="payment-status" role="status" { "Confirming your payment with Stripe. This page updates by itself." }
            p { a href={ "/billing/success?session_id=" (session_id.as_deref().unwrap_or("")) "&look=" (look + 1) } { "Check again now" } }
        } @else {
            h1 { "Your payment is taking longer to confirm" }
            p id="payment-status" role="alert" { "Stripe has not confirmed your payment yet. You have not been charged twice: do not pay again. Check your account page in a few minutes, or contact support with this reference: " code { (session_id.as_deref().unwrap_or("")) } "." }
            p { a href="/account" { "Go to your account" } }
        }
    };
    let markup = page("Payment", Some(&viewer), body);
    let html_text = match refresh {
        // A refresh header rather than script: the CSP allows none.
        Some(r) => return Ok(([("refresh", r)], Html(markup.into_string())).into_response()),
        None => markup.into_string(),
    };
    Ok(Html(html_text).into_response())
}

/// `GET /billing/cancelled`.
pub async fn cancelled(viewer: Viewer) -> Response {
    let body = html! {
        h1 { "Checkout cancelled" }
        p id="payment-status" role="status" { "You left Checkout before paying. Nothing was charged." }
        p { a href="/pricing" { "Back to the plans" } }
    };
    Html(page("Checkout cancelled", Some(&viewer), body).into_string()).into_response()
}
