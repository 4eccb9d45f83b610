//! `GET /api/subscription/plans`: the active plans, with which cycles are for sale.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::db::plans;
use crate::error::ApiError;
use crate::plans::{BillingCycle, PlanKey, Tier};
use crate::state::AppState;

/// Anyone may list plans.
pub async fn plans(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let rows = plans::list_active(&state.pool).await?;
    let mapping = &state.config.stripe.price_mapping;
    let plans: Vec<Value> = rows
        .into_iter()
        .map(|p| {
            let for_sale: Vec<&str> = Tier::parse(&p.tier)
                .map(|tier| {
                    BillingCycle::ALL
                        .into_iter()
                        .filter(|&cycle| mapping.price_for(PlanKey { tier, cycle }).is_some())
                        .map(BillingCycle::as_str)
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "name": p.name,
                "tier": p.tier,
                "description": p.description,
                "price_monthly": p.price_monthly,
                "price_yearly": p.price_yearly,
                "currency": p.currency,
                "limits": p.limits,
                "features": p.features,
                "billing_cycles_for_sale": for_sale,
            })
        })
        .collect();
    Ok(Json(json!({ "plans": plans })))
}
