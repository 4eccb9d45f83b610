//! `/stripe-disputes`, the ops dashboard (admins only): a **Disputes** tab, a **Fraud
//! Warnings** tab, a **Subscriptions** tab, and the Ops Guide. Tabs are links
//! (`?tab=disputes|fraud-warnings|subscriptions`); a record's details open in a dialog on its
//! tab (`&dispute=dp_…`, `&warning=issfr_…`), so every view has an address, works without
//! script and with the keyboard alone. Every action posts a form, then redirects back to the
//! dialog with a notice; a refused action shows the reason in words.

pub mod disputes;
pub mod fraud;
pub mod guide;
pub mod subscriptions;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::render::{Message, PageError, page};
use super::session::{AdminViewer, PageQuery};
use crate::db::actions::ActionRow;
use crate::state::AppState;

/// Everything a dashboard address may say.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    /// `disputes` (default), `fraud-warnings` or `subscriptions`.
    pub tab: Option<String>,
    /// The dispute whose dialog is open.
    pub dispute: Option<String>,
    /// The fraud warning whose dialog is open.
    pub warning: Option<String>,
    /// The fraud warnings' status filter.
    pub status: Option<String>,
    /// Paging cursor (the last id of the previous page).
    pub after: Option<String>,
    /// The Subscriptions tab's search.
    pub q: Option<String>,
    /// The action just done, for the notice.
    pub done: Option<String>,
}

/// The dashboard's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Disputes.
    Disputes,
    /// Early fraud warnings.
    FraudWarnings,
    /// Subscribers.
    Subscriptions,
}

impl Tab {
    fn parse(s: Option<&str>) -> Tab {
        match s {
            Some("fraud-warnings") => Tab::FraudWarnings,
            Some("subscriptions") => Tab::Subscriptions,
            _ => Tab::Disputes,
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Tab::Disputes => "disputes",
            Tab::FraudWarnings => "fraud-warnings",
            Tab::Subscriptions => "subscriptions",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Disputes => "Disputes",
            Tab::FraudWarnings => "Fraud Warnings",
            Tab::Subscriptions => "Subscriptions",
        }
    }
}

/// `GET /stripe-disputes`.
pub async fn show(
    who: AdminViewer,
    State(state): State<AppState>,
    PageQuery(q): PageQuery<DashboardQuery>,
) -> Result<Response, PageError> {
    let tab = Tab::parse(q.tab.as_deref());
    let notice = q
        .done
        .as_deref()
        .and_then(done_notice)
        .map(|n| Message::Notice(n.into()));
    let markup = render(&state, &who, tab, &q, &notice).await?;
    Ok(Html(markup.into_string()).into_response())
}

/// The page for `tab` with `q`'s dialog open and `msg` shown.
pub async fn render(
    state: &AppState,
    who: &AdminViewer,
    tab: Tab,
    q: &DashboardQuery,
    msg: &Option<Message>,
) -> Result<Markup, PageError> {
    let content = match tab {
        Tab::Disputes => disputes::tab(state, who, q, msg).await?,
        Tab::FraudWarnings => fraud::tab(state, who, q, msg).await?,
        Tab::Subscriptions => subscriptions::tab(state, q).await?,
    };
    let body = html! {
        h1 { "Ops dashboard" }
        nav.tabs aria-label="Dashboard" {
            @for t in [Tab::Disputes, Tab::FraudWarnings, Tab::Subscriptions] {
                @if t == tab {
                    a href={ "/stripe-disputes?tab=" (t.slug()) } aria-current="page" { (t.label()) }
                } @else {
                    a href={ "/stripe-disputes?tab=" (t.slug()) } { (t.label()) }
                }
            }
            a href="/stripe-disputes/guide" { "Ops Guide" }
        }
        section aria-label=(tab.label()) id={ "tab-" (tab.slug()) } { (content) }
    };
    Ok(page(tab.label(), Some(&who.viewer), body))
}

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "staged" => "Evidence staged. It is saved at Stripe but not submitted yet.",
        "submitted" => "Evidence submitted to the card issuer.",
        "closed" => "Dispute closed: it was conceded.",
        "refunded" => "The full amount was refunded.",
        "ignored" => "The warning is marked as ignored.",
        _ => return None,
    })
}

/// The action history of a dispute or warning, oldest first.
pub fn history(rows: &[ActionRow]) -> Markup {
    html! {
        h3 { "History" }
        @if rows.is_empty() {
            p id="history" { "No action yet." }
        } @else {
            ol id="history" {
                @for a in rows {
                    li {
                        (super::render::date_time(Some(a.created_at))) " — " strong { (a.action.replace('_', " ")) }
                        " by " (a.actor_email)
                        @if let Some(n) = &a.notes { ": “" (n) "”" }
                        @if let Some(r) = a.details.get("refund_id").and_then(|v| v.as_str()) { " (refund " (r) ")" }
                    }
                }
            }
        }
    }
}
