//! Steps that cancel or switch a subscription in the billing portal, as a subscriber presses
//! its buttons.

use cucumber::when;

use super::page::{form_for, hidden_value, load_page, option_values, submit};
use super::{open_portal, require_simulator};
use crate::steps::definitions::tier_key;
use crate::steps::parameters::{Cycle, Person, Plan};
use crate::steps::world::Rehearsal;

/// `When Ana cancels her subscription in the billing portal`: she opens the portal from the
/// app and presses its cancel button; what happens then is the portal's setting.
#[when(expr = "{person} cancels her/his/their subscription in the billing portal")]
async fn cancels_in_portal(world: &mut Rehearsal, name: Person) {
    require_simulator(world, "cancelling in the billing portal");
    let url = open_portal(world, &name).await;
    let (status, html) = load_page(world, &url).await;
    assert_eq!(status, 200, "the billing portal did not load: {html}");
    let form = form_for(&html, "cancel", &url);
    let subscription = hidden_value(&form, "subscription").unwrap_or_default();
    let answer = submit(world, &url, &form, &[("subscription", subscription)]).await;
    assert_eq!(
        answer.status, 303,
        "the portal should cancel {name}'s subscription; HTTP {}: {}",
        answer.status, answer.html
    );
}

/// `When Ana switches to PRO monthly in the billing portal`: she picks the plan in the
/// portal's plan list and presses "Update plan".
#[when(expr = "{person} switches to {plan} {cycle} in the billing portal")]
async fn switches_in_portal(world: &mut Rehearsal, name: Person, tier: Plan, cycle: Cycle) {
    require_simulator(world, "switching plans in the billing portal");
    let price = world
        .plans()
        .await
        .price_id(&tier_key(&tier), &cycle)
        .unwrap_or_else(|| panic!("{tier} {cycle} is not on sale"))
        .to_string();
    let url = open_portal(world, &name).await;
    let (status, html) = load_page(world, &url).await;
    assert_eq!(status, 200, "the billing portal did not load: {html}");
    let form = form_for(&html, "switch_plan", &url);
    assert!(
        option_values(&form).contains(&price),
        "the portal does not offer {tier} {cycle} ({price}): {}",
        form.inner
    );
    let subscription = hidden_value(&form, "subscription").unwrap_or_default();
    let answer = submit(
        world,
        &url,
        &form,
        &[("subscription", subscription), ("price", price)],
    )
    .await;
    assert_eq!(
        answer.status, 303,
        "the portal should switch {name}'s plan; HTTP {}: {}",
        answer.status, answer.html
    );
}
