//! The Disputes tab: newest first with amount, reason, status, evidence due date and user, in
//! pages; a dispute's dialog with its details, the evidence form (Stripe's evidence fields;
//! Stage or Submit), Close behind an explicit confirmation, and the action history.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::Value;

use super::{DashboardQuery, Tab, history, render};
use crate::db::disputes::DisputeRow;
use crate::edge::limit::enforce;
use crate::flows::disputes::{self, EVIDENCE_FIELDS};
use crate::pages::render::{
    Message, PageError, csrf_field, date, error_text, message, money, with_error_status,
};
use crate::pages::session::{AdminViewer, CheckedForm, ClientAddr, PageBody, PagePath};
use crate::ratelimit::Endpoint;
use crate::state::AppState;

/// The fields shown first; the rest sit under "More evidence fields".
const COMMON_FIELDS: &[&str] = &[
    "product_description",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "service_date",
    "uncategorized_text",
];

/// Statuses in which Stripe still takes evidence or a close.
fn open_for_response(status: &str) -> bool {
    matches!(status, "needs_response" | "warning_needs_response")
}

fn field_label(name: &str) -> String {
    let mut s = name.replace('_', " ");
    if let Some(first) = s.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    s
}

/// The tab's content.
pub async fn tab(
    state: &AppState,
    who: &AdminViewer,
    q: &DashboardQuery,
    msg: &Option<Message>,
) -> Result<Markup, PageError> {
    let open = match q.dispute.as_deref() {
        Some(id) => Some(disputes::detail(state, id).await?),
        None => None,
    };
    let list = disputes::list(state, q.after.as_deref(), Some(20)).await?;
    Ok(html! {
        h2 { "Disputes" }
        (message(msg))
        @if list.stale { p.error role="alert" { "Stripe could not be reached: this list shows our own records, which may be behind." } }
        @if let Some(d) = &open { (dialog(who, d)) }
        @if list.rows.is_empty() {
            p id="no-disputes" { "No disputes. When a customer disputes a charge it appears here." }
        } @else {
            table id="disputes" {
                caption { "Disputes, newest first" }
                thead { tr { th { "Dispute" } th { "Amount" } th { "Reason" } th { "Status" } th { "Evidence due" } th { "User" } } }
                tbody {
                    @for r in &list.rows {
                        tr data-id=(r.id) {
                            td { a href={ "/stripe-disputes?tab=disputes&dispute=" (r.id) } { (r.id) } }
                            td { (money(r.amount, r.currency.as_deref())) }
                            td { (r.reason.as_deref().unwrap_or("—")) }
                            td.status { (r.status) }
                            td { (date(r.due_by)) }
                            td { (r.user_id.as_deref().unwrap_or("unknown")) }
                        }
                    }
                }
            }
            @if let Some(next) = &list.next_cursor {
                p { a href={ "/stripe-disputes?tab=disputes&after=" (next) } { "Next page" } }
            }
            @if q.after.is_some() { p { a href="/stripe-disputes?tab=disputes" { "First page" } } }
        }
    })
}

fn dialog(who: &AdminViewer, d: &disputes::DisputeDetail) -> Markup {
    let r: &DisputeRow = &d.row;
    let open = open_for_response(&r.status);
    let staged = |k: &str| {
        r.evidence_staged
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let action = format!("/stripe-disputes/disputes/{}", r.id);
    html! {
        dialog open id="dispute-dialog" aria-labelledby="dispute-title" {
            h3 id="dispute-title" { "Dispute " (r.id) }
            @if d.stale { p.error role="alert" { "Stripe could not be reached: these details are our own record and may be behind." } }
            dl {
                dt { "Amount" } dd id="dispute-amount" { (money(r.amount, r.currency.as_deref())) }
                dt { "Reason" } dd id="dispute-reason" { (r.reason.as_deref().unwrap_or("—")) }
                dt { "Status" } dd id="dispute-status" { (r.status) }
                dt { "Evidence due" } dd id="dispute-due" { (date(r.due_by)) }
                dt { "Charge" } dd { (r.charge_id) }
                dt { "User" } dd { (r.user_id.as_deref().unwrap_or("unknown")) }
                dt { "Evidence submitted" } dd id="dispute-submitted" { @if r.evidence_submitted { "Yes (" (r.submission_count) " time(s))" } @else { "No" } }
            }
            form method="post" action={ (action) "/evidence" } {
                (csrf_field(&who.viewer))
                fieldset disabled[!open] {
                    legend { "Evidence" }
                    @for f in COMMON_FIELDS {
                        label for={ "ev-" (f) } { (field_label(f)) }
                        textarea id={ "ev-" (f) } name={ "ev_" (f) } rows="2" { (staged(f)) }
                    }
                    details {
                        summary { "More evidence fields" }
                        @for f in EVIDENCE_FIELDS.iter().filter(|f| !COMMON_FIELDS.contains(f)) {
                            label for={ "ev-" (f) } { (field_label(f)) }
                            textarea id={ "ev-" (f) } name={ "ev_" (f) } rows="1" { (staged(f)) }
                        }
                    }
                    label for="evidence-notes" { "Note for the history (optional)" }
                    input type="text" id="evidence-notes" name="notes";
                    p {
                        button.secondary type="submit" name="action" value="stage" { "Stage evidence" }
                        " "
                        button type="submit" name="action" value="submit" { "Submit evidence" }
                    }
                }
                @if !open { p.reason id="evidence-reason" { "Evidence can no longer be changed: the dispute is " (r.status) "." } }
                @else { p.reason { "Stage saves the evidence at Stripe without sending it; Submit sends it to the card issuer, after which it cannot be changed." } }
            }
            form method="post" action={ (action) "/close" } {
                (csrf_field(&who.viewer))
                fieldset disabled[!open] {
                    legend { "Close (concede) the dispute" }
                    input type="checkbox" id="confirm-close" name="confirm" value="yes" required;
                    " "
                    label.inline for="confirm-close" { "I understand that closing concedes the dispute and cannot be undone" }
                    label for="close-notes" { "Note for the history (optional)" }
                    input type="text" id="close-notes" name="notes";
                    p { button.danger type="submit" { "Close dispute" } }
                }
                @if !open { p.reason id="close-reason" { "This dispute cannot be closed: it is " (r.status) "." } }
            }
            (history(&d.history))
            p { a href="/stripe-disputes?tab=disputes" { "Close details" } }
        }
    }
}

async fn after_action(
    state: &AppState,
    who: &AdminViewer,
    id: &str,
    result: Result<(), crate::error::ApiError>,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok((
            StatusCode::SEE_OTHER,
            [(
                header::LOCATION,
                format!("/stripe-disputes?tab=disputes&dispute={id}&done={done}"),
            )],
        )
            .into_response()),
        Err(e) => {
            let q = DashboardQuery {
                dispute: Some(id.to_string())
                    .filter(|_| crate::flows::validate::check_id(id, disputes::PREFIXES).is_ok()),
                ..DashboardQuery::default()
            };
            let msg = Some(Message::Error(error_text(&e)));
            let markup = match render(state, who, Tab::Disputes, &q, &msg).await {
                Ok(m) => m,
                // The dispute itself cannot be shown (unknown id): show the list.
                Err(_) => {
                    render(state, who, Tab::Disputes, &DashboardQuery::default(), &msg).await?
                }
            };
            Ok(with_error_status(&e, markup))
        }
    }
}

/// `POST /stripe-disputes/disputes/{id}/evidence` (`ev_<field>`…, `action=stage|submit`).
pub async fn evidence(
    who: AdminViewer,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PagePath(id): PagePath<String>,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    let form = CheckedForm::check(&state, &headers, &who.viewer, &body)?;
    let submit = form.get("action") == Some("submit");
    let fields: BTreeMap<String, Value> = form
        .0
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix("ev_")?;
            let text = v.trim();
            (!text.is_empty()).then(|| (name.to_string(), Value::String(text.to_string())))
        })
        .collect();
    let notes = form.get("notes").map(str::to_string);
    let result = async {
        enforce(&state, Endpoint::AdminWrite, &who.admin.user_id, client).await?;
        disputes::evidence(&state, &who.admin, &id, &fields, submit, &notes)
            .await
            .map(|_| ())
    }
    .await;
    after_action(
        &state,
        &who,
        &id,
        result,
        if submit { "submitted" } else { "staged" },
    )
    .await
}

/// `POST /stripe-disputes/disputes/{id}/close` (`confirm=yes` required).
pub async fn close(
    who: AdminViewer,
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    PagePath(id): PagePath<String>,
    headers: HeaderMap,
    PageBody(body): PageBody,
) -> Result<Response, PageError> {
    let form = CheckedForm::check(&state, &headers, &who.viewer, &body)?;
    let confirmed = form.get("confirm") == Some("yes");
    let notes = form.get("notes").map(str::to_string);
    let result = async {
        enforce(&state, Endpoint::AdminWrite, &who.admin.user_id, client).await?;
        if !confirmed {
            return Err(crate::error::ApiError::bad_request(
                "confirmation_required",
                "Tick the box to confirm: closing concedes the dispute and cannot be undone.",
            ));
        }
        disputes::close(&state, &who.admin, &id, true, &notes)
            .await
            .map(|_| ())
    }
    .await;
    after_action(&state, &who, &id, result, "closed").await
}
