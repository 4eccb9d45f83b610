//! §9 Final production switch, "keys double-checked": in a live deployment, no variable holds a
//! test-mode key or secret (`sk_test_`, `rk_test_`, `pk_test_`, `whsec_test…`), no test mapping
//! is configured, and no mapped price is a test-mode price (as Stripe reports it).

use billing::config::redact;

use super::Check;
use super::env::Deployment;
use super::prices::PriceFact;

const KEYS: &str = "No test key or test webhook secret remains in the live configuration";
const PRICES: &str = "No test price id remains in the live configuration";

/// Markers of a test-mode credential at the start of a value (or anywhere, for keys).
const TEST_MARKERS: &[&str] = &["sk_test_", "rk_test_", "pk_test_"];

/// The variables whose value holds a test-mode credential, with its shown prefix.
pub fn test_credentials(d: &Deployment) -> Vec<(String, String)> {
    d.vars
        .iter()
        .filter_map(|(name, value)| {
            let value = value.trim();
            if let Some(marker) = TEST_MARKERS.iter().find(|m| value.contains(*m)) {
                return Some((name.clone(), format!("{marker}…")));
            }
            value
                .starts_with("whsec_test")
                .then(|| (name.clone(), redact(value)))
        })
        .collect()
}

/// The §9 checks; `prices` are §2's findings about the mapped prices.
pub fn checks(d: &Deployment, prices: &[PriceFact]) -> Vec<Check> {
    if !d.is_live() {
        let reason = format!(
            "this is a {} deployment; §9 applies to live ones",
            d.mode_name()
        );
        return vec![
            Check::skip("9", "live-keys", KEYS, reason.clone()),
            Check::skip("9", "live-prices", PRICES, reason),
        ];
    }
    let mut out = Vec::new();
    let found = test_credentials(d);
    if found.is_empty() {
        out.push(Check::pass(
            "9",
            "live-keys",
            KEYS,
            format!("{} variables checked", d.vars.len()),
        ));
    } else {
        let names: Vec<String> = found
            .iter()
            .map(|(name, shown)| format!("{name} ({shown})"))
            .collect();
        out.push(Check::fail(
            "9",
            "live-keys",
            KEYS,
            format!("test-mode credentials in: {}", names.join(", ")),
            "replace each with its live value from the Stripe Dashboard (live mode), or remove the variable",
        ));
    }
    let mut problems = Vec::new();
    if d.get("STRIPE_PLAN_PRICE_MAPPING_TEST").is_some() {
        problems.push("STRIPE_PLAN_PRICE_MAPPING_TEST is set".to_string());
    }
    for fact in prices {
        if fact.livemode == Some(false) || fact.test_only {
            problems.push(format!(
                "{} → {} is a test-mode price",
                fact.plan, fact.price_id
            ));
        }
    }
    if problems.is_empty() && prices.is_empty() {
        out.push(Check::skip(
            "9",
            "live-prices",
            PRICES,
            "the mapped prices were not read from Stripe (see items 1 and 2)",
        ));
    } else if problems.is_empty() {
        out.push(Check::pass(
            "9",
            "live-prices",
            PRICES,
            format!("{} mapped prices are live-mode prices", prices.len()),
        ));
    } else {
        out.push(Check::fail(
            "9",
            "live-prices",
            PRICES,
            problems.join("; "),
            "remove STRIPE_PLAN_PRICE_MAPPING_TEST from the live deployment and map only live price ids in STRIPE_PLAN_PRICE_MAPPING_LIVE",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preflight::Status;
    use crate::preflight::env::LoadedEnv;

    fn live(extra: &[(&str, &str)]) -> Deployment {
        let mut vars =
            crate::preflight::vars([("STRIPE_MODE", "live"), ("STRIPE_SECRET_KEY", "sk_live_x")]);
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Deployment::new(
            LoadedEnv {
                vars,
                ..LoadedEnv::default()
            },
            None,
        )
    }

    #[test]
    fn test_credentials_anywhere_fail_a_live_deployment() {
        let d = live(&[
            ("OLD_KEY", "sk_test_abc"),
            ("FRONTEND_KEY", "pk_test_abc"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_testabc"),
        ]);
        let checks = checks(&d, &[]);
        assert_eq!(checks[0].status, Status::Fail);
        let detail = checks[0].detail.as_deref().unwrap();
        assert!(detail.contains("OLD_KEY (sk_test_…)"), "{detail}");
        assert!(detail.contains("FRONTEND_KEY") && detail.contains("STRIPE_WEBHOOK_SECRET"));
        assert!(!detail.contains("abc"));
        assert_eq!(checks[1].status, Status::Skip, "no price was read");
        let live_price = PriceFact {
            plan: "basic.monthly".into(),
            price_id: "price_1".into(),
            livemode: Some(true),
            test_only: false,
        };
        let clean = super::checks(&live(&[]), &[live_price]);
        assert!(clean.iter().all(|c| c.status == Status::Pass), "{clean:?}");
    }

    #[test]
    fn test_prices_and_a_test_mapping_fail_a_live_deployment() {
        let d = live(&[("STRIPE_PLAN_PRICE_MAPPING_TEST", "{}")]);
        let fact = PriceFact {
            plan: "basic.monthly".into(),
            price_id: "price_1".into(),
            livemode: Some(false),
            test_only: false,
        };
        let checks = checks(&d, &[fact]);
        assert_eq!(checks[0].status, Status::Pass);
        let detail = checks[1].detail.as_deref().unwrap();
        assert!(detail.contains("STRIPE_PLAN_PRICE_MAPPING_TEST is set"));
        assert!(detail.contains("basic.monthly → price_1 is a test-mode price"));
    }

    #[test]
    fn a_test_deployment_is_not_checked() {
        let d = Deployment::new(
            LoadedEnv {
                vars: crate::preflight::vars([("STRIPE_SECRET_KEY", "sk_test_x")]),
                ..LoadedEnv::default()
            },
            None,
        );
        assert!(checks(&d, &[]).iter().all(|c| c.status == Status::Skip));
    }
}
