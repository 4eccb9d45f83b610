//! §3 Database & migrations: the database at `DATABASE_URL` answers, has every table of
//! the backend's data model (`backend/README.md`, "Data model"), and has exactly the backend's embedded migrations applied
//! (`billing::db::MIGRATOR` against `_sqlx_migrations`: none pending, none failed, none edited
//! after being applied). Also §2's "SubscriptionPlan data is consistent": a
//! `subscription_plans` row per mapped tier, active.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use sqlx::{Connection, PgConnection, Row};

use super::env::{Deployment, database_label};
use super::prices::mapped_prices;
use super::{Check, error_chain};

/// The backend's tables, as `backend/README.md`'s "Data model" lists them.
pub const TABLES: &[&str] = &[
    "subscription_plans",
    "user_subscriptions",
    "stripe_events",
    "fraud_warnings",
    "disputes",
    "api_usage_logs",
    "usage_summaries",
    "subscription_renewal_history",
];

const REACH: &str = "DATABASE_URL reaches the database";
const TABLES_TITLE: &str = "The subscription, usage and fraud-warning tables exist";
const MIGRATIONS: &str = "The backend's migrations are all applied";
const PLANS: &str = "A subscription_plans row per mapped tier, active";

const MIGRATE_FIX: &str = "run the backend's migrations against this database: `billing migrate` with the same DATABASE_URL";

/// The §3 checks (and §2's plan rows).
pub async fn checks(d: &Deployment, timeout: Duration) -> Vec<Check> {
    let skip_all = |reason: &str| {
        vec![
            Check::skip("3", "database", REACH, reason),
            Check::skip("3", "tables", TABLES_TITLE, reason),
            Check::skip("3", "migrations", MIGRATIONS, reason),
            Check::skip("2", "plan-rows", PLANS, reason),
        ]
    };
    let Some(url) = d.database_url() else {
        return skip_all("DATABASE_URL is not set (see item 1)");
    };
    let label = database_label(url);
    let connected = tokio::time::timeout(timeout, PgConnection::connect(url)).await;
    let mut conn = match connected {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return unreachable(&label, &error_chain(&e)),
        Err(_) => {
            return unreachable(&label, &format!("no answer within {} s", timeout.as_secs()));
        }
    };
    let mut out = Vec::new();
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(&mut conn)
        .await
        .unwrap_or_else(|_| "?".to_string());
    out.push(Check::pass(
        "3",
        "database",
        REACH,
        format!("{label} (PostgreSQL {version})"),
    ));

    let present: BTreeSet<String> = match sqlx::query_scalar::<_, String>(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_all(&mut conn)
    .await
    {
        Ok(names) => names.into_iter().collect(),
        Err(e) => {
            out.push(Check::fail(
                "3",
                "tables",
                TABLES_TITLE,
                format!("cannot list the tables: {}", error_chain(&e)),
                "give the database user read access to information_schema",
            ));
            conn.close().await.ok();
            return out;
        }
    };
    out.push(tables_check(&present));
    out.push(migrations_check(&mut conn, &present).await);
    out.extend(plan_checks(d, &mut conn, &present).await);
    conn.close().await.ok();
    out
}

fn unreachable(label: &str, cause: &str) -> Vec<Check> {
    let reason = "the database could not be reached (see the FAIL above)";
    vec![
        Check::fail(
            "3",
            "database",
            REACH,
            format!("the database at {label} cannot be reached: {cause}"),
            "check DATABASE_URL (host, port, database name, user and password) and that this machine may connect to it",
        ),
        Check::skip("3", "tables", TABLES_TITLE, reason),
        Check::skip("3", "migrations", MIGRATIONS, reason),
        Check::skip("2", "plan-rows", PLANS, reason),
    ]
}

fn tables_check(present: &BTreeSet<String>) -> Check {
    let missing: Vec<&str> = TABLES
        .iter()
        .copied()
        .filter(|t| !present.contains(*t))
        .collect();
    if missing.is_empty() {
        Check::pass("3", "tables", TABLES_TITLE, TABLES.join(", "))
    } else {
        Check::fail(
            "3",
            "tables",
            TABLES_TITLE,
            format!("missing: {}", missing.join(", ")),
            MIGRATE_FIX,
        )
    }
}

/// One row of `_sqlx_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The migration's version.
    pub version: i64,
    /// False when it failed part-way.
    pub success: bool,
    /// Its checksum when applied.
    pub checksum: Vec<u8>,
}

/// Compares the backend's migrations `(version, description, checksum)` with those applied.
pub fn compare_migrations(known: &[(i64, String, Vec<u8>)], applied: &[Applied]) -> Check {
    let applied_by: BTreeMap<i64, &Applied> = applied.iter().map(|a| (a.version, a)).collect();
    let mut fails = Vec::new();
    let mut fixes = Vec::new();
    let pending: Vec<String> = known
        .iter()
        .filter(|(v, _, _)| !applied_by.contains_key(v))
        .map(|(v, d, _)| format!("{v} {d}"))
        .collect();
    if !pending.is_empty() {
        fails.push(format!(
            "{} of {} not applied: {}",
            pending.len(),
            known.len(),
            pending.join(", ")
        ));
        fixes.push(MIGRATE_FIX.to_string());
    }
    let failed: Vec<String> = applied
        .iter()
        .filter(|a| !a.success)
        .map(|a| a.version.to_string())
        .collect();
    if !failed.is_empty() {
        fails.push(format!("failed part-way: {}", failed.join(", ")));
        fixes.push(
            "repair the database by hand (see the migration's SQL), delete its row from _sqlx_migrations, then rerun `billing migrate`".into(),
        );
    }
    let edited: Vec<String> = known
        .iter()
        .filter(|(v, _, sum)| {
            applied_by
                .get(v)
                .is_some_and(|a| a.success && a.checksum != *sum)
        })
        .map(|(v, _, _)| v.to_string())
        .collect();
    if !edited.is_empty() {
        fails.push(format!(
            "changed after they were applied: {}",
            edited.join(", ")
        ));
        fixes.push(
            "deploy the backend build whose migrations were applied (never edit an applied migration; add a new one)".into(),
        );
    }
    let unknown: Vec<String> = applied
        .iter()
        .filter(|a| !known.iter().any(|(v, _, _)| *v == a.version))
        .map(|a| a.version.to_string())
        .collect();
    if !fails.is_empty() {
        return Check::fail(
            "3",
            "migrations",
            MIGRATIONS,
            fails.join("; "),
            fixes.join("; "),
        );
    }
    if !unknown.is_empty() {
        return Check::warn(
            "3",
            "migrations",
            MIGRATIONS,
            format!(
                "the database has migrations this backend build does not know: {}",
                unknown.join(", ")
            ),
            "make sure the build being deployed is the newest (an older build runs against a newer schema)",
        );
    }
    Check::pass(
        "3",
        "migrations",
        MIGRATIONS,
        format!("{} of {} applied", known.len(), known.len()),
    )
}

async fn migrations_check(conn: &mut PgConnection, present: &BTreeSet<String>) -> Check {
    let known: Vec<(i64, String, Vec<u8>)> = billing::db::MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| (m.version, m.description.to_string(), m.checksum.to_vec()))
        .collect();
    if !present.contains("_sqlx_migrations") {
        return compare_migrations(&known, &[]);
    }
    let rows = match sqlx::query("SELECT version, success, checksum FROM _sqlx_migrations")
        .fetch_all(&mut *conn)
        .await
    {
        Ok(rows) => rows,
        Err(e) => {
            return Check::fail(
                "3",
                "migrations",
                MIGRATIONS,
                format!("cannot read _sqlx_migrations: {}", error_chain(&e)),
                "give the database user read access to _sqlx_migrations",
            );
        }
    };
    let applied: Vec<Applied> = rows
        .iter()
        .map(|r| Applied {
            version: r.try_get("version").unwrap_or_default(),
            success: r.try_get("success").unwrap_or(false),
            checksum: r.try_get("checksum").unwrap_or_default(),
        })
        .collect();
    compare_migrations(&known, &applied)
}

async fn plan_checks(
    d: &Deployment,
    conn: &mut PgConnection,
    present: &BTreeSet<String>,
) -> Vec<Check> {
    let Some((_, json)) = &d.mapping else {
        return vec![Check::skip(
            "2",
            "plan-rows",
            PLANS,
            "no price mapping for the mode (see item 1)",
        )];
    };
    if !present.contains("subscription_plans") {
        return vec![Check::skip(
            "2",
            "plan-rows",
            PLANS,
            "the subscription_plans table is missing (see item 3)",
        )];
    }
    let tiers: BTreeSet<String> = mapped_prices(json)
        .into_iter()
        .map(|(tier, _, _)| tier)
        .collect();
    let rows = match sqlx::query("SELECT tier, name, is_active FROM subscription_plans")
        .fetch_all(&mut *conn)
        .await
    {
        Ok(rows) => rows,
        Err(e) => {
            return vec![Check::fail(
                "2",
                "plan-rows",
                PLANS,
                format!("cannot read subscription_plans: {}", error_chain(&e)),
                MIGRATE_FIX,
            )];
        }
    };
    let plans: BTreeMap<String, (String, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get::<String, _>("tier").unwrap_or_default(),
                (
                    r.try_get::<String, _>("name").unwrap_or_default(),
                    r.try_get::<bool, _>("is_active").unwrap_or(false),
                ),
            )
        })
        .collect();
    tiers
        .iter()
        .map(|tier| {
            let name = tier.to_ascii_uppercase();
            let title = format!("The {name} plan has a subscription_plans row and is active");
            match plans.get(tier) {
                None => Check::fail(
                    "2",
                    "plan-rows",
                    title,
                    format!("{tier} is mapped to Stripe prices but subscription_plans has no {tier} row"),
                    format!(
                        "run `billing migrate` (it seeds the plans), or insert the {name} plan into subscription_plans"
                    ),
                ),
                Some((_, false)) => Check::fail(
                    "2",
                    "plan-rows",
                    title,
                    format!("{name} is mapped to Stripe prices but its row has is_active = false"),
                    format!("set is_active = true on the {name} row of subscription_plans"),
                ),
                Some((row_name, true)) => Check::pass(
                    "2",
                    "plan-rows",
                    title,
                    format!("{row_name}: is_active = true"),
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preflight::Status;

    fn known() -> Vec<(i64, String, Vec<u8>)> {
        vec![
            (1, "schema".into(), vec![1]),
            (2, "seed plans".into(), vec![2]),
        ]
    }

    fn applied(version: i64, success: bool, checksum: u8) -> Applied {
        Applied {
            version,
            success,
            checksum: vec![checksum],
        }
    }

    #[test]
    fn migrations_current_pending_failed_edited_and_ahead() {
        let current = compare_migrations(&known(), &[applied(1, true, 1), applied(2, true, 2)]);
        assert_eq!(current.status, Status::Pass);
        let pending = compare_migrations(&known(), &[applied(1, true, 1)]);
        assert_eq!(pending.status, Status::Fail);
        assert!(
            pending
                .detail
                .unwrap()
                .contains("1 of 2 not applied: 2 seed plans")
        );
        let failed = compare_migrations(&known(), &[applied(1, true, 1), applied(2, false, 2)]);
        assert!(failed.detail.unwrap().contains("failed part-way: 2"));
        let edited = compare_migrations(&known(), &[applied(1, true, 9), applied(2, true, 2)]);
        assert!(edited.detail.unwrap().contains("changed after"));
        let ahead = compare_migrations(
            &known(),
            &[
                applied(1, true, 1),
                applied(2, true, 2),
                applied(3, true, 3),
            ],
        );
        assert_eq!(ahead.status, Status::Warn);
        let none = compare_migrations(&known(), &[]);
        assert!(none.detail.unwrap().contains("2 of 2 not applied"));
    }

    #[test]
    fn the_embedded_migrations_create_every_table_of_the_data_model() {
        let sql: String = billing::db::MIGRATOR
            .iter()
            .map(|m| m.sql.as_str().to_string())
            .collect();
        for table in TABLES {
            assert!(
                sql.contains(&format!("CREATE TABLE {table} ")),
                "{table} is not created by the backend's migrations"
            );
        }
    }
}
