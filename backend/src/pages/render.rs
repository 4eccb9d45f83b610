//! What every page shares: the layout (navigation, who is signed in), messages, the error
//! pages (sign-in 401, forbidden 403, expired form, failures), the security headers, and the
//! small formatting helpers for money and dates. maud escapes every interpolated string, so
//! Stripe- and user-supplied text can never become markup.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use time::OffsetDateTime;

use super::session::{CSRF_FIELD, Viewer};
use crate::error::ApiError;
use crate::state::AppState;

/// The stylesheet, served at [`STYLESHEET_PATH`] (the CSP allows no inline style).
pub const STYLESHEET: &str = include_str!("pages.css");
/// Where the stylesheet is served.
pub const STYLESHEET_PATH: &str = "/assets/pages.css";

/// A whole page: the layout around `body`.
pub fn page(title: &str, viewer: Option<&Viewer>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Billing" }
                link rel="stylesheet" href=(STYLESHEET_PATH);
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header {
                    nav aria-label="Main" {
                        a href="/pricing" { "Pricing" }
                        a href="/account" { "Account" }
                        @if viewer.is_some_and(|v| v.is_admin) {
                            a href="/stripe-disputes" { "Ops dashboard" }
                        }
                    }
                    @if let Some(v) = viewer {
                        p.who { "Signed in as " strong { (v.user.email.as_deref().unwrap_or(&v.user.user_id)) } }
                    }
                }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}

/// A message a person reads: an error (`role=alert`) or a notice (`role=status`).
#[derive(Debug, Clone)]
pub enum Message {
    /// Something went wrong; what to do about it.
    Error(String),
    /// Something worked.
    Notice(String),
}

impl Message {
    /// The message as markup (`#message` for errors, `#notice` for notices).
    pub fn markup(&self) -> Markup {
        match self {
            Message::Error(m) => html! { p.error id="message" role="alert" { (m) } },
            Message::Notice(m) => html! { p.notice id="notice" role="status" { (m) } },
        }
    }
}

/// Markup for an optional message.
pub fn message(m: &Option<Message>) -> Markup {
    match m {
        Some(m) => m.markup(),
        None => html! {},
    }
}

/// The hidden form-token field every state-changing form carries.
pub fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(viewer.csrf); }
}

/// What a person reads when an action failed: the API's message, in words, never JSON.
pub fn error_text(e: &ApiError) -> String {
    match e {
        ApiError::RateLimited { retry_after_secs } => format!(
            "You have tried this too often. Please wait {retry_after_secs} seconds and try again."
        ),
        ApiError::BadRequest { message, .. }
        | ApiError::Unprocessable { message, .. }
        | ApiError::NotFound { message, .. }
        | ApiError::Conflict { message, .. } => message.clone(),
        ApiError::Stripe(_) => {
            "Stripe could not complete this just now; nothing was changed. Please try again in a minute.".into()
        }
        _ => "Something went wrong on our side; nothing was changed. Please try again.".into(),
    }
}

/// A page answered with the status of `e` (and its `Retry-After` when rate limited), logging
/// internal failures the way the API does.
pub fn with_error_status(e: &ApiError, markup: Markup) -> Response {
    let (status, code) = e.status_and_code();
    if status.is_server_error() {
        tracing::error!(error = %e, code, "page action failed");
    }
    let mut response = (status, Html(markup.into_string())).into_response();
    if let ApiError::RateLimited { retry_after_secs } = e {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    response
}

/// Why a page was not shown.
#[derive(Debug)]
pub enum PageError {
    /// No valid session: the sign-in page (401).
    SignIn,
    /// Signed in, but this page is for admins (403); nothing of the data is read.
    Forbidden(Box<Viewer>),
    /// The form token or origin did not match (403): reload and try again.
    FormExpired,
    /// The identity provider's keys could not be fetched (503).
    Unavailable,
    /// A failure reading what the page shows.
    Api(ApiError),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        PageError::Api(e)
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> PageError {
        PageError::Api(ApiError::Database(e))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, body, viewer) = match &self {
            PageError::SignIn => (
                StatusCode::UNAUTHORIZED,
                "Sign in",
                html! {
                    h1 { "Sign in to continue" }
                    p { "You are not signed in, or your session has ended. Sign in with your account, then open this page again." }
                },
                None,
            ),
            PageError::Forbidden(v) => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                html! {
                    h1 { "You do not have access to this page" }
                    p { "This page is for the operations team. If you need access, ask an administrator to add your e-mail address." }
                    p { a href="/account" { "Go to your account" } }
                },
                Some(v.as_ref()),
            ),
            PageError::FormExpired => (
                StatusCode::FORBIDDEN,
                "Form expired",
                html! {
                    h1 { "This form has expired" }
                    p { "For your security the form could not be accepted. Go back, reload the page and try again; nothing was changed." }
                },
                None,
            ),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Unavailable",
                html! {
                    h1 { "Sign-in is unavailable" }
                    p { "We could not check your session just now. Please try again in a minute." }
                },
                None,
            ),
            PageError::Api(e) => {
                let (status, code) = e.status_and_code();
                if status.is_server_error() {
                    tracing::error!(error = %e, code, "page failed");
                }
                (
                    status,
                    "Something went wrong",
                    html! {
                        h1 { "We could not show this page" }
                        p id="message" role="alert" { (error_text(e)) }
                    },
                    None,
                )
            }
        };
        (status, Html(page(title, viewer, body).into_string())).into_response()
    }
}

/// Security headers on every page: a Content-Security-Policy that allows only our own
/// stylesheet and forms that post to us or go on to Stripe's hosted pages, no framing, no
/// sniffing, no caching of personal pages.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let csp = content_security_policy(&state.config.stripe.api_base);
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The policy. Forms redirect to Stripe's hosted Checkout and portal pages, and browsers
/// check `form-action` along redirects, so Stripe's page origins are listed — and the origin
/// of `STRIPE_API_BASE` when it is not Stripe's (a simulator serves its pages there).
pub fn content_security_policy(stripe_api_base: &str) -> String {
    let mut form_targets = vec![
        "'self'".to_string(),
        "https://checkout.stripe.com".to_string(),
        "https://billing.stripe.com".to_string(),
    ];
    if let Some(origin) = crate::config::normalize_origin(origin_part(stripe_api_base))
        && origin != "https://api.stripe.com"
    {
        form_targets.push(origin);
    }
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action {}; \
         frame-ancestors 'none'; base-uri 'none'",
        form_targets.join(" ")
    )
}

fn origin_part(url: &str) -> &str {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            &url[..scheme.len() + 3 + end]
        }
        None => url,
    }
}

/// `12.50 USD`-style money from minor units (zero-decimal currencies shown whole).
pub fn money(amount: Option<i64>, currency: Option<&str>) -> String {
    let Some(amount) = amount else {
        return "—".into();
    };
    let currency = currency.unwrap_or("usd").to_ascii_uppercase();
    const ZERO_DECIMAL: &[&str] = &[
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
        "XAF", "XOF", "XPF",
    ];
    if ZERO_DECIMAL.contains(&currency.as_str()) {
        return format!("{amount} {currency}");
    }
    let sign = if amount < 0 { "-" } else { "" };
    let a = amount.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", a / 100, a % 100)
}

/// `2026-12-01` (UTC), or a dash.
pub fn date(t: Option<OffsetDateTime>) -> String {
    match t {
        Some(t) => format!("{}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        None => "—".into(),
    }
}

/// `2026-12-01 14:05 UTC`, or a dash.
pub fn date_time(t: Option<OffsetDateTime>) -> String {
    match t {
        Some(t) => format!(
            "{}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        None => "—".into(),
    }
}

/// Trusted HTML (the rendered Ops Guide, which ships with the backend).
pub fn trusted(html: String) -> PreEscaped<String> {
    PreEscaped(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_in_major_units() {
        assert_eq!(money(Some(1250), Some("usd")), "12.50 USD");
        assert_eq!(money(Some(5), Some("eur")), "0.05 EUR");
        assert_eq!(money(Some(500), Some("jpy")), "500 JPY");
        assert_eq!(money(None, Some("usd")), "—");
    }

    #[test]
    fn the_policy_lets_forms_reach_stripe_and_nothing_else() {
        let csp = content_security_policy("https://api.stripe.com");
        assert!(csp.contains(
            "form-action 'self' https://checkout.stripe.com https://billing.stripe.com;"
        ));
        assert!(csp.contains("default-src 'none'"));
        let sim = content_security_policy("http://127.0.0.1:4100/");
        assert!(sim.contains("http://127.0.0.1:4100;"), "{sim}");
    }

    #[test]
    fn text_is_escaped() {
        let m = Message::Error("<script>alert(1)</script>".into()).markup();
        assert!(!m.into_string().contains("<script>"));
    }
}
