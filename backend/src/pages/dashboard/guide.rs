//! `/stripe-disputes/guide`: the Ops Guide (`docs/ops-guide.md`, shipped inside the binary),
//! rendered for admins and linked from every dashboard tab.

use axum::response::{Html, IntoResponse, Response};
use maud::html;

use crate::pages::render::{page, trusted};
use crate::pages::session::AdminViewer;

/// The guide's Markdown.
pub const OPS_GUIDE: &str = include_str!("../../../../docs/ops-guide.md");

/// `GET /stripe-disputes/guide`.
pub async fn show(who: AdminViewer) -> Response {
    let parser = pulldown_cmark::Parser::new_ext(OPS_GUIDE, pulldown_cmark::Options::ENABLE_TABLES);
    let mut rendered = String::new();
    pulldown_cmark::html::push_html(&mut rendered, parser);
    let body = html! {
        p { a href="/stripe-disputes" { "Back to the dashboard" } }
        article.guide { (trusted(rendered)) }
    };
    Html(page("Ops Guide", Some(&who.viewer), body).into_string()).into_response()
}
