//! Steps on the way to a subscription in the browser: the Pricing page, Stripe's hosted
//! Checkout page (its card form, typed as a person types it), and the success page.

use std::time::Duration;

use billing::routes;
use cucumber::{then, when};

use super::{assert_contains, base_url, browser, fail, open_as, text_of};
use crate::steps::cards::card_number;
use crate::steps::eventually::DEFAULT_DEADLINE;
use crate::steps::parameters::{Card, Person, Plan};
use crate::steps::world::Rehearsal;

/// `When Ana opens the Pricing page in her browser`.
#[when(expr = "{person} opens the Pricing page in her/his/their browser")]
async fn opens_pricing(world: &mut Rehearsal, name: Person) {
    world.known_actor(&name);
    open_as(world, Some(&name), routes::PRICING_PAGE).await;
}

/// `When someone who is not signed in opens the Pricing page in a browser`.
#[when(expr = "someone who is not signed in opens the Pricing page in a browser")]
async fn anonymous_opens_pricing(world: &mut Rehearsal) {
    open_as(world, None, routes::PRICING_PAGE).await;
}

/// `Then the Pricing page offers BASIC and PRO, and says she is on the free plan`.
#[then(
    expr = "the Pricing page offers {plan} and {plan}, and says she/he/they is/are on the free plan"
)]
async fn pricing_offers(world: &mut Rehearsal, first: Plan, second: Plan) {
    for plan in [&first, &second] {
        let heading = text_of(world, &format!("#plan-{} h2", plan.to_lowercase())).await;
        assert_eq!(heading.trim(), plan.as_str(), "the {plan} plan's heading");
        let b = browser(world).await;
        let button = format!("Subscribe to {plan}");
        let buttons = b
            .texts("section.plan button")
            .await
            .unwrap_or_else(|e| fail("reading the plans' buttons", e));
        assert!(
            buttons.iter().any(|t| t.trim() == button),
            "the Pricing page should offer {button:?}; its buttons are {buttons:?}"
        );
    }
    let current = text_of(world, "#current-plan").await;
    assert_contains("the Pricing page", &current, "free plan");
}

/// `Then the Pricing page shows her current plan is BASIC`.
#[then(expr = "the Pricing page shows her/his/their current plan is {plan}")]
async fn pricing_shows_current(world: &mut Rehearsal, plan: Plan) {
    let current = text_of(world, "#current-plan").await;
    assert_contains(
        "the current plan",
        &current,
        &format!("Your current plan: {plan}"),
    );
}

/// `When she leaves the Checkout page with "Cancel and go back"`.
#[when(expr = "she/he/they leave(s) the Checkout page with {string}")]
async fn leaves_checkout(world: &mut Rehearsal, label: String) {
    super::any_page::follows(world, label).await;
}

/// `When she types a card that succeeds on the Checkout page and presses Pay`: the card form
/// of Stripe's hosted Checkout page, typed as a person types it.
#[when(expr = "she/he/they type(s) {card} on the Checkout page and presses Pay")]
async fn types_card_and_pays(world: &mut Rehearsal, card: Card) {
    let number = card_number(&card)
        .unwrap_or_else(|| panic!("unknown test card {card:?}; see steps/cards.rs"));
    let b = browser(world).await;
    b.wait_for_url(
        "Stripe's Checkout page",
        |u| u.contains("/c/pay/"),
        DEFAULT_DEADLINE,
    )
    .await
    .unwrap_or_else(|e| fail("waiting for the Checkout page", e));
    for (label, value) in [
        ("Card number", number.as_str()),
        ("Expiry date (MM / YY)", "12 / 34"),
        ("Security code (CVC)", "123"),
    ] {
        b.fill_labelled(label, value)
            .await
            .unwrap_or_else(|e| fail(&format!("typing the {label}"), e));
    }
    b.click("form button[type=submit]")
        .await
        .unwrap_or_else(|e| fail("pressing Pay", e));
}

/// `Then her browser is on Stripe's Checkout page`.
#[then(expr = "her/his/their browser is on Stripe's Checkout page")]
async fn on_checkout_page(world: &mut Rehearsal) {
    let b = browser(world).await;
    b.wait_for_url(
        "Stripe's Checkout page",
        |u| u.contains("/c/pay/cs_"),
        DEFAULT_DEADLINE,
    )
    .await
    .unwrap_or_else(|e| fail("the browser did not reach Checkout", e));
    b.wait_for_text("Card number", DEFAULT_DEADLINE)
        .await
        .unwrap_or_else(|e| fail("the Checkout page shows no card form", e));
}

/// `Then her browser is back on the success page` (with her Checkout session in the address).
#[then(expr = "her/his/their browser is back on the success page")]
async fn back_on_success(world: &mut Rehearsal) {
    let base = base_url(world).await;
    let wanted = format!("{base}/billing/success?session_id=cs_");
    browser(world)
        .await
        .wait_for_url(
            "the success page",
            |u| u.starts_with(&wanted),
            DEFAULT_DEADLINE,
        )
        .await
        .unwrap_or_else(|e| fail("the browser did not come back to the success URL", e));
}

/// `Then the success page shows her BASIC plan is active` (it refreshes itself until the
/// webhook has landed).
#[then(expr = "the success page shows her/his/their {plan} plan is active")]
async fn success_shows_active(world: &mut Rehearsal, plan: Plan) {
    let b = browser(world).await;
    b.wait_for_text("your plan is active", Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| fail("the success page never confirmed the payment", e));
    let status = b
        .text("#payment-status")
        .await
        .unwrap_or_else(|e| fail("reading the payment status", e));
    assert_contains("the success page", &status, &format!("Your {plan} plan"));
}

/// `Then the Checkout page in her browser says her card was declined`.
#[then(expr = "the Checkout page in her/his/their browser says her/his/their card was declined")]
async fn checkout_says_declined(world: &mut Rehearsal) {
    let alert = text_of(world, "#error").await;
    assert!(
        alert.to_ascii_lowercase().contains("declined"),
        "the Checkout page should say the card was declined; it says {alert:?}"
    );
}

/// `When she goes back to the Pricing page`.
#[when(expr = "she/he/they goe(s) back to the Pricing page")]
async fn back_to_pricing(world: &mut Rehearsal) {
    let base = base_url(world).await;
    browser(world)
        .await
        .goto(&format!("{base}/pricing"))
        .await
        .unwrap_or_else(|e| fail("opening the Pricing page", e));
}
