//! `/v1/subscriptions`: create (default payment method, `payment_behavior`
//! `allow_incomplete` / `error_if_incomplete` / `default_incomplete`), retrieve, list,
//! update (price or quantity of items, `cancel_at_period_end`, `metadata`,
//! `default_payment_method`, `description`) and cancel now (`DELETE`).
//!
//! A price or quantity change is prorated after `proration_behavior` (default
//! `create_prorations`, see `engine/prorations.rs`), at `proration_date` if given. Trials
//! (`trial_period_days`, `trial_end`) start `trialing` with a paid 0 invoice; nothing is
//! charged until `trial_end`.

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::api::retrieve_kind;
use crate::engine::invoices::{self, Collection};
use crate::engine::prorations::{self, ProrationBehavior};
use crate::engine::{follow_up, payments, subscriptions};
use crate::error::StripeError;
use crate::objects;
use crate::objects::status::{Status, SubscriptionStatus};
use crate::params::Params;
use crate::pipeline::Call;
use crate::store::{LIST_PARAMS, ListParams};

const BEHAVIOURS: &[&str] = &[
    "allow_incomplete",
    "default_incomplete",
    "error_if_incomplete",
    "pending_if_incomplete",
];

/// Checks that `price` may be subscribed to (exists, active, recurring) and returns it.
fn recurring_price(st: &AccountState, price: &str, param: &str) -> Result<Value, StripeError> {
    let obj = st
        .store
        .get_kind("price", price)
        .cloned()
        .ok_or_else(|| StripeError::missing_param("price", price, param))?;
    if obj["active"] != true {
        return Err(StripeError::invalid(
            param,
            format!("The price `{price}` is not active and cannot be used for new subscriptions."),
        ));
    }
    if obj["type"] != "recurring" {
        return Err(StripeError::invalid(
            param,
            format!(
                "The price specified ({price}) is not recurring. Only recurring prices can be used for subscriptions."
            ),
        ));
    }
    Ok(obj)
}

fn quantity(p: &Params, path: &str) -> Result<Option<i64>, StripeError> {
    match p.int(path)? {
        Some(q) if !(0..=999_999).contains(&q) => Err(StripeError::invalid(
            path,
            "Invalid quantity: must be between 0 and 999999.",
        )),
        q => Ok(q),
    }
}

/// `POST /v1/subscriptions`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "customer",
        "items",
        "default_payment_method",
        "payment_behavior",
        "metadata",
        "description",
        "cancel_at_period_end",
        "collection_method",
        "off_session",
        "proration_behavior",
        "payment_settings",
        "currency",
        "trial_period_days",
        "trial_end",
    ])?;
    let customer_id = p.required("customer")?;
    let behaviour = p
        .nonempty("payment_behavior")?
        .unwrap_or("allow_incomplete");
    if !BEHAVIOURS.contains(&behaviour) {
        return Err(StripeError::invalid(
            "payment_behavior",
            format!(
                "Invalid payment_behavior: must be one of {}",
                BEHAVIOURS.join(", ")
            ),
        ));
    }
    if let Some(m) = p.nonempty("collection_method")?
        && m != "charge_automatically"
    {
        return Err(StripeError::invalid(
            "collection_method",
            "The simulator supports collection_method=charge_automatically only.",
        ));
    }
    let raw_items = p
        .obj_list("items")?
        .filter(|l| !l.is_empty())
        .ok_or_else(|| StripeError::ParameterMissing {
            param: "items".into(),
        })?;
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let description = p.nonempty("description")?;
    let cancel_at_period_end = p.bool("cancel_at_period_end")?.unwrap_or(false);
    let mut st = c.account.lock();
    let customer = st
        .store
        .get_kind("customer", customer_id)
        .filter(|o| o["deleted"] != true)
        .cloned()
        .ok_or_else(|| StripeError::missing_param("customer", customer_id, "customer"))?;
    let mut items: Vec<(Value, i64)> = Vec::new();
    for (i, it) in raw_items.iter().enumerate() {
        if let Value::Object(m) = &it.0 {
            for k in m.keys() {
                if !["price", "quantity", "metadata"].contains(&k.as_str()) {
                    return Err(StripeError::ParameterUnknown {
                        param: format!("items[{i}][{k}]"),
                    });
                }
            }
        }
        let param = format!("items[{i}][price]");
        let price_id = it
            .nonempty("price")?
            .ok_or_else(|| StripeError::ParameterMissing {
                param: param.clone(),
            })?;
        let price = recurring_price(&st, price_id, &param)?;
        if items
            .first()
            .is_some_and(|(p0, _)| p0["currency"] != price["currency"])
        {
            return Err(StripeError::invalid(
                param,
                "All prices on a subscription must have the same currency.",
            ));
        }
        let q = quantity(it, "quantity")
            .map_err(|_| {
                StripeError::invalid(format!("items[{i}][quantity]"), "Invalid quantity.")
            })?
            .unwrap_or(1);
        items.push((price, q));
    }
    let pm = match p.nonempty("default_payment_method")? {
        Some(pm) => {
            let attached = st
                .store
                .get_kind("payment_method", pm)
                .is_some_and(|o| o["customer"] == customer_id);
            if !attached {
                return Err(StripeError::invalid(
                    "default_payment_method",
                    format!(
                        "The customer does not have a payment method with the ID {pm}. The payment method must be attached to the customer."
                    ),
                ));
            }
            Some(pm.to_string())
        }
        None => customer["invoice_settings"]["default_payment_method"]
            .as_str()
            .map(str::to_string),
    };
    let now = st.now_for_customer(customer_id);
    // A trial (`trial_period_days` or `trial_end`): status `trialing`, the first period is
    // the trial, its invoice is for 0 and nothing is charged until `trial_end`.
    let trial_end = match (p.int("trial_period_days")?, p.str("trial_end")?) {
        (Some(_), Some(_)) => {
            return Err(StripeError::bad_request(
                "You may only specify one of these parameters: trial_end, trial_period_days.",
            ));
        }
        (Some(d), None) if (1..=730).contains(&d) => Some(now + d * 86_400),
        (Some(_), None) => {
            return Err(StripeError::invalid(
                "trial_period_days",
                "trial_period_days must be between 1 and 730.",
            ));
        }
        (None, Some("now")) | (None, None) | (None, Some("")) => None,
        (None, Some(_)) => match p.int("trial_end")? {
            Some(t) if t > now && t <= now + 730 * 86_400 => Some(t),
            _ => {
                return Err(StripeError::invalid(
                    "trial_end",
                    "Invalid timestamp: trial_end must be in the future, at most two years ahead.",
                ));
            }
        },
    };
    let total: i64 = if trial_end.is_some() {
        0
    } else {
        items
            .iter()
            .map(|(pr, q)| pr["unit_amount"].as_i64().unwrap_or(0) * q)
            .sum()
    };
    let charge_now = behaviour != "default_incomplete" && total > 0;
    if charge_now && pm.is_none() {
        return Err(StripeError::InvalidRequest {
            code: Some("resource_missing"),
            param: None,
            message: "This customer has no attached payment source or default payment method. Please consider adding a default payment method.".into(),
        });
    }
    if behaviour == "error_if_incomplete"
        && trial_end.is_none()
        && let Some(pm) = &pm
        && let Some(d) = payments::decline_for(&st, Some(customer_id), pm)
    {
        // Guess: Stripe creates no subscription; we create nothing at all (no failed
        // charge events either).
        return Err(d.error(None));
    }
    let (sub, invoice_id) = subscriptions::start(
        &mut st,
        &c.request,
        &subscriptions::Start {
            customer: &customer,
            items: &items,
            default_payment_method: p.nonempty("default_payment_method")?,
            metadata,
            description,
            trial_end,
            cancel_at_period_end,
            now,
        },
    );
    let sub_id = sub["id"].as_str().unwrap_or_default().to_string();
    if total == 0 || charge_now {
        let attempt = invoices::collect(
            &mut st,
            &c.request,
            &invoice_id,
            pm.as_deref(),
            Collection::OnRequest,
        )?;
        if let Some(payment) = &attempt.payment {
            follow_up::run(&mut st, payment);
        }
    } else {
        // default_incomplete: a payment intent awaiting confirmation by the client.
        invoices::open_for_confirmation(&mut st, &c.request, &invoice_id, pm.as_deref())?;
    }
    subscriptions::warn_short_trial(&mut st, &c.request, &sub_id, now);
    st.store
        .get_kind("subscription", &sub_id)
        .cloned()
        .ok_or_else(|| StripeError::Api {
            message: "subscription vanished".into(),
        })
}

/// Applies `items[…]` of an update: `{id, price?, quantity?, deleted?}` changes or removes
/// an item, `{price, quantity?}` without `id` adds one.
fn apply_items(st: &AccountState, p: &Params, sub: &mut Value) -> Result<(), StripeError> {
    let Some(raw) = p.obj_list("items")? else {
        return Ok(());
    };
    let sub_id = sub["id"].as_str().unwrap_or_default().to_string();
    let mut data: Vec<Value> = sub["items"]["data"].as_array().cloned().unwrap_or_default();
    let period = data.first().map(|i| {
        (
            i["current_period_start"].clone(),
            i["current_period_end"].clone(),
        )
    });
    let now = st.now_for_customer(sub["customer"].as_str().unwrap_or_default());
    for (i, it) in raw.iter().enumerate() {
        if let Value::Object(m) = &it.0 {
            for k in m.keys() {
                if ![
                    "id",
                    "price",
                    "quantity",
                    "deleted",
                    "metadata",
                    "clear_usage",
                ]
                .contains(&k.as_str())
                {
                    return Err(StripeError::ParameterUnknown {
                        param: format!("items[{i}][{k}]"),
                    });
                }
            }
        }
        let price_param = format!("items[{i}][price]");
        let price = match it.nonempty("price")? {
            Some(pr) => Some(recurring_price(st, pr, &price_param)?),
            None => None,
        };
        if let Some(pr) = &price
            && pr["currency"] != sub["currency"]
        {
            return Err(StripeError::invalid(
                price_param.clone(),
                "All prices on a subscription must have the same currency.",
            ));
        }
        let qty = quantity(it, "quantity").map_err(|_| {
            StripeError::invalid(format!("items[{i}][quantity]"), "Invalid quantity.")
        })?;
        match it.nonempty("id")? {
            Some(id) => {
                let pos = data.iter().position(|d| d["id"] == id).ok_or_else(|| {
                    StripeError::missing_param("subscription_item", id, format!("items[{i}][id]"))
                })?;
                if it.bool("deleted")? == Some(true) {
                    data.remove(pos);
                    continue;
                }
                let item = &mut data[pos];
                if let Some(pr) = price {
                    item["plan"] = objects::plan_of(&pr);
                    item["price"] = pr;
                }
                if let Some(q) = qty {
                    item["quantity"] = json!(q);
                }
                if let Some(m) = it.metadata("metadata", &item["metadata"])? {
                    item["metadata"] = m;
                }
            }
            None => {
                let pr = price.ok_or_else(|| StripeError::ParameterMissing {
                    param: price_param.clone(),
                })?;
                if data.iter().any(|d| d["price"]["id"] == pr["id"]) {
                    return Err(StripeError::invalid(
                        price_param,
                        "Cannot add multiple subscription items with the same price.",
                    ));
                }
                let (start, end) = period
                    .clone()
                    .unwrap_or_else(|| (json!(now), json!(objects::period_end(&pr, now))));
                let mut item =
                    objects::subscription_item(&sub_id, &pr, qty.unwrap_or(1), (start, end), now);
                item["metadata"] = it.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
                data.push(item);
            }
        }
    }
    if data.is_empty() {
        return Err(StripeError::invalid(
            "items",
            "A subscription must have at least one active plan.",
        ));
    }
    sub["items"]["total_count"] = json!(data.len());
    sub["items"]["data"] = json!(data);
    Ok(())
}

/// `GET /v1/subscriptions/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "subscription")
}

/// The `status` filter of `GET /v1/subscriptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusFilter {
    /// No filter: every subscription that has not ended.
    NotEnded,
    /// `all`
    All,
    /// `ended`: `canceled` or `incomplete_expired`.
    Ended,
    /// One status.
    Is(SubscriptionStatus),
}

impl StatusFilter {
    /// The filter a request names; an unknown value is a 400 listing the values allowed.
    fn parse(s: Option<&str>) -> Result<Self, StripeError> {
        Ok(match s {
            None => StatusFilter::NotEnded,
            Some("all") => StatusFilter::All,
            Some("ended") => StatusFilter::Ended,
            Some(s) => StatusFilter::Is(SubscriptionStatus::parse(s).ok_or_else(|| {
                let mut names: Vec<&str> = SubscriptionStatus::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .chain(["all", "ended"])
                    .collect();
                names.sort_unstable();
                StripeError::invalid(
                    "status",
                    format!("Invalid status: must be one of {}", names.join(", ")),
                )
            })?),
        })
    }

    /// Whether a subscription with `status` passes.
    fn matches(self, status: Option<SubscriptionStatus>) -> bool {
        let ended = status.is_some_and(SubscriptionStatus::is_ended);
        match self {
            StatusFilter::NotEnded => !ended,
            StatusFilter::All => true,
            StatusFilter::Ended => ended,
            StatusFilter::Is(s) => status == Some(s),
        }
    }
}

/// `GET /v1/subscriptions` (filters: `customer`, `price`, `status`; by default canceled
/// subscriptions are left out, `status=all` includes them, as on Stripe).
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    let mut allowed = LIST_PARAMS.to_vec();
    allowed.extend(["customer", "price", "status", "collection_method"]);
    p.allow_only(&allowed)?;
    let lp = ListParams::from_params(p)?;
    let customer = p.nonempty("customer")?;
    let price = p.nonempty("price")?;
    let status = StatusFilter::parse(p.nonempty("status")?)?;
    let st = c.account.lock();
    st.store
        .list("subscription", "/v1/subscriptions", &lp, |o| {
            customer.is_none_or(|cu| o["customer"] == cu)
                && price.is_none_or(|pr| {
                    o["items"]["data"]
                        .as_array()
                        .is_some_and(|items| items.iter().any(|i| i["price"]["id"] == pr))
                })
                && status.matches(SubscriptionStatus::of(o))
        })
}

fn period_end(sub: &Value) -> Value {
    sub["items"]["data"][0]["current_period_end"].clone()
}

/// `POST /v1/subscriptions/{id}`
pub(crate) fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "cancel_at_period_end",
        "metadata",
        "default_payment_method",
        "description",
        "cancellation_details",
        "items",
        "proration_behavior",
        "proration_date",
        "payment_behavior",
        "off_session",
    ])?;
    let behavior = ProrationBehavior::from_param(
        p.nonempty("proration_behavior")?,
        "proration_behavior",
        ProrationBehavior::CreateProrations,
    )?;
    let payment_behaviour = p.nonempty("payment_behavior")?;
    if let Some(b) = payment_behaviour
        && !BEHAVIOURS.contains(&b)
    {
        return Err(StripeError::invalid(
            "payment_behavior",
            format!(
                "Invalid payment_behavior: must be one of {}",
                BEHAVIOURS.join(", ")
            ),
        ));
    }
    p.allow_only_under("cancellation_details", &["comment", "feedback"])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("subscription", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("subscription", c.id()))?;
    if SubscriptionStatus::of(&old) == Some(SubscriptionStatus::Canceled) {
        return Err(StripeError::bad_request(format!(
            "A canceled subscription can only update its cancellation_details and metadata. ({})",
            c.id()
        )));
    }
    let now = st.now_for_customer(old["customer"].as_str().unwrap_or_default());
    let mut new = old.clone();
    apply_items(&st, p, &mut new)?;
    if let Some(flag) = p.bool("cancel_at_period_end")? {
        new["cancel_at_period_end"] = json!(flag);
        if flag {
            new["cancel_at"] = period_end(&old);
            new["canceled_at"] = json!(now);
            new["cancellation_details"]["reason"] = json!("cancellation_requested");
        } else {
            new["cancel_at"] = Value::Null;
            new["canceled_at"] = Value::Null;
            new["cancellation_details"]["reason"] = Value::Null;
        }
    }
    for f in ["comment", "feedback"] {
        if let Some(v) = p.str(&format!("cancellation_details[{f}]"))? {
            new["cancellation_details"][f] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    if let Some(pm) = p.str("default_payment_method")? {
        if pm.is_empty() {
            new["default_payment_method"] = Value::Null;
        } else {
            let attached = st
                .store
                .get_kind("payment_method", pm)
                .is_some_and(|o| o["customer"] == old["customer"]);
            if !attached {
                return Err(StripeError::invalid(
                    "default_payment_method",
                    format!(
                        "The customer does not have a payment method with the ID {pm}. The payment method must be attached to the customer."
                    ),
                ));
            }
            new["default_payment_method"] = json!(pm);
        }
    }
    if let Some(d) = p.str("description")? {
        new["description"] = if d.is_empty() { Value::Null } else { json!(d) };
    }
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    let at = proration_date(p, &old, now)?;
    prorations::apply(
        &mut st,
        &c.request,
        prorations::Change {
            old: &old,
            new,
            behavior,
            at,
            error_if_incomplete: payment_behaviour == Some("error_if_incomplete"),
        },
    )
}

/// `proration_date` of an update (default `now`): a timestamp within the current period.
fn proration_date(p: &Params, sub: &Value, now: i64) -> Result<i64, StripeError> {
    let Some(at) = p.int("proration_date")? else {
        return Ok(now);
    };
    let start = objects::subscription_period_start(sub).unwrap_or(now);
    let end = objects::subscription_period_end(sub).unwrap_or(now);
    if at < start || at > end {
        return Err(StripeError::invalid(
            "proration_date",
            format!(
                "proration_date must be within the subscription's current period ({start} to {end})."
            ),
        ));
    }
    Ok(at)
}

/// `DELETE /v1/subscriptions/{id}`: cancel now → `customer.subscription.deleted`.
pub(crate) fn cancel(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["invoice_now", "prorate", "cancellation_details"])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("subscription", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("subscription", c.id()))?;
    if SubscriptionStatus::of(&old) == Some(SubscriptionStatus::Canceled) {
        return Err(StripeError::InvalidRequest {
            code: Some("resource_missing"),
            param: Some("id".into()),
            message: format!("No such subscription: '{}'", c.id()),
        });
    }
    let now = st.now_for_customer(old["customer"].as_str().unwrap_or_default());
    let comment = p.nonempty("cancellation_details[comment]")?;
    Ok(subscriptions::cancel_now(
        &mut st, &c.request, old, now, comment,
    ))
}
