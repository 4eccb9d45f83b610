//! Steps that replace a card in the billing portal, and what Stripe then charges.

use cucumber::{given, then, when};

use super::page::{PageAnswer, form_for, load_page, submit};
use super::{cards_of, customer_of, last4, open_portal, require_simulator};
use crate::steps::cards::card_number;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::parameters::{Card, Person};
use crate::steps::world::Rehearsal;

/// Opens the portal and types `card` into its card form; returns the page's answer. The
/// default card before the change is noted as `card_before:<name>`.
async fn replace_card(world: &mut Rehearsal, name: &str, card: &str) -> PageAnswer {
    require_simulator(world, "replacing a card in the billing portal");
    let number = card_number(card)
        .unwrap_or_else(|| panic!("unknown test card {card:?}; see steps/cards.rs"));
    let customer = customer_of(world, name).await;
    let before = cards_of(world, &customer)
        .await
        .charged()
        .unwrap_or_default()
        .to_string();
    world.remembered.person(name).card_before = Some(before);
    world.remembered.person(name).card_typed = Some(number.clone());
    let url = open_portal(world, name).await;
    let (status, html) = load_page(world, &url).await;
    assert_eq!(status, 200, "the billing portal did not load: {html}");
    let form = form_for(&html, "update_card", &url);
    submit(world, &url, &form, &[("card_number", number)]).await
}

/// `When Ana replaces her card in the billing portal with the Visa test card` (`Given Ana has
/// replaced …` for history): she types the card into the portal's card form; Stripe must take
/// it.
#[when(expr = "{person} replaces her/his/their card in the billing portal with {card}")]
async fn replaces_card(world: &mut Rehearsal, name: Person, card: Card) {
    card_replaced(world, &name, &card).await;
}

/// `Given Ana has replaced her card in the billing portal with the card that fails on renewal
/// (4000 0000 0000 0341)`: history, made the way she would make it.
#[given(expr = "{person} has replaced her/his/their card in the billing portal with {card}")]
async fn has_replaced_card(world: &mut Rehearsal, name: Person, card: Card) {
    card_replaced(world, &name, &card).await;
}

async fn card_replaced(world: &mut Rehearsal, name: &str, card: &str) {
    let answer = replace_card(world, name, card).await;
    assert!(
        answer.status == 303 && answer.location.is_some(),
        "the portal should take {name}'s card and go back to its page; HTTP {}: {}",
        answer.status,
        answer.html
    );
}

/// `When Ana tries to replace her card in the billing portal with a card that is declined`:
/// the page's answer is checked by `Then the billing portal tells Ana her card was declined`.
#[when(expr = "{person} tries to replace her/his/their card in the billing portal with {card}")]
async fn tries_to_replace_card(world: &mut Rehearsal, name: Person, card: Card) {
    let answer = replace_card(world, &name, &card).await;
    world.remembered.person(&name).portal_answer =
        Some(format!("{} {}", answer.status, answer.html));
}

/// `Then the billing portal tells Ana her card was declined`: the page stays (no redirect),
/// answers HTTP 402 and says "declined".
#[then(expr = "the billing portal tells {person} her/his/their card was declined")]
async fn portal_says_declined(world: &mut Rehearsal, name: Person) {
    let answer = world
        .remembered
        .of(&name)
        .portal_answer
        .unwrap_or_else(|| panic!("{name} has not tried to replace a card"));
    let (status, html) = answer.split_once(' ').unwrap_or((&answer, ""));
    assert_eq!(
        status, "402",
        "the portal should refuse the card with HTTP 402; it answered HTTP {status}: {html}"
    );
    let alert = html
        .split_once("role=\"alert\"")
        .map(|(_, a)| a.split_once("</p>").map_or(a, |(a, _)| a))
        .unwrap_or_default();
    assert!(
        alert.to_ascii_lowercase().contains("declined"),
        "the portal should tell {name} her card was declined; its alert says {alert:?}; page: {html}"
    );
}

/// `Then Stripe shows Ana's new card as her default payment method`: the customer's default
/// payment method is a new one, the card she typed, and her subscription is charged to it.
#[then(expr = "Stripe shows {person}'s new card as her/his/their default payment method")]
async fn new_default_card(world: &mut Rehearsal, name: Person) {
    let before = world.remembered.of(&name).card_before.unwrap_or_default();
    let typed = world
        .remembered
        .of(&name)
        .card_typed
        .unwrap_or_else(|| panic!("{name} has not replaced a card"));
    let customer = customer_of(world, &name).await;
    let (world_ref, customer_ref) = (&*world, customer.as_str());
    let (before, typed) = (&before, &typed);
    eventually(DEFAULT_DEADLINE, || async move {
        let cards = cards_of(world_ref, customer_ref).await;
        let Some(default) = cards.customer_default.clone() else {
            return Err(format!("{customer_ref} has no default payment method: {cards:?}"));
        };
        let last4 = last4(world_ref, &default).await;
        let new = &default != before && !last4.is_empty() && typed.ends_with(&last4);
        let charged = cards.charged() == Some(default.as_str());
        if new && charged {
            Ok(())
        } else {
            Err(format!(
                "{cards:?}: the default ends {last4}; before the change Stripe charged {before:?}; the card typed ends {}",
                &typed[typed.len().saturating_sub(4)..]
            ))
        }
    })
    .await
    .unwrap_or_else(|seen| {
        panic!("Stripe does not show {name}'s new card as the one her subscription is charged to: {seen}")
    });
}

/// `Then Stripe still shows Ana's first card as her default payment method`: the refused card
/// changed nothing; her subscription is still charged to the card she paid with.
#[then(expr = "Stripe still shows {person}'s first card as her/his/their default payment method")]
async fn same_default_card(world: &mut Rehearsal, name: Person) {
    let before = world
        .remembered
        .of(&name)
        .card_before
        .unwrap_or_else(|| panic!("{name} has not tried to replace a card"));
    assert!(
        !before.is_empty(),
        "{name} had no default card to begin with"
    );
    let customer = customer_of(world, &name).await;
    let now = cards_of(world, &customer).await;
    assert_eq!(
        now.charged(),
        Some(before.as_str()),
        "{name}'s subscription is no longer charged to her first card: {now:?}"
    );
}
