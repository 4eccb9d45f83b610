//! Steps about what is on sale.

use cucumber::given;

use super::tier_key;
use crate::steps::parameters::{Cycles, Plans};
use crate::steps::world::Rehearsal;

/// `Given the BASIC and PRO monthly plans are on sale`, `… monthly and yearly plans are on sale`:
/// creates the products and prices in the scenario's Stripe account; the backend is configured
/// with exactly these in its price mapping.
#[given(expr = "the {plans} {cycles} plan(s) is/are on sale")]
async fn plans_on_sale(world: &mut Rehearsal, tiers: Plans, cycles: Cycles) {
    let tiers: Vec<String> = split_list(&tiers).iter().map(|t| tier_key(t)).collect();
    let cycles: Vec<String> = split_list(&cycles);
    world.put_on_sale(&tiers, &cycles).await;
}

/// "BASIC, PRO and ENTERPRISE" → ["BASIC", "PRO", "ENTERPRISE"].
fn split_list(list: &str) -> Vec<String> {
    list.replace(" and ", ", ")
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split_list;

    #[test]
    fn lists_read_the_way_people_write_them() {
        assert_eq!(split_list("BASIC and PRO"), ["BASIC", "PRO"]);
        assert_eq!(
            split_list("BASIC, PRO and ENTERPRISE"),
            ["BASIC", "PRO", "ENTERPRISE"]
        );
        assert_eq!(split_list("monthly and yearly"), ["monthly", "yearly"]);
    }
}
