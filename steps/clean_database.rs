//! Giving a finished scenario's database back its template's state, and proving it.
//!
//! A fresh clone (`CREATE DATABASE … TEMPLATE`) and its drop cost PostgreSQL a copy of every
//! block and a checkpoint — most of a scenario's set-up. A finished database can instead be
//! emptied (one statement deleting every row), given back the rows and sequence values the
//! migrations left in the template (the seeded plans), and handed to the next scenario. Steps
//! may have changed more than rows (a fault step adds a trigger, a function and a sequence), so
//! a database is reused only when its [`fingerprint`] — every object of the database, its
//! definition, every table's content and every sequence's value — equals the template's; any
//! other is dropped.

use sqlx::{Connection, Executor, PgConnection, Row};

/// What the migrated template holds, read once: the fingerprint a clean database must show,
/// and what to put back after emptying one.
#[derive(Debug, Clone)]
pub(crate) struct CleanState {
    /// The template's [`fingerprint`].
    fingerprint: String,
    /// Every table (`schema.table`, quoted), to empty.
    tables: Vec<String>,
    /// The rows of the tables the migrations filled (as JSON arrays), to put back.
    seeded: Vec<(String, String)>,
    /// Every sequence (quoted) with the value it had (`None`: never used), to set back.
    sequences: Vec<(String, Option<i64>)>,
    /// The query behind the content part of the fingerprint (one hash per table).
    content_query: String,
}

/// The user schemas: everything but PostgreSQL's own.
const USER_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

/// Catalogs whose rows are objects with an oid; any object a step created appears in one.
const OBJECT_CATALOGS: &[&str] = &[
    "pg_namespace",
    "pg_class",
    "pg_type",
    "pg_proc",
    "pg_constraint",
    "pg_trigger",
    "pg_attrdef",
    "pg_rewrite",
    "pg_policy",
    "pg_event_trigger",
    "pg_extension",
    "pg_operator",
    "pg_opclass",
    "pg_opfamily",
    "pg_cast",
    "pg_collation",
    "pg_conversion",
    "pg_language",
    "pg_statistic_ext",
    "pg_foreign_data_wrapper",
    "pg_foreign_server",
    "pg_publication",
    "pg_default_acl",
    "pg_transform",
    "pg_ts_config",
    "pg_ts_dict",
    "pg_largeobject_metadata",
];

/// How each object of the user schemas is defined: what `ALTER`, `GRANT`, `DISABLE TRIGGER`
/// or `CREATE OR REPLACE` change in place (an object's oid stays the same).
fn definitions_query() -> String {
    format!(
        "SELECT concat_ws(E'\\n', \
         (SELECT string_agg(format('ns %s %s', n.nspname, n.nspacl), E'\\n' ORDER BY n.nspname) \
            FROM pg_namespace n WHERE {USER_SCHEMAS}), \
         (SELECT string_agg(format('rel %s.%s %s %s %s %s %s %s', n.nspname, c.relname, c.relkind, \
                 c.relacl, c.reloptions, c.relrowsecurity, c.relforcerowsecurity, c.relpersistence), \
                 E'\\n' ORDER BY n.nspname, c.relname) \
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER_SCHEMAS}), \
         (SELECT string_agg(format('col %s %s %s %s %s %s %s', a.attrelid::regclass, a.attnum, \
                 a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attisdropped, \
                 pg_get_expr(d.adbin, d.adrelid)), E'\\n' ORDER BY a.attrelid, a.attnum) \
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
            JOIN pg_namespace n ON n.oid = c.relnamespace \
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
            WHERE a.attnum > 0 AND {USER_SCHEMAS}), \
         (SELECT string_agg(format('con %s %s %s', co.conrelid::regclass, co.conname, \
                 pg_get_constraintdef(co.oid)), E'\\n' ORDER BY co.oid) \
            FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE {USER_SCHEMAS}), \
         (SELECT string_agg(format('idx %s', pg_get_indexdef(i.indexrelid)), E'\\n' ORDER BY i.indexrelid) \
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER_SCHEMAS}), \
         (SELECT string_agg(format('trg %s %s %s', t.tgname, t.tgenabled, pg_get_triggerdef(t.oid)), \
                 E'\\n' ORDER BY t.oid) FROM pg_trigger t), \
         (SELECT string_agg(format('fn %s %s %s %s', p.oid::regprocedure, md5(p.prosrc), \
                 p.proconfig, p.proacl), E'\\n' ORDER BY p.oid) \
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {USER_SCHEMAS}), \
         (SELECT string_agg(format('rule %s %s', r.rulename, md5(r.ev_action::text)), E'\\n' ORDER BY r.oid) \
            FROM pg_rewrite r WHERE r.oid >= 16384), \
         (SELECT string_agg(format('evt %s %s', e.evtname, e.evtenabled), E'\\n' ORDER BY e.oid) \
            FROM pg_event_trigger e), \
         (SELECT string_agg(format('set %s', s.setconfig), E'\\n' ORDER BY s.setrole) \
            FROM pg_db_role_setting s JOIN pg_database db ON db.oid = s.setdatabase \
            WHERE db.datname = current_database()), \
         (SELECT format('prepared %s', count(*)) FROM pg_prepared_xacts x \
            WHERE x.database = current_database()))"
    )
}

/// Every object created after `initdb` (oid ≥ 16384), catalog by catalog: a step's new trigger,
/// function, sequence or type shows up here even where [`definitions_query`] does not look.
fn objects_query() -> String {
    let parts: Vec<String> = OBJECT_CATALOGS
        .iter()
        .map(|catalog| {
            format!(
                "(SELECT '{catalog} ' || coalesce(string_agg(oid::text, ',' ORDER BY oid), '') \
                 FROM pg_catalog.{catalog} WHERE oid >= 16384)"
            )
        })
        .collect();
    format!("SELECT concat_ws(E'\\n', {})", parts.join(", "))
}

/// One hash per table of its rows, in a fixed order.
fn content_query(tables: &[String]) -> String {
    if tables.is_empty() {
        return "SELECT ''::text".to_string();
    }
    let parts: Vec<String> = tables
        .iter()
        .map(|table| {
            format!(
                "(SELECT {literal} || ' ' || count(*) || ' ' || \
                 md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {table} t)",
                literal = quote_literal(table)
            )
        })
        .collect();
    format!("SELECT concat_ws(E'\\n', {})", parts.join(", "))
}

fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The text a database's state is compared by: its objects, their definitions, every table's
/// content and every sequence's value.
async fn fingerprint(conn: &mut PgConnection, content_query: &str) -> Result<String, sqlx::Error> {
    let mut parts = Vec::new();
    for query in [
        objects_query(),
        definitions_query(),
        content_query.to_string(),
    ] {
        let text: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
            .fetch_one(&mut *conn)
            .await?;
        parts.push(text.unwrap_or_default());
    }
    let sequences: Option<String> = sqlx::query_scalar(
        "SELECT string_agg(format('seq %I.%I %s', schemaname, sequencename, last_value), \
         E'\\n' ORDER BY schemaname, sequencename) FROM pg_sequences",
    )
    .fetch_one(&mut *conn)
    .await?;
    parts.push(sequences.unwrap_or_default());
    Ok(parts.join("\n"))
}

/// One statement that deletes every row of `tables`: each `DELETE` is a data-modifying `WITH`
/// part, so foreign keys are checked once all of them are done, in whatever order they are
/// listed. A scenario leaves a few rows per table, and deleting them costs PostgreSQL far less
/// than `TRUNCATE`, which gives every table, index and TOAST table a new file (created now,
/// the old one unlinked at commit): in a profile of the suite, that file churn topped
/// PostgreSQL's kernel time.
/// The sequences are set back separately, as `RESTART IDENTITY` would.
fn empty_tables_statement(tables: &[String]) -> String {
    let parts: Vec<String> = tables
        .iter()
        .enumerate()
        .map(|(i, table)| format!("d{i} AS (DELETE FROM {table})"))
        .collect();
    format!("WITH {} SELECT 1", parts.join(", "))
}

impl CleanState {
    /// Reads what the migrated template holds (on a connection to the template).
    pub(crate) async fn read(conn: &mut PgConnection) -> Result<Self, sqlx::Error> {
        let tables: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND {USER_SCHEMAS} ORDER BY 1"
        )))
        .fetch_all(&mut *conn)
        .await?;
        let mut seeded = Vec::new();
        for table in &tables {
            let rows: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT json_agg(t)::text FROM {table} t"
            )))
            .fetch_one(&mut *conn)
            .await?;
            if let Some(rows) = rows {
                seeded.push((table.clone(), rows));
            }
        }
        let sequences = sqlx::query(
            "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences",
        )
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<Vec<(String, Option<i64>)>, sqlx::Error>>()?;
        let content_query = content_query(&tables);
        let fingerprint = fingerprint(conn, &content_query).await?;
        Ok(CleanState {
            fingerprint,
            tables,
            seeded,
            sequences,
            content_query,
        })
    }

    /// Gives the database behind `conn` the template's rows and sequence values back, and says
    /// whether it is now exactly as the template (`Ok(false)`: a step changed more than rows;
    /// the database must not be reused). Other sessions on it are ended first.
    pub(crate) async fn restore(&self, conn: &mut PgConnection) -> Result<bool, sqlx::Error> {
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await?;
        conn.execute("SET lock_timeout = '10s'").await?;
        let mut tx = conn.begin().await?;
        if !self.tables.is_empty() {
            tx.execute(sqlx::AssertSqlSafe(empty_tables_statement(&self.tables)))
                .await?;
        }
        for (table, rows) in &self.seeded {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, $1::json)"
            )))
            .bind(rows)
            .execute(&mut *tx)
            .await?;
        }
        for (sequence, value) in &self.sequences {
            let sql = match value {
                Some(value) => format!("SELECT setval({}, {value}, true)", quote_literal(sequence)),
                None => format!(
                    "SELECT setval({seq}, s.start_value, false) FROM pg_sequences s \
                     WHERE format('%I.%I', s.schemaname, s.sequencename) = {seq}",
                    seq = quote_literal(sequence)
                ),
            };
            tx.execute(sqlx::AssertSqlSafe(sql)).await?;
        }
        tx.commit().await?;
        Ok(fingerprint(conn, &self.content_query).await? == self.fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server the backend's tests use too (`DATABASE_URL`, by default the local one).
    fn server() -> String {
        std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
    }

    fn url_of(name: &str) -> String {
        let mut url = reqwest::Url::parse(&server()).expect("a postgres:// URL");
        url.set_path(&format!("/{name}"));
        url.to_string()
    }

    async fn admin(sql: &str) {
        let mut conn = PgConnection::connect(&server()).await.expect("the server");
        conn.execute(sqlx::AssertSqlSafe(sql.to_string()))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        conn.close().await.ok();
    }

    #[tokio::test]
    async fn rows_are_put_back_and_a_changed_schema_is_caught() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let name = format!("golive_clean_test_{}", std::process::id());
        admin(&format!("DROP DATABASE IF EXISTS {name}")).await;
        admin(&format!("CREATE DATABASE {name}")).await;
        let mut conn = PgConnection::connect(&url_of(&name)).await.unwrap();
        conn.execute(
            "CREATE TABLE plans (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, limits JSONB); \
             CREATE TABLE events (id BIGSERIAL PRIMARY KEY, plan BIGINT REFERENCES plans(id)); \
             INSERT INTO plans (name, limits) VALUES ('FREE', '{\"words\": 1}'), ('PRO', NULL)",
        )
        .await
        .unwrap();
        let clean = CleanState::read(&mut conn).await.unwrap();

        // What a scenario does to rows: all of it is undone, and proven so.
        conn.execute(
            "INSERT INTO plans (name) VALUES ('EXTRA'); UPDATE plans SET name = 'X' WHERE id = 1; \
             INSERT INTO events (plan) VALUES (1), (2)",
        )
        .await
        .unwrap();
        assert!(clean.restore(&mut conn).await.unwrap());
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM plans ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert_eq!(names, ["FREE", "PRO"]);
        let next: i64 = sqlx::query_scalar("INSERT INTO plans (name) VALUES ('N') RETURNING id")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(next, 3, "the sequence is back where the template left it");
        assert!(clean.restore(&mut conn).await.unwrap());

        // What a fault step does to the schema: not undone, so the database is not reused.
        conn.execute(
            "CREATE FUNCTION fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; \
             CREATE TRIGGER fail BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fail()",
        )
        .await
        .unwrap();
        assert!(!clean.restore(&mut conn).await.unwrap());
        conn.execute("DROP TRIGGER fail ON events").await.unwrap();
        assert!(
            !clean.restore(&mut conn).await.unwrap(),
            "the function is still there"
        );
        conn.execute("DROP FUNCTION fail()").await.unwrap();
        assert!(clean.restore(&mut conn).await.unwrap());
        conn.execute("ALTER TABLE plans ADD COLUMN extra TEXT")
            .await
            .unwrap();
        assert!(!clean.restore(&mut conn).await.unwrap());
        conn.close().await.ok();
        admin(&format!("DROP DATABASE {name} WITH (FORCE)")).await;
    }
}
