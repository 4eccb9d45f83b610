//! Steps that open the billing portal from the app and read what it shows (the link, the
//! invoice history).

use cucumber::{then, when};

use super::page::load_page;
use super::{customer_of, request_portal_link};
use crate::steps::definitions::tier_key;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::parameters::{Cycle, Person, Plan};
use crate::steps::target::Target;
use crate::steps::world::Rehearsal;

/// `When Ana opens the billing portal`: the app's "Manage billing" button; the answer is
/// checked by the next step (`Then the backend gives Ana a billing portal link`, or a refusal).
#[when(expr = "{person} opens the billing portal")]
async fn opens_portal(world: &mut Rehearsal, name: Person) {
    request_portal_link(world, &name).await;
}

/// `Then the backend gives Ana a billing portal link`: HTTP 200 with a Stripe portal URL that
/// opens a page.
#[then(expr = "the backend gives {person} a billing portal link")]
async fn gives_portal_link(world: &mut Rehearsal, name: Person) {
    let response = world
        .last_response
        .clone()
        .expect("the billing portal was opened first");
    assert_eq!(
        response.status, 200,
        "the backend should give {name} a portal link: {response}"
    );
    let url = response.body["url"]
        .as_str()
        .filter(|u| u.starts_with("http"))
        .unwrap_or_else(|| panic!("the answer holds no portal URL: {response}"))
        .to_string();
    let (status, html) = load_page(world, &url).await;
    assert_eq!(
        status, 200,
        "{name}'s portal link {url} does not open a page: HTTP {status}: {html}"
    );
}

/// `Then the billing portal shows Ana's paid invoice for BASIC monthly`: the page's invoice
/// history has a row with the invoice's number (as Stripe shows it), the plan's price and the
/// status `paid`. On Stripe test mode, where the page needs a browser, the invoice Stripe shows
/// for her customer is checked instead.
#[then(expr = "the billing portal shows {person}'s paid invoice for {plan} {cycle}")]
async fn portal_shows_invoice(world: &mut Rehearsal, name: Person, tier: Plan, cycle: Cycle) {
    let plans = world.plans().await.clone();
    let price = plans
        .price_id(&tier_key(&tier), &cycle)
        .unwrap_or_else(|| panic!("{tier} {cycle} is not on sale"))
        .to_string();
    let amount = *plans.amounts.get(&price).expect("the price's amount");
    let shown_amount = format!("{}.{:02}", amount / 100, amount % 100);
    let customer = customer_of(world, &name).await;
    let invoices = world
        .stripe
        .get(&format!("/v1/invoices?customer={customer}&status=paid"))
        .await
        .unwrap_or_else(|e| panic!("Stripe's invoices of {customer}: {e}"));
    let paid = invoices["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["amount_paid"] == amount)
        .cloned()
        .unwrap_or_else(|| {
            panic!("Stripe shows no paid invoice of {amount} for {name} ({customer}): {invoices}")
        });
    let number = paid["number"].as_str().unwrap_or_default().to_string();
    assert!(!number.is_empty(), "Stripe's invoice has no number: {paid}");
    if !matches!(world.env().target, Target::Simulator) {
        return;
    }
    let url = world
        .remembered
        .of(&name)
        .portal_url
        .unwrap_or_else(|| panic!("{name} has not opened the billing portal"));
    let (world_ref, url_ref, number_ref, amount_ref) = (&*world, &url, &number, &shown_amount);
    eventually(DEFAULT_DEADLINE, || async move {
        let (status, html) = load_page(world_ref, url_ref).await;
        let history = html
            .split_once("Invoice history")
            .map(|(_, h)| h)
            .ok_or_else(|| format!("HTTP {status}, no invoice history on the page: {html}"))?;
        let row = history
            .split("<tr>")
            .find(|row| row.contains(number_ref.as_str()))
            .ok_or_else(|| format!("no row for invoice {number_ref}: {history}"))?;
        if row.contains(amount_ref.as_str()) && row.contains(">paid<") {
            Ok(())
        } else {
            Err(format!(
                "invoice {number_ref}'s row should show {amount_ref} and paid: {row}"
            ))
        }
    })
    .await
    .unwrap_or_else(|seen| {
        panic!("the billing portal does not show {name}'s paid invoice: {seen}")
    });
}
