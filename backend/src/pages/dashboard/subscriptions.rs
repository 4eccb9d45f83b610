//! The Subscriptions tab: find a user by e-mail, user id or Stripe id and see their tier,
//! status, Stripe ids and period — what the internal dashboard must reflect after a charge.

use maud::{Markup, html};

use super::DashboardQuery;
use crate::db::subscriptions;
use crate::pages::render::{PageError, date};
use crate::state::AppState;

/// The tab's content.
pub async fn tab(state: &AppState, q: &DashboardQuery) -> Result<Markup, PageError> {
    let query =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(255).collect::<String>());
    let rows = subscriptions::search(&state.pool, query.as_deref(), 50).await?;
    Ok(html! {
        h2 { "Subscriptions" }
        form method="get" action="/stripe-disputes" role="search" {
            input type="hidden" name="tab" value="subscriptions";
            label for="subscriber-query" { "E-mail, user id or Stripe id" }
            input type="search" id="subscriber-query" name="q" value=(query.as_deref().unwrap_or(""));
            " "
            button type="submit" { "Find" }
        }
        @if rows.is_empty() {
            p id="no-subscribers" {
                @if let Some(s) = &query { "No subscriber matches “" (s) "”." } @else { "No subscribers yet." }
            }
        } @else {
            table id="subscribers" {
                caption { @if query.is_some() { "Matching subscribers" } @else { "Recently changed subscribers" } }
                thead { tr { th { "User" } th { "E-mail" } th { "Plan" } th { "Status" } th { "Active" } th { "Period" } th { "Stripe customer" } th { "Stripe subscription" } } }
                tbody {
                    @for r in &rows {
                        @let s = &r.subscription;
                        tr data-user=(s.user_id) {
                            td { (s.user_id) }
                            td { (r.email.as_deref().unwrap_or("—")) }
                            td.plan { (s.plan_name) @if let Some(c) = &s.billing_cycle { " " (c) } }
                            td.status { (s.status.as_deref().unwrap_or("—")) }
                            td.active { @if s.is_active { "Yes" } @else { "No" } }
                            td { (date(s.current_period_start)) " – " (date(s.current_period_end)) }
                            td.customer { (s.stripe_customer_id.as_deref().unwrap_or("—")) }
                            td.subscription { (s.stripe_subscription_id.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
        }
    })
}
