//! `GET /api/subscription/status`: the caller's entitlement (§7: a user without an ACTIVE or
//! TRIALING subscription has the FREE plan).

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::auth::AuthUser;
use crate::db::subscriptions;
use crate::error::ApiError;
use crate::state::AppState;

/// `{tier, plan, status, is_active, billing_cycle, current_period_start, current_period_end,
/// cancel_at_period_end}`; `tier`/`plan` are the effective ones (free unless active),
/// `subscribed_plan` the plan of the (possibly inactive) subscription.
pub async fn status(
    user: AuthUser,
    State(state): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    let row = subscriptions::get_by_user(&state.pool, &user.user_id).await?;
    let body = match row {
        Some(r) => {
            let (tier, plan) = if r.is_active {
                (r.plan_tier.clone(), r.plan_name.clone())
            } else {
                ("free".to_string(), "FREE".to_string())
            };
            json!({
                "tier": tier,
                "plan": plan,
                "subscribed_plan": r.status.as_ref().map(|_| r.plan_name.clone()),
                "status": r.status,
                "is_active": r.is_active,
                "billing_cycle": r.billing_cycle,
                "current_period_start": r.current_period_start.map(rfc3339),
                "current_period_end": r.current_period_end.map(rfc3339),
                "cancel_at_period_end": r.cancel_at_period_end,
                "stripe_subscription_id": r.stripe_subscription_id,
            })
        }
        None => json!({
            "tier": "free",
            "plan": "FREE",
            "subscribed_plan": null,
            "status": null,
            "is_active": false,
            "billing_cycle": null,
            "current_period_start": null,
            "current_period_end": null,
            "cancel_at_period_end": false,
            "stripe_subscription_id": null,
        }),
    };
    Ok(Json(body))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}
