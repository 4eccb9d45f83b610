//! Steps of the new-subscription flow (checklist 6.1): a user starts Checkout through the
//! backend, pays on Stripe's hosted page, comes back to the success URL, and the backend's
//! records follow Stripe's.

use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::tier_key;
use crate::steps::cards::card_number;
use crate::steps::eventually::eventually;
use crate::steps::parameters::{Card, Cycle, Person, Plan};
use crate::steps::records;
use crate::steps::target::Target;
use crate::steps::world::{APP_ORIGIN, CheckoutAttempt, Rehearsal};

/// Where the app asks Stripe to send a user after paying; Stripe fills in the session id.
const SUCCESS_PATH: &str = "/billing/success?session_id={CHECKOUT_SESSION_ID}";
/// Where the app asks Stripe to send a user who leaves the Checkout page.
const CANCEL_PATH: &str = billing::routes::PRICING_PAGE;

/// The request body the web app sends when a user picks a plan.
pub(crate) fn checkout_request(tier: &str, cycle: &str) -> Value {
    json!({
        "tier": tier_key(tier),
        "billing_cycle": cycle,
        "success_url": format!("{APP_ORIGIN}{SUCCESS_PATH}"),
        "cancel_url": format!("{APP_ORIGIN}{CANCEL_PATH}"),
    })
}

/// Asks the backend for a Checkout session as `name` and keeps the answer.
pub(crate) async fn start_checkout(
    world: &mut Rehearsal,
    name: &str,
    tier: &str,
    cycle: &str,
) -> CheckoutAttempt {
    let actor = world.known_actor(name);
    let backend = world.backend().await;
    let response = backend
        .client
        .create_checkout_session(Some(&actor.token), &checkout_request(tier, cycle))
        .await;
    assert_eq!(
        response.status, 200,
        "{name} could not start Checkout: {response}"
    );
    let attempt = CheckoutAttempt {
        success_url: format!("{APP_ORIGIN}{SUCCESS_PATH}"),
        session_id: response.body["session_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        url: response.body["url"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        ..CheckoutAttempt::default()
    };
    assert!(
        attempt.session_id.starts_with("cs_") && attempt.url.starts_with("http"),
        "the backend should return a Checkout session id and URL: {response}"
    );
    world.checkouts.insert(name.to_string(), attempt.clone());
    attempt
}

/// Opens the hosted Checkout page, types `card` into its form and presses Pay, as a person does.
pub(crate) async fn pay_on_checkout_page(world: &mut Rehearsal, name: &str, card: &str) {
    let mut attempt = world
        .checkouts
        .get(name)
        .cloned()
        .expect("Checkout was started first");
    let http = world.env().http.clone();
    let page = http
        .get(&attempt.url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("the Checkout page {} did not load: {e}", attempt.url));
    let status = page.status();
    let html = page.text().await.unwrap_or_default();
    let has_card_form =
        status.is_success() && html.contains("<form") && html.contains("card_number");
    if !has_card_form && !matches!(world.env().target, Target::Simulator) {
        // Stripe's own hosted page needs a browser: a person pays, the step waits for Stripe.
        pay_by_hand(world, name, card, attempt).await;
        return;
    }
    assert!(
        has_card_form,
        "the Checkout page should show a card form; HTTP {status}: {html}"
    );
    let action = form_action(&html, &attempt.url);
    let answer = http
        .post(&action)
        .form(&[
            ("card_number", card),
            ("card_expiry", "12 / 34"),
            ("card_cvc", "123"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("pressing Pay on {action} failed: {e}"));
    attempt.page_status = answer.status().as_u16();
    attempt.redirected_to = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    attempt.page_text = answer.text().await.unwrap_or_default();
    world.checkouts.insert(name.to_string(), attempt);
}

/// How long a step waits for a person to pay on Stripe's own Checkout page
/// (`GOLIVE_HUMAN_WAIT_SECS`, default five minutes).
fn human_wait() -> std::time::Duration {
    let secs = std::env::var("GOLIVE_HUMAN_WAIT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    std::time::Duration::from_secs(secs)
}

/// Against real Stripe test mode: asks a person to pay on the hosted page, then waits until
/// Stripe shows the session complete.
async fn pay_by_hand(world: &mut Rehearsal, name: &str, card: &str, mut attempt: CheckoutAttempt) {
    let wait = human_wait();
    eprintln!(
        "golive: {name} must pay by hand. Open {} and pay with card {card} (any future expiry, any CVC). \
         Waiting up to {} s for Stripe to show the session complete.",
        attempt.url,
        wait.as_secs()
    );
    let (stripe, id) = (&world.stripe, attempt.session_id.as_str());
    let session = eventually(wait, || async move {
        let session = stripe
            .get(&format!("/v1/checkout/sessions/{id}"))
            .await
            .map_err(|e| e.to_string())?;
        if session["status"] == "complete" {
            Ok(session)
        } else {
            Err(format!("session status {}", session["status"]))
        }
    })
    .await
    .unwrap_or_else(|seen| panic!("nobody paid {name}'s Checkout session: {seen}"));
    attempt.paid_by_hand = true;
    attempt.page_text = session.to_string();
    world.checkouts.insert(name.to_string(), attempt);
}

/// The absolute URL a page's first form posts to (its own URL when the form has no action).
fn form_action(html: &str, page_url: &str) -> String {
    let action = html
        .find("<form")
        .map(|start| &html[start..])
        .and_then(|form| form.split_once('>').map(|(tag, _)| tag))
        .and_then(|tag| tag.split_once("action=\""))
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(action, _)| action.replace("&amp;", "&"))
        .unwrap_or_default();
    match reqwest::Url::parse(page_url).and_then(|base| base.join(&action)) {
        Ok(url) if !action.is_empty() => url.to_string(),
        _ => page_url.to_string(),
    }
}

/// `Given Ana has started Checkout for BASIC monthly` (and has not paid).
#[given(expr = "{person} has started Checkout for {plan} {cycle}")]
async fn has_started_checkout(world: &mut Rehearsal, name: Person, tier: Plan, cycle: Cycle) {
    start_checkout(world, &name, &tier, &cycle).await;
}

/// Starts Checkout as `name` and pays on the hosted page with the card a feature names.
pub(crate) async fn subscribe_with_card(
    world: &mut Rehearsal,
    name: &str,
    tier: &str,
    cycle: &str,
    card: &str,
) {
    let number = card_number(card)
        .unwrap_or_else(|| panic!("unknown test card {card:?}; see steps/cards.rs"));
    start_checkout(world, name, tier, cycle).await;
    pay_on_checkout_page(world, name, &number).await;
}

/// `When Ana subscribes to BASIC monthly and pays with a card that succeeds`.
#[when(expr = "{person} subscribes to {plan} {cycle} and pays with {card}")]
async fn subscribes_and_pays(
    world: &mut Rehearsal,
    name: Person,
    tier: Plan,
    cycle: Cycle,
    card: Card,
) {
    subscribe_with_card(world, &name, &tier, &cycle, &card).await;
}

/// `When Ana asks to subscribe to ENTERPRISE monthly`: the request only; the answer is checked
/// by a `Then the backend refuses …` step.
#[when(expr = "{person} asks to subscribe to {plan} {cycle}")]
async fn asks_to_subscribe(world: &mut Rehearsal, name: Person, tier: Plan, cycle: Cycle) {
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let response = backend
        .client
        .create_checkout_session(Some(&actor.token), &checkout_request(&tier, &cycle))
        .await;
    world.last_response = Some(response);
}

/// `When someone who is not signed in asks to subscribe to BASIC monthly`.
#[when(expr = "someone who is not signed in asks to subscribe to {plan} {cycle}")]
async fn anonymous_asks_to_subscribe(world: &mut Rehearsal, tier: Plan, cycle: Cycle) {
    let backend = world.backend().await;
    let response = backend
        .client
        .create_checkout_session(None, &checkout_request(&tier, &cycle))
        .await;
    world.last_response = Some(response);
}

/// `Then Ana is sent back to the success URL with her Checkout session`.
#[then(expr = "{person} is sent back to the success URL with her/his/their Checkout session")]
async fn sent_back_to_success_url(world: &mut Rehearsal, name: Person) {
    let attempt = world
        .checkouts
        .get(name.as_str())
        .expect("Checkout was started first");
    let expected = attempt
        .success_url
        .replace("{CHECKOUT_SESSION_ID}", &attempt.session_id);
    assert!(
        matches!(attempt.page_status, 302 | 303),
        "the Checkout page should redirect after paying; it answered HTTP {}: {}",
        attempt.page_status,
        attempt.page_text
    );
    assert_eq!(
        attempt.redirected_to.as_deref(),
        Some(expected.as_str()),
        "the redirect should be the success URL carrying the session id"
    );
}

/// `Then the Checkout page tells Ana her card was declined`.
#[then(expr = "the Checkout page tells {person} her/his/their card was declined")]
async fn page_says_declined(world: &mut Rehearsal, name: Person) {
    let attempt = world
        .checkouts
        .get(name.as_str())
        .expect("Checkout was started first");
    assert!(
        attempt.redirected_to.is_none(),
        "a declined card must not leave the page; it redirected to {:?}",
        attempt.redirected_to
    );
    assert!(
        attempt.page_text.to_ascii_lowercase().contains("declined"),
        "the page should say the card was declined; HTTP {}: {}",
        attempt.page_status,
        attempt.page_text
    );
}

/// `Then Ana's Checkout session is still open in Stripe`: not paid, can still be completed.
#[then(expr = "{person}'s Checkout session is still open in Stripe")]
async fn session_still_open(world: &mut Rehearsal, name: Person) {
    let attempt = world
        .checkouts
        .get(name.as_str())
        .expect("Checkout was started first")
        .clone();
    let session = world
        .stripe
        .get(&format!("/v1/checkout/sessions/{}", attempt.session_id))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know the session: {e}"));
    assert_eq!(session["status"], "open", "session: {session}");
    assert_eq!(session["payment_status"], "unpaid", "session: {session}");
}

/// `Then Ana's subscription record holds her Stripe customer and subscription ids`: the same
/// ids Stripe shows on her completed Checkout session.
#[then(
    expr = "{person}'s subscription record holds her/his/their Stripe customer and subscription ids"
)]
async fn record_holds_stripe_ids(world: &mut Rehearsal, name: Person) {
    let actor = world.known_actor(&name);
    let attempt = world
        .checkouts
        .get(name.as_str())
        .expect("Checkout was started first")
        .clone();
    let session = world
        .stripe
        .get(&format!("/v1/checkout/sessions/{}", attempt.session_id))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know the session: {e}"));
    let backend = world.backend().await;
    let record = records::subscription_of(backend.db(), &actor.user_id)
        .await
        .expect("query user_subscriptions")
        .unwrap_or_else(|| panic!("{name} has no user_subscriptions row"));
    assert_eq!(
        record.stripe_customer_id.as_deref(),
        session["customer"].as_str(),
        "stripe_customer_id vs the session's customer"
    );
    assert_eq!(
        record.stripe_subscription_id.as_deref(),
        session["subscription"].as_str(),
        "stripe_subscription_id vs the session's subscription"
    );
    assert!(
        record
            .stripe_subscription_id
            .as_deref()
            .is_some_and(|s| s.starts_with("sub_")),
        "record: {record:?}"
    );
}

/// `Then Ana's billing period is the one Stripe shows for her subscription` (never now + 30 days).
#[then(expr = "{person}'s billing period is the one Stripe shows for her/his/their subscription")]
async fn period_matches_stripe(world: &mut Rehearsal, name: Person) {
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let record = records::subscription_of(backend.db(), &actor.user_id)
        .await
        .expect("query user_subscriptions")
        .unwrap_or_else(|| panic!("{name} has no user_subscriptions row"));
    let subscription_id = record
        .stripe_subscription_id
        .clone()
        .expect("a subscription id");
    let subscription = world
        .stripe
        .get(&format!("/v1/subscriptions/{subscription_id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know {subscription_id}: {e}"));
    // Since API version 2025-03-31 the period lives on the subscription's items.
    let item = &subscription["items"]["data"][0];
    let start = item["current_period_start"]
        .as_i64()
        .or(subscription["current_period_start"].as_i64());
    let end = item["current_period_end"]
        .as_i64()
        .or(subscription["current_period_end"].as_i64());
    assert!(
        start.is_some() && end.is_some(),
        "Stripe's subscription has no period: {subscription}"
    );
    assert_eq!(
        (record.period_start, record.period_end),
        (start, end),
        "period (start, end) in the backend vs Stripe"
    );
}

/// `Then Ana has no active paid subscription`: nothing active in the backend, FREE in the app.
#[then(expr = "{person} has no active paid subscription")]
async fn no_active_subscription(world: &mut Rehearsal, name: Person) {
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let record = records::subscription_of(backend.db(), &actor.user_id)
        .await
        .expect("query user_subscriptions");
    assert!(
        record.as_ref().is_none_or(|r| !r.is_active),
        "{name} should have nothing active; record: {record:?}"
    );
    let shown = backend.client.status(Some(&actor.token)).await;
    assert_eq!(shown.status, 200, "{name}'s status page: {shown}");
    assert_eq!(
        shown.body["is_active"], false,
        "{name}'s status page: {shown}"
    );
    assert_eq!(shown.body["tier"], "free", "{name}'s status page: {shown}");
}

/// `When Ana and Ann each start Checkout for BASIC monthly`.
#[when(expr = "{person} and {person} each start Checkout for {plan} {cycle}")]
async fn both_start_checkout(
    world: &mut Rehearsal,
    first: Person,
    second: Person,
    tier: Plan,
    cycle: Cycle,
) {
    start_checkout(world, &first, &tier, &cycle).await;
    start_checkout(world, &second, &tier, &cycle).await;
}

/// `Then Ana and Ann have different Stripe customers`: each has her own `cus_…` in the backend
/// and in Stripe, even though they share an e-mail address.
#[then(expr = "{person} and {person} have different Stripe customers")]
async fn different_customers(world: &mut Rehearsal, first: Person, second: Person) {
    let mut customers = Vec::new();
    for name in [&first, &second] {
        let actor = world.known_actor(name);
        let backend = world.backend().await;
        let record = records::subscription_of(backend.db(), &actor.user_id)
            .await
            .expect("query user_subscriptions")
            .unwrap_or_else(|| panic!("{name} has no user_subscriptions row"));
        let customer = record
            .stripe_customer_id
            .unwrap_or_else(|| panic!("{name} has no Stripe customer recorded"));
        let in_stripe = world
            .stripe
            .get(&format!("/v1/customers/{customer}"))
            .await
            .unwrap_or_else(|e| panic!("Stripe does not know {name}'s customer: {e}"));
        assert_eq!(
            in_stripe["metadata"]["user_id"],
            actor.user_id.as_str(),
            "{name}'s customer: {in_stripe}"
        );
        customers.push(customer);
    }
    assert_ne!(
        customers[0], customers[1],
        "{first} and {second} share one Stripe customer"
    );
}

/// `Given Ana pays for BASIC monthly with the card that creates a dispute`: she subscribes and
/// pays on the Checkout page with that card (history for the dispute and fraud flows).
#[given(expr = "{person} pays for {plan} {cycle} with {card}")]
async fn has_paid_with(world: &mut Rehearsal, name: Person, tier: Plan, cycle: Cycle, card: Card) {
    world.actor(&name);
    subscribe_with_card(world, &name, &tier, &cycle, &card).await;
}

/// The `href` of the first link on `html` whose text contains `label` (entities decoded).
fn link_with_text(html: &str, label: &str) -> Option<String> {
    html.split("<a ").skip(1).find_map(|anchor| {
        let (tag, rest) = anchor.split_once('>')?;
        let text = rest.split("</a>").next()?;
        if !text.contains(label) {
            return None;
        }
        let href = tag.split("href=\"").nth(1)?.split('"').next()?;
        Some(href.replace("&amp;", "&"))
    })
}

/// `When Ana cancels on the Checkout page`: she follows the page's link back to the app.
#[when(expr = "{person} cancels on the Checkout page")]
async fn cancels_on_checkout_page(world: &mut Rehearsal, name: Person) {
    let mut attempt = world
        .checkouts
        .get(name.as_str())
        .cloned()
        .expect("Checkout was started first");
    let page = world
        .env()
        .http
        .get(&attempt.url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("the Checkout page {} did not load: {e}", attempt.url));
    let html = page.text().await.unwrap_or_default();
    let back = match link_with_text(&html, "Cancel") {
        Some(href) => href,
        // Stripe's own page is a script; its back link goes to the session's cancel_url.
        None if !matches!(world.env().target, Target::Simulator) => {
            let session = world
                .stripe
                .get(&format!("/v1/checkout/sessions/{}", attempt.session_id))
                .await
                .unwrap_or_else(|e| panic!("Stripe does not know the session: {e}"));
            session["cancel_url"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
        None => panic!("the Checkout page has no link to cancel: {html}"),
    };
    attempt.redirected_to = Some(back);
    world.checkouts.insert(name.to_string(), attempt);
}

/// `Then Ana is sent back to the app's pricing page` (the cancel URL the app gave).
#[then(expr = "{person} is sent back to the app's pricing page")]
async fn sent_back_to_pricing(world: &mut Rehearsal, name: Person) {
    let attempt = world
        .checkouts
        .get(name.as_str())
        .expect("Checkout was started first");
    assert_eq!(
        attempt.redirected_to.as_deref(),
        Some(format!("{APP_ORIGIN}{CANCEL_PATH}").as_str()),
        "where the Checkout page's cancel link leads"
    );
}

#[cfg(test)]
mod tests {
    use super::form_action;

    #[test]
    fn links_are_found_by_their_text() {
        let html = r#"<p><a href="https://app.example/x?a=1&amp;b=2">Cancel and go back</a></p>"#;
        assert_eq!(
            super::link_with_text(html, "Cancel").as_deref(),
            Some("https://app.example/x?a=1&b=2")
        );
        assert_eq!(super::link_with_text(html, "Pay"), None);
    }

    #[test]
    fn a_form_posts_to_its_action_or_its_own_page() {
        let page = "http://127.0.0.1:9/c/pay/cs_test_1";
        assert_eq!(
            form_action(
                r#"<form method="post" action="/c/pay/cs_test_1/confirm">"#,
                page
            ),
            "http://127.0.0.1:9/c/pay/cs_test_1/confirm"
        );
        assert_eq!(form_action(r#"<form method="post">"#, page), page);
        assert_eq!(form_action("no form here", page), page);
    }
}
