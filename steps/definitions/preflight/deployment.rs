//! Steps that describe a deployment for the preflight: the one ready for launch (test or
//! live), its environment variables, its env file, and what it cannot reach.

use cucumber::given;

use super::{PUBLIC_URL, deployment};
use crate::preflight;
use crate::preflight::webhooks::{OPTIONAL_EVENTS, REQUIRED_EVENTS, WEBHOOK_PATH};
use crate::steps::actors::random_suffix;
use crate::steps::parameters::Variable;
use crate::steps::preflight_deployment::PreflightScenario;
use crate::steps::world::{APP_ORIGIN, Rehearsal};

/// Describes a deployment of the backend on the scenario's Stripe account: BASIC and PRO,
/// monthly and yearly, on sale and mapped; a webhook endpoint for its public URL with the
/// checklist's events; a scratch database; admins set.
async fn describe_deployment(world: &mut Rehearsal, live: bool) {
    let mapping = world.plans().await.mapping_json();
    let events: Vec<&str> = REQUIRED_EVENTS
        .iter()
        .chain(OPTIONAL_EVENTS)
        .copied()
        .collect();
    let (endpoint_id, endpoint_secret) = world
        .stripe
        .create_webhook_endpoint(&format!("{PUBLIC_URL}{WEBHOOK_PATH}"), &events)
        .await
        .unwrap_or_else(|e| panic!("registering the webhook endpoint failed: {e}"));
    let env = world.env();
    let database = env
        .databases()
        .create_scenario_database()
        .await
        .unwrap_or_else(|e| panic!("no scratch database for the deployment: {e}"));
    let (mode, key, secret, mapping_variable) = if live {
        // The simulator refuses live keys (HTTP 401), as a test-mode Stripe would.
        (
            "live",
            format!("sk_live_golive{}{}", random_suffix(), random_suffix()),
            format!("whsec_{}{}", random_suffix(), random_suffix()),
            "STRIPE_PLAN_PRICE_MAPPING_LIVE",
        )
    } else {
        (
            "test",
            world.stripe.key().to_string(),
            endpoint_secret,
            "STRIPE_PLAN_PRICE_MAPPING_TEST",
        )
    };
    let vars = preflight::vars([
        ("DATABASE_URL", env.databases().url_of(&database)),
        ("STRIPE_SECRET_KEY", key),
        ("STRIPE_WEBHOOK_SECRET", secret),
        ("STRIPE_MODE", mode.to_string()),
        (mapping_variable, mapping),
        ("STRIPE_API_BASE", env.stripe_api_base.clone()),
        ("JWT_SECRET", format!("golive-{}", random_suffix())),
        ("ALLOWED_REDIRECT_ORIGINS", APP_ORIGIN.to_string()),
        ("ADMIN_EMAILS", "ops@golive.test".to_string()),
        ("BILLING_PUBLIC_URL", PUBLIC_URL.to_string()),
    ]);
    world.preflight = Some(PreflightScenario {
        vars,
        database: Some(database),
        endpoint_id: Some(endpoint_id),
        ..PreflightScenario::default()
    });
}

/// `Given a test deployment that is ready for launch`: test mode, the scenario's own Stripe
/// account with BASIC and PRO (monthly and yearly) on sale and mapped, a webhook endpoint at
/// its HTTPS public URL with the checklist's events, a migrated database, admins named.
#[given(expr = "a test deployment that is ready for launch")]
async fn ready_test_deployment(world: &mut Rehearsal) {
    describe_deployment(world, false).await;
}

/// `Given a live deployment that is configured for launch`: like the test one, in live mode
/// with a live key, a live mapping and a live webhook secret. The simulator refuses live keys
/// (HTTP 401), so its Stripe checks fail with that cause; its configuration checks are real.
#[given(expr = "a live deployment that is configured for launch")]
async fn configured_live_deployment(world: &mut Rehearsal) {
    describe_deployment(world, true).await;
}

/// `Given a live deployment whose webhook secret is a test secret`: a live deployment
/// configured for launch, but with a `whsec_test…` signing secret.
#[given(expr = "a live deployment whose webhook secret is a test secret")]
async fn live_deployment_with_test_secret(world: &mut Rehearsal) {
    describe_deployment(world, true).await;
    its_webhook_secret_is_a_test_secret(world);
}

/// `And its webhook secret is a test secret`: `STRIPE_WEBHOOK_SECRET` is a `whsec_test…`
/// secret.
#[given(expr = "its webhook secret is a test secret")]
fn its_webhook_secret_is_a_test_secret(world: &mut Rehearsal) {
    let secret = format!("whsec_test{}{}", random_suffix(), random_suffix());
    deployment(world)
        .vars
        .insert("STRIPE_WEBHOOK_SECRET".into(), secret);
}

/// `And its Stripe secret key is a test key`: `STRIPE_SECRET_KEY` is the scenario account's
/// `sk_test_…` key, whatever `STRIPE_MODE` says.
#[given(expr = "its Stripe secret key is a test key")]
fn its_key_is_a_test_key(world: &mut Rehearsal) {
    let key = world.stripe.key().to_string();
    deployment(world)
        .vars
        .insert("STRIPE_SECRET_KEY".into(), key);
}

/// `And the deployment sets DISABLE_AUTH to "true"`: one variable of its environment.
#[given(expr = "the deployment sets {variable} to {string}")]
fn the_deployment_sets(world: &mut Rehearsal, name: Variable, value: String) {
    deployment(world).vars.insert(name.to_string(), value);
}

/// `And the deployment does not set ADMIN_EMAILS`: the variable is removed.
#[given(expr = "the deployment does not set {variable}")]
fn the_deployment_does_not_set(world: &mut Rehearsal, name: Variable) {
    deployment(world).vars.remove(name.as_str());
}

/// `And a test secret key is left in the deployment's OLD_STRIPE_KEY`: a forgotten `sk_test_…`
/// value in some variable.
#[given(expr = "a test secret key is left in the deployment's {variable}")]
fn test_key_left_in(world: &mut Rehearsal, name: Variable) {
    let key = format!("sk_test_golive{}", random_suffix());
    deployment(world).vars.insert(name.to_string(), key);
}

/// `And the deployment's environment is kept in an env file`: the preflight reads a dotenv
/// file (`--env-file`) instead of given variables.
#[given(expr = "the deployment's environment is kept in an env file")]
fn env_in_file(world: &mut Rehearsal) {
    let d = deployment(world);
    let path = d.folder().join("deploy.env");
    let text: String = d.vars.iter().map(|(k, v)| format!("{k}='{v}'\n")).collect();
    std::fs::write(&path, format!("# written by golive\n{text}")).expect("write the env file");
    d.env_file = Some(path);
}

/// `And the deployment's env file is missing`: `--env-file` names a file that does not exist.
#[given(expr = "the deployment's env file is missing")]
fn env_file_missing(world: &mut Rehearsal) {
    let d = deployment(world);
    d.env_file = Some(d.folder().join("missing.env"));
}

/// `And the Stripe API cannot be reached from the deployment`: `STRIPE_API_BASE` points at a
/// closed port.
#[given(expr = "the Stripe API cannot be reached from the deployment")]
fn stripe_unreachable(world: &mut Rehearsal) {
    deployment(world)
        .vars
        .insert("STRIPE_API_BASE".into(), closed_port_url("http"));
}

/// `And its database cannot be reached`: `DATABASE_URL` points at a closed port.
#[given(expr = "its database cannot be reached")]
fn database_unreachable(world: &mut Rehearsal) {
    let url = format!("{}/billing", closed_port_url("postgres"));
    deployment(world).vars.insert("DATABASE_URL".into(), url);
}

/// `scheme://127.0.0.1:PORT` where nothing listens (a port bound, then released).
fn closed_port_url(scheme: &str) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    format!("{scheme}://127.0.0.1:{port}")
}

/// `And Stripe refuses the deployment's secret key`: a key Stripe answers with HTTP 401 (on
/// the simulator, a malformed test key stands in for a rolled one).
#[given(expr = "Stripe refuses the deployment's secret key")]
fn key_refused(world: &mut Rehearsal) {
    let key = format!("sk_test_rolled-{}", random_suffix());
    deployment(world)
        .vars
        .insert("STRIPE_SECRET_KEY".into(), key);
}
