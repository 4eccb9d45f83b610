//! The hosted Checkout page at a session's `url`: `GET /c/pay/{id}` shows the card form;
//! `POST /c/pay/{id}` pays (in setup mode, saves the card) with a 303 to `success_url`, or
//! shows the decline (402), leaving the session open. No API key: the session id is the capability.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use crate::app::App;
use crate::engine::checkout::{PaymentInput, complete};
use crate::error::StripeError;
use crate::form;
use crate::hosted::html::{escape, page, safe_href};
use crate::objects::money;

/// What the page shows about a session.
struct View {
    session: Value,
    lines: Vec<(String, String, i64)>,
    total: String,
    interval: String,
}

fn load(app: &App, id: &str) -> Option<View> {
    let account = app.session_account(id)?;
    let mut st = account.lock();
    crate::engine::checkout::expire_if_due(&mut st, id);
    let session = st.store.get_kind("checkout.session", id)?.clone();
    let currency = session["currency"].as_str().unwrap_or("usd").to_string();
    let mut interval = String::new();
    let lines = st
        .session_items
        .get(id)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|it| {
            let price = st.store.get_kind("price", &it.price)?;
            let product = st.store.get(price["product"].as_str().unwrap_or_default());
            let name = product
                .and_then(|p| p["name"].as_str())
                .unwrap_or("Subscription")
                .to_string();
            if let Some(unit) = price["recurring"]["interval"].as_str() {
                let count = price["recurring"]["interval_count"].as_i64().unwrap_or(1);
                interval = if count == 1 {
                    unit.to_string()
                } else {
                    format!("{count} {unit}s")
                };
            }
            let amount = price["unit_amount"].as_i64().unwrap_or(0) * it.quantity;
            Some((name, money(amount, &currency), it.quantity))
        })
        .collect();
    let total = money(session["amount_total"].as_i64().unwrap_or(0), &currency);
    Some(View {
        session,
        lines,
        total,
        interval,
    })
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page(
            "Checkout not found",
            "<h1>Checkout not found</h1><p>This checkout link is not valid.</p>",
        )),
    )
        .into_response()
}

fn render(view: &View, error: Option<&str>, card_value: &str) -> String {
    let s = &view.session;
    let id = s["id"].as_str().unwrap_or_default();
    let mode = s["mode"].as_str().unwrap_or("subscription");
    let fallback = match mode {
        "setup" => "Save a card",
        "payment" => "Checkout",
        _ => "Subscription",
    };
    let title = view
        .lines
        .first()
        .map(|l| l.0.clone())
        .unwrap_or_else(|| fallback.into());
    let (summary, button) = match mode {
        "setup" => (
            "Save your card for future payments. You will not be charged now.".to_string(),
            "Save card".to_string(),
        ),
        "payment" => (
            format!("Pay <strong>{}</strong>", escape(&view.total)),
            format!("Pay {}", view.total),
        ),
        _ => (
            format!(
                "Subscribe for <strong>{} / {}</strong>",
                escape(&view.total),
                escape(&view.interval)
            ),
            format!("Pay {}", view.total),
        ),
    };
    let mut body = format!("<h1>{}</h1>\n<p>{summary}</p>\n", escape(&title));
    if !view.lines.is_empty() {
        body.push_str("<ul>\n");
    }
    for (name, amount, qty) in &view.lines {
        body.push_str(&format!(
            "<li>{} × {} — {}</li>\n",
            qty,
            escape(name),
            escape(amount)
        ));
    }
    if !view.lines.is_empty() {
        body.push_str("</ul>\n");
    }
    if s["status"] != "open" {
        let status = s["status"].as_str().unwrap_or("unknown");
        body.push_str(&format!(
            "<p role=\"status\">This checkout session is {} and can no longer be {}.</p>\n",
            escape(status),
            if mode == "setup" { "used" } else { "paid" }
        ));
        return page(&format!("{title} — checkout"), &body);
    }
    if let Some(e) = error {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>\n",
            escape(e)
        ));
    }
    let email = s["customer_email"].as_str().unwrap_or_default();
    let email_field = if s["customer"].is_null() {
        format!(
            "<label for=\"email\">Email</label>\n<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" value=\"{}\"{}>\n",
            escape(email),
            if email.is_empty() { "" } else { " readonly" }
        )
    } else {
        String::new()
    };
    let described = if error.is_some() {
        " aria-describedby=\"error\" aria-invalid=\"true\""
    } else {
        ""
    };
    body.push_str(&format!(
        "<form method=\"post\" action=\"/c/pay/{id}\">\n{email_field}\
<label for=\"card_number\">Card number</label>\n\
<input id=\"card_number\" name=\"card_number\" inputmode=\"numeric\" autocomplete=\"cc-number\" required value=\"{card}\"{described}>\n\
<label for=\"exp\">Expiry date (MM / YY)</label>\n\
<input id=\"exp\" name=\"exp\" autocomplete=\"cc-exp\" placeholder=\"12 / 34\">\n\
<label for=\"cvc\">Security code (CVC)</label>\n\
<input id=\"cvc\" name=\"cvc\" inputmode=\"numeric\" autocomplete=\"cc-csc\">\n\
<button type=\"submit\">{button}</button>\n</form>\n",
        id = escape(id),
        card = escape(card_value),
        button = escape(&button),
    ));
    if let Some(cancel) = s["cancel_url"].as_str().filter(|u| safe_href(u)) {
        body.push_str(&format!(
            "<p><a href=\"{}\">Cancel and go back</a></p>\n",
            escape(cancel)
        ));
    }
    body.push_str(
        "<p class=\"note\">Stripe simulator, test mode. Pay with 4242 4242 4242 4242; 4000 0000 0000 0002 is declined.</p>\n",
    );
    page(&format!("{title} — checkout"), &body)
}

/// `GET /c/pay/{id}`
pub(crate) async fn show(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match load(&app, &id) {
        Some(view) => Html(render(&view, None, "")).into_response(),
        None => not_found(),
    }
}

/// `POST /c/pay/{id}` with form fields `card_number` (and optional `email`, `exp`, `cvc`).
pub(crate) async fn pay(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(account) = app.session_account(&id) else {
        return not_found();
    };
    let Some(view) = load(&app, &id) else {
        return not_found();
    };
    let params = match form::parse(&body) {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Html(render(&view, Some(&e.to_string()), "")),
            )
                .into_response();
        }
    };
    let card = params["card_number"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let input = PaymentInput {
        card_number: card.clone(),
        email: params["email"].as_str().map(str::to_string),
    };
    // The payer's click starts a flow of its own (for the "shuffled" delivery mode).
    account.lock().delivery.new_flow();
    match complete(&account, &id, &input) {
        Ok(done) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, done.redirect_url)],
        )
            .into_response(),
        Err(e) => {
            let status = match &e {
                StripeError::Card { .. } => StatusCode::PAYMENT_REQUIRED,
                other => other.status(),
            };
            // Reload: the session may have changed state meanwhile.
            let view = load(&app, &id).unwrap_or(view);
            (status, Html(render(&view, Some(&e.to_string()), &card))).into_response()
        }
    }
}
