//! Prorations of a subscription change (`POST /v1/subscriptions/{id}` and the portal's
//! plan switch), after `proration_behavior`:
//!
//! - `create_prorations` (the API's default): for every item whose price or quantity
//!   changes, a pending invoice item crediting the unused time on the old price (negative)
//!   and one charging the remaining time on the new one (positive); a removed item gets the
//!   credit only, an added one the charge only. Amounts are the full-period amount × the
//!   share of the item's current period left after the proration date, to the second,
//!   rounded to the nearest minor unit (halves away from zero). Each item →
//!   `invoiceitem.created`; the next invoice of the subscription (the renewal) takes them;
//! - `always_invoice`: the same items, invoiced and collected at once (an invoice with
//!   `billing_reason=subscription_update`, the subscription's `latest_invoice`);
//! - `none`: no invoice items; the change shows from the next period's invoice.
//!
//! Trialing subscriptions are not prorated (the trial bills nothing).

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::invoices::{self, Collection};
use crate::engine::{balance, follow_up, payments, subscriptions};
use crate::error::StripeError;
use crate::ids::new_id;
use crate::objects;
use crate::objects::invoice_item::{self, NewProration};
use crate::objects::status::{Status, SubscriptionStatus};
use crate::time::clock::date_of;

/// How a subscription change is prorated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProrationBehavior {
    /// Pending invoice items, billed by the next invoice.
    CreateProrations,
    /// Invoice items invoiced and charged at once.
    AlwaysInvoice,
    /// Nothing prorated.
    None,
}

impl ProrationBehavior {
    /// The values Stripe accepts, sorted.
    pub(crate) const NAMES: &'static [&'static str] =
        &["always_invoice", "create_prorations", "none"];

    /// Parses a `proration_behavior` value.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "create_prorations" => Some(Self::CreateProrations),
            "always_invoice" => Some(Self::AlwaysInvoice),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The behaviour a request names under `param` (absent: `default`); an unknown value
    /// is a 400 `parameter_invalid` listing the values allowed.
    pub(crate) fn from_param(
        value: Option<&str>,
        param: &str,
        default: Self,
    ) -> Result<Self, StripeError> {
        match value {
            None => Ok(default),
            Some(v) => Self::parse(v).ok_or_else(|| {
                StripeError::invalid(
                    param,
                    format!("Invalid {param}: must be one of {}", Self::NAMES.join(", ")),
                )
            }),
        }
    }
}

/// A subscription change to record and prorate.
#[derive(Debug, Clone)]
pub(crate) struct Change<'a> {
    /// The subscription as stored.
    pub(crate) old: &'a Value,
    /// The subscription as it becomes.
    pub(crate) new: Value,
    /// How to prorate.
    pub(crate) behavior: ProrationBehavior,
    /// The instant the change takes effect (`proration_date`, else the customer's now).
    pub(crate) at: i64,
    /// `payment_behavior=error_if_incomplete`: a charge that would fail refuses the change.
    pub(crate) error_if_incomplete: bool,
}

/// `full × (end − at) / (end − start)`, rounded to the nearest integer (halves away from
/// zero); the whole amount before the period, nothing after it.
pub(crate) fn prorate(full: i64, at: i64, start: i64, end: i64) -> i64 {
    if end <= start || at <= start {
        return full;
    }
    if at >= end {
        return 0;
    }
    let num = i128::from(full) * i128::from(end - at);
    let den = i128::from(end - start);
    let q = num / den;
    let r = num % den;
    let rounded = if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    };
    rounded as i64
}

/// `15 Jun 2026`, as Stripe words dates in proration descriptions.
fn day_label(ts: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let d = date_of(ts);
    let mut parts = d.split('-');
    let (y, m, day) = (
        parts.next().unwrap_or_default(),
        parts
            .next()
            .and_then(|m| m.parse::<usize>().ok())
            .unwrap_or(1),
        parts
            .next()
            .and_then(|d| d.parse::<u32>().ok())
            .unwrap_or(1),
    );
    format!("{day} {} {y}", MONTHS[(m.clamp(1, 12)) - 1])
}

fn describe(st: &AccountState, what: &str, item: &Value, qty: i64, at: i64) -> String {
    let name = item["price"]["product"]
        .as_str()
        .and_then(|p| subscriptions::product_name(st, p))
        .unwrap_or_else(|| "Subscription".into());
    let qty = if qty == 1 {
        String::new()
    } else {
        format!("{qty} × ")
    };
    format!("{what} on {qty}{name} after {}", day_label(at))
}

/// The line of the subscription's latest invoice that billed `item_id` (for a credit's
/// `credited_items`).
fn billed_line(st: &AccountState, sub: &Value, item_id: &str) -> Option<(String, String)> {
    let inv_id = sub["latest_invoice"].as_str()?;
    let inv = st.store.get_kind("invoice", inv_id)?;
    let line = inv["lines"]["data"].as_array()?.iter().find(|l| {
        let d = &l["parent"]["subscription_item_details"];
        d["subscription_item"] == item_id && d["proration"] == false
    })?;
    Some((inv_id.to_string(), line["id"].as_str()?.to_string()))
}

/// The proration items a change from `old` to `new` at `at` calls for (not stored).
fn prorations_of(st: &AccountState, old: &Value, new: &Value, at: i64) -> Vec<Value> {
    if SubscriptionStatus::of(old) == Some(SubscriptionStatus::Trialing) {
        return Vec::new();
    }
    let items = |s: &Value| s["items"]["data"].as_array().cloned().unwrap_or_default();
    let (before, after) = (items(old), items(new));
    let full = |i: &Value| {
        i["price"]["unit_amount"].as_i64().unwrap_or(0) * i["quantity"].as_i64().unwrap_or(1)
    };
    let mut out = Vec::new();
    let mut push = |st: &AccountState, sub: &Value, item: &Value, credit: bool| {
        let start = item["current_period_start"].as_i64().unwrap_or(at);
        let end = item["current_period_end"].as_i64().unwrap_or(at);
        let amount = prorate(full(item), at.max(start), start, end);
        if amount == 0 {
            return;
        }
        let qty = item["quantity"].as_i64().unwrap_or(1);
        let id = item["id"].as_str().unwrap_or_default();
        out.push(invoice_item::proration_item(&NewProration {
            subscription: sub,
            item,
            quantity: qty,
            amount: if credit { -amount } else { amount },
            description: describe(
                st,
                if credit {
                    "Unused time"
                } else {
                    "Remaining time"
                },
                item,
                qty,
                at,
            ),
            period: (at.max(start), end),
            credited: if credit {
                billed_line(st, old, id)
            } else {
                None
            },
        }));
    };
    for b in &before {
        let a = after.iter().find(|a| a["id"] == b["id"]);
        let changed = a
            .is_none_or(|a| a["price"]["id"] != b["price"]["id"] || a["quantity"] != b["quantity"]);
        if changed {
            push(st, new, b, true);
            if let Some(a) = a {
                push(st, new, a, false);
            }
        }
    }
    for a in after
        .iter()
        .filter(|a| !before.iter().any(|b| b["id"] == a["id"]))
    {
        push(st, new, a, false);
    }
    out
}

/// Records a subscription change → `customer.subscription.updated`, then prorates it as
/// [`Change::behavior`] says (see the module's documentation). Returns the subscription as
/// stored at the end. Errors (nothing changed): `always_invoice` with an amount to charge
/// and no payment method; `error_if_incomplete` with a payment method that would fail.
pub(crate) fn apply(
    st: &mut AccountState,
    req: &EventRequest,
    change: Change<'_>,
) -> Result<Value, StripeError> {
    let Change { old, mut new, .. } = change;
    let items = match change.behavior {
        ProrationBehavior::None => Vec::new(),
        _ => prorations_of(st, old, &new, change.at),
    };
    let invoice_now = change.behavior == ProrationBehavior::AlwaysInvoice && !items.is_empty();
    let mut pm = None;
    if invoice_now {
        let due: i64 = pending(st, old["id"].as_str().unwrap_or_default())
            .iter()
            .chain(&items)
            .map(|i| i["amount"].as_i64().unwrap_or(0))
            .sum();
        let probe = json!({"default_payment_method": null, "subscription": new["id"], "customer": new["customer"]});
        pm = new["default_payment_method"]
            .as_str()
            .map(str::to_string)
            .or_else(|| invoices::payment_method_of(st, &probe));
        if due > 0 {
            let Some(pm) = &pm else {
                return Err(StripeError::InvalidRequest {
                    code: Some("resource_missing"),
                    param: None,
                    message: "This customer has no attached payment source or default payment method. Please consider adding a default payment method.".into(),
                });
            };
            if change.error_if_incomplete
                && let Some(d) = payments::decline_for(st, new["customer"].as_str(), pm)
            {
                return Err(d.error(None));
            }
        }
        new["latest_invoice"] = json!(new_id("in_"));
    }
    subscriptions::record_update(st, req, old, &new);
    for item in items {
        st.store.put(item.clone());
        st.emit(req, "invoiceitem.created", item, None);
    }
    let sub_id = new["id"].as_str().unwrap_or_default().to_string();
    if invoice_now {
        let invoice_id = new["latest_invoice"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        invoice_pending(st, req, &new, &invoice_id, change.at, pm.as_deref());
    }
    Ok(st
        .store
        .get_kind("subscription", &sub_id)
        .cloned()
        .unwrap_or(new))
}

/// Invoices a subscription's pending items at once (`billing_reason=subscription_update`)
/// → `invoice.created`, then finalizes and collects it with `pm`. A failed charge leaves the
/// invoice open and an `active` subscription `past_due`.
fn invoice_pending(
    st: &mut AccountState,
    req: &EventRequest,
    sub: &Value,
    invoice_id: &str,
    at: i64,
    pm: Option<&str>,
) {
    let customer = subscriptions::customer_of(st, sub);
    let mut invoice =
        objects::subscription_invoice(invoice_id, sub, &customer, "subscription_update", at, |p| {
            subscriptions::product_name(st, p)
        });
    invoice["lines"]["data"] = json!([]);
    invoice["test_clock"] = customer["test_clock"].clone();
    bill_pending(st, &mut invoice, true);
    balance::apply(st, req, &mut invoice);
    st.store.put(invoice.clone());
    st.emit(req, "invoice.created", invoice, None);
    let Ok(attempt) = invoices::collect(st, req, invoice_id, pm, Collection::OnRequest) else {
        return;
    };
    if !attempt.paid
        && let Some(old) = st
            .store
            .get_kind("subscription", sub["id"].as_str().unwrap_or_default())
            .cloned()
        && SubscriptionStatus::of(&old) == Some(SubscriptionStatus::Active)
    {
        let mut new = old.clone();
        SubscriptionStatus::PastDue.set(&mut new);
        subscriptions::record_update(st, req, &old, &new);
    }
    if let Some(p) = &attempt.payment {
        follow_up::run(st, p);
    }
}

/// A subscription's pending invoice items (not yet on an invoice), oldest first.
pub(crate) fn pending(st: &AccountState, sub_id: &str) -> Vec<Value> {
    st.store
        .ids_of("invoiceitem")
        .filter_map(|id| st.store.get(id))
        .filter(|i| {
            i["invoice"].is_null() && i["parent"]["subscription_details"]["subscription"] == sub_id
        })
        .cloned()
        .collect()
}

/// Puts the pending invoice items of the invoice's subscription on `invoice`, before its
/// other lines, and recomputes its totals (`amount_due` is never below 0). With `take`,
/// each item is marked as on this invoice (`invoice` set) in the store; without it (a
/// preview) nothing is stored.
pub(crate) fn bill_pending(st: &mut AccountState, invoice: &mut Value, take: bool) {
    let Some(sub_id) = invoices::subscription_of(invoice) else {
        return;
    };
    let items = pending(st, &sub_id);
    if items.is_empty() {
        return;
    }
    let invoice_id = invoice["id"].as_str().unwrap_or_default().to_string();
    let mut lines: Vec<Value> = items
        .iter()
        .map(|i| invoice_item::line_of_item(i, &invoice_id))
        .collect();
    if take {
        for mut item in items {
            item["invoice"] = json!(invoice_id);
            st.store.put(item);
        }
    }
    lines.extend(
        invoice["lines"]["data"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    let total: i64 = lines
        .iter()
        .map(|l| l["amount"].as_i64().unwrap_or(0))
        .sum();
    invoice["lines"]["total_count"] = json!(lines.len());
    invoice["lines"]["data"] = json!(lines);
    for f in [
        "subtotal",
        "subtotal_excluding_tax",
        "total",
        "total_excluding_tax",
    ] {
        invoice[f] = json!(total);
    }
    invoice["amount_due"] = json!(total.max(0));
    invoice["amount_remaining"] = json!(total.max(0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prorating_to_the_second_and_rounding_halves_away_from_zero() {
        assert_eq!(prorate(2000, 50, 0, 100), 1000);
        assert_eq!(prorate(-2000, 50, 0, 100), -1000);
        assert_eq!(prorate(1000, 1, 0, 3), 667);
        assert_eq!(prorate(1000, 2, 0, 3), 333);
        assert_eq!(prorate(5, 50, 0, 100), 3, "2.5 → 3");
        assert_eq!(prorate(-5, 50, 0, 100), -3, "-2.5 → -3");
        assert_eq!(
            prorate(2000, -5, 0, 100),
            2000,
            "before the period: all of it"
        );
        assert_eq!(prorate(2000, 100, 0, 100), 0, "at the end: nothing");
    }

    #[test]
    fn dates_in_descriptions() {
        assert_eq!(day_label(1_781_481_600), "15 Jun 2026");
    }
}
