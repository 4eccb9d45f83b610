//! Steps on the ops dashboard: its tabs, the Disputes tab and a dispute's dialog (details,
//! history, the confirmed actions), and the Subscriptions tab.

use billing::routes;
use cucumber::{then, when};

use super::{assert_contains, browser, fail, history_shows, money, open_as, page_text, text_of};
use crate::steps::parameters::{Cycle, Person, Plan, Status, Tab};
use crate::steps::records;
use crate::steps::world::Rehearsal;

/// Which notes field goes with which confirmation button.
const NOTE_FIELDS: &[(&str, &str)] = &[
    ("Refund Full Amount", "#refund-notes"),
    ("Mark as Ignored", "#ignore-notes"),
    ("Close dispute", "#close-notes"),
];

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
    super::any_page::follows(world, tab.to_string()).await;
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
