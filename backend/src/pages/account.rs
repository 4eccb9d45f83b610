//! `/account`: the signed-in user's plan, status and current period, with a "Manage billing"
//! button that opens the Stripe Customer Portal (`POST /account/billing-portal`, 303 to it).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};

use super::render::{
    Message, PageError, csrf_field, date, error_text, message, page, with_error_status,
};
use super::session::{CheckedForm, ClientAddr, PageBody, Viewer};
use crate::db::subscriptions;
use crate::edge::keys::portal_key;
use crate::edge::limit::enforce;
use crate::error::ApiError;
use crate::flows::portal::open_portal;
use crate::ratelimit::Endpoint;
use crate::state::AppState;

/// `GET /account`.
pub async fn show(viewer: Viewer, State(state): State<AppState>) -> Result<Response, PageError> {
    Ok(Html(render(&state, &viewer, &None).await?.into_string()).into_response())
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    msg: &Option<Message>,
) -> Result<Markup, PageError> {
    let row = subscriptions::get_by_user(&state.pool, &viewer.user.user_id).await?;
    let (plan, status, cycle, period_end, cancel_at_end, customer) = match &row {
        Some(r) => (
            if r.is_active {
                r.plan_name.clone()
            } else {
                "FREE".to_string()
            },
            r.status.clone(),
            r.billing_cycle.clone(),
            r.current_period_end,
            r.cancel_at_period_end,
            r.stripe_customer_id.is_some(),
        ),
        None => ("FREE".to_string(), None, None, None, false, false),
    };
    let subscribed = row
        .as_ref()
        .and_then(|r| r.status.as_ref().map(|_| r.plan_name.clone()));
    let body = html! {
        h1 { "Your account" }
        (message(msg))
        dl {
            dt { "Plan" } dd id="plan" { (plan) }
            dt { "Status" } dd id="status" {
                @match &status {
                    Some(s) => { (s) @if let Some(p) = &subscribed { " (" (p) @if let Some(c) = &cycle { ", " (c) } ")" } },
                    None => { "No subscription" },
                }
            }
            dt { "Current period ends" } dd id="period-end" { (date(period_end)) }
        }
        @if cancel_at_end {
            p id="cancel-note" { "Your subscription ends on " (date(period_end)) " and will not renew." }
        }
        @if customer {
            form method="post" action="/account/billing-portal" {
                (csrf_field(viewer))
                button type="submit" { "Manage billing" }
            }
            p.reason { "Opens Stripe's billing portal: invoices, your card, cancelling." }
        } @else {
            p { "You have no billing profile yet. " a href="/pricing" { "Choose a plan" } " to subscribe." }
        }
    };
    Ok(page("Account", Some(viewer), body))
}

/// `POST /account/billing-portal`: opens the Customer Portal, returning to `/account`.
pub async fn billing_portal(
    viewer: Viewer,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    CheckedForm::check(&state, &headers, &viewer, &body)?;
    let result = async {
        enforce(&state, Endpoint::Portal, &viewer.user.user_id, client).await?;
        let Some(public) = &state.config.public_origin else {
            return Err(ApiError::Unavailable(
                "BILLING_PUBLIC_URL is not set, so the pages cannot open the billing portal".into(),
            ));
        };
        open_portal(
            &state,
            &viewer.user,
            &format!("{public}/account"),
            &portal_key(&headers),
        )
        .await
    }
    .await;
    match result {
        Ok(url) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response()),
        Err(e) => {
            let msg = Some(Message::Error(error_text(&e)));
            let markup = render(&state, &viewer, &msg).await?;
            Ok(with_error_status(&e, markup))
        }
    }
}
