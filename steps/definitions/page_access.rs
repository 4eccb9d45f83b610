//! Steps about who may load the ops dashboard's page itself (`/stripe-disputes`), asked over
//! plain HTTP with the person's session token — so the admin rule of the page is checked on
//! every run, also where no browser is installed and the `@browser` scenarios are skipped.

use cucumber::{then, when};

use crate::steps::world::Rehearsal;

/// The ops dashboard's page.
const DASHBOARD: &str = "/stripe-disputes";

/// `When Ana requests the ops dashboard page directly`: `GET /stripe-disputes` with her session
/// token, as a browser would send it, without clicking anything.
#[when(expr = "{word} requests the ops dashboard page directly")]
async fn requests_dashboard(world: &mut Rehearsal, name: String) {
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let response = backend.client.get(DASHBOARD, Some(&actor.token)).await;
    world.last_response = Some(response);
}

/// `Then the page is refused with HTTP 403`: the status of the page's answer, which is the
/// HTML error page — never the dashboard.
#[then(expr = "the page is refused with HTTP {int}")]
async fn page_refused(world: &mut Rehearsal, status: u16) {
    let response = world
        .last_response
        .as_ref()
        .expect("a page was requested first");
    assert_eq!(
        response.status, status,
        "the page should be refused with HTTP {status}; it answered {response}"
    );
    let html = response.body.as_str().unwrap_or_default();
    assert!(
        html.contains("<html") && !html.contains("id=\"tab-disputes\""),
        "the refusal should be the HTML error page, not the dashboard: {response}"
    );
}

/// `Then the page loads with HTTP 200`: the dashboard itself.
#[then(expr = "the page loads with HTTP {int}")]
async fn page_loads(world: &mut Rehearsal, status: u16) {
    let response = world
        .last_response
        .as_ref()
        .expect("a page was requested first");
    assert_eq!(response.status, status, "the page did not load: {response}");
    let html = response.body.as_str().unwrap_or_default();
    assert!(
        html.contains("id=\"tab-disputes\""),
        "the page should be the dashboard's Disputes tab: {response}"
    );
}
