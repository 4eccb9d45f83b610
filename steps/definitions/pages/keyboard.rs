//! Keyboard-only steps: Tab to a control, then Enter, Space or typing, as a person who uses
//! no mouse does; a step fails naming where the focus went.

use cucumber::when;

use super::{browser, fail};
use crate::steps::browser::{Browser, Key};
use crate::steps::eventually::DEFAULT_DEADLINE;
use crate::steps::parameters::Person;
use crate::steps::world::Rehearsal;

/// How many Tab presses a keyboard-only step tries before giving up.
const MAX_TABS: usize = 80;

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
