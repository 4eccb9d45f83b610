//! The Fraud Warnings tab: Radar's early fraud warnings filtered by internal status (open,
//! refunded, ignored, all); a warning's dialog shows the issuer's `fraud_type`, the
//! `actionable` flag, the charge and amount, the internal status and history, with "Refund
//! Full Amount" and "Mark as Ignored" — each asking for a confirmation and a note, and
//! disabled with the reason when it is not allowed.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::{DashboardQuery, Tab, history, render};
use crate::db::fraud::{IGNORED, OPEN, REFUNDED};
use crate::edge::limit::enforce;
use crate::error::ApiError;
use crate::flows::fraud::{self, WarningDetail};
use crate::pages::render::{
    Message, PageError, csrf_field, date_time, error_text, message, money, with_error_status,
};
use crate::pages::session::{AdminViewer, CheckedForm, ClientAddr, PageBody, PagePath};
use crate::ratelimit::Endpoint;
use crate::state::AppState;

const FILTERS: &[(&str, &str)] = &[
    (OPEN, "Open"),
    (REFUNDED, "Refunded"),
    (IGNORED, "Ignored"),
    ("all", "All"),
];

/// The tab's content.
pub async fn tab(
    state: &AppState,
    who: &AdminViewer,
    q: &DashboardQuery,
    msg: &Option<Message>,
) -> Result<Markup, PageError> {
    let filter = q.status.as_deref().unwrap_or(OPEN);
    let status = fraud::parse_status(Some(filter))?;
    let open = match q.warning.as_deref() {
        Some(id) => Some(fraud::detail(state, id).await?),
        None => None,
    };
    let list = fraud::list(state, status, q.after.as_deref(), Some(20)).await?;
    let shown = status.unwrap_or("all");
    Ok(html! {
        h2 { "Fraud Warnings" }
        (message(msg))
        nav aria-label="Filter by status" {
            "Show: "
            @for (value, label) in FILTERS {
                @if *value == shown {
                    a href={ "/stripe-disputes?tab=fraud-warnings&status=" (value) } aria-current="page" { strong { (label) } }
                } @else {
                    a href={ "/stripe-disputes?tab=fraud-warnings&status=" (value) } { (label) }
                }
                " "
            }
        }
        @if let Some(w) = &open { (dialog(who, w)) }
        @if list.rows.is_empty() {
            p id="no-warnings" { "No " @if shown != "all" { (shown) " " } "early fraud warnings." }
        } @else {
            table id="warnings" {
                caption { "Early fraud warnings, newest first" }
                thead { tr { th { "Warning" } th { "Charge" } th { "Amount" } th { "Fraud type" } th { "Actionable" } th { "Status" } th { "User" } } }
                tbody {
                    @for r in &list.rows {
                        tr data-id=(r.id) {
                            td { a href={ "/stripe-disputes?tab=fraud-warnings&status=" (shown) "&warning=" (r.id) } { (r.id) } }
                            td { (r.charge_id) }
                            td { (money(r.amount, r.currency.as_deref())) }
                            td { (r.fraud_type.as_deref().unwrap_or("—")) }
                            td { (yes_no(r.actionable)) }
                            td.status { (r.status) }
                            td { (r.user_id.as_deref().unwrap_or("unknown")) }
                        }
                    }
                }
            }
            @if let Some(next) = &list.next_cursor {
                p { a href={ "/stripe-disputes?tab=fraud-warnings&status=" (shown) "&after=" (next) } { "Next page" } }
            }
        }
    })
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "—",
    }
}

fn dialog(who: &AdminViewer, w: &WarningDetail) -> Markup {
    let r = &w.row;
    let action = format!("/stripe-disputes/fraud-warnings/{}", r.id);
    let refund_blocked = (r.status == REFUNDED).then(|| {
        format!(
            "Already refunded ({}).",
            r.refund_id.as_deref().unwrap_or("refund id unknown")
        )
    });
    let ignore_blocked = match r.status.as_str() {
        REFUNDED => Some("A refunded warning cannot be ignored.".to_string()),
        IGNORED => Some("Already marked as ignored.".to_string()),
        _ => None,
    };
    html! {
        dialog open id="warning-dialog" aria-labelledby="warning-title" {
            h3 id="warning-title" { "Early fraud warning " (r.id) }
            dl {
                dt { "Issuer fraud type" } dd id="warning-fraud-type" { (r.fraud_type.as_deref().unwrap_or("—")) }
                dt { "Actionable" } dd id="warning-actionable" { (yes_no(r.actionable)) }
                dt { "Charge" } dd id="warning-charge" { (r.charge_id) }
                dt { "Amount" } dd id="warning-amount" { (money(r.amount, r.currency.as_deref())) }
                dt { "Internal status" } dd id="warning-status" { (r.status) }
                dt { "Refund" } dd id="warning-refund" { (r.refund_id.as_deref().unwrap_or("—")) }
                dt { "Reported by Stripe" } dd { (date_time(r.stripe_created_at)) }
            }
            @if r.actionable == Some(true) && r.status == OPEN {
                p.reason { "Actionable: the charge can still be refunded, which prevents a dispute for it." }
            }
            form method="post" action={ (action) "/refund" } {
                (csrf_field(&who.viewer))
                fieldset disabled[refund_blocked.is_some()] {
                    legend { "Refund the charge: " (money(r.amount, r.currency.as_deref())) }
                    input type="checkbox" id="confirm-refund" name="confirm" value="yes" required;
                    " "
                    label.inline for="confirm-refund" { "I confirm refunding the full amount" }
                    label for="refund-notes" { "Note for the refund" }
                    input type="text" id="refund-notes" name="notes" required;
                    p { button.danger type="submit" { "Refund Full Amount" } }
                }
                @if let Some(why) = &refund_blocked { p.reason id="refund-reason" { (why) } }
            }
            form method="post" action={ (action) "/ignore" } {
                (csrf_field(&who.viewer))
                fieldset disabled[ignore_blocked.is_some()] {
                    legend { "Decide not to act" }
                    input type="checkbox" id="confirm-ignore" name="confirm" value="yes" required;
                    " "
                    label.inline for="confirm-ignore" { "I confirm no refund is needed" }
                    label for="ignore-notes" { "Note: why no action" }
                    input type="text" id="ignore-notes" name="notes" required;
                    p { button.secondary type="submit" { "Mark as Ignored" } }
                }
                @if let Some(why) = &ignore_blocked { p.reason id="ignore-reason" { (why) } }
            }
            (history(&w.history))
            p { a href="/stripe-disputes?tab=fraud-warnings" { "Close details" } }
        }
    }
}

async fn act(
    state: AppState,
    who: AdminViewer,
    client: Option<std::net::SocketAddr>,
    id: String,
    headers: HeaderMap,
    body: axum::body::Bytes,
    refund: bool,
) -> Result<Response, PageError> {
    let form = CheckedForm::check(&state, &headers, &who.viewer, &body)?;
    let notes = form.get("notes").map(str::to_string);
    let confirmed = form.get("confirm") == Some("yes");
    let result = async {
        enforce(&state, Endpoint::AdminWrite, &who.admin.user_id, client).await?;
        if !confirmed {
            return Err(ApiError::bad_request(
                "confirmation_required",
                "Tick the box to confirm before pressing the button.",
            ));
        }
        if refund {
            fraud::refund(&state, &who.admin, &id, &notes).await
        } else {
            fraud::ignore(&state, &who.admin, &id, &notes).await
        }
    }
    .await;
    match result {
        Ok(_) => Ok((
            StatusCode::SEE_OTHER,
            [(
                header::LOCATION,
                format!(
                    "/stripe-disputes?tab=fraud-warnings&status=all&warning={id}&done={}",
                    if refund { "refunded" } else { "ignored" }
                ),
            )],
        )
            .into_response()),
        Err(e) => {
            let known = crate::flows::validate::check_id(&id, fraud::PREFIXES).is_ok();
            let q = DashboardQuery {
                status: Some("all".into()),
                warning: Some(id.clone()).filter(|_| known),
                ..DashboardQuery::default()
            };
            let msg = Some(Message::Error(error_text(&e)));
            let markup = match render(&state, &who, Tab::FraudWarnings, &q, &msg).await {
                Ok(m) => m,
                Err(_) => {
                    render(
                        &state,
                        &who,
                        Tab::FraudWarnings,
                        &DashboardQuery::default(),
                        &msg,
                    )
                    .await?
                }
            };
            Ok(with_error_status(&e, markup))
        }
    }
}

/// `POST /stripe-disputes/fraud-warnings/{id}/refund` (`confirm=yes`, `notes`).
pub async fn refund(
    who: AdminViewer,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PagePath(id): PagePath<String>,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    act(state, who, client, id, headers, body, true).await
}

/// `POST /stripe-disputes/fraud-warnings/{id}/ignore` (`confirm=yes`, `notes`).
pub async fn ignore(
    who: AdminViewer,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PagePath(id): PagePath<String>,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    act(state, who, client, id, headers, body, false).await
}
