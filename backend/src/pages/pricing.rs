//! `/pricing`: the plans on sale (the active plans of the database that the price mapping can
//! sell), a monthly/yearly choice, and a Subscribe button per plan that starts Checkout and
//! sends the browser to it. A subscriber sees their current plan; refusals (409 already
//! subscribed, 429 with the wait, a plan not for sale) are shown as sentences.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::render::{
    Message, PageError, csrf_field, error_text, message, money, page, with_error_status,
};
use super::session::{CheckedForm, ClientAddr, PageBody, PageQuery, Viewer};
use crate::db::{plans, subscriptions};
use crate::edge::keys::caller_key;
use crate::edge::limit::enforce;
use crate::error::ApiError;
use crate::flows::checkout::{CheckoutRequest, start_checkout};
use crate::plans::{BillingCycle, PlanKey, Tier};
use crate::ratelimit::Endpoint;
use crate::state::AppState;

/// `?cycle=monthly|yearly`.
#[derive(Debug, Deserialize)]
pub struct PricingQuery {
    /// The billing cycle shown (monthly by default).
    pub cycle: Option<String>,
}

fn cycle_of(q: Option<&str>) -> BillingCycle {
    q.and_then(BillingCycle::parse)
        .unwrap_or(BillingCycle::Monthly)
}

/// `GET /pricing`.
pub async fn show(
    viewer: Viewer,
    State(state): State<AppState>,
    PageQuery(q): PageQuery<PricingQuery>,
) -> Result<Response, PageError> {
    let cycle = cycle_of(q.cycle.as_deref());
    Ok(Html(render(&state, &viewer, cycle, &None).await?.into_string()).into_response())
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    cycle: BillingCycle,
    msg: &Option<Message>,
) -> Result<Markup, PageError> {
    let rows = plans::list_active(&state.pool).await?;
    let mine = subscriptions::get_by_user(&state.pool, &viewer.user.user_id).await?;
    let current = mine
        .as_ref()
        .filter(|r| r.is_active && r.plan_tier != Tier::Free.as_str());
    let mapping = &state.config.stripe.price_mapping;
    let body = html! {
        h1 { "Choose your plan" }
        (message(msg))
        @if let Some(c) = current {
            p id="current-plan" {
                "Your current plan: " strong { (c.plan_name) }
                @if let Some(bc) = &c.billing_cycle { " (" (bc) ")" }
                ", " (c.status.as_deref().unwrap_or("")) ". "
                a href="/account" { "Manage it from your account" } "."
            }
        } @else {
            p id="current-plan" { "You are on the free plan." }
        }
        nav.tabs aria-label="Billing cycle" {
            @for c in BillingCycle::ALL {
                @let label = if c == BillingCycle::Monthly { "Monthly" } else { "Yearly" };
                @if c == cycle {
                    a href={ "/pricing?cycle=" (c.as_str()) } aria-current="page" { (label) }
                } @else {
                    a href={ "/pricing?cycle=" (c.as_str()) } { (label) }
                }
            }
        }
        div.plans {
            @for p in &rows {
                @let tier = Tier::parse(&p.tier);
                @if tier.is_some_and(|t| t != Tier::Free) {
                    @let on_sale = tier.and_then(|t| mapping.price_for(PlanKey { tier: t, cycle }));
                    @let is_current = current.is_some_and(|c| c.plan_tier == p.tier);
                    section.plan.current[is_current] id={ "plan-" (p.tier) } aria-labelledby={ "plan-name-" (p.tier) } {
                        h2 id={ "plan-name-" (p.tier) } { (p.name) }
                        p.price {
                            @if cycle == BillingCycle::Monthly {
                                (money(p.price_monthly, Some(&p.currency))) " / month"
                            } @else {
                                (money(p.price_yearly, Some(&p.currency))) " / year"
                            }
                        }
                        @if !p.description.is_empty() { p { (p.description) } }
                        @if let Some(features) = p.features.as_array() {
                            ul { @for f in features { @if let Some(f) = f.as_str() { li { (f) } } } }
                        }
                        @if is_current {
                            p.notice { "This is your plan." }
                        } @else if on_sale.is_some() {
                            form method="post" action="/pricing/checkout" {
                                (csrf_field(viewer))
                                input type="hidden" name="tier" value=(p.tier);
                                input type="hidden" name="cycle" value=(cycle.as_str());
                                button type="submit" { "Subscribe to " (p.name) }
                            }
                        } @else {
                            p.reason { "Not sold " (cycle.as_str()) "." }
                        }
                    }
                }
            }
        }
    };
    Ok(page("Pricing", Some(viewer), body))
}

/// `POST /pricing/checkout` (`tier`, `cycle`): starts Checkout and redirects to it (303).
pub async fn checkout(
    viewer: Viewer,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    let form = CheckedForm::check(&state, &headers, &viewer, &body)?;
    let cycle_text = form.get("cycle").unwrap_or("monthly").to_string();
    let cycle = cycle_of(Some(&cycle_text));
    let result = async {
        enforce(&state, Endpoint::Checkout, &viewer.user.user_id, client).await?;
        let Some(public) = &state.config.public_origin else {
            return Err(ApiError::Unavailable(
                "BILLING_PUBLIC_URL is not set, so the pages cannot send anyone to Checkout".into(),
            ));
        };
        let success_url = format!("{public}/billing/success");
        let cancel_url = format!("{public}/billing/cancelled");
        start_checkout(
            &state,
            &viewer.user,
            &CheckoutRequest {
                tier: form.get("tier").unwrap_or(""),
                billing_cycle: &cycle_text,
                success_url: &success_url,
                cancel_url: &cancel_url,
                caller_key: caller_key(&headers).as_deref(),
            },
        )
        .await
    }
    .await;
    match result {
        Ok(started) => {
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, started.url)]).into_response())
        }
        Err(e) => {
            let msg = Some(Message::Error(error_text(&e)));
            let markup = render(&state, &viewer, cycle, &msg).await?;
            Ok(with_error_status(&e, markup))
        }
    }
}
