//! Steps that change the deployment's Stripe side: its price mapping, its prices, its
//! webhook endpoint and the public URL the endpoint points at.

use cucumber::given;
use serde_json::Value;

use super::{PUBLIC_URL, deployment};
use crate::preflight::webhooks::{OPTIONAL_EVENTS, REQUIRED_EVENTS, WEBHOOK_PATH};
use crate::steps::actors::random_suffix;
use crate::steps::definitions::tier_key;
use crate::steps::parameters::{Cycle, EventType, Plan, TierKey};
use crate::steps::preflight_deployment::PreflightScenario;
use crate::steps::world::Rehearsal;

/// `And its price mapping has no pro.monthly`: the key is removed from the mode's mapping.
#[given(expr = "its price mapping has no {tier}.{cycle}")]
fn mapping_lacks(world: &mut Rehearsal, tier: TierKey, cycle: Cycle) {
    let d = deployment(world);
    let mut mapping = d.mapping();
    if let Some(cycles) = mapping
        .get_mut(tier.as_str())
        .and_then(Value::as_object_mut)
    {
        cycles.remove(cycle.as_str());
    }
    d.set_mapping(&mapping);
}

/// `And its price mapping sells basic.yearly with a price that does not exist in Stripe`.
#[given(expr = "its price mapping sells {tier}.{cycle} with a price that does not exist in Stripe")]
fn mapping_points_nowhere(world: &mut Rehearsal, tier: TierKey, cycle: Cycle) {
    let d = deployment(world);
    let mut mapping = d.mapping();
    mapping[tier.as_str()][cycle.as_str()] =
        Value::String(format!("price_golivegone{}", random_suffix()));
    d.set_mapping(&mapping);
}

/// `And its price mapping sells basic.yearly with a price billed every month`: a new monthly
/// price of the same product, mapped as yearly.
#[given(expr = "its price mapping sells {tier}.yearly with a price billed every month")]
async fn mapping_yearly_is_monthly(world: &mut Rehearsal, tier: TierKey) {
    let mapped = mapped_price(deployment(world), &tier, "monthly");
    let monthly = world
        .stripe
        .get(&format!("/v1/prices/{mapped}"))
        .await
        .unwrap_or_else(|e| panic!("reading {mapped}: {e}"));
    let price = world
        .stripe
        .post(
            "/v1/prices",
            &[
                (
                    "product",
                    monthly["product"].as_str().unwrap_or_default().to_string(),
                ),
                ("currency", "usd".to_string()),
                ("unit_amount", "9000".to_string()),
                ("recurring[interval]", "month".to_string()),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("creating a monthly price: {e}"));
    let d = deployment(world);
    let mut mapping = d.mapping();
    mapping[tier.as_str()]["yearly"] = price["id"].clone();
    d.set_mapping(&mapping);
}

fn mapped_price(d: &PreflightScenario, tier: &str, cycle: &str) -> String {
    d.mapping()[tier][cycle]
        .as_str()
        .unwrap_or_else(|| panic!("the deployment maps no {tier}.{cycle}"))
        .to_string()
}

/// `And the PRO monthly price is archived in Stripe`: the mapped price is made inactive, as
/// the Dashboard's "Archive price" does.
#[given(expr = "the {plan} {cycle} price is archived in Stripe")]
async fn price_archived(world: &mut Rehearsal, tier: Plan, cycle: Cycle) {
    let price = mapped_price(deployment(world), &tier_key(&tier), &cycle);
    world
        .stripe
        .post(
            &format!("/v1/prices/{price}"),
            &[("active", "false".to_string())],
        )
        .await
        .unwrap_or_else(|e| panic!("archiving {price}: {e}"));
}

async fn update_endpoint(world: &mut Rehearsal, form: Vec<(String, String)>) {
    let id = deployment(world)
        .endpoint_id
        .clone()
        .expect("the deployment has a webhook endpoint");
    world
        .stripe
        .post(&format!("/v1/webhook_endpoints/{id}"), &form)
        .await
        .unwrap_or_else(|e| panic!("updating the webhook endpoint {id}: {e}"));
}

/// `And the webhook endpoint is disabled in Stripe`.
#[given(expr = "the webhook endpoint is disabled in Stripe")]
async fn endpoint_disabled(world: &mut Rehearsal) {
    update_endpoint(world, vec![("disabled".into(), "true".into())]).await;
}

/// `And the webhook endpoint in Stripe points at another backend`: its URL is not the
/// deployment's.
#[given(expr = "the webhook endpoint in Stripe points at another backend")]
async fn endpoint_elsewhere(world: &mut Rehearsal) {
    let url = format!("https://staging.golive.test{WEBHOOK_PATH}");
    update_endpoint(world, vec![("url".into(), url)]).await;
}

fn events_form(events: &[&str]) -> Vec<(String, String)> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| (format!("enabled_events[{i}]"), e.to_string()))
        .collect()
}

/// `And the webhook endpoint does not listen to "invoice.payment_failed"`: that event is taken
/// off the endpoint's list.
#[given(expr = r#"the webhook endpoint does not listen to "{event}""#)]
async fn endpoint_lacks_event(world: &mut Rehearsal, event: EventType) {
    let events: Vec<&str> = REQUIRED_EVENTS
        .iter()
        .chain(OPTIONAL_EVENTS)
        .copied()
        .filter(|e| *e != event)
        .collect();
    update_endpoint(world, events_form(&events)).await;
}

/// `And the webhook endpoint listens to every event`: its events are `*`.
#[given(expr = "the webhook endpoint listens to every event")]
async fn endpoint_all_events(world: &mut Rehearsal) {
    update_endpoint(world, events_form(&["*"])).await;
}

/// `And the backend's public URL is plain http`: the deployment and its webhook endpoint use
/// `http://`.
#[given(expr = "the backend's public URL is plain http")]
async fn public_url_http(world: &mut Rehearsal) {
    let public = PUBLIC_URL.replacen("https://", "http://", 1);
    deployment(world)
        .vars
        .insert("BILLING_PUBLIC_URL".into(), public.clone());
    update_endpoint(
        world,
        vec![("url".into(), format!("{public}{WEBHOOK_PATH}"))],
    )
    .await;
}
