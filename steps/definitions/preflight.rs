//! Steps about `golive preflight`: a deployment described in ops' words (its environment, its
//! Stripe account on the simulator, a scratch database cloned from the migrated template, its
//! source tree), the preflight run against it, and what the preflight says.

use std::time::Duration;

use cucumber::{given, then, when};
use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection};

use crate::preflight::env::EnvSource;
use crate::preflight::webhooks::{OPTIONAL_EVENTS, REQUIRED_EVENTS, WEBHOOK_PATH};
use crate::preflight::{self, Options, Report, Status, render};
use crate::steps::actors::random_suffix;
use crate::steps::parameters::{Cycle, Dependency, EventType, Items, Plan, TierKey, Variable};
use crate::steps::preflight_deployment::PreflightScenario;
use crate::steps::world::{APP_ORIGIN, Rehearsal};

/// The public URL of the deployments these steps describe.
const PUBLIC_URL: &str = "https://billing.golive.test";

fn deployment(world: &mut Rehearsal) -> &mut PreflightScenario {
    world.preflight.as_mut().expect(
        "no deployment was described: start with `Given a test deployment that is ready for launch`",
    )
}

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

/// `And its price mapping has no pro.monthly`: the key is removed from the mode's mapping.
#[given(expr = "its price mapping has no {tier}.{cycle}")]
fn mapping_lacks(world: &mut Rehearsal, tier: TierKey, cycle: Cycle) {
    let d = deployment(world);
    let mut mapping = d.mapping();
    if let Some(cycles) = mapping
        .get_mut(tier.as_str())
        .and_then(Value::as_object_mut)
    {
        cycles.remove(cycle.as_str());
    }
    d.set_mapping(&mapping);
}

/// `And its price mapping sells basic.yearly with a price that does not exist in Stripe`.
#[given(expr = "its price mapping sells {tier}.{cycle} with a price that does not exist in Stripe")]
fn mapping_points_nowhere(world: &mut Rehearsal, tier: TierKey, cycle: Cycle) {
    let d = deployment(world);
    let mut mapping = d.mapping();
    mapping[tier.as_str()][cycle.as_str()] =
        Value::String(format!("price_golivegone{}", random_suffix()));
    d.set_mapping(&mapping);
}

/// `And its price mapping sells basic.yearly with a price billed every month`: a new monthly
/// price of the same product, mapped as yearly.
#[given(expr = "its price mapping sells {tier}.yearly with a price billed every month")]
async fn mapping_yearly_is_monthly(world: &mut Rehearsal, tier: TierKey) {
    let mapped = mapped_price(deployment(world), &tier, "monthly");
    let monthly = world
        .stripe
        .get(&format!("/v1/prices/{mapped}"))
        .await
        .unwrap_or_else(|e| panic!("reading {mapped}: {e}"));
    let price = world
        .stripe
        .post(
            "/v1/prices",
            &[
                (
                    "product",
                    monthly["product"].as_str().unwrap_or_default().to_string(),
                ),
                ("currency", "usd".to_string()),
                ("unit_amount", "9000".to_string()),
                ("recurring[interval]", "month".to_string()),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("creating a monthly price: {e}"));
    let d = deployment(world);
    let mut mapping = d.mapping();
    mapping[tier.as_str()]["yearly"] = price["id"].clone();
    d.set_mapping(&mapping);
}

fn mapped_price(d: &PreflightScenario, tier: &str, cycle: &str) -> String {
    d.mapping()[tier][cycle]
        .as_str()
        .unwrap_or_else(|| panic!("the deployment maps no {tier}.{cycle}"))
        .to_string()
}

/// `And the PRO monthly price is archived in Stripe`: the mapped price is made inactive, as
/// the Dashboard's "Archive price" does.
#[given(expr = "the {plan} {cycle} price is archived in Stripe")]
async fn price_archived(world: &mut Rehearsal, tier: Plan, cycle: Cycle) {
    let price = mapped_price(deployment(world), &super::tier_key(&tier), &cycle);
    world
        .stripe
        .post(
            &format!("/v1/prices/{price}"),
            &[("active", "false".to_string())],
        )
        .await
        .unwrap_or_else(|e| panic!("archiving {price}: {e}"));
}

/// Runs SQL on the deployment's scratch database (set-up only; features never show SQL).
async fn on_database(world: &mut Rehearsal, sql: String) {
    let url = deployment(world).database_url();
    let mut conn = PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot open the deployment's database: {e}"));
    conn.execute(sqlx::AssertSqlSafe(sql.clone()))
        .await
        .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
    conn.close().await.ok();
}

/// `And its database has never been migrated`: an empty database.
#[given(expr = "its database has never been migrated")]
async fn database_never_migrated(world: &mut Rehearsal) {
    on_database(
        world,
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public".into(),
    )
    .await;
}

/// `And its database has not had the latest migration`: the newest migration is not recorded
/// as applied.
#[given(expr = "its database has not had the latest migration")]
async fn database_behind(world: &mut Rehearsal) {
    on_database(
        world,
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)"
            .into(),
    )
    .await;
}

/// `And the fraud_warnings table is missing from its database`.
#[given(expr = "the {word} table is missing from its database")]
async fn table_missing(world: &mut Rehearsal, table: String) {
    on_database(world, format!("DROP TABLE {table} CASCADE")).await;
}

/// `And the PRO plan is switched off in its database`: its `is_active` is false.
#[given(expr = "the {plan} plan is switched off in its database")]
async fn plan_switched_off(world: &mut Rehearsal, plan: Plan) {
    let tier = super::tier_key(&plan);
    on_database(
        world,
        format!("UPDATE subscription_plans SET is_active = false WHERE tier = '{tier}'"),
    )
    .await;
}

/// `And its database has no PRO plan`: the plan's row is gone.
#[given(expr = "its database has no {plan} plan")]
async fn plan_missing(world: &mut Rehearsal, plan: Plan) {
    let tier = super::tier_key(&plan);
    on_database(
        world,
        format!("DELETE FROM subscription_plans WHERE tier = '{tier}'"),
    )
    .await;
}

async fn update_endpoint(world: &mut Rehearsal, form: Vec<(String, String)>) {
    let id = deployment(world)
        .endpoint_id
        .clone()
        .expect("the deployment has a webhook endpoint");
    world
        .stripe
        .post(&format!("/v1/webhook_endpoints/{id}"), &form)
        .await
        .unwrap_or_else(|e| panic!("updating the webhook endpoint {id}: {e}"));
}

/// `And the webhook endpoint is disabled in Stripe`.
#[given(expr = "the webhook endpoint is disabled in Stripe")]
async fn endpoint_disabled(world: &mut Rehearsal) {
    update_endpoint(world, vec![("disabled".into(), "true".into())]).await;
}

/// `And the webhook endpoint in Stripe points at another backend`: its URL is not the
/// deployment's.
#[given(expr = "the webhook endpoint in Stripe points at another backend")]
async fn endpoint_elsewhere(world: &mut Rehearsal) {
    let url = format!("https://staging.golive.test{WEBHOOK_PATH}");
    update_endpoint(world, vec![("url".into(), url)]).await;
}

fn events_form(events: &[&str]) -> Vec<(String, String)> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| (format!("enabled_events[{i}]"), e.to_string()))
        .collect()
}

/// `And the webhook endpoint does not listen to "invoice.payment_failed"`: that event is taken
/// off the endpoint's list.
#[given(expr = r#"the webhook endpoint does not listen to "{event}""#)]
async fn endpoint_lacks_event(world: &mut Rehearsal, event: EventType) {
    let events: Vec<&str> = REQUIRED_EVENTS
        .iter()
        .chain(OPTIONAL_EVENTS)
        .copied()
        .filter(|e| *e != event)
        .collect();
    update_endpoint(world, events_form(&events)).await;
}

/// `And the webhook endpoint listens to every event`: its events are `*`.
#[given(expr = "the webhook endpoint listens to every event")]
async fn endpoint_all_events(world: &mut Rehearsal) {
    update_endpoint(world, events_form(&["*"])).await;
}

/// `And the backend's public URL is plain http`: the deployment and its webhook endpoint use
/// `http://`.
#[given(expr = "the backend's public URL is plain http")]
async fn public_url_http(world: &mut Rehearsal) {
    let public = PUBLIC_URL.replacen("https://", "http://", 1);
    deployment(world)
        .vars
        .insert("BILLING_PUBLIC_URL".into(), public.clone());
    update_endpoint(
        world,
        vec![("url".into(), format!("{public}{WEBHOOK_PATH}"))],
    )
    .await;
}

/// `And a live secret key is committed in the source tree at "config/settings.py"`: the
/// backend's source tree holds a real-looking `sk_live_…` key on line 3 of that file.
#[given(expr = "a live secret key is committed in the source tree at {string}")]
fn key_committed(world: &mut Rehearsal, file: String) {
    let d = deployment(world);
    let source = d.folder().join("source");
    let key = format!("sk_live_{}{}", random_suffix(), random_suffix());
    let path = source.join(&file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create the source folder");
    }
    std::fs::write(
        &path,
        format!("# settings\nDEBUG = False\nSTRIPE_SECRET_KEY = \"{key}\"\n"),
    )
    .expect("write the source file");
    d.source = Some(source);
    d.committed_key = Some(key);
}

/// `And the source tree holds no Stripe key`: a source tree with code and placeholders
/// (`sk_live_…`) but no key.
#[given(expr = "the source tree holds no Stripe key")]
fn clean_source(world: &mut Rehearsal) {
    let d = deployment(world);
    let source = d.folder().join("source");
    std::fs::create_dir_all(source.join("app")).expect("create the source folder");
    std::fs::write(
        source.join("app/settings.py"),
        "import os\nSTRIPE_SECRET_KEY = os.environ[\"STRIPE_SECRET_KEY\"]  # sk_live_… in production\n",
    )
    .expect("write the source file");
    d.source = Some(source);
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

/// `When ops run the preflight`: `golive preflight` on the deployment (its env file if it has
/// one, its source tree if it has one).
#[when(expr = "ops run the preflight")]
async fn run_preflight(world: &mut Rehearsal) {
    let d = deployment(world);
    let options = Options {
        env: match &d.env_file {
            Some(file) => EnvSource::File(file.clone()),
            None => EnvSource::Vars(d.vars.clone()),
        },
        sources: d.source.iter().cloned().collect(),
        public_url: None,
        timeout: Duration::from_secs(10),
    };
    d.report = Some(preflight::run(&options).await);
}

fn shown(report: &Report) -> String {
    render::text(report)
}

/// `Then the preflight passes`: no FAIL (warnings allowed), so its exit code is 0.
#[then(expr = "the preflight passes")]
fn preflight_passes(world: &mut Rehearsal) {
    let report = deployment(world).report();
    assert!(
        report.ready,
        "the preflight should pass; it said:\n{}",
        shown(report)
    );
}

/// `Then the preflight fails`: at least one FAIL, so its exit code is non-zero.
#[then(expr = "the preflight fails")]
fn preflight_fails(world: &mut Rehearsal) {
    let report = deployment(world).report();
    assert!(
        !report.ready,
        "the preflight should fail; it said:\n{}",
        shown(report)
    );
}

/// `Then the preflight passes items 1, 2, 3 and 4`: every check of those checklist items is
/// PASS.
#[then(expr = "the preflight passes item(s) {items}")]
fn preflight_passes_items(world: &mut Rehearsal, items: Items) {
    let report = deployment(world).report();
    for item in items.replace(" and ", ", ").split(", ") {
        let checks: Vec<_> = report.item(item).collect();
        assert!(
            !checks.is_empty() && checks.iter().all(|c| c.status == Status::Pass),
            "every check of item {item} should pass; the preflight said:\n{}",
            shown(report)
        );
    }
}

fn find_line(world: &mut Rehearsal, status: Status, item: &str, fix: Option<&str>, text: &str) {
    let report = deployment(world).report();
    let found = report.item(item).any(|c| {
        c.status == status
            && match fix {
                Some(fix) => c.fix.as_deref().is_some_and(|f| f.contains(fix)),
                None => {
                    c.title.contains(text) || c.detail.as_deref().is_some_and(|d| d.contains(text))
                }
            }
    });
    assert!(
        found,
        "expected a {} line for item {item} with {}; the preflight said:\n{}",
        status.label(),
        match fix {
            Some(fix) => format!("the fix {fix:?}"),
            None => format!("{text:?}"),
        },
        shown(report)
    );
}

/// `Then the preflight fails item 1 with the fix "use the signing secret of the live-mode
/// webhook endpoint"`: a FAIL line of that item whose fix says this.
#[then(expr = "the preflight fails item {int} with the fix {string}")]
fn fails_with_fix(world: &mut Rehearsal, item: String, fix: String) {
    find_line(world, Status::Fail, &item, Some(&fix), "");
}

/// `Then the preflight fails item 3 naming "fraud_warnings"`: a FAIL line of that item that
/// names it.
#[then(expr = "the preflight fails item {int} naming {string}")]
fn fails_naming(world: &mut Rehearsal, item: String, text: String) {
    find_line(world, Status::Fail, &item, None, &text);
}

/// `Then the preflight warns on item 4 naming "radar.early_fraud_warning.updated"`.
#[then(expr = "the preflight warns on item {int} naming {string}")]
fn warns_naming(world: &mut Rehearsal, item: String, text: String) {
    find_line(world, Status::Warn, &item, None, &text);
}

/// `Then the preflight shows exactly one failure, naming "cannot be reached"`: one clear FAIL
/// line with the cause (bad input never cascades into a wall of failures).
#[then(expr = "the preflight shows exactly one failure, naming {string}")]
fn exactly_one_failure(world: &mut Rehearsal, text: String) {
    let report = deployment(world).report();
    let fails: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .collect();
    assert!(
        fails.len() == 1
            && (fails[0].title.contains(&text)
                || fails[0]
                    .detail
                    .as_deref()
                    .is_some_and(|d| d.contains(&text))),
        "expected exactly one FAIL naming {text:?}; the preflight said:\n{}",
        shown(report)
    );
}

/// `Then the checks that need Stripe are reported as not run` (or `… need the database …`):
/// each is a SKIP line saying why, none a PASS.
#[then(expr = "the checks that need {dependency} are reported as not run")]
fn dependent_checks_not_run(world: &mut Rehearsal, part: Dependency) {
    let report = deployment(world).report();
    let ids: &[&str] = if part == "Stripe" {
        &["price", "webhook-endpoint"]
    } else {
        &["tables", "migrations", "plan-rows"]
    };
    for id in ids {
        let checks: Vec<_> = report.checks.iter().filter(|c| c.id == *id).collect();
        assert!(
            !checks.is_empty() && checks.iter().all(|c| c.status == Status::Skip),
            "the {id} checks should be reported as not run; the preflight said:\n{}",
            shown(report)
        );
    }
}

/// `Then the preflight's output does not show the committed key`: neither the text nor the
/// JSON report holds the key beyond its `sk_live_` prefix.
#[then(expr = "the preflight's output does not show the committed key")]
fn key_not_shown(world: &mut Rehearsal) {
    let d = deployment(world);
    let key = d.committed_key.clone().expect("a key was committed");
    let secret_part = &key["sk_live_".len()..];
    let report = d.report();
    for output in [render::text(report), render::json(report)] {
        assert!(
            !output.contains(secret_part),
            "the preflight showed the committed key:\n{output}"
        );
    }
}
