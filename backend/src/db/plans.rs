//! `subscription_plans`: the plan catalogue.

use serde::Serialize;
use sqlx::{FromRow, PgExecutor};

use crate::plans::Tier;

/// A plan as stored.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct PlanRow {
    /// Row id.
    pub id: i64,
    /// `FREE`, `BASIC`, …
    pub name: String,
    /// `free`, `basic`, …
    pub tier: String,
    /// Marketing text.
    pub description: String,
    /// Display price per month (minor units).
    pub price_monthly: Option<i64>,
    /// Display price per year (minor units).
    pub price_yearly: Option<i64>,
    /// Currency of the display prices.
    pub currency: String,
    /// Usage limits.
    pub limits: serde_json::Value,
    /// Feature list.
    pub features: serde_json::Value,
}

/// Active plans, in display order.
pub async fn list_active(db: impl PgExecutor<'_>) -> Result<Vec<PlanRow>, sqlx::Error> {
    sqlx::query_as::<_, PlanRow>(
        "SELECT id, name, tier, description, price_monthly, price_yearly, currency, limits, features
         FROM subscription_plans WHERE is_active ORDER BY sort_order, id",
    )
    .fetch_all(db)
    .await
}

/// The id of the plan of `tier` (seeded by the migrations).
pub async fn id_for_tier(db: impl PgExecutor<'_>, tier: Tier) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM subscription_plans WHERE tier = $1")
        .bind(tier.as_str())
        .fetch_one(db)
        .await
}
