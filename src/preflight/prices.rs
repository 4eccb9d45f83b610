//! §2 Prices, plans and mapping: the mapping includes `basic.monthly` and `pro.monthly`, and
//! every mapped price exists in the account (`GET /v1/prices/{id}`), is active, is recurring
//! with the interval its cycle says (monthly = every month, yearly = every year), belongs to an
//! active product, and its `livemode` matches the deployment's mode.
//!
//! The prices are read from the mapping JSON leniently, so each mapped price is still checked
//! when §1 finds the mapping invalid for another reason (a missing key, a bad tier).

use serde_json::Value;

use super::Check;
use super::env::Deployment;
use super::stripe::{Account, NOT_OPENED};

/// One mapped price, and what Stripe said about it (for §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceFact {
    /// `basic.monthly`.
    pub plan: String,
    /// The mapped `price_…` id.
    pub price_id: String,
    /// The price's `livemode`, when Stripe returned it.
    pub livemode: Option<bool>,
    /// True when Stripe said the price exists only in test mode (a live key asking).
    pub test_only: bool,
}

/// `(tier, cycle, price id)` of every string leaf of the mapping JSON; unparsable JSON is none
/// (§1 reports it).
pub fn mapped_prices(json: &str) -> Vec<(String, String, String)> {
    let Ok(Value::Object(tiers)) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (tier, cycles) in &tiers {
        if let Value::Object(cycles) = cycles {
            for (cycle, price) in cycles {
                if let Some(price) = price.as_str().map(str::trim).filter(|p| !p.is_empty()) {
                    out.push((tier.clone(), cycle.clone(), price.to_string()));
                }
            }
        }
    }
    out
}

const REQUIRED: &str = "The mapping includes the required keys basic.monthly and pro.monthly";

/// The §2 price checks, and the facts §9 needs.
pub async fn checks(d: &Deployment, account: Option<&Account>) -> (Vec<Check>, Vec<PriceFact>) {
    let Some((variable, json)) = &d.mapping else {
        return (
            vec![Check::skip(
                "2",
                "required-prices",
                REQUIRED,
                "no price mapping for the mode (see item 1)",
            )],
            Vec::new(),
        );
    };
    let prices = mapped_prices(json);
    let mut out = Vec::new();
    let missing: Vec<&str> = ["basic", "pro"]
        .into_iter()
        .filter(|tier| !prices.iter().any(|(t, c, _)| t == tier && c == "monthly"))
        .collect();
    if missing.is_empty() {
        out.push(Check::pass("2", "required-prices", REQUIRED, *variable));
    } else {
        let keys: Vec<String> = missing.iter().map(|t| format!("{t}.monthly")).collect();
        out.push(Check::fail(
            "2",
            "required-prices",
            REQUIRED,
            format!("{variable} has no {}", keys.join(" or ")),
            format!(
                "create the monthly price in Stripe and add it to {variable} as {}",
                keys.join(" and ")
            ),
        ));
    }
    let mut facts = Vec::new();
    for (tier, cycle, price_id) in prices {
        let plan = format!("{tier}.{cycle}");
        let title = format!("The {plan} price exists in Stripe and sells {cycle}");
        let Some(account) = account else {
            out.push(Check::skip("2", "price", title, NOT_OPENED));
            continue;
        };
        let (check, fact) = check_price(d, account, variable, &plan, &cycle, &price_id).await;
        out.push(Check { title, ..check });
        facts.push(fact);
    }
    (out, facts)
}

async fn check_price(
    d: &Deployment,
    account: &Account,
    variable: &str,
    plan: &str,
    cycle: &str,
    price_id: &str,
) -> (Check, PriceFact) {
    let mut fact = PriceFact {
        plan: plan.to_string(),
        price_id: price_id.to_string(),
        livemode: None,
        test_only: false,
    };
    let price = match account
        .client
        .get(&format!("/v1/prices/{price_id}?expand[]=product"))
        .await
    {
        Ok(price) => price,
        Err(e) => {
            let message = super::stripe::describe(&e);
            fact.test_only = message.contains("exists in test mode");
            let check = if e.status() == Some(404) {
                Check::fail(
                    "2",
                    "price",
                    "",
                    format!(
                        "{plan} → {price_id} does not exist in this {} account: {message}",
                        d.mode_name()
                    ),
                    format!(
                        "create the {cycle} price in the Stripe Dashboard ({} mode) and put its id in {variable}",
                        d.mode_name()
                    ),
                )
            } else {
                Check::fail(
                    "2",
                    "price",
                    "",
                    format!("{plan} → {price_id} could not be read: {message}"),
                    "check the key's permissions (Prices: read) and run the preflight again",
                )
            };
            return (check, fact);
        }
    };
    fact.livemode = price["livemode"].as_bool();
    let mut problems: Vec<String> = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    if price["active"] != Value::Bool(true) {
        problems.push("is archived (active = false)".into());
        fixes.push(format!(
            "unarchive {price_id} in the Dashboard, or create an active price and map it in {variable}"
        ));
    }
    let (want, want_name) = match cycle {
        "yearly" => ("year", "every year"),
        _ => ("month", "every month"),
    };
    match price["recurring"].as_object() {
        None => {
            problems.push("is a one-time price, not recurring".into());
            fixes.push(format!(
                "map a recurring price billed {want_name} in {variable}"
            ));
        }
        Some(recurring) => {
            let interval = recurring
                .get("interval")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let count = recurring
                .get("interval_count")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            if interval != want || count != 1 {
                problems.push(format!(
                    "bills every {count} {interval}(s) but is mapped as {cycle}"
                ));
                fixes.push(format!(
                    "map a price billed {want_name} as {plan} in {variable}"
                ));
            }
        }
    }
    if let Some(product) = price["product"].as_object()
        && product.get("active") == Some(&Value::Bool(false))
    {
        let name = product.get("name").and_then(Value::as_str).unwrap_or("?");
        problems.push(format!("belongs to the archived product {name}"));
        fixes.push(format!("unarchive the product {name} in the Dashboard"));
    }
    if let (Some(livemode), Some(_)) = (fact.livemode, d.mode)
        && livemode != d.is_live()
    {
        let is = if livemode { "live" } else { "test" };
        problems.push(format!(
            "is a {is}-mode price but the deployment is in {} mode",
            d.mode_name()
        ));
        fixes.push(format!(
            "map the {} mode's own price ids in {variable}",
            d.mode_name()
        ));
    }
    let check = if problems.is_empty() {
        let amount = price["unit_amount"].as_i64().unwrap_or(0);
        let currency = price["currency"].as_str().unwrap_or("").to_uppercase();
        Check::pass(
            "2",
            "price",
            "",
            format!(
                "{plan} → {price_id}: active, {currency} {}.{:02} {want_name}, {} mode",
                amount / 100,
                amount % 100,
                if fact.livemode == Some(true) {
                    "live"
                } else {
                    "test"
                }
            ),
        )
    } else {
        Check::fail(
            "2",
            "price",
            "",
            format!("{plan} → {price_id} {}", problems.join("; ")),
            fixes.join("; "),
        )
    };
    (check, fact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_prices_are_read_leniently() {
        let prices = mapped_prices(
            r#"{"basic":{"monthly":"price_b","yearly":" "},"Pro":{"monthly":"price_p"},"x":"y"}"#,
        );
        assert_eq!(
            prices,
            [
                ("Pro".into(), "monthly".into(), "price_p".into()),
                ("basic".into(), "monthly".into(), "price_b".into()),
            ]
        );
        assert!(mapped_prices("not json").is_empty());
    }
}
