//! Steps that break the deployment's scratch database the ways a preflight must catch.

use cucumber::given;
use sqlx::{Connection, Executor, PgConnection};

use super::deployment;
use crate::steps::definitions::tier_key;
use crate::steps::parameters::Plan;
use crate::steps::world::Rehearsal;

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
    let tier = tier_key(&plan);
    on_database(
        world,
        format!("UPDATE subscription_plans SET is_active = false WHERE tier = '{tier}'"),
    )
    .await;
}

/// `And its database has no PRO plan`: the plan's row is gone.
#[given(expr = "its database has no {plan} plan")]
async fn plan_missing(world: &mut Rehearsal, plan: Plan) {
    let tier = tier_key(&plan);
    on_database(
        world,
        format!("DELETE FROM subscription_plans WHERE tier = '{tier}'"),
    )
    .await;
}
