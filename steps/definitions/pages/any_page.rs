//! Steps that work on whatever page the browser shows: press a button, follow a link, wait
//! for the page to say something.

use cucumber::{then, when};

use super::{browser, fail};
use crate::steps::eventually::DEFAULT_DEADLINE;
use crate::steps::world::Rehearsal;

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
pub(super) async fn follows(world: &mut Rehearsal, label: String) {
    browser(world)
        .await
        .click_link(&label)
        .await
        .unwrap_or_else(|e| fail(&format!("following {label:?}"), e));
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
