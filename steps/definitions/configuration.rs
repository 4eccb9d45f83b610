//! Steps about a deployment's configuration, prices and database (checklist §1–3): what makes
//! the backend refuse to start, and what its migrations leave in the database.

use cucumber::{given, then, when};
use serde_json::json;

use crate::steps::actors::random_suffix;
use crate::steps::parameters::{Plans, Variable};
use crate::steps::world::Rehearsal;

/// `Given Stripe rejects the backend's API key`: the backend's key is well-formed but Stripe
/// refuses it (as after the key was rolled in the Dashboard).
#[given(expr = "Stripe rejects the backend's API key")]
async fn stripe_rejects_key(world: &mut Rehearsal) {
    world.configure(
        "STRIPE_SECRET_KEY",
        &format!("sk_test_rolled-{}", random_suffix()),
    );
}

/// `Given a deployment of the backend where <problem>`: one misconfiguration of
/// the backend's settings (`backend/README.md`, "Environment"), on top of an otherwise valid
/// test deployment.
#[given(expr = "a deployment of the backend where {}")]
async fn misconfigured_deployment(world: &mut Rehearsal, problem: String) {
    let plans = world.plans().await.clone();
    let basic = plans
        .price_id("basic", "monthly")
        .expect("basic.monthly on sale")
        .to_string();
    match problem.as_str() {
        "STRIPE_MODE is live but the key is a test key" => world.configure("STRIPE_MODE", "live"),
        "the webhook secret is missing" => world.configure("STRIPE_WEBHOOK_SECRET", ""),
        "the price mapping is not JSON" => {
            world.configure("STRIPE_PLAN_PRICE_MAPPING_TEST", "{basic: monthly")
        }
        "the price mapping lacks pro.monthly" => world.configure(
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            &json!({"basic": {"monthly": basic}}).to_string(),
        ),
        "two plans share one price id" => world.configure(
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
            &json!({"basic": {"monthly": basic}, "pro": {"monthly": basic}}).to_string(),
        ),
        "auth is disabled in live mode" => {
            world.configure("STRIPE_MODE", "live");
            world.configure("DISABLE_AUTH", "true");
        }
        "there is no STRIPE_WEBHOOK_SECRET" => world.configure("STRIPE_WEBHOOK_SECRET", ""),
        other => {
            panic!("unknown misconfiguration {other:?}; see steps/definitions/configuration.rs")
        }
    }
}

/// `Given the deployment has no STRIPE_WEBHOOK_SECRET`.
#[given(expr = "the deployment has no {variable}")]
async fn deployment_lacks(world: &mut Rehearsal, variable: Variable) {
    world.configure(&variable, "");
}

/// `When the backend starts` (with the scenario's configuration).
#[when(expr = "the backend starts")]
async fn backend_starts(world: &mut Rehearsal) {
    world.startup_error = world.try_start_backend().await.err().map(|e| e.to_string());
}

/// `Then it refuses to start, naming "STRIPE_WEBHOOK_SECRET"`: the start-up error names the
/// variable (or mapping key) and says how to fix it.
#[then(expr = "it refuses to start, naming {string}")]
async fn refuses_to_start(world: &mut Rehearsal, named: String) {
    let error = world.startup_error.clone().unwrap_or_else(|| {
        panic!("the backend started, but it should have refused because of {named}")
    });
    assert!(
        error.contains(&named),
        "the start-up error should name {named:?}:\n{error}"
    );
    assert!(
        error.contains("Fix"),
        "the start-up error should say how to fix it:\n{error}"
    );
}

/// `When the backend's migrations have run` (they run when the backend starts).
#[when(expr = "the backend's migrations have run")]
async fn migrations_have_run(world: &mut Rehearsal) {
    world.backend().await;
}

/// `Then the database has the tables a, b and c`.
#[then(expr = "the database has the tables {}")]
async fn database_has_tables(world: &mut Rehearsal, list: String) {
    let backend = world.backend().await;
    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(backend.db())
    .await
    .expect("list tables");
    for table in list.replace(" and ", ", ").split(',').map(str::trim) {
        assert!(
            existing.iter().any(|t| t == table),
            "table {table} is missing; tables: {existing:?}"
        );
    }
}

/// `Then the plans FREE, BASIC, PRO and ENTERPRISE exist and are active`.
#[then(expr = "the plans {plans} exist and are active")]
async fn plans_exist(world: &mut Rehearsal, list: Plans) {
    let backend = world.backend().await;
    let rows: Vec<(String, bool)> =
        sqlx::query_as("SELECT name::text, is_active FROM subscription_plans")
            .fetch_all(backend.db())
            .await
            .expect("list plans");
    for plan in list.replace(" and ", ", ").split(',').map(str::trim) {
        let row = rows.iter().find(|(name, _)| name == plan);
        assert!(
            matches!(row, Some((_, true))),
            "plan {plan} should exist and be active; plans: {rows:?}"
        );
    }
}

/// `When someone who is not signed in asks for the plans`.
#[when(expr = "someone who is not signed in asks for the plans")]
async fn asks_for_plans(world: &mut Rehearsal) {
    let backend = world.backend().await;
    let response = backend.client.plans().await;
    world.last_response = Some(response);
}

/// `Then the backend lists the plans BASIC and PRO as active`.
#[then(expr = "the backend lists the plans {plans} as active")]
async fn lists_plans(world: &mut Rehearsal, list: Plans) {
    let response = world
        .last_response
        .as_ref()
        .expect("the plans were asked for first");
    assert_eq!(response.status, 200, "{response}");
    let body = response.body.to_string();
    for plan in list.replace(" and ", ", ").split(',').map(str::trim) {
        assert!(
            body.contains(&format!("\"{plan}\"")),
            "the plans list lacks {plan}: {response}"
        );
    }
}
