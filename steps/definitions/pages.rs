//! Steps that click what people click (`@browser` scenarios): the backend's own pages —
//! Pricing, the success page, the account page, the ops dashboard — and Stripe's hosted
//! Checkout and portal pages, in a real headless browser. A person signs in the way the
//! identity provider signs them in: its session token in the `__session` cookie.
//!
//! Each step fails with what the browser showed (its URL and the page's text).

use std::time::Duration;

use billing::routes;
use cucumber::{then, when};
use serde_json::Value;

use crate::steps::browser::{Browser, Key};
use crate::steps::cards::card_number;
use crate::steps::eventually::DEFAULT_DEADLINE;
use crate::steps::parameters::{Card, Cycle, Person, Plan, Status, Tab};
use crate::steps::records;
use crate::steps::world::Rehearsal;

/// The cookie the identity provider keeps its session token in (Clerk's convention).
const SESSION_COOKIE: &str = "__session";
/// How many Tab presses a keyboard-only step tries before giving up.
const MAX_TABS: usize = 80;

/// Which notes field goes with which confirmation button.
const NOTE_FIELDS: &[(&str, &str)] = &[
    ("Refund Full Amount", "#refund-notes"),
    ("Mark as Ignored", "#ignore-notes"),
    ("Close dispute", "#close-notes"),
];

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    panic!("{what}: {e}")
}

async fn base_url(world: &mut Rehearsal) -> String {
    world.backend().await.client.base_url().to_string()
}

async fn browser(world: &mut Rehearsal) -> &Browser {
    match world.browser().await {
        Ok(b) => b,
        Err(e) => fail("the browser did not start", e),
    }
}

/// Opens `path` of the backend as `name` (signed in through the session cookie), or as
/// nobody.
async fn open_as(world: &mut Rehearsal, name: Option<&str>, path: &str) {
    let base = base_url(world).await;
    let token = name.map(|n| world.known_actor(n).token);
    if let Some(n) = name {
        world.remembered.browser_person = Some(n.to_string());
    }
    let signed_in = world.remembered.browser_token.clone();
    if let Some(token) = &token
        && signed_in.as_ref() != Some(token)
    {
        world.remembered.browser_token = Some(token.clone());
        let b = browser(world).await;
        // A cookie can only be set for the page's origin: open one of ours first.
        b.goto(&format!("{base}{}", routes::BILLING_CANCELLED))
            .await
            .unwrap_or_else(|e| fail("opening the backend", e));
        b.set_cookie(SESSION_COOKIE, token)
            .await
            .unwrap_or_else(|e| fail("signing in", e));
    }
    let b = browser(world).await;
    b.goto(&format!("{base}{path}"))
        .await
        .unwrap_or_else(|e| fail(&format!("opening {path}"), e));
}

async fn page_text(world: &mut Rehearsal) -> String {
    browser(world)
        .await
        .page_text()
        .await
        .unwrap_or_else(|e| fail("reading the page", e))
}

async fn text_of(world: &mut Rehearsal, css: &str) -> String {
    browser(world)
        .await
        .text(css)
        .await
        .unwrap_or_else(|e| fail(&format!("reading {css}"), e))
}

fn assert_contains(what: &str, text: &str, needle: &str) {
    assert!(
        text.contains(needle),
        "{what} should say {needle:?}; it says {text:?}"
    );
}

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

/// `When she presses "Subscribe to BASIC"` (any button, by its visible label).
#[when(expr = "she/he/they presse(s) {string}( in the portal)")]
async fn presses(world: &mut Rehearsal, label: String) {
    browser(world)
        .await
        .click_button(&label)
        .await
        .unwrap_or_else(|e| fail(&format!("pressing {label:?}"), e));
}

/// `When she follows "Ops Guide"` (a link, by its text).
#[when(expr = "she/he/they follow(s) {string}( from the portal)")]
async fn follows(world: &mut Rehearsal, label: String) {
    browser(world)
        .await
        .click_link(&label)
        .await
        .unwrap_or_else(|e| fail(&format!("following {label:?}"), e));
}

/// `When she leaves the Checkout page with "Cancel and go back"`.
#[when(expr = "she/he/they leave(s) the Checkout page with {string}")]
async fn leaves_checkout(world: &mut Rehearsal, label: String) {
    follows(world, label).await;
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

/// `Then the page tells her "…"` (waits for the text; pages that refresh themselves get time).
#[then(expr = "the page tells her/him/them {string}")]
async fn page_tells(world: &mut Rehearsal, text: String) {
    browser(world)
        .await
        .wait_for_text(&text, DEFAULT_DEADLINE)
        .await
        .unwrap_or_else(|e| fail(&format!("the page never said {text:?}"), e));
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

/// What a keyboard-only step looks for in the focused element.
enum Focus<'a> {
    /// Its text or value (a button's label, a link's text).
    Label(&'a str),
    /// Its `id` (a field or a checkbox).
    Id(&'a str),
}

/// Presses Tab until the focused element is the one `wanted` names.
async fn tab_until(b: &Browser, wanted: Focus<'_>) {
    let mut seen = Vec::new();
    for _ in 0..MAX_TABS {
        b.press(&[Key::Tab])
            .await
            .unwrap_or_else(|e| fail("pressing Tab", e));
        let focused = match wanted {
            Focus::Label(_) => b.active_element_text().await,
            Focus::Id(_) => b.active_element_id().await,
        }
        .unwrap_or_else(|e| fail("reading the focused element", e));
        let focused = focused.trim().to_string();
        if matches!(wanted, Focus::Label(w) | Focus::Id(w) if w == focused) {
            return;
        }
        seen.push(focused);
    }
    match wanted {
        Focus::Label(l) => panic!("Tab never reached {l:?}; the focus went through {seen:?}"),
        Focus::Id(id) => panic!("Tab never reached #{id}; the focus went through {seen:?}"),
    }
}

/// Presses Tab until the focused element's text or value is `label`.
async fn tab_to(b: &Browser, label: &str) {
    tab_until(b, Focus::Label(label)).await
}

/// Presses Tab until the focused element is the one with `id`.
async fn tab_to_id(b: &Browser, id: &str) {
    tab_until(b, Focus::Id(id)).await
}

/// `When with the keyboard alone she moves to "Subscribe to BASIC" and presses Enter`.
#[when(expr = "with the keyboard alone she/he/they move(s) to {string} and presses Enter")]
async fn keyboard_activates(world: &mut Rehearsal, label: String) {
    let b = browser(world).await;
    tab_to(b, &label).await;
    b.press(&[Key::Enter])
        .await
        .unwrap_or_else(|e| fail("pressing Enter", e));
}

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
    let customer = super::portal::customer_of(world, &name).await;
    let before = super::portal::cards_of(world, &customer)
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

/// `When Omar from ops opens the ops dashboard in his browser`.
#[when(expr = "{person}( from ops) opens the ops dashboard in her/his/their browser")]
async fn opens_dashboard(world: &mut Rehearsal, name: Person) {
    world.known_actor(&name);
    world.remembered.browser_person = Some(name.to_string());
    open_as(world, Some(&name), routes::OPS_DASHBOARD).await;
}

/// `Then the Disputes tab is shown without error`.
#[then(expr = "the {tab} tab is shown without error")]
async fn tab_shown(world: &mut Rehearsal, tab: Tab) {
    let heading = text_of(world, "main h2").await;
    assert_eq!(heading.trim(), tab, "the dashboard's open tab");
    let b = browser(world).await;
    let current = b
        .texts("nav.tabs a[aria-current=page]")
        .await
        .unwrap_or_else(|e| fail("reading the tabs", e));
    assert_eq!(current, vec![tab.to_string()], "the highlighted tab");
    let errors = b
        .texts("#message")
        .await
        .unwrap_or_else(|e| fail("reading the page's messages", e));
    assert!(
        errors.is_empty(),
        "the {tab} tab shows an error: {errors:?}"
    );
}

/// `When he switches to the Fraud Warnings tab`.
#[when(expr = "she/he/they switche(s) to the {tab} tab")]
async fn switches_tab(world: &mut Rehearsal, tab: Tab) {
    follows(world, tab.to_string()).await;
}

/// `Then the page shows no dispute` (a 403 page reads nothing).
#[then(expr = "the page shows no dispute")]
async fn shows_no_dispute(world: &mut Rehearsal) {
    let id = world.remembered.dispute();
    let text = page_text(world).await;
    assert!(
        !text.contains(&id) && !text.contains("Disputes, newest first"),
        "the page shows dispute data to a non-admin: {text:?}"
    );
}

async fn row_text(world: &mut Rehearsal, id: &str) -> String {
    text_of(world, &format!("tr[data-id='{id}']")).await
}

/// `Then the Disputes tab lists Ana's dispute with reason "fraudulent" and status "…"`.
#[then(expr = "the Disputes tab lists {person}'s dispute with reason {string} and status {string}")]
async fn disputes_tab_lists(world: &mut Rehearsal, name: Person, reason: String, status: String) {
    let actor = world.known_actor(&name);
    let id = world.remembered.dispute();
    let row = row_text(world, &id).await;
    for (what, wanted) in [
        ("reason", &reason),
        ("status", &status),
        ("user", &actor.user_id),
    ] {
        assert_contains(&format!("the dispute's row ({what})"), &row, wanted);
    }
}

/// `When he opens the dispute in the Disputes tab`.
#[when(expr = "she/he/they open(s) the dispute in the Disputes tab")]
async fn opens_dispute_row(world: &mut Rehearsal) {
    let id = world.remembered.dispute();
    let b = browser(world).await;
    b.click(&format!("tr[data-id='{id}'] a"))
        .await
        .unwrap_or_else(|e| fail("opening the dispute", e));
    b.text("#dispute-dialog h3")
        .await
        .unwrap_or_else(|e| fail("the dispute's dialog did not open", e));
}

/// Stripe's amount of a dispute or charge as the pages write it (`10.00 USD`).
fn money(object: &Value) -> String {
    let amount = object["amount"].as_i64().unwrap_or_default();
    let currency = object["currency"]
        .as_str()
        .unwrap_or("usd")
        .to_ascii_uppercase();
    format!("{}.{:02} {currency}", amount / 100, amount % 100)
}

/// `Then the dispute's details show its amount, reason "…", status "…" and evidence due date`.
#[then(
    expr = "the dispute's details show its amount, reason {string}, status {string} and evidence due date"
)]
async fn dispute_details(world: &mut Rehearsal, reason: String, status: String) {
    let id = world.remembered.dispute();
    let dispute = world
        .stripe
        .get(&format!("/v1/disputes/{id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know {id}: {e}"));
    assert_eq!(
        text_of(world, "#dispute-amount").await.trim(),
        money(&dispute),
        "amount"
    );
    assert_eq!(
        text_of(world, "#dispute-reason").await.trim(),
        reason,
        "reason"
    );
    assert_eq!(
        text_of(world, "#dispute-status").await.trim(),
        status,
        "status"
    );
    let due = dispute["evidence_details"]["due_by"]
        .as_i64()
        .unwrap_or_default();
    let due = time::OffsetDateTime::from_unix_timestamp(due).expect("a due date");
    let shown = text_of(world, "#dispute-due").await;
    let wanted = format!(
        "{}-{:02}-{:02}",
        due.year(),
        u8::from(due.month()),
        due.day()
    );
    assert_eq!(shown.trim(), wanted, "evidence due date");
}

async fn history_shows(world: &mut Rehearsal, actions: &[&str], name: &str, note: Option<&str>) {
    let email = world.known_actor(name).email;
    let b = browser(world).await;
    let entries = b
        .texts("#history li")
        .await
        .unwrap_or_else(|e| fail("reading the history", e));
    for action in actions {
        assert!(
            entries.iter().any(|e| e.contains(action)
                && e.contains(&email)
                && note.is_none_or(|n| e.contains(n))),
            "the history should show {action:?} by {email}{}; it shows {entries:?}",
            note.map(|n| format!(" with {n:?}")).unwrap_or_default()
        );
    }
}

/// `Then the dispute's history on the page shows "submit evidence" by Omar`.
#[then(expr = "the dispute's history on the page shows {string} by {person}")]
async fn dispute_history(world: &mut Rehearsal, action: String, name: Person) {
    history_shows(world, &[&action], &name, None).await;
}

/// `Then the dispute's history on the page shows "stage evidence" and "submit evidence" by Omar`.
#[then(expr = "the dispute's history on the page shows {string} and {string} by {person}")]
async fn dispute_history_of_two(
    world: &mut Rehearsal,
    first: String,
    second: String,
    name: Person,
) {
    history_shows(world, &[&first, &second], &name, None).await;
}

/// `When he presses "Close dispute" without ticking the confirmation`: the browser refuses to
/// send the form (the box is required), so the dispute stays as it was.
#[when(expr = "she/he/they presse(s) {string} without ticking the confirmation")]
async fn presses_without_confirming(world: &mut Rehearsal, button: String) {
    let b = browser(world).await;
    let before = b
        .current_url()
        .await
        .unwrap_or_else(|e| fail("reading the address", e));
    b.click_button(&button)
        .await
        .unwrap_or_else(|e| fail(&format!("pressing {button:?}"), e));
    let after = b
        .current_url()
        .await
        .unwrap_or_else(|e| fail("reading the address", e));
    assert_eq!(
        after, before,
        "pressing {button:?} unconfirmed should stay on the page"
    );
}

async fn tick_note_press(world: &mut Rehearsal, tick: &str, note: Option<&str>, button: &str) {
    let b = browser(world).await;
    b.check_labelled(tick)
        .await
        .unwrap_or_else(|e| fail(&format!("ticking {tick:?}"), e));
    if let Some(note) = note {
        let field = NOTE_FIELDS
            .iter()
            .find(|(b, _)| *b == button)
            .map(|(_, f)| *f)
            .unwrap_or_else(|| panic!("no note field is known for {button:?}"));
        b.fill(field, note)
            .await
            .unwrap_or_else(|e| fail("typing the note", e));
    }
    b.click_button(button)
        .await
        .unwrap_or_else(|e| fail(&format!("pressing {button:?}"), e));
}

/// `When he ticks "I understand …" and presses "Close dispute"`.
#[when(expr = "she/he/they tick(s) {string} and presses {string}")]
async fn ticks_and_presses(world: &mut Rehearsal, tick: String, button: String) {
    tick_note_press(world, &tick, None, &button).await;
}

/// `When he ticks "I confirm …", notes "card testing pattern" and presses "Refund Full Amount"`.
#[when(expr = "she/he/they tick(s) {string}, notes {string} and presses {string}")]
async fn ticks_notes_presses(world: &mut Rehearsal, tick: String, note: String, button: String) {
    tick_note_press(world, &tick, Some(&note), &button).await;
}

/// `Then the Fraud Warnings tab on the page lists the warning as "open"`.
#[then(expr = "the Fraud Warnings tab on the page lists the warning as {string}")]
async fn warnings_tab_lists(world: &mut Rehearsal, status: String) {
    let id = world.remembered.fraud_warning();
    let base = base_url(world).await;
    let b = browser(world).await;
    b.goto(&format!(
        "{base}/stripe-disputes?tab=fraud-warnings&status=all"
    ))
    .await
    .unwrap_or_else(|e| fail("opening the Fraud Warnings tab", e));
    let shown = b
        .text(&format!("tr[data-id='{id}'] td.status"))
        .await
        .unwrap_or_else(|e| fail("finding the warning in the list", e));
    assert_eq!(shown.trim(), status, "the warning's status in the list");
}

/// `When he opens the fraud warning in the Fraud Warnings tab`.
#[when(expr = "she/he/they open(s) the fraud warning in the Fraud Warnings tab")]
async fn opens_warning_row(world: &mut Rehearsal) {
    let id = world.remembered.fraud_warning();
    let b = browser(world).await;
    b.click(&format!("tr[data-id='{id}'] a"))
        .await
        .unwrap_or_else(|e| fail("opening the fraud warning", e));
    b.text("#warning-dialog h3")
        .await
        .unwrap_or_else(|e| fail("the warning's dialog did not open", e));
}

/// `Then the warning's details show the fraud type "…", actionable "Yes", its charge and amount,
/// and the status "open"`.
#[then(
    expr = "the warning's details show the fraud type {string}, actionable {string}, its charge and amount, and the status {string}"
)]
async fn warning_details(
    world: &mut Rehearsal,
    fraud_type: String,
    actionable: String,
    status: String,
) {
    let id = world.remembered.fraud_warning();
    let warning = world
        .stripe
        .get(&format!("/v1/radar/early_fraud_warnings/{id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know {id}: {e}"));
    let charge_id = warning["charge"].as_str().unwrap_or_default().to_string();
    let charge = world
        .stripe
        .get(&format!("/v1/charges/{charge_id}"))
        .await
        .unwrap_or_else(|e| panic!("Stripe does not know {charge_id}: {e}"));
    assert_eq!(
        text_of(world, "#warning-fraud-type").await.trim(),
        fraud_type,
        "fraud type"
    );
    assert_eq!(
        text_of(world, "#warning-actionable").await.trim(),
        actionable,
        "actionable"
    );
    assert_eq!(
        text_of(world, "#warning-charge").await.trim(),
        charge_id,
        "charge"
    );
    assert_eq!(
        text_of(world, "#warning-amount").await.trim(),
        money(&charge),
        "amount"
    );
    assert_eq!(
        text_of(world, "#warning-status").await.trim(),
        status,
        "internal status"
    );
}

/// `Then the warning's details show the status "ignored"`.
#[then(expr = "the warning's details show the status {string}")]
async fn warning_status(world: &mut Rehearsal, status: String) {
    assert_eq!(
        text_of(world, "#warning-status").await.trim(),
        status,
        "internal status"
    );
}

/// `Then the warning's details show the status "refunded" and a refund`: and the refund's
/// `re_…` id.
#[then(expr = "the warning's details show the status {string} and a refund")]
async fn warning_status_and_refund(world: &mut Rehearsal, status: String) {
    warning_status(world, status).await;
    let shown = text_of(world, "#warning-refund").await;
    assert!(
        shown.trim().starts_with("re_"),
        "the refund shown: {shown:?}"
    );
}

/// `Then the warning's history on the page shows "refund" by Omar with "card testing pattern"`.
#[then(expr = "the warning's history on the page shows {string} by {person} with {string}")]
async fn warning_history(world: &mut Rehearsal, action: String, name: Person, note: String) {
    history_shows(world, &[&action], &name, Some(&note)).await;
}

/// `Then "Refund Full Amount" and "Mark as Ignored" are disabled, saying why`.
#[then(expr = "{string} and {string} are disabled, saying why")]
async fn buttons_disabled(world: &mut Rehearsal, first: String, second: String) {
    let b = browser(world).await;
    for (label, reason) in [(&first, "#refund-reason"), (&second, "#ignore-reason")] {
        let enabled = b
            .is_button_enabled(label)
            .await
            .unwrap_or_else(|e| fail(&format!("finding {label:?}"), e));
        assert!(!enabled, "{label:?} should be disabled");
        let why = b
            .text(reason)
            .await
            .unwrap_or_else(|e| fail(&format!("reading why {label:?} is disabled"), e));
        assert!(
            !why.trim().is_empty(),
            "{label:?} is disabled without a reason"
        );
    }
}

/// `When with the keyboard alone he opens the fraud warning, ticks "…", notes "…" and presses
/// "Mark as Ignored"`: Tab, Enter, Space and typing only.
#[when(
    expr = "with the keyboard alone she/he/they open(s) the fraud warning, tick(s) {string}, notes {string} and presses {string}"
)]
async fn keyboard_only_warning(world: &mut Rehearsal, tick: String, note: String, button: String) {
    let id = world.remembered.fraud_warning();
    let (checkbox, notes) = match button.as_str() {
        "Mark as Ignored" => ("confirm-ignore", "ignore-notes"),
        "Refund Full Amount" => ("confirm-refund", "refund-notes"),
        other => panic!("no keyboard path is known for {other:?}"),
    };
    let b = browser(world).await;
    tab_to(b, &id).await;
    b.press(&[Key::Enter])
        .await
        .unwrap_or_else(|e| fail("pressing Enter", e));
    b.text("#warning-dialog h3")
        .await
        .unwrap_or_else(|e| fail("the warning's dialog did not open", e));
    let label = b
        .text(&format!("label[for={checkbox}]"))
        .await
        .unwrap_or_else(|e| fail("reading the confirmation's label", e));
    assert_eq!(label.trim(), tick, "the confirmation box's label");
    tab_to_id(b, checkbox).await;
    b.press(&[Key::Space])
        .await
        .unwrap_or_else(|e| fail("pressing Space", e));
    tab_to_id(b, notes).await;
    b.press(&[Key::Text(note.clone())])
        .await
        .unwrap_or_else(|e| fail("typing the note", e));
    tab_to(b, &button).await;
    b.press(&[Key::Enter])
        .await
        .unwrap_or_else(|e| fail("pressing Enter", e));
}

/// `When with the keyboard alone he looks Ana up by her e-mail in the Subscriptions tab`: Tab
/// to the tab's link, Enter, Tab to the search field, type, Enter.
#[when(
    expr = "with the keyboard alone she/he/they look(s) {person} up by her/his/their e-mail in the Subscriptions tab"
)]
async fn keyboard_looks_up_subscriber(world: &mut Rehearsal, name: Person) {
    let email = world.known_actor(&name).email;
    let b = browser(world).await;
    tab_to(b, "Subscriptions").await;
    b.press(&[Key::Enter])
        .await
        .unwrap_or_else(|e| fail("pressing Enter", e));
    b.wait_for_text("E-mail, user id or Stripe id", DEFAULT_DEADLINE)
        .await
        .unwrap_or_else(|e| fail("the Subscriptions tab did not open", e));
    tab_to_id(b, "subscriber-query").await;
    b.press(&[Key::Text(email), Key::Enter])
        .await
        .unwrap_or_else(|e| fail("typing the e-mail", e));
}

/// `When with the keyboard alone he types "…" as the uncategorized text and presses "Stage
/// evidence"`: Tab to the field, type, Tab to the button, Enter.
#[when(
    expr = "with the keyboard alone she/he/they type(s) {string} as the uncategorized text and presses {string}"
)]
async fn keyboard_types_evidence(world: &mut Rehearsal, text: String, button: String) {
    world.remembered.staged_evidence = Some(text.clone());
    let b = browser(world).await;
    tab_to_id(b, "ev-uncategorized_text").await;
    b.press(&[Key::Text(text)])
        .await
        .unwrap_or_else(|e| fail("typing the evidence", e));
    tab_to(b, &button).await;
    b.press(&[Key::Enter])
        .await
        .unwrap_or_else(|e| fail("pressing Enter", e));
}

/// `Then the Subscriptions tab shows Ana on BASIC monthly, ACTIVE, with her Stripe customer and
/// subscription ids` (the ids the backend recorded).
#[then(
    expr = "the Subscriptions tab shows {person} on {plan} {cycle}, {status}, with her/his/their Stripe customer and subscription ids"
)]
async fn subscriptions_tab_shows(
    world: &mut Rehearsal,
    name: Person,
    plan: Plan,
    cycle: Cycle,
    status: Status,
) {
    let actor = world.known_actor(&name);
    let record = {
        let backend = world.backend().await;
        records::subscription_of(backend.db(), &actor.user_id)
            .await
            .expect("query user_subscriptions")
            .unwrap_or_else(|| panic!("the backend has no subscription row for {name}"))
    };
    let row = format!("tr[data-user='{}']", actor.user_id);
    let b = browser(world).await;
    let cells = |c: &'static str| format!("{row} td.{c}");
    let read = |css: String| async move {
        b.text(&css)
            .await
            .unwrap_or_else(|e| fail(&format!("reading {css}"), e))
    };
    assert_eq!(
        read(cells("plan")).await.trim(),
        format!("{plan} {cycle}"),
        "plan"
    );
    assert_eq!(read(cells("status")).await.trim(), status, "status");
    assert_eq!(read(cells("active")).await.trim(), "Yes", "active");
    assert_eq!(
        Some(read(cells("customer")).await.trim().to_string()),
        record.stripe_customer_id,
        "Stripe customer"
    );
    assert_eq!(
        Some(read(cells("subscription")).await.trim().to_string()),
        record.stripe_subscription_id,
        "Stripe subscription"
    );
}
