//! Steps of the billing portal (checklist 6.2): a subscriber opens Stripe's Customer Portal
//! from the app, sees her invoices, replaces her card, cancels or switches plan there; ops set
//! what the portal allows, as in the Dashboard's portal settings.
//!
//! A person uses the portal page: these steps load the page a portal link opens and submit its
//! forms, exactly as a browser would. What a step remembers for later steps lives in the
//! World (`remembered`: each person's portal link, card before and after, …).

use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::tier_key;
use crate::steps::cards::card_number;
use crate::steps::eventually::{DEFAULT_DEADLINE, eventually};
use crate::steps::parameters::{CancelTiming, Card, Cycle, Person, Plan};
use crate::steps::records;
use crate::steps::target::Target;
use crate::steps::world::{APP_ORIGIN, Rehearsal};

/// Where the app asks the portal's "return" link to go.
const RETURN_PATH: &str = "/account/billing";

/// What a portal page answered to a form a person submitted.
struct PageAnswer {
    status: u16,
    location: Option<String>,
    html: String,
}

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

/// The portal page at `url`, as a browser loads it.
async fn load_page(world: &Rehearsal, url: &str) -> (u16, String) {
    let page = world
        .env()
        .http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("the billing portal {url} did not load: {e}"));
    let status = page.status().as_u16();
    (status, page.text().await.unwrap_or_default())
}

/// A form of a page: where it posts and its HTML.
#[derive(Debug)]
struct Form {
    action: String,
    inner: String,
}

/// Every `<form>` of `html`.
fn forms(html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let from = &rest[start..];
        let Some((tag, after)) = from.split_once('>') else {
            break;
        };
        let (inner, next) = after.split_once("</form>").unwrap_or((after, ""));
        out.push(Form {
            action: attribute(tag, "action").unwrap_or_default(),
            inner: inner.to_string(),
        });
        rest = next;
    }
    out
}

/// The value of `name="…"` in one tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let (_, rest) = tag.split_once(&format!("{name}=\""))?;
    let (value, _) = rest.split_once('"')?;
    Some(value.replace("&amp;", "&"))
}

/// The value of the hidden input called `name` in a form.
fn hidden_value(form: &Form, name: &str) -> Option<String> {
    form.inner
        .split("<input")
        .skip(1)
        .find(|tag| tag.contains(&format!("name=\"{name}\"")))
        .and_then(|tag| attribute(tag, "value"))
}

/// The options a form's `<select>` offers.
fn option_values(form: &Form) -> Vec<String> {
    form.inner
        .split("<option")
        .skip(1)
        .filter_map(|tag| attribute(tag, "value"))
        .collect()
}

/// The page's form whose action ends with `/{action}`; a person cannot press a button the
/// page does not show.
fn form_for(html: &str, action: &str, page_url: &str) -> Form {
    forms(html)
        .into_iter()
        .find(|f| f.action.ends_with(&format!("/{action}")))
        .unwrap_or_else(|| {
            panic!(
                "the billing portal at {page_url} shows no {action:?} form (does the portal configuration allow it?):\n{html}"
            )
        })
}

/// Submits a form of the page at `page_url` with `fields`, as the browser does.
async fn submit(
    world: &Rehearsal,
    page_url: &str,
    form: &Form,
    fields: &[(&str, String)],
) -> PageAnswer {
    let action = reqwest::Url::parse(page_url)
        .and_then(|base| base.join(&form.action))
        .unwrap_or_else(|e| panic!("the form's action {:?} is not a URL: {e}", form.action));
    let answer = world
        .env()
        .http
        .post(action.clone())
        .form(fields)
        .send()
        .await
        .unwrap_or_else(|e| panic!("submitting {action} failed: {e}"));
    PageAnswer {
        status: answer.status().as_u16(),
        location: answer
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        html: answer.text().await.unwrap_or_default(),
    }
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
    configure_portal(world, form).await;
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_inputs_and_options_are_read_like_a_browser() {
        let html = r#"<p>x</p><form method="post" action="/p/session/bps_1/switch_plan">
<input type="hidden" name="subscription" value="sub_1">
<select name="price"><option value="price_a">A</option><option value="price_b">B</option></select>
</form><form method="post" action="/p/session/bps_1/cancel"><input type="hidden" name="subscription" value="sub_1"></form>"#;
        let all = forms(html);
        assert_eq!(all.len(), 2);
        let switch = form_for(html, "switch_plan", "http://x/p/session/bps_1");
        assert_eq!(
            hidden_value(&switch, "subscription").as_deref(),
            Some("sub_1")
        );
        assert_eq!(option_values(&switch), ["price_a", "price_b"]);
        assert_eq!(all[1].action, "/p/session/bps_1/cancel");
    }
}
