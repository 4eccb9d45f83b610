//! What a rehearsal puts on sale: the products and recurring prices of `fixtures/catalog.json`,
//! created in a scenario's Stripe account, and the price mapping the backend is configured with.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use stripe_sim::client::{ApiError, Stripe};

/// The catalog file, embedded so the binary runs from anywhere.
const CATALOG_JSON: &str = include_str!("../fixtures/catalog.json");

/// One paid tier and its price per billing cycle.
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogProduct {
    /// Tier key as the backend's mapping spells it (`basic`, `pro`, …).
    pub tier: String,
    /// The product name customers see (`BASIC`).
    pub name: String,
    /// Amount in minor units per cycle (`monthly`, `yearly`).
    pub prices: BTreeMap<String, i64>,
}

/// The whole catalog.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    /// ISO currency code of every price.
    pub currency: String,
    /// Paid tiers.
    pub products: Vec<CatalogProduct>,
}

impl Catalog {
    /// The catalog shipped in `fixtures/catalog.json`.
    pub fn embedded() -> Self {
        serde_json::from_str(CATALOG_JSON)
            .expect("fixtures/catalog.json is valid (checked by a unit test)")
    }
}

/// A plan on sale in one Stripe account: which price id sells which tier and cycle.
#[derive(Debug, Clone, Default)]
pub struct PlansOnSale {
    /// `tier` → `cycle` → `price_…` id.
    pub prices: BTreeMap<String, BTreeMap<String, String>>,
    /// `price_…` id → amount in minor units.
    pub amounts: BTreeMap<String, i64>,
}

impl PlansOnSale {
    /// Creates a product per requested tier and a recurring price per requested cycle in the
    /// account behind `sim`, as ops would in the Dashboard.
    pub async fn create(
        sim: &Stripe,
        tiers: &[String],
        cycles: &[String],
    ) -> Result<Self, ApiError> {
        let catalog = Catalog::embedded();
        let mut on_sale = PlansOnSale::default();
        for tier in tiers {
            let product = catalog
                .products
                .iter()
                .find(|p| &p.tier == tier)
                .unwrap_or_else(|| panic!("tier {tier:?} is not in fixtures/catalog.json"));
            let created = sim
                .post(
                    "/v1/products",
                    &[
                        ("name", product.name.clone()),
                        ("metadata[tier]", tier.clone()),
                    ],
                )
                .await?;
            let product_id = created["id"].as_str().unwrap_or_default().to_string();
            for cycle in cycles {
                let amount = *product.prices.get(cycle).unwrap_or_else(|| {
                    panic!("{tier} has no {cycle} price in fixtures/catalog.json")
                });
                let interval = if cycle == "yearly" { "year" } else { "month" };
                let price = sim
                    .post(
                        "/v1/prices",
                        &[
                            ("product", product_id.clone()),
                            ("currency", catalog.currency.clone()),
                            ("unit_amount", amount.to_string()),
                            ("recurring[interval]", interval.to_string()),
                            ("nickname", format!("{} {cycle}", product.name)),
                            ("lookup_key", format!("{tier}.{cycle}")),
                        ],
                    )
                    .await?;
                let price_id = price["id"].as_str().unwrap_or_default().to_string();
                on_sale.amounts.insert(price_id.clone(), amount);
                on_sale
                    .prices
                    .entry(tier.clone())
                    .or_default()
                    .insert(cycle.clone(), price_id);
            }
        }
        Ok(on_sale)
    }

    /// The JSON the backend reads from `STRIPE_PLAN_PRICE_MAPPING_TEST`.
    pub fn mapping_json(&self) -> String {
        let mapping: serde_json::Map<String, Value> = self
            .prices
            .iter()
            .map(|(tier, cycles)| (tier.clone(), json!(cycles)))
            .collect();
        Value::Object(mapping).to_string()
    }

    /// The price id selling `tier` on `cycle`, if it is on sale.
    pub fn price_id(&self, tier: &str, cycle: &str) -> Option<&str> {
        self.prices.get(tier)?.get(cycle).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalog_sells_basic_and_pro_monthly() {
        let catalog = Catalog::embedded();
        for tier in ["basic", "pro"] {
            let product = catalog
                .products
                .iter()
                .find(|p| p.tier == tier)
                .expect(tier);
            assert!(product.prices["monthly"] > 0);
        }
    }

    #[test]
    fn mapping_json_has_the_backend_shape() {
        let mut on_sale = PlansOnSale::default();
        on_sale
            .prices
            .entry("basic".into())
            .or_default()
            .insert("monthly".into(), "price_b".into());
        let mapping: Value = serde_json::from_str(&on_sale.mapping_json()).unwrap();
        assert_eq!(mapping, json!({"basic": {"monthly": "price_b"}}));
    }
}
