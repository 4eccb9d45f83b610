//! Steps about ops and their tools (checklist §5): who is an admin, and what the Disputes and
//! Fraud Warnings tabs load.

use cucumber::{given, then, when};

use crate::steps::actors::random_suffix;
use crate::steps::parameters::{Person, Tab};
use crate::steps::world::Rehearsal;

/// `Given Omar from ops is signed in as an admin`: his e-mail is in the backend's `ADMIN_EMAILS`.
#[given(expr = "{person}( from ops) is signed in as an admin")]
async fn admin_signed_in(world: &mut Rehearsal, name: Person) {
    let email = match world.env().shared.as_ref() {
        Some(shared) => shared.admin_email.clone().expect(
            "set GOLIVE_ADMIN_EMAIL to an e-mail the staging backend lists in ADMIN_EMAILS",
        ),
        None => {
            let email = format!(
                "{}.{}@ops.golive.test",
                name.to_lowercase(),
                random_suffix()
            );
            let listed = world
                .config_overrides
                .get("ADMIN_EMAILS")
                .map(|list| format!("{list},{email}"))
                .unwrap_or_else(|| email.clone());
            world.configure("ADMIN_EMAILS", &listed);
            email
        }
    };
    world.actor_with_email(&name, &email);
    world.remembered.admin = Some(name.to_string());
}

/// The admin domain of this scenario's backend, set on first use.
fn admin_domain(world: &mut Rehearsal) -> String {
    if let Some(shared) = world.env().shared.as_ref() {
        return shared
            .admin_domain
            .clone()
            .expect("set GOLIVE_ADMIN_DOMAIN to the staging backend's ADMIN_EMAIL_DOMAIN");
    }
    if let Some(domain) = world.config_overrides.get("ADMIN_EMAIL_DOMAIN") {
        return domain.clone();
    }
    let domain = format!("admins-{}.golive.test", random_suffix());
    world.configure("ADMIN_EMAIL_DOMAIN", &domain);
    domain
}

/// `Given the company's admin domain is set`: everyone with an e-mail at that exact domain is
/// an admin (`ADMIN_EMAIL_DOMAIN`).
#[given(expr = "the company's admin domain is set")]
async fn admin_domain_is_set(world: &mut Rehearsal) {
    admin_domain(world);
}

/// `Given Dana is signed in with an e-mail at the admin domain`.
#[given(expr = "{person} is signed in with an e-mail at the admin domain")]
async fn signed_in_at_admin_domain(world: &mut Rehearsal, name: Person) {
    let domain = admin_domain(world);
    world.actor_with_email(&name, &format!("{}@{domain}", name.to_lowercase()));
}

/// `Given Sam is signed in with an e-mail at a subdomain of the admin domain` (`sam@eu.<domain>`:
/// the domain rule is exact, so Sam is not an admin).
#[given(expr = "{person} is signed in with an e-mail at a subdomain of the admin domain")]
async fn signed_in_at_subdomain(world: &mut Rehearsal, name: Person) {
    let domain = admin_domain(world);
    world.actor_with_email(&name, &format!("{}@eu.{domain}", name.to_lowercase()));
}

/// The backend path behind a tab of the admin dashboard.
fn tab_path(tab: &Tab) -> &'static str {
    match tab.as_str() {
        "Disputes" => billing::routes::DISPUTES,
        "Fraud Warnings" => billing::routes::FRAUD_WARNINGS,
        other => panic!("the {other} tab has no list in the backend's API"),
    }
}

/// `When Omar from ops opens the Disputes tab` (or `the Fraud Warnings tab`).
#[when(expr = "{person}( from ops) opens the {tab} tab")]
async fn opens_tab(world: &mut Rehearsal, name: Person, tab: Tab) {
    let actor = world.known_actor(&name);
    let backend = world.backend().await;
    let response = backend.client.get(tab_path(&tab), Some(&actor.token)).await;
    world.last_response = Some(response);
}

/// `When someone who is not signed in opens the Disputes tab`.
#[when(expr = "someone who is not signed in opens the {tab} tab")]
async fn anonymous_opens_tab(world: &mut Rehearsal, tab: Tab) {
    let backend = world.backend().await;
    let response = backend.client.get(tab_path(&tab), None).await;
    world.last_response = Some(response);
}

/// `Then the Disputes tab loads`: HTTP 200 with a list (possibly empty).
#[then(expr = "the {tab} tab loads")]
async fn tab_loads(world: &mut Rehearsal, tab: Tab) {
    let response = world
        .last_response
        .as_ref()
        .expect("the tab was opened first");
    assert_eq!(
        response.status, 200,
        "the {tab} tab did not load: {response}"
    );
    assert!(
        response.body["data"].is_array(),
        "the {tab} tab has no list: {response}"
    );
}
