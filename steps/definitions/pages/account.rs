//! Steps on the account page and on the Stripe billing portal page it opens: the plan and
//! status she sees, her invoices, her card, a cancellation.

use billing::routes;
use cucumber::{then, when};

use super::{assert_contains, base_url, browser, fail, open_as, text_of};
use crate::steps::cards::card_number;
use crate::steps::eventually::DEFAULT_DEADLINE;
use crate::steps::parameters::{Card, Person, Plan, Status};
use crate::steps::world::Rehearsal;

/// `When Ana opens her account page in her browser`.
#[when(expr = "{person} opens her/his/their account page in her/his/their browser")]
async fn opens_account(world: &mut Rehearsal, name: Person) {
    world.known_actor(&name);
    open_as(world, Some(&name), routes::ACCOUNT_PAGE).await;
}

/// `Then her account page shows the BASIC plan, ACTIVE, and when the period ends`.
#[then(
    expr = "her/his/their account page shows the {plan} plan, {status}, and when the period ends"
)]
async fn account_shows_plan(world: &mut Rehearsal, plan: Plan, status: Status) {
    assert_eq!(
        text_of(world, "#plan").await.trim(),
        plan,
        "the account page's plan"
    );
    assert_contains(
        "the account page's status",
        &text_of(world, "#status").await,
        &status,
    );
    let end = text_of(world, "#period-end").await;
    assert!(
        end.trim().len() == 10 && end.trim().chars().nth(4) == Some('-'),
        "the account page should show the period's end as a date; it shows {end:?}"
    );
}

/// `Then her account page shows the FREE plan with status CANCELLED`.
#[then(expr = "her/his/their account page shows the {plan} plan with status {status}")]
async fn account_shows_status(world: &mut Rehearsal, plan: Plan, status: Status) {
    let base = base_url(world).await;
    let account = format!("{base}/account");
    let b = browser(world).await;
    b.wait_for_url(
        "the account page",
        |u| u.starts_with(&account),
        DEFAULT_DEADLINE,
    )
    .await
    .unwrap_or_else(|e| fail("the browser is not on the account page", e));
    assert_eq!(
        text_of(world, "#plan").await.trim(),
        plan,
        "the account page's plan"
    );
    assert_contains(
        "the account page's status",
        &text_of(world, "#status").await,
        &status,
    );
}

/// `Then her browser shows the billing portal with her paid BASIC invoice`.
#[then(
    expr = "her/his/their browser shows the billing portal with her/his/their paid {plan} invoice"
)]
async fn portal_shows_invoice(world: &mut Rehearsal, _plan: Plan) {
    let b = browser(world).await;
    b.wait_for_url(
        "the billing portal",
        |u| u.contains("/p/session/"),
        DEFAULT_DEADLINE,
    )
    .await
    .unwrap_or_else(|e| fail("the browser did not reach the billing portal", e));
    b.wait_for_text("Invoice history", DEFAULT_DEADLINE)
        .await
        .unwrap_or_else(|e| fail("the portal shows no invoice history", e));
    let rows = b
        .texts("table tbody tr")
        .await
        .unwrap_or_else(|e| fail("reading the invoices", e));
    assert!(
        rows.iter().any(|r| r.contains("paid")),
        "the portal should list a paid invoice; its rows are {rows:?}"
    );
}

/// `When she replaces her card in the portal with the Mastercard test card (5555 …)`.
#[when(expr = "she/he/they replace(s) her/his/their card in the portal with {card}")]
async fn replaces_card_in_portal(world: &mut Rehearsal, card: Card) {
    let number = card_number(&card)
        .unwrap_or_else(|| panic!("unknown test card {card:?}; see steps/cards.rs"));
    let name = world.remembered.browser_person();
    let customer = crate::steps::definitions::portal::customer_of(world, &name).await;
    let before = crate::steps::definitions::portal::cards_of(world, &customer)
        .await
        .charged()
        .unwrap_or_default()
        .to_string();
    world.remembered.person(&name).card_before = Some(before);
    world.remembered.person(&name).card_typed = Some(number.clone());
    let b = browser(world).await;
    b.fill_labelled("New card number", &number)
        .await
        .unwrap_or_else(|e| fail("typing the new card", e));
    b.click_button("Update card")
        .await
        .unwrap_or_else(|e| fail("pressing Update card", e));
}

/// `Then the portal shows her card ending in 4444`.
#[then(expr = "the portal shows her/his/their card ending in {int}")]
async fn portal_shows_card(world: &mut Rehearsal, last4: String) {
    let b = browser(world).await;
    b.wait_for_text(&format!("ending in {last4}"), DEFAULT_DEADLINE)
        .await
        .unwrap_or_else(|e| fail("the portal does not show the new card", e));
}

/// `Then the portal says her plan has been canceled`.
#[then(expr = "the portal says her/his/their plan has been canceled")]
async fn portal_says_canceled(world: &mut Rehearsal) {
    let b = browser(world).await;
    b.wait_for_text("Your plan has been canceled", DEFAULT_DEADLINE)
        .await
        .unwrap_or_else(|e| fail("the portal did not confirm the cancellation", e));
}
