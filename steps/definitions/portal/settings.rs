//! Steps that set what the billing portal allows, as ops do in the Dashboard's portal
//! settings: how it cancels, which plans it offers.

use cucumber::given;

use crate::steps::definitions::tier_key;
use crate::steps::parameters::{CancelTiming, Cycle, Plan};
use crate::steps::world::Rehearsal;

/// The account's default portal configuration (what the Dashboard's portal settings edit),
/// changed by `form`; created with the usual features on if the account has none yet.
async fn configure_portal(world: &mut Rehearsal, form: Vec<(String, String)>) {
    let defaults = world
        .stripe
        .get("/v1/billing_portal/configurations?is_default=true")
        .await
        .unwrap_or_else(|e| panic!("Stripe's portal configurations: {e}"));
    let existing = defaults["data"][0]["id"].as_str().map(str::to_string);
    let result = match existing {
        Some(id) => {
            world
                .stripe
                .post(&format!("/v1/billing_portal/configurations/{id}"), &form)
                .await
        }
        None => {
            let mut create: Vec<(String, String)> = [
                "invoice_history",
                "payment_method_update",
                "subscription_cancel",
            ]
            .iter()
            .map(|f| (format!("features[{f}][enabled]"), "true".to_string()))
            .collect();
            create.extend(form);
            world
                .stripe
                .post("/v1/billing_portal/configurations", &create)
                .await
        }
    };
    result.unwrap_or_else(|e| panic!("Stripe refused the portal configuration: {e}"));
}

/// `Given the billing portal cancels subscriptions at the end of the period` (or
/// `… immediately`): the portal's cancellation setting, as ops choose it in the Dashboard.
#[given(expr = "the billing portal cancels subscriptions {cancel_timing}")]
async fn portal_cancel_mode(world: &mut Rehearsal, when: CancelTiming) {
    let mode = if when == "immediately" {
        "immediately"
    } else {
        "at_period_end"
    };
    configure_portal(
        world,
        vec![
            (
                "features[subscription_cancel][enabled]".to_string(),
                "true".to_string(),
            ),
            (
                "features[subscription_cancel][mode]".to_string(),
                mode.to_string(),
            ),
        ],
    )
    .await;
}

/// `Given the billing portal offers the BASIC and PRO monthly plans`: subscribers may switch
/// between these prices in the portal (the Dashboard's "customers can switch plans").
#[given(expr = "the billing portal offers the {plan} and {plan} {cycle} plans")]
async fn portal_offers_plans(world: &mut Rehearsal, first: Plan, second: Plan, cycle: Cycle) {
    let form = plan_switch_form(world, first, second, cycle).await;
    configure_portal(world, form).await;
}

/// `Given the billing portal offers the BASIC and PRO monthly plans and invoices prorations at
/// once`: the same plans, with the portal's proration setting on "invoice immediately"
/// (`proration_behavior=always_invoice`), so a switch bills the difference there and then.
#[given(
    expr = "the billing portal offers the {plan} and {plan} {cycle} plans and invoices prorations at once"
)]
async fn portal_offers_plans_invoicing_prorations(
    world: &mut Rehearsal,
    first: Plan,
    second: Plan,
    cycle: Cycle,
) {
    let mut form = plan_switch_form(world, first, second, cycle).await;
    form.push((
        "features[subscription_update][proration_behavior]".to_string(),
        "always_invoice".to_string(),
    ));
    configure_portal(world, form).await;
}

/// The portal settings that let subscribers switch between two plans of one cycle.
async fn plan_switch_form(
    world: &mut Rehearsal,
    first: Plan,
    second: Plan,
    cycle: Cycle,
) -> Vec<(String, String)> {
    let plans = world.plans().await.clone();
    let mut form = vec![(
        "features[subscription_update][enabled]".to_string(),
        "true".to_string(),
    )];
    for (i, tier) in [first, second].iter().enumerate() {
        let price_id = plans
            .price_id(&tier_key(tier), &cycle)
            .unwrap_or_else(|| panic!("{tier} {cycle} is not on sale"))
            .to_string();
        let price = world
            .stripe
            .get(&format!("/v1/prices/{price_id}"))
            .await
            .unwrap_or_else(|e| panic!("Stripe does not know {price_id}: {e}"));
        let product = price["product"].as_str().unwrap_or_default().to_string();
        form.push((
            format!("features[subscription_update][products][{i}][product]"),
            product,
        ));
        form.push((
            format!("features[subscription_update][products][{i}][prices][0]"),
            price_id,
        ));
    }
    form.push((
        "features[subscription_update][default_allowed_updates][0]".to_string(),
        "price".to_string(),
    ));
    form
}
