//! Steps of the billing portal (checklist 6.2): a subscriber opens Stripe's Customer Portal
//! from the app, sees her invoices, replaces her card, cancels or switches plan there; ops set
//! what the portal allows, as in the Dashboard's portal settings.
//!
//! A person uses the portal page: these steps load the page a portal link opens and submit its
//! forms, exactly as a browser would. What a step remembers for later steps lives in the
//! World (`remembered`: each person's portal link, card before and after, …).

mod cards;
mod opening;
mod page;
mod plan_changes;
mod settings;

use serde_json::{Value, json};

use crate::steps::records;
use crate::steps::target::Target;
use crate::steps::world::{APP_ORIGIN, Rehearsal};

/// Where the app asks the portal's "return" link to go.
const RETURN_PATH: &str = "/account/billing";

/// Asks the backend for a portal link as `name` (the app's "Manage billing" button); keeps the
/// answer as the latest response and, when there is a link, in the notes.
async fn request_portal_link(world: &mut Rehearsal, name: &str) {
    let actor = world.known_actor(name);
    let backend = world.backend().await;
    let response = backend
        .client
        .create_portal_session(
            Some(&actor.token),
            &json!({"return_url": format!("{APP_ORIGIN}{RETURN_PATH}")}),
        )
        .await;
    if let Some(url) = response.body["url"].as_str() {
        world.remembered.person(name).portal_url = Some(url.to_string());
    }
    world.last_response = Some(response);
}

/// Opens the billing portal as `name` and returns its link; the backend must give one.
async fn open_portal(world: &mut Rehearsal, name: &str) -> String {
    request_portal_link(world, name).await;
    let response = world.last_response.as_ref().expect("just asked");
    assert_eq!(
        response.status, 200,
        "{name} could not open the billing portal: {response}"
    );
    world
        .remembered
        .of(name)
        .portal_url
        .unwrap_or_else(|| panic!("the backend gave {name} no portal link: {response}"))
}

/// The portal pages are the simulator's; on Stripe itself they need a browser.
fn require_simulator(world: &Rehearsal, what: &str) {
    assert!(
        matches!(world.env().target, Target::Simulator),
        "{what} needs the simulator's portal page; on Stripe test mode a person does it in a browser (tag the scenario @sim-only)"
    );
}

/// `name`'s Stripe customer, as the backend recorded it.
pub(crate) async fn customer_of(world: &mut Rehearsal, name: &str) -> String {
    let actor = world.known_actor(name);
    let backend = world.backend().await;
    records::subscription_of(backend.db(), &actor.user_id)
        .await
        .expect("query user_subscriptions")
        .and_then(|r| r.stripe_customer_id)
        .unwrap_or_else(|| panic!("the backend has no Stripe customer for {name}"))
}

/// The customer's payment methods as Stripe shows them: her default (`invoice_settings`) and
/// the one her live subscription names, if it names one (Checkout sets that one).
#[derive(Debug)]
pub(crate) struct Cards {
    customer_default: Option<String>,
    subscription_default: Option<String>,
}

impl Cards {
    /// The card Stripe charges for her subscription: the subscription's own, else her default.
    pub(crate) fn charged(&self) -> Option<&str> {
        self.subscription_default
            .as_deref()
            .or(self.customer_default.as_deref())
    }
}

pub(crate) async fn cards_of(world: &Rehearsal, customer: &str) -> Cards {
    let shown = world
        .stripe
        .get(&format!("/v1/customers/{customer}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know customer {customer}: {e}"));
    let subscriptions = world
        .stripe
        .get(&format!("/v1/subscriptions?customer={customer}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe's subscriptions of {customer}: {e}"));
    let id = |v: &Value| v.as_str().or(v["id"].as_str()).map(str::to_string);
    Cards {
        customer_default: id(&shown["invoice_settings"]["default_payment_method"]),
        subscription_default: id(&subscriptions["data"][0]["default_payment_method"]),
    }
}

/// The last four digits of a payment method's card.
pub(crate) async fn last4(world: &Rehearsal, payment_method: &str) -> String {
    world
        .stripe
        .get(&format!("/v1/payment_methods/{payment_method}"))
        .await
        .map(|pm| pm["card"]["last4"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|e| panic!("Stripe does not know {payment_method}: {e}"))
}
