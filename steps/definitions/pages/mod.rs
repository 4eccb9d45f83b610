//! Steps that click what people click (`@browser` scenarios): the backend's own pages —
//! Pricing, the success page, the account page, the ops dashboard — and Stripe's hosted
//! Checkout and portal pages, in a real headless browser. A person signs in the way the
//! identity provider signs them in: its session token in the `__session` cookie.
//!
//! Each step fails with what the browser showed (its URL and the page's text).

mod account;
mod any_page;
mod checkout;
mod dashboard;
mod keyboard;
mod warnings;

use billing::routes;
use serde_json::Value;

use crate::steps::browser::Browser;
use crate::steps::world::Rehearsal;

/// The cookie the identity provider keeps its session token in (Clerk's convention).
const SESSION_COOKIE: &str = "__session";

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    panic!("{what}: {e}")
}

async fn base_url(world: &mut Rehearsal) -> String {
    world.backend().await.client.base_url().to_string()
}

async fn browser(world: &mut Rehearsal) -> &Browser {
    match world.browser().await {
        Ok(b) => b,
        Err(e) => fail("the browser did not start", e),
    }
}

/// Opens `path` of the backend as `name` (signed in through the session cookie), or as
/// nobody.
async fn open_as(world: &mut Rehearsal, name: Option<&str>, path: &str) {
    let base = base_url(world).await;
    let token = name.map(|n| world.known_actor(n).token);
    if let Some(n) = name {
        world.remembered.browser_person = Some(n.to_string());
    }
    let signed_in = world.remembered.browser_token.clone();
    if let Some(token) = &token
        && signed_in.as_ref() != Some(token)
    {
        world.remembered.browser_token = Some(token.clone());
        let b = browser(world).await;
        // A cookie can only be set for the page's origin: open one of ours first.
        b.goto(&format!("{base}{}", routes::BILLING_CANCELLED))
            .await
            .unwrap_or_else(|e| fail("opening the backend", e));
        b.set_cookie(SESSION_COOKIE, token)
            .await
            .unwrap_or_else(|e| fail("signing in", e));
    }
    let b = browser(world).await;
    b.goto(&format!("{base}{path}"))
        .await
        .unwrap_or_else(|e| fail(&format!("opening {path}"), e));
}

async fn page_text(world: &mut Rehearsal) -> String {
    browser(world)
        .await
        .page_text()
        .await
        .unwrap_or_else(|e| fail("reading the page", e))
}

async fn text_of(world: &mut Rehearsal, css: &str) -> String {
    browser(world)
        .await
        .text(css)
        .await
        .unwrap_or_else(|e| fail(&format!("reading {css}"), e))
}

fn assert_contains(what: &str, text: &str, needle: &str) {
    assert!(
        text.contains(needle),
        "{what} should say {needle:?}; it says {text:?}"
    );
}

/// Stripe's amount of a dispute or charge as the pages write it (`10.00 USD`).
fn money(object: &Value) -> String {
    let amount = object["amount"].as_i64().unwrap_or_default();
    let currency = object["currency"]
        .as_str()
        .unwrap_or("usd")
        .to_ascii_uppercase();
    format!("{}.{:02} {currency}", amount / 100, amount % 100)
}

async fn history_shows(world: &mut Rehearsal, actions: &[&str], name: &str, note: Option<&str>) {
    let email = world.known_actor(name).email;
    let b = browser(world).await;
    let entries = b
        .texts("#history li")
        .await
        .unwrap_or_else(|e| fail("reading the history", e));
    for action in actions {
        assert!(
            entries.iter().any(|e| e.contains(action)
                && e.contains(&email)
                && note.is_none_or(|n| e.contains(n))),
            "the history should show {action:?} by {email}{}; it shows {entries:?}",
            note.map(|n| format!(" with {n:?}")).unwrap_or_default()
        );
    }
}
