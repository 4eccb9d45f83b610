//! Steps that cancel or switch a subscription in the billing portal, as a subscriber presses
//! its buttons.

use cucumber::{then, when};
use serde_json::Value;

use super::page::{form_for, hidden_value, load_page, option_values, submit};
use super::{customer_of, open_portal, require_simulator};
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

/// `Then Ana has paid the prorated difference between BASIC and PRO monthly`: Stripe holds one
/// paid invoice of the plan change (`billing_reason=subscription_update`) whose lines are the
/// proration pair — a credit for the unused time on the old plan and a charge for the rest of
/// the period on the new one — and whose total is the difference of the two prices for the
/// time left in the period (the switch comes seconds after she subscribed, so nearly all of it).
#[then(expr = "{person} has paid the prorated difference between {plan} and {plan} {cycle}")]
async fn paid_prorated_difference(
    world: &mut Rehearsal,
    name: Person,
    from: Plan,
    to: Plan,
    cycle: Cycle,
) {
    let plans = world.plans().await.clone();
    let amount_of = |tier: &Plan| {
        let price = plans
            .price_id(&tier_key(tier), &cycle)
            .unwrap_or_else(|| panic!("{tier} {cycle} is not on sale"));
        plans.amounts[price]
    };
    let (old, new) = (amount_of(&from), amount_of(&to));
    let customer = customer_of(world, &name).await;
    let invoices = world
        .stripe
        .get(&format!("/v1/invoices?customer={customer}&limit=100"))
        .await
        .unwrap_or_else(|e| panic!("Stripe's invoices of {name}: {e}"));
    let changes: Vec<&Value> = invoices["data"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|i| i["billing_reason"] == "subscription_update")
                .collect()
        })
        .unwrap_or_default();
    let [invoice] = changes[..] else {
        panic!(
            "{name} should have one plan-change invoice, found {}: {invoices}",
            changes.len()
        )
    };
    assert_eq!(
        invoice["status"], "paid",
        "the plan-change invoice: {invoice}"
    );
    let lines: Vec<i64> = invoice["lines"]["data"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter(|l| l["parent"]["subscription_item_details"]["proration"] == true)
                .filter_map(|l| l["amount"].as_i64())
                .collect()
        })
        .unwrap_or_default();
    let credit: i64 = lines.iter().filter(|a| **a < 0).sum();
    let charge: i64 = lines.iter().filter(|a| **a > 0).sum();
    assert!(
        lines.len() == 2 && credit < 0 && charge > 0,
        "the plan-change invoice should hold a proration credit for {from} and a proration charge for {to}: {invoice}"
    );
    let total = invoice["total"].as_i64().unwrap_or_default();
    assert_eq!(total, credit + charge, "the invoice's total: {invoice}");
    assert_eq!(invoice["amount_paid"], total, "what was paid: {invoice}");
    let full = new - old;
    assert!(
        total <= full && total * 100 >= full * 99,
        "{name} should pay about {full} (the difference between {from} and {to} for nearly the whole period), paid {total}: {invoice}"
    );
}
