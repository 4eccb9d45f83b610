//! The backend's final tables, written so two runs of the same plan can be compared: rows are
//! keyed by our user ids (the same in both runs) and hold what a payments engineer checks —
//! plan, status, entitlement, which Stripe ids are set, periods in days from the run's start,
//! dispute and warning outcomes, the ledger's counts per event type, the audit log's counts
//! per action. Stripe ids themselves differ between the two Stripe accounts and are not
//! compared.

use std::collections::BTreeMap;

use sqlx::PgPool;

/// A `user_subscriptions` row as compared: user, tier, cycle, status, active,
/// cancel at period end, has a customer, has a subscription, period start (days from the run's
/// start), period length (days).
type SubscriptionRow = (
    String,
    String,
    String,
    String,
    bool,
    bool,
    bool,
    bool,
    i64,
    i64,
);

/// Key → row, for every table compared.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub(crate) rows: BTreeMap<String, String>,
}

impl Snapshot {
    /// Reads the tables; `started` is the run's Stripe clock at its start (Unix seconds).
    pub(crate) async fn take(db: &PgPool, started: i64) -> Result<Snapshot, sqlx::Error> {
        let mut rows = BTreeMap::new();
        let subs: Vec<SubscriptionRow> =
            sqlx::query_as(
                "SELECT s.user_id, p.tier, coalesce(s.billing_cycle, ''), coalesce(s.status, ''),
                    s.is_active, s.cancel_at_period_end, s.stripe_customer_id IS NOT NULL,
                    s.stripe_subscription_id IS NOT NULL,
                    coalesce(floor(extract(epoch FROM s.current_period_start) - $1)::bigint / 86400, -1),
                    coalesce(round(extract(epoch FROM s.current_period_end - s.current_period_start) / 86400)::bigint, -1)
                 FROM user_subscriptions s JOIN subscription_plans p ON p.id = s.plan_id",
            )
            .bind(started as f64)
            .fetch_all(db)
            .await?;
        for (user, tier, cycle, status, active, cancel, cus, sub, start_day, days) in subs {
            rows.insert(
                format!("user_subscriptions {user}"),
                format!(
                    "{tier} {cycle} {status} active={active} cancel_at_period_end={cancel} \
                     customer={cus} subscription={sub} period_starts_day={start_day} \
                     period_days={days}"
                ),
            );
        }
        let disputes: Vec<(String, String, String, i64, bool)> = sqlx::query_as(
            "SELECT coalesce(user_id, '?'), status, coalesce(reason, ''), coalesce(amount, 0),
                evidence_submitted
             FROM disputes ORDER BY 1, 2, 3",
        )
        .fetch_all(db)
        .await?;
        number_per_user(
            &mut rows,
            "disputes",
            disputes.into_iter().map(|(u, s, r, a, e)| {
                (
                    u,
                    format!("{s} reason={r} amount={a} evidence_submitted={e}"),
                )
            }),
        );
        let warnings: Vec<(String, String, String, bool, i64, bool)> = sqlx::query_as(
            "SELECT coalesce(user_id, '?'), status, coalesce(fraud_type, ''),
                coalesce(actionable, false), coalesce(amount, 0), refund_id IS NOT NULL
             FROM fraud_warnings ORDER BY 1, 2",
        )
        .fetch_all(db)
        .await?;
        number_per_user(
            &mut rows,
            "fraud_warnings",
            warnings.into_iter().map(|(u, s, t, a, m, r)| {
                (
                    u,
                    format!("{s} fraud_type={t} actionable={a} amount={m} refunded={r}"),
                )
            }),
        );
        let ledger: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT type, status, count(*) FROM stripe_events GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .fetch_all(db)
        .await?;
        for (kind, status, n) in ledger {
            rows.insert(format!("stripe_events {kind} {status}"), n.to_string());
        }
        let actions: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT subject_type, action, count(*) FROM admin_actions GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .fetch_all(db)
        .await?;
        for (subject, action, n) in actions {
            rows.insert(format!("admin_actions {subject} {action}"), n.to_string());
        }
        Ok(Snapshot { rows })
    }

    /// The rows that differ from `expected`, each in words.
    pub(crate) fn differences(&self, expected: &Snapshot) -> Vec<String> {
        let mut out = Vec::new();
        for (key, want) in &expected.rows {
            match self.rows.get(key) {
                Some(got) if got == want => {}
                Some(got) => out.push(format!("{key}: expected {want}, found {got}")),
                None => out.push(format!("{key}: expected {want}, found no row")),
            }
        }
        for (key, got) in &self.rows {
            if !expected.rows.contains_key(key) {
                out.push(format!("{key}: unexpected row {got}"));
            }
        }
        out
    }

    /// The number of events the ledger processed.
    pub(crate) fn processed_events(&self) -> u64 {
        self.rows
            .iter()
            .filter(|(k, _)| k.starts_with("stripe_events ") && k.ends_with(" processed"))
            .filter_map(|(_, n)| n.parse::<u64>().ok())
            .sum()
    }
}

fn number_per_user(
    rows: &mut BTreeMap<String, String>,
    table: &str,
    items: impl Iterator<Item = (String, String)>,
) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (user, row) in items {
        let n = seen.entry(user.clone()).or_default();
        *n += 1;
        rows.insert(format!("{table} {user} #{n}"), row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_row() {
        let mut a = Snapshot::default();
        a.rows.insert("x".into(), "1".into());
        a.rows.insert("y".into(), "2".into());
        let mut b = a.clone();
        assert!(b.differences(&a).is_empty());
        b.rows.insert("y".into(), "3".into());
        b.rows.remove("x");
        b.rows.insert("z".into(), "4".into());
        let d = b.differences(&a);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].contains("x: expected 1, found no row"));
        assert!(d[1].contains("y: expected 2, found 3"));
        assert!(d[2].contains("z: unexpected row 4"));
    }
}
