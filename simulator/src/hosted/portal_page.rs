//! The hosted Customer Portal page at a portal session's `url` (`/p/session/{bps_id}`):
//! the customer's subscriptions and invoices, a card form, cancel and plan-switch buttons as
//! the portal configuration allows, and a link back to `return_url`. Each form posts to
//! `/p/session/{bps_id}/{action}` and is answered with a 303 back to the page (or the page
//! with the error, 402 for a declined card). No API key: the session id is the capability.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use crate::app::App;
use crate::engine::portal;
use crate::error::StripeError;
use crate::form;
use crate::hosted::html::{escape, page, safe_href};
use crate::objects::money;
use crate::objects::status::{InvoiceStatus, Status};
use crate::time::clock::date_of;

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page(
            "Portal not found",
            "<h1>Billing portal not found</h1><p>This billing portal link is not valid.</p>",
        )),
    )
        .into_response()
}

fn product_name(st: &crate::account::AccountState, price: &Value) -> String {
    price["product"]
        .as_str()
        .and_then(|p| st.store.get_kind("product", p))
        .and_then(|p| p["name"].as_str())
        .or_else(|| price["nickname"].as_str())
        .unwrap_or("Subscription")
        .to_string()
}

fn price_label(st: &crate::account::AccountState, price: &Value) -> String {
    format!(
        "{} — {} / {}",
        product_name(st, price),
        money(
            price["unit_amount"].as_i64().unwrap_or(0),
            price["currency"].as_str().unwrap_or("usd")
        ),
        price["recurring"]["interval"].as_str().unwrap_or("month")
    )
}

fn render(app: &App, id: &str, notice: Option<&str>, error: Option<&str>) -> Option<String> {
    let account = app.session_account(id)?;
    let st = account.lock();
    let p = portal::load(&st, id).ok()?;
    let customer = st.store.get_kind("customer", &p.customer).cloned()?;
    let who = customer["email"]
        .as_str()
        .or_else(|| customer["name"].as_str())
        .unwrap_or(&p.customer)
        .to_string();
    let base = format!("/p/session/{}", escape(id));
    let mut body = format!(
        "<h1>Billing</h1>\n<p>Signed in as <strong>{}</strong></p>\n",
        escape(&who)
    );
    if let Some(n) = notice {
        body.push_str(&format!(
            "<p role=\"status\" id=\"notice\">{}</p>\n",
            escape(n)
        ));
    }
    if let Some(e) = error {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>\n",
            escape(e)
        ));
    }
    body.push_str("<h2>Current plan</h2>\n");
    let subs = portal::live_subscriptions(&st, &p.customer);
    if subs.is_empty() {
        body.push_str("<p>No active subscription.</p>\n");
    }
    let allowed = p.allowed_prices();
    for sub in &subs {
        let sub_id = sub["id"].as_str().unwrap_or_default();
        let price = &sub["items"]["data"][0]["price"];
        let end = crate::objects::subscription_period_end(sub).unwrap_or(0);
        body.push_str(&format!(
            "<section aria-label=\"Subscription {sid}\">\n<p><strong>{label}</strong> <span class=\"status\">({status})</span></p>\n",
            sid = escape(sub_id),
            label = escape(&price_label(&st, price)),
            status = escape(sub["status"].as_str().unwrap_or_default()),
        ));
        if sub["cancel_at_period_end"] == true {
            body.push_str(&format!(
                "<p>Your plan will be canceled on {}.</p>\n",
                escape(&date_of(sub["cancel_at"].as_i64().unwrap_or(end)))
            ));
        } else {
            body.push_str(&format!("<p>Renews on {}.</p>\n", escape(&date_of(end))));
        }
        let switchable: Vec<&String> = allowed
            .iter()
            .filter(|pr| price["id"].as_str() != Some(pr.as_str()))
            .collect();
        if p.config["features"]["subscription_update"]["enabled"] == true && !switchable.is_empty()
        {
            body.push_str(&format!(
                "<form method=\"post\" action=\"{base}/switch_plan\">\n<input type=\"hidden\" name=\"subscription\" value=\"{sid}\">\n<label for=\"price-{sid}\">Switch plan</label>\n<select id=\"price-{sid}\" name=\"price\">\n",
                sid = escape(sub_id)
            ));
            for pr in switchable {
                let label = st
                    .store
                    .get_kind("price", pr)
                    .map(|o| price_label(&st, o))
                    .unwrap_or_else(|| pr.clone());
                body.push_str(&format!(
                    "<option value=\"{}\">{}</option>\n",
                    escape(pr),
                    escape(&label)
                ));
            }
            body.push_str("</select>\n<button type=\"submit\">Update plan</button>\n</form>\n");
        }
        if p.config["features"]["subscription_cancel"]["enabled"] == true
            && sub["cancel_at_period_end"] != true
        {
            let label = if p.cancel_mode() == "immediately" {
                "Cancel plan now"
            } else {
                "Cancel plan at the end of the period"
            };
            body.push_str(&format!(
                "<form method=\"post\" action=\"{base}/cancel\">\n<input type=\"hidden\" name=\"subscription\" value=\"{}\">\n<button type=\"submit\">{label}</button>\n</form>\n",
                escape(sub_id)
            ));
        }
        body.push_str("</section>\n");
    }
    body.push_str("<h2>Payment method</h2>\n");
    let pm = customer["invoice_settings"]["default_payment_method"]
        .as_str()
        .and_then(|pm| st.store.get_kind("payment_method", pm));
    match pm {
        Some(pm) => body.push_str(&format!(
            "<p id=\"card\">{} ending in {}</p>\n",
            escape(pm["card"]["brand"].as_str().unwrap_or("card")),
            escape(pm["card"]["last4"].as_str().unwrap_or("????"))
        )),
        None => body.push_str("<p id=\"card\">No default card.</p>\n"),
    }
    if p.config["features"]["payment_method_update"]["enabled"] == true {
        body.push_str(&format!(
            "<form method=\"post\" action=\"{base}/update_card\">\n<label for=\"card_number\">New card number</label>\n<input id=\"card_number\" name=\"card_number\" inputmode=\"numeric\" autocomplete=\"cc-number\" required>\n<button type=\"submit\">Update card</button>\n</form>\n"
        ));
    }
    if p.config["features"]["invoice_history"]["enabled"] == true {
        body.push_str("<h2>Invoice history</h2>\n<table>\n<thead><tr><th>Date</th><th>Number</th><th>Amount</th><th>Status</th></tr></thead>\n<tbody>\n");
        let mut invoices: Vec<&Value> = st
            .store
            .ids_of("invoice")
            .filter_map(|i| st.store.get(i))
            .filter(|i| {
                i["customer"] == p.customer.as_str()
                    && InvoiceStatus::of(i) != Some(InvoiceStatus::Draft)
            })
            .collect();
        invoices.reverse();
        for inv in invoices {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&date_of(inv["created"].as_i64().unwrap_or(0))),
                escape(inv["number"].as_str().unwrap_or("—")),
                escape(&money(
                    inv["amount_due"].as_i64().unwrap_or(0),
                    inv["currency"].as_str().unwrap_or("usd")
                )),
                escape(inv["status"].as_str().unwrap_or_default()),
            ));
        }
        body.push_str("</tbody>\n</table>\n");
    }
    if let Some(ret) = p.session["return_url"].as_str().filter(|u| safe_href(u)) {
        body.push_str(&format!(
            "<p><a id=\"return\" href=\"{}\">Return to the site</a></p>\n",
            escape(ret)
        ));
    }
    body.push_str("<p class=\"note\">Stripe simulator, test mode.</p>\n");
    Some(page("Billing portal", &body))
}

/// `GET /p/session/{id}` (`?done=` shows a notice after an action).
pub(crate) async fn show(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let notice = q.get("done").map(|d| match d.as_str() {
        "cancel" => "Your plan has been canceled.",
        "update_card" => "Your card has been updated.",
        "switch_plan" => "Your plan has been updated.",
        _ => "Done.",
    });
    match render(&app, &id, notice, None) {
        Some(html) => Html(html).into_response(),
        None => not_found(),
    }
}

/// `POST /p/session/{id}/{cancel|update_card|switch_plan}` with form fields
/// (`subscription`, `card_number`, `price`).
pub(crate) async fn act(
    State(app): State<Arc<App>>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Some(account) = app.session_account(&id) else {
        return not_found();
    };
    let params = match form::parse(&body) {
        Ok(v) => v,
        Err(e) => return error_page(&app, &id, &e),
    };
    let field = |k: &str| params[k].as_str().filter(|s| !s.is_empty());
    let result = {
        let mut st = account.lock();
        st.delivery.new_flow();
        match action.as_str() {
            "cancel" => portal::cancel(&mut st, &id, field("subscription"), None),
            "update_card" => match field("card_number") {
                Some(card) => portal::update_card(&mut st, &id, card),
                None => Err(StripeError::ParameterMissing {
                    param: "card_number".into(),
                }),
            },
            "switch_plan" => match field("price") {
                Some(price) => portal::switch_plan(&mut st, &id, field("subscription"), price),
                None => Err(StripeError::ParameterMissing {
                    param: "price".into(),
                }),
            },
            _ => return not_found(),
        }
    };
    match result {
        Ok(_) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/p/session/{id}?done={action}"))],
        )
            .into_response(),
        Err(e) => error_page(&app, &id, &e),
    }
}

fn error_page(app: &App, id: &str, e: &StripeError) -> Response {
    let status = match e {
        StripeError::Card { .. } => StatusCode::PAYMENT_REQUIRED,
        other => other.status(),
    };
    match render(app, id, None, Some(&e.to_string())) {
        Some(html) => (status, Html(html)).into_response(),
        None => not_found(),
    }
}
