//! Plan catalogue vocabulary: tiers, billing cycles, and the price mapping between our plans and
//! Stripe price ids (forward for Checkout, reverse for webhooks).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// A plan tier. Spelled lower-case in requests and mappings (`basic`), upper-case as the plan
/// name in `subscription_plans` (`BASIC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// The plan everyone has without a paid subscription.
    Free,
    /// Paid entry plan.
    Basic,
    /// Paid professional plan.
    Pro,
    /// Sales-led plan; usually not for sale through Checkout.
    Enterprise,
}

impl Tier {
    /// Every tier, cheapest first.
    pub const ALL: [Tier; 4] = [Tier::Free, Tier::Basic, Tier::Pro, Tier::Enterprise];

    /// Parses the exact, case-sensitive lower-case spelling (`basic`); anything else is `None`.
    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The lower-case spelling used in the API and the mapping JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::Basic => "basic",
            Tier::Pro => "pro",
            Tier::Enterprise => "enterprise",
        }
    }

    /// The plan's `name` in `subscription_plans` (`FREE`, `BASIC`, …).
    pub fn plan_name(self) -> &'static str {
        match self {
            Tier::Free => "FREE",
            Tier::Basic => "BASIC",
            Tier::Pro => "PRO",
            Tier::Enterprise => "ENTERPRISE",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How often a subscription is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BillingCycle {
    /// Billed every month.
    Monthly,
    /// Billed every year.
    Yearly,
}

impl BillingCycle {
    /// Both cycles.
    pub const ALL: [BillingCycle; 2] = [BillingCycle::Monthly, BillingCycle::Yearly];

    /// Parses the exact, case-sensitive spelling (`monthly`, `yearly`).
    pub fn parse(s: &str) -> Option<BillingCycle> {
        BillingCycle::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The lower-case spelling used in the API, the mapping JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            BillingCycle::Monthly => "monthly",
            BillingCycle::Yearly => "yearly",
        }
    }
}

impl fmt::Display for BillingCycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One purchasable combination, written `tier.cycle` (`basic.monthly`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PlanKey {
    /// The plan tier.
    pub tier: Tier,
    /// The billing cycle.
    pub cycle: BillingCycle,
}

impl fmt::Display for PlanKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.tier, self.cycle)
    }
}

/// The validated mapping plan → Stripe price id, with its reverse (price id → plan) so a
/// webhook can tell which plan a subscription's price stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceMapping {
    by_plan: BTreeMap<PlanKey, String>,
    by_price: HashMap<String, PlanKey>,
}

impl PriceMapping {
    /// Parses and validates mapping JSON such as
    /// `{"basic":{"monthly":"price_…"},"pro":{"monthly":"price_…"}}`.
    ///
    /// Returns every problem found (not just the first), each naming the offending key; the
    /// texts never contain the JSON itself beyond keys and price-id prefixes.
    pub fn parse(json: &str) -> Result<PriceMapping, Vec<String>> {
        let value: serde_json::Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(e) => {
                return Err(vec![format!(
                    "is not valid JSON (line {}, column {})",
                    e.line(),
                    e.column()
                )]);
            }
        };
        let Some(tiers) = value.as_object() else {
            return Err(vec![
                "must be a JSON object of tiers, e.g. {\"basic\":{\"monthly\":\"price_…\"}}"
                    .to_string(),
            ]);
        };
        let mut problems = Vec::new();
        let mut by_plan = BTreeMap::new();
        let mut by_price: HashMap<String, PlanKey> = HashMap::new();
        for (tier_key, cycles) in tiers {
            let Some(tier) = Tier::parse(tier_key) else {
                problems.push(format!(
                    "key `{tier_key}` is not a tier (expected free|basic|pro|enterprise, case-sensitive)"
                ));
                continue;
            };
            let Some(cycles) = cycles.as_object() else {
                problems.push(format!(
                    "key `{tier_key}` must be an object of cycles, e.g. {{\"monthly\":\"price_…\"}}"
                ));
                continue;
            };
            for (cycle_key, price) in cycles {
                let Some(cycle) = BillingCycle::parse(cycle_key) else {
                    problems.push(format!(
                        "key `{tier_key}.{cycle_key}` is not a billing cycle (expected monthly|yearly, case-sensitive)"
                    ));
                    continue;
                };
                let key = PlanKey { tier, cycle };
                let Some(price) = price.as_str() else {
                    problems.push(format!("key `{key}` must be a price id string"));
                    continue;
                };
                let price = price.trim();
                if price.is_empty() {
                    problems.push(format!("key `{key}` has an empty price id"));
                    continue;
                }
                if !price.starts_with("price_") || price.len() == "price_".len() {
                    problems.push(format!(
                        "key `{key}` has `{}` which does not look like a Stripe price id (price_…)",
                        preview(price)
                    ));
                    continue;
                }
                if let Some(other) = by_price.get(price) {
                    problems.push(format!(
                        "key `{key}` repeats the price id of `{other}`; each plan needs its own price"
                    ));
                    continue;
                }
                by_price.insert(price.to_string(), key);
                by_plan.insert(key, price.to_string());
            }
        }
        for required in [Tier::Basic, Tier::Pro] {
            let key = PlanKey {
                tier: required,
                cycle: BillingCycle::Monthly,
            };
            let present_in_json = tiers
                .get(required.as_str())
                .and_then(|c| c.get("monthly"))
                .is_some();
            if !present_in_json {
                problems.push(format!("key `{key}` is required but missing"));
            }
        }
        if problems.is_empty() {
            Ok(PriceMapping { by_plan, by_price })
        } else {
            Err(problems)
        }
    }

    /// The Stripe price id sold for `plan`, if it is for sale.
    pub fn price_for(&self, plan: PlanKey) -> Option<&str> {
        self.by_plan.get(&plan).map(String::as_str)
    }

    /// The plan a Stripe price id stands for (reverse mapping), if it is one of ours.
    pub fn plan_for_price(&self, price_id: &str) -> Option<PlanKey> {
        self.by_price.get(price_id).copied()
    }

    /// Every mapped plan with its price id, in tier then cycle order.
    pub fn iter(&self) -> impl Iterator<Item = (PlanKey, &str)> {
        self.by_plan.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// How many plans are mapped.
    pub fn len(&self) -> usize {
        self.by_plan.len()
    }

    /// True when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.by_plan.is_empty()
    }
}

/// A short, safe preview of a value for error messages (never the whole value).
fn preview(s: &str) -> String {
    let head: String = s.chars().take(12).collect();
    if head.len() < s.len() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        r#"{"basic":{"monthly":"price_b_m","yearly":"price_b_y"},"pro":{"monthly":"price_p_m"}}"#;

    #[test]
    fn forward_and_reverse_mapping_agree() {
        let m = PriceMapping::parse(GOOD).unwrap();
        let bm = PlanKey {
            tier: Tier::Basic,
            cycle: BillingCycle::Monthly,
        };
        assert_eq!(m.price_for(bm), Some("price_b_m"));
        assert_eq!(m.plan_for_price("price_b_m"), Some(bm));
        assert_eq!(
            m.plan_for_price("price_b_y").unwrap().cycle,
            BillingCycle::Yearly
        );
        assert_eq!(m.plan_for_price("price_unknown"), None);
        let em = PlanKey {
            tier: Tier::Enterprise,
            cycle: BillingCycle::Monthly,
        };
        assert_eq!(m.price_for(em), None);
        assert_eq!(m.len(), 3);
        for (key, price) in m.iter() {
            assert_eq!(m.plan_for_price(price), Some(key));
        }
    }

    #[test]
    fn tiers_and_cycles_are_case_sensitive() {
        assert_eq!(Tier::parse("basic"), Some(Tier::Basic));
        assert_eq!(Tier::parse("Basic"), None);
        assert_eq!(BillingCycle::parse("MONTHLY"), None);
        let errs = PriceMapping::parse(
            r#"{"Basic":{"monthly":"price_1"},"basic":{"Monthly":"price_2"},"pro":{"monthly":"price_3"}}"#,
        )
        .unwrap_err();
        assert!(errs.iter().any(|e| e.contains("`Basic`")), "{errs:?}");
        assert!(
            errs.iter().any(|e| e.contains("`basic.Monthly`")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("`basic.monthly` is required")),
            "{errs:?}"
        );
    }

    #[test]
    fn required_plans_are_checked() {
        let errs = PriceMapping::parse(r#"{"basic":{"monthly":"price_1"}}"#).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].contains("`pro.monthly`"));
    }

    #[test]
    fn price_ids_must_look_right_and_be_unique() {
        let errs = PriceMapping::parse(
            r#"{"basic":{"monthly":"price_1","yearly":""},"pro":{"monthly":"price_1","yearly":"prod_x"}}"#,
        )
        .unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.contains("`basic.yearly` has an empty")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("`pro.yearly`") && e.contains("price_…")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.contains("repeats the price id")),
            "{errs:?}"
        );
    }

    #[test]
    fn malformed_json_is_reported_without_echoing_it() {
        let errs = PriceMapping::parse(r#"{"basic": "#).unwrap_err();
        assert!(errs[0].contains("not valid JSON"));
        let errs = PriceMapping::parse(r#"["price_1"]"#).unwrap_err();
        assert!(errs[0].contains("JSON object"));
        let errs =
            PriceMapping::parse(r#"{"basic":"price_1","pro":{"monthly":"price_2"}}"#).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e.contains("key `basic` must be an object"))
        );
    }

    #[test]
    fn plan_key_display() {
        let k = PlanKey {
            tier: Tier::Enterprise,
            cycle: BillingCycle::Monthly,
        };
        assert_eq!(k.to_string(), "enterprise.monthly");
        assert_eq!(Tier::Pro.plan_name(), "PRO");
    }
}
