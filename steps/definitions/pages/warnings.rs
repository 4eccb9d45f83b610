//! Steps on the ops dashboard's Fraud Warnings tab: the list, a warning's dialog, its status,
//! history and the buttons it disables.

use cucumber::{then, when};

use super::{base_url, browser, fail, history_shows, money, text_of};
use crate::steps::parameters::Person;
use crate::steps::world::Rehearsal;

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
